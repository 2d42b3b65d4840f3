// Package migrate copies a collection from a Source to a Sink: pipelined
// reads and parallel writes, bounded memory, retries, and a local state
// file that lets a stopped or killed run resume exactly.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
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

// openState loads the state file (loaded is then true), or starts a new
// one. A state file of a different migration is refused with the reason.
func openState(opts Options, res *Result, def *adapters.Collection, parts []string) (st *State, loaded bool, err error) {
	fp := def.Fingerprint()
	if opts.StatePath == "" {
		if !opts.DryRun {
			return nil, false, fmt.Errorf("no state file given")
		}
		return NewState(res.Source, res.Target, res.Method, fp, parts), false, nil
	}
	st, err = LoadState(opts.StatePath)
	if errors.Is(err, ErrNoState) {
		return NewState(res.Source, res.Target, res.Method, fp, parts), false, nil
	}
	if err != nil {
		return nil, false, adapters.WithKind(adapters.KindInvalid, err)
	}
	if why := st.Matches(res.Source, res.Target, res.Method, fp); why != nil {
		return nil, false, adapters.Errorf(adapters.KindInvalid,
			"state file %s belongs to another migration: %v; use another --state file, or delete this one to start afresh", opts.StatePath, why)
	}
	for _, p := range parts {
		if st.Partitions[p] == nil {
			// A tenant added to the source since the interrupted run.
			st.Partitions[p] = &PartitionState{Ranges: []*RangeState{{}}}
		}
	}
	return st, true, nil
}

// canSplit reports whether a new migration reads each partition as
// opts.Readers id ranges: not for a dry run, a source that only reads
// sequentially, or a sink that needs id order.
func canSplit(src adapters.Source, dst adapters.Sink, opts Options) bool {
	if opts.Readers < 2 || opts.DryRun {
		return false
	}
	if q, ok := src.(adapters.SequentialReader); ok && q.ReadsSequentially() {
		return false
	}
	o, ok := dst.(adapters.OrderedSink)
	return !ok || !o.RequiresOrder()
}

// splitPartition divides a partition into k disjoint id ranges, from bounds
// probed on the source (a few dozen one-point reads).
func splitPartition(ctx context.Context, src adapters.Source, part string, ps *PartitionState, k int) error {
	b, err := idspace.Find(ctx, src, part)
	if err != nil {
		return fmt.Errorf("find the id bounds of partition %q on %s: %w", part, src.Endpoint(), err)
	}
	var rs []*RangeState
	for _, r := range b.Split(k) {
		rs = append(rs, &RangeState{From: r.After, To: r.Upto})
	}
	ps.Ranges = rs
	return nil
}

// saveEvery is how often a run saves its watermarks while copying. A save
// costs about 0.3 ms of CPU (an fsync'd rename); a run killed between two
// saves rewrites at most this much work when resumed.
const saveEvery = 2 * time.Second

// copier runs the read → write pipeline of one partition at a time.
type copier struct {
	opts    Options
	src     adapters.Source
	dst     adapters.Sink
	st      *State
	workers int
	native  bool // read points in the source's native encoding
	started time.Time

	mu            sync.Mutex // guards read, written and the state
	read, written uint64
	lastSave      time.Time
}

type batch struct {
	rng    int // index of the range it was read from
	seq    int // its order within that range
	points []adapters.Point
}

type ack struct {
	batch
	err error
}

// rangeProgress tracks which batches of one range the target acknowledged,
// so that the range's watermark only ever moves over a contiguous prefix.
type rangeProgress struct {
	r       *RangeState
	next    int                 // the next seq the watermark waits for
	done    map[int]int         // acknowledged seqs beyond next → point count
	lastIDs map[int]adapters.ID // seq → last id of the batch
}

func (c *copier) partition(ctx context.Context, part string, ps *PartitionState) error {
	var todo []*RangeState
	for _, r := range ps.Ranges {
		if !r.Done {
			todo = append(todo, r)
		}
	}
	return adapters.WithPartition(ctx, c.src, part, c.opts.logf, func() error {
		return c.copyRanges(ctx, part, todo)
	})
}

