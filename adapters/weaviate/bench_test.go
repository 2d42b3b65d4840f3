package weaviate_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// BenchmarkWriteRead writes b.N objects of 128 dimensions in batches of
// 200 and reads them back in pages of 1000:
//
//	go test ./adapters/weaviate -run '^$' -bench WriteRead -benchtime 20000x
func BenchmarkWriteRead(b *testing.B) {
	node := weaviatetest.Shared(b)
	ctx := adaptertest.Ctx(b)
	url := node.Endpoint(weaviatetest.NewClassName("bench"))
	sink, err := registry.OpenSink(ctx, url, adapters.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	def := &adapters.Collection{Engine: "weaviate", Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Cosine}},
		Native: []byte(`{"class":"X","vectorizer":"none","vectorIndexConfig":{"distance":"cosine"},"properties":[{"name":"title","dataType":["text"]},{"name":"n","dataType":["int"]}]}`)}
	if err := sink.Prepare(ctx, def, adapters.ExistsFail); err != nil {
		b.Fatal(err)
	}
	pts := make([]adapters.Point, b.N)
	for i := range pts {
		pts[i] = adapters.Point{ID: adaptertest.UUIDFor("bench", i), Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(1, i, 128)}},
			Payload: map[string]any{"title": fmt.Sprint("doc ", i), "n": int64(i)}}
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(pts); i += 200 {
		if err := sink.Write(ctx, "", pts[i:min(i+200, len(pts))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(time.Since(start).Seconds(), "write-s")
	src, err := registry.OpenSource(ctx, url, adapters.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	for _, limit := range []int{1000, 5000} {
		start = time.Now()
		got, err := adaptertest.ReadAll(ctx, src, "", limit)
		if err != nil || len(got) != len(pts) {
			b.Fatalf("read %d, %v", len(got), err)
		}
		b.ReportMetric(time.Since(start).Seconds(), fmt.Sprintf("read%d-s", limit))
	}
}
