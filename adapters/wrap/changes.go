package wrap

import (
	"context"

	"github.com/vecmig/vecmig/adapters"
)

// The layers' versions of the catch-up abilities: a ChangeReader is
// retried and rate limited like Read; a Deleter is retried (deleting an
// id twice is harmless) and refused by dry run.

type retryChangeReader struct {
	adapters.ChangeReader
	p *adapters.RetryPolicy
}

func (r retryChangeReader) CheckChangedField(ctx context.Context, field string) (f adapters.ChangedField, fs []adapters.Finding, err error) {
	err = r.p.Do(ctx, "check the changed-since field", func(ctx context.Context) error {
		f, fs, err = r.ChangeReader.CheckChangedField(ctx, field)
		return err
	})
	return f, fs, err
}

func (r retryChangeReader) ReadChanged(ctx context.Context, req adapters.ChangedRequest) (pg adapters.Page, err error) {
	err = r.p.Do(ctx, "read changed", func(ctx context.Context) error { pg, err = r.ChangeReader.ReadChanged(ctx, req); return err })
	return pg, err
}

type retryDeleter struct {
	adapters.Deleter
	p *adapters.RetryPolicy
}

func (d retryDeleter) Delete(ctx context.Context, part string, ids []adapters.ID) error {
	return d.p.Do(ctx, "delete", func(ctx context.Context) error { return d.Deleter.Delete(ctx, part, ids) })
}

type limitChangeReader struct {
	adapters.ChangeReader
	l *limiter
}

func (r limitChangeReader) ReadChanged(ctx context.Context, req adapters.ChangedRequest) (adapters.Page, error) {
	start, err := r.l.wait(ctx)
	if err != nil {
		return adapters.Page{}, err
	}
	pg, err := r.ChangeReader.ReadChanged(ctx, req)
	r.l.took(start, len(pg.Points))
	return pg, err
}

type dryRunDeleter struct {
	adapters.Deleter
	endpoint string
}

func (d dryRunDeleter) Delete(context.Context, string, []adapters.ID) error {
	return refuse(d.endpoint, "delete")
}
