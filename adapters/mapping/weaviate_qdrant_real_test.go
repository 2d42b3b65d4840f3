package mapping_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/mapping"
	aq "github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify"
)

// A multi-tenant class with a class-level vector and every property kind
// the translation treats differently; "my_key" stands for payload key
// "my key" (a class vecmig made from Qdrant).
const wqRealTenantClass = `{"class":"X","vectorizer":"none","vectorIndexType":"hnsw",
 "vectorIndexConfig":{"distance":"cosine","maxConnections":24,"efConstruction":100,"sq":{"enabled":true}},
 "multiTenancyConfig":{"enabled":true},
 "properties":[
  {"name":"title","dataType":["text"]},
  {"name":"code","dataType":["text"],"indexSearchable":false},
  {"name":"n","dataType":["int"],"indexRangeFilters":true},
  {"name":"score","dataType":["number"]},
  {"name":"ok","dataType":["boolean"]},
  {"name":"when","dataType":["date"],"indexFilterable":false},
  {"name":"ref","dataType":["uuid"]},
  {"name":"where","dataType":["geoCoordinates"]},
  {"name":"tags","dataType":["text[]"]},
  {"name":"nums","dataType":["int[]"]},
  {"name":"b","dataType":["blob"]},
  {"name":"phone","dataType":["phoneNumber"]},
  {"name":"my_key","description":"vecmig: payload key \"my key\"","dataType":["int"]},
  {"name":"meta","dataType":["object"],"nestedProperties":[
    {"name":"level","dataType":["int"]},
    {"name":"k_x","description":"vecmig: payload key \"k-x\"","dataType":["text"]}]},
  {"name":"items","dataType":["object[]"],"nestedProperties":[{"name":"k","dataType":["text"]}]}]}`

// Named, multi and flat vectors; "my_vec" stands for Qdrant vector "my-vec".
const wqRealNamedClass = `{"class":"X","description":"vecmig: vector names {\"my_vec\":\"my-vec\"}",
 "vectorConfig":{
  "title":{"vectorizer":{"none":{}},"vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"cosine"}},
  "body":{"vectorizer":{"none":{}},"vectorIndexType":"flat","vectorIndexConfig":{"distance":"dot","bq":{"enabled":true}}},
  "colbert":{"vectorizer":{"none":{}},"vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"l2-squared","multivector":{"enabled":true}}},
  "my_vec":{"vectorizer":{"none":{}},"vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"manhattan","pq":{"enabled":true,"segments":4}}}},
 "properties":[{"name":"title","dataType":["text"]},{"name":"n","dataType":["int"]}]}`

func wqTenantPayload(tenant string, i int) map[string]any {
	p := map[string]any{
		"title": fmt.Sprintf("%s naïve café %d", tenant, i), "code": fmt.Sprintf("C-%03d", i),
		"n": int64(i), "score": float64(i) / 4, "ok": i%2 == 0,
		"when":  fmt.Sprintf("2024-%02d-%02dT10:%02d:00Z", 1+i%12, 1+i%28, i%60),
		"ref":   adaptertest.UUIDFor("ref", i).String(),
		"where": map[string]any{"latitude": 52.25 + float64(i)/8, "longitude": 4.5 - float64(i)/16},
		"tags":  []any{"t" + fmt.Sprint(i%3), "all"}, "nums": []any{int64(i), int64(-i)},
		"b": "aGVsbG8=", "phone": map[string]any{"input": "+31201234567"}, "my_key": int64(i * 10),
		"meta":  map[string]any{"level": int64(i % 3), "k_x": "v" + fmt.Sprint(i)},
		"items": []any{map[string]any{"k": "a"}, map[string]any{"k": "b"}},
	}
	if i%4 == 3 {
		delete(p, "where")
		delete(p, "meta")
	}
	return p
}

func wqTenantFixture() adaptertest.Fixture {
	fx := adaptertest.Fixture{Name: "tenants", Points: map[string][]adapters.Point{}, Def: &adapters.Collection{
		Engine: "weaviate", Name: "X", Native: json.RawMessage(wqRealTenantClass), Partitioned: true,
		Vectors:    map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Cosine}},
		Partitions: []adapters.Partition{{Name: "alpha", Status: "HOT"}, {Name: "beta", Status: "HOT"}, {Name: "gamma", Status: "COLD"}},
	}}
	for k, tenant := range []string{"alpha", "beta", "gamma"} {
		var ps []adapters.Point
		for i := 0; i < 6+k; i++ {
			id := adaptertest.UUIDFor("wq-"+tenant, i)
			if i < 2 {
				id = mapping.IntToUUID(uint64(100*k + i)) // comes back as an integer id
			}
			ps = append(ps, adapters.Point{ID: id, Payload: wqTenantPayload(tenant, i),
				Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(k, i, 8)}}})
		}
		adaptertest.SortPoints(ps)
		fx.Points[tenant] = ps
	}
	return fx
}

