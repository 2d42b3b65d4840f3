package qdrant_test

import (
	"math"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/verify/knn"
)

// Search answers in neutral distances on every Qdrant distance, named and
// unnamed vectors and shard-key partitions, and its exact search returns
// the brute-force top k.
func TestSearch(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	fxs := adaptertest.QdrantFixtures(600)
	cases := []struct {
		fx        adaptertest.Fixture
		part, vec string
	}{
		{fxs[0], "", adapters.DefaultVector},   // Cosine
		{fxs[1], "", "image"},                  // Euclid
		{fxs[2], "", adapters.DefaultVector},   // Euclid, mixed ids
		{fxs[3], "eu", adapters.DefaultVector}, // Dot, a shard key
	}
	for _, c := range cases {
		t.Run(c.fx.Name+"/"+c.vec, func(t *testing.T) {
			url := tg.Endpoint(tg.NewName(t, c.fx.Name))
			adaptertest.Load(t, registry, config(tg), url, c.fx)
			src := adaptertest.OpenSource(t, registry, url, config(tg))
			s, ok := adapters.As[adapters.Searcher](src)
			if !ok {
				t.Fatal("the Qdrant source is not a Searcher")
			}
			dist := c.fx.Def.Vectors[c.vec].Distance
			pts := c.fx.Points[c.part]
			query := pts[17].Vectors[c.vec].Dense
			want := bruteForce(t, dist, query, pts, c.vec)
			for _, exact := range []bool{true, false} {
				got, err := s.Search(adaptertest.Ctx(t), adapters.SearchRequest{Partition: c.part, Vector: c.vec, Query: query, K: 10, Exact: exact})
				if err != nil {
					t.Fatalf("exact %v: %v", exact, err)
				}
				if len(got) != 10 {
					t.Fatalf("exact %v: %d hits; want 10", exact, len(got))
				}
				for i, h := range got {
					if math.Abs(h.Score-want[i].Score) > 1e-4*(1+math.Abs(want[i].Score)) || h.ID != want[i].ID {
						t.Errorf("exact %v: hit %d is %s at %g; want %s at %g (%s)", exact, i, h.ID, h.Score, want[i].ID, want[i].Score, dist)
					}
				}
			}
		})
	}
}

func bruteForce(t *testing.T, dist adapters.Distance, q []float32, pts []adapters.Point, vec string) []knn.Hit {
	top, err := knn.NewTopK(dist, [][]float32{q}, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		if v := p.Vectors[vec].Dense; v != nil {
			if err := top.Add(p.ID, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	return top.Results()[0]
}
