package adapters

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Point is the engine-neutral form of one stored point or object.
type Point struct {
	ID ID `json:"id"`
	// Vectors by name. The unnamed (default) vector of a collection is stored
	// under DefaultVector.
	Vectors map[string]Vector `json:"vectors,omitempty"`
	// Payload holds JSON values only, normalised by NormalizeValue: nil,
	// bool, int64, float64, string, []any and map[string]any. Integers and
	// floats stay distinct (int64 vs float64).
	Payload map[string]any `json:"payload,omitempty"`
}

// DefaultVector is the name under which a collection's single unnamed vector
// is kept (Qdrant's unnamed vector, Weaviate's class-level vector).
const DefaultVector = ""

// Vector is one vector of a point: exactly one of the three forms is set.
type Vector struct {
	Dense  []float32     `json:"dense,omitempty"`
	Sparse *SparseVector `json:"sparse,omitempty"`
	Multi  [][]float32   `json:"multi,omitempty"`
}

// SparseVector lists the non-zero components of a sparse vector.
type SparseVector struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
}

// Sorted returns s with its components in index order (engines may return
// them in another order than they were written); s itself when it is.
func (s *SparseVector) Sorted() *SparseVector {
	if sort.SliceIsSorted(s.Indices, func(i, j int) bool { return s.Indices[i] < s.Indices[j] }) {
		return s
	}
	idx := make([]int, len(s.Indices))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return s.Indices[idx[i]] < s.Indices[idx[j]] })
	out := &SparseVector{Indices: make([]uint32, len(idx)), Values: make([]float32, len(idx))}
	for k, i := range idx {
		out.Indices[k], out.Values[k] = s.Indices[i], s.Values[i]
	}
	return out
}

// Kind names the form a vector takes, for messages.
func (v Vector) Kind() string {
	switch {
	case v.Sparse != nil:
		return "sparse"
	case v.Multi != nil:
		return "multi"
	default:
		return "dense"
	}
}

// VectorNames returns the point's vector names in sorted order.
func (p *Point) VectorNames() []string {
	names := make([]string, 0, len(p.Vectors))
	for n := range p.Vectors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NormalizeValue converts a decoded JSON value (from encoding/json with
// UseNumber, or built by hand) into the payload value set documented on
// Point. Integral json.Numbers become int64, others float64; every Go integer
// type becomes int64 and float32 becomes float64.
func NormalizeValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64, float64:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("payload number %q is out of range: %w", x.String(), err)
		}
		return f, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("payload integer %d does not fit in int64", x)
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := NormalizeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			n, err := NormalizeValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = n
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("payload value of Go type %T is not a JSON value", v)
}

// NormalizePayload applies NormalizeValue to every field.
func NormalizePayload(p map[string]any) (map[string]any, error) {
	if p == nil {
		return nil, nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		n, err := NormalizeValue(v)
		if err != nil {
			return nil, fmt.Errorf("payload field %q: %w", k, err)
		}
		out[k] = n
	}
	return out, nil
}