func wqNamedFixture() adaptertest.Fixture {
	fx := adaptertest.Fixture{Name: "named", Points: map[string][]adapters.Point{}, Def: &adapters.Collection{
		Engine: "weaviate", Name: "X", Native: json.RawMessage(wqRealNamedClass),
		Vectors: map[string]adapters.VectorSpec{"title": {Kind: "dense"}, "body": {Kind: "dense"}, "colbert": {Kind: "multi"}, "my_vec": {Kind: "dense"}},
	}}
	var ps []adapters.Point
	for i := 0; i < 10; i++ {
		vs := map[string]adapters.Vector{"title": {Dense: adaptertest.Dense(1, i, 8)}, "body": {Dense: adaptertest.Dense(2, i, 8)},
			"colbert": {Multi: adaptertest.Multi(3, i, 3, 4)}, "my_vec": {Dense: adaptertest.Dense(4, i, 16)}}
		if i%3 == 1 {
			delete(vs, "body") // a point may lack a named vector
		}
		ps = append(ps, adapters.Point{ID: adaptertest.UUIDFor("wq-named", i), Vectors: vs,
			Payload: map[string]any{"title": fmt.Sprint("doc ", i), "n": int64(i)}})
	}
	adaptertest.SortPoints(ps)
	fx.Points[""] = ps
	return fx
}

// TestWeaviateQdrantRealServers loads classes into a real Weaviate,
// translates them, creates and fills the collections on a real Qdrant
// through its Sink, and reads them back: every point must equal the
// mapping of its source object, every payload index must be there.
func TestWeaviateQdrantRealServers(t *testing.T) {
	wv := weaviatetest.Shared(t)
	qn := qdranttest.Instance(t, 1)
	reg := all.Registry()
	for _, fx := range []adaptertest.Fixture{wqTenantFixture(), wqNamedFixture()} {
		t.Run(fx.Name, func(t *testing.T) {
			wurl := wv.Endpoint(weaviatetest.NewClassName("wq" + fx.Name))
			adaptertest.Load(t, reg, adapters.Config{}, wurl, fx)
			qurl := qn.Endpoint(qn.NewName(t, "wq"+fx.Name))
			wqCopy(t, reg, wurl, qurl)
		})
	}
}

// wqCopy translates the class at wurl for the new collection at qurl,
// copies it partition by partition and checks what Qdrant holds.
func wqCopy(t *testing.T, reg *adapters.Registry, wurl, qurl string) {
	ctx := adaptertest.Ctx(t)
	src := adaptertest.OpenSource(t, reg, wurl, adapters.Config{})
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if def, err = adapters.SampleSizes(ctx, src, def); err != nil {
		t.Fatal(err)
	}
	tr, err := mapping.Translate(ctx, src, def, mapping.Qdrant, mapping.Options{TenantsAs: mapping.TenantsShardKey})
	if err != nil || tr.Err() != nil {
		t.Fatalf("Translate: %v, %v", err, tr.Err())
	}
	sink := adaptertest.OpenSink(t, reg, qurl, adapters.Config{})
	if err := sink.Prepare(ctx, tr.Def, adapters.ExistsFail); err != nil {
		t.Fatalf("Qdrant Sink Prepare: %v", err)
	}
	want := map[string][]adapters.Point{}
	for _, part := range def.PartitionNames() {
		ps, err := adaptertest.ReadAll(ctx, src, part, 4)
		if err != nil {
			t.Fatalf("read tenant %q: %v", part, err)
		}
		for _, p := range ps {
			m, err := tr.Mapping.ToTarget(p)
			if err != nil {
				t.Fatal(err)
			}
			want[part] = append(want[part], m)
		}
		if err := sink.Write(ctx, part, want[part]); err != nil {
			t.Fatalf("write partition %q: %v", part, err)
		}
	}
	if err := sink.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	wqCheckTarget(t, reg, qurl, def, tr, want)
}

