package adapters

import (
	"math"
	"testing"
)

func TestFindNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	ok := Point{ID: NumID(1), Vectors: map[string]Vector{"a": {Dense: []float32{1, 2}}}}
	cases := []struct {
		p    Point
		want string
	}{
		{Point{ID: NumID(2), Vectors: map[string]Vector{"": {Dense: []float32{0, nan}}}}, "point 2: vector (unnamed) (dense) component 1 is NaN"},
		{Point{ID: NumID(3), Vectors: map[string]Vector{"b": {Dense: []float32{1}}, "a": {Multi: [][]float32{{1, 2}, {3, -inf}}}}}, `point 3: vector "a" (multi) row 1 component 1 is -Inf`},
		{Point{ID: NumID(4), Vectors: map[string]Vector{"s": {Sparse: &SparseVector{Indices: []uint32{7, 900}, Values: []float32{1, inf}}}}}, `point 4: vector "s" (sparse) value 1 (dimension 900) is +Inf`},
	}
	for _, c := range cases {
		bad := FindNonFinite([]Point{ok, c.p, ok})
		if bad == nil || bad.String() != c.want {
			t.Errorf("got %v, want %s", bad, c.want)
		}
	}
	if bad := FindNonFinite([]Point{ok, {ID: NumID(5)}}); bad != nil {
		t.Errorf("finite points reported: %v", bad)
	}
}
