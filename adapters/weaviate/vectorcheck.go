package weaviate

import (
	"encoding/binary"
	"math"

	"github.com/vecmig/vecmig/adapters"
)

// FindNonFinite finds a NaN or infinite vector component in raw objects
// (adapters.NonFiniteFinder) in the bytes they came in. Weaviate stores
// such vectors as given (seen on 1.35.2), so a source may hold them.
func (b rawObjects) FindNonFinite() *adapters.NonFinite {
	for i, r := range b.res {
		md := r.GetMetadata()
		bad := b.cl.badVector(adapters.DefaultVector, md.GetVectorBytes())
		if bad == nil {
			if j := adapters.FirstNonFinite(md.GetVector()); j >= 0 {
				bad = &adapters.NonFinite{Kind: "dense", Index: j, Value: md.GetVector()[j]}
			}
		}
		for _, nv := range md.GetVectors() {
			if bad != nil {
				break
			}
			name := nv.GetName()
			if _, ok := b.cl.s.VectorConfig[name]; !ok && b.cl.hasDef && name == "default" {
				name = adapters.DefaultVector
			}
			bad = b.cl.badVector(name, nv.GetVectorBytes())
		}
		if bad != nil {
			bad.ID = b.ids[i]
			return bad
		}
	}
	return nil
}

// badVector checks a vector's little-endian float32 bytes (a multi-vector:
// its uint16 dimension first).
func (cl *class) badVector(name string, v []byte) *adapters.NonFinite {
	kind, dim := "dense", 0
	if cl.multi[name] && len(v) >= 2 {
		kind, dim = "multi", int(binary.LittleEndian.Uint16(v))
		v = v[2:]
	}
	for i := 0; i+4 <= len(v); i += 4 {
		x := math.Float32frombits(binary.LittleEndian.Uint32(v[i:]))
		if x-x == 0 {
			continue
		}
		bad := &adapters.NonFinite{Vector: name, Kind: kind, Index: i / 4, Value: x}
		if dim > 0 {
			bad.Row, bad.Index = i/4/dim, i/4%dim
		}
		return bad
	}
	return nil
}
