package file_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/file"
	"github.com/vecmig/vecmig/verify"
)

var update = flag.Bool("update", false, "regenerate testdata/demo")

// demoDir is the committed demo dump: a Weaviate class "Article" of 5000
// objects with 64-d vectors.
var demoDir = filepath.Join("..", "..", "testdata", "demo")

// demoClass is the class as Weaviate 1.35 returns it from
// GET /v1/schema/Article (written by hand).
const demoClass = `{
  "class": "Article",
  "description": "News articles of the vecmig demo dump",
  "invertedIndexConfig": {
    "bm25": {"b": 0.75, "k1": 1.2},
    "cleanupIntervalSeconds": 60,
    "indexNullState": false,
    "indexPropertyLength": false,
    "indexTimestamps": false,
    "stopwords": {"additions": null, "preset": "en", "removals": null},
    "usingBlockMaxWAND": true
  },
  "multiTenancyConfig": {"autoTenantActivation": false, "autoTenantCreation": false, "enabled": false},
  "properties": [
    {"dataType": ["text"], "description": "Headline", "indexFilterable": true, "indexRangeFilters": false, "indexSearchable": true, "name": "title", "tokenization": "word"},
    {"dataType": ["text"], "description": "Article text", "indexFilterable": true, "indexRangeFilters": false, "indexSearchable": true, "name": "body", "tokenization": "word"},
    {"dataType": ["int"], "description": "Words in body", "indexFilterable": true, "indexRangeFilters": false, "indexSearchable": false, "name": "wordCount"},
    {"dataType": ["number"], "description": "Reader rating from 0 to 5", "indexFilterable": true, "indexRangeFilters": false, "indexSearchable": false, "name": "rating"},
    {"dataType": ["date"], "description": "Publication time", "indexFilterable": true, "indexRangeFilters": false, "indexSearchable": false, "name": "published"},
    {"dataType": ["text[]"], "description": "Topics", "indexFilterable": true, "indexRangeFilters": false, "indexSearchable": true, "name": "tags", "tokenization": "field"}
  ],
  "replicationConfig": {"asyncEnabled": false, "deletionStrategy": "NoAutomatedResolution", "factor": 1},
  "shardingConfig": {
    "actualCount": 1, "actualVirtualCount": 128, "desiredCount": 1, "desiredVirtualCount": 128,
    "function": "murmur3", "key": "_id", "strategy": "hash", "virtualPerPhysical": 128
  },
  "vectorIndexConfig": {
    "bq": {"enabled": false},
    "cleanupIntervalSeconds": 300,
    "distance": "cosine",
    "dynamicEfFactor": 8,
    "dynamicEfMax": 500,
    "dynamicEfMin": 100,
    "ef": -1,
    "efConstruction": 128,
    "filterStrategy": "sweeping",
    "flatSearchCutoff": 40000,
    "maxConnections": 32,
    "pq": {"bitCompression": false, "centroids": 256, "enabled": false, "encoder": {"distribution": "log-normal", "type": "kmeans"}, "segments": 0, "trainingLimit": 100000},
    "skip": false,
    "sq": {"enabled": false, "rescoreLimit": 20, "trainingLimit": 100000},
    "vectorCacheMaxObjects": 1000000000000
  },
  "vectorIndexType": "hnsw",
  "vectorizer": "none"
}`

// demoDef is the definition a Weaviate source reports for the class: one
// class-level vector (DefaultVector) whose size Weaviate does not fix.
func demoDef() *adapters.Collection {
	return &adapters.Collection{
		Engine:  "weaviate",
		Name:    "Article",
		Vectors: map[string]adapters.VectorSpec{adapters.DefaultVector: {Kind: "dense", Distance: adapters.Cosine}},
		Native:  json.RawMessage(demoClass),
	}
}

var (
	demoWords = strings.Fields(`the a market city council river study team report season energy price
		water school road data storm harvest museum court festival bridge vote research plan local
		new old early late record quiet strong rising falling public private north south open closed
		announced reviewed delayed approved rejected measured opened closed expanded reduced praised`)
	demoTopics = []string{"politics", "science", "sports", "economy", "culture", "weather", "health", "tech"}
)

// demoPoints are the 5000 objects of the demo dump, in ID order, the same
// on every run.
func demoPoints() []adapters.Point {
	pts := make([]adapters.Point, 0, 5000)
	for i := 0; i < 5000; i++ {
		pts = append(pts, demoArticle(i))
	}
	adaptertest.SortPoints(pts)
	return pts
}

