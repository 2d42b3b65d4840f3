package migrate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

// keyedFixture is a Qdrant collection with one keyword shard key per
// entry of sizes, holding that many points.
func keyedFixture(name string, keys []string, sizes []int) adaptertest.Fixture {
	cfg := &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber:    1,
		ShardingMethod: qc.ShardingMethod_Custom.Enum(),
		VectorsConfig:  qc.NewVectorsConfig(&qc.VectorParams{Size: 8, Distance: qc.Distance_Dot}),
	}}
	points := map[string][]adapters.Point{}
	var shardKeys []*qc.ShardKey
	id := 1
	for i, k := range keys {
		shardKeys = append(shardKeys, qc.NewShardKeyKeyword(k))
		for range sizes[i] {
			points[k] = append(points[k], adapters.Point{
				ID:      adapters.NumID(uint64(id)),
				Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(3, id, 8)}},
				Payload: map[string]any{"i": id},
			})
			id++
		}
	}
	def, err := qdrant.Definition(name, &qdrant.Native{Config: cfg, ShardKeys: shardKeys})
	if err != nil {
		panic(err)
	}
	return adaptertest.Fixture{Name: name, Def: def, Points: points}
}

// keyedPair loads fx into a fresh source and returns it opened, with a
// fresh target opened as a sink and as a source (to read it back).
func keyedPair(t *testing.T, fx adaptertest.Fixture) (src adapters.Source, dst adapters.Sink, tgt adapters.Source) {
	t.Helper()
	q, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	cfg, cfg2 := adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}, adapters.Config{APIKey: adapters.NewSecret(q2.APIKey)}
	srcURL, dstURL := q.Endpoint(q.NewName(t, "pool")), q2.Endpoint(q2.NewName(t, "pool"))
	adaptertest.Load(t, reg, cfg, srcURL, fx)
	src = adaptertest.OpenSource(t, reg, srcURL, cfg)
	dst = adaptertest.OpenSink(t, reg, dstURL, cfg2)
	tgt = adaptertest.OpenSource(t, reg, dstURL, cfg2)
	return src, dst, tgt
}

// writeTracker wraps a Sink (its raw writes too) and calls track around
// every write.
type writeTracker struct {
	adapters.Sink
	track func(ctx context.Context, part string, n int, write func() error) error
}

func (s *writeTracker) Unwrap() any { return s.Sink }

func (s *writeTracker) WrapAbility(target any) bool {
	p, ok := target.(*adapters.RawWriter)
	if !ok {
		return false
	}
	w, ok := adapters.As[adapters.RawWriter](s.Sink)
	if ok {
		*p = trackedRaw{w, s}
	}
	return ok
}

func (s *writeTracker) Write(ctx context.Context, part string, pts []adapters.Point) error {
	return s.track(ctx, part, len(pts), func() error { return s.Sink.Write(ctx, part, pts) })
}

type trackedRaw struct {
	adapters.RawWriter
	s *writeTracker
}

func (w trackedRaw) WriteRaw(ctx context.Context, part string, b adapters.RawBatch) error {
	return w.s.track(ctx, part, b.Len(), func() error { return w.RawWriter.WriteRaw(ctx, part, b) })
}

// bigWrites counts the writes of one large partition in flight at once,
// from when every point of the small partitions was written. The first
// such write waits (at most a minute) for a second one to begin, so that
// a pipeline able to give the large partition more than one writer shows
// it whatever the timings.
type bigWrites struct {
	big        string
	mu         sync.Mutex
	smallLeft  int
	now, most  int
	armed      bool
	partner    chan struct{}
	partnerSet sync.Once
}

func (b *bigWrites) track(ctx context.Context, part string, n int, write func() error) error {
	if part != b.big {
		err := write()
		if err == nil {
			b.mu.Lock()
			b.smallLeft -= n
			b.mu.Unlock()
		}
		return err
	}
	b.mu.Lock()
	after := b.smallLeft == 0
	hold := after && !b.armed
	b.now++
	if after {
		b.armed = true
		b.most = max(b.most, b.now)
	}
	if after && b.now > 1 {
		b.partnerSet.Do(func() { close(b.partner) })
	}
	b.mu.Unlock()
	if hold {
		select {
		case <-b.partner:
		case <-time.After(20 * time.Second): // one writer for the partition: give up
		case <-ctx.Done():
		}
	}
	err := write()
	b.mu.Lock()
	b.now--
	b.mu.Unlock()
	return err
}

