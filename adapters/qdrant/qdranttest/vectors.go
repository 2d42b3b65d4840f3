package qdranttest

import (
	"math"
	"slices"
	"sort"

	"github.com/qdrant/go-client/qdrant"
)

// vectorSpec is what the collection says about one vector name.
type vectorSpec struct {
	dense  *qdrant.VectorParams
	sparse *qdrant.SparseVectorParams
}

func (c *collection) spec(name string) (vectorSpec, bool) {
	vc := c.config.GetParams().GetVectorsConfig()
	if name == "" {
		if p := vc.GetParams(); p != nil {
			return vectorSpec{dense: p}, true
		}
		return vectorSpec{}, false
	}
	if p, ok := vc.GetParamsMap().GetMap()[name]; ok {
		return vectorSpec{dense: p}, true
	}
	if p, ok := c.config.GetParams().GetSparseVectorsConfig().GetMap()[name]; ok {
		return vectorSpec{sparse: p}, true
	}
	return vectorSpec{}, false
}

// singleUnnamed reports whether points are returned as a bare Vector:
// exactly one unnamed dense vector and no sparse vectors.
func (c *collection) singleUnnamed() bool {
	return c.config.GetParams().GetVectorsConfig().GetParams() != nil &&
		len(c.config.GetParams().GetSparseVectorsConfig().GetMap()) == 0
}

// inputVector is a Vector in either the 1.17 oneof form or the deprecated
// data/indices/vectors_count form.
type inputVector struct {
	dense     []float32
	sparseIdx []uint32
	sparseVal []float32
	multi     [][]float32
	isSparse  bool
	isMulti   bool
}

func readVector(v *qdrant.Vector) (inputVector, error) {
	switch o := v.GetVector().(type) {
	case *qdrant.Vector_Dense:
		return inputVector{dense: o.Dense.GetData()}, nil
	case *qdrant.Vector_Sparse:
		return inputVector{isSparse: true, sparseIdx: o.Sparse.GetIndices(), sparseVal: o.Sparse.GetValues()}, nil
	case *qdrant.Vector_MultiDense:
		m := make([][]float32, 0, len(o.MultiDense.GetVectors()))
		for _, d := range o.MultiDense.GetVectors() {
			m = append(m, d.GetData())
		}
		return inputVector{isMulti: true, multi: m}, nil
	case nil:
	default:
		return inputVector{}, invalid("the test server does not run inference (document, image or object vectors)")
	}
	//nolint:staticcheck // the deprecated form is still accepted by Qdrant
	data, idx, cnt := v.GetData(), v.GetIndices(), v.VectorsCount
	switch {
	case idx != nil:
		return inputVector{isSparse: true, sparseIdx: idx.GetData(), sparseVal: data}, nil
	case cnt != nil:
		n := int(*cnt)
		if n == 0 || len(data)%n != 0 {
			return inputVector{}, invalid("Data length is not divisible by vectors count. Data length: %d, vectors count: %d", len(data), n)
		}
		dim := len(data) / n
		m := make([][]float32, n)
		for i := range m {
			m[i] = data[i*dim : (i+1)*dim]
		}
		return inputVector{isMulti: true, multi: m}, nil
	}
	return inputVector{dense: data}, nil
}

// readVectors flattens a point's Vectors into name -> vector ("" is the unnamed one).
func readVectors(vs *qdrant.Vectors) (map[string]inputVector, error) {
	out := map[string]inputVector{}
	switch o := vs.GetVectorsOptions().(type) {
	case *qdrant.Vectors_Vector:
		v, err := readVector(o.Vector)
		if err != nil {
			return nil, err
		}
		out[""] = v
	case *qdrant.Vectors_Vectors:
		for n, vec := range o.Vectors.GetVectors() {
			v, err := readVector(vec)
			if err != nil {
				return nil, err
			}
			out[n] = v
		}
	}
	return out, nil
}

