package qdranttest

import (
	"context"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
)

// BenchmarkUpsertScroll writes 100k x 128-d points in batches of 256 and
// reads them back in pages of 1000 with vectors: the shape of the migrate
// benchmark, to keep the test server from being its bottleneck.
func BenchmarkUpsertScroll(b *testing.B) {
	const n, dim, batch, page = 100_000, 128, 256, 1000
	for i := 0; i < b.N; i++ {
		s, err := NewServer(Options{})
		if err != nil {
			b.Fatal(err)
		}
		c, err := qdrant.NewClient(&qdrant.Config{Host: "127.0.0.1", Port: s.GRPCPort(), SkipCompatibilityCheck: true, PoolSize: 1,
			GrpcOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64 << 20))}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := c.CreateCollection(ctx, &qdrant.CreateCollection{CollectionName: "bench",
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Cosine})}); err != nil {
			b.Fatal(err)
		}
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(j + 1)
		}
		for lo := 0; lo < n; lo += batch {
			pts := make([]*qdrant.PointStruct, 0, batch)
			for id := lo; id < min(lo+batch, n); id++ {
				pts = append(pts, &qdrant.PointStruct{Id: qdrant.NewIDNum(uint64(id)), Vectors: qdrant.NewVectorsDense(v),
					Payload: qdrant.NewValueMap(map[string]any{"i": id})})
			}
			if _, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "bench", Points: pts}); err != nil {
				b.Fatal(err)
			}
		}
		var offset *qdrant.PointId
		read := 0
		for {
			pts, next, err := c.ScrollAndOffset(ctx, &qdrant.ScrollPoints{CollectionName: "bench", Offset: offset,
				Limit: qdrant.PtrOf(uint32(page)), WithVectors: qdrant.NewWithVectors(true)})
			if err != nil {
				b.Fatal(err)
			}
			read += len(pts)
			if next == nil {
				break
			}
			offset = next
		}
		if read != n {
			b.Fatalf("read %d of %d", read, n)
		}
		c.Close()
		s.Close()
	}
}
