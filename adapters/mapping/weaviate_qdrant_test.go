package mapping

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	aq "github.com/vecmig/vecmig/adapters/qdrant"
)

// wqClassDef is a Weaviate definition as the adapter describes it, with
// the sizes SampleSizes would have filled in.
func wqClassDef(class string, vectors map[string]adapters.VectorSpec, tenants ...adapters.Partition) *adapters.Collection {
	return &adapters.Collection{Engine: Weaviate, Name: "Docs", Vectors: vectors, Native: json.RawMessage(class),
		Partitioned: len(tenants) > 0, Partitions: tenants}
}

func dense(size int, d adapters.Distance) adapters.VectorSpec {
	return adapters.VectorSpec{Kind: "dense", Size: size, Distance: d, Datatype: "float32"}
}

// wqTranslate translates def for Qdrant and returns the translation and
// its Qdrant Native, checked to be recreatable (nothing Unmapped).
func wqTranslate(t *testing.T, def *adapters.Collection, opts Options) (*Translation, *aq.Native) {
	t.Helper()
	tr, err := Translate(context.Background(), nil, def, Qdrant, opts)
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if tr.Def.Engine != Qdrant {
		t.Fatalf("translated definition is for %q, want qdrant", tr.Def.Engine)
	}
	n, err := aq.ParseNative(tr.Def.Native)
	if err != nil {
		t.Fatalf("the translated Native does not parse: %v", err)
	}
	if len(n.Unmapped) > 0 {
		t.Fatalf("the translated Native has settings the Qdrant Sink refuses: %v", n.Unmapped)
	}
	return tr, n
}

func wqOK(t *testing.T, tr *Translation) {
	t.Helper()
	if err := tr.Err(); err != nil {
		t.Fatalf("translation has error findings: %v", err)
	}
}

// wqOneError checks tr has exactly one error finding, mentioning each word.
func wqOneError(t *testing.T, tr *Translation, words ...string) {
	t.Helper()
	errs := adapters.ErrorFindings(tr.Findings)
	if len(errs) != 1 {
		t.Fatalf("want one error finding, got %d: %v", len(errs), errs)
	}
	for _, w := range words {
		if !strings.Contains(errs[0].Message, w) {
			t.Errorf("error finding %q does not mention %q", errs[0].Message, w)
		}
	}
}

func wqHas(t *testing.T, what string, lines []string, words ...string) {
	t.Helper()
	for _, l := range lines {
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all {
			return
		}
	}
	t.Errorf("%s has no line with %q: %q", what, words, lines)
}

const wqLegacyClass = `{"class":"Docs","vectorizer":"none","vectorIndexType":"hnsw",
 "vectorIndexConfig":{"distance":"cosine","maxConnections":24,"efConstruction":100,"ef":-1,"cleanupIntervalSeconds":300,"filterStrategy":"acorn",
   "sq":{"enabled":true,"rescoreLimit":20,"trainingLimit":100000},"pq":{"enabled":false,"segments":0},"bq":{"enabled":false},
   "multivector":{"enabled":false,"aggregation":"maxSim"},"skipDefaultQuantization":false},
 "invertedIndexConfig":{"bm25":{"b":0.75,"k1":1.2}},"replicationConfig":{"factor":1},
 "properties":[{"name":"title","dataType":["text"]}]}`

