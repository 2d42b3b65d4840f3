package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// One goroutine fails; the others end with errors of the cancellation that
// follows, some of which arrive at the collector "first" by the clock. The
// collector keeps the cause, every time.
func TestFirstCauseKeepsTheCause(t *testing.T) {
	cause := errors.New("dump file points.jsonl: checksum mismatch")
	for round := 0; round < 200; round++ {
		ctx, fc := adapters.WithFirstCause(context.Background())
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 3 {
					fc.Fail(cause)
					return
				}
				<-ctx.Done()
				// What a gRPC call cut short says.
				fc.Fail(fmt.Errorf("write batch: %w (gRPC Canceled)", ctx.Err()))
			}()
		}
		wg.Wait()
		if err := fc.Err(); err != cause {
			t.Fatalf("round %d: kept %v; want the cause", round, err)
		}
		fc.Stop()
	}
}

func TestFirstCause(t *testing.T) {
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, fc := adapters.WithFirstCause(parent)
	if fc.Fail(nil) || fc.Err() != nil || ctx.Err() != nil {
		t.Fatal("a nil error counted as a failure")
	}
	// The user's own cancellation is the cause when nothing failed first.
	cancelParent()
	if !fc.Fail(ctx.Err()) || !errors.Is(fc.Err(), context.Canceled) {
		t.Fatalf("after the parent was cancelled: %v", fc.Err())
	}

	ctx, fc = adapters.WithFirstCause(context.Background())
	first, second := errors.New("first"), errors.New("second")
	if !fc.Fail(first) || fc.Fail(second) || fc.Err() != first {
		t.Fatalf("kept %v; want the first", fc.Err())
	}
	if ctx.Err() == nil {
		t.Fatal("a failure did not cancel the context")
	}

	ctx, fc = adapters.WithFirstCause(context.Background())
	fc.Stop()
	if ctx.Err() == nil || fc.Fail(first) || fc.Err() != nil {
		t.Fatalf("after Stop: ctx %v, kept %v; want cancelled and nothing kept", ctx.Err(), fc.Err())
	}
}
