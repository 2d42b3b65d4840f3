package migrate

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// RetryPolicy says how often and how long to retry transient errors.
// Whether an error is transient is the adapter's call (adapters.IsRetryable,
// from status codes), never decided here from message text.
type RetryPolicy struct {
	Attempts int           // total tries, at least 1
	Base     time.Duration // first backoff
	Max      time.Duration // backoff cap (a server's Retry-After may exceed it)
	// OnRetry, when set, hears of every retry (for logs).
	OnRetry func(op string, attempt int, wait time.Duration, err error)
	retries atomic.Int64
}

// DefaultRetry tries 8 times over roughly a minute.
func DefaultRetry() *RetryPolicy {
	return &RetryPolicy{Attempts: 8, Base: 250 * time.Millisecond, Max: 15 * time.Second}
}

// Retries is how many retries happened so far.
func (p *RetryPolicy) Retries() int64 { return p.retries.Load() }

// Do runs op until it succeeds, fails permanently, runs out of attempts or
// ctx ends.
func (p *RetryPolicy) Do(ctx context.Context, name string, op func(context.Context) error) error {
	wait := p.Base
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		ok, after := adapters.IsRetryable(err)
		if !ok || attempt >= p.Attempts || ctx.Err() != nil {
			return err
		}
		d := wait/2 + rand.N(wait/2+1) // jitter in [wait/2, wait]
		if after > 0 {
			d = after
		}
		p.retries.Add(1)
		if p.OnRetry != nil {
			p.OnRetry(name, attempt, d, err)
		}
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

// retrySource retries a Source's reads. It wraps any adapter, so no adapter
// carries retry code of its own.
type retrySource struct {
	adapters.Source
	p *RetryPolicy
}

// WithRetry wraps a Source so that transient read errors are retried.
func WithRetry(s adapters.Source, p *RetryPolicy) adapters.Source { return &retrySource{s, p} }

func (s *retrySource) Describe(ctx context.Context) (c *adapters.Collection, err error) {
	err = s.p.Do(ctx, "describe", func(ctx context.Context) error { c, err = s.Source.Describe(ctx); return err })
	return c, err
}

func (s *retrySource) Count(ctx context.Context, part string) (n uint64, err error) {
	err = s.p.Do(ctx, "count", func(ctx context.Context) error { n, err = s.Source.Count(ctx, part); return err })
	return n, err
}

func (s *retrySource) Read(ctx context.Context, req adapters.ReadRequest) (pg adapters.Page, err error) {
	err = s.p.Do(ctx, "read", func(ctx context.Context) error { pg, err = s.Source.Read(ctx, req); return err })
	return pg, err
}

func (s *retrySource) Get(ctx context.Context, part string, ids []adapters.ID) (ps []adapters.Point, err error) {
	err = s.p.Do(ctx, "get", func(ctx context.Context) error { ps, err = s.Source.Get(ctx, part, ids); return err })
	return ps, err
}

// ActivatePartition passes the optional ability through the wrapper.
func (s *retrySource) ActivatePartition(ctx context.Context, part string) (func(context.Context) error, error) {
	a, ok := s.Source.(adapters.PartitionActivator)
	if !ok {
		return func(context.Context) error { return nil }, nil
	}
	return a.ActivatePartition(ctx, part)
}

// ReadsSequentially passes the optional ability through the wrapper.
func (s *retrySource) ReadsSequentially() bool {
	q, ok := s.Source.(adapters.SequentialReader)
	return ok && q.ReadsSequentially()
}

// NativeFormat passes the optional ability through the wrapper.
func (s *retrySource) NativeFormat() string {
	r, ok := s.Source.(adapters.NativeReader)
	if !ok {
		return ""
	}
	return r.NativeFormat()
}

type retrySink struct {
	adapters.Sink
	p *RetryPolicy
}

// WithRetrySink wraps a Sink so that transient errors are retried. Writes
// are idempotent upserts, so retrying a batch that did land is harmless.
func WithRetrySink(s adapters.Sink, p *RetryPolicy) adapters.Sink { return &retrySink{s, p} }

func (s *retrySink) Exists(ctx context.Context) (ok bool, err error) {
	err = s.p.Do(ctx, "exists", func(ctx context.Context) error { ok, err = s.Sink.Exists(ctx); return err })
	return ok, err
}

func (s *retrySink) Write(ctx context.Context, part string, ps []adapters.Point) error {
	return s.p.Do(ctx, "write", func(ctx context.Context) error { return s.Sink.Write(ctx, part, ps) })
}

func (s *retrySink) Finish(ctx context.Context) error {
	return s.p.Do(ctx, "finish", s.Sink.Finish)
}

func (s *retrySink) Count(ctx context.Context, part string) (n uint64, err error) {
	err = s.p.Do(ctx, "count", func(ctx context.Context) error { n, err = s.Sink.Count(ctx, part); return err })
	return n, err
}

// RequiresOrder passes the optional ability through the wrapper.
func (s *retrySink) RequiresOrder() bool {
	o, ok := s.Sink.(adapters.OrderedSink)
	return ok && o.RequiresOrder()
}

// AcceptsNative passes the optional ability through the wrapper.
func (s *retrySink) AcceptsNative(format string) bool {
	w, ok := s.Sink.(adapters.NativeWriter)
	return ok && w.AcceptsNative(format)
}
