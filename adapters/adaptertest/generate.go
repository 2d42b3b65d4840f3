// Package adaptertest is the conformance suite every adapter passes, the
// deterministic fixtures it loads, and helpers that compare what a target
// holds with what was written. It is test infrastructure.
package adaptertest

import (
	"crypto/sha256"
	"fmt"
	"math"

	"github.com/vecmig/vecmig/adapters"
)

// rnd is a tiny deterministic generator (splitmix64), so fixtures are the
// same on every machine and every Go version.
type rnd struct{ s uint64 }

func newRnd(seed ...int) *rnd {
	r := &rnd{s: 0x9e3779b97f4a7c15}
	for _, x := range seed {
		r.s ^= uint64(x) + 0x9e3779b97f4a7c15 + (r.s << 6) + (r.s >> 2)
	}
	return r
}

func (r *rnd) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a value in [-1, 1).
func (r *rnd) float() float32 { return float32(r.next()>>40)/float32(1<<23) - 1 }

// UUIDFor returns the deterministic UUID (version 4 layout) of point i in
// fixture namespace ns.
func UUIDFor(ns string, i int) adapters.ID {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", ns, i)))
	var b [16]byte
	copy(b[:], h[:16])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return adapters.UUIDID(b)
}

// Dense returns a deterministic dense vector for point i.
func Dense(seed, i, dim int) []float32 {
	r := newRnd(seed, i, dim)
	v := make([]float32, dim)
	for k := range v {
		v[k] = r.float()
	}
	return v
}

// Sparse returns a deterministic sparse vector with 1 to 8 non-zero
// components, indices ascending and below 30000.
func Sparse(seed, i int) *adapters.SparseVector {
	r := newRnd(seed, i, 7)
	n := 1 + int(r.next()%8)
	s := &adapters.SparseVector{}
	idx := uint32(r.next() % 1000)
	for k := 0; k < n; k++ {
		s.Indices = append(s.Indices, idx)
		s.Values = append(s.Values, float32(math.Abs(float64(r.float())))+0.01)
		idx += 1 + uint32(r.next()%3000)
	}
	return s
}

// Multi returns a deterministic multi-vector of 1 to n sub-vectors of dim.
func Multi(seed, i, n, dim int) [][]float32 {
	r := newRnd(seed, i, 11)
	k := 1 + int(r.next()%uint64(n))
	out := make([][]float32, k)
	for j := range out {
		out[j] = Dense(seed+j, i, dim)
	}
	return out
}

// RichPayload is a JSON payload exercising what engines get wrong: unicode,
// nesting, arrays, null, integers beyond 2^53, floats, booleans and dates.
// Values are already normalised (int64, float64, []any, map[string]any).
func RichPayload(i int) map[string]any {
	r := newRnd(i, 99)
	p := map[string]any{
		"title":   fmt.Sprintf("doc %d", i),
		"i":       int64(i),
		"score":   float64(r.next()%100000) / 1000,
		"big":     int64(9007199254740993) + int64(i), // 2^53+1+i: not exact in float64
		"neg":     -int64(i) * 7,
		"flag":    i%2 == 0,
		"nothing": nil,
		"created": fmt.Sprintf("2024-%02d-%02dT%02d:%02d:00Z", 1+i%12, 1+i%28, i%24, i%60),
		"tags":    []any{"t" + fmt.Sprint(i%5), "all"},
		"unicode": []string{"naïve café", "日本語テキスト", "emoji 🚀", "Ελληνικά", "\"quoted\"\n\ttab"}[i%5],
		"nested": map[string]any{
			"level": int64(i % 3),
			"inner": map[string]any{"ok": true, "ratio": 0.5, "list": []any{int64(1), 2.5, "x", nil}},
		},
	}
	if i%7 == 0 {
		delete(p, "score") // some points lack a field
	}
	if i%11 == 0 {
		p["extra"] = []any{map[string]any{"k": "v"}, []any{}}
	}
	return p
}
