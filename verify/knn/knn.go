// Package knn computes exact k-nearest-neighbour results by brute force,
// for many queries in one pass over a stream of points, in a neutral score
// that means the same on every engine: a distance, smaller is closer.
//
//	cosine     1 - cos(a, b)
//	dot        -(a · b)
//	euclid     squared Euclidean distance (Weaviate's l2-squared; Qdrant
//	           reports its square root, same order)
//	manhattan  sum of |a_i - b_i|
//
// Memory is k hits per query, whatever the number of points.
package knn

import (
	"container/heap"
	"fmt"
	"math"
	"sort"

	"github.com/vecmig/vecmig/adapters"
)

// Hit is one result: a point and its neutral distance to the query.
type Hit struct {
	ID    adapters.ID `json:"id"`
	Score float64     `json:"score"`
}

// Distance is the neutral distance of a and b under metric d.
func Distance(d adapters.Distance, a, b []float32) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("vectors of %d and %d dimensions cannot be compared", len(a), len(b))
	}
	switch d {
	case adapters.Cosine:
		var dot, na, nb float64
		for i := range a {
			x, y := float64(a[i]), float64(b[i])
			dot, na, nb = dot+x*y, na+x*x, nb+y*y
		}
		if na == 0 || nb == 0 {
			return 1, nil
		}
		return 1 - dot/math.Sqrt(na*nb), nil
	case adapters.Dot:
		var dot float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
		}
		return -dot, nil
	case adapters.Euclid:
		var s float64
		for i := range a {
			x := float64(a[i]) - float64(b[i])
			s += x * x
		}
		return s, nil
	case adapters.Manhattan:
		var s float64
		for i := range a {
			s += math.Abs(float64(a[i]) - float64(b[i]))
		}
		return s, nil
	}
	return 0, fmt.Errorf("distance %q has no exact search in vecmig (cosine, dot, euclid, manhattan)", d)
}

// TopK keeps, for each query, the k points nearest to it among those
// offered with Add. Not safe for concurrent use.
type TopK struct {
	metric  adapters.Distance
	queries [][]float32
	k       int
	heaps   []*maxHeap
}

// NewTopK prepares exact top-k for queries under metric.
func NewTopK(metric adapters.Distance, queries [][]float32, k int) (*TopK, error) {
	if _, err := Distance(metric, nil, nil); err != nil {
		return nil, err
	}
	t := &TopK{metric: metric, queries: queries, k: k, heaps: make([]*maxHeap, len(queries))}
	for i := range t.heaps {
		t.heaps[i] = &maxHeap{}
	}
	return t, nil
}

// Add offers one point to every query. A vector of another dimension than
// a query is an error naming the point.
func (t *TopK) Add(id adapters.ID, v []float32) error {
	for i, q := range t.queries {
		d, err := Distance(t.metric, q, v)
		if err != nil {
			return fmt.Errorf("point %s: %w", id, err)
		}
		h := t.heaps[i]
		switch {
		case h.Len() < t.k:
			heap.Push(h, Hit{ID: id, Score: d})
		case worse(h.hits[0], Hit{ID: id, Score: d}):
			h.hits[0] = Hit{ID: id, Score: d}
			heap.Fix(h, 0)
		}
	}
	return nil
}

// Results returns each query's hits, nearest first; ties go to the
// smaller id, so that two sides holding the same points give the same list.
func (t *TopK) Results() [][]Hit {
	out := make([][]Hit, len(t.heaps))
	for i, h := range t.heaps {
		hits := append([]Hit(nil), h.hits...)
		Sort(hits)
		out[i] = hits
	}
	return out
}

// Sort orders hits nearest first, ties by id.
func Sort(hits []Hit) {
	sort.Slice(hits, func(i, j int) bool { return worse(hits[j], hits[i]) })
}

// worse reports whether a ranks after b.
func worse(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return b.ID.Less(a.ID)
}

// maxHeap keeps the worst of the kept hits on top.
type maxHeap struct{ hits []Hit }

func (h *maxHeap) Len() int           { return len(h.hits) }
func (h *maxHeap) Less(i, j int) bool { return worse(h.hits[i], h.hits[j]) }
func (h *maxHeap) Swap(i, j int)      { h.hits[i], h.hits[j] = h.hits[j], h.hits[i] }
func (h *maxHeap) Push(x any)         { h.hits = append(h.hits, x.(Hit)) }
func (h *maxHeap) Pop() any {
	n := len(h.hits) - 1
	x := h.hits[n]
	h.hits = h.hits[:n]
	return x
}

// Overlap is the share of want's ids that got holds too (1 when want is
// empty): top-k overlap, or recall@k when want is the exact answer.
func Overlap(want, got []Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	have := make(map[adapters.ID]bool, len(got))
	for _, h := range got {
		have[h.ID] = true
	}
	n := 0
	for _, h := range want {
		if have[h.ID] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// ScoreShift is the largest |a_i - b_i| over the ranks both lists have.
func ScoreShift(a, b []Hit) float64 {
	var m float64
	for i := 0; i < len(a) && i < len(b); i++ {
		m = math.Max(m, math.Abs(a[i].Score-b[i].Score))
	}
	return m
}
