package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/adapters/wrap"
)

// livePlan is what the live method learned before writing: the definition,
// the state (new or resumed) with each partition's id ranges, exact counts.
type livePlan struct {
	opts   Options
	src    adapters.Source // in the run's layers (Options.layers)
	dst    adapters.Sink   // in the run's layers
	def    *adapters.Collection
	tr     *mapping.Translation // def made ready for the target's engine
	parts  []string
	st     *State
	loaded bool // st came from the state file
	counts map[string]uint64
	res    *Result
	start  time.Time
	bulk   *bulkPlan // how the target takes the copy (defer.go)
}

func (o *Options) defaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.Workers <= 0 {
		o.Workers, o.workersAuto = 4, true
	}
	if o.Readers <= 0 {
		o.Readers = 1
	}
	if o.Retry == nil {
		o.Retry = adapters.DefaultRetry()
	}
	if o.OnExists == "" {
		o.OnExists = adapters.ExistsFail
	}
}

// layers are the wrappers the run puts around its source and target:
// retries, the read rate limit, and dry run, which refuses every write.
func (o *Options) layers() wrap.Layers {
	return wrap.Layers{Retry: o.Retry, MaxRate: o.MaxRate, DryRun: o.DryRun}
}

// planLive describes the source, opens the state and counts every
// partition. A new migration also splits the large partitions into id
// ranges, in the same visit, so that an inactive tenant is activated once
// for both. It writes nothing (the state is saved when the copy starts).
// src and dst are in the run's layers already.
func planLive(ctx context.Context, src adapters.Source, dst adapters.Sink, opts Options) (*livePlan, error) {
	lp := &livePlan{opts: opts, src: src, dst: dst, start: time.Now()}
	lp.res = &Result{Source: src.Endpoint(), Target: dst.Endpoint(), Method: "live", DryRun: opts.DryRun}
	def, err := lp.src.Describe(ctx)
	if err != nil {
		return nil, err
	}
	lp.def, lp.parts = def, def.PartitionNames()
	if lp.tr, err = translate(ctx, src, dst, def, opts); err != nil {
		return nil, err
	}
	if lp.st, lp.loaded, err = openState(opts, lp.res, def, lp.parts); err != nil {
		return nil, err
	}
	if lp.crossEngine() {
		lp.st.Mapping = &lp.tr.Report
	}
	lp.res.Resumed = lp.st.Prepared
	if err := lp.planBulk(ctx); err != nil {
		return nil, err
	}
	if err := lp.applyShare(ctx); err != nil {
		return nil, err
	}
	if lp.st.rangeShare() {
		return lp, lp.countShareRanges(ctx)
	}
	return lp, lp.countAndSplit(ctx)
}

// sampleSizes is adapters.SampleSizes, then, for a dimension still
// unknown because the first tenants are inactive, the same on a few
// partitions made readable one at a time (and put back).
func sampleSizes(ctx context.Context, src adapters.Source, def *adapters.Collection, logf func(string, ...any)) (*adapters.Collection, error) {
	def, err := adapters.SampleSizes(ctx, src, def)
	if err != nil || !def.Partitioned {
		return def, err
	}
	for i, part := range def.PartitionNames() {
		if i == 3 || !unsized(def) {
			break
		}
		one := def.Clone()
		one.Partitions = []adapters.Partition{{Name: part}}
		err := adapters.WithPartition(ctx, src, part, logf, func() (err error) {
			one, err = adapters.SampleSizes(ctx, src, one)
			return err
		})
		if err != nil {
			return nil, err
		}
		one.Partitions = def.Partitions
		def = one
	}
	return def, nil
}

func unsized(def *adapters.Collection) bool {
	for _, v := range def.Vectors {
		if v.Size == 0 && v.Kind != "sparse" {
			return true
		}
	}
	return false
}

// crossEngine reports whether points are translated for another engine.
// A translation with error findings has no mapping; the plan stops it.
func (lp *livePlan) crossEngine() bool {
	return lp.tr.Mapping != nil && !lp.tr.Mapping.Identity()
}

// translate makes the source's definition ready for the target's engine
// (the identity within one engine). Across engines a Weaviate class's
// vector dimensions are taken from its data first: its schema has none.
func translate(ctx context.Context, src adapters.Source, dst adapters.Sink, def *adapters.Collection, opts Options) (*mapping.Translation, error) {
	to := mapping.EngineOf(dst)
	if to != "" && to != def.Engine {
		sized, err := sampleSizes(ctx, src, def, opts.logf)
		if err != nil {
			return nil, err
		}
		def = sized
	}
	tr, err := mapping.Translate(ctx, src, def, to, opts.Mapping)
	if err != nil {
		return nil, fmt.Errorf("translate the definition of %s for %s: %w", src.Endpoint(), dst.Endpoint(), err)
	}
	return tr, nil
}

func (lp *livePlan) countAndSplit(ctx context.Context) error {
	split := !lp.loaded && canSplit(lp.src, lp.dst, lp.opts)
	// Several partitions at once, each activated once for both.
	s := newSchedule(lp.src, lp.opts, partitionsAtOnce(lp.opts, false))
	counts, err := countEach(ctx, s, lp.parts, func(ctx context.Context, p string) (uint64, error) {
		n, err := lp.src.Count(ctx, p)
		if err == nil && split && n >= uint64(4*lp.opts.BatchSize) {
			err = splitPartition(ctx, lp.src, p, lp.st.Partitions[p], lp.opts.Readers)
		}
		return n, err
	})
	if err != nil {
		return err
	}
	lp.counts, lp.res.SourceCount = counts, 0
	for _, p := range lp.parts {
		lp.res.SourceCount += counts[p]
	}
	return nil
}

