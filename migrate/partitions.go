package migrate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// A collection with thousands of small partitions (Weaviate tenants,
// Qdrant shard keys) would leave the target idle between them if they
// were copied one after another: each costs an activation, a read, a write
// and a put-back, mostly round trips. A run therefore works on several
// partitions at once (atOnce), and activates the next inactive tenants
// while the current ones are copied.
//
// The partitions copied at once share one pool of Options.Workers writers
// (writerPool), started once for the run and fed by one channel of
// batches of capacity workers. Each partition has its own range readers
// (at most atOnce over all partitions: readerSlots), which send their
// pages to that channel; each batch carries its partition's rangeCopy
// (context, first cause, acks), so any writer can write and acknowledge
// it. A large partition copied beside small ones thus gets every writer
// once they are done, and the pages held stay linear in workers: at most
// one in each slot of the channel (workers), one per write in flight
// (workers) and one per range reader waiting to send (atOnce), never
// workers² as a set of writers per partition would hold.
//
// A partition's watermarks still advance only over its contiguously
// acknowledged batches, and its acks channel is closed once its readers
// ended and every batch it sent was handled by a writer (pending). A batch
// of a partition that already failed (or whose run ended) is not written:
// it fails the partition, so its ranges stay open. A write error fails
// the partition's first cause, which stops the schedule.

// schedule visits many partitions: k at a time, each made readable
// (activated) ahead of its turn and put back behind it, with at most held
// partitions readable at once, never all of them.
type schedule struct {
	src  adapters.Source // nil: no partition needs activating (a target)
	k    int
	held int
	logf func(string, ...any)
	stop <-chan struct{} // Options.Stop; nil: not interruptible
}

// partitionsAtOnce is how many partitions a run copies at once: enough to
// keep every writer busy while others read, activate or put back. A sink
// that needs points in id order (a dump) takes one partition at a time.
func partitionsAtOnce(opts Options, ordered bool) int {
	if ordered {
		return 1
	}
	return max(2*opts.Workers, opts.Readers, 1)
}

// newSchedule visits k partitions at once, holding at most 2k readable:
// those being visited and as many activated ahead.
func newSchedule(src adapters.Source, opts Options, k int) schedule {
	return schedule{src: src, k: k, held: 2 * k, logf: opts.logf, stop: opts.Stop}
}

// heldPartition is a partition made readable; undo puts it back (nil: it
// needed nothing).
type heldPartition struct {
	part string
	undo func(context.Context) error
}

// run calls fn for every partition of parts. The first error stops the
// others and is the one returned (adapters.FirstCause). Once s.stop is
// closed no partition starts; fn's in flight end as they do, and run
// returns ErrInterrupted. Every partition activated is put back, whatever
// happens, before run returns.
func (s schedule) run(ctx context.Context, parts []string, fn func(ctx context.Context, part string) error) error {
	if len(parts) == 0 {
		return nil
	}
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	slots := make(chan struct{}, s.held)
	ready := make(chan heldPartition, s.held) // never full: each item holds a slot
	go s.activate(ctx, fc, parts, slots, ready)
	var (
		workers, putBacks sync.WaitGroup
		visited           atomic.Int64
		interrupted       atomic.Bool
	)
	for range min(s.k, len(parts)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for h := range ready {
				if s.visit(ctx, fc, h.part, fn, &interrupted) {
					visited.Add(1)
				}
				putBacks.Add(1)
				go func() {
					defer putBacks.Done()
					adapters.PutBackPartition(ctx, s.src, h.part, h.undo, s.logf)
					<-slots
				}()
			}
		}()
	}
	workers.Wait()
	putBacks.Wait()
	if err := fc.Err(); err != nil {
		return err
	}
	if interrupted.Load() {
		return ErrInterrupted
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if visited.Load() < int64(len(parts)) {
		return ErrInterrupted // s.stop ended the activations
	}
	return nil
}

