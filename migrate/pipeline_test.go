package migrate

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// rawSource serves ids 1..n in pages; every third page cannot travel raw
// and comes in the neutral model, as a Qdrant page with a field this build
// does not know does. A real server cannot be made to send that on demand.
type rawSource struct {
	adapters.Source
	n int
}

type idBatch []adapters.ID

func (b idBatch) Len() int                         { return len(b) }
func (b idBatch) ID(i int) adapters.ID             { return b[i] }
func (b idBatch) Slice(i, j int) adapters.RawBatch { return b[i:j] }

func (s *rawSource) RawFormat() string { return "test.raw" }
func (s *rawSource) Endpoint() string  { return "test://source" }
func (s *rawSource) ReadRaw(_ context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	first := uint64(1)
	if req.After != nil {
		first = req.After.Num() + 1
	}
	var ids idBatch
	for id := first; id <= uint64(s.n) && len(ids) < req.Limit; id++ {
		ids = append(ids, adapters.NumID(id))
	}
	done := len(ids) == 0 || ids[len(ids)-1].Num() == uint64(s.n)
	if (first-1)/uint64(req.Limit)%3 == 2 {
		pts := make([]adapters.Point, len(ids))
		for i, id := range ids {
			pts[i].ID = id
		}
		return adapters.RawPage{Points: pts, Done: done}, nil
	}
	return adapters.RawPage{Batch: ids, Done: done}, nil
}

// rawSink records which ids came raw and which neutral.
type rawSink struct {
	adapters.Sink
	mu           sync.Mutex
	raw, neutral []adapters.ID
}

func (s *rawSink) AcceptsRaw(f string) bool { return f == "test.raw" }
func (s *rawSink) WriteRaw(_ context.Context, _ string, b adapters.RawBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < b.Len(); i++ {
		s.raw = append(s.raw, b.ID(i))
	}
	return nil
}
func (s *rawSink) Write(_ context.Context, _ string, pts []adapters.Point) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range pts {
		s.neutral = append(s.neutral, p.ID)
	}
	return nil
}

// Raw and neutral pages of one run are each written their own way, and a
// range ends exactly at its upper bound, raw batches cut included.
func TestPipelineRawAndNeutralPages(t *testing.T) {
	src, dst := &rawSource{n: 100}, &rawSink{}
	c := &copier{opts: Options{BatchSize: 7, StatePath: filepath.Join(t.TempDir(), "s.json")}, src: src, dst: dst, workers: 3}
	if f := c.useRaw(); f != "test.raw" {
		t.Fatalf("useRaw = %q", f)
	}
	// Pages of 7 from the start of each range: 30 and 45 fall in raw pages.
	a, b, end := adapters.NumID(30), adapters.NumID(45), adapters.NumID(100)
	ranges := []*RangeState{{To: &a}, {From: &a, To: &b}, {From: &b, To: &end}}
	c.st = NewState("s", "t", "live", "f", []string{""})
	c.st.Partitions[""].Ranges = ranges
	if err := c.copyRanges(context.Background(), "", ranges); err != nil {
		t.Fatal(err)
	}
	all := append(append([]adapters.ID{}, dst.raw...), dst.neutral...)
	sort.Slice(all, func(i, j int) bool { return all[i].Less(all[j]) })
	if len(all) != 100 || all[0] != adapters.NumID(1) || all[99] != adapters.NumID(100) || len(dst.neutral) == 0 || len(dst.raw) == 0 {
		t.Fatalf("wrote %d points (%d raw, %d neutral); want 1..100 once each, both ways", len(all), len(dst.raw), len(dst.neutral))
	}
	for i, id := range all {
		if id != adapters.NumID(uint64(i+1)) {
			t.Fatalf("point %d written is %s", i, id)
		}
	}
	for i, r := range ranges {
		if !r.Done || r.Watermark == nil || *r.Watermark != *r.To {
			t.Errorf("range %d = %+v; want done at its upper bound %s", i, r, r.To)
		}
	}
	if got := fmt.Sprint(ranges[0].Written, ranges[1].Written, ranges[2].Written); got != "30 15 55" {
		t.Errorf("written per range = %s; want 30 15 55", got)
	}
}

// A writer of the shared pool given a batch of a partition whose context
// already ended (the run was stopped by another partition's failure)
// does not write it and fails the partition, so that its ranges are not
// closed; the pool's writers then end.
func TestPoolSkipsBatchOfEndedPartition(t *testing.T) {
	dst := &rawSink{}
	c := &copier{opts: Options{BatchSize: 7}, src: &rawSource{n: 10}, dst: dst, workers: 2}
	parent, cancel := context.WithCancel(context.Background())
	ctx, fc := adapters.WithFirstCause(parent)
	defer fc.Stop()
	pool := c.startWriters()
	rc := &rangeCopy{c: c, ctx: ctx, part: "p", fc: fc, pool: pool, acks: make(chan ack, 1)}
	cancel()
	if err := rc.send(context.Background(), batch{points: []adapters.Point{{ID: adapters.NumID(1)}}}); err != nil {
		t.Fatal(err)
	}
	rc.pending.Wait()
	pool.stop()
	if len(dst.neutral)+len(dst.raw) != 0 || len(rc.acks) != 0 {
		t.Errorf("wrote %d points, acknowledged %d batches; want none: the partition had ended", len(dst.neutral)+len(dst.raw), len(rc.acks))
	}
	if err := fc.Err(); err != context.Canceled {
		t.Errorf("the partition's first cause = %v; want context.Canceled, so that its ranges stay open", err)
	}
}
