package baselinefile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/vecmig/vecmig/adapters"
)

// Kept points are stored in a small binary form of their own: JSON would
// read a float 2.0 back as the integer 2, and the payload keeps integers
// and floats apart.

func encodeKept(k *Kept) ([]byte, error) {
	b := appendStr(nil, k.Partition)
	p := &k.Point
	if p.ID.IsUUID() {
		u := p.ID.UUIDBytes()
		b = append(append(b, 1), u[:]...)
	} else {
		b = binary.AppendUvarint(append(b, 0), p.ID.Num())
	}
	b = binary.AppendUvarint(b, uint64(len(p.Vectors)))
	for _, name := range p.VectorNames() {
		b = appendVector(appendStr(b, name), p.Vectors[name])
	}
	if p.Payload == nil {
		return append(b, 'N'), nil
	}
	return appendValue(b, p.Payload)
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendFloats(b []byte, fs []float32) []byte {
	b = binary.AppendUvarint(b, uint64(len(fs)))
	for _, f := range fs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

func appendVector(b []byte, v adapters.Vector) []byte {
	switch {
	case v.Sparse != nil:
		b = binary.AppendUvarint(append(b, 's'), uint64(len(v.Sparse.Indices)))
		for _, i := range v.Sparse.Indices {
			b = binary.LittleEndian.AppendUint32(b, i)
		}
		return appendFloats(b, v.Sparse.Values)
	case v.Multi != nil:
		b = binary.AppendUvarint(append(b, 'm'), uint64(len(v.Multi)))
		for _, sub := range v.Multi {
			b = appendFloats(b, sub)
		}
		return b
	}
	return appendFloats(append(b, 'd'), v.Dense)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, 'n'), nil
	case bool:
		if x {
			return append(b, 't'), nil
		}
		return append(b, 'f'), nil
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, 'i'), uint64(x)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, 'r'), math.Float64bits(x)), nil
	case string:
		return appendStr(append(b, 's'), x), nil
	case []any:
		b = binary.AppendUvarint(append(b, 'a'), uint64(len(x)))
		var err error
		for _, e := range x {
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	case map[string]any:
		b = binary.AppendUvarint(append(b, 'o'), uint64(len(x)))
		var err error
		for k, e := range x {
			if b, err = appendValue(appendStr(b, k), e); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	n, err := adapters.NormalizeValue(v)
	if err != nil {
		return nil, err
	}
	return appendValue(b, n)
}

// decoder reads the binary form; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("a kept point ends early")

func (d *decoder) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errShort
		return make([]byte, max(n, 0))
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length, refusing one larger than the bytes left (each
// element takes at least one byte), so that a damaged length cannot make
// the reader allocate without bound.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errShort
		return 0
	}
	return int(n)
}

func (d *decoder) str() string { return string(d.take(d.count())) }

func (d *decoder) floats() []float32 {
	n := d.count()
	raw := d.take(4 * n)
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

func decodeKept(b []byte) (Kept, error) {
	d := &decoder{b: b}
	k := Kept{Partition: d.str()}
	switch d.take(1)[0] {
	case 0:
		k.Point.ID = adapters.NumID(d.uvarint())
	case 1:
		var u [16]byte
		copy(u[:], d.take(16))
		k.Point.ID = adapters.UUIDID(u)
	default:
		d.err = fmt.Errorf("a kept point has an unknown id form")
	}
	if n := d.count(); n > 0 {
		k.Point.Vectors = make(map[string]adapters.Vector, n)
		for i := 0; i < n && d.err == nil; i++ {
			name := d.str()
			k.Point.Vectors[name] = d.vector()
		}
	}
	if len(d.b) > 0 && d.b[0] == 'N' {
		d.take(1)
	} else if m, ok := d.value().(map[string]any); ok {
		k.Point.Payload = m
	} else if d.err == nil {
		d.err = fmt.Errorf("a kept point's payload is not an object")
	}
	return k, d.err
}

func (d *decoder) vector() adapters.Vector {
	switch d.take(1)[0] {
	case 'd':
		return adapters.Vector{Dense: d.floats()}
	case 's':
		n := d.count()
		raw := d.take(4 * n)
		idx := make([]uint32, n)
		for i := range idx {
			idx[i] = binary.LittleEndian.Uint32(raw[4*i:])
		}
		return adapters.Vector{Sparse: &adapters.SparseVector{Indices: idx, Values: d.floats()}}
	case 'm':
		n := d.count()
		multi := make([][]float32, n)
		for i := range multi {
			multi[i] = d.floats()
		}
		return adapters.Vector{Multi: multi}
	}
	if d.err == nil {
		d.err = fmt.Errorf("a kept point has an unknown vector form")
	}
	return adapters.Vector{}
}

func (d *decoder) value() any {
	switch d.take(1)[0] {
	case 'n':
		return nil
	case 't':
		return true
	case 'f':
		return false
	case 'i':
		return int64(binary.LittleEndian.Uint64(d.take(8)))
	case 'r':
		return math.Float64frombits(binary.LittleEndian.Uint64(d.take(8)))
	case 's':
		return d.str()
	case 'a':
		n := d.count()
		out := make([]any, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			out = append(out, d.value())
		}
		return out
	case 'o':
		n := d.count()
		out := make(map[string]any, n)
		for i := 0; i < n && d.err == nil; i++ {
			k := d.str()
			out[k] = d.value()
		}
		return out
	}
	if d.err == nil {
		d.err = fmt.Errorf("a kept point has an unknown payload value form")
	}
	return nil
}