// wqCheckTarget reads the Qdrant collection back, with a mapping made from
// the two live definitions alone (as verify does).
func wqCheckTarget(t *testing.T, reg *adapters.Registry, qurl string, src *adapters.Collection, tr *mapping.Translation, want map[string][]adapters.Point) {
	ctx := adaptertest.Ctx(t)
	dst := adaptertest.OpenSource(t, reg, qurl, adapters.Config{})
	got, err := dst.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.PartitionNames(), src.PartitionNames()) {
		t.Errorf("Qdrant partitions %v, want the tenants %v", got.PartitionNames(), src.PartitionNames())
	}
	wqCheckIndexes(t, tr.Def, got)
	m, err := mapping.For(src, got)
	if err != nil {
		t.Fatal(err)
	}
	cmp := &verify.Comparer{Src: m.Source(), Dst: got, Tol: verify.DefaultTolerance}
	for _, part := range got.PartitionNames() {
		ps, err := adaptertest.ReadAll(ctx, dst, part, 4)
		if err != nil {
			t.Fatalf("read back partition %q: %v", part, err)
		}
		if len(ps) == 0 {
			t.Errorf("partition %q is empty on Qdrant", part)
		}
		adaptertest.AssertPoints(t, cmp, want[part], ps)
	}
}

// wqCheckIndexes compares the payload indexes Qdrant reports with the
// translation's.
func wqCheckIndexes(t *testing.T, want, got *adapters.Collection) {
	t.Helper()
	wn, err := aq.ParseNative(want.Native)
	if err != nil {
		t.Fatal(err)
	}
	gn, err := aq.ParseNative(got.Native)
	if err != nil {
		t.Fatal(err)
	}
	types := func(n *aq.Native) []string {
		var out []string
		for k, info := range n.PayloadSchema {
			out = append(out, k+"="+info.GetDataType().String())
		}
		sort.Strings(out)
		return out
	}
	if w, g := types(wn), types(gn); !reflect.DeepEqual(w, g) {
		t.Errorf("payload indexes on Qdrant:\n got %v\nwant %v", g, w)
	}
	for k, info := range wn.PayloadSchema {
		if p := info.GetParams().GetTextIndexParams(); p != nil && gn.PayloadSchema[k].GetParams().GetTextIndexParams().GetTokenizer() != p.GetTokenizer() {
			t.Errorf("payload index %q: tokenizer %v, want %v", k, gn.PayloadSchema[k].GetParams(), p)
		}
	}
	t.Logf("payload indexes: %v", types(gn))
}

// TestWeaviateQdrantReferencesReal: a class with a cross-reference is
// described (the Source reads no reference), and the plan refuses it
// unless the references are dropped.
func TestWeaviateQdrantReferencesReal(t *testing.T) {
	wv := weaviatetest.Shared(t)
	reg := all.Registry()
	person := weaviatetest.NewClassName("wqperson")
	adaptertest.Load(t, reg, adapters.Config{}, wv.Endpoint(person), adaptertest.Fixture{Def: &adapters.Collection{
		Engine: "weaviate", Native: json.RawMessage(`{"class":"X","vectorizer":"none","properties":[{"name":"name","dataType":["text"]}]}`)}})
	docs := weaviatetest.NewClassName("wqdocs")
	class := `{"class":"X","vectorizer":"none","properties":[{"name":"title","dataType":["text"]},{"name":"author","dataType":["` + person + `"]}]}`
	adaptertest.Load(t, reg, adapters.Config{}, wv.Endpoint(docs), adaptertest.Fixture{
		Def:    &adapters.Collection{Engine: "weaviate", Native: json.RawMessage(class), Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense"}}},
		Points: map[string][]adapters.Point{"": {{ID: adaptertest.UUIDFor("wqdocs", 1), Payload: map[string]any{"title": "a"}, Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, 2}}}}}},
	})
	ctx := adaptertest.Ctx(t)
	src := adaptertest.OpenSource(t, reg, wv.Endpoint(docs), adapters.Config{})
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatalf("Describe of a class with a reference: %v", err)
	}
	if got := mapping.References(def); !reflect.DeepEqual(got, []string{"author"}) {
		t.Fatalf("References = %v, want [author]", got)
	}
	def, _ = adapters.SampleSizes(ctx, src, def)
	for _, to := range []string{mapping.Weaviate, mapping.Qdrant} {
		tr, err := mapping.Translate(ctx, src, def, to, mapping.Options{})
		if err != nil || len(adapters.ErrorFindings(tr.Findings)) != 1 {
			t.Errorf("Translate to %s without --drop-references: %v, findings %v; want one error finding", to, err, tr.Findings)
		}
		tr, err = mapping.Translate(ctx, src, def, to, mapping.Options{DropReferences: true})
		if err != nil || tr.Err() != nil || len(tr.Report.Dropped) != 1 {
			t.Errorf("Translate to %s with --drop-references: %v, %v, dropped %v", to, err, tr.Err(), tr.Report.Dropped)
		}
	}
}