func TestWeaviateQdrantClassLevelVector(t *testing.T) {
	tr, n := wqTranslate(t, wqClassDef(wqLegacyClass, map[string]adapters.VectorSpec{"": dense(32, adapters.Cosine)}), Options{})
	wqOK(t, tr)
	vp := n.Config.GetParams().GetVectorsConfig().GetParams()
	if vp == nil || vp.GetSize() != 32 || vp.GetDistance() != qdrant.Distance_Cosine {
		t.Fatalf("unnamed vector = %v, want 32-d Cosine", vp)
	}
	if h := n.Config.GetHnswConfig(); h.GetM() != 24 || h.GetEfConstruct() != 100 {
		t.Errorf("hnsw = %v, want m 24, ef_construct 100", h)
	}
	if q := n.Config.GetQuantizationConfig().GetScalar(); q == nil || q.GetType() != qdrant.QuantizationType_Int8 {
		t.Errorf("quantization = %v, want scalar int8", n.Config.GetQuantizationConfig())
	}
	if got := tr.Def.Vectors[""]; got.Size != 32 || !got.Normalized {
		t.Errorf("target vector spec = %+v, want 32-d normalised", got)
	}
	if tr.Report.IDs != IDRule || tr.Report.From != Weaviate || tr.Report.To != Qdrant {
		t.Errorf("report header = %+v", tr.Report)
	}
	wqHas(t, "Vectors", tr.Report.Vectors, "(class-level) -> (unnamed)", "32-d", "Cosine")
	wqHas(t, "NotCarried", tr.Report.NotCarried, "class-level vector", `"ef":-1`, `"filterStrategy":"acorn"`, `"rescoreLimit":20`)
	wqHas(t, "NotCarried", tr.Report.NotCarried, "invertedIndexConfig", "bm25")
	wqHas(t, "NotCarried", tr.Report.NotCarried, "replicationConfig", `"factor":1`)
	for _, l := range tr.Report.NotCarried {
		if strings.Contains(l, `"bq"`) || strings.Contains(l, "maxConnections") || strings.Contains(l, "multivector") {
			t.Errorf("NotCarried lists a mapped or disabled setting: %s", l)
		}
	}
}

const wqNamedClass = `{"class":"Docs","description":"my docs\nvecmig: vector names {\"my_vec\":\"my-vec\"}",
 "vectorConfig":{
  "t":{"vectorizer":{"none":{}},"vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"dot","maxConnections":8,"pq":{"enabled":true,"segments":8,"centroids":256}}},
  "f":{"vectorizer":{"none":{}},"vectorIndexType":"flat","vectorIndexConfig":{"distance":"l2-squared","bq":{"enabled":true}}},
  "m":{"vectorizer":{"none":{}},"vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"cosine","multivector":{"enabled":true,"aggregation":"maxSim","muvera":{"enabled":false}}}},
  "auto":{"vectorizer":{"text2vec-openai":{"model":"x"}},"vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"manhattan"}},
  "my_vec":{"vectorizer":{"none":{}},"vectorIndexType":"dynamic","vectorIndexConfig":{"distance":"cosine","threshold":10000,"hnsw":{"maxConnections":12,"efConstruction":64},"flat":{}}}},
 "properties":[]}`

func TestWeaviateQdrantNamedVectors(t *testing.T) {
	def := wqClassDef(wqNamedClass, map[string]adapters.VectorSpec{
		"t": dense(32, adapters.Dot), "f": dense(16, adapters.Euclid), "auto": dense(8, adapters.Manhattan),
		"m": {Kind: "multi", Size: 4, Distance: adapters.Cosine}, "my_vec": dense(8, adapters.Cosine),
	})
	tr, n := wqTranslate(t, def, Options{})
	wqOK(t, tr)
	got := n.Config.GetParams().GetVectorsConfig().GetParamsMap().GetMap()
	if len(got) != 5 || got["my-vec"] == nil || got["my_vec"] != nil {
		t.Fatalf("named vectors = %v, want t, f, m, auto and my-vec (renamed back)", got)
	}
	if v := got["t"]; v.GetDistance() != qdrant.Distance_Dot || v.GetHnswConfig().GetM() != 8 ||
		v.GetQuantizationConfig().GetProduct().GetCompression() != qdrant.CompressionRatio_x16 {
		t.Errorf("vector t = %v, want Dot, m 8, product x16 (32-d in 8 segments)", v)
	}
	if v := got["f"]; v.GetDistance() != qdrant.Distance_Euclid || v.GetQuantizationConfig().GetBinary() == nil {
		t.Errorf("vector f = %v, want Euclid with binary quantization", v)
	}
	if v := got["m"]; v.GetMultivectorConfig().GetComparator() != qdrant.MultiVectorComparator_MaxSim || v.GetSize() != 4 {
		t.Errorf("vector m = %v, want 4-d multivector MaxSim", v)
	}
	if v := got["my-vec"]; v.GetHnswConfig().GetM() != 12 || v.GetHnswConfig().GetEfConstruct() != 64 {
		t.Errorf("vector my-vec = %v, want the dynamic index's hnsw m 12, ef_construct 64", v)
	}
	if got["auto"].GetDistance() != qdrant.Distance_Manhattan {
		t.Errorf("vector auto = %v, want Manhattan", got["auto"])
	}
	if !reflect.DeepEqual(tr.Report.Renames, []Rename{{Kind: "vector", From: "my_vec", To: "my-vec"}}) {
		t.Errorf("renames = %v", tr.Report.Renames)
	}
	wqHas(t, "NotCarried", tr.Report.NotCarried, `vector "auto"`, "text2vec-openai")
	wqHas(t, "NotCarried", tr.Report.NotCarried, `vector "f"`, "index type flat")
	wqHas(t, "NotCarried", tr.Report.NotCarried, `vector "my_vec"`, "dynamic")
	wqHas(t, "NotCarried", tr.Report.NotCarried, "class description", "my docs")
	if _, ok := tr.Def.Vectors["my-vec"]; !ok {
		t.Errorf("target vectors %v lack my-vec", tr.Def.Vectors)
	}
}

