package qdrant_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// tenantDef is a plain 4-d Euclid collection with partitions a, b, c, as
// a multi-tenant class arrives at a Qdrant target.
func tenantDef(t *testing.T, parts ...string) *adapters.Collection {
	t.Helper()
	def, err := qdrant.Definition("docs", &qdrant.Native{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber:   1,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Euclid}),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	def.Partitioned = true
	for _, p := range parts {
		def.Partitions = append(def.Partitions, adapters.Partition{Name: p})
	}
	return def
}

// tenantPoints are n points of a tenant, ids base+1, base+3, ... (unique
// across tenants when the bases differ).
func tenantPoints(tenant string, base uint64, n int) []adapters.Point {
	ps := make([]adapters.Point, n)
	for i := range ps {
		ps[i] = adapters.Point{
			ID:      adapters.NumID(base + uint64(2*i+1)),
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(int(base), i, 4)}},
			Payload: map[string]any{"title": fmt.Sprintf("%s-%d", tenant, i), "i": int64(i)},
		}
	}
	return ps
}

func tenantData() map[string][]adapters.Point {
	return map[string][]adapters.Point{
		"a": tenantPoints("a", 100, 5),
		"b": tenantPoints("b", 200, 3),
		"c": tenantPoints("c", 300, 4),
	}
}

// loadTenants prepares the target from def and writes every tenant's points.
func loadTenants(t *testing.T, sink adapters.Sink, def *adapters.Collection, data map[string][]adapters.Point, onExists adapters.OnExists) {
	t.Helper()
	ctx := adaptertest.Ctx(t)
	if err := sink.Prepare(ctx, def, onExists); err != nil {
		t.Fatalf("prepare %s: %v", sink.Endpoint(), err)
	}
	for p, ps := range data {
		if err := sink.Write(ctx, p, ps); err != nil {
			t.Fatalf("write tenant %q: %v", p, err)
		}
	}
	if err := sink.Finish(ctx); err != nil {
		t.Fatalf("finish: %v", err)
	}
}

// assertTenants reads the source back: partitions, counts, every point
// (without any tenant field) paged two at a time, and Get.
func assertTenants(t *testing.T, src adapters.Source, want map[string][]adapters.Point) {
	t.Helper()
	ctx := adaptertest.Ctx(t)
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	var names []string
	for p := range want {
		names = append(names, p)
	}
	sort.Strings(names)
	if got := strings.Join(def.PartitionNames(), ","); !def.Partitioned || got != strings.Join(names, ",") {
		t.Fatalf("partitions = %v (partitioned %v); want %v", got, def.Partitioned, names)
	}
	for p, ps := range want {
		if n, err := src.Count(ctx, p); err != nil || n != uint64(len(ps)) {
			t.Errorf("count %q = %d, %v; want %d", p, n, err, len(ps))
		}
		got, err := adaptertest.ReadAll(ctx, src, p, 2)
		if err != nil {
			t.Fatalf("read %q: %v", p, err)
		}
		adaptertest.AssertPoints(t, verifyComparer(*def), ps, got)
		other := adapters.NumID(999_999)
		for q, qs := range want {
			if q != p {
				other = qs[0].ID
			}
		}
		gets, err := src.Get(ctx, p, []adapters.ID{ps[len(ps)-1].ID, other, adapters.NumID(123_456), ps[0].ID})
		if err != nil {
			t.Fatalf("get %q: %v", p, err)
		}
		wantGet := []adapters.Point{ps[0], ps[len(ps)-1]}
		if len(ps) == 1 {
			wantGet = ps
		}
		adaptertest.AssertPoints(t, verifyComparer(*def), wantGet, gets)
	}
	if _, err := src.Read(ctx, adapters.ReadRequest{Limit: 10}); adapters.KindOf(err) != adapters.KindInvalid {
		t.Errorf("read partition \"\" = %v; want KindInvalid (every read names a tenant)", err)
	}
}

