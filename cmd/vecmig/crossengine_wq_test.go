package main

// Weaviate -> Qdrant: classes of every kind, and a multi-tenant class in
// each of the three tenant layouts, checked on Qdrant itself.

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// loadWeaviate loads fx into a fresh class on w and returns its URL.
func loadWeaviate(t *testing.T, w *weaviatetest.Node, fx adaptertest.Fixture) string {
	t.Helper()
	url := w.Endpoint(newClass(t, w, fx.Name))
	adaptertest.Load(t, all.Registry(), adapters.Config{}, url, fx)
	return url
}

var weaviatePlacesClass = `{
  "class": "Places",
  "vectorizer": "none",
  "vectorIndexConfig": {"distance": "dot"},
  "properties": [
    {"name": "name", "dataType": ["text"]},
    {"name": "loc", "dataType": ["geoCoordinates"]},
    {"name": "when", "dataType": ["date"]},
    {"name": "uid", "dataType": ["uuid"]},
    {"name": "rank", "dataType": ["int"]}
  ]
}`

// weaviatePlaces is a class with geo coordinates, dates and uuids.
func weaviatePlaces(n int) adaptertest.Fixture {
	fx := adaptertest.Fixture{Name: "places", Points: map[string][]adapters.Point{}, Def: &adapters.Collection{
		Engine: "weaviate", Name: "Places", Native: json.RawMessage(weaviatePlacesClass),
		Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Dot, Datatype: "float32"}},
	}}
	for i := 0; i < n; i++ {
		fx.Points[""] = append(fx.Points[""], adapters.Point{
			ID:      adaptertest.UUIDFor("ce-places", i),
			Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(31, i, 8)}},
			Payload: map[string]any{
				"name": fmt.Sprintf("place %d", i),
				"loc":  map[string]any{"latitude": 48 + float64(i%32)/4, "longitude": 2.5 - float64(i%8)/8},
				"when": fmt.Sprintf("2023-%02d-%02dT10:00:00Z", 1+i%12, 1+i%28),
				"uid":  adaptertest.UUIDFor("ce-uid", i).String(),
				"rank": int64(i),
			},
		})
	}
	adaptertest.SortPoints(fx.Points[""])
	return fx
}

// qdrantPayloads turns Weaviate points into the points Qdrant must hold:
// the same ids and vectors, geo {latitude, longitude} as {lat, lon}.
func qdrantPayloads(ps []adapters.Point, geo ...string) []adapters.Point {
	out := make([]adapters.Point, len(ps))
	for i, p := range ps {
		pl := make(map[string]any, len(p.Payload))
		for k, v := range p.Payload {
			pl[k] = v
		}
		for _, g := range geo {
			if m, ok := pl[g].(map[string]any); ok {
				pl[g] = map[string]any{"lat": m["latitude"], "lon": m["longitude"]}
			}
		}
		out[i] = adapters.Point{ID: p.ID, Vectors: p.Vectors, Payload: pl}
	}
	return out
}

// assertIndexes checks the Qdrant collection has a payload index on each
// field, of one of the types given.
func assertIndexes(t *testing.T, q *qdranttest.Node, coll string, want map[string][]qc.PayloadSchemaType) {
	t.Helper()
	info, err := q.Client(t).GetCollectionInfo(adaptertest.Ctx(t), coll)
	if err != nil {
		t.Fatal(err)
	}
	for field, types := range want {
		got, ok := info.GetPayloadSchema()[field]
		if !ok {
			t.Errorf("collection %s has no payload index on %q (want %v); it has %v", coll, field, types, sortedKeys(info.GetPayloadSchema()))
			continue
		}
		if !containsType(types, got.GetDataType()) {
			t.Errorf("collection %s: payload index on %q is %s, want %v", coll, field, got.GetDataType(), types)
		}
	}
}

