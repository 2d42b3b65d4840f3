package mapping_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify"
)

// realFixture is a Qdrant collection with what the translation must get
// right: integer and UUID ids, a renamed dense vector, a multi-vector, a
// sparse vector to drop, invalid keys, nesting, dates, geo, UUIDs,
// arrays and nulls.
func realFixture() adaptertest.Fixture {
	n := &qdrant.Native{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber: 1,
		VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
			"my-vec":  {Size: 4, Distance: qc.Distance_Cosine},
			"colbert": {Size: 3, Distance: qc.Distance_Dot, MultivectorConfig: &qc.MultiVectorConfig{Comparator: qc.MultiVectorComparator_MaxSim}},
		}),
		SparseVectorsConfig: qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{"kw": {}}),
	}}, PayloadSchema: map[string]*qc.PayloadSchemaInfo{
		"when":  {DataType: qc.PayloadSchemaType_Datetime, Params: qc.NewPayloadIndexParamsDatetime(&qc.DatetimeIndexParams{})},
		"place": {DataType: qc.PayloadSchemaType_Geo, Params: qc.NewPayloadIndexParamsGeo(&qc.GeoIndexParams{})},
		"ref":   {DataType: qc.PayloadSchemaType_Uuid, Params: qc.NewPayloadIndexParamsUUID(&qc.UuidIndexParams{})},
		"city":  {DataType: qc.PayloadSchemaType_Keyword, Params: qc.NewPayloadIndexParamsKeyword(&qc.KeywordIndexParams{})},
	}}
	dates := []string{"2024-03-01T12:00:00+02:00", "2024-03-01T12:00:00.120Z", "2024-03-01T12:00:00+00:00", "2024-03-01T12:00:00.123456789-05:30"}
	var ps []adapters.Point
	for i := range 10 {
		id := adapters.NumID(uint64(i) * 7)
		if i%3 == 2 {
			id = adaptertest.UUIDFor("qw", i)
		}
		p := adapters.Point{ID: id, Vectors: map[string]adapters.Vector{
			"my-vec":  {Dense: adaptertest.Dense(1, i, 4)},
			"colbert": {Multi: adaptertest.Multi(2, i, 1+i%3, 3)},
			"kw":      {Sparse: adaptertest.Sparse(3, i)},
		}, Payload: map[string]any{
			"my-key": int64(i), "Title": fmt.Sprintf("doc %d", i), "id": "own", "2fa": i%2 == 0, "vector": "a property named vector",
			"when": dates[i%len(dates)], "place": map[string]any{"lat": 52.52 + float64(i)/10, "lon": 13.405},
			"ref": "6BA7B810-9DAD-11D1-80B4-00C04FD430C" + fmt.Sprint(i), "city": []string{"Berlin", "Paris"}[i%2],
			"meta": map[string]any{"Inner-Key": "v", "level": int64(i % 3), "maybe": nil, "deep": map[string]any{"x": 0.25}},
			"tags": []any{"a", fmt.Sprint(i)}, "scores": []any{0.5, float64(i)}, "empty": []any{},
			"items": []any{map[string]any{"k": "v"}, map[string]any{"j": int64(i)}},
			"price": float64(i) + 0.5, "sometimes": nil,
		}}
		if i%2 == 0 {
			p.Payload["sometimes"] = "here"
			delete(p.Vectors, "colbert")
		}
		ps = append(ps, p)
	}
	adaptertest.SortPoints(ps)
	def, err := qdrant.Definition("qw_real", n)
	if err != nil {
		panic(err)
	}
	return adaptertest.Fixture{Name: "qw_real", Def: def, Points: map[string][]adapters.Point{"": ps}}
}

