package wrap

import (
	"context"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// limitSource keeps the points read from a Source under a rate.
type limitSource struct {
	adapters.Source
	l *limiter
}

// Limit wraps a Source so that it reads at most perSecond points a second
// (Read, ReadRaw and Get, together, over every goroutine). A read waits
// for its turn, or for ctx to end.
func Limit(s adapters.Source, perSecond float64) adapters.Source {
	return &limitSource{s, &limiter{perPoint: float64(time.Second) / perSecond}}
}

func (s *limitSource) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	start, err := s.l.wait(ctx)
	if err != nil {
		return adapters.Page{}, err
	}
	pg, err := s.Source.Read(ctx, req)
	s.l.took(start, len(pg.Points))
	return pg, err
}

func (s *limitSource) Get(ctx context.Context, part string, ids []adapters.ID) ([]adapters.Point, error) {
	start, err := s.l.wait(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.Source.Get(ctx, part, ids)
	s.l.took(start, len(ps))
	return ps, err
}

// Unwrap exposes the wrapped Source to adapters.As.
func (s *limitSource) Unwrap() any { return s.Source }

// WrapAbility limits ReadRaw of a Source that has it.
func (s *limitSource) WrapAbility(target any) bool {
	return wrapAbility(target, s.Source, func(r adapters.RawReader) adapters.RawReader {
		return limitRawReader{r, s.l}
	}) || wrapAbility(target, s.Source, func(r adapters.ChangeReader) adapters.ChangeReader {
		return limitChangeReader{r, s.l}
	})
}

type limitRawReader struct {
	adapters.RawReader
	l *limiter
}

func (r limitRawReader) ReadRaw(ctx context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	start, err := r.l.wait(ctx)
	if err != nil {
		return adapters.RawPage{}, err
	}
	pg, err := r.RawReader.ReadRaw(ctx, req)
	n := len(pg.Points)
	if pg.Batch != nil {
		n += pg.Batch.Len()
	}
	r.l.took(start, n)
	return pg, err
}

// limiter spaces reads so that each read's points take their share of
// time: a read that started at t with n points lets the next start at
// t + n/rate. Time spent idle earns no credit, so no burst follows a pause.
type limiter struct {
	perPoint float64 // nanoseconds per point
	mu       sync.Mutex
	next     time.Time // when the next read may start
}

// wait blocks until a read may start and returns that moment.
func (l *limiter) wait(ctx context.Context) (time.Time, error) {
	l.mu.Lock()
	next := l.next
	l.mu.Unlock()
	d := time.Until(next)
	if d <= 0 {
		return time.Now(), nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	case <-t.C:
		return next, nil
	}
}

// took charges n points to a read that started at start.
func (l *limiter) took(start time.Time, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next = later(l.next, start).Add(time.Duration(float64(n) * l.perPoint))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
