package mapping

import (
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

func TestQdrantWeaviateUnnamedVector(t *testing.T) {
	n := qwDense(4, qc.Distance_Euclid)
	n.Config.HnswConfig = &qc.HnswConfigDiff{M: qwPtr[uint64](24), EfConstruct: qwPtr[uint64](150), FullScanThreshold: qwPtr[uint64](9000)}
	n.Config.QuantizationConfig = qc.NewQuantizationBinary(&qc.BinaryQuantization{})
	tr := qwTranslate(t, qwDef(t, n), qwMemSource(nil), Options{})
	qwNoErrors(t, tr)
	c := qwClassOf(t, tr)
	if c["vectorizer"] != "none" || c["vectorIndexType"] != "hnsw" {
		t.Errorf("class-level vector: vectorizer %v, vectorIndexType %v", c["vectorizer"], c["vectorIndexType"])
	}
	cfg := c["vectorIndexConfig"].(map[string]any)
	if cfg["distance"] != "l2-squared" || cfg["maxConnections"] != 24.0 || cfg["efConstruction"] != 150.0 {
		t.Errorf("vectorIndexConfig = %v", cfg)
	}
	if bq, _ := cfg["bq"].(map[string]any); bq["enabled"] != true {
		t.Errorf("binary quantization not carried as bq: %v", cfg)
	}
	if got := tr.Def.Vectors[""]; got.Size != 4 || got.Distance != adapters.Euclid || got.Kind != "dense" {
		t.Errorf("target vector spec = %+v", got)
	}
	if tr.Def.Engine != Weaviate || tr.Def.Name != "docs" {
		t.Errorf("def engine %q name %q", tr.Def.Engine, tr.Def.Name)
	}
	notCarried := strings.Join(tr.Report.NotCarried, "\n")
	for _, want := range []string{"hnsw_config.full_scan_threshold = 9000", "params.shard_number = 1"} {
		if !strings.Contains(notCarried, want) {
			t.Errorf("NotCarried lacks %q:\n%s", want, notCarried)
		}
	}
	if strings.Contains(notCarried, "hnsw_config.m ") || strings.Contains(notCarried, ".size") {
		t.Errorf("NotCarried lists carried settings:\n%s", notCarried)
	}
}

func TestQdrantWeaviateDistances(t *testing.T) {
	for d, want := range map[qc.Distance]string{qc.Distance_Cosine: "cosine", qc.Distance_Dot: "dot", qc.Distance_Euclid: "l2-squared", qc.Distance_Manhattan: "manhattan"} {
		tr := qwTranslate(t, qwDef(t, qwDense(3, d)), qwMemSource(nil), Options{})
		cfg := qwClassOf(t, tr)["vectorIndexConfig"].(map[string]any)
		if cfg["distance"] != want {
			t.Errorf("%s -> %v, want %s", d, cfg["distance"], want)
		}
	}
}

// namedNative has a renamed dense vector, a multi-vector with its own HNSW
// and scalar quantization, a product-quantized one and a sparse one.
func namedNative() *qdrant.Native {
	return &qdrant.Native{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber: 1,
		VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
			"my-vec": {Size: 4, Distance: qc.Distance_Cosine, Datatype: qc.Datatype_Float16.Enum()},
			"colbert": {Size: 3, Distance: qc.Distance_Dot, HnswConfig: &qc.HnswConfigDiff{M: qwPtr[uint64](8)},
				QuantizationConfig: qc.NewQuantizationScalar(&qc.ScalarQuantization{Type: qc.QuantizationType_Int8}),
				MultivectorConfig:  &qc.MultiVectorConfig{Comparator: qc.MultiVectorComparator_MaxSim}},
			"pq": {Size: 8, Distance: qc.Distance_Dot, QuantizationConfig: qc.NewQuantizationProduct(&qc.ProductQuantization{Compression: qc.CompressionRatio_x16})},
		}),
		SparseVectorsConfig: qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{"keywords": {Modifier: qc.Modifier_Idf.Enum()}}),
	}}}
}

func TestQdrantWeaviateNamedVectors(t *testing.T) {
	tr := qwTranslate(t, qwDef(t, namedNative()), qwMemSource(nil), Options{DropVectors: []string{"keywords"}})
	qwNoErrors(t, tr)
	c := qwClassOf(t, tr)
	vc := c["vectorConfig"].(map[string]any)
	if _, ok := vc["my_vec"]; !ok || len(vc) != 3 {
		t.Fatalf("vectorConfig = %v", vc)
	}
	colbert := vc["colbert"].(map[string]any)
	if _, ok := colbert["vectorizer"].(map[string]any)["none"]; !ok || colbert["vectorIndexType"] != "hnsw" {
		t.Errorf("colbert = %v", colbert)
	}
	cfg := colbert["vectorIndexConfig"].(map[string]any)
	if cfg["multivector"].(map[string]any)["enabled"] != true || cfg["maxConnections"] != 8.0 || cfg["distance"] != "dot" || cfg["sq"] == nil {
		t.Errorf("colbert vectorIndexConfig = %v", cfg)
	}
	if _, ok := c["vectorIndexType"]; ok {
		t.Errorf("a class with named vectors got a class-level vector: %v", c["vectorIndexType"])
	}
	if c["description"] != `vecmig: vector names {"my_vec":"my-vec"}` {
		t.Errorf("class description = %q", c["description"])
	}
	if got := tr.Report.Renames; len(got) != 1 || got[0] != (Rename{Kind: "vector", From: "my-vec", To: "my_vec"}) {
		t.Errorf("Renames = %v", got)
	}
	if d := strings.Join(tr.Report.Dropped, "\n"); !strings.Contains(d, `"keywords"`) {
		t.Errorf("Dropped = %v", tr.Report.Dropped)
	}
	nc := strings.Join(tr.Report.NotCarried, "\n")
	for _, want := range []string{"Float16 (Weaviate stores float32)", `vector "pq": product quantization`, "modifier = Idf"} {
		if !strings.Contains(nc, want) {
			t.Errorf("NotCarried lacks %q:\n%s", want, nc)
		}
	}
	if tr.Def.Vectors["colbert"].Kind != "multi" || tr.Def.Vectors["my_vec"].Size != 4 {
		t.Errorf("target vectors = %v", tr.Def.Vectors)
	}
	if src := tr.Mapping.Source(); !src.Vectors["my_vec"].Normalized || src.Vectors["my_vec"].Datatype != "float16" {
		t.Errorf("Mapping.Source keeps the source spec under the target name: %v", src.Vectors)
	}
}

