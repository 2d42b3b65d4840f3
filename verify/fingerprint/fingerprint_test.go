package fingerprint

import (
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

func TestPayloadIsCanonical(t *testing.T) {
	a := map[string]any{"a": int64(1), "b": map[string]any{"x": "y", "z": []any{1.5, nil}}}
	b := map[string]any{"b": map[string]any{"z": []any{1.5, nil}, "x": "y"}, "a": int64(1)}
	if Payload(a) != Payload(b) {
		t.Error("the same payload in another key order hashes differently")
	}
	for name, c := range map[string]map[string]any{
		"int became float": {"a": 1.0, "b": map[string]any{"x": "y", "z": []any{1.5, nil}}},
		"nested value":     {"a": int64(1), "b": map[string]any{"x": "Y", "z": []any{1.5, nil}}},
		"null dropped":     {"a": int64(1), "b": map[string]any{"x": "y", "z": []any{1.5}}},
		"key moved":        {"a": int64(1), "b": map[string]any{"x": "y"}, "z": []any{1.5, nil}},
	} {
		if Payload(c) == Payload(a) {
			t.Errorf("%s: same payload sum", name)
		}
	}
}

func TestVectorsSeeEveryComponent(t *testing.T) {
	base := map[string]adapters.Vector{
		"":  {Dense: []float32{0.1, 0.2, 0.3}},
		"s": {Sparse: &adapters.SparseVector{Indices: []uint32{3, 1}, Values: []float32{0.5, 0.25}}},
		"m": {Multi: [][]float32{{1, 2}, {3, 4}}},
	}
	sum := Vectors(base)
	reordered := map[string]adapters.Vector{"m": base["m"], "": base[""],
		"s": {Sparse: &adapters.SparseVector{Indices: []uint32{1, 3}, Values: []float32{0.25, 0.5}}}}
	if Vectors(reordered) != sum {
		t.Error("the same vectors (sparse components in another order) hash differently")
	}
	changed := map[string]adapters.Vector{"": {Dense: []float32{0.1, 0.2, 0.3001}}, "s": base["s"], "m": base["m"]}
	if Vectors(changed) == sum {
		t.Error("a changed component keeps the sum")
	}
	dropped := map[string]adapters.Vector{"": base[""], "s": base["s"]}
	if Vectors(dropped) == sum {
		t.Error("a dropped named vector keeps the sum")
	}
}