// demoArticle is article i of the demo dumps: a UUID, a 64-d vector and
// the six properties of the Article class.
func demoArticle(i int) adapters.Point {
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	x := uint64(i)*0x9e3779b97f4a7c15 + 12345
	next := func() int {
		x ^= x >> 33
		x *= 0xff51afd7ed558ccd
		x ^= x >> 29
		return int(x >> 33)
	}
	words := make([]string, 8+next()%17)
	for k := range words {
		words[k] = demoWords[next()%len(demoWords)]
	}
	body := strings.ToUpper(words[0][:1]) + words[0][1:] + " " + strings.Join(words[1:], " ") + "."
	var tags []any
	for k, n := 0, 1+next()%3; k < n; k++ {
		tags = append(tags, demoTopics[(i+k*3)%len(demoTopics)])
	}
	return adapters.Point{
		ID:      adaptertest.UUIDFor("vecmig-demo-article", i),
		Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(2024, i, 64)}},
		Payload: map[string]any{
			"title":     fmt.Sprintf("%s %s %s (#%d)", strings.ToUpper(words[1][:1])+words[1][1:], words[2], words[3], i),
			"body":      body,
			"wordCount": int64(len(words)),
			"rating":    float64(next()%51) / 10, // 0.0 to 5.0; whole numbers stay floats
			"published": base.Add(time.Duration(i) * 7 * time.Hour).Add(time.Duration(next()%3600) * time.Second).Format(time.RFC3339),
			"tags":      tags,
		},
	}
}

// TestDemoDump checks the committed demo dump reads back complete and
// intact; with -update it writes it again.
func TestDemoDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	url := "file://" + demoDir
	want := demoPoints()
	if *update {
		sink := openSink(t, url)
		if err := sink.Prepare(ctx, demoDef(), adapters.ExistsRecreate); err != nil {
			t.Fatal(err)
		}
		writeBatches(t, sink, "", want, 250)
		if err := sink.Finish(ctx); err != nil {
			t.Fatal(err)
		}
	}

	src := openSource(t, url)
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatalf("describe the demo dump: %v (regenerate it with go test ./adapters/file -run TestDemoDump -update)", err)
	}
	if def.Engine != "weaviate" || def.Name != "Article" {
		t.Errorf("demo dump holds %s %q; want weaviate Article", def.Engine, def.Name)
	}
	var class struct {
		Class      string `json:"class"`
		Vectorizer string `json:"vectorizer"`
		Properties []struct {
			Name     string   `json:"name"`
			DataType []string `json:"dataType"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(def.Native, &class); err != nil || class.Class != "Article" || class.Vectorizer != "none" || len(class.Properties) != 6 {
		t.Errorf("native class = %+v, %v", class, err)
	}
	if n, err := src.Count(ctx, ""); err != nil || n != 5000 {
		t.Errorf("Count = %d, %v; want 5000", n, err)
	}
	ep, _ := adapters.ParseEndpoint(url)
	if info, err := file.Inspect(ctx, ep); err != nil || info.Counts[""] != 5000 || !strings.Contains(info.Version, "complete") ||
		info.Definition == nil || info.Definition.Engine != "weaviate" {
		t.Errorf("inspect = %+v, %v", info, err)
	}
	// Reading to the end checks the file's SHA-256 against the manifest.
	got := readAll(t, src, "")
	adaptertest.AssertPoints(t, &verify.Comparer{Src: demoDef(), Dst: def, Tol: verify.Tolerance{}}, want, got)
	for _, p := range got {
		checkArticle(t, p)
		if t.Failed() {
			break
		}
	}

	var size int64
	entries, _ := os.ReadDir(demoDir)
	for _, e := range entries {
		info, _ := e.Info()
		size += info.Size()
	}
	if size > 3<<20 {
		t.Errorf("the demo dump takes %d bytes; keep it under 3 MiB", size)
	}
}

// checkArticle checks a payload has the Go types the Weaviate schema needs.
func checkArticle(t *testing.T, p adapters.Point) {
	t.Helper()
	pl := p.Payload
	_, ok1 := pl["title"].(string)
	_, ok2 := pl["body"].(string)
	_, ok3 := pl["wordCount"].(int64)
	_, ok4 := pl["rating"].(float64)
	date, ok5 := pl["published"].(string)
	tags, ok6 := pl["tags"].([]any)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || len(pl) != 6 {
		t.Errorf("object %s: payload %#v does not fit the Article class", p.ID, pl)
		return
	}
	if _, err := time.Parse(time.RFC3339, date); err != nil {
		t.Errorf("object %s: published %q is not RFC 3339", p.ID, date)
	}
	for _, tag := range tags {
		if _, ok := tag.(string); !ok {
			t.Errorf("object %s: tag %#v is not a string", p.ID, tag)
		}
	}
	if v := p.Vectors[adapters.DefaultVector].Dense; len(v) != 64 {
		t.Errorf("object %s: vector of %d dimensions; want 64", p.ID, len(v))
	}
}
