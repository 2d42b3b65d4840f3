package adapters

import (
	"fmt"
	"math"
)

// Non-finite vectors: a NaN or infinite component makes a vector useless
// for search (every distance to it is NaN), yet Qdrant and Weaviate both
// store one as given (seen on Qdrant 1.18.3 over gRPC and Weaviate 1.35.2
// over gRPC batch). vecmig refuses to copy such a point rather than
// spread it: the plan checks the sample it reads, and the copy checks
// every batch before sending it.

// NonFinite names a NaN or infinite component of a point's vector.
type NonFinite struct {
	ID     ID
	Vector string // the vector's name; DefaultVector for the unnamed one
	Kind   string // dense, sparse or multi
	// Row is the sub-vector of a multi-vector; 0 otherwise.
	Row int
	// Index is the component's position: in the dense vector, the
	// multi-vector's row, or the sparse vector's values.
	Index int
	// Dim is a sparse component's dimension (its index); 0 otherwise.
	Dim   uint32
	Value float32
}

// String says where the value is, as in
// `point 7: vector "text" (dense) component 17 is NaN`.
func (n *NonFinite) String() string {
	name := "(unnamed)"
	if n.Vector != DefaultVector {
		name = fmt.Sprintf("%q", n.Vector)
	}
	where := fmt.Sprintf("component %d", n.Index)
	switch n.Kind {
	case "multi":
		where = fmt.Sprintf("row %d component %d", n.Row, n.Index)
	case "sparse":
		where = fmt.Sprintf("value %d (dimension %d)", n.Index, n.Dim)
	}
	return fmt.Sprintf("point %s: vector %s (%s) %s is %s", n.ID, name, n.Kind, where, finiteWord(n.Value))
}

func finiteWord(v float32) string {
	switch {
	case math.IsNaN(float64(v)):
		return "NaN"
	case math.IsInf(float64(v), 1):
		return "+Inf"
	case math.IsInf(float64(v), -1):
		return "-Inf"
	}
	return fmt.Sprint(v)
}

// NonFiniteFinder is a RawBatch that can find a NaN or infinite vector
// component in its own encoding, without decoding its points.
type NonFiniteFinder interface {
	// FindNonFinite returns the first such component in id order, or nil.
	FindNonFinite() *NonFinite
}

// FindNonFinite returns the first NaN or infinite vector component of the
// points, in their order (vectors by name), or nil when there is none.
func FindNonFinite(points []Point) *NonFinite {
	for i := range points {
		p := &points[i]
		if !anyNonFinite(p.Vectors) {
			continue
		}
		for _, name := range p.VectorNames() {
			if bad := nonFiniteVector(p.Vectors[name]); bad != nil {
				bad.ID, bad.Vector = p.ID, name
				return bad
			}
		}
	}
	return nil
}

// anyNonFinite is the quick pass, without sorting names.
func anyNonFinite(vs map[string]Vector) bool {
	for _, v := range vs {
		if nonFiniteVector(v) != nil {
			return true
		}
	}
	return false
}

func nonFiniteVector(v Vector) *NonFinite {
	if i := FirstNonFinite(v.Dense); i >= 0 {
		return &NonFinite{Kind: "dense", Index: i, Value: v.Dense[i]}
	}
	for r, row := range v.Multi {
		if i := FirstNonFinite(row); i >= 0 {
			return &NonFinite{Kind: "multi", Row: r, Index: i, Value: row[i]}
		}
	}
	if s := v.Sparse; s != nil {
		if i := FirstNonFinite(s.Values); i >= 0 {
			n := &NonFinite{Kind: "sparse", Index: i, Value: s.Values[i]}
			if i < len(s.Indices) {
				n.Dim = s.Indices[i]
			}
			return n
		}
	}
	return nil
}

// FirstNonFinite returns the index of the first NaN or infinite value, or
// -1.
func FirstNonFinite(v []float32) int {
	for i, x := range v {
		// x-x is 0 for every finite x, NaN for NaN and ±Inf.
		if x-x != 0 {
			return i
		}
	}
	return -1
}
