package verify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/verify"
)

// searchFixture is n points with one unnamed 32-d vector (uniform
// components: hard for an approximate index), in a collection configured
// by cfg.
func qdrantSearchFixture(n int, cfg *qc.CollectionConfig) adaptertest.Fixture {
	fx := adaptertest.QdrantFixtures(n)[0] // qdrant_int_dense: 32-d Cosine
	def, err := qdrant.Definition(fx.Name, &qdrant.Native{Config: cfg})
	if err != nil {
		panic(err)
	}
	fx.Def = def
	return fx
}

func qdrantVectors(d qc.Distance) *qc.CollectionParams {
	return &qc.CollectionParams{ShardNumber: 1, VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 32, Distance: d})}
}

// searchRun verifies counts and runs the search check with n queries.
func searchRun(t *testing.T, src, dst adapters.Source, n int, seed uint64) *verify.Report {
	t.Helper()
	r := run(t, src, dst, verify.Options{Mode: verify.ModeCount, Search: n, Seed: seed})
	if r.Search == nil || len(r.Search.Vectors) == 0 {
		t.Fatalf("the search check reported nothing:\n%s", summary(r))
	}
	t.Logf("seed %d:\n%s", seed, summary(r))
	return r
}

// assertSearchClean checks a faithful copy: exact top-10 the same on
// both sides, distances the same.
func assertSearchClean(t *testing.T, r *verify.Report) {
	t.Helper()
	assertEqual(t, r)
	for _, v := range r.Search.Vectors {
		if v.ExactOverlap != 1 || v.MinExactOverlap != 1 || v.Differing != 0 || v.MaxScoreShift > 1e-3 {
			t.Errorf("%s: exact overlap %.3f (min %.3f), %d queries differ, score shift %g; want 1, 1, 0, ~0", v.Vector, v.ExactOverlap, v.MinExactOverlap, v.Differing, v.MaxScoreShift)
		}
		if v.Queries == 0 || v.TargetRecall <= 0 {
			t.Errorf("%s: %d queries, recall %.3f: recall not measured", v.Vector, v.Queries, v.TargetRecall)
		}
	}
}

// assertSearchDiffers checks the exact results were found to differ, and
// the summary names a query and ids.
func assertSearchDiffers(t *testing.T, r *verify.Report) {
	t.Helper()
	if r.Equal() || r.Search.Equal() || r.Search.Mismatched == 0 {
		t.Fatalf("a target with another distance passed the search check:\n%s", summary(r))
	}
	m := r.Search.Mismatches[0]
	s := summary(r)
	if len(m.OnlySource)+len(m.OnlyTarget) == 0 && m.ScoreShift < 1e-2 {
		t.Errorf("mismatch %+v shows no difference", m)
	}
	if !strings.Contains(s, fmt.Sprintf("* query %d (", m.Query)) || (len(m.OnlySource) > 0 && !strings.Contains(s, m.OnlySource[0].String())) {
		t.Errorf("the summary does not name query %d and its ids:\n%s", m.Query, s)
	}
}

// waitIndexed waits until Qdrant has built the HNSW index of every point
// (status green, every vector indexed).
func waitIndexed(t *testing.T, tg *qdranttest.Node, name string, n uint64) {
	t.Helper()
	cl, ctx := tg.Client(t), adaptertest.Ctx(t)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		info, err := cl.GetCollectionInfo(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if info.GetStatus() == qc.CollectionStatus_Green && info.GetIndexedVectorsCount() >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("collection %s: status %s, %d of %d vectors indexed after 3 minutes", name, info.GetStatus(), info.GetIndexedVectorsCount(), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestQdrantSearchCheck(t *testing.T) {
	tg := qdranttest.Instance(t, 1)

	t.Run("clean copy", func(t *testing.T) {
		fx := qdrantSearchFixture(1500, &qc.CollectionConfig{Params: qdrantVectors(qc.Distance_Cosine)})
		src, dst, _ := qdrantCopy(t, tg, fx, nil)
		r := searchRun(t, src, dst, 30, 11)
		assertSearchClean(t, r)
		if r.Search.SourceExact != r.Search.TargetExact || !strings.Contains(r.Search.TargetExact, "engine") {
			t.Errorf("exact by %q and %q; want the engine's exact search on both", r.Search.SourceExact, r.Search.TargetExact)
		}
	})

	t.Run("target with another distance", func(t *testing.T) {
		fx := qdrantSearchFixture(1500, &qc.CollectionConfig{Params: qdrantVectors(qc.Distance_Cosine)})
		dot := qdrantSearchFixture(1500, &qc.CollectionConfig{Params: qdrantVectors(qc.Distance_Dot)})
		src, dst, _ := qdrantCopy(t, tg, fx, dot.Def)
		for seed := uint64(1); seed <= 3; seed++ {
			assertSearchDiffers(t, searchRun(t, src, dst, 20, seed))
		}
	})

	t.Run("crippled index", func(t *testing.T) {
		const n = 4000
		cfg := &qc.CollectionConfig{Params: qdrantVectors(qc.Distance_Cosine)}
		fx := qdrantSearchFixture(n, cfg)
		weak := qdrantSearchFixture(n, &qc.CollectionConfig{
			Params:          qdrantVectors(qc.Distance_Cosine),
			HnswConfig:      &qc.HnswConfigDiff{M: qp[uint64](2), EfConstruct: qp[uint64](4), FullScanThreshold: qp[uint64](10)},
			OptimizerConfig: &qc.OptimizersConfigDiff{IndexingThreshold: qp[uint64](10)},
		})
		src, dst, dstName := qdrantCopy(t, tg, fx, weak.Def)
		waitIndexed(t, tg, dstName, n)
		r := searchRun(t, src, dst, 40, 5)
		assertSearchClean(t, r) // the data and distances are the same
		v := r.Search.Vectors[0]
		if !v.LowRecall || v.TargetRecall >= 0.9 {
			t.Fatalf("recall %.3f of a target with m=2, ef_construct=4 was not flagged:\n%s", v.TargetRecall, summary(r))
		}
		s := summary(r)
		for _, want := range []string{"below --min-recall 0.9", "m=2", "ef_construct=4", "source index: qdrant hnsw"} {
			if !strings.Contains(s, want) {
				t.Errorf("the summary lacks %q:\n%s", want, s)
			}
		}
	})
}

func qp[T any](v T) *T { return &v }
