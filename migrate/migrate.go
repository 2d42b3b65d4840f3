// Package migrate copies a collection from a Source to a Sink: pipelined
// reads and parallel writes, bounded memory, retries, and a local state
// file that lets a stopped or killed run resume exactly.
package migrate

import (
	"context"
	"errors"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/verify"
)

// Options tune a live migration.
type Options struct {
	BatchSize int // points per read page and per write batch
	Workers   int // concurrent writers
	// FixedBatch keeps write batches at BatchSize (--batch-size given);
	// otherwise the writers adapt their size to the target (adaptive.go).
	FixedBatch bool
	// RequestTimeout is the timeout of one request (--timeout); adaptive
	// write batches keep their writes well under it. 0: unknown.
	RequestTimeout time.Duration
	// Readers is how many disjoint id ranges of a partition are read at
	// once. The ranges are chosen when a migration starts and recorded in
	// the state, so a resumed run reads exactly the same ones. A source
	// that reads only sequentially, or a sink that needs id order, gets one.
	Readers  int
	OnExists adapters.OnExists
	// StatePath is the state file; required unless DryRun.
	StatePath string
	// DryRun stops after the plan; the target is also wrapped so that no
	// write can reach it (wrap.DryRun).
	DryRun bool
	// MaxRate caps points read per second from the source (0: no cap).
	MaxRate float64
	// Retry is the run's one retry policy: live reads and writes, and the
	// server-side methods' HTTP clients. nil: adapters.DefaultRetry().
	Retry *adapters.RetryPolicy
	// Stop, when closed, ends the run gracefully: no new reads, in-flight
	// writes finish, the state is saved, and Run returns ErrInterrupted.
	Stop     <-chan struct{}
	Progress Progress
	// Logf receives notices (retries, tenant activation); nil discards them.
	Logf func(format string, args ...any)
	// Mapping are the user's choices for a copy across engines (renames,
	// drops, type coercions, the tenant layout); see adapters/mapping.
	Mapping mapping.Options
	// Share makes the run copy only its part of the collection, so that
	// Share.Of runs together copy everything once (--partition; share.go).
	Share verify.Share
	// readTarget opens the target's reading side (Job.readTarget); a
	// share of id ranges counts its ranges there.
	readTarget func(context.Context) (adapters.Source, error)
	// CatchUp, when it names a field, makes the run a catch-up pass after
	// a finished live copy instead of a copy (catchup.go).
	CatchUp CatchUp
	// DeferIndexing creates the target without building its vector index
	// while copying, and builds it after the last write (--defer-indexing;
	// adapters.BulkLoader). Workers 0 takes the number of writers the
	// target suggests (its shards and nodes), else 4.
	DeferIndexing bool
	workersAuto   bool // Workers was 0: the target may choose
}

// Progress hears how far a run is; the CLI draws it.
type Progress interface {
	// Start gives the exact total to copy and how much earlier runs did.
	Start(total, done uint64)
	Add(n int)
	Finish()
}

// ErrInterrupted is returned when Options.Stop ended the run; the state
// file holds where to resume.
var ErrInterrupted = errors.New("migration interrupted")

// ErrPlanInterrupted is returned when Options.Stop ended the run while it
// was still planning: nothing was written.
var ErrPlanInterrupted = errors.New("migration interrupted while planning; nothing was written: run the same command again")

// Result summarises a run.
type Result struct {
	Source     string            `json:"source"`
	Target     string            `json:"target"`
	Method     string            `json:"method"`
	DryRun     bool              `json:"dry_run,omitempty"`
	Resumed    bool              `json:"resumed,omitempty"`
	Partitions []PartitionResult `json:"partitions"`
	// Read and Written count this run's points (a resumed run re-reads
	// from its watermark).
	Read     uint64        `json:"points_read"`
	Written  uint64        `json:"points_written"`
	Retries  int64         `json:"retries"`
	Duration time.Duration `json:"duration_ns"`
	// SourceCount and TargetCount are exact counts after the copy.
	SourceCount uint64 `json:"source_count"`
	TargetCount uint64 `json:"target_count"`
	CountsMatch bool   `json:"counts_match"`
	// Native names the engine encoding points were copied in ("" when they
	// went through the neutral model); see adapters.RawFormat.
	Native string `json:"native_format,omitempty"`
	// Share is the part this run copied (--partition); nil: everything.
	// Partitions, SourceCount and TargetCount are the share's.
	Share *ShareState `json:"share,omitempty"`
	// Plan is what the plan phase found (Execute only).
	Plan *Plan `json:"plan,omitempty"`
	// Copy is a server-side method's report (snapshot, backup).
	Copy *adapters.CopyReport `json:"copy,omitempty"`
	// Verify is the verify phase's report (--verify sample or full).
	Verify *verify.Report `json:"verify,omitempty"`
}

// Equal is true when the counts match and verification, if it ran,
// found no difference.
func (r *Result) Equal() bool {
	return r.CountsMatch && (r.Verify == nil || r.Verify.Equal())
}

// PartitionResult is the outcome for one tenant or shard key.
type PartitionResult struct {
	Name        string `json:"name"`
	SourceCount uint64 `json:"source_count"`
	TargetCount uint64 `json:"target_count"`
	Written     uint64 `json:"points_written"`
}

// PointsPerSecond is this run's write rate.
func (r *Result) PointsPerSecond() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Written) / r.Duration.Seconds()
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Run copies src into dst by the live method: describe, count and split
// the source, prepare the target, copy with the pipeline, compare exact
// counts. It neither checks the adapters' plan findings nor verifies the
// copy; Execute does both around it.
func Run(ctx context.Context, src adapters.Source, dst adapters.Sink, opts Options) (*Result, error) {
	opts.defaults()
	l := opts.layers()
	lp, err := planLive(ctx, l.Source(src), l.Sink(dst), opts)
	if err != nil {
		return nil, err
	}
	if err := lp.tr.Err(); err != nil {
		return nil, err
	}
	if opts.DryRun {
		return lp.dryRun(ctx)
	}
	return lp.run(ctx)
}
