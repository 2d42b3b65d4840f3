package mapping

import (
	"fmt"
	"sort"
	"strings"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// Qdrant vectors become Weaviate vectors: the unnamed one the class-level
// vector, named ones vectorConfig entries (renamed when their name is not
// a Weaviate name), multi-dense ones multivector indexes. Weaviate refuses
// a class-level multivector ("multi vector type index type is only
// configurable using named vectors", seen on 1.35.2) and has no sparse
// vectors.

// weaviateDistance is Weaviate's spelling of a Qdrant distance.
var weaviateDistance = map[qc.Distance]string{
	qc.Distance_Cosine:    "cosine",
	qc.Distance_Dot:       "dot",
	qc.Distance_Euclid:    "l2-squared",
	qc.Distance_Manhattan: "manhattan",
}

func (t *qwTranslator) vectors() {
	cfg := t.native.Config
	vc := cfg.GetParams().GetVectorsConfig()
	dropped := t.dropSet()
	if p := vc.GetParams(); p != nil {
		if dropped[adapters.DefaultVector] {
			t.drop(adapters.DefaultVector, p.GetMultivectorConfig() != nil)
		} else {
			t.classVector(p)
		}
	}
	named := vc.GetParamsMap().GetMap()
	var keep []string
	for name := range named {
		if dropped[name] {
			t.drop(name, named[name].GetMultivectorConfig() != nil)
		} else {
			keep = append(keep, name)
		}
	}
	t.namedVectors(keep, named)
	t.sparseVectors(dropped)
	if t.class.VectorConfig != nil {
		// A class-level vectorizer, even "none", declares a class-level
		// vector, which Weaviate refuses beside named vectors.
		t.class.Vectorizer = ""
	}
}

// dropSet is --drop-vector as a set; a name the collection lacks is an
// error finding.
func (t *qwTranslator) dropSet() map[string]bool {
	out := map[string]bool{}
	for _, name := range t.opts.DropVectors {
		if _, ok := t.def.Vectors[name]; !ok {
			t.errorf(fmt.Sprintf("--drop-vector %q", name), "qdrant collection %q has no vector %q (it has %s); correct the name", t.def.Name, name, vectorList(t.def.Vectors))
			continue
		}
		out[name] = true
	}
	return out
}

func vectorList(vs map[string]adapters.VectorSpec) string {
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, fmt.Sprintf("%q", n))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "no vectors"
	}
	return strings.Join(names, ", ")
}

func (t *qwTranslator) drop(name string, multi bool) {
	kind := "dense"
	if multi {
		kind = "multi"
	}
	t.report.Dropped = append(t.report.Dropped, fmt.Sprintf("vector %s (%s): left out (--drop-vector)", vectorLabel(name), kind))
}

func vectorLabel(name string) string {
	if name == adapters.DefaultVector {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", name)
}

// classVector makes the unnamed vector the class-level vector.
func (t *qwTranslator) classVector(p *qc.VectorParams) {
	if p.GetMultivectorConfig() != nil {
		t.errorf("vector (unnamed)", "the unnamed vector is a multi-vector, and Weaviate accepts multi-vectors only as named vectors; copy it within Qdrant into a collection where it has a name, then migrate that, or leave it out with --drop-vector \"\"")
		return
	}
	t.class.VectorIndexType = "hnsw"
	t.class.VectorIndexConfig = t.indexConfig(adapters.DefaultVector, p)
	t.addVector(adapters.DefaultVector, adapters.DefaultVector, p)
}

// namedVectors declares the named vectors, renamed by the name rule.
func (t *qwTranslator) namedVectors(names []string, params map[string]*qc.VectorParams) {
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	renamed := RenameAll(names)
	back := map[string]string{}
	t.class.VectorConfig = map[string]qwNamedVector{}
	for _, name := range names {
		to, p := renamed[name], params[name]
		if to != name {
			back[to] = name
			t.report.Renames = append(t.report.Renames, Rename{Kind: "vector", From: name, To: to})
		}
		t.class.VectorConfig[to] = qwNamedVector{
			Vectorizer:        map[string]any{"none": map[string]any{}},
			VectorIndexType:   "hnsw",
			VectorIndexConfig: t.indexConfig(name, p),
		}
		t.addVector(name, to, p)
	}
	t.class.Description = VectorNamesDescription(back)
}

// addVector records the target vector and its line in the report.
func (t *qwTranslator) addVector(from, to string, p *qc.VectorParams) {
	src := t.def.Vectors[from]
	spec := adapters.VectorSpec{Kind: src.Kind, Size: src.Size, Distance: src.Distance, Datatype: "float32"}
	t.out.Vectors[to] = spec
	target := to
	if to == adapters.DefaultVector {
		target = "(class-level)"
	}
	t.report.Vectors = append(t.report.Vectors, fmt.Sprintf("%s -> %s: %s %d-d %s -> %s",
		vectorLabel(from), target, src.Kind, src.Size, p.GetDistance(), weaviateDistance[p.GetDistance()]))
	if src.Normalized {
		t.report.Notes = append(t.report.Notes, fmt.Sprintf("vector %s: Qdrant stores cosine vectors normalised to unit length; they are copied as stored", vectorLabel(from)))
	}
}

// indexConfig is a vector's vectorIndexConfig: distance, HNSW m and
// ef_construct (the vector's own, else the collection's), quantization.
func (t *qwTranslator) indexConfig(name string, p *qc.VectorParams) map[string]any {
	cfg := map[string]any{"distance": weaviateDistance[p.GetDistance()]}
	coll := t.native.Config.GetHnswConfig()
	own := p.GetHnswConfig()
	if own == nil {
		own = &qc.HnswConfigDiff{}
	}
	if m := firstSet(own.M, coll.GetM); m != nil {
		cfg["maxConnections"] = *m
	}
	if ef := firstSet(own.EfConstruct, coll.GetEfConstruct); ef != nil {
		cfg["efConstruction"] = *ef
	}
	if p.GetMultivectorConfig() != nil {
		cfg["multivector"] = map[string]any{"enabled": true}
	}
	q := p.GetQuantizationConfig()
	if q == nil {
		q = t.native.Config.GetQuantizationConfig()
	}
	switch {
	case q.GetScalar() != nil:
		cfg["sq"] = map[string]any{"enabled": true}
	case q.GetBinary() != nil:
		cfg["bq"] = map[string]any{"enabled": true}
	case q.GetProduct() != nil:
		t.report.NotCarried = append(t.report.NotCarried, fmt.Sprintf("vector %s: product quantization (Weaviate's pq needs training; enable it on the class afterwards if wanted)", vectorLabel(name)))
	}
	return cfg
}

// firstSet is own when set, else the collection's value when it has one.
func firstSet(own *uint64, coll func() uint64) *uint64 {
	if own != nil {
		return own
	}
	if v := coll(); v != 0 {
		return &v
	}
	return nil
}

// sparseVectors refuses sparse vectors that are not dropped.
func (t *qwTranslator) sparseVectors(dropped map[string]bool) {
	names := make([]string, 0)
	for name := range t.native.Config.GetParams().GetSparseVectorsConfig().GetMap() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if dropped[name] {
			t.report.Dropped = append(t.report.Dropped, fmt.Sprintf("vector %q (sparse): left out (--drop-vector)", name))
			continue
		}
		t.errorf(fmt.Sprintf("vector %q", name), "sparse vector %q has no Weaviate counterpart; leave it out with --drop-vector %s", name, name)
	}
}
