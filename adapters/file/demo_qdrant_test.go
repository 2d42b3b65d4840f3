package file_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/file"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/verify"
)

// demoQdrantDir is the committed Qdrant demo dump: collection "articles",
// the first 4000 articles of the Weaviate demo dump with integer ids 1 to
// 4000 and their vectors at unit length, as a Cosine collection returns
// them (4000, not 5000: the dump stays under 2 MB).
var demoQdrantDir = filepath.Join("..", "..", "testdata", "demo-qdrant")

// demoQdrantNative is the collection as vecmig's Qdrant adapter describes it
// on Qdrant 1.18.3 after creating it with a 64-d Cosine vector and payload
// indexes on tags (keyword), published (datetime) and rating (float),
// everything else left at the server's defaults (recorded from a real node).
const demoQdrantNative = `{"config":{"hnsw_config":{"ef_construct":"100","full_scan_threshold":"10000","m":"16","max_indexing_threads":"0","on_disk":false},` +
	`"optimizer_config":{"default_segment_number":"0","deleted_threshold":0.2,"flush_interval_sec":"5","indexing_threshold":"10000","max_optimization_threads":{"setting":"Auto"},"vacuum_min_vector_number":"1000"},` +
	`"params":{"on_disk_payload":true,"replication_factor":1,"shard_number":1,"vectors_config":{"params":{"distance":"Cosine","size":"64"}},"write_consistency_factor":1},` +
	`"wal_config":{"wal_capacity_mb":"32","wal_retain_closed":"1","wal_segments_ahead":"0"}},` +
	`"format":1,"payload_schema":{"published":{"data_type":"Datetime"},"rating":{"data_type":"Float"},"tags":{"data_type":"Keyword"}}}`

// demoQdrantDef is the definition a Qdrant source reports for it, built by
// the adapter's own function so that the two cannot drift apart.
func demoQdrantDef(t *testing.T) *adapters.Collection {
	t.Helper()
	n, err := qdrant.ParseNative([]byte(demoQdrantNative))
	if err != nil {
		t.Fatal(err)
	}
	def, err := qdrant.Definition("articles", n)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

const demoQdrantCount = 4000

// demoQdrantPoints are the points of the Qdrant demo dump, in id order.
func demoQdrantPoints() []adapters.Point {
	pts := make([]adapters.Point, 0, demoQdrantCount)
	for i := 0; i < demoQdrantCount; i++ {
		p := demoArticle(i)
		p.ID = adapters.NumID(uint64(i + 1))
		v := p.Vectors[adapters.DefaultVector].Dense
		var sum float64
		for _, x := range v {
			sum += float64(x) * float64(x)
		}
		norm := math.Sqrt(sum)
		for k := range v {
			v[k] = float32(float64(v[k]) / norm)
		}
		pts = append(pts, p)
	}
	adaptertest.SortPoints(pts)
	return pts
}

// TestDemoQdrantDump checks the committed Qdrant demo dump reads back
// complete and intact, with a definition a Qdrant target can create; with
// -update it writes it again.
func TestDemoQdrantDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	url := "file://" + demoQdrantDir
	want := demoQdrantPoints()
	if *update {
		sink := openSink(t, url)
		if err := sink.Prepare(ctx, demoQdrantDef(t), adapters.ExistsRecreate); err != nil {
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
		t.Fatalf("describe the Qdrant demo dump: %v (regenerate it with go test ./adapters/file -run TestDemoQdrantDump -update)", err)
	}
	if def.Engine != "qdrant" || def.Name != "articles" {
		t.Errorf("Qdrant demo dump holds %s %q; want qdrant articles", def.Engine, def.Name)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, def.Native); err != nil || compact.String() != demoQdrantNative {
		t.Errorf("native definition =\n%s\nwant\n%s", def.Native, demoQdrantNative)
	}
	n, err := qdrant.ParseNative(def.Native)
	if err != nil || len(n.Unmapped) > 0 || len(n.PayloadSchema) != 3 {
		t.Errorf("native definition: %v, unmapped %v, %d payload indexes (want none unmapped, 3 indexes)", err, n.Unmapped, len(n.PayloadSchema))
	}
	if v := def.Vectors[adapters.DefaultVector]; v.Size != 64 || v.Distance != adapters.Cosine {
		t.Errorf("vectors %+v; want one unnamed 64-d cosine vector", def.Vectors)
	}
	if n, err := src.Count(ctx, ""); err != nil || n != demoQdrantCount {
		t.Errorf("Count = %d, %v; want %d", n, err, demoQdrantCount)
	}
	ep, _ := adapters.ParseEndpoint(url)
	if info, err := file.Inspect(ctx, ep); err != nil || info.Counts[""] != demoQdrantCount || !strings.Contains(info.Version, "complete") ||
		info.Definition == nil || info.Definition.Engine != "qdrant" {
		t.Errorf("inspect = %+v, %v", info, err)
	}
	// Reading to the end checks the file's SHA-256 against the manifest.
	got := readAll(t, src, "")
	adaptertest.AssertPoints(t, &verify.Comparer{Src: demoQdrantDef(t), Dst: def, Tol: verify.Tolerance{}}, want, got)
	for _, p := range got {
		checkArticle(t, p)
		if p.ID.IsUUID() || p.ID.Num() < 1 || p.ID.Num() > demoQdrantCount {
			t.Errorf("point %s: want an integer id from 1 to %d", p.ID, demoQdrantCount)
		}
		if t.Failed() {
			break
		}
	}

	var size int64
	entries, _ := os.ReadDir(demoQdrantDir)
	for _, e := range entries {
		info, _ := e.Info()
		size += info.Size()
	}
	if size > 2_000_000 {
		t.Errorf("the Qdrant demo dump takes %d bytes; keep it under 2 MB", size)
	}
	var m struct {
		Collection struct {
			Engine string `json:"engine"`
		} `json:"collection"`
	}
	if data, err := os.ReadFile(filepath.Join(demoQdrantDir, "manifest.json")); err != nil || json.Unmarshal(data, &m) != nil || m.Collection.Engine != "qdrant" {
		t.Errorf("manifest.json: %v, engine %q", err, m.Collection.Engine)
	}
}
