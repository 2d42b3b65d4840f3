package adapters

import (
	"context"
	"sync"
)

// FirstCause keeps the one error that explains why goroutines working
// together stopped. When one of them fails, FirstCause cancels their
// shared context; the others then end with errors of that cancellation
// ("context canceled", a gRPC Canceled, a write cut short) that say nothing
// of why. Because the first error is recorded before the context is
// cancelled (as golang.org/x/sync/errgroup does), every error caused by the
// cancellation comes later and is dropped: the user sees the original
// cause.
type FirstCause struct {
	mu      sync.Mutex
	err     error
	stopped bool
	cancel  context.CancelFunc
}

// WithFirstCause returns a context for the goroutines, which ends when
// the first error is recorded, when Stop is called, or when ctx ends.
func WithFirstCause(ctx context.Context) (context.Context, *FirstCause) {
	ctx, cancel := context.WithCancel(ctx)
	return ctx, &FirstCause{cancel: cancel}
}

// Fail records err, unless an error was recorded already or Stop was
// called, and cancels the context. It reports whether err was recorded. A
// nil err is ignored.
func (f *FirstCause) Fail(err error) bool {
	if err == nil {
		return false
	}
	f.mu.Lock()
	first := f.err == nil && !f.stopped
	if first {
		f.err = err
	}
	f.mu.Unlock()
	f.cancel()
	return first
}

// Err returns the recorded error, or nil.
func (f *FirstCause) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// Stop cancels the context without an error; errors reported after it
// are dropped. Call it (deferred) when the work is over.
func (f *FirstCause) Stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.cancel()
}