// copyRanges reads every range with a reader of its own (each in id order,
// strictly after its watermark) and writes the pages with c.workers shared
// writers. Each range's watermark advances only over a contiguous prefix of
// acknowledged batches, so whatever stops the run, the state never claims
// a point the target does not hold.
func (c *copier) copyRanges(ctx context.Context, part string, ranges []*RangeState) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	batches := make(chan batch, c.workers)
	acks := make(chan ack, c.workers+len(ranges))
	prog := make([]*rangeProgress, len(ranges))
	var lastMu sync.Mutex // guards every prog[i].lastIDs
	for i, r := range ranges {
		prog[i] = &rangeProgress{r: r, done: map[int]int{}, lastIDs: map[int]adapters.ID{}}
	}

	readErrs := make(chan error, len(ranges))
	var readers sync.WaitGroup
	for i, r := range ranges {
		readers.Add(1)
		go func() {
			defer readers.Done()
			err := c.readLoop(ctx, part, i, r, batches, func(seq int, last adapters.ID) {
				lastMu.Lock()
				prog[i].lastIDs[seq] = last
				lastMu.Unlock()
			})
			if err != nil && !errors.Is(err, ErrInterrupted) && !errors.Is(err, context.Canceled) {
				cancel() // one range failing stops the others
			}
			readErrs <- err
		}()
	}
	go func() { readers.Wait(); close(batches) }()

	var writers sync.WaitGroup
	for i := 0; i < c.workers; i++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for b := range batches {
				// Adapters name the rejected points in their errors.
				acks <- ack{batch: b, err: c.dst.Write(ctx, part, b.points)}
			}
		}()
	}
	go func() { writers.Wait(); close(acks) }()

	var firstErr error
	for a := range acks {
		if a.err != nil {
			if firstErr == nil {
				firstErr = a.err
				cancel()
			}
			continue
		}
		p := prog[a.rng]
		p.done[a.seq] = len(a.points)
		advanced := false
		for {
			n, ok := p.done[p.next]
			if !ok {
				break
			}
			delete(p.done, p.next)
			lastMu.Lock()
			id := p.lastIDs[p.next]
			delete(p.lastIDs, p.next)
			lastMu.Unlock()
			c.mu.Lock()
			p.r.Watermark = &id
			p.r.Written += uint64(n)
			c.written += uint64(n)
			c.mu.Unlock()
			if c.opts.Progress != nil {
				c.opts.Progress.Add(n)
			}
			p.next++
			advanced = true
		}
		if advanced && time.Since(c.lastSave) > saveEvery {
			if err := c.save(); err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
		}
	}
	// Any reader error, a cancellation included, leaves the ranges open; a
	// real error is reported in preference to the cancellation it caused.
	var interrupted bool
	var readErr error
	for range ranges {
		switch err := <-readErrs; {
		case err == nil:
		case errors.Is(err, ErrInterrupted):
			interrupted = true
		case readErr == nil || errors.Is(readErr, context.Canceled):
			readErr = err
		}
	}
	switch {
	case firstErr != nil:
		return firstErr
	case readErr != nil:
		return readErr
	case interrupted:
		if err := c.save(); err != nil {
			return errors.Join(ErrInterrupted, err)
		}
		return ErrInterrupted
	}
	for _, r := range ranges {
		r.Done = true
	}
	return c.save()
}

func (c *copier) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSave = time.Now()
	return c.st.Save(c.opts.StatePath)
}

// readLoop reads one range's pages in id order and hands them to the
// writers; sent reports each batch's last id before the batch goes out.
// Memory stays bounded: a reader holds one page while the channel is full.
func (c *copier) readLoop(ctx context.Context, part string, rng int, r *RangeState, out chan<- batch, sent func(seq int, last adapters.ID)) error {
	after := r.Watermark
	if after == nil {
		after = r.From
	}
	seq := 0
	for {
		select {
		case <-c.opts.Stop:
			return ErrInterrupted
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if err := c.throttle(ctx); err != nil {
			return err
		}
		page, err := c.src.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: c.opts.BatchSize, Native: c.native})
		if err != nil {
			return fmt.Errorf("read %s partition %q after %v: %w", c.src.Endpoint(), part, idOrStart(after), err)
		}
		pts := page.Points
		if r.To != nil {
			k := sort.Search(len(pts), func(i int) bool { return r.To.Less(pts[i].ID) })
			if k < len(pts) {
				pts, page.Done = pts[:k], true
			}
		}
		if len(pts) > 0 {
			last := pts[len(pts)-1].ID
			sent(seq, last)
			c.mu.Lock()
			c.read += uint64(len(pts))
			c.mu.Unlock()
			select {
			case out <- batch{rng: rng, seq: seq, points: pts}:
			case <-ctx.Done():
				return ctx.Err()
			}
			seq++
			after = &last
		}
		if page.Done {
			return nil
		}
		if len(pts) == 0 {
			return fmt.Errorf("read %s partition %q after %v: the source returned an empty page that is not the last; this is a bug in its adapter", c.src.Endpoint(), part, idOrStart(after))
		}
	}
}

// throttle keeps the read rate under MaxRate points per second.
func (c *copier) throttle(ctx context.Context) error {
	if c.opts.MaxRate <= 0 {
		return nil
	}
	c.mu.Lock()
	due := c.started.Add(time.Duration(float64(c.read) / c.opts.MaxRate * float64(time.Second)))
	c.mu.Unlock()
	d := time.Until(due)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.opts.Stop:
		return ErrInterrupted
	case <-t.C:
		return nil
	}
}

func idOrStart(id *adapters.ID) string {
	if id == nil {
		return "the start"
	}
	return id.String()
}