func TestWeaviateQdrantDistances(t *testing.T) {
	for dist, want := range map[string]qdrant.Distance{"cosine": qdrant.Distance_Cosine, "dot": qdrant.Distance_Dot,
		"l2-squared": qdrant.Distance_Euclid, "manhattan": qdrant.Distance_Manhattan} {
		class := `{"class":"Docs","vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"` + dist + `"}}`
		tr, n := wqTranslate(t, wqClassDef(class, map[string]adapters.VectorSpec{"": dense(4, "")}), Options{})
		wqOK(t, tr)
		if got := n.Config.GetParams().GetVectorsConfig().GetParams().GetDistance(); got != want {
			t.Errorf("distance %s became %s, want %s", dist, got, want)
		}
	}
	class := `{"class":"Docs","vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"hamming"}}`
	tr, _ := wqTranslate(t, wqClassDef(class, map[string]adapters.VectorSpec{"": dense(4, adapters.Hamming)}), Options{})
	wqOneError(t, tr, "hamming", "cosine, dot, euclid", "manhattan")
	if tr.Mapping != nil {
		t.Errorf("a translation with an error finding has a mapping")
	}
}

func TestWeaviateQdrantUnknownDimension(t *testing.T) {
	tr, _ := wqTranslate(t, wqClassDef(wqLegacyClass, map[string]adapters.VectorSpec{"": dense(0, adapters.Cosine)}), Options{})
	wqOneError(t, tr, "dimension", "cannot be known", "class-level vector")
}

func TestWeaviateQdrantDropVector(t *testing.T) {
	def := wqClassDef(wqNamedClass, map[string]adapters.VectorSpec{"t": dense(32, adapters.Dot), "my_vec": dense(0, adapters.Cosine)})
	tr, n := wqTranslate(t, def, Options{DropVectors: []string{"my-vec"}})
	wqOK(t, tr) // the vector without a known size is dropped, so no error
	if got := n.Config.GetParams().GetVectorsConfig().GetParamsMap().GetMap(); len(got) != 1 || got["t"] == nil {
		t.Errorf("vectors = %v, want t only", got)
	}
	wqHas(t, "Dropped", tr.Report.Dropped, "my_vec", "--drop-vector")
	p, err := tr.Mapping.ToTarget(adapters.Point{ID: adapters.NumID(0), Vectors: map[string]adapters.Vector{"t": {Dense: []float32{1}}, "my_vec": {Dense: []float32{2}}}})
	if err != nil || len(p.Vectors) != 1 || p.Vectors["t"].Dense == nil {
		t.Errorf("ToTarget kept vectors %v (%v), want t only", p.Vectors, err)
	}
}