func TestTenantField(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	name := tg.NewName(t, "tfield")
	url := tg.Endpoint(name) + "&tenant_field=tenant"
	sink := openSink(t, url, config(tg))
	data := tenantData()
	loadTenants(t, sink, tenantDef(t, "a", "b", "c"), data, adapters.ExistsFail)
	for p, ps := range data {
		for _, pt := range ps {
			if _, ok := pt.Payload["tenant"]; ok {
				t.Fatalf("Write added the tenant field to the caller's point %s of %q", pt.ID, p)
			}
		}
	}

	// On the server: one plain collection, each point with its tenant,
	// and the keyword index marked is_tenant.
	cl := tg.Client(t)
	info, err := cl.GetCollectionInfo(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if m := info.GetConfig().GetParams().GetShardingMethod(); m == qc.ShardingMethod_Custom {
		t.Errorf("sharding method = %s; want auto", m)
	}
	idx := info.GetPayloadSchema()["tenant"]
	if idx.GetDataType() != qc.PayloadSchemaType_Keyword || !idx.GetParams().GetKeywordIndexParams().GetIsTenant() {
		t.Errorf("index on \"tenant\" = %v; want keyword with is_tenant", idx)
	}
	got, err := cl.Get(ctx, &qc.GetPoints{CollectionName: name, Ids: []*qc.PointId{qc.NewIDNum(201)}, WithPayload: qc.NewWithPayload(true)})
	if err != nil || len(got) != 1 || got[0].GetPayload()["tenant"].GetStringValue() != "b" {
		t.Errorf("point 201 on the server = %v, %v; want payload tenant \"b\"", got, err)
	}

	src := openSource(t, url, config(tg))
	if want := "qdrant://" + strings.TrimPrefix(strings.Split(tg.Endpoint(name), "?")[0], "qdrant://") + "?tenant_field=tenant"; src.Endpoint() != want || sink.Endpoint() != want {
		t.Errorf("endpoints %q, %q; want %q", src.Endpoint(), sink.Endpoint(), want)
	}
	assertTenants(t, src, data)
	if n, err := src.Count(ctx, ""); err != nil || n != 12 {
		t.Errorf("count \"\" = %d, %v; want 12 (the whole collection)", n, err)
	}

	// No raw pass-through: its points would keep the field.
	if f := adapters.RawFormat(src, sink); f != "" {
		t.Errorf("raw format = %q; want none with a tenant field", f)
	}
	page, err := src.(adapters.RawReader).ReadRaw(ctx, adapters.ReadRequest{Partition: "b", Limit: 10})
	if err != nil || page.Batch != nil || len(page.Points) != 3 || page.Points[0].Payload["tenant"] != nil {
		t.Errorf("ReadRaw b = %d neutral points, batch %v, %v; want 3 neutral points without the field", len(page.Points), page.Batch, err)
	}

	// Snapshots copy one collection: refused.
	fs, err := src.(adapters.ServerCopier).PlanCopy(ctx, openSink(t, tg.Endpoint(tg.NewName(t, "snap")), config(tg)), adapters.CopyRequest{})
	if err != nil || len(fs) != 1 || !strings.Contains(fs[0].Message, "--method live") || !strings.Contains(fs[0].Message, `"tenant"`) {
		t.Errorf("plan a snapshot copy = %v, %v; want one error finding saying to use --method live", fs, err)
	}
}

func TestTenantFieldWrites(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	name := tg.NewName(t, "tfieldw")
	url := tg.Endpoint(name) + "&tenant_field=tenant"
	sink := openSink(t, url, config(tg))
	data := map[string][]adapters.Point{"a": tenantPoints("a", 100, 3), "b": tenantPoints("b", 200, 2)}
	loadTenants(t, sink, tenantDef(t, "a", "b"), data, adapters.ExistsFail)

	if err := sink.Prepare(ctx, tenantDef(t, "a", "b"), adapters.ExistsFail); adapters.KindOf(err) != adapters.KindExists {
		t.Errorf("prepare with fail on an existing collection = %v; want KindExists", err)
	}
	if fs := checkTarget(t, sink, tenantDef(t, "a", "d"), adapters.ExistsAppend); len(fs) != 0 {
		t.Errorf("check append = %v; want no findings", fs)
	}

	// A point that names another tenant is refused; the same tenant is fine.
	bad := tenantPoints("a", 500, 2)
	bad[1].Payload["tenant"] = "b"
	err := sink.Write(ctx, "a", bad)
	var rej *adapters.RejectedError
	if !errors.As(err, &rej) || len(rej.Rejected) != 1 || rej.Rejected[0].ID != bad[1].ID || !strings.Contains(err.Error(), `"tenant"`) {
		t.Errorf("write a point with tenant \"b\" to \"a\" = %v; want a rejection of point %s naming the field", err, bad[1].ID)
	}
	bad[1].Payload["tenant"] = "a"
	if err := sink.Write(ctx, "a", bad); err != nil {
		t.Errorf("write points whose tenant field is already \"a\": %v", err)
	}

	// A point id that another tenant holds stays with it.
	if err := sink.Write(ctx, "b", data["a"][:1]); err != nil {
		t.Fatalf("write a's point to b: %v", err)
	}
	src := openSource(t, url, config(tg))
	for p, want := range map[string]uint64{"a": 5, "b": 2} {
		if n, err := src.Count(ctx, p); err != nil || n != want {
			t.Errorf("count %q = %d, %v; want %d", p, n, err, want)
		}
	}

	// Append creates a missing tenant index and adds tenants.
	if _, err := tg.Client(t).DeleteFieldIndex(ctx, &qc.DeleteFieldIndexCollection{CollectionName: name, FieldName: "tenant", Wait: qc.PtrOf(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Describe(ctx); adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "keyword index") {
		t.Errorf("describe without the index = %v; want KindIncompatible saying to create a keyword index", err)
	}
	loadTenants(t, sink, tenantDef(t, "a", "d"), map[string][]adapters.Point{"d": tenantPoints("d", 400, 1)}, adapters.ExistsAppend)
	if def, err := src.Describe(ctx); err != nil || strings.Join(def.PartitionNames(), ",") != "a,b,d" {
		t.Errorf("after append, describe = %v, %v; want partitions a,b,d", def, err)
	}

	// Recreate starts afresh.
	loadTenants(t, sink, tenantDef(t, "c"), map[string][]adapters.Point{"c": tenantPoints("c", 300, 2)}, adapters.ExistsRecreate)
	assertTenants(t, src, map[string][]adapters.Point{"c": tenantPoints("c", 300, 2)})
}

// A point without the tenant field is not hidden: Describe refuses,
// naming the field, how many points and one of them.
func TestTenantFieldMissingOnPoint(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	name := tg.NewName(t, "tfieldm")
	plain := tenantDef(t)
	plain.Partitioned = false
	sink := openSink(t, tg.Endpoint(name), config(tg))
	ps := tenantPoints("a", 0, 3)
	ps[0].Payload["tenant"], ps[1].Payload["tenant"] = "a", "b"
	loadTenants(t, sink, plain, map[string][]adapters.Point{"": ps}, adapters.ExistsFail)
	src := openSource(t, tg.Endpoint(name)+"&tenant_field=tenant", config(tg))
	if _, err := src.Describe(ctx); adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "keyword index") {
		t.Errorf("describe without an index = %v; want KindIncompatible saying to create one", err)
	}
	cl := tg.Client(t)
	if _, err := cl.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{CollectionName: name, FieldName: "tenant", FieldType: qc.FieldType_FieldTypeKeyword.Enum(), Wait: qc.PtrOf(true)}); err != nil {
		t.Fatal(err)
	}
	_, err := src.Describe(ctx)
	if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), `1 of the 3 points`) || !strings.Contains(err.Error(), `payload field "tenant" (point 5 is one)`) {
		t.Errorf("describe with a point lacking the field = %v; want KindIncompatible naming the field, the count and point 5", err)
	}
	ps[2].Payload["tenant"] = int64(7) // not a string: not in the keyword index
	if err := sink.Write(ctx, "", ps[2:]); err != nil {
		t.Fatal(err)
	}
	if _, err = src.Describe(ctx); adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "not one string") {
		t.Errorf("describe with a numeric tenant = %v; want KindIncompatible saying it is not one string", err)
	}
}

