package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
)

// catchUpRun is one catch-up pass over every partition.
type catchUpRun struct {
	lp      *livePlan
	c       *copier // writes pages through the mapping, as the first pass did
	reader  adapters.ChangeReader
	del     adapters.Deleter
	tgt     adapters.Source // the target's reading side
	rep     CatchUpReport
	deletes bool // delete the target's points the source lacks (CatchUp.deletes)
}

// catchUp runs a planned catch-up: re-copy the changed points, delete the
// target's points the source no longer holds, count both sides, and
// record the pass's start in the state. A pass that fails or is stopped
// records nothing, so running it again starts from the same moment.
func catchUp(ctx context.Context, job Job, p *Plan) (res *Result, err error) {
	lp := p.live
	cu := &catchUpRun{lp: lp, c: &copier{opts: lp.opts, src: lp.src, dst: lp.dst, st: lp.st},
		deletes: job.Options.CatchUp.deletes(lp.st)}
	cu.rep.DeletesSkipped = !cu.deletes
	cu.rep.Started = time.Now().UTC()
	cu.rep.Since = job.Options.CatchUp.since(lp.st)
	if lp.crossEngine() {
		cu.c.mapping = lp.tr.Mapping
	}
	cu.reader, _ = adapters.As[adapters.ChangeReader](lp.src)
	cu.del, _ = adapters.As[adapters.Deleter](lp.dst)
	if cu.rep.Field, _, err = cu.reader.CheckChangedField(ctx, job.Options.CatchUp.Field); err != nil {
		return nil, err
	}
	if cu.tgt, err = job.readTarget(ctx); err != nil {
		return nil, fmt.Errorf("open the target %s to find deleted points: %w", lp.dst.Endpoint(), err)
	}
	defer cu.tgt.Close()
	// Keep the target, and make its partitions writable again (Finish put
	// tenants back to the source's statuses after the first pass).
	if err := lp.dst.Prepare(ctx, lp.tr.Def, adapters.ExistsAppend); err != nil {
		return nil, cu.putBack(ctx, err)
	}
	lp.res.Resumed = false
	if err := cu.passes(ctx); err != nil {
		cu.tally()
		return lp.res, cu.putBack(ctx, err)
	}
	return lp.res, cu.finish(ctx)
}

// putBack is Finish after a failed or stopped pass: Prepare activated
// every target tenant, and they go back to the statuses they had. It
// runs also when ctx is cancelled, and returns err, with a failure of its
// own added after it.
func (cu *catchUpRun) putBack(ctx context.Context, err error) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if ferr := cu.lp.dst.Finish(fctx); ferr != nil {
		return fmt.Errorf("%w (and putting the target's tenants back to their statuses failed too: %v; set them yourself, or run the catch-up again)", err, ferr)
	}
	return err
}

// passes re-copies, then deletes, partition by partition.
func (cu *catchUpRun) passes(ctx context.Context) error {
	start := time.Now()
	for _, part := range cu.lp.parts {
		err := adapters.WithPartition(ctx, cu.lp.src, part, cu.lp.opts.logf, func() error { return cu.recopy(ctx, part) })
		if err != nil {
			return err
		}
	}
	cu.rep.RecopyDuration = time.Since(start)
	if !cu.deletes {
		return nil
	}
	start = time.Now()
	for _, part := range cu.lp.parts {
		err := adapters.WithPartition(ctx, cu.lp.src, part, cu.lp.opts.logf, func() error {
			return adapters.WithPartition(ctx, cu.tgt, part, cu.lp.opts.logf, func() error { return cu.prune(ctx, part) })
		})
		if err != nil {
			return err
		}
	}
	cu.rep.DeletesDuration = time.Since(start)
	return nil
}

// recopy writes every changed point of a partition, page by page.
func (cu *catchUpRun) recopy(ctx context.Context, part string) error {
	var after *adapters.ID
	for {
		if cu.c.stopped() {
			return ErrInterrupted
		}
		pg, err := cu.reader.ReadChanged(ctx, adapters.ChangedRequest{Partition: part, Field: cu.rep.Field,
			Since: cu.rep.Since, After: after, Limit: cu.lp.opts.BatchSize})
		if err != nil {
			return fmt.Errorf("read the points of %s partition %q changed since %s, after %s: %w",
				cu.lp.src.Endpoint(), part, cu.rep.Since.Format(time.RFC3339), idOrStart(after), err)
		}
		if n := len(pg.Points); n > 0 {
			if err := cu.c.write(ctx, part, batch{points: pg.Points}); err != nil {
				return err
			}
			cu.rep.Recopied += uint64(n)
			last := pg.Points[n-1].ID
			after = &last
		}
		if pg.Done {
			return nil
		}
		if len(pg.Points) == 0 {
			return fmt.Errorf("read changed points of %s partition %q: an empty page that is not the last; this is a bug in its adapter", cu.lp.src.Endpoint(), part)
		}
	}
}

