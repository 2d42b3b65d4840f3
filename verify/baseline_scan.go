package verify

import (
	"container/heap"
	"context"
	"hash/fnv"
	"math/rand/v2"
	"sort"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
	"github.com/vecmig/vecmig/verify/baselinefile"
	"github.com/vecmig/vecmig/verify/fingerprint"
	"github.com/vecmig/vecmig/verify/knn"
)

// query is one probe query: a point's own vector.
type query struct {
	id  adapters.ID
	vec []float32
}

// partition writes one partition's fingerprints and computes its probes'
// exact results in one scan.
func (c *capture) partition(ctx context.Context, w *baselinefile.Writer, p partition, nq int) error {
	qs, err := c.pickQueries(ctx, p, nq)
	if err != nil {
		return err
	}
	tops, err := newTops(c.def, c.names, qs, c.opts.K)
	if err != nil {
		return err
	}
	if err := w.BeginPartition(p.name); err != nil {
		return err
	}
	var seen uint64
	err = c.v.scanStream(ctx, c.src, p.name, func(pt *adapters.Point) error {
		seen++
		if err := w.Add(pt.ID, fingerprint.Of(pt)); err != nil {
			return err
		}
		c.kept.offer(c.opts.Keep, seededHash(c.opts.Seed, pt.ID), p.name, pt)
		return tops.add(pt)
	})
	if err != nil {
		return err
	}
	c.sum.Points += seen
	if seen != p.srcN {
		c.note("partition %q: the scan read %d points, but the source counted %d just before; the source changed during the capture, so capture again on a quiet source", p.name, seen, p.srcN)
	}
	for _, name := range c.names {
		for i, hits := range tops.byName[name].Results() {
			q := qs[name][i]
			c.probes = append(c.probes, baselinefile.Probe{Partition: p.name, Vector: name, Metric: c.def.Vectors[name].Distance, QueryID: q.id, Query: q.vec, Hits: hits})
		}
	}
	return w.EndPartition()
}

// tops holds one exact top-k per probed vector.
type tops struct{ byName map[string]*knn.TopK }

func newTops(def *adapters.Collection, names []string, qs map[string][]query, k int) (*tops, error) {
	t := &tops{byName: map[string]*knn.TopK{}}
	for _, name := range names {
		vecs := make([][]float32, len(qs[name]))
		for i, q := range qs[name] {
			vecs[i] = q.vec
		}
		tk, err := knn.NewTopK(def.Vectors[name].Distance, vecs, k)
		if err != nil {
			return nil, err
		}
		t.byName[name] = tk
	}
	return t, nil
}