func TestCollectionPerTenant(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	base := tg.NewName(t, "tcoll")
	cl := tg.Client(t)
	t.Cleanup(func() {
		for _, p := range []string{"a", "b", "c", "d", "x"} {
			_ = cl.DeleteCollection(ctx, base+"_"+p)
		}
	})
	url := tg.Endpoint(base + "_{tenant}")
	sink := openSink(t, url, config(tg))
	data := tenantData()
	loadTenants(t, sink, tenantDef(t, "a", "b", "c"), data, adapters.ExistsFail)

	for p, ps := range data {
		info, err := cl.GetCollectionInfo(ctx, base+"_"+p)
		if err != nil {
			t.Fatalf("collection of tenant %q: %v", p, err)
		}
		if m := info.GetConfig().GetParams().GetShardingMethod(); m == qc.ShardingMethod_Custom {
			t.Errorf("collection %s_%s is custom-sharded", base, p)
		}
		if n, err := cl.Count(ctx, &qc.CountPoints{CollectionName: base + "_" + p, Exact: qc.PtrOf(true)}); err != nil || n != uint64(len(ps)) {
			t.Errorf("server count of %s_%s = %d, %v; want %d", base, p, n, err, len(ps))
		}
	}

	escaped := strings.Replace(url, "{tenant}", "%7Btenant%7D", 1)
	src := openSource(t, escaped, config(tg))
	if want := strings.Split(url, "?")[0]; src.Endpoint() != want || sink.Endpoint() != want {
		t.Errorf("endpoints %q, %q; want %q", src.Endpoint(), sink.Endpoint(), want)
	}
	assertTenants(t, src, data)
	if f := adapters.RawFormat(src, sink); f != qdrant.PointFormat {
		t.Errorf("raw format = %q; want %q between single collections", f, qdrant.PointFormat)
	}
	page, err := readPage(ctx, src, adapters.ReadRequest{Partition: "c", Limit: 10}, true)
	if err != nil || page.len() != 4 || !page.done {
		t.Errorf("raw read of c = %d points, done %v, %v; want 4, true", page.len(), page.done, err)
	}
	fs, err := src.(adapters.ServerCopier).PlanCopy(ctx, openSink(t, tg.Endpoint(tg.NewName(t, "snap")), config(tg)), adapters.CopyRequest{})
	if err != nil || len(fs) != 1 || !strings.Contains(fs[0].Message, "--method live") {
		t.Errorf("plan a snapshot copy = %v, %v; want one error finding saying to use --method live", fs, err)
	}
}