// store validates v against the collection's config for name and converts
// it the way Qdrant stores it.
func (c *collection) store(name string, v inputVector) (storedVector, error) {
	sp, ok := c.spec(name)
	if !ok {
		return storedVector{}, invalid("Not existing vector name error: %s", name)
	}
	if sp.sparse != nil {
		if !v.isSparse {
			return storedVector{}, invalid("Conversion between sparse and regular vectors failed")
		}
		return storeSparse(v.sparseIdx, v.sparseVal)
	}
	if v.isSparse {
		return storedVector{}, invalid("Conversion between sparse and regular vectors failed")
	}
	p := sp.dense
	dim := int(p.GetSize())
	if p.MultivectorConfig != nil {
		m := v.multi
		if !v.isMulti {
			m = [][]float32{v.dense} // a dense vector is a multi-vector of one
		}
		if len(m) == 0 {
			return storedVector{}, invalid("Validation error: multi-vector must contain at least one vector")
		}
		out := make([][]float32, len(m))
		for i, sub := range m {
			if len(sub) != dim {
				return storedVector{}, invalid("Vector dimension error: expected dim: %d, got %d", dim, len(sub))
			}
			out[i] = convertDense(sub, p)
		}
		return storedVector{multi: out}, nil
	}
	if v.isMulti {
		return storedVector{}, invalid("Conversion between multi and regular vectors failed")
	}
	if len(v.dense) != dim {
		return storedVector{}, invalid("Vector dimension error: expected dim: %d, got %d", dim, len(v.dense))
	}
	return storedVector{dense: convertDense(v.dense, p)}, nil
}

func storeSparse(idx []uint32, val []float32) (storedVector, error) {
	if len(idx) != len(val) {
		return storedVector{}, invalid("Validation error: indices and values must be the same length (%d != %d)", len(idx), len(val))
	}
	order := make([]int, len(idx))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return idx[order[a]] < idx[order[b]] })
	si := make([]uint32, len(idx))
	sv := make([]float32, len(idx))
	for i, o := range order {
		si[i], sv[i] = idx[o], val[o]
		if i > 0 && si[i] == si[i-1] {
			return storedVector{}, invalid("Validation error: indices must be unique (index %d repeats)", si[i])
		}
	}
	return storedVector{sparseIdx: si, sparseVal: sv}, nil
}

// convertDense copies v, normalises it for Cosine and rounds it to the
// datatype (Float16 precision, or Uint8 0..255 where Qdrant does not normalise).
func convertDense(v []float32, p *qdrant.VectorParams) []float32 {
	out := slices.Clone(v)
	dt := p.GetDatatype()
	if dt == qdrant.Datatype_Uint8 {
		for i, x := range out {
			out[i] = float32(math.Min(255, math.Max(0, math.Round(float64(x)))))
		}
		return out
	}
	if p.GetDistance() == qdrant.Distance_Cosine {
		var sum float64
		for _, x := range out {
			sum += float64(x) * float64(x)
		}
		if norm := math.Sqrt(sum); norm > math.SmallestNonzeroFloat32 {
			for i, x := range out {
				out[i] = float32(float64(x) / norm)
			}
		}
	}
	if dt == qdrant.Datatype_Float16 {
		for i, x := range out {
			out[i] = roundFloat16(x)
		}
	}
	return out
}

// roundFloat16 rounds f to the nearest IEEE 754 half-precision value
// (ties to even), saturating to ±Inf beyond 65504 like a float16 cast.
func roundFloat16(f float32) float32 {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) || f == 0 {
		return f
	}
	a := math.Abs(float64(f))
	if a >= 65520 { // rounds past the largest finite half
		return float32(math.Copysign(math.Inf(1), float64(f)))
	}
	// Spacing of halfs near a: 2^(e-10) for normals, 2^-24 for subnormals.
	_, exp := math.Frexp(a) // a = frac * 2^exp, frac in [0.5, 1)
	e := exp - 1
	if e < -14 {
		e = -14
	}
	step := math.Ldexp(1, e-10)
	q := a / step
	r := math.RoundToEven(q)
	return float32(math.Copysign(r*step, float64(f)))
}

func (sv storedVector) output() *qdrant.VectorOutput {
	switch {
	case sv.multi != nil:
		m := &qdrant.MultiDenseVector{Vectors: make([]*qdrant.DenseVector, len(sv.multi))}
		for i, d := range sv.multi {
			m.Vectors[i] = &qdrant.DenseVector{Data: d}
		}
		return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_MultiDense{MultiDense: m}}
	case sv.sparseIdx != nil || sv.sparseVal != nil:
		return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Sparse{Sparse: &qdrant.SparseVector{Indices: sv.sparseIdx, Values: sv.sparseVal}}}
	}
	return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: sv.dense}}}
}

// vectorsOutput renders a point's vectors as Qdrant 1.16 does, keeping only
// names allowed by sel (nil means all).
func (c *collection) vectorsOutput(p *storedPoint, sel map[string]bool) *qdrant.VectorsOutput {
	if c.singleUnnamed() {
		v, ok := p.vectors[""]
		if !ok || (sel != nil && !sel[""]) {
			return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: map[string]*qdrant.VectorOutput{}}}}
		}
		return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: v.output()}}
	}
	named := map[string]*qdrant.VectorOutput{}
	for n, v := range p.vectors {
		if sel == nil || sel[n] {
			named[n] = v.output()
		}
	}
	return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: named}}}
}
