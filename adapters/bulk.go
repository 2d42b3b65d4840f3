package adapters

import "context"

// BulkLoader is a Sink that can take a whole copy as one bulk load: it
// reads the target's limits on writes before anything is written (Qdrant's
// strict mode), suggests how many writers suit the target, and holds back
// settings of the definition that would slow the copy down (an HNSW index
// built while writing, strict mode's own limits) until the last write.
//
// PlanBulkLoad writes nothing; it makes the sink's Prepare create the
// collection with those settings held back, and its Finish put them back
// and wait until the target is ready (Qdrant: status green). Prepare and
// Finish stay the only calls that write, so the run's layers (dry run,
// retries) cover them.
type BulkLoader interface {
	PlanBulkLoad(ctx context.Context, def *Collection, req BulkRequest) (*BulkPlan, error)
}

// BulkRequest says how the run will write.
type BulkRequest struct {
	// OnExists is the run's --on-exists (append on a resumed run).
	OnExists OnExists
	// DeferIndexing asks to build the vector index after the last write
	// instead of during the copy (--defer-indexing).
	DeferIndexing bool
	// Restore is BulkPlan.Restore of an earlier run that created, or was
	// about to create, the target with settings held back (a resumed run,
	// or one rerun after a stop inside Prepare): Finish puts back those
	// of them the target still lacks, even without DeferIndexing. Nil
	// when nothing is held back.
	Restore map[string]string
	// Logf hears of the wait for the target after the copy; may be nil.
	Logf func(format string, args ...any)
}

// BulkPlan is how a BulkLoader will take the copy.
type BulkPlan struct {
	// MaxBatch caps the points of one write (0: no cap): a limit the
	// target enforces (Qdrant's upsert_max_batchsize, or its write rate
	// limit, which a larger batch can never pass).
	MaxBatch int
	// MaxRate caps the points written per second (0: no cap).
	MaxRate float64
	// Workers is how many concurrent writers suit the target, 0 when it
	// cannot tell; WorkersFrom says why ("2 shards on 1 node").
	Workers     int
	WorkersFrom string
	// HeldBack lists the settings of the definition that Prepare leaves
	// out and Finish puts back ("HNSW index (m 16)", "strict mode");
	// empty when there are none.
	HeldBack []string
	// Restore is what Finish puts back, in the adapter's own terms
	// (Qdrant: "hnsw_m": "16", "strict_mode": "on"), for the run's state
	// to hand back in BulkRequest.Restore; nil when nothing is held back.
	Restore map[string]string
	// Findings are notes for the plan: what is held back, which limits
	// apply, what does not apply to this target.
	Findings []Finding
}
