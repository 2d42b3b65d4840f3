package wrap

import (
	"context"

	"github.com/vecmig/vecmig/adapters"
)

// retrySource retries a Source's reads by p.
type retrySource struct {
	adapters.Source
	p *adapters.RetryPolicy
}

// Retry wraps a Source so that transient errors of its reads (and of its
// ReadRaw, ActivatePartition and Search, when it has them) are retried by
// p.
func Retry(s adapters.Source, p *adapters.RetryPolicy) adapters.Source {
	return &retrySource{s, p}
}

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

// Unwrap exposes the wrapped Source to adapters.As.
func (s *retrySource) Unwrap() any { return s.Source }

// WrapAbility retries ActivatePartition, ReadRaw and Search of a Source
// that has them.
func (s *retrySource) WrapAbility(target any) bool {
	return wrapAbility(target, s.Source, func(a adapters.PartitionActivator) adapters.PartitionActivator {
		return retryActivator{a, s.p}
	}) || wrapAbility(target, s.Source, func(r adapters.RawReader) adapters.RawReader {
		return retryRawReader{r, s.p}
	}) || wrapAbility(target, s.Source, func(r adapters.Searcher) adapters.Searcher {
		return retrySearcher{r, s.p}
	}) || wrapAbility(target, s.Source, func(r adapters.ChangeReader) adapters.ChangeReader {
		return retryChangeReader{r, s.p}
	})
}

type retryActivator struct {
	adapters.PartitionActivator
	p *adapters.RetryPolicy
}

// ActivatePartition retries the activation and the putting back: setting
// a status is idempotent.
func (a retryActivator) ActivatePartition(ctx context.Context, part string) (func(context.Context) error, error) {
	var undo func(context.Context) error
	err := a.p.Do(ctx, "activate partition", func(ctx context.Context) (err error) {
		undo, err = a.PartitionActivator.ActivatePartition(ctx, part)
		return err
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return a.p.Do(ctx, "put partition back", undo) }, nil
}

type retryRawReader struct {
	adapters.RawReader
	p *adapters.RetryPolicy
}

func (r retryRawReader) ReadRaw(ctx context.Context, req adapters.ReadRequest) (pg adapters.RawPage, err error) {
	err = r.p.Do(ctx, "read", func(ctx context.Context) error { pg, err = r.RawReader.ReadRaw(ctx, req); return err })
	return pg, err
}

type retrySearcher struct {
	adapters.Searcher
	p *adapters.RetryPolicy
}

// Search retries like a read: a search changes nothing.
func (r retrySearcher) Search(ctx context.Context, req adapters.SearchRequest) (hs []adapters.SearchHit, err error) {
	err = r.p.Do(ctx, "search", func(ctx context.Context) error { hs, err = r.Searcher.Search(ctx, req); return err })
	return hs, err
}

// retrySink retries a Sink's calls by p, but not Prepare, which creates
// or deletes a collection and is not safe to repeat blindly.
type retrySink struct {
	adapters.Sink
	p *adapters.RetryPolicy
}

// RetrySink wraps a Sink so that transient errors are retried. Writes are
// idempotent upserts, so retrying a batch that did land is harmless.
func RetrySink(s adapters.Sink, p *adapters.RetryPolicy) adapters.Sink { return &retrySink{s, p} }

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

// Unwrap exposes the wrapped Sink to adapters.As.
func (s *retrySink) Unwrap() any { return s.Sink }

// WrapAbility retries WriteRaw of a Sink that has it.
func (s *retrySink) WrapAbility(target any) bool {
	return wrapAbility(target, s.Sink, func(w adapters.RawWriter) adapters.RawWriter {
		return retryRawWriter{w, s.p}
	}) || wrapAbility(target, s.Sink, func(d adapters.Deleter) adapters.Deleter {
		return retryDeleter{d, s.p}
	})
}

type retryRawWriter struct {
	adapters.RawWriter
	p *adapters.RetryPolicy
}

// WriteRaw retries like Write: raw writes are idempotent upserts too.
func (w retryRawWriter) WriteRaw(ctx context.Context, part string, b adapters.RawBatch) error {
	return w.p.Do(ctx, "write", func(ctx context.Context) error { return w.RawWriter.WriteRaw(ctx, part, b) })
}