// TestLargePartitionUsesEveryWriter copies one large shard key beside
// tiny ones with 4 workers: once the tiny ones are written, the large one
// has more than one write in flight (one shared pool of writers, not a
// writer per partition), and the target holds exactly the source's points.
func TestLargePartitionUsesEveryWriter(t *testing.T) {
	keys := []string{"big", "t1", "t2", "t3", "t4", "t5"}
	sizes := []int{400, 3, 4, 5, 6, 7} // 40 batches of 10, one each
	src, dst, tgt := keyedPair(t, keyedFixture("pool_big", keys, sizes))
	bw := &bigWrites{big: "big", smallLeft: 3 + 4 + 5 + 6 + 7, partner: make(chan struct{})}
	opts := migrate.Options{BatchSize: 10, Workers: 4, Readers: 1, StatePath: filepath.Join(t.TempDir(), "s.json")}
	res, err := migrate.Run(context.Background(), src, &writeTracker{Sink: dst, track: bw.track}, opts)
	if err != nil || !res.CountsMatch || res.TargetCount != 425 || res.Written != 425 {
		t.Fatalf("Run = %+v, %v; want 425 points written and counted", res, err)
	}
	if !bw.armed {
		t.Fatalf("every write of the large partition came before the tiny partitions were written; nothing was measured")
	}
	if bw.most < 2 {
		t.Errorf("the large partition had at most %d write in flight after the tiny ones were done; want more than 1 of the 4 workers", bw.most)
	}
	t.Logf("the large partition had up to %d writes in flight after the tiny ones were done", bw.most)
	adaptertest.AssertSameData(t, src, tgt)
}

// readTracker wraps a Source (its raw reads too) and calls seen with the
// points of every page read.
type readTracker struct {
	adapters.Source
	seen func(n int)
}

func (s *readTracker) Unwrap() any { return s.Source }

func (s *readTracker) WrapAbility(target any) bool {
	p, ok := target.(*adapters.RawReader)
	if !ok {
		return false
	}
	r, ok := adapters.As[adapters.RawReader](s.Source)
	if ok {
		*p = trackedRawReader{r, s}
	}
	return ok
}

func (s *readTracker) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	pg, err := s.Source.Read(ctx, req)
	s.seen(len(pg.Points))
	return pg, err
}

type trackedRawReader struct {
	adapters.RawReader
	s *readTracker
}

func (r trackedRawReader) ReadRaw(ctx context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	pg, err := r.RawReader.ReadRaw(ctx, req)
	n := len(pg.Points)
	if pg.Batch != nil {
		n += pg.Batch.Len()
	}
	r.s.seen(n)
	return pg, err
}

// heldPoints counts the points read by the copy (from Progress.Start on:
// planning reads samples) and not yet written, and the most ever held.
type heldPoints struct {
	mu               sync.Mutex
	copying          bool
	held, most, read int
}

func (h *heldPoints) Start(total, done uint64) { h.mu.Lock(); h.copying = true; h.mu.Unlock() }
func (h *heldPoints) Finish()                  {}
func (h *heldPoints) Add(int)                  {}

func (h *heldPoints) add(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.copying {
		h.held += n
		h.read += max(n, 0)
		h.most = max(h.most, h.held)
	}
}

// TestPagesHeldStayLinear copies 12 shard keys at once with 8 workers and
// counts the points read and not yet written. The shared writer pool
// holds at most a page per slot of its channel (workers), a page per
// write in flight (workers) and a page per range reader (at most
// atOnce = 2 × workers): 4 × workers pages, never workers².
func TestPagesHeldStayLinear(t *testing.T) {
	const workers, batch = 8, 10
	var keys []string
	var sizes []int
	total := 0
	for i := range 12 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
		sizes = append(sizes, 40+25*i)
		total += 40 + 25*i
	}
	src, dst, tgt := keyedPair(t, keyedFixture("pool_held", keys, sizes))
	h := &heldPoints{}
	sink := &writeTracker{Sink: dst, track: func(_ context.Context, _ string, n int, write func() error) error {
		err := write()
		if err == nil {
			h.add(-n)
		}
		return err
	}}
	opts := migrate.Options{BatchSize: batch, Workers: workers, Readers: 1, Progress: h, StatePath: filepath.Join(t.TempDir(), "s.json")}
	res, err := migrate.Run(context.Background(), &readTracker{Source: src, seen: h.add}, sink, opts)
	if err != nil || !res.CountsMatch || res.TargetCount != uint64(total) {
		t.Fatalf("Run = %+v, %v; want %d points", res, err, total)
	}
	if h.read != total || h.held != 0 {
		t.Fatalf("the copy read %d points and left %d unwritten; want %d read, 0 left (the count is wrong, not the bound)", h.read, h.held, total)
	}
	if bound := 4 * workers * batch; h.most > bound {
		t.Errorf("%d points were read and not yet written at once; want at most %d (4 × workers pages of %d)", h.most, bound, batch)
	}
	t.Logf("at most %d points (%.1f pages) held", h.most, float64(h.most)/batch)
	adaptertest.AssertSameData(t, src, tgt)
}
