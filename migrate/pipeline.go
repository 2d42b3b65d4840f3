package migrate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

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
