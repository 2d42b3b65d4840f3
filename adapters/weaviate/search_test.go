package weaviate_test

import (
	"math"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify/knn"
)

// Search answers nearVector queries in neutral distances, on class-level
// and named vectors and on a tenant, and refuses exact search.
func TestSearch(t *testing.T) {
	node := weaviatetest.Shared(t)
	fxs := adaptertest.WeaviateFixtures(300)
	cases := []struct {
		fx        adaptertest.Fixture
		part, vec string
	}{
		{fxs[0], "", adapters.DefaultVector}, // cosine, HNSW
		{fxs[1], "", "title"},                // named, cosine
		{fxs[1], "", "body"},                 // named, dot, flat index
		{fxs[2], "alpha", ""},                // l2-squared, a tenant
	}
	for _, c := range cases {
		t.Run(c.fx.Name+"/"+c.vec, func(t *testing.T) {
			url := node.Endpoint(weaviatetest.NewClassName(c.fx.Name))
			adaptertest.Load(t, registry, adapters.Config{}, url, c.fx)
			src := adaptertest.OpenSource(t, registry, url, adapters.Config{})
			s, ok := adapters.As[adapters.Searcher](src)
			if !ok {
				t.Fatal("the Weaviate source is not a Searcher")
			}
			pts := c.fx.Points[c.part]
			query := pts[5].Vectors[c.vec].Dense
			ctx := adaptertest.Ctx(t)
			_, err := s.Search(ctx, adapters.SearchRequest{Partition: c.part, Vector: c.vec, Query: query, K: 10, Exact: true})
			if adapters.KindOf(err) != adapters.KindUnsupported {
				t.Errorf("exact search: %v; want an error of kind KindUnsupported", err)
			}
			got, err := s.Search(ctx, adapters.SearchRequest{Partition: c.part, Vector: c.vec, Query: query, K: 10})
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(t, c.fx.Def.Vectors[c.vec].Distance, query, pts, c.vec)
			if len(got) != len(want) {
				t.Fatalf("%d hits; want %d", len(got), len(want))
			}
			for i, h := range got {
				if math.Abs(h.Score-want[i].Score) > 1e-4*(1+math.Abs(want[i].Score)) || h.ID != want[i].ID {
					t.Errorf("hit %d is %s at %g; want %s at %g", i, h.ID, h.Score, want[i].ID, want[i].Score)
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
