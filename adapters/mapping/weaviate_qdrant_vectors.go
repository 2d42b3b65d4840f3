package mapping

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// wqDistances maps Weaviate's distance names onto Qdrant's.
var wqDistances = map[string]qdrant.Distance{
	"":           qdrant.Distance_Cosine, // Weaviate's default
	"cosine":     qdrant.Distance_Cosine,
	"dot":        qdrant.Distance_Dot,
	"l2-squared": qdrant.Distance_Euclid,
	"manhattan":  qdrant.Distance_Manhattan,
}

// wVector is one vector of the class, with its configuration.
type wVector struct {
	name   string // Weaviate's name; DefaultVector for the class-level one
	target string // the name on Qdrant
	spec   adapters.VectorSpec
	index  string         // vectorIndexType
	config map[string]any // vectorIndexConfig
	module string         // vectorizer module, "" or "none" when none
}

// classVectors lists def's vectors, sorted by Weaviate name, with their
// Qdrant names (restored from the class description) and configurations.
func wqClassVectors(def *adapters.Collection, c *wClass) ([]wVector, error) {
	back, err := VectorNamesFromDescription(c.Description)
	if err != nil {
		return nil, err
	}
	var out []wVector
	for name, spec := range def.Vectors {
		v := wVector{name: name, target: name, spec: spec}
		if t, ok := back[name]; ok {
			v.target = t
		}
		if name == adapters.DefaultVector {
			v.index, v.config, v.module = c.VectorIndexType, c.VectorIndexConfig, c.Vectorizer
		} else {
			nv := c.VectorConfig[name]
			v.index, v.config = nv.VectorIndexType, nv.VectorIndexConfig
			v.module = wqModuleName(nv.Vectorizer)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// moduleName is the vectorizer module of a named vector ("none" if none).
func wqModuleName(vz map[string]any) string {
	names := make([]string, 0, len(vz))
	for k := range vz {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return names[0]
}

func wqVectorLabel(v wVector) string {
	if v.name == adapters.DefaultVector {
		return "the class-level vector"
	}
	return fmt.Sprintf("vector %q", v.name)
}

// translateVectors builds the Qdrant vectors config and the collection's
// hnsw and quantization settings (for the class-level vector).
func (w *wqTranslation) translateVectors(vs []wVector) {
	named := map[string]*qdrant.VectorParams{}
	seen := map[string]string{}
	for _, v := range vs {
		if v.name == adapters.DefaultVector && len(vs) > 1 {
			w.errorf("the class has a class-level vector and named vectors; Qdrant cannot keep an unnamed vector beside named ones. Drop the named vectors with --drop-vector, or copy them into separate collections")
			continue
		}
		if prev, ok := seen[v.target]; ok {
			w.errorf("vectors %q and %q would both be named %q on Qdrant (from the class description); fix the description's vecmig line", prev, v.name, v.target)
			continue
		}
		seen[v.target] = v.name
		vp := w.vectorParams(v)
		if vp == nil {
			continue
		}
		if v.name == adapters.DefaultVector {
			w.native.Config.Params.VectorsConfig = qdrant.NewVectorsConfig(vp)
			w.native.Config.HnswConfig, vp.HnswConfig = vp.HnswConfig, nil
			w.native.Config.QuantizationConfig, vp.QuantizationConfig = vp.QuantizationConfig, nil
			return
		}
		named[v.target] = vp
	}
	if len(named) > 0 {
		w.native.Config.Params.VectorsConfig = qdrant.NewVectorsConfigMap(named)
	}
}

// vectorParams translates one vector; nil after an error finding.
func (w *wqTranslation) vectorParams(v wVector) *qdrant.VectorParams {
	label := wqVectorLabel(v)
	distName := wqStr(v.config["distance"])
	dist, ok := wqDistances[distName]
	if !ok {
		w.errorf("%s uses distance %q, which Qdrant does not have (Qdrant has cosine, dot, euclid (l2-squared) and manhattan); recreate the class with one of those, or leave the vector out with --drop-vector %s", label, distName, v.name)
		return nil
	}
	if v.spec.Size <= 0 {
		w.errorf("the dimension of %s cannot be known: Weaviate's schema does not hold it and no object carries the vector; write at least one object with it, or leave it out with --drop-vector %s", label, v.name)
		return nil
	}
	vp := &qdrant.VectorParams{Size: uint64(v.spec.Size), Distance: dist}
	kind := "dense"
	if v.spec.Kind == "multi" {
		kind = "multi"
		vp.MultivectorConfig = &qdrant.MultiVectorConfig{Comparator: qdrant.MultiVectorComparator_MaxSim}
	}
	rest := w.indexSettings(v, vp)
	w.report.Vectors = append(w.report.Vectors, fmt.Sprintf("%s -> %s: %s %d-d %s -> %s", wqWName(v.name), wqQName(v.target), kind, v.spec.Size, wqOrDefault(distName, "cosine"), dist))
	if v.name != v.target {
		w.report.Renames = append(w.report.Renames, Rename{Kind: "vector", From: v.name, To: v.target})
	}
	if v.module != "" && v.module != "none" {
		w.notCarried("%s: vectorizer module %q (the stored vectors are copied; Qdrant does not vectorize)", label, v.module)
	}
	if len(rest) > 0 {
		w.notCarried("%s: Weaviate %s index settings %s", label, wqOrDefault(v.index, "hnsw"), wqCompactJSON(rest))
	}
	return vp
}

func wqWName(n string) string {
	if n == adapters.DefaultVector {
		return "(class-level)"
	}
	return fmt.Sprintf("%q", n)
}

func wqQName(n string) string {
	if n == adapters.DefaultVector {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", n)
}

func wqOrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// str is a JSON string value, "" otherwise.
func wqStr(v any) string {
	s, _ := v.(string)
	return s
}

// uintOf is a positive JSON integer.
func wqUintOf(v any) (uint64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return uint64(i), err == nil && i > 0
}

// enabled reads {"enabled": true} blocks.
func wqEnabled(v any) bool {
	m, _ := v.(map[string]any)
	b, _ := m["enabled"].(bool)
	return b
}
