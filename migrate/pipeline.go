package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
)

// saveEvery is how often a run saves its watermarks while copying. A save
// costs about 0.3 ms of CPU (an fsync'd rename); a run killed between two
// saves rewrites at most this much work when resumed.
const saveEvery = 2 * time.Second

// copier runs the read → write pipeline of several partitions at once
// (copyPartitions).
type copier struct {
	opts    Options
	src     adapters.Source
	dst     adapters.Sink
	st      *State
	workers int
	// atOnce is how many partitions are copied at once; pool is the one
	// set of workers writers they share (copyPartitions; nil: copyRanges
	// starts its own).
	atOnce  int
	pool    *writerPool
	readers *readerSlots // nil: no bound
	// rawR and rawW are set when pages travel in the engine's own
	// encoding (useRaw).
	rawR adapters.RawReader
	rawW adapters.RawWriter
	// mapping translates each point for a target of another engine; nil
	// within one engine.
	mapping mapping.Mapping

	mu            sync.Mutex // guards read, written and the state
	read, written uint64
	lastSave      time.Time

	sizes   sizeLimit  // the target's request size limit (split.go)
	batches batchSizer // the adaptive write batch size (adaptive.go)
}

// batch is one page on its way to a writer: neutral points, or a raw
// batch in the engine's own encoding.
type batch struct {
	rng    int // index of the range it was read from
	seq    int // its order within that range
	points []adapters.Point
	raw    adapters.RawBatch
}

func (b batch) len() int {
	if b.raw != nil {
		return b.raw.Len()
	}
	return len(b.points)
}

func (b batch) id(i int) adapters.ID {
	if b.raw != nil {
		return b.raw.ID(i)
	}
	return b.points[i].ID
}

// head is the batch's first k points.
func (b batch) head(k int) batch {
	if b.raw != nil {
		b.raw = b.raw.Slice(0, k)
	} else {
		b.points = b.points[:k]
	}
	return b
}

// rangeProgress tracks which batches of one range the target acknowledged,
// so that the range's watermark only ever moves over a contiguous prefix.
type rangeProgress struct {
	r       *RangeState
	next    int                 // the next seq the watermark waits for
	done    map[int]int         // acknowledged seqs beyond next → point count
	lastIDs map[int]adapters.ID // seq → last id of the batch
}

// partition copies a partition's unfinished ranges; the schedule made it
// readable (copyPartitions).
func (c *copier) partition(ctx context.Context, part string, ps *PartitionState) error {
	var todo []*RangeState
	c.mu.Lock()
	for _, r := range ps.Ranges {
		if !r.Done {
			todo = append(todo, r)
		}
	}
	c.mu.Unlock()
	if c.readers != nil {
		release, err := c.readers.take(ctx, len(todo))
		if err != nil {
			return err
		}
		defer release()
	}
	return c.copyRanges(ctx, part, todo)
}

// useRaw makes the copier move pages in the engine's own encoding when the
// source can hand them over in a format the target writes, and returns
// that format ("": points travel in the neutral model).
func (c *copier) useRaw() string {
	f := adapters.RawFormat(c.src, c.dst)
	if f != "" {
		c.rawR, _ = adapters.As[adapters.RawReader](c.src)
		c.rawW, _ = adapters.As[adapters.RawWriter](c.dst)
	}
	return f
}

// copyRanges reads every range with a reader of its own (each in id order,
// strictly after its watermark) and writes the pages with the c.workers
// writers of the shared pool. Each range's watermark advances only over a
// contiguous prefix of acknowledged batches, so whatever stops the run,
// the state never claims a point the target does not hold. The first
// reader, writer or save to fail stops the others, and its error is the
// one returned: what the others get from being stopped is dropped.
func (c *copier) copyRanges(ctx context.Context, part string, ranges []*RangeState) error {
	pool := c.pool
	if pool == nil {
		pool = c.startWriters()
		defer pool.stop()
	}
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	rc := &rangeCopy{c: c, ctx: ctx, part: part, ranges: ranges, fc: fc, pool: pool,
		prog: make([]*rangeProgress, len(ranges)), acks: make(chan ack, len(ranges))}
	for i, r := range ranges {
		rc.prog[i] = &rangeProgress{r: r, done: map[int]int{}, lastIDs: map[int]adapters.ID{}}
	}
	rc.startReaders()
	for a := range rc.acks {
		rc.acknowledge(a)
	}
	return rc.finish()
}

