package qdrant

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/vecmig/vecmig/adapters"
)

// FindNonFinite finds a NaN or infinite vector component in raw points
// (adapters.NonFiniteFinder) by walking their vectors' wire form, so that
// the pass-through is checked like the neutral path without decoding.
func (b rawPoints) FindNonFinite() *adapters.NonFinite {
	for i, m := range b.msgs {
		var bad *adapters.NonFinite
		_ = eachWire(m, func(num protowire.Number, v []byte) bool {
			if num == retrievedVectors {
				bad = wireVectors(v)
			}
			return bad == nil
		})
		if bad != nil {
			bad.ID = b.ids[i]
			return bad
		}
	}
	return nil
}

// Field numbers of the vector messages (points.proto).
const (
	vectorsOutputVector = 1    // VectorsOutput.vector: VectorOutput
	vectorsOutputNamed  = 2    // VectorsOutput.vectors: NamedVectorsOutput
	namedVectorsMap     = 1    // NamedVectorsOutput.vectors: map entries
	mapKey, mapValue    = 1, 2 // map entry
	vectorOutputData    = 1    // VectorOutput.data (deprecated, flattened)
	vectorOutputDense   = 101  // DenseVector{1: data}
	vectorOutputSparse  = 102  // SparseVector{1: values, 2: indices}
	vectorOutputMulti   = 103  // MultiDenseVector{1: DenseVector}
	denseData           = 1
	sparseValues        = 1
	sparseIndices       = 2
	multiVectors        = 1
)

// wireVectors checks a VectorsOutput.
func wireVectors(b []byte) *adapters.NonFinite {
	var bad *adapters.NonFinite
	_ = eachWire(b, func(num protowire.Number, v []byte) bool {
		switch num {
		case vectorsOutputVector:
			bad = wireVector(v)
		case vectorsOutputNamed:
			_ = eachWire(v, func(num protowire.Number, entry []byte) bool {
				if num == namedVectorsMap {
					bad = wireNamedEntry(entry)
				}
				return bad == nil
			})
		}
		return bad == nil
	})
	return bad
}

func wireNamedEntry(b []byte) *adapters.NonFinite {
	var name string
	var bad *adapters.NonFinite
	_ = eachWire(b, func(num protowire.Number, v []byte) bool {
		switch num {
		case mapKey:
			name = string(v)
		case mapValue:
			bad = wireVector(v)
		}
		return true
	})
	if bad != nil {
		bad.Vector = name
	}
	return bad
}

// wireVector checks a VectorOutput, in any of its forms.
func wireVector(b []byte) *adapters.NonFinite {
	var bad *adapters.NonFinite
	var sparseIdx []byte
	_ = eachWire(b, func(num protowire.Number, v []byte) bool {
		switch num {
		case vectorOutputData:
			if i := firstBadFloat(v); i >= 0 {
				bad = &adapters.NonFinite{Kind: "dense", Index: i, Value: floatAt(v, i)}
			}
		case vectorOutputDense:
			bad = wireFloatsField(v, denseData, "dense")
		case vectorOutputSparse:
			bad = wireFloatsField(v, sparseValues, "sparse")
			sparseIdx = v
		case vectorOutputMulti:
			row := 0
			_ = eachWire(v, func(num protowire.Number, dv []byte) bool {
				if num == multiVectors {
					if bad = wireFloatsField(dv, denseData, "multi"); bad != nil {
						bad.Row = row
					}
					row++
				}
				return bad == nil
			})
		}
		return bad == nil
	})
	if bad != nil && bad.Kind == "sparse" {
		bad.Dim = sparseDim(sparseIdx, bad.Index)
	}
	return bad
}

// wireFloatsField checks the packed floats in field num of message b.
func wireFloatsField(b []byte, num protowire.Number, kind string) *adapters.NonFinite {
	var bad *adapters.NonFinite
	_ = eachWire(b, func(n protowire.Number, v []byte) bool {
		if n == num {
			if i := firstBadFloat(v); i >= 0 {
				bad = &adapters.NonFinite{Kind: kind, Index: i, Value: floatAt(v, i)}
			}
		}
		return bad == nil
	})
	return bad
}

// sparseDim reads the i-th index of a SparseVector's packed indices.
func sparseDim(b []byte, i int) uint32 {
	var dim uint32
	_ = eachWire(b, func(n protowire.Number, v []byte) bool {
		if n != sparseIndices {
			return true
		}
		for k := 0; len(v) > 0; k++ {
			x, m := protowire.ConsumeVarint(v)
			if m < 0 {
				return false
			}
			if k == i {
				dim = uint32(x)
				return false
			}
			v = v[m:]
		}
		return false
	})
	return dim
}

func firstBadFloat(v []byte) int {
	for i := 0; i+4 <= len(v); i += 4 {
		if x := math.Float32frombits(binary.LittleEndian.Uint32(v[i:])); x-x != 0 {
			return i / 4
		}
	}
	return -1
}

func floatAt(v []byte, i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(v[4*i:]))
}

// eachWire calls fn with the value of every length-delimited field of b
// (packed floats included) until fn returns false; other fields are
// skipped.
func eachWire(b []byte, fn func(num protowire.Number, v []byte) bool) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if typ != protowire.BytesType {
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
			continue
		}
		v, m := protowire.ConsumeBytes(b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		b = b[m:]
		if !fn(num, v) {
			return nil
		}
	}
	return nil
}
