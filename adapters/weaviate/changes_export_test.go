package weaviate

import (
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// SetReadChangedHooks sets ReadChanged's test hooks for the test's
// duration (the test must not run in parallel with another ReadChanged).
func SetReadChangedHooks(t testing.TB, narrowed func(hi adapters.ID), emptied func()) {
	testHookNarrowed, testHookEmptied = narrowed, emptied
	t.Cleanup(func() { testHookNarrowed, testHookEmptied = nil, nil })
}
