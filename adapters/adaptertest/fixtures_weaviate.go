package adaptertest

import (
	"encoding/json"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// Weaviate keeps integers exactly only up to 2^53: every write path (REST
// JSON, gRPC struct values) carries them as float64 (seen on 1.35.2:
// 2^53+1 is stored as 2^53). The fixtures stay within that range.
const maxWeaviateInt = int64(1) << 53

var weaviatePlainClass = `{
  "class": "Plain",
  "description": "vecmig fixture: every property type",
  "vectorizer": "none",
  "vectorIndexType": "hnsw",
  "vectorIndexConfig": {"distance": "cosine"},
  "properties": [
    {"name": "title", "dataType": ["text"]},
    {"name": "count", "dataType": ["int"]},
    {"name": "big", "dataType": ["int"]},
    {"name": "score", "dataType": ["number"]},
    {"name": "flag", "dataType": ["boolean"]},
    {"name": "created", "dataType": ["date"]},
    {"name": "ref", "dataType": ["uuid"]},
    {"name": "tags", "dataType": ["text[]"]},
    {"name": "nums", "dataType": ["int[]"]},
    {"name": "ratios", "dataType": ["number[]"]},
    {"name": "meta", "dataType": ["object"], "nestedProperties": [
      {"name": "level", "dataType": ["int"]},
      {"name": "label", "dataType": ["text"]},
      {"name": "inner", "dataType": ["object"], "nestedProperties": [
        {"name": "ok", "dataType": ["boolean"]},
        {"name": "ratio", "dataType": ["number"]}
      ]}
    ]},
    {"name": "items", "dataType": ["object[]"], "nestedProperties": [
      {"name": "k", "dataType": ["text"]},
      {"name": "v", "dataType": ["int"]}
    ]}
  ]
}`

var weaviateNamedClass = `{
  "class": "Named",
  "description": "vecmig fixture: named and multi-vectors",
  "vectorConfig": {
    "title": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"}},
    "body": {"vectorizer": {"none": {}}, "vectorIndexType": "flat", "vectorIndexConfig": {"distance": "dot"}},
    "colbert": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine", "multivector": {"enabled": true}}}
  },
  "properties": [
    {"name": "title", "dataType": ["text"]},
    {"name": "n", "dataType": ["int"]}
  ]
}`

var weaviateTenantClass = `{
  "class": "Tenants",
  "description": "vecmig fixture: multi-tenant",
  "vectorizer": "none",
  "vectorIndexType": "hnsw",
  "vectorIndexConfig": {"distance": "l2-squared"},
  "multiTenancyConfig": {"enabled": true},
  "properties": [
    {"name": "title", "dataType": ["text"]},
    {"name": "n", "dataType": ["int"]}
  ]
}`

var weaviateUnicode = []string{"naïve café", "日本語テキスト", "emoji 🚀", "Ελληνικά", "\"quoted\"\n\ttab"}

func weaviateDense(dist adapters.Distance) adapters.VectorSpec {
	return adapters.VectorSpec{Kind: "dense", Distance: dist, Datatype: "float32"}
}

// WeaviatePlainPayload is the payload of point i of the plain Weaviate
// fixture: every property type, some properties absent.
func WeaviatePlainPayload(i int) map[string]any {
	r := newRnd(i, 41)
	p := map[string]any{
		"title":   fmt.Sprintf("%s %d", weaviateUnicode[i%len(weaviateUnicode)], i),
		"count":   int64(i),
		"big":     maxWeaviateInt - int64(i), // 2^53 and just below: the edge of exact
		"score":   float64(r.next()%100000) / 1000,
		"flag":    i%2 == 0,
		"created": fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02dZ", 1+i%12, 1+i%28, i%24, i%60, (i*7)%60),
		"ref":     UUIDFor("ref", i).String(),
		"tags":    []any{"t" + fmt.Sprint(i%5), "all", weaviateUnicode[(i+1)%len(weaviateUnicode)]},
		"nums":    []any{int64(i), -int64(i) * 7, maxWeaviateInt - 1},
		"ratios":  []any{0.5, float64(i) / 4, -1.25e-3},
		"meta": map[string]any{
			"level": int64(i % 3),
			"label": "lvl " + fmt.Sprint(i%3),
			"inner": map[string]any{"ok": i%3 == 0, "ratio": float64(i%10) / 8},
		},
		"items": []any{
			map[string]any{"k": "a", "v": int64(i)},
			map[string]any{"k": "b" + fmt.Sprint(i%4), "v": -int64(i)},
		},
	}
	if i%7 == 0 {
		delete(p, "score")
		delete(p, "tags")
	}
	if i%5 == 0 {
		delete(p, "meta")
		delete(p, "ref")
	}
	if i%11 == 0 {
		delete(p, "items")
	}
	return p
}

// WeaviateFixtures returns the Weaviate fixtures with n points each (the
// multi-tenant one spreads about n points over three tenants): a plain
// class with every property type, a class with named and multi-vectors,
// and a multi-tenant class with an inactive (COLD) tenant.
func WeaviateFixtures(n int) []Fixture {
	if n < 12 {
		n = 12
	}
	plain := Fixture{
		Name: "plain",
		Def: &adapters.Collection{
			Engine:  "weaviate",
			Name:    "Plain",
			Vectors: map[string]adapters.VectorSpec{adapters.DefaultVector: weaviateDense(adapters.Cosine)},
			Native:  json.RawMessage(weaviatePlainClass),
		},
		Points: map[string][]adapters.Point{},
	}
	var ps []adapters.Point
	for i := 0; i < n; i++ {
		ps = append(ps, adapters.Point{
			ID:      UUIDFor("wv-plain", i),
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: Dense(1, i, 32)}},
			Payload: WeaviatePlainPayload(i),
		})
	}
	SortPoints(ps)
	plain.Points[""] = ps

	named := Fixture{
		Name: "named",
		Def: &adapters.Collection{
			Engine: "weaviate",
			Name:   "Named",
			Vectors: map[string]adapters.VectorSpec{
				"title":   weaviateDense(adapters.Cosine),
				"body":    weaviateDense(adapters.Dot),
				"colbert": {Kind: "multi", Distance: adapters.Cosine, Datatype: "float32"},
			},
			Native: json.RawMessage(weaviateNamedClass),
		},
		Points: map[string][]adapters.Point{},
	}
	ps = nil
	for i := 0; i < n; i++ {
		vs := map[string]adapters.Vector{
			"title":   {Dense: Dense(2, i, 32)},
			"body":    {Dense: Dense(3, i, 16)},
			"colbert": {Multi: Multi(4, i, 4, 8)},
		}
		if i%4 == 1 {
			delete(vs, "body") // a point may lack a named vector
		}
		if i%6 == 2 {
			delete(vs, "colbert")
		}
		ps = append(ps, adapters.Point{
			ID:      UUIDFor("wv-named", i),
			Vectors: vs,
			Payload: map[string]any{"title": weaviateUnicode[i%len(weaviateUnicode)], "n": int64(i)},
		})
	}
	SortPoints(ps)
	named.Points[""] = ps

	mt := Fixture{
		Name: "tenants",
		Def: &adapters.Collection{
			Engine:      "weaviate",
			Name:        "Tenants",
			Vectors:     map[string]adapters.VectorSpec{adapters.DefaultVector: weaviateDense(adapters.Euclid)},
			Partitioned: true,
			Partitions: []adapters.Partition{
				{Name: "alpha", Status: "HOT"},
				{Name: "beta", Status: "HOT"},
				{Name: "gamma", Status: "COLD"},
			},
			Native: json.RawMessage(weaviateTenantClass),
		},
		Points: map[string][]adapters.Point{},
	}
	for k, t := range []struct {
		name string
		n    int
	}{{"alpha", n / 2}, {"beta", n / 3}, {"gamma", n / 6}} {
		ps = nil
		for i := 0; i < t.n; i++ {
			ps = append(ps, adapters.Point{
				ID:      UUIDFor("wv-tenant-"+t.name, i),
				Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: Dense(5+k, i, 16)}},
				Payload: map[string]any{"title": t.name + " " + fmt.Sprint(i), "n": int64(i)},
			})
		}
		SortPoints(ps)
		mt.Points[t.name] = ps
	}
	return []Fixture{plain, named, mt}
}