// rangeCopy is the state of one copyRanges call: one partition's ranges
// on their way through the shared writers.
type rangeCopy struct {
	c *copier
	// ctx is the partition's: it ends at the first failure of any of its
	// readers or writers (fc), or when the run ends. Writes use it.
	ctx         context.Context
	part        string
	ranges      []*RangeState
	prog        []*rangeProgress
	lastMu      sync.Mutex // guards every prog[i].lastIDs
	fc          *adapters.FirstCause
	interrupted atomic.Bool // a reader stopped at Options.Stop
	pool        *writerPool
	// pending counts the batches sent to the pool and not yet handled by
	// a writer; acks, what the target accepted, is closed once the readers
	// ended and pending is zero.
	pending sync.WaitGroup
	acks    chan ack
}

// ack is a batch the target accepted: no page, only where it belongs.
type ack struct{ rng, seq, n int }

// startReaders starts one reader per range; rc.acks is closed once all
// have ended and every batch they sent was handled. Options.Stop ends the
// reads at once (a read waiting for the rate limit too), while the
// writers finish the batches in flight.
func (rc *rangeCopy) startReaders() {
	rctx, cancel := stopContext(rc.ctx, rc.c.opts.Stop)
	var readers sync.WaitGroup
	for i, r := range rc.ranges {
		readers.Add(1)
		go func() {
			defer readers.Done()
			err := rc.c.readLoop(rctx, rc.part, i, r, rc.send, func(seq int, last adapters.ID) {
				rc.lastMu.Lock()
				rc.prog[i].lastIDs[seq] = last
				rc.lastMu.Unlock()
			})
			if errors.Is(err, ErrInterrupted) {
				rc.interrupted.Store(true)
				return
			}
			rc.fc.Fail(err) // one range failing stops the others
		}()
	}
	go func() {
		readers.Wait()
		cancel()
		rc.pending.Wait() // no Add after the readers ended
		close(rc.acks)
	}()
}

// send hands a batch to the shared writers, unless ctx (the reader's: the
// partition's, ended at Options.Stop too) ends first.
func (rc *rangeCopy) send(ctx context.Context, b batch) error {
	rc.pending.Add(1)
	select {
	case rc.pool.jobs <- job{rc: rc, b: b}:
		return nil
	case <-ctx.Done():
		rc.pending.Done()
		return ctx.Err()
	}
}