func TestQdrantWeaviateVectorFindings(t *testing.T) {
	tr := qwTranslate(t, qwDef(t, namedNative()), qwMemSource(nil), Options{DropVectors: []string{"nope"}})
	f := qwWantFinding(t, tr, adapters.LevelError, `vector "keywords"`, "--drop-vector keywords")
	if strings.Contains(f.Message, "\n") {
		t.Errorf("sparse finding is not one line: %q", f.Message)
	}
	qwWantFinding(t, tr, adapters.LevelError, `--drop-vector "nope"`, "has no vector")

	multi := qwDense(3, qc.Distance_Cosine)
	multi.Config.Params.VectorsConfig.GetParams().MultivectorConfig = &qc.MultiVectorConfig{}
	tr = qwTranslate(t, qwDef(t, multi), qwMemSource(nil), Options{})
	qwWantFinding(t, tr, adapters.LevelError, "only as named vectors", `--drop-vector ""`)
	if tr.Err() == nil {
		t.Error("Err() is nil with error findings")
	}
}

func TestQdrantWeaviateTenants(t *testing.T) {
	n := qwDense(3, qc.Distance_Dot)
	n.Config.Params.ShardingMethod = qc.ShardingMethod_Custom.Enum()
	n.ShardKeys = []*qc.ShardKey{qc.NewShardKeyKeyword("eu"), qc.NewShardKeyKeyword("us")}
	tr := qwTranslate(t, qwDef(t, n), qwMemSource(nil), Options{})
	qwNoErrors(t, tr)
	mt := qwClassOf(t, tr)["multiTenancyConfig"].(map[string]any)
	if mt["enabled"] != true || mt["autoTenantCreation"] != false {
		t.Errorf("multiTenancyConfig = %v", mt)
	}
	if !tr.Def.Partitioned || len(tr.Def.Partitions) != 2 || tr.Def.Partitions[0] != (adapters.Partition{Name: "eu"}) {
		t.Errorf("partitions = %v", tr.Def.Partitions)
	}
	if !strings.Contains(tr.Report.Tenants, "eu, us") || strings.Contains(strings.Join(tr.Report.NotCarried, "\n"), "sharding_method") {
		t.Errorf("Tenants = %q, NotCarried = %v", tr.Report.Tenants, tr.Report.NotCarried)
	}
	n.ShardKeys = append(n.ShardKeys, qc.NewShardKeyNum(7))
	tr = qwTranslate(t, qwDef(t, n), qwMemSource(nil), Options{})
	qwWantFinding(t, tr, adapters.LevelError, `"#7"`, "keyword shard key")
}

func TestQdrantWeaviateIDs(t *testing.T) {
	src := qwMemSource(map[string][]adapters.Point{"": {
		qwPt(adapters.NumID(42), nil),
		qwPt(adapters.MustParseID("00000000-0000-0000-0000-000000000007"), nil),
		qwPt(adapters.MustParseID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), nil),
	}})
	tr := qwTranslate(t, qwDef(t, qwDense(3, qc.Distance_Dot)), src, Options{})
	if tr.Report.IDs != IDRule || tr.Report.Scanned != 3 {
		t.Errorf("IDs = %q, Scanned = %d", tr.Report.IDs, tr.Report.Scanned)
	}
	qwWantFinding(t, tr, adapters.LevelError, "zero high half", "00000000-0000-0000-0000-000000000007")
	m := tr.Mapping
	if got := m.TargetID(adapters.NumID(42)); got.String() != "00000000-0000-0000-0000-00000000002a" {
		t.Errorf("TargetID(42) = %s", got)
	}
	if !m.OrderPreserving() || m.Identity() {
		t.Error("OrderPreserving must be true and Identity false")
	}
	if _, err := m.ToTarget(qwPt(adapters.MustParseID("00000000-0000-0000-0000-000000000007"), nil)); err == nil {
		t.Error("ToTarget accepted a UUID with a zero high half")
	}
}

func TestQdrantWeaviateScanPages(t *testing.T) {
	var ps []adapters.Point
	for i := range 2500 {
		ps = append(ps, qwPt(adapters.NumID(uint64(i)), map[string]any{"n": int64(i)}))
	}
	src := qwMemSource(map[string][]adapters.Point{"": ps})
	tr := qwTranslate(t, qwDef(t, qwDense(3, qc.Distance_Dot)), src, Options{})
	if tr.Report.Scanned != 2500 || src.reads != 3 {
		t.Errorf("scanned %d points in %d reads, want 2500 in 3", tr.Report.Scanned, src.reads)
	}
}
