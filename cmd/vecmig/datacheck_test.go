package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// Bad data in the source: NaN and infinite vector components are refused
// (in the plan when the sample has one, during the copy otherwise), and a
// request too large for the target is split.

// spoil writes point p back to the collection at url with component i of
// its vector name (row 0 of a multi-vector) replaced by bad, and returns
// the point as it was.
func spoil(t *testing.T, url, key string, p adapters.Point, name string, i int, bad float32) adapters.Point {
	t.Helper()
	orig := clonePoint(p)
	v := clonePoint(p).Vectors[name]
	switch {
	case v.Dense != nil:
		v.Dense[i] = bad
	case v.Multi != nil:
		v.Multi[0][i] = bad
	case v.Sparse != nil:
		v.Sparse.Values[i] = bad
	}
	p = clonePoint(p)
	p.Vectors[name] = v
	writePoints(t, url, key, p)
	return orig
}

func writePoints(t *testing.T, url, key string, ps ...adapters.Point) {
	t.Helper()
	snk := adaptertest.OpenSink(t, all.Registry(), url, adapters.Config{APIKey: adapters.NewSecret(key)})
	if err := snk.Write(adaptertest.Ctx(t), "", ps); err != nil {
		t.Fatalf("write %d points to %s: %v", len(ps), url, err)
	}
}

// clonePoint copies a point's vectors deeply (the payload is shared).
func clonePoint(p adapters.Point) adapters.Point {
	out := p
	out.Vectors = map[string]adapters.Vector{}
	for n, v := range p.Vectors {
		c := adapters.Vector{Dense: append([]float32(nil), v.Dense...)}
		if v.Dense == nil {
			c.Dense = nil
		}
		for _, row := range v.Multi {
			c.Multi = append(c.Multi, append([]float32(nil), row...))
		}
		if v.Sparse != nil {
			c.Sparse = &adapters.SparseVector{Indices: v.Sparse.Indices, Values: append([]float32(nil), v.Sparse.Values...)}
		}
		out.Vectors[n] = c
	}
	return out
}

// lastWith is the last point (in id order, as read) that has vector name.
func lastWith(ps []adapters.Point, name string) adapters.Point {
	for i := len(ps) - 1; i >= 0; i-- {
		if _, ok := ps[i].Vectors[name]; ok {
			return ps[i]
		}
	}
	panic("no point has vector " + name)
}

func targetExists(t *testing.T, url, key string) bool {
	t.Helper()
	snk := adaptertest.OpenSink(t, all.Registry(), url, adapters.Config{APIKey: adapters.NewSecret(key)})
	ok, err := snk.Exists(adaptertest.Ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func mustSay(t *testing.T, r result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("the error should say %q; stderr:\n%s", p, r.stderr)
		}
	}
}

// TestNaNInSampleRefusedByPlan: a NaN among the first points is found by
// the plan; nothing is created on a Qdrant, Weaviate or file target.
func TestNaNInSampleRefusedByPlan(t *testing.T) {
	q1, q2, w := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2), weaviateNode(t, 1)
	fx := plainPayloads(adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(100), "qdrant_int_dense"))
	from := q1.Endpoint(q1.NewName(t, "nan_sample"))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
	p := fx.Points[""][5]
	spoil(t, from, q1.APIKey, p, adapters.DefaultVector, 7, float32(math.NaN()))
	dump := filepath.Join(t.TempDir(), "dump")
	targets := map[string]struct{ url, key string }{
		"qdrant":   {q2.Endpoint(q2.NewName(t, "nan_sample")), q2.APIKey},
		"weaviate": {w.Endpoint("NanSample"), ""},
		"file":     {"file://" + dump, ""},
	}
	for name, to := range targets {
		t.Run(name, func(t *testing.T) {
			env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + to.key}
			r := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to.url)
			mustExit(t, r, exitError)
			// The collection is Cosine: Qdrant normalises the vector, and
			// one NaN makes every component NaN.
			mustSay(t, r, "point "+p.ID.String(), "vector (unnamed) (dense) component 0 is NaN", "fix or delete the point")
			if targetExists(t, to.url, to.key) {
				t.Errorf("%s was created; a plan that finds a NaN must write nothing", to.url)
			}
		})
	}
}