// stopContext is ctx, also ended when stop is closed.
func stopContext(ctx context.Context, stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if stop != nil {
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// handle writes one batch of the partition for a writer of the pool and
// acknowledges it. After the partition failed (or the run ended) its
// batches are skipped, and fail it: the ranges must not be closed.
func (rc *rangeCopy) handle(b batch) {
	defer rc.pending.Done() // after the ack is sent: acks is still open
	if err := rc.ctx.Err(); err != nil {
		rc.fc.Fail(err)
		return
	}
	// Adapters name the rejected points in their errors.
	if err := rc.c.write(rc.ctx, rc.part, b); err != nil {
		rc.fc.Fail(err)
		return
	}
	rc.acks <- ack{rng: b.rng, seq: b.seq, n: b.len()}
}

// acknowledge records an accepted batch and moves its range's watermark
// over every batch acknowledged contiguously from it.
func (rc *rangeCopy) acknowledge(a ack) {
	c, p := rc.c, rc.prog[a.rng]
	p.done[a.seq] = a.n
	advanced := false
	for {
		n, ok := p.done[p.next]
		if !ok {
			break
		}
		delete(p.done, p.next)
		rc.lastMu.Lock()
		id := p.lastIDs[p.next]
		delete(p.lastIDs, p.next)
		rc.lastMu.Unlock()
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
	if advanced {
		rc.fc.Fail(c.saveSoon())
	}
}

// finish returns the first cause of a failure (the ranges stay open), or
// saves the state of an interrupted run, or closes the ranges (saved with
// the next save: a range closed but not saved is only read again).
func (rc *rangeCopy) finish() error {
	if err := rc.fc.Err(); err != nil {
		return err
	}
	if rc.interrupted.Load() {
		if err := rc.c.save(); err != nil {
			return errors.Join(ErrInterrupted, err)
		}
		return ErrInterrupted
	}
	if !rc.complete() {
		return fmt.Errorf("partition %q of %s: a batch read was not written, so its ranges stay open; run the same command again to resume", rc.part, rc.c.src.Endpoint())
	}
	rc.c.mu.Lock()
	for _, r := range rc.ranges {
		r.Done = true
	}
	rc.c.mu.Unlock()
	return rc.c.saveSoon()
}

// complete reports whether the target acknowledged every batch the
// readers sent: only then may the ranges be closed.
func (rc *rangeCopy) complete() bool {
	rc.lastMu.Lock()
	defer rc.lastMu.Unlock()
	for _, p := range rc.prog {
		if len(p.lastIDs) > 0 || len(p.done) > 0 {
			return false
		}
	}
	return true
}

func (c *copier) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastSave = time.Now()
	return c.st.Save(c.opts.StatePath)
}

// readLoop reads one range's pages in id order and hands them to the
// writers with send; sent reports each batch's last id before the batch
// goes out. Memory stays bounded: a reader holds one page while send waits.
// Once Options.Stop is closed, whatever ended the reads, it returns
// ErrInterrupted.
func (c *copier) readLoop(ctx context.Context, part string, rng int, r *RangeState, send func(context.Context, batch) error, sent func(seq int, last adapters.ID)) error {
	err := c.readRange(ctx, part, rng, r, send, sent)
	if err != nil && c.stopped() {
		return ErrInterrupted
	}
	return err
}

func (c *copier) stopped() bool {
	select {
	case <-c.opts.Stop:
		return true
	default:
		return false
	}
}

func (c *copier) readRange(ctx context.Context, part string, rng int, r *RangeState, send func(context.Context, batch) error, sent func(seq int, last adapters.ID)) error {
	after := r.Watermark
	if after == nil {
		after = r.From
	}
	seq := 0
	for {
		if c.stopped() {
			return ErrInterrupted
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		b, done, err := c.readPage(ctx, part, after)
		if err != nil {
			return fmt.Errorf("read %s partition %q after %v: %w", c.src.Endpoint(), part, idOrStart(after), err)
		}
		n := b.len()
		if r.To != nil {
			k := sort.Search(n, func(i int) bool { return r.To.Less(b.id(i)) })
			if k < n {
				b, n, done = b.head(k), k, true
			}
		}
		if n > 0 {
			last := b.id(n - 1)
			sent(seq, last)
			c.mu.Lock()
			c.read += uint64(n)
			c.mu.Unlock()
			b.rng, b.seq = rng, seq
			if err := send(ctx, b); err != nil {
				return err
			}
			seq++
			after = &last
		}
		if done {
			return nil
		}
		if n == 0 {
			return fmt.Errorf("read %s partition %q after %v: the source returned an empty page that is not the last; this is a bug in its adapter", c.src.Endpoint(), part, idOrStart(after))
		}
	}
}

// readPage reads the page after after: raw when the run copies raw (a
// page the source cannot hand over raw comes in the neutral model), else
// neutral. done is true when it is the last.
func (c *copier) readPage(ctx context.Context, part string, after *adapters.ID) (b batch, done bool, err error) {
	req := adapters.ReadRequest{Partition: part, After: after, Limit: c.opts.BatchSize}
	if c.rawR == nil {
		page, err := c.src.Read(ctx, req)
		return batch{points: page.Points}, page.Done, err
	}
	page, err := c.rawR.ReadRaw(ctx, req)
	if page.Batch != nil && page.Batch.Len() > 0 {
		return batch{raw: page.Batch}, page.Done, err
	}
	return batch{points: page.Points}, page.Done, err
}

// write checks a batch for NaN and infinite vectors (validate.go), then
// writes it in requests the target takes (split.go).
func (c *copier) write(ctx context.Context, part string, b batch) error {
	if err := c.checkBatch(part, b); err != nil {
		return err
	}
	return c.writeSplit(ctx, part, b)
}

// writeOnce writes a batch the way it was read, in one request.
func (c *copier) writeOnce(ctx context.Context, part string, b batch) error {
	if b.raw != nil {
		return c.rawW.WriteRaw(ctx, part, b.raw)
	}
	if c.mapping == nil {
		return c.dst.Write(ctx, part, b.points)
	}
	mapped := make([]adapters.Point, len(b.points))
	for i := range b.points {
		p, err := c.mapping.ToTarget(b.points[i])
		if err != nil {
			return adapters.Errorf(adapters.KindInvalid, "%s: point %s cannot be written to %s: %w", c.src.Endpoint(), b.points[i].ID, c.dst.Endpoint(), err)
		}
		mapped[i] = p
	}
	return c.dst.Write(ctx, part, mapped)
}

func idOrStart(id *adapters.ID) string {
	if id == nil {
		return "the start"
	}
	return id.String()
}
