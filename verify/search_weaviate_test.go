package verify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/migrate"
	"github.com/vecmig/vecmig/verify"
)

// weaviateSearchFixture is n objects with one 32-d class-level vector, in
// a class whose vectorIndexConfig is index (distance and HNSW settings).
func weaviateSearchFixture(n int, index string) adaptertest.Fixture {
	class := fmt.Sprintf(`{"class": "Search", "vectorizer": "none", "vectorIndexType": "hnsw", "vectorIndexConfig": %s,
		"properties": [{"name": "n", "dataType": ["int"]}]}`, index)
	var cfg struct {
		Distance string `json:"distance"`
	}
	if err := json.Unmarshal([]byte(index), &cfg); err != nil {
		panic(err)
	}
	dist := map[string]adapters.Distance{"cosine": adapters.Cosine, "dot": adapters.Dot, "l2-squared": adapters.Euclid}[cfg.Distance]
	ps := make([]adapters.Point, n)
	for i := range ps {
		ps[i] = adapters.Point{
			ID:      adaptertest.UUIDFor("search", i),
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(8, i, 32)}},
			Payload: map[string]any{"n": int64(i)},
		}
	}
	adaptertest.SortPoints(ps)
	return adaptertest.Fixture{Name: "search", Points: map[string][]adapters.Point{"": ps}, Def: &adapters.Collection{
		Engine: "weaviate", Name: "Search", Native: json.RawMessage(class),
		Vectors: map[string]adapters.VectorSpec{adapters.DefaultVector: {Kind: "dense", Distance: dist, Datatype: "float32"}},
	}}
}

// weaviateSearchCopy loads fx and a target built from dstFx (the same
// points, another class definition) into the shared Weaviate.
func weaviateSearchCopy(t *testing.T, node *weaviatetest.Node, fx, dstFx adaptertest.Fixture) (src, dst adapters.Source) {
	t.Helper()
	reg := all.Registry()
	srcURL := node.Endpoint(weaviatetest.NewClassName("SearchSrc"))
	dstURL := node.Endpoint(weaviatetest.NewClassName("SearchDst"))
	adaptertest.Load(t, reg, adapters.Config{}, srcURL, fx)
	adaptertest.Load(t, reg, adapters.Config{}, dstURL, dstFx)
	return open(t, reg, adapters.Config{}, srcURL), open(t, reg, adapters.Config{}, dstURL)
}

func TestWeaviateSearchCheck(t *testing.T) {
	node := weaviatetest.Shared(t)
	const cosine = `{"distance": "cosine"}`

	t.Run("clean copy", func(t *testing.T) {
		fx := weaviateSearchFixture(1500, cosine)
		src, dst := weaviateSearchCopy(t, node, fx, fx)
		r := searchRun(t, src, dst, 30, 11)
		assertSearchClean(t, r)
		if !strings.Contains(r.Search.TargetExact, "vecmig") {
			t.Errorf("target's exact results by %q; want vecmig's brute force (Weaviate has no exact search)", r.Search.TargetExact)
		}
	})

	t.Run("target with another distance", func(t *testing.T) {
		fx := weaviateSearchFixture(1500, cosine)
		src, dst := weaviateSearchCopy(t, node, fx, weaviateSearchFixture(1500, `{"distance": "dot"}`))
		for seed := uint64(1); seed <= 3; seed++ {
			assertSearchDiffers(t, searchRun(t, src, dst, 20, seed))
		}
	})

	t.Run("crippled index", func(t *testing.T) {
		fx := weaviateSearchFixture(3000, cosine)
		weak := weaviateSearchFixture(3000, `{"distance": "cosine", "maxConnections": 4, "efConstruction": 4, "ef": 4, "dynamicEfMin": 4, "dynamicEfMax": 4}`)
		src, dst := weaviateSearchCopy(t, node, fx, weak)
		r := searchRun(t, src, dst, 40, 5)
		assertSearchClean(t, r)
		v := r.Search.Vectors[0]
		if !v.LowRecall {
			t.Fatalf("recall %.3f of a target with maxConnections=4 (Weaviate's least), efConstruction=4, ef=4 was not flagged:\n%s", v.TargetRecall, summary(r))
		}
		s := summary(r)
		for _, want := range []string{"below --min-recall 0.9", "maxConnections=4", "efConstruction=4", "target index: weaviate hnsw"} {
			if !strings.Contains(s, want) {
				t.Errorf("the summary lacks %q:\n%s", want, s)
			}
		}
	})
}

// A Qdrant collection migrated into Weaviate answers the same exact
// searches: ids mapped to UUIDs, cosine compared by direction.
func TestQdrantIntoWeaviateSearch(t *testing.T) {
	tg, node := qdranttest.Instance(t, 1), weaviatetest.Shared(t)
	reg := all.Registry()
	cfg := adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}
	fx := adaptertest.QdrantFixtures(1500)[0] // integer ids, 32-d Cosine
	for i := range fx.Points[""] {
		fx.Points[""][i].Payload = map[string]any{"n": int64(i)} // payloads Weaviate takes as they are
	}
	srcURL := tg.Endpoint(tg.NewName(t, "search_qw"))
	adaptertest.Load(t, reg, cfg, srcURL, fx)
	dstURL := node.Endpoint(weaviatetest.NewClassName("SearchQW"))
	ctx := adaptertest.Ctx(t)
	src := adaptertest.OpenSource(t, reg, srcURL, cfg)
	sink, err := reg.OpenSink(ctx, dstURL, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	res, err := migrate.Execute(ctx, migrate.Job{
		Source: src, Target: sink, Verify: verify.ModeSample, VerifySearch: 30,
		ReadTarget: func(ctx context.Context) (adapters.Source, error) {
			return reg.OpenSource(ctx, dstURL, adapters.Config{})
		},
		Options: migrate.Options{StatePath: t.TempDir() + "/state.json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Verify
	if r == nil || r.Search == nil || len(r.Search.Vectors) == 0 {
		t.Fatalf("migrate --verify-search ran no search check: %+v", r)
	}
	t.Logf("\n%s", summary(r))
	assertSearchClean(t, r)
}