// activate makes the partitions readable in order, each once a slot is
// free, and hands them to the workers; ready is closed at the end, at
// s.stop, or at the first failure.
func (s schedule) activate(ctx context.Context, fc *adapters.FirstCause, parts []string, slots chan struct{}, ready chan<- heldPartition) {
	defer close(ready)
	for _, p := range parts {
		if s.stopped() {
			return
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		var undo func(context.Context) error
		if s.src != nil {
			var err error
			if undo, err = adapters.ActivatePartition(ctx, s.src, p); err != nil {
				<-slots
				fc.Fail(err)
				return
			}
		}
		ready <- heldPartition{part: p, undo: undo}
	}
}

// visit runs fn on one partition unless the run is over; it reports
// whether fn ran to its end.
func (s schedule) visit(ctx context.Context, fc *adapters.FirstCause, part string, fn func(context.Context, string) error, interrupted *atomic.Bool) bool {
	if ctx.Err() != nil {
		return false
	}
	if s.stopped() {
		interrupted.Store(true)
		return false
	}
	err := fn(ctx, part)
	if errors.Is(err, ErrInterrupted) {
		interrupted.Store(true)
		if err == ErrInterrupted {
			return false
		}
	}
	fc.Fail(err)
	return err == nil
}

func (s schedule) stopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// copyPartitions copies every unfinished partition of parts, several at
// once (c.atOnce), each with its own range readers, all sharing one pool
// of c.workers writers. The state is saved at the end, whatever happened.
func (c *copier) copyPartitions(ctx context.Context, parts []string) error {
	var todo []string
	for _, p := range parts {
		if !c.st.Partitions[p].Done() {
			todo = append(todo, p)
		}
	}
	c.pool = c.startWriters()
	s := newSchedule(c.src, c.opts, c.atOnce)
	err := s.run(ctx, todo, func(ctx context.Context, part string) error {
		return c.partition(ctx, part, c.st.Partitions[part])
	})
	c.pool.stop() // every partition ended: nothing is sent any more
	c.pool = nil
	if serr := c.save(); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

// readerSlots bounds the range readers of all partitions copied at once
// to c.atOnce, and with them the pages in memory: a small partition takes
// one, a large one a slot per range, so that only a few large partitions
// are read at once. One partition takes its slots at a time (mu),
// so that two never each hold part of what they wait for.
type readerSlots struct {
	mu    sync.Mutex
	slots chan struct{}
}

func newReaderSlots(n int) *readerSlots {
	return &readerSlots{slots: make(chan struct{}, max(n, 1))}
}

// take waits for n slots (at most all of them) and returns what gives
// them back.
func (r *readerSlots) take(ctx context.Context, n int) (release func(), err error) {
	n = min(max(n, 1), cap(r.slots))
	r.mu.Lock()
	defer r.mu.Unlock()
	release = func() {}
	for i := 0; i < n; i++ {
		select {
		case r.slots <- struct{}{}:
			k := i + 1
			release = func() {
				for range k {
					<-r.slots
				}
			}
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

// writerPool is the run's c.workers writers, shared by every partition
// copied at once: each takes the next batch of any partition from jobs,
// writes it and acknowledges it to its partition (rangeCopy.handle). At
// most workers writes are in flight, and jobs holds at most workers pages.
type writerPool struct {
	jobs    chan job
	writers sync.WaitGroup
}

// job is a batch with the partition it belongs to.
type job struct {
	rc *rangeCopy
	b  batch
}

// startWriters starts the pool; stop ends it.
func (c *copier) startWriters() *writerPool {
	n := max(c.workers, 1)
	p := &writerPool{jobs: make(chan job, n)}
	for range n {
		p.writers.Add(1)
		go func() {
			defer p.writers.Done()
			for j := range p.jobs {
				j.rc.handle(j.b)
			}
		}()
	}
	return p
}

// stop ends the writers once every partition using the pool has ended
// (copyRanges returns only after each batch it sent was handled, so
// nothing is sent any more) and waits for them.
func (p *writerPool) stop() {
	close(p.jobs)
	p.writers.Wait()
}

// saveSoon saves the state unless it was saved less than saveEvery ago.
func (c *copier) saveSoon() error {
	c.mu.Lock()
	due := time.Since(c.lastSave) > saveEvery
	c.mu.Unlock()
	if !due {
		return nil
	}
	return c.save()
}

// countEach counts every partition of parts with count, several at once
// (each made readable first when s has a source), for the plan's and the
// final exact counts. Options.Stop does not end it; ctx does.
func countEach(ctx context.Context, s schedule, parts []string, count func(ctx context.Context, part string) (uint64, error)) (map[string]uint64, error) {
	s.stop = nil
	var mu sync.Mutex
	counts := make(map[string]uint64, len(parts))
	err := s.run(ctx, parts, func(ctx context.Context, part string) error {
		n, err := count(ctx, part)
		if err != nil {
			return err
		}
		mu.Lock()
		counts[part] = n
		mu.Unlock()
		return nil
	})
	return counts, err
}