// loadQdrant loads fx into a fresh collection of the shared Qdrant and
// returns a Source on it with its definition as Describe gives it.
func loadQdrant(t *testing.T, reg *adapters.Registry, fx adaptertest.Fixture) (adapters.Source, *adapters.Collection) {
	q := qdranttest.Instance(t, 1)
	url := q.Endpoint(q.NewName(t, fx.Name))
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	src := adaptertest.OpenSource(t, reg, url, adapters.Config{})
	def, err := src.Describe(adaptertest.Ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return src, def
}

func TestQdrantWeaviateRealServers(t *testing.T) {
	reg := all.Registry()
	ctx := adaptertest.Ctx(t)
	src, def := loadQdrant(t, reg, realFixture())
	tr, err := mapping.Translate(ctx, src, def, mapping.Weaviate, mapping.Options{DropVectors: []string{"kw"}})
	if err != nil {
		t.Fatal(err)
	}
	realNoErrors(t, tr)
	w := weaviatetest.Shared(t)
	class := weaviatetest.NewClassName("qw")
	t.Cleanup(func() { deleteClass(w, class) })
	sink := adaptertest.OpenSink(t, reg, w.Endpoint(class), adapters.Config{})
	if err := sink.Prepare(ctx, tr.Def, adapters.ExistsFail); err != nil {
		t.Fatalf("create the translated class: %v\nclass: %s", err, tr.Def.Native)
	}
	srcPoints, err := adaptertest.ReadAll(ctx, src, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]adapters.Point, len(srcPoints))
	for i, p := range srcPoints {
		if want[i], err = tr.Mapping.ToTarget(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Write(ctx, "", want); err != nil {
		t.Fatal(err)
	}
	if err := sink.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	compareTarget(t, reg, w.Endpoint(class), def, srcPoints)
}

// compareTarget reads the class back and checks every point equals
// ToTarget of its source point, under the mapping For derives from the
// two live definitions.
func compareTarget(t *testing.T, reg *adapters.Registry, url string, def *adapters.Collection, srcPoints []adapters.Point) {
	ctx := adaptertest.Ctx(t)
	dst := adaptertest.OpenSource(t, reg, url, adapters.Config{})
	dstDef, err := dst.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mapping.For(def, dstDef)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]adapters.Point, len(srcPoints))
	for i, p := range srcPoints {
		if want[i], err = m.ToTarget(p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := adaptertest.ReadAll(ctx, dst, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	adaptertest.AssertPoints(t, &verify.Comparer{Src: m.Source(), Dst: dstDef, Tol: verify.DefaultTolerance}, want, got)
}

func deleteClass(w *weaviatetest.Node, class string) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodDelete, w.HTTPURL()+"/v1/schema/"+class, nil)
	if err != nil {
		return
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// The problems a user must settle are error findings on real data too.
func TestQdrantWeaviateRealFindings(t *testing.T) {
	reg := all.Registry()
	ctx := adaptertest.Ctx(t)
	fxs := adaptertest.QdrantFixtures(12)
	src, def := loadQdrant(t, reg, adaptertest.FixtureNamed(t, fxs, "qdrant_sharded"))
	tr, err := mapping.Translate(ctx, src, def, mapping.Weaviate, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	realWantFinding(t, tr, adapters.LevelError, `"#7"`, "tenant")
	realWantFinding(t, tr, adapters.LevelError, `payload "big"`, "beyond ±2^53", "--coerce big=text")
	realWantFinding(t, tr, adapters.LevelError, `payload "extra"`, "of several types", "--coerce extra=TYPE")
	if tr.Report.Scanned != 12 {
		t.Errorf("scanned %d points over the shard keys, want 12", tr.Report.Scanned)
	}
	src, def = loadQdrant(t, reg, adaptertest.FixtureNamed(t, fxs, "qdrant_named"))
	tr, err = mapping.Translate(ctx, src, def, mapping.Weaviate, mapping.Options{})
	if err != nil {
		t.Fatal(err)
	}
	realWantFinding(t, tr, adapters.LevelError, `vector "keywords"`, "--drop-vector keywords")
}

func realNoErrors(t *testing.T, tr *mapping.Translation) {
	t.Helper()
	if err := tr.Err(); err != nil {
		t.Fatalf("unexpected error findings: %v\n%v", err, tr.Findings)
	}
}

func realWantFinding(t *testing.T, tr *mapping.Translation, level adapters.Level, parts ...string) {
	t.Helper()
	for _, f := range tr.Findings {
		ok := f.Level == level
		for _, p := range parts {
			ok = ok && strings.Contains(f.String(), p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no %s finding with %q among %v", level, parts, tr.Findings)
}
