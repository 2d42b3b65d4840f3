package verify

import (
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/knn"
)

// A probe may swap the points tied at rank k, never a nearer one.
func TestProbeTiesOnly(t *testing.T) {
	b := &baseline{tol: 1e-3}
	hit := func(id uint64, s float64) knn.Hit { return knn.Hit{ID: adapters.NumID(id), Score: s} }
	want := []knn.Hit{hit(1, 0.1), hit(2, 0.2), hit(3, 0.3)}
	if !b.tiesOnly(want, []knn.Hit{hit(1, 0.1), hit(2, 0.2), hit(9, 0.3002)}) {
		t.Error("a swap of the points tied at rank 3 is refused")
	}
	if b.tiesOnly(want, []knn.Hit{hit(1, 0.1), hit(9, 0.2), hit(3, 0.3)}) {
		t.Error("a different point at rank 2 is taken for a tie")
	}
	if b.tiesOnly(want, []knn.Hit{hit(1, 0.1), hit(2, 0.2), hit(9, 0.35)}) {
		t.Error("a farther point at rank 3 is taken for a tie")
	}
}
