package adapters

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// RetryPolicy says how often and how long to retry transient errors. One
// policy, from --retries and --retry-timeout, serves every layer of a run:
// live reads and writes (the retry wrapper), snapshot transfers and backup
// polling (whose HTTP clients retry by themselves, with its Attempts and
// backoff bounds), so that Retries counts them all.
//
// A request is tried again while both bounds allow it: fewer than Attempts
// tries so far, and less than Timeout since its first failure. The last
// wait is cut short so that the last try lands when Timeout is reached.
//
// Whether an error is transient is the adapter's call (IsRetryable, from
// status codes), never decided from message text.
type RetryPolicy struct {
	Attempts int           // total tries, at least 1
	Timeout  time.Duration // how long one request may keep failing (0: no time bound)
	Base     time.Duration // first backoff
	Max      time.Duration // backoff cap (a server's Retry-After may exceed it)
	// Hint ends the message of a GaveUpError: what the user can do about
	// it (the CLI names its flags here; adapters know none).
	Hint string
	// OnRetry, when set, hears of every retry (for logs): the operation,
	// the attempt that failed (from 1), the wait before the next one, and
	// why.
	OnRetry func(op string, attempt int, wait time.Duration, err error)
	retries atomic.Int64
}

// DefaultRetry tries 8 times, about 30 s of backoff in all; its 2-minute
// Timeout only binds when Attempts is raised.
func DefaultRetry() *RetryPolicy {
	return &RetryPolicy{Attempts: 8, Timeout: 2 * time.Minute, Base: 250 * time.Millisecond, Max: 15 * time.Second}
}

// GaveUpError is a transient error that outlasted the policy: the request
// kept failing for For over Tries tries. It unwraps to the last error, so
// the error's kind (still retryable) and first cause stay visible.
type GaveUpError struct {
	Op     string
	Tries  int
	For    time.Duration
	ByTime bool          // the time bound stopped it, not the tries
	Limit  time.Duration // the policy's Timeout
	Hint   string
	Err    error
}

func (e *GaveUpError) Error() string {
	tries := fmt.Sprintf("%d tries", e.Tries)
	if e.Tries == 1 {
		tries = "1 try"
	}
	limit := "the limit of tries"
	if e.ByTime {
		limit = fmt.Sprintf("the time limit of %s", e.Limit)
	}
	s := fmt.Sprintf("%v; gave up on %s: still failing after %s over %s, %s",
		e.Err, e.Op, tries, e.For.Round(10*time.Millisecond), limit)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// Retries is how many retries happened so far.
func (p *RetryPolicy) Retries() int64 { return p.retries.Load() }

// Retried records a retry made by a client's own retry loop (an HTTP
// client's) and tells OnRetry, as Do does for its own.
func (p *RetryPolicy) Retried(op string, attempt int, wait time.Duration, err error) {
	p.retries.Add(1)
	if p.OnRetry != nil {
		p.OnRetry(op, attempt, wait, err)
	}
}

// Do runs op until it succeeds, fails permanently, outlasts the policy
// (a GaveUpError) or ctx ends.
func (p *RetryPolicy) Do(ctx context.Context, name string, op func(context.Context) error) error {
	b := p.Budget(name)
	for {
		err := op(ctx)
		if err == nil {
			return nil
		}
		ok, after := IsRetryable(err)
		var inner *GaveUpError
		// An inner Do already spent a budget on it: do not spend another.
		if !ok || ctx.Err() != nil || errors.As(err, &inner) {
			return err
		}
		d, gaveUp := b.Next(err, after)
		if gaveUp != nil {
			return gaveUp
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Budget follows one request through its tries, for Do and for retry
// loops that are not Do's (the snapshot and backup HTTP clients), so that
// every layer stops at the same bounds with the same GaveUpError.
type Budget struct {
	p       *RetryPolicy
	op      string
	attempt int
	first   time.Time
	wait    time.Duration
}

// Budget starts the budget of one request, named op in messages.
func (p *RetryPolicy) Budget(op string) *Budget { return &Budget{p: p, op: op, wait: p.Base} }

// Next is told of each failed try of a transient error err, with the wait
// the server asked for (0: none). It returns the wait before the next try
// and reports the retry, or a *GaveUpError once a bound is reached.
func (b *Budget) Next(err error, after time.Duration) (time.Duration, *GaveUpError) {
	b.attempt++
	if b.attempt == 1 {
		b.first = time.Now()
	}
	failing := time.Since(b.first)
	d, more := b.p.next(b.attempt, failing, b.wait, after)
	if !more {
		byTime := b.attempt < b.p.Attempts
		return 0, &GaveUpError{Op: b.op, Tries: b.attempt, For: failing, ByTime: byTime, Limit: b.p.Timeout, Hint: b.p.Hint, Err: err}
	}
	b.p.Retried(b.op, b.attempt, d, err)
	b.wait = min(b.wait*2, b.p.Max)
	return d, nil
}

// Tries is how many failed tries Next was told of.
func (b *Budget) Tries() int { return b.attempt }

type budgetKey struct{}

// WithBudget carries b in ctx, to a retry hook that sees only the context
// of the request (go-retryablehttp's CheckRetry).
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom is the budget WithBudget put in ctx, nil if none.
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}

// next is the wait before the try after attempt, whose request has been
// failing for failing; false when a bound is reached.
func (p *RetryPolicy) next(attempt int, failing, wait, after time.Duration) (time.Duration, bool) {
	if attempt >= p.Attempts || (p.Timeout > 0 && failing >= p.Timeout) {
		return 0, false
	}
	d := wait/2 + rand.N(wait/2+1) // jitter in [wait/2, wait]
	if after > 0 {
		d = after
	}
	if p.Timeout > 0 {
		d = min(d, p.Timeout-failing)
	}
	return d, true
}
