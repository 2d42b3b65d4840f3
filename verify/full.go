package verify

import (
	"bytes"
	"context"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
)

// full compares every point: each partition's id space is cut into ranges,
// and each range is read on both sides at once and merged as two sorted
// streams, so memory holds a few pages per worker whatever the size.
func (v *verifier) full(ctx context.Context, parts []partition) error {
	if !v.mapping.OrderPreserving() {
		return adapters.Errorf(adapters.KindIncompatible, "%s -> %s: the id mapping between these engines does not keep id order, so full mode cannot merge both sides; use --mode sample", v.src.Endpoint(), v.dst.Endpoint())
	}
	for _, p := range parts {
		err := activatedBoth(ctx, v, p, func(ctx context.Context) error { return v.fullPartition(ctx, p) })
		if err != nil {
			return err
		}
		// Reading every point must meet the exact count taken before; if
		// not, points were missed or the source changed meanwhile, and an
		// "equal" would not be proven.
		r := v.report
		if seen := r.partSourceSeen[p.name]; p.onSource && seen != p.srcN && r.ChangedSinceField == "" {
			r.Incomplete = true
			r.note("partition %q: reading the source returned %d points, but it counted %d just before; the source changed during verification (or its reads are inconsistent), so the result is not a proof: run again on a quiet source or name --changed-since-field", p.name, seen, p.srcN)
		}
	}
	return nil
}

// activatedBoth keeps the partition readable on both sides meanwhile.
func activatedBoth(ctx context.Context, v *verifier, p partition, f func(context.Context) error) error {
	inner := func() error { return f(ctx) }
	if p.onTarget {
		g := inner
		inner = func() error { return adapters.WithPartition(ctx, v.dst, p.name, v.opts.logf, g) }
	}
	if p.onSource {
		g := inner
		inner = func() error { return adapters.WithPartition(ctx, v.src, p.name, v.opts.logf, g) }
	}
	return inner()
}

// sequential reports whether s is best read front to back (a file dump).
func sequential(s adapters.Source) bool {
	q, ok := adapters.As[adapters.SequentialReader](s)
	return ok && q.ReadsSequentially()
}

// rangesPerWorker keeps workers busy when ranges are uneven (ids clustered
// in part of the space): a worker that finishes early takes the next one.
const rangesPerWorker = 8

func (v *verifier) fullPartition(ctx context.Context, p partition) error {
	n := max(p.srcN, p.dstN)
	k := int(min(uint64(v.opts.Workers*rangesPerWorker), n/uint64(4*v.opts.PageSize)))
	ranges := []idspace.Range{{}}
	if k > 1 && !sequential(v.src) && !sequential(v.dst) {
		var sb, db idspace.Bounds
		err := both(ctx, func(ctx context.Context) (err error) {
			if p.onSource {
				sb, err = idspace.Find(ctx, v.src, p.name)
			}
			return err
		}, func(ctx context.Context) (err error) {
			// Across engines the target's ids live in another space:
			// the ranges are the source's, mapped for the target.
			if p.onTarget && v.mapping.Identity() {
				db, err = idspace.Find(ctx, v.dst, p.name)
			}
			return err
		})
		if err != nil {
			return err
		}
		ranges = sb.Union(db).Split(k)
	}
	return v.parallel(ctx, len(ranges), func(ctx context.Context, i int) error {
		return v.mergeRange(ctx, p, ranges[i])
	})
}

// stream reads one side of a range page by page into a channel.
type stream struct {
	pages chan []adapters.Point
	err   error
}

// readRange streams one side of a range; a failure is recorded in fc
// before the stream ends.
func (v *verifier) readRange(ctx context.Context, fc *adapters.FirstCause, s adapters.Source, present bool, part string, r idspace.Range) *stream {
	st := &stream{pages: make(chan []adapters.Point, 2)}
	go func() {
		defer close(st.pages)
		if present {
			st.err = v.streamRange(ctx, st.pages, s, part, r)
			fc.Fail(st.err)
		}
	}()
	return st
}

func (v *verifier) streamRange(ctx context.Context, out chan<- []adapters.Point, s adapters.Source, part string, r idspace.Range) error {
	after := r.After
	for {
		page, err := s.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: v.opts.PageSize})
		if err != nil {
			return err
		}
		pts := page.Points
		past := false
		for i := range pts {
			if after != nil && !after.Less(pts[i].ID) {
				return fmt.Errorf("%s: point %s came after %s: the pages are not in id order, so they cannot be merged (an adapter bug; please report it)", s.Endpoint(), pts[i].ID, after)
			}
			id := pts[i].ID
			after = &id
			if !r.NotPast(pts[i].ID) {
				pts, past = pts[:i], true
				break
			}
		}
		if len(pts) > 0 {
			select {
			case out <- pts:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if page.Done || past {
			return nil
		}
		if len(page.Points) == 0 {
			return fmt.Errorf("%s: an empty page that is not the last one after %v (an adapter bug; please report it)", s.Endpoint(), after)
		}
	}
}

// stopStreams ends the streams after one failed and returns the first
// cause, dropping what the others got from being stopped.
func stopStreams(fc *adapters.FirstCause, sts ...*stream) error {
	err := fc.Err()
	fc.Stop()
	for _, st := range sts {
		for range st.pages {
		}
	}
	return err
}

// cursor walks a stream point by point.
type cursor struct {
	st   *stream
	page []adapters.Point
	i    int
}

// peek returns the next point, or nil at the end of the stream. A stream
// that failed returns its error, so that its end is never taken for the
// end of the range.
func (c *cursor) peek() (*adapters.Point, error) {
	for c.i >= len(c.page) {
		pg, ok := <-c.st.pages
		if !ok {
			return nil, c.st.err
		}
		c.page, c.i = pg, 0
	}
	return &c.page[c.i], nil
}

// targetRange is r (source ids) in the target's ids. The mapping keeps
// the order (full checks it), so consecutive ranges stay consecutive and
// the mapped ranges still cover the whole target.
func (v *verifier) targetRange(r idspace.Range) idspace.Range {
	for _, end := range []**adapters.ID{&r.After, &r.Upto} {
		if *end != nil {
			id := v.mapping.TargetID(**end)
			*end = &id
		}
	}
	return r
}

// mergeRange compares one range of one partition.
func (v *verifier) mergeRange(ctx context.Context, p partition, r idspace.Range) error {
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	sc := &cursor{st: v.readRange(ctx, fc, v.src, p.onSource, p.name, r)}
	dc := &cursor{st: v.readRange(ctx, fc, v.dst, p.onTarget, p.name, v.targetRange(r))}
	var buf bytes.Buffer
	n := 0
	for {
		s, err := sc.peek()
		if err != nil {
			return stopStreams(fc, sc.st, dc.st)
		}
		d, err := dc.peek()
		if err != nil {
			return stopStreams(fc, sc.st, dc.st)
		}
		if s == nil && d == nil {
			break
		}
		switch {
		case d == nil || (s != nil && v.mapping.TargetID(s.ID).Less(d.ID)):
			v.decide(p.name, s, nil, &buf)
			sc.i++
		case s == nil || d.ID.Less(v.mapping.TargetID(s.ID)):
			v.decide(p.name, nil, d, &buf)
			dc.i++
		default:
			v.decide(p.name, s, d, &buf)
			sc.i++
			dc.i++
		}
		if n++; n%1024 == 0 {
			if err := v.flushListing(&buf); err != nil {
				return err
			}
		}
	}
	return v.flushListing(&buf)
}