// add offers p's vectors to the probes of their names.
func (t *tops) add(p *adapters.Point) error {
	for name, tk := range t.byName {
		if v, ok := p.Vectors[name]; ok && v.Dense != nil {
			if err := tk.Add(p.ID, v.Dense); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanStream reads a whole partition of s in id order, one page ahead.
func (v *verifier) scanStream(ctx context.Context, s adapters.Source, part string, f func(*adapters.Point) error) error {
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	st := v.readRange(ctx, fc, s, true, part, idspace.Range{})
	for page := range st.pages {
		for i := range page {
			if err := f(&page[i]); err != nil {
				fc.Fail(err)
				return stopStreams(fc, st)
			}
		}
	}
	if st.err != nil {
		return stopStreams(fc, st)
	}
	return nil
}

// pickQueries chooses n probe queries per probed vector (see Capture).
func (c *capture) pickQueries(ctx context.Context, p partition, n int) (map[string][]query, error) {
	qs := map[string][]query{}
	if n == 0 || len(c.names) == 0 {
		return qs, nil
	}
	h := fnv.New64a()
	h.Write([]byte(p.name))
	rnd := rand.New(rand.NewPCG(c.opts.Seed, h.Sum64()))
	taken := map[string]map[adapters.ID]bool{}
	offer := func(pt *adapters.Point) {
		for _, name := range c.names {
			v, ok := pt.Vectors[name]
			if !ok || v.Dense == nil || len(qs[name]) >= n || taken[name][pt.ID] {
				continue
			}
			if taken[name] == nil {
				taken[name] = map[adapters.ID]bool{}
			}
			taken[name][pt.ID] = true
			qs[name] = append(qs[name], query{id: pt.ID, vec: append([]float32(nil), v.Dense...)})
		}
	}
	var err error
	if uint64(n)*4 > p.srcN || sequential(c.src) {
		err = c.pickByHash(ctx, p, n, offer)
	} else {
		err = c.pickAtRandom(ctx, p, n, rnd, offer, func() bool {
			for _, name := range c.names {
				if len(qs[name]) < n {
					return false
				}
			}
			return true
		})
	}
	for _, name := range c.names {
		if len(qs[name]) < n && err == nil {
			c.note("partition %q: %d probe queries for %s of the %d asked for (too few points carry it)", p.name, len(qs[name]), vectorLabel(name), n)
		}
	}
	return qs, err
}

// pickAtRandom offers the points at seeded random positions until done.
func (c *capture) pickAtRandom(ctx context.Context, p partition, n int, rnd *rand.Rand, offer func(*adapters.Point), done func() bool) error {
	b, err := idspace.Find(ctx, c.src, p.name)
	if err != nil || b.Empty() {
		return err
	}
	for draws := 0; draws < 8*n+100 && !done(); draws++ {
		page, err := c.src.Read(ctx, adapters.ReadRequest{Partition: p.name, After: idspace.AtLeast(b.RandomPosition(rnd)), Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Points) > 0 {
			offer(&page.Points[0])
		}
	}
	return nil
}

// pickByHash offers, per vector, the points with the smallest seeded id
// hash among those carrying it: a pre-pass over the partition.
func (c *capture) pickByHash(ctx context.Context, p partition, n int, offer func(*adapters.Point)) error {
	best := map[string]*keptHeap{}
	for _, name := range c.names {
		best[name] = &keptHeap{}
	}
	err := c.v.scanStream(ctx, c.src, p.name, func(pt *adapters.Point) error {
		for _, name := range c.names {
			if v, ok := pt.Vectors[name]; ok && v.Dense != nil {
				best[name].offer(n, seededHash(c.opts.Seed, pt.ID), p.name, pt)
			}
		}
		return nil
	})
	for _, name := range c.names {
		for _, k := range best[name].sorted() {
			offer(&adapters.Point{ID: k.Point.ID, Vectors: map[string]adapters.Vector{name: k.Point.Vectors[name]}})
		}
	}
	return err
}

// seededHash orders ids for the kept sample: the same on every run and
// engine for one seed, whatever the page order.
func seededHash(seed uint64, id adapters.ID) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id.String()))
	x := h.Sum64() ^ seed
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// keptHeap keeps the points with the smallest hashes (the largest on top).
type keptHeap struct{ items []keptItem }

type keptItem struct {
	hash uint64
	k    baselinefile.Kept
}

func (h *keptHeap) Len() int           { return len(h.items) }
func (h *keptHeap) Less(i, j int) bool { return h.items[i].hash > h.items[j].hash }
func (h *keptHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *keptHeap) Push(x any)         { h.items = append(h.items, x.(keptItem)) }
func (h *keptHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func (h *keptHeap) offer(n int, hash uint64, part string, p *adapters.Point) {
	switch {
	case n <= 0:
	case len(h.items) < n:
		heap.Push(h, keptItem{hash, baselinefile.Kept{Partition: part, Point: *p}})
	case hash < h.items[0].hash:
		h.items[0] = keptItem{hash, baselinefile.Kept{Partition: part, Point: *p}}
		heap.Fix(h, 0)
	}
}

// sorted returns the kept points by partition and id.
func (h *keptHeap) sorted() []baselinefile.Kept {
	out := make([]baselinefile.Kept, len(h.items))
	for i, it := range h.items {
		out[i] = it.k
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Point.ID.Less(out[j].Point.ID)
	})
	return out
}
