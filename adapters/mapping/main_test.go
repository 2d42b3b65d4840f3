package mapping_test

import (
	"testing"

	"github.com/vecmig/vecmig/adapters/testserver"
)

// TestMain stops the servers the tests share.
func TestMain(m *testing.M) { testserver.Main(m) }
