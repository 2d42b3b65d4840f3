package qdranttest

import (
	"context"
	"sync"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
)

func TestPayloadAndVectorMutations(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "m",
		VectorsConfig: qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{
			"a": {Size: 2, Distance: qdrant.Distance_Dot}, "b": {Size: 2, Distance: qdrant.Distance_Dot}})})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "m", Points: []*qdrant.PointStruct{{
		Id:      qdrant.NewIDNum(1),
		Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"a": qdrant.NewVector(1, 2), "b": qdrant.NewVector(3, 4)}),
		Payload: qdrant.NewValueMap(map[string]any{"k": "v", "n": 1}),
	}}})
	ids := qdrant.NewPointsSelector(qdrant.NewIDNum(1))
	wait := qdrant.PtrOf(true)
	get := func() *qdrant.RetrievedPoint {
		t.Helper()
		pts, err := c.Get(ctx, &qdrant.GetPoints{CollectionName: "m", Ids: []*qdrant.PointId{qdrant.NewIDNum(1)}, WithVectors: qdrant.NewWithVectors(true)})
		if err != nil || len(pts) != 1 {
			t.Fatalf("get: %v %v", pts, err)
		}
		return pts[0]
	}
	if _, err := c.SetPayload(ctx, &qdrant.SetPayloadPoints{CollectionName: "m", Wait: wait, PointsSelector: ids,
		Payload: qdrant.NewValueMap(map[string]any{"n": 2.5, "x": true})}); err != nil {
		t.Fatal(err)
	}
	p := get()
	if p.Payload["k"].GetStringValue() != "v" || p.Payload["n"].GetDoubleValue() != 2.5 || !p.Payload["x"].GetBoolValue() {
		t.Fatalf("after set: %v", p.Payload)
	}
	if _, err := c.DeletePayload(ctx, &qdrant.DeletePayloadPoints{CollectionName: "m", Wait: wait, PointsSelector: ids, Keys: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := get().Payload["k"]; ok {
		t.Fatal("k survived DeletePayload")
	}
	if _, err := c.OverwritePayload(ctx, &qdrant.SetPayloadPoints{CollectionName: "m", Wait: wait, PointsSelector: ids,
		Payload: qdrant.NewValueMap(map[string]any{"only": "this"})}); err != nil {
		t.Fatal(err)
	}
	if pl := get().Payload; len(pl) != 1 || pl["only"].GetStringValue() != "this" {
		t.Fatalf("after overwrite: %v", pl)
	}
	if _, err := c.ClearPayload(ctx, &qdrant.ClearPayloadPoints{CollectionName: "m", Wait: wait, Points: ids}); err != nil {
		t.Fatal(err)
	}
	if pl := get().Payload; len(pl) != 0 {
		t.Fatalf("after clear: %v", pl)
	}
	if _, err := c.UpdateVectors(ctx, &qdrant.UpdatePointVectors{CollectionName: "m", Wait: wait, Points: []*qdrant.PointVectors{{
		Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"a": qdrant.NewVector(9, 9)})}}}); err != nil {
		t.Fatal(err)
	}
	v := get().GetVectors().GetVectors().GetVectors()
	if v["a"].GetDense().GetData()[0] != 9 || v["b"].GetDense().GetData()[0] != 3 {
		t.Fatalf("after update vectors: %v", v)
	}
	if _, err := c.DeleteVectors(ctx, &qdrant.DeletePointVectors{CollectionName: "m", Wait: wait, PointsSelector: ids,
		Vectors: &qdrant.VectorsSelector{Names: []string{"b"}}}); err != nil {
		t.Fatal(err)
	}
	if v := get().GetVectors().GetVectors().GetVectors(); len(v) != 1 || v["a"] == nil {
		t.Fatalf("after delete vectors: %v", v)
	}
	_, err := c.UpdateVectors(ctx, &qdrant.UpdatePointVectors{CollectionName: "m", Points: []*qdrant.PointVectors{{
		Id: qdrant.NewIDNum(99), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"a": qdrant.NewVector(1, 1)})}}})
	if code(err) != codes.NotFound {
		t.Fatalf("update vectors of missing point: %v", err)
	}
	if _, err := c.Delete(ctx, &qdrant.DeletePoints{CollectionName: "m", Wait: wait, Points: ids}); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Count(ctx, &qdrant.CountPoints{CollectionName: "m"}); n != 0 {
		t.Fatalf("count after delete %d", n)
	}
}

func TestAliasesAndUpdateCollection(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "real",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 1, Distance: qdrant.Distance_Dot})})
	if err := c.CreateAlias(ctx, "nick", "real"); err != nil {
		t.Fatal(err)
	}
	al, err := c.ListCollectionAliases(ctx, "real")
	if err != nil || len(al) != 1 || al[0] != "nick" {
		t.Fatalf("aliases = %v, %v", al, err)
	}
	// Point operations resolve aliases.
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "nick", Points: []*qdrant.PointStruct{{Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectors(1)}}})
	if n, _ := c.Count(ctx, &qdrant.CountPoints{CollectionName: "real"}); n != 1 {
		t.Fatalf("count via alias %d", n)
	}
	if err := c.UpdateCollection(ctx, &qdrant.UpdateCollection{CollectionName: "real",
		HnswConfig:       &qdrant.HnswConfigDiff{M: qdrant.PtrOf(uint64(48))},
		OptimizersConfig: &qdrant.OptimizersConfigDiff{IndexingThreshold: qdrant.PtrOf(uint64(1))},
		Params:           &qdrant.CollectionParamsDiff{ReplicationFactor: qdrant.PtrOf(uint32(2))}}); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetCollectionInfo(ctx, "real")
	if err != nil || info.Config.HnswConfig.GetM() != 48 || info.Config.HnswConfig.GetEfConstruct() != 100 ||
		info.Config.OptimizerConfig.GetIndexingThreshold() != 1 || info.Config.Params.GetReplicationFactor() != 2 {
		t.Fatalf("after update: %v, %v", info.GetConfig(), err)
	}
	if err := c.DeleteAlias(ctx, "nick"); err != nil {
		t.Fatal(err)
	}
	if al, _ := c.ListAliases(ctx); len(al) != 0 {
		t.Fatalf("aliases left %v", al)
	}
}

// Parallel out-of-order writers with a reader in between: the key order is
// rebuilt lazily and the race detector stays quiet.
func TestConcurrentUpsertsScrollInOrder(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "p",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 1, Distance: qdrant.Distance_Dot})})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := uint64(1000 - (i*4 + w)) // descending, interleaved
				_, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "p", Points: []*qdrant.PointStruct{{Id: qdrant.NewIDNum(id), Vectors: qdrant.NewVectors(1)}}})
				if err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					if _, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "p"}); err != nil {
						t.Error(err)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	pts, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "p", Limit: qdrant.PtrOf(uint32(500))})
	if err != nil || len(pts) != 200 {
		t.Fatalf("scroll: %d points, %v", len(pts), err)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i-1].Id.GetNum() >= pts[i].Id.GetNum() {
			t.Fatalf("out of order at %d: %v then %v", i, pts[i-1].Id, pts[i].Id)
		}
	}
}