// prune reads the target's ids of a partition page by page, asks the
// source which of them it holds, and deletes the others. Memory holds one
// page.
func (cu *catchUpRun) prune(ctx context.Context, part string) error {
	var after *adapters.ID
	for {
		if cu.c.stopped() {
			return ErrInterrupted
		}
		pg, err := cu.tgt.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: cu.lp.opts.BatchSize, PayloadOnly: true})
		if err != nil {
			return fmt.Errorf("read the ids of target %s partition %q after %s: %w", cu.tgt.Endpoint(), part, idOrStart(after), err)
		}
		if n := len(pg.Points); n > 0 {
			if err := cu.pruneIDs(ctx, part, pg.Points); err != nil {
				return err
			}
			last := pg.Points[n-1].ID
			after = &last
		}
		if pg.Done || len(pg.Points) == 0 {
			return nil
		}
	}
}

// pruneIDs deletes the points of one target page that the source does
// not hold (across engines, by the inverse of the id rule).
func (cu *catchUpRun) pruneIDs(ctx context.Context, part string, pts []adapters.Point) error {
	srcIDs := make([]adapters.ID, 0, len(pts))
	targetOf := make(map[adapters.ID]adapters.ID, len(pts))
	var gone []adapters.ID
	for _, p := range pts {
		sid, ok := p.ID, true
		if cu.c.mapping != nil {
			sid, ok = mapping.SourceID(cu.c.mapping, p.ID)
		}
		if !ok {
			gone = append(gone, p.ID) // no source point can map onto it
			continue
		}
		srcIDs = append(srcIDs, sid)
		targetOf[sid] = p.ID
	}
	held, err := cu.lp.src.Get(ctx, part, srcIDs)
	if err != nil {
		return fmt.Errorf("look up %d target ids on the source %s (partition %q): %w", len(srcIDs), cu.lp.src.Endpoint(), part, err)
	}
	for _, p := range held {
		delete(targetOf, p.ID)
	}
	for _, tid := range targetOf {
		gone = append(gone, tid)
	}
	cu.rep.Checked += uint64(len(pts))
	if len(gone) == 0 {
		return nil
	}
	if err := cu.del.Delete(ctx, part, gone); err != nil {
		return err
	}
	cu.rep.Deleted += uint64(len(gone))
	return nil
}

// finish makes the writes durable, counts both sides afresh (the source
// moved since the plan counted it) and records the pass's start.
func (cu *catchUpRun) finish(ctx context.Context) error {
	lp := cu.lp
	if err := lp.dst.Finish(ctx); err != nil {
		return err
	}
	counts, err := countPartitions(ctx, lp.src, lp.parts, lp.opts.logf)
	if err != nil {
		return err
	}
	lp.counts, lp.res.SourceCount = counts, 0
	for _, n := range counts {
		lp.res.SourceCount += n
	}
	cu.tally()
	if err := lp.countTarget(ctx); err != nil {
		return err
	}
	if lp.opts.StatePath == "" {
		return nil // --since without --state: nothing to record
	}
	if !lp.loaded {
		// A new state file (--since): it records a copy the next
		// catch-up can follow without --since.
		lp.st.Prepared, lp.st.Finished = true, true
	}
	lp.st.CatchUpStarted = &cu.rep.Started
	return lp.st.Save(lp.opts.StatePath)
}

// tally puts the report into the run's Result.
func (cu *catchUpRun) tally() {
	res := cu.lp.res
	res.Read, res.Written = cu.rep.Recopied, cu.rep.Recopied
	res.Retries = cu.lp.opts.Retry.Retries()
	res.Duration = time.Since(cu.lp.start)
	rep := cu.rep
	res.Copy = &adapters.CopyReport{Method: "catch-up", Summary: rep.Summary(), Duration: res.Duration, Detail: &rep}
}
