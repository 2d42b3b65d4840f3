package testserver

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var atExit struct {
	mu    sync.Mutex
	stops []func() error
}

// OnExit registers a stop function for a server shared by a test binary;
// Main runs it after the tests.
func OnExit(stop func() error) {
	atExit.mu.Lock()
	defer atExit.mu.Unlock()
	atExit.stops = append(atExit.stops, stop)
}

// Main runs a package's tests, then stops every shared server registered
// with OnExit (Qdrant, Weaviate alike):
//
//	func TestMain(m *testing.M) { testserver.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops every server registered with OnExit, last first, and
// prints what failed to stop; for a TestMain that does more than Main.
func StopShared() {
	atExit.mu.Lock()
	stops := atExit.stops
	atExit.stops = nil
	atExit.mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		if err := stops[i](); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}
