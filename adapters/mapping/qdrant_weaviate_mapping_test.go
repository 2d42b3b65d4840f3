package mapping

import (
	"reflect"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

func TestQdrantWeaviateToTarget(t *testing.T) {
	ps := payloadPoints()
	src := qwMemSource(map[string][]adapters.Point{"": ps})
	def := qwDef(t, payloadNative())
	tr := qwTranslate(t, def, src, Options{})
	// For, from the two definitions only, must map the same way.
	m, err := For(def, tr.Def)
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	p.Vectors = map[string]adapters.Vector{"": {Dense: []float32{1, 2, 3}}}
	p.Payload["unknown"] = map[string]any{"a": nil, "b": int64(1)}
	for _, mp := range []Mapping{tr.Mapping, m} {
		got, err := mp.ToTarget(p)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID.String() != "00000000-0000-0000-0000-000000000001" || len(got.Vectors[""].Dense) != 3 {
			t.Errorf("id %s vectors %v", got.ID, got.Vectors)
		}
		want := map[string]any{
			"city": "Berlin", "body": "long text", "when": "2024-03-01T12:00:00+02:00", "ref": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
			"place": map[string]any{"latitude": float64(float32(52.52)), "longitude": float64(float32(13.405))},
			"n":     int64(3), "price": 1.5, "plain": "x", "my_key": true, "title": "t", "id_": "own id", "_2fa": int64(1),
			"meta": map[string]any{"ok": true, "inner_Key": "v"},
			"tags": []any{"a", "b"}, "nums": []any{int64(1), int64(2)}, "fl": []any{1.5}, "bs": []any{true},
			"items": []any{map[string]any{"k": "v"}, map[string]any{"j": int64(1)}}, "empty": []any{},
			"unknown": map[string]any{"b": int64(1)},
		}
		if !reflect.DeepEqual(got.Payload, want) {
			t.Errorf("payload\n got %#v\nwant %#v", got.Payload, want)
		}
		got, err = mp.ToTarget(ps[1])
		if err != nil {
			t.Fatal(err)
		}
		want = map[string]any{"city": "Paris", "price": 2.0, "when": "2024-03-01T12:00:00.12Z"}
		if !reflect.DeepEqual(got.Payload, want) {
			t.Errorf("payload\n got %#v\nwant %#v", got.Payload, want)
		}
	}
}

func TestQdrantWeaviateMappingVectors(t *testing.T) {
	def := qwDef(t, namedNative())
	tr := qwTranslate(t, def, qwMemSource(nil), Options{DropVectors: []string{"keywords", "pq"}})
	qwNoErrors(t, tr)
	m, err := For(def, tr.Def)
	if err != nil {
		t.Fatal(err)
	}
	p := adapters.Point{ID: adapters.NumID(5), Vectors: map[string]adapters.Vector{
		"my-vec":   {Dense: []float32{1, 0, 0, 0}},
		"colbert":  {Multi: [][]float32{{1, 2, 3}}},
		"pq":       {Dense: make([]float32, 8)},
		"keywords": {Sparse: &adapters.SparseVector{Indices: []uint32{1}, Values: []float32{1}}},
	}}
	got, err := m.ToTarget(p)
	if err != nil {
		t.Fatal(err)
	}
	if names := got.VectorNames(); !reflect.DeepEqual(names, []string{"colbert", "my_vec"}) {
		t.Errorf("target vectors %v, want colbert and my_vec", names)
	}
	if got.Payload != nil {
		t.Errorf("payload %v, want none", got.Payload)
	}
	if _, ok := m.Source().Vectors["my_vec"]; !ok {
		t.Errorf("Source() vectors %v lack the renamed my_vec", m.Source().Vectors)
	}
}
