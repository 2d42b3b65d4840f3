package faultproxy_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/qdrant/go-client/qdrant"
)

// qdrantClient is a go-client for the shared node on one connection (so a
// cut connection is the one the next call uses too), at port: the node's
// own gRPC port or a proxy's.
func qdrantClient(t *testing.T, port int, apiKey string) *qdrant.Client {
	t.Helper()
	cfg := sharedQdrant(t).Config()
	cfg.Port, cfg.APIKey = port, apiKey
	c, err := qdrant.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func createCollection(t *testing.T, c *qdrant.Client, name string, dim uint64) {
	t.Helper()
	ctx := testContext(t)
	c.DeleteCollection(ctx, name) //nolint:errcheck // absent is fine
	err := c.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName: name,
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: dim, Distance: qdrant.Distance_Cosine}),
	})
	if err != nil {
		t.Fatalf("create collection %s: %v", name, err)
	}
}

// upsert writes points first..first+n-1 with dim-sized vectors.
func upsert(ctx context.Context, c *qdrant.Client, name string, first, n, dim int) error {
	points := make([]*qdrant.PointStruct, 0, n)
	for i := first; i < first+n; i++ {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32((i*31+j)%97) + 1
		}
		points = append(points, &qdrant.PointStruct{
			Id:      qdrant.NewIDNum(uint64(i)),
			Vectors: qdrant.NewVectorsDense(v),
			Payload: qdrant.NewValueMap(map[string]any{"i": i, "text": fmt.Sprintf("point %d", i)}),
		})
	}
	_, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: name, Wait: qdrant.PtrOf(true), Points: points})
	return err
}

func count(t *testing.T, c *qdrant.Client, name string) uint64 {
	t.Helper()
	n, err := c.Count(testContext(t), &qdrant.CountPoints{CollectionName: name, Exact: qdrant.PtrOf(true)})
	if err != nil {
		t.Fatalf("count %s: %v", name, err)
	}
	return n
}

// collectionName gives a test its own collection on the shared node,
// dropped when the test ends.
func collectionName(t *testing.T) string {
	return sharedQdrant(t).NewName(t, t.Name())
}
