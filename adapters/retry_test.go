package adapters_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

var errDown = adapters.Retryable(errors.New("weaviate 127.0.0.1:8080: connection refused"), 0)

// failing fails every try with errDown and counts the tries.
func failing(tries *int) func(context.Context) error {
	return func(context.Context) error { *tries++; return errDown }
}

// TestRetryTimeoutStopsBeforeTries: with many tries allowed, the time
// bound gives up, about when it is reached, with a message that says so.
func TestRetryTimeoutStopsBeforeTries(t *testing.T) {
	p := &adapters.RetryPolicy{Attempts: 1000, Timeout: 300 * time.Millisecond, Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, Hint: "raise --retry-timeout"}
	tries, start := 0, time.Now()
	err := p.Do(context.Background(), "write", failing(&tries))
	took := time.Since(start)
	if took < 300*time.Millisecond || took > 800*time.Millisecond {
		t.Errorf("gave up after %s, want about 300ms", took)
	}
	var g *adapters.GaveUpError
	if !errors.As(err, &g) || !g.ByTime || g.Tries != tries || g.For < 300*time.Millisecond {
		t.Fatalf("err = %#v after %d tries, want a GaveUpError by time", err, tries)
	}
	if tries < 5 || tries >= 1000 {
		t.Errorf("%d tries in 300ms with backoff 10..40ms", tries)
	}
	if !errors.Is(err, errDown) || adapters.KindOf(err) != adapters.KindRetryable {
		t.Errorf("the last error and its kind are lost: %v", err)
	}
	for _, want := range []string{"connection refused", "gave up on write", "the time limit of 300ms", "raise --retry-timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if p.Retries() != int64(tries-1) {
		t.Errorf("Retries() = %d, want %d", p.Retries(), tries-1)
	}
}

// TestRetryTriesStopBeforeTimeout: with a long time bound, the tries
// bound still stops it, as before --retry-timeout existed.
func TestRetryTriesStopBeforeTimeout(t *testing.T) {
	p := &adapters.RetryPolicy{Attempts: 3, Timeout: time.Minute, Base: time.Millisecond, Max: time.Millisecond}
	tries := 0
	err := p.Do(context.Background(), "read", failing(&tries))
	var g *adapters.GaveUpError
	if tries != 3 || !errors.As(err, &g) || g.ByTime || !strings.Contains(err.Error(), "after 3 tries") {
		t.Fatalf("%d tries, err %v; want 3 tries and a GaveUpError by tries", tries, err)
	}
}

// TestRetryLastWaitCutToDeadline: a Retry-After longer than what is left
// of the time bound is cut short, and one last try happens at the bound.
func TestRetryLastWaitCutToDeadline(t *testing.T) {
	slow := adapters.Retryable(errors.New("429"), time.Hour)
	p := &adapters.RetryPolicy{Attempts: 10, Timeout: 200 * time.Millisecond, Base: time.Millisecond, Max: time.Millisecond}
	tries, start := 0, time.Now()
	err := p.Do(context.Background(), "read", func(context.Context) error { tries++; return slow })
	if took := time.Since(start); tries != 2 || took > time.Second {
		t.Fatalf("%d tries in %s (err %v), want 2 tries in about 200ms", tries, took, err)
	}
}

// TestRetryRecoversWithinTimeout: an outage shorter than the bound is
// ridden out.
func TestRetryRecoversWithinTimeout(t *testing.T) {
	p := &adapters.RetryPolicy{Attempts: 1000, Timeout: time.Second, Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	up := time.Now().Add(150 * time.Millisecond)
	err := p.Do(context.Background(), "write", func(context.Context) error {
		if time.Now().Before(up) {
			return errDown
		}
		return nil
	})
	if err != nil {
		t.Fatalf("a 150ms outage under a 1s bound: %v", err)
	}
}

// TestRetryNotTwice: an error an inner Do gave up on is not retried again
// by an outer one, and a permanent error is not retried at all.
func TestRetryNotTwice(t *testing.T) {
	inner := &adapters.RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}
	outer := &adapters.RetryPolicy{Attempts: 5, Timeout: time.Second, Base: time.Millisecond, Max: time.Millisecond}
	tries := 0
	outer.Do(context.Background(), "outer", func(ctx context.Context) error { return inner.Do(ctx, "inner", failing(&tries)) })
	if tries != 2 {
		t.Errorf("%d tries, want the inner 2 only", tries)
	}
	tries = 0
	perm := errors.New("class exists")
	if err := outer.Do(context.Background(), "x", func(context.Context) error { tries++; return perm }); err != perm || tries != 1 {
		t.Errorf("permanent error: %d tries, err %v", tries, err)
	}
}

// TestDefaultRetryKeepsTries: the defaults give up no later than before
// (8 tries, backoff capped at 15s), the 2-minute bound above that.
func TestDefaultRetryKeepsTries(t *testing.T) {
	p := adapters.DefaultRetry()
	if p.Attempts != 8 || p.Timeout != 2*time.Minute || p.Max != 15*time.Second {
		t.Errorf("defaults %+v", p)
	}
}
