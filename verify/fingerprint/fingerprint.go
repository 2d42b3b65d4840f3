// Package fingerprint hashes a point into two short, stable sums: one of
// its vectors and one of its payload. Baselines store them per point and
// digest verification compares them, so both sides of a comparison must
// hash the same way: the sums depend only on what the point holds, never
// on page order, map order or JSON key order.
//
// The payload sum keeps integers and floats apart (3 and 3.0 differ), as
// the neutral model does. The vector sum hashes each component's float32
// bits as read: an honest copy or restore within one engine and one
// datatype reads back the same bits (Qdrant hands out cosine vectors
// already normalised, so both sides hold the normalised form). Across
// datatypes (float16, uint8) or engines the bits differ by design; callers
// then compare vectors within tolerance instead (Sum.Payload still holds).
package fingerprint

import (
	"encoding/binary"
	"hash"
	"hash/fnv"
	"math"
	"sort"

	"github.com/vecmig/vecmig/adapters"
)

// Sum is a point's fingerprint.
type Sum struct {
	Vectors uint32 `json:"vectors"`
	Payload uint32 `json:"payload"`
}

// Of returns p's fingerprint.
func Of(p *adapters.Point) Sum {
	return Sum{Vectors: Vectors(p.Vectors), Payload: Payload(p.Payload)}
}

// Vectors hashes the vectors by sorted name.
func Vectors(vs map[string]adapters.Vector) uint32 {
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := fnv.New32a()
	var buf [8]byte
	for _, n := range names {
		writeString(h, n)
		v := vs[n]
		switch {
		case v.Sparse != nil:
			h.Write([]byte{'s'})
			idx := v.Sparse.Sorted()
			for i, j := range idx.Indices {
				binary.LittleEndian.PutUint32(buf[:4], j)
				binary.LittleEndian.PutUint32(buf[4:], math.Float32bits(idx.Values[i]))
				h.Write(buf[:])
			}
		case v.Multi != nil:
			h.Write([]byte{'m'})
			for _, sub := range v.Multi {
				writeFloats(h, sub)
			}
		default:
			h.Write([]byte{'d'})
			writeFloats(h, v.Dense)
		}
	}
	return h.Sum32()
}

func writeFloats(h hash.Hash32, fs []float32) {
	var buf [4]byte
	binary.LittleEndian.PutUint32(buf[:], uint32(len(fs)))
	h.Write(buf[:])
	for _, f := range fs {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(f))
		h.Write(buf[:])
	}
}

// Payload hashes a payload in canonical form: keys sorted at every level,
// each value tagged with its type.
func Payload(p map[string]any) uint32 {
	h := fnv.New32a()
	writeValue(h, p)
	return h.Sum32()
}

func writeValue(h hash.Hash32, v any) {
	var buf [8]byte
	switch x := v.(type) {
	case nil:
		h.Write([]byte{'n'})
	case bool:
		if x {
			h.Write([]byte{'t'})
		} else {
			h.Write([]byte{'f'})
		}
	case int64:
		h.Write([]byte{'i'})
		binary.LittleEndian.PutUint64(buf[:], uint64(x))
		h.Write(buf[:])
	case float64:
		h.Write([]byte{'r'})
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x))
		h.Write(buf[:])
	case string:
		h.Write([]byte{'s'})
		writeString(h, x)
	case []any:
		h.Write([]byte{'a'})
		binary.LittleEndian.PutUint64(buf[:], uint64(len(x)))
		h.Write(buf[:])
		for _, e := range x {
			writeValue(h, e)
		}
	case map[string]any:
		writeObject(h, x)
	default:
		if n, err := adapters.NormalizeValue(v); err == nil {
			writeValue(h, n)
			return
		}
		h.Write([]byte{'?'})
	}
}

func writeObject(h hash.Hash32, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf [8]byte
	h.Write([]byte{'o'})
	binary.LittleEndian.PutUint64(buf[:], uint64(len(keys)))
	h.Write(buf[:])
	for _, k := range keys {
		writeString(h, k)
		writeValue(h, m[k])
	}
}

func writeString(h hash.Hash32, s string) {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
	h.Write(buf[:])
	h.Write([]byte(s))
}