func containsType(ts []qc.PayloadSchemaType, t qc.PayloadSchemaType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

var (
	textIndex = []qc.PayloadSchemaType{qc.PayloadSchemaType_Text, qc.PayloadSchemaType_Keyword}
	intIndex  = []qc.PayloadSchemaType{qc.PayloadSchemaType_Integer}
)

// TestCrossEngineWeaviateToQdrant copies Weaviate classes to Qdrant and
// reads Qdrant back: ids, payload (geo as {lat, lon}), vectors, indexes.
func TestCrossEngineWeaviateToQdrant(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	fxs := adaptertest.WeaviateFixtures(150)
	cases := []struct {
		fx      adaptertest.Fixture
		vectors map[string]adapters.VectorSpec
		indexes map[string][]qc.PayloadSchemaType
		geo     []string
	}{
		{adaptertest.FixtureNamed(t, fxs, "plain"),
			map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 32, Distance: adapters.Cosine, Normalized: true}},
			map[string][]qc.PayloadSchemaType{
				"title": textIndex, "tags": textIndex, "count": intIndex, "big": intIndex, "nums": intIndex,
				"score": {qc.PayloadSchemaType_Float}, "ratios": {qc.PayloadSchemaType_Float},
				"flag": {qc.PayloadSchemaType_Bool}, "created": {qc.PayloadSchemaType_Datetime}, "ref": {qc.PayloadSchemaType_Uuid},
			}, nil},
		{adaptertest.FixtureNamed(t, fxs, "named"),
			map[string]adapters.VectorSpec{
				"title":   {Kind: "dense", Size: 32, Distance: adapters.Cosine, Normalized: true},
				"body":    {Kind: "dense", Size: 16, Distance: adapters.Dot},
				"colbert": {Kind: "multi", Size: 8, Distance: adapters.Cosine, Normalized: true},
			},
			map[string][]qc.PayloadSchemaType{"title": textIndex, "n": intIndex}, nil},
		{weaviatePlaces(60),
			map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 8, Distance: adapters.Dot}},
			map[string][]qc.PayloadSchemaType{
				"name": textIndex, "rank": intIndex, "loc": {qc.PayloadSchemaType_Geo},
				"when": {qc.PayloadSchemaType_Datetime}, "uid": {qc.PayloadSchemaType_Uuid},
			}, []string{"loc"}},
	}
	for _, c := range cases {
		t.Run(c.fx.Name, func(t *testing.T) {
			from := loadWeaviate(t, w, c.fx)
			coll := q.NewName(t, c.fx.Name)
			to := q.Endpoint(coll)
			r := runVecmig(t, t.TempDir(), []string{"VECMIG_TO_API_KEY=" + q.APIKey}, "migrate", "--from", from, "--to", to, "--verify", "full")
			mustExit(t, r, 0)

			_, src := readPartitions(t, from, "")
			def, got := readPartitions(t, to, q.APIKey)
			assertVectorSpecs(t, def, c.vectors)
			assertHolds(t, def, got, map[string][]adapters.Point{"": qdrantPayloads(src[""], c.geo...)}, c.vectors)
			assertIndexes(t, q, coll, c.indexes)
		})
	}
}

// TestCrossEngineWeaviateTenantsToQdrant copies a multi-tenant class (one
// tenant COLD) in each --tenants-as layout and counts each tenant on
// Qdrant directly.
func TestCrossEngineWeaviateTenantsToQdrant(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(180), "tenants")
	from := loadWeaviate(t, w, fx)
	vectors := map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 16, Distance: adapters.Euclid}}
	cases := []struct {
		name  string
		args  []string
		read  func(coll string) string // the URL that reads the layout
		check func(t *testing.T, coll string)
	}{
		{"payload by default", nil,
			func(coll string) string { return q.Endpoint(coll) + "&tenant_field=tenant" },
			func(t *testing.T, coll string) { assertTenantField(t, q, coll, "tenant", fx) }},
		{"payload field org", []string{"--tenants-as", "payload", "--tenant-field", "org"},
			func(coll string) string { return q.Endpoint(coll) + "&tenant_field=org" },
			func(t *testing.T, coll string) { assertTenantField(t, q, coll, "org", fx) }},
		{"shard-key", []string{"--tenants-as", "shard-key"},
			func(coll string) string { return q.Endpoint(coll) },
			func(t *testing.T, coll string) { assertShardKeys(t, q, coll, fx) }},
		{"collections", []string{"--tenants-as", "collections"},
			func(coll string) string { return q.Endpoint(coll + "_{tenant}") },
			func(t *testing.T, coll string) { assertTenantCollections(t, q, coll, fx) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			coll := q.NewName(t, "tenants")
			dropTenantCollectionsLater(t, q, coll, fx)
			args := append([]string{"migrate", "--from", from, "--to", q.Endpoint(coll), "--verify", "full"}, c.args...)
			mustExit(t, runVecmig(t, t.TempDir(), []string{"VECMIG_TO_API_KEY=" + q.APIKey}, args...), 0)

			def, got := readPartitions(t, c.read(coll), q.APIKey)
			assertVectorSpecs(t, def, vectors)
			assertHolds(t, def, got, fx.Points, vectors)
			c.check(t, coll)
			for _, p := range fx.Def.Partitions {
				if s := tenantStatuses(t, from)[p.Name]; s != p.Status {
					t.Errorf("source tenant %s is %s after the copy, was %s", p.Name, s, p.Status)
				}
			}
		})
	}
}

