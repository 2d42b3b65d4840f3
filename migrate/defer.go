package migrate

import (
	"context"
	"strings"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/wrap"
)

// A bulk load: the target's limits on writes are read before anything is
// written and kept to, the number of writers may come from the target's
// layout, and a target vecmig creates may be created with settings held
// back until after the last write (--defer-indexing, strict mode); see
// adapters.BulkLoader.

// BulkState records what the target was created without, so that a
// resumed run puts it back even if the first run stopped before. It is
// saved (Pending) before the target is created, so that a run stopped
// inside Prepare is put right by the next, and cleared once Finish has
// put everything back, so that later passes leave the target's settings
// alone.
type BulkState struct {
	HeldBack []string `json:"held_back"`
	// Restore is adapters.BulkPlan.Restore: exactly what to put back.
	Restore map[string]string `json:"restore,omitempty"`
	// Pending: saved before Prepare; the target may or may not have been
	// created with these settings held back.
	Pending bool `json:"pending,omitempty"`
}

// bulkPlan is what the plan learned about writing to the target.
type bulkPlan struct {
	plan *adapters.BulkPlan // nil: the target has no such ability
	// restoring: the target exists and an earlier run's BulkState was
	// handed to it to put back what it still lacks.
	restoring bool
	notes     []adapters.Finding // the run's own: workers, what does not apply
}

// planBulk asks the target how it takes the copy, then caps the batch
// size and the rate to its limits and picks the number of writers.
func (lp *livePlan) planBulk(ctx context.Context) error {
	lp.bulk = &bulkPlan{}
	b, ok := adapters.As[adapters.BulkLoader](lp.dst)
	if ok && (lp.tr.Def == nil || lp.tr.Err() != nil) {
		return nil // the plan stops on the translation's errors
	}
	if !ok {
		lp.bulk.notes = append(lp.bulk.notes, lp.workersNote(0, ""))
		if lp.opts.DeferIndexing {
			lp.bulk.notes = append(lp.bulk.notes, deferNotApplicable(lp.dst))
		}
		return nil
	}
	req := adapters.BulkRequest{OnExists: lp.opts.OnExists, DeferIndexing: lp.opts.DeferIndexing, Logf: lp.opts.Logf}
	if lp.res.Resumed {
		req.OnExists = adapters.ExistsAppend // the interrupted run created it
	}
	if bs := lp.st.Bulk; bs != nil && (lp.res.Resumed || bs.Pending) {
		// Put back what an earlier run held back and the target still
		// lacks; a collection created anew holds its own back instead.
		req.Restore = bs.Restore
		lp.bulk.restoring = len(bs.Restore) > 0
	}
	plan, err := b.PlanBulkLoad(ctx, lp.tr.Def, req)
	if err != nil {
		return err
	}
	lp.bulk.plan = plan
	if plan.MaxBatch > 0 && plan.MaxBatch < lp.opts.BatchSize {
		lp.opts.BatchSize = plan.MaxBatch
	}
	if plan.MaxRate > 0 && (lp.opts.MaxRate == 0 || plan.MaxRate < lp.opts.MaxRate) {
		// Reading no faster than the target takes writes keeps the whole
		// pipeline under its limit; a burst over it is retried after the
		// wait the server names.
		lp.opts.MaxRate = plan.MaxRate
		lp.src = wrap.Limit(lp.src, plan.MaxRate)
	}
	lp.bulk.notes = append(lp.bulk.notes, lp.workersNote(plan.Workers, plan.WorkersFrom))
	return nil
}

// workersNote picks the number of writers: --workers when given, else the
// target's suggestion, else the default; and says which, for the plan.
func (lp *livePlan) workersNote(suggested int, from string) adapters.Finding {
	o := &lp.opts
	switch {
	case !o.workersAuto:
		return adapters.NoteFinding("", "workers: %d (--workers)", o.Workers)
	case suggested > 0:
		o.Workers = suggested
		return adapters.NoteFinding("", "workers: %d (from the target: %s; --workers sets another number)", o.Workers, from)
	}
	return adapters.NoteFinding("", "workers: %d (the default; the target does not tell its layout)", o.Workers)
}

// deferNotApplicable is the note for a target without adapters.BulkLoader:
// it cannot defer indexing. (A BulkLoader that cannot, Weaviate, says so
// itself in its plan's findings.)
func deferNotApplicable(dst adapters.Sink) adapters.Finding {
	return adapters.NoteFinding(dst.Endpoint(), "--defer-indexing does not apply to this target: it builds no index that could be deferred")
}

// findings are the plan's notes about writing to the target.
func (b *bulkPlan) findings() []adapters.Finding {
	if b == nil {
		return nil
	}
	out := append([]adapters.Finding(nil), b.notes...)
	if b.plan != nil {
		out = append(out, b.plan.Findings...)
	}
	return out
}

// state is what to record once the target is prepared: what it lacks
// until Finish; nil when nothing is held back.
func (b *bulkPlan) state() *BulkState {
	if b == nil || b.plan == nil || len(b.plan.HeldBack) == 0 {
		return nil
	}
	return &BulkState{HeldBack: b.plan.HeldBack, Restore: b.plan.Restore}
}

// savePending records, before the target is created, what Prepare is
// about to hold back: a run stopped inside Prepare (after the collection
// was created, before the state says so) leaves a target without its
// index, which the next run with --on-exists append then puts back.
func (lp *livePlan) savePending() error {
	bs := lp.bulk.state()
	if bs == nil {
		return nil
	}
	bs.Pending = true
	lp.st.Bulk = bs
	return lp.st.Save(lp.opts.StatePath)
}

// bulkDone forgets what was held back once Finish has put it back, so
// that a later pass on the same state (a rerun, --catch-up) leaves the
// target's settings as they are.
func (lp *livePlan) bulkDone() error {
	if lp.st.Bulk == nil {
		return nil
	}
	lp.st.Bulk = nil
	return lp.st.Save(lp.opts.StatePath)
}

// prepared is the BulkState to record once the target is prepared: what
// this run held back, else, while an earlier run's settings are still
// to be put back, that run's (no longer pending).
func (b *bulkPlan) prepared(had *BulkState) *BulkState {
	if bs := b.state(); bs != nil || had == nil || !b.restoring {
		return bs
	}
	kept := *had
	kept.Pending = false
	return &kept
}

// String says what is held back, for messages.
func (s *BulkState) String() string {
	if s == nil {
		return "nothing"
	}
	return strings.Join(s.HeldBack, ", ")
}