// dryRun reports what a run would copy, and refuses an existing target as
// a real run would.
func (lp *livePlan) dryRun(ctx context.Context) (*Result, error) {
	res := lp.res
	for _, p := range lp.parts {
		res.Partitions = append(res.Partitions, PartitionResult{Name: p, SourceCount: lp.counts[p]})
	}
	exists, err := lp.dst.Exists(ctx)
	if err != nil {
		return nil, err
	}
	if exists && lp.opts.OnExists == adapters.ExistsFail && !res.Resumed {
		return res, adapters.Errorf(adapters.KindExists, "%s exists; a real run would refuse it: use --on-exists append or recreate", lp.dst.Endpoint())
	}
	return res, nil
}

// prepare creates (or keeps, or recreates) the target and saves the state.
func (lp *livePlan) prepare(ctx context.Context) error {
	if lp.res.Resumed {
		// The target was created by the interrupted run: keep it, and
		// make sure partitions exist and are writable again.
		return lp.prepareTarget(ctx, adapters.ExistsAppend)
	}
	if err := lp.savePending(); err != nil { // before anything is held back
		return err
	}
	created, err := lp.createsTarget(ctx) // catchup.go
	if err != nil {
		return err
	}
	if err := lp.prepareTarget(ctx, lp.opts.OnExists); err != nil {
		return err
	}
	lp.st.Prepared, lp.st.TargetCreated = true, &created
	lp.st.Bulk = lp.bulk.prepared(lp.st.Bulk) // held back until Finish, also if interrupted
	if err := lp.st.Save(lp.opts.StatePath); err != nil {
		return err
	}
	lp.opts.logf("progress is saved in %s", lp.opts.StatePath)
	return nil
}

// run prepares the target, copies every unfinished partition, and counts
// both sides exactly.
func (lp *livePlan) run(ctx context.Context) (*Result, error) {
	opts, res, st := lp.opts, lp.res, lp.st
	if err := lp.prepare(ctx); err != nil {
		return nil, err
	}
	var done uint64
	for _, p := range lp.parts {
		done += st.Partitions[p].Written()
	}
	if opts.Progress != nil {
		opts.Progress.Start(res.SourceCount, min(done, res.SourceCount))
		defer opts.Progress.Finish()
	}
	c := lp.copier()
	if err := c.copyPartitions(ctx, lp.parts); err != nil {
		lp.tally(c)
		return res, err
	}
	if err := lp.dst.Finish(ctx); err != nil {
		return res, err
	}
	if err := lp.bulkDone(); err != nil { // put back: later passes keep the target's own settings
		return res, err
	}
	lp.tally(c)
	if err := lp.countTarget(ctx); err != nil {
		return res, err
	}
	st.Finished = true
	return res, st.Save(opts.StatePath)
}

// copier builds the pipeline for this plan.
func (lp *livePlan) copier() *copier {
	rsrc, rdst, res := lp.src, lp.dst, lp.res
	workers := lp.opts.Workers
	ordered := false
	if o, ok := adapters.As[adapters.OrderedSink](rdst); ok && o.RequiresOrder() {
		workers, ordered = 1, true
	}
	c := &copier{opts: lp.opts, src: rsrc, dst: rdst, st: lp.st, workers: workers,
		atOnce: partitionsAtOnce(lp.opts, ordered)}
	// The partitions in flight share one pool of workers writers
	// (partitions.go), so the pages held stay linear in workers.
	c.readers = newReaderSlots(c.atOnce)
	// Between two servers of the same engine, points travel in the
	// engine's own encoding instead of being converted to the neutral
	// model and back; across engines each goes through the mapping.
	if lp.crossEngine() {
		c.mapping = lp.tr.Mapping
	} else {
		res.Native = c.useRaw()
	}
	return c
}

func (lp *livePlan) tally(c *copier) {
	lp.res.Read, lp.res.Written = c.read, c.written
	lp.res.Retries = lp.opts.Retry.Retries()
	lp.res.Duration = time.Since(lp.start)
}

// countTarget counts every partition of the target exactly and compares.
func (lp *livePlan) countTarget(ctx context.Context) error {
	if lp.st.rangeShare() {
		return lp.countTargetRanges(ctx)
	}
	res := lp.res
	res.CountsMatch, res.TargetCount, res.Partitions = true, 0, nil
	counts, err := countEach(ctx, newSchedule(nil, lp.opts, partitionsAtOnce(lp.opts, false)), lp.parts, lp.dst.Count)
	if err != nil {
		return err
	}
	for _, p := range lp.parts {
		n := counts[p]
		res.TargetCount += n
		res.Partitions = append(res.Partitions, PartitionResult{
			Name: p, SourceCount: lp.counts[p], TargetCount: n, Written: lp.st.Partitions[p].Written(),
		})
		res.CountsMatch = res.CountsMatch && n == lp.counts[p]
	}
	return nil
}