func TestCollectionPerTenantExists(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	base := tg.NewName(t, "tcolle")
	cl := tg.Client(t)
	t.Cleanup(func() {
		for _, p := range []string{"a", "b", "c", "d", "x"} {
			_ = cl.DeleteCollection(ctx, base+"_"+p)
		}
	})
	url := tg.Endpoint(base + "_{tenant}")
	sink := openSink(t, url, config(tg))
	src := openSource(t, url, config(tg))
	if _, err := src.Describe(ctx); adapters.KindOf(err) != adapters.KindNotFound || !strings.Contains(err.Error(), base+"_{tenant}") {
		t.Errorf("describe with no collection = %v; want KindNotFound naming the pattern", err)
	}
	if ok, err := sink.Exists(ctx); ok || err != nil {
		t.Errorf("exists before = %v, %v; want false", ok, err)
	}
	data := map[string][]adapters.Point{"a": tenantPoints("a", 100, 3), "b": tenantPoints("b", 200, 2)}
	loadTenants(t, sink, tenantDef(t, "a", "b"), data, adapters.ExistsFail)
	if ok, err := sink.Exists(ctx); !ok || err != nil {
		t.Errorf("exists after = %v, %v; want true", ok, err)
	}
	if err := sink.Prepare(ctx, tenantDef(t, "a"), adapters.ExistsFail); adapters.KindOf(err) != adapters.KindExists {
		t.Errorf("prepare with fail = %v; want KindExists", err)
	}
	fs := checkTarget(t, sink, tenantDef(t, "a", "d"), adapters.ExistsAppend)
	if len(fs) != 1 || fs[0].Level != adapters.LevelNote || !strings.Contains(fs[0].Message, base+"_d") {
		t.Errorf("check append = %v; want one note that %s_d will be created", fs, base)
	}

	// Append keeps a's points and creates d.
	loadTenants(t, sink, tenantDef(t, "a", "d"), map[string][]adapters.Point{"d": tenantPoints("d", 400, 1)}, adapters.ExistsAppend)
	assertTenants(t, src, map[string][]adapters.Point{"a": data["a"], "b": data["b"], "d": tenantPoints("d", 400, 1)})

	// Recreate deletes every matching collection, b and d included.
	loadTenants(t, sink, tenantDef(t, "c"), map[string][]adapters.Point{"c": tenantPoints("c", 300, 2)}, adapters.ExistsRecreate)
	assertTenants(t, src, map[string][]adapters.Point{"c": tenantPoints("c", 300, 2)})

	// A tenant whose collection has other vectors is refused by name.
	if err := cl.CreateCollection(ctx, &qc.CreateCollection{CollectionName: base + "_x",
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 8, Distance: qc.Distance_Euclid})}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Describe(ctx); adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), base+"_x") || !strings.Contains(err.Error(), "8-d") {
		t.Errorf("describe with a different collection = %v; want KindIncompatible naming %s_x and its vectors", err, base)
	}
}

// Endpoints that mix or misspell the layouts are refused before connecting.
func TestTenantEndpointErrors(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	for url, want := range map[string]string{
		"qdrant://127.0.0.1:1/docs_{tenant}?tenant_field=t": "two layouts",
		"qdrant://127.0.0.1:1/{tenant}":                     "every collection",
		"qdrant://127.0.0.1:1/docs_{tenant}_{tenant}":       "more than once",
		"qdrant://127.0.0.1:1/docs_{Tenant}":                "placeholder",
		"qdrant://127.0.0.1:1/docs?tenant_field=":           "names no payload field",
	} {
		_, err := registry.OpenSink(ctx, url, adapters.Config{})
		if adapters.KindOf(err) != adapters.KindInvalid || !strings.Contains(err.Error(), want) {
			t.Errorf("open %s = %v; want KindInvalid saying %q", url, err, want)
		}
	}
}