// assertTenantField checks each tenant's points carry it in field, which
// has a keyword index marked is_tenant.
func assertTenantField(t *testing.T, q *qdranttest.Node, coll, field string, fx adaptertest.Fixture) {
	t.Helper()
	cl, ctx := q.Client(t), adaptertest.Ctx(t)
	info, err := cl.GetCollectionInfo(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	idx := info.GetPayloadSchema()[field]
	if idx.GetDataType() != qc.PayloadSchemaType_Keyword || !idx.GetParams().GetKeywordIndexParams().GetIsTenant() {
		t.Errorf("tenant field %q of %s has index %v, want a keyword index with is_tenant", field, coll, idx)
	}
	for tenant, ps := range fx.Points {
		n, err := cl.Count(ctx, &qc.CountPoints{CollectionName: coll, Exact: ptrTo(true),
			Filter: &qc.Filter{Must: []*qc.Condition{qc.NewMatchKeyword(field, tenant)}}})
		if err != nil {
			t.Fatal(err)
		}
		if n != uint64(len(ps)) {
			t.Errorf("%d points of %s have %s=%q; tenant %s has %d objects", n, coll, field, tenant, tenant, len(ps))
		}
	}
}

// assertShardKeys checks one custom shard key per tenant, each holding
// that tenant's points.
func assertShardKeys(t *testing.T, q *qdranttest.Node, coll string, fx adaptertest.Fixture) {
	t.Helper()
	cl, ctx := q.Client(t), adaptertest.Ctx(t)
	keys, err := cl.ListShardKeys(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.GetKey().GetKeyword())
	}
	if fmt.Sprint(sortedStrings(names)) != fmt.Sprint(sortedKeys(fx.Points)) {
		t.Errorf("shard keys of %s are %v, want the tenants %v", coll, names, sortedKeys(fx.Points))
	}
	for tenant, ps := range fx.Points {
		n, err := cl.Count(ctx, &qc.CountPoints{CollectionName: coll, Exact: ptrTo(true), ShardKeySelector: &qc.ShardKeySelector{ShardKeys: []*qc.ShardKey{qc.NewShardKeyKeyword(tenant)}}})
		if err != nil {
			t.Fatal(err)
		}
		if n != uint64(len(ps)) {
			t.Errorf("shard key %q of %s holds %d points; tenant %s has %d objects", tenant, coll, n, tenant, len(ps))
		}
	}
}

// assertTenantCollections checks one collection COLL_TENANT per tenant.
func assertTenantCollections(t *testing.T, q *qdranttest.Node, coll string, fx adaptertest.Fixture) {
	t.Helper()
	cl, ctx := q.Client(t), adaptertest.Ctx(t)
	if ok, _ := cl.CollectionExists(ctx, coll); ok {
		t.Errorf("collection %s exists: with one collection per tenant only %s_TENANT should", coll, coll)
	}
	for tenant, ps := range fx.Points {
		n, err := cl.Count(ctx, &qc.CountPoints{CollectionName: coll + "_" + tenant, Exact: ptrTo(true)})
		if err != nil {
			t.Errorf("count collection %s_%s: %v", coll, tenant, err)
			continue
		}
		if n != uint64(len(ps)) {
			t.Errorf("collection %s_%s holds %d points; tenant %s has %d objects", coll, tenant, n, tenant, len(ps))
		}
	}
}

// dropTenantCollectionsLater deletes COLL_TENANT for every tenant of fx
// when the test ends.
func dropTenantCollectionsLater(t *testing.T, q *qdranttest.Node, coll string, fx adaptertest.Fixture) {
	cl := q.Client(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for tenant := range fx.Points {
			cl.DeleteCollection(ctx, coll+"_"+tenant)
		}
	})
}

func sortedStrings(s []string) []string {
	m := map[string]bool{}
	for _, x := range s {
		m[x] = true
	}
	return sortedKeys(m)
}

// TestCrossEngineColdTenantsToQdrant copies a class whose tenants are all
// inactive: the Qdrant vector size comes from objects read with the
// tenants activated one at a time, every object is copied, and the
// tenants are put back to COLD.
func TestCrossEngineColdTenantsToQdrant(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(60), "tenants")
	fx.Def = fx.Def.Clone()
	for i := range fx.Def.Partitions {
		fx.Def.Partitions[i].Status = "COLD"
	}
	from := loadWeaviate(t, w, fx)
	coll := q.NewName(t, "cold")
	mustExit(t, runVecmig(t, t.TempDir(), []string{"VECMIG_TO_API_KEY=" + q.APIKey},
		"migrate", "--from", from, "--to", q.Endpoint(coll), "--verify", "full"), 0)

	vectors := map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 16, Distance: adapters.Euclid}}
	def, got := readPartitions(t, q.Endpoint(coll)+"&tenant_field=tenant", q.APIKey)
	assertVectorSpecs(t, def, vectors)
	assertHolds(t, def, got, fx.Points, vectors)
	for name, s := range tenantStatuses(t, from) {
		if s != "COLD" {
			t.Errorf("source tenant %s is %s after the copy, was COLD", name, s)
		}
	}
}