// TestNonFiniteBeyondSampleStopsTheCopy: a bad point past the plan's
// sample stops the copy before it is sent, on the raw path (Qdrant to
// Qdrant) and the neutral one (Qdrant to Weaviate); the target holds the
// points before it; once the point is fixed the same command resumes and
// the copy verifies clean.
func TestNonFiniteBeyondSampleStopsTheCopy(t *testing.T) {
	q1, q2, w := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2), weaviateNode(t, 1)
	const n = 3000
	fx := plainPayloads(adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(n), "qdrant_int_dense"))
	from := q1.Endpoint(q1.NewName(t, "nan_late"))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
	bad := fx.Points[""][n-1]
	targets := map[string]struct {
		url, key string
		lacks    func(t *testing.T, url string)
	}{
		"qdrant": {q2.Endpoint(q2.NewName(t, "nan_late")), q2.APIKey, func(t *testing.T, url string) {
			lacksPoint(t, url, q2.APIKey, bad.ID, n)
		}},
		"weaviate": {w.Endpoint("NanLate"), "", func(t *testing.T, url string) {
			src := openSource(t, url, "")
			c, err := src.Count(adaptertest.Ctx(t), "")
			if err != nil || c >= n {
				t.Errorf("the target holds %d points (%v); want fewer than %d, without the bad one", c, err, n)
			}
		}},
	}
	for name, to := range targets {
		t.Run(name, func(t *testing.T) {
			// Qdrant normalises a Cosine vector: -Inf becomes NaN (the
			// other components 0).
			orig := spoil(t, from, q1.APIKey, bad, adapters.DefaultVector, 3, float32(math.Inf(-1)))
			dir := t.TempDir()
			env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + to.key}
			args := []string{"migrate", "--from", from, "--to", to.url, "--state", filepath.Join(dir, "s.json"), "--quiet"}
			r := runVecmig(t, dir, env, args...)
			mustExit(t, r, exitError)
			mustSay(t, r, "point "+bad.ID.String(), "vector (unnamed) (dense) component 3 is NaN", "holds the points copied before it", "run the same command again")
			to.lacks(t, to.url)
			writePoints(t, from, q1.APIKey, orig)
			mustExit(t, runVecmig(t, dir, env, args...), exitOK)
			mustExit(t, runVecmig(t, dir, env, "verify", "--from", from, "--to", to.url, "--mode", "full"), exitOK)
		})
	}
}

// plainPayloads gives every point a payload Weaviate takes as it is.
func plainPayloads(fx adaptertest.Fixture) adaptertest.Fixture {
	for i := range fx.Points[""] {
		fx.Points[""][i].Payload = map[string]any{"n": int64(i), "title": "point " + fx.Points[""][i].ID.String()}
	}
	return fx
}

// lacksPoint checks a Qdrant target lacks point id.
func lacksPoint(t *testing.T, url, key string, id adapters.ID, limit int) {
	t.Helper()
	ps, err := adaptertest.ReadAll(adaptertest.Ctx(t), openSource(t, url, key), "", limit)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.ID == id {
			t.Fatalf("the target holds point %s, which was refused", id)
		}
	}
	if len(ps) == 0 {
		t.Fatalf("the target holds no point; the batches before the bad one should be there")
	}
}

// TestNonFiniteRawEveryVectorForm: the pass-through between two Qdrant
// servers checks named dense, sparse and multi vectors in their wire form.
func TestNonFiniteRawEveryVectorForm(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	const n = 300 // past the plan's sample
	fx := adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(n), "qdrant_named")
	from := q1.Endpoint(q1.NewName(t, "nan_forms"))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	for _, c := range []struct {
		vector string
		i      int
		want   string
	}{
		{"image", 2, `vector "image" (dense) component 2 is NaN`},
		{"keywords", 0, `vector "keywords" (sparse) value 0 (dimension `},
		{"colbert", 2, `vector "colbert" (multi) row 0 component 0 is NaN`}, // Cosine: the row is normalised
	} {
		t.Run(c.vector, func(t *testing.T) {
			p := lastWith(fx.Points[""], c.vector)
			orig := spoil(t, from, q1.APIKey, p, c.vector, c.i, float32(math.NaN()))
			defer writePoints(t, from, q1.APIKey, orig)
			to := q2.Endpoint(q2.NewName(t, "nan_forms"))
			// One writer: the batches before the bad one are acknowledged
			// before it is checked.
			r := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--quiet", "--workers", "1", "--batch-size", "64")
			mustExit(t, r, exitError)
			mustSay(t, r, "point "+p.ID.String(), c.want)
			lacksPoint(t, to, q2.APIKey, p.ID, n)
		})
	}
}

