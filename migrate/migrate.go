// Package migrate copies a collection from a Source to a Sink: pipelined
// reads and parallel writes, bounded memory, retries, and a local state
// file that lets a stopped or killed run resume exactly.
package migrate

import (
	"context"
	"errors"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// Options tune a live migration.
type Options struct {
	BatchSize int // points per read page and per write batch
	Workers   int // concurrent writers
	// Readers is how many disjoint id ranges of a partition are read at
	// once. The ranges are chosen when a migration starts and recorded in
	// the state, so a resumed run reads exactly the same ones. A source
	// that reads only sequentially, or a sink that needs id order, gets one.
	Readers  int
	OnExists adapters.OnExists
	// StatePath is the state file; required unless DryRun.
	StatePath string
	DryRun    bool
	// MaxRate caps points read per second from the source (0: no cap).
	MaxRate float64
	Retry   *RetryPolicy
	// Stop, when closed, ends the run gracefully: no new reads, in-flight
	// writes finish, the state is saved, and Run returns ErrInterrupted.
	Stop     <-chan struct{}
	Progress Progress
	// Logf receives notices (retries, tenant activation); nil discards them.
	Logf func(format string, args ...any)
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
	// went through the neutral model); see adapters.NativeFormat.
	Native string `json:"native_format,omitempty"`
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

// Run migrates src into dst. Both are wrapped for retries here.
func Run(ctx context.Context, src adapters.Source, dst adapters.Sink, opts Options) (*Result, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 256
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Readers <= 0 {
		opts.Readers = 1
	}
	if opts.Retry == nil {
		opts.Retry = DefaultRetry()
	}
	if opts.OnExists == "" {
		opts.OnExists = adapters.ExistsFail
	}
	start := time.Now()
	rsrc := WithRetry(src, opts.Retry)
	rdst := WithRetrySink(dst, opts.Retry)
	res := &Result{Source: src.Endpoint(), Target: dst.Endpoint(), Method: "live", DryRun: opts.DryRun}

	def, err := rsrc.Describe(ctx)
	if err != nil {
		return nil, err
	}
	parts := def.PartitionNames()
	st, loaded, err := openState(opts, res, def, parts)
	if err != nil {
		return nil, err
	}
	res.Resumed = st.Prepared

	// Count every partition; a new migration also splits the large ones
	// into id ranges, in the same visit, so that an inactive tenant is
	// activated once for both.
	split := !loaded && canSplit(rsrc, rdst, opts)
	counts := map[string]uint64{}
	var total uint64
	for _, p := range parts {
		var n uint64
		err := adapters.WithPartition(ctx, rsrc, p, opts.logf, func() (err error) {
			if n, err = rsrc.Count(ctx, p); err != nil {
				return err
			}
			if split && n >= uint64(4*opts.BatchSize) {
				return splitPartition(ctx, rsrc, p, st.Partitions[p], opts.Readers)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		counts[p] = n
		total += n
	}
	res.SourceCount = total

	exists, err := rdst.Exists(ctx)
	if err != nil {
		return nil, err
	}
	if opts.DryRun {
		for _, p := range parts {
			res.Partitions = append(res.Partitions, PartitionResult{Name: p, SourceCount: counts[p]})
		}
		if exists && opts.OnExists == adapters.ExistsFail && !res.Resumed {
			return res, adapters.Errorf(adapters.KindExists, "%s exists; a real run would refuse it: use --on-exists append or recreate", dst.Endpoint())
		}
		return res, nil
	}

	if !res.Resumed {
		if err := rdst.Prepare(ctx, def, opts.OnExists); err != nil {
			return nil, err
		}
		st.Prepared = true
		if err := st.Save(opts.StatePath); err != nil {
			return nil, err
		}
		opts.logf("progress is saved in %s", opts.StatePath)
	} else {
		// The target was created by the interrupted run: keep it, and
		// make sure partitions exist and are writable again.
		if err := rdst.Prepare(ctx, def, adapters.ExistsAppend); err != nil {
			return nil, err
		}
	}

	var done uint64
	for _, p := range parts {
		done += st.Partitions[p].Written()
	}
	if opts.Progress != nil {
		opts.Progress.Start(total, min(done, total))
		defer opts.Progress.Finish()
	}

	workers := opts.Workers
	if o, ok := rdst.(adapters.OrderedSink); ok && o.RequiresOrder() {
		workers = 1
	}
	c := &copier{opts: opts, src: rsrc, dst: rdst, st: st, workers: workers, started: time.Now()}
	// Between two servers of the same engine, points travel in the
	// engine's own encoding instead of being converted to the neutral
	// model and back.
	res.Native = adapters.NativeFormat(rsrc, rdst)
	c.native = res.Native != ""
	for _, p := range parts {
		ps := st.Partitions[p]
		if ps.Done() {
			continue
		}
		if err := c.partition(ctx, p, ps); err != nil {
			res.Read, res.Written = c.read, c.written
			res.Retries = opts.Retry.Retries()
			res.Duration = time.Since(start)
			if serr := st.Save(opts.StatePath); serr != nil {
				err = errors.Join(err, serr)
			}
			return res, err
		}
	}
	if err := rdst.Finish(ctx); err != nil {
		return res, err
	}
	res.Read, res.Written = c.read, c.written

	res.CountsMatch = true
	for _, p := range parts {
		n, err := rdst.Count(ctx, p)
		if err != nil {
			return res, err
		}
		res.TargetCount += n
		res.Partitions = append(res.Partitions, PartitionResult{
			Name: p, SourceCount: counts[p], TargetCount: n, Written: st.Partitions[p].Written(),
		})
		if n != counts[p] {
			res.CountsMatch = false
		}
	}
	st.Finished = true
	if err := st.Save(opts.StatePath); err != nil {
		return res, err
	}
	res.Retries = opts.Retry.Retries()
	res.Duration = time.Since(start)
	return res, nil
}
