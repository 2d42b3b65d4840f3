package knn

import (
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

func TestTopKIsExact(t *testing.T) {
	pts := [][]float32{{0, 0}, {1, 0}, {0, 2}, {3, 3}, {-1, -1}, {0.5, 0.5}}
	q := [][]float32{{0.9, 0.1}, {0, 0}}
	for _, metric := range []adapters.Distance{adapters.Cosine, adapters.Dot, adapters.Euclid, adapters.Manhattan} {
		tk, err := NewTopK(metric, q, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range pts {
			if err := tk.Add(adapters.NumID(uint64(i)), v); err != nil {
				t.Fatal(err)
			}
		}
		for qi, hits := range tk.Results() {
			// every kept hit is at most as far as every other point
			worst := hits[len(hits)-1].Score
			kept := map[adapters.ID]bool{}
			for j, h := range hits {
				kept[h.ID] = true
				if j > 0 && h.Score < hits[j-1].Score {
					t.Errorf("%s query %d: hits not nearest first: %v", metric, qi, hits)
				}
			}
			for i, v := range pts {
				d, _ := Distance(metric, q[qi], v)
				if !kept[adapters.NumID(uint64(i))] && d < worst {
					t.Errorf("%s query %d: point %d at %g left out, the kept worst is %g", metric, qi, i, d, worst)
				}
			}
		}
	}
	if _, err := NewTopK(adapters.Hamming, q, 3); err == nil {
		t.Error("hamming accepted")
	}
}

func TestOverlapAndShift(t *testing.T) {
	a := []Hit{{adapters.NumID(1), 0.1}, {adapters.NumID(2), 0.2}}
	b := []Hit{{adapters.NumID(2), 0.25}, {adapters.NumID(3), 0.3}}
	if got := Overlap(a, b); got != 0.5 {
		t.Errorf("overlap %g, want 0.5", got)
	}
	if got := ScoreShift(a, b); got < 0.149 || got > 0.151 {
		t.Errorf("shift %g, want 0.15", got)
	}
}