// TestTooLargeRequestsAreSplit: a Weaviate target with a 1 MiB gRPC
// message limit refuses a batch of big payloads; vecmig halves it, learns
// the limit, and the copy completes and verifies. One point over the
// limit alone stops the run, naming it, its size and the limit.
func TestTooLargeRequestsAreSplit(t *testing.T) {
	q1 := qdranttest.Instance(t, 1)
	w := weaviatetest.Start(t, weaviatetest.Options{Env: []string{"GRPC_MAX_MESSAGE_SIZE=1048576"}})
	fx := adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(120), "qdrant_int_dense")
	for i := range fx.Points[""] {
		fx.Points[""][i].Payload = map[string]any{"body": strings.Repeat(string(rune('a'+i%26)), 60<<10)}
	}
	from := q1.Endpoint(q1.NewName(t, "big_payloads"))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey}

	to := w.Endpoint("BigPayloads")
	r := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--verify", "count")
	mustExit(t, r, exitOK)
	mustSay(t, r, "as too large; writing it in halves")
	// The limit bounds the server's answers too: read the target in pages
	// under it.
	mustExit(t, runVecmig(t, t.TempDir(), env, "verify", "--from", from, "--to", to, "--mode", "full", "--page-size", "8"), exitOK)

	huge := fx.Points[""][len(fx.Points[""])-1]
	huge.Payload = map[string]any{"body": strings.Repeat("z", 2<<20)}
	writePoints(t, from, q1.APIKey, huge)
	dir := t.TempDir()
	r = runVecmig(t, dir, env, "migrate", "--from", from, "--to", w.Endpoint("TooBig"), "--quiet")
	mustExit(t, r, exitError)
	mustSay(t, r, "point "+huge.ID.String(), "2.0 MiB", "1048576 bytes", "GRPC_MAX_MESSAGE_SIZE")
	t.Logf("one point over the limit:\n%s", r.stderr)
}

// TestNonFiniteFromWeaviate: Weaviate stores a NaN vector as given, so a
// Weaviate source may hold one; the pass-through to another Weaviate and
// the neutral path to Qdrant refuse it.
func TestNonFiniteFromWeaviate(t *testing.T) {
	w1, w2, q2 := weaviateNode(t, 1), weaviateNode(t, 2), qdranttest.Instance(t, 2)
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(200), "plain")
	from := w1.Endpoint("NanSource")
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	ps := append([]adapters.Point(nil), fx.Points[""]...)
	adaptertest.SortPoints(ps)
	bad := ps[len(ps)-1]
	spoil(t, from, "", bad, adapters.DefaultVector, 4, float32(math.NaN()))
	for name, to := range map[string]struct{ url, key string }{
		"weaviate": {w2.Endpoint("NanCopy"), ""},
		"qdrant":   {q2.Endpoint(q2.NewName(t, "nan_from_weaviate")), q2.APIKey},
	} {
		t.Run(name, func(t *testing.T) {
			env := []string{"VECMIG_TO_API_KEY=" + to.key}
			r := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to.url, "--quiet", "--workers", "1", "--batch-size", "50",
				"--coerce", "big=text")
			mustExit(t, r, exitError)
			mustSay(t, r, "point "+bad.ID.String(), "vector (unnamed) (dense) component 4 is NaN")
		})
	}
}

// TestAdaptiveWriteBatches: a target that rate limits (ResourceExhausted,
// retried) or answers slowly (over half of --timeout) makes the writers
// cut pages into smaller write requests, and the copy completes; an
// explicit --batch-size keeps one request a page.
func TestAdaptiveWriteBatches(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 2000) // 8 pages of 256
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	rateLimited := faultproxy.Fault{Match: "Upsert", Times: 2, Code: codes.ResourceExhausted}
	slow := faultproxy.Fault{Match: "Upsert", Times: 2, Delay: 700 * time.Millisecond}
	for _, c := range []struct {
		name  string
		fault faultproxy.Fault
		args  []string
		more  bool // more upserts than pages
	}{
		{"rate limited", rateLimited, nil, true},
		{"slow", slow, []string{"--timeout", "1s"}, true},
		{"rate limited, --batch-size", rateLimited, []string{"--batch-size", "256"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := qdranttest.StartProxy(t, q2)
			p.GRPC.Inject(c.fault)
			to := p.Endpoint(q2.NewName(t, "adaptive"))
			args := append([]string{"migrate", "--from", from, "--to", to, "--workers", "1", "--verify", "full", "--quiet"}, c.args...)
			mustExit(t, runVecmig(t, t.TempDir(), env, args...), exitOK)
			n := p.GRPC.Completed("Upsert") - p.GRPC.Faulted("Upsert") // those that reached the server
			if c.more && n <= 8 {
				t.Errorf("2000 points took %d upserts; want more than 8 (smaller requests after the fault)", n)
			}
			if !c.more && n != 8 {
				t.Errorf("2000 points took %d upserts; want 8, one a page", n)
			}
			t.Logf("%d upserts", n)
		})
	}
}
