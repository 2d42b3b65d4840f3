package adapters

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// RetryPolicy says how often and how long to retry transient errors. One
// policy, from --retries, serves every layer of a run: live reads and
// writes (the retry wrapper), snapshot transfers and backup polling (whose
// HTTP clients retry by themselves, with its Attempts and backoff bounds),
// so that Retries counts them all.
//
// Whether an error is transient is the adapter's call (IsRetryable, from
// status codes), never decided from message text.
type RetryPolicy struct {
	Attempts int           // total tries, at least 1
	Base     time.Duration // first backoff
	Max      time.Duration // backoff cap (a server's Retry-After may exceed it)
	// OnRetry, when set, hears of every retry (for logs): the operation,
	// the attempt that failed (from 1), the wait before the next one, and
	// why.
	OnRetry func(op string, attempt int, wait time.Duration, err error)
	retries atomic.Int64
}

// DefaultRetry tries 8 times over roughly a minute.
func DefaultRetry() *RetryPolicy {
	return &RetryPolicy{Attempts: 8, Base: 250 * time.Millisecond, Max: 15 * time.Second}
}

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

// Do runs op until it succeeds, fails permanently, runs out of attempts or
// ctx ends.
func (p *RetryPolicy) Do(ctx context.Context, name string, op func(context.Context) error) error {
	wait := p.Base
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		ok, after := IsRetryable(err)
		if !ok || attempt >= p.Attempts || ctx.Err() != nil {
			return err
		}
		d := wait/2 + rand.N(wait/2+1) // jitter in [wait/2, wait]
		if after > 0 {
			d = after
		}
		p.Retried(name, attempt, d, err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(wait*2, p.Max)
	}
}
