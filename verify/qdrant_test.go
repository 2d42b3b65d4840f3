package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/file"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/verify"
)

func qdrantRegistry() *adapters.Registry {
	return adapters.NewRegistry(qdrant.Driver(), file.Driver())
}

// qdrantCopy loads fx into two fresh collections of one Qdrant (the second
// with dstDef's definition when given) and opens both as Sources.
func qdrantCopy(t *testing.T, tg *qdranttest.Node, fx adaptertest.Fixture, dstDef *adapters.Collection) (src, dst adapters.Source, dstName string) {
	t.Helper()
	reg := qdrantRegistry()
	cfg := adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}
	srcURL := tg.Endpoint(tg.NewName(t, fx.Name+"_src"))
	dstName = tg.NewName(t, fx.Name+"_dst")
	adaptertest.Load(t, reg, cfg, srcURL, fx)
	if dstDef != nil {
		fx.Def = dstDef
	}
	adaptertest.Load(t, reg, cfg, tg.Endpoint(dstName), fx)
	return open(t, reg, cfg, srcURL), open(t, reg, cfg, tg.Endpoint(dstName)), dstName
}

func pid(id adapters.ID) *qc.PointId {
	if id.IsUUID() {
		return qc.NewIDUUID(id.String())
	}
	return qc.NewIDNum(id.Num())
}

func wait() *bool { b := true; return &b }

// TestQdrantMutations copies 50k points with named dense, sparse and multi
// vectors and rich payloads, checks that every mode calls the clean copy
// equal, then damages the target through Qdrant's own API and checks full
// mode names every damaged id with the right kind, and nothing else.
func TestQdrantMutations(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	fx := adaptertest.QdrantFixtures(50000)[1] // qdrant_named: UUID ids, text/image/keywords/colbert
	src, dst, dstName := qdrantCopy(t, tg, fx, nil)
	ps := fx.Points[""]

	t.Run("clean", func(t *testing.T) {
		start := time.Now()
		r := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
		t.Logf("full verify of 50000 points: %s", time.Since(start))
		assertEqual(t, r)
		if r.Compared != 50000 || r.EqualCount != 50000 {
			t.Errorf("full compared %d, equal %d; want 50000 both", r.Compared, r.EqualCount)
		}
		r = run(t, src, dst, verify.Options{Mode: verify.ModeSample, Seed: 7})
		assertEqual(t, r)
		if r.Compared != 1000 || r.Detection == nil || r.Detection.Sampled != 1000 {
			t.Errorf("default sample compared %d points, detection %+v; want 1000", r.Compared, r.Detection)
		}
		if s := summary(r); !strings.Contains(s, "if 1% of points were damaged, this check would have caught it with probability 99.996%") {
			t.Errorf("summary lacks the probability note:\n%s", s)
		}
		for _, spec := range []string{"2/5", "5%", "30000"} {
			sp, err := verify.ParseSample(spec)
			if err != nil {
				t.Fatal(err)
			}
			r = run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: sp, Seed: 3})
			assertEqual(t, r)
			if r.Compared == 0 {
				t.Errorf("sample %s compared nothing", spec)
			}
		}
		r = run(t, src, dst, verify.Options{Mode: verify.ModeCount})
		assertEqual(t, r)
		if r.SourceCount != 50000 || r.TargetCount != 50000 {
			t.Errorf("counts %d/%d", r.SourceCount, r.TargetCount)
		}
	})

	ctx := adaptertest.Ctx(t)
	cl := tg.Client(t)
	exp := map[adapters.ID]want{}
	// Points chosen to carry every vector they are damaged in (i%11!=3 has
	// text, i%5!=1 image, i%3!=0 colbert); ps is sorted by id.
	has := func(i int, names ...string) bool {
		for _, n := range names {
			if _, ok := ps[i].Vectors[n]; !ok {
				return false
			}
		}
		return true
	}
	var pick []int
	for i := 100; len(pick) < 12; i = (i + 3917) % len(ps) {
		if has(i, "image", "colbert", "text") && ps[i].Payload["tags"] != nil {
			pick = append(pick, i)
		}
	}
	// Delete points.
	del := ids(ps, pick[0], pick[1])
	if _, err := cl.Delete(ctx, &qc.DeletePoints{CollectionName: dstName, Wait: wait(), Points: qc.NewPointsSelector(pid(del[0]), pid(del[1]))}); err != nil {
		t.Fatal(err)
	}
	for _, id := range del {
		exp[id] = want{status: verify.StatusMissing}
	}
	// Add points.
	for k, id := range []adapters.ID{adaptertest.UUIDFor("extra", 1), adaptertest.UUIDFor("extra", 2)} {
		_, err := cl.Upsert(ctx, &qc.UpsertPoints{CollectionName: dstName, Wait: wait(), Points: []*qc.PointStruct{{
			Id:      pid(id),
			Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(adaptertest.Dense(9, k, 16)...)}),
			Payload: qc.NewValueMap(map[string]any{"title": "intruder"}),
		}}})
		if err != nil {
			t.Fatal(err)
		}
		exp[id] = want{status: verify.StatusExtra}
	}
	// Perturb one component of a vector by 1e-3.
	i := pick[2]
	img := append([]float32(nil), ps[i].Vectors["image"].Dense...)
	img[5] += 1e-3
	if _, err := cl.UpdateVectors(ctx, &qc.UpdatePointVectors{CollectionName: dstName, Wait: wait(), Points: []*qc.PointVectors{{
		Id: pid(ps[i].ID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(img...)}),
	}}}); err != nil {
		t.Fatal(err)
	}
	exp[ps[i].ID] = want{status: verify.StatusDiffers, diffs: []string{"vector-differs image"}}
	// Perturb one component of a sub-vector of a multi-vector.
	i = pick[3]
	mv := ps[i].Vectors["colbert"].Multi
	mcopy := make([][]float32, len(mv))
	for k := range mv {
		mcopy[k] = append([]float32(nil), mv[k]...)
	}
	mcopy[0][0] += 1e-3
	if _, err := cl.UpdateVectors(ctx, &qc.UpdatePointVectors{CollectionName: dstName, Wait: wait(), Points: []*qc.PointVectors{{
		Id: pid(ps[i].ID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"colbert": qc.NewVectorMulti(mcopy)}),
	}}}); err != nil {
		t.Fatal(err)
	}
	exp[ps[i].ID] = want{status: verify.StatusDiffers, diffs: []string{"vector-differs colbert"}}
	// Drop a named vector.
	i = pick[4]
	if _, err := cl.DeleteVectors(ctx, &qc.DeletePointVectors{CollectionName: dstName, Wait: wait(),
		PointsSelector: qc.NewPointsSelector(pid(ps[i].ID)), Vectors: &qc.VectorsSelector{Names: []string{"text"}}}); err != nil {
		t.Fatal(err)
	}
	exp[ps[i].ID] = want{status: verify.StatusDiffers, diffs: []string{"vector-missing text"}}
	// Change, add and remove payload fields.
	setPayload := func(i int, m map[string]any) {
		t.Helper()
		if _, err := cl.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: dstName, Wait: wait(),
			Payload: qc.NewValueMap(m), PointsSelector: qc.NewPointsSelector(pid(ps[i].ID))}); err != nil {
			t.Fatal(err)
		}
	}
	setPayload(pick[5], map[string]any{"title": "tampered"})
	exp[ps[pick[5]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-differs title"}}
	setPayload(pick[6], map[string]any{"added": "x"})
	exp[ps[pick[6]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-extra added"}}
	if _, err := cl.DeletePayload(ctx, &qc.DeletePayloadPoints{CollectionName: dstName, Wait: wait(),
		Keys: []string{"tags"}, PointsSelector: qc.NewPointsSelector(pid(ps[pick[7]].ID))}); err != nil {
		t.Fatal(err)
	}
	exp[ps[pick[7]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-missing tags"}}
	// A nested field changes.
	nested := ps[pick[8]].Payload["nested"].(map[string]any)
	setPayload(pick[8], map[string]any{"nested": map[string]any{"level": nested["level"], "inner": map[string]any{"ok": false, "ratio": 0.5, "list": []any{1, 2.5, "x", nil}}}})
	exp[ps[pick[8]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-differs nested.inner.ok"}}
	// An integer becomes a float of the same value.
	setPayload(pick[9], map[string]any{"i": float64(ps[pick[9]].Payload["i"].(int64))})
	exp[ps[pick[9]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-type i"}}

	t.Run("full", func(t *testing.T) {
		var listing bytes.Buffer
		r := run(t, src, dst, verify.Options{Mode: verify.ModeFull, Listing: &listing})
		assertExactly(t, r, exp)
		if r.Equal() {
			t.Error("damaged copy reported equal")
		}
		if r.ByKind[verify.Missing] != 2 || r.ByKind[verify.Extra] != 2 || r.ByKind[verify.VectorDiffers] != 2 || r.ByKind[verify.PayloadType] != 1 {
			t.Errorf("by kind = %v", r.ByKind)
		}
		lines := strings.Split(strings.TrimSpace(listing.String()), "\n")
		if len(lines) != 50002 {
			t.Errorf("listing has %d lines; want 50000 source ids + 2 extra", len(lines))
		}
		marks := map[string]int{}
		for _, l := range lines {
			marks[l[:1]]++
		}
		if marks["="] != 50000-12+2 || marks["-"] != 2 || marks["+"] != 2 || marks["*"] != 8 {
			t.Errorf("listing marks = %v", marks)
		}
		human := map[adapters.ID]string{}
		for _, m := range r.Mismatches {
			for _, d := range m.Diffs {
				human[m.ID] += d.Human()
			}
		}
		if h := human[ps[pick[5]].ID]; h != "payload `title` \"doc "+fmt.Sprint(ps[pick[5]].Payload["i"])+"\" ≠ \"tampered\"" {
			t.Errorf("title difference reads %q", h)
		}
		if h := human[ps[pick[2]].ID]; !strings.HasPrefix(h, "vector `image` max abs diff 0.001 at dim 5") {
			t.Errorf("vector difference reads %q", h)
		}
		if s := summary(r); !strings.Contains(s, "DIFFERENT") {
			t.Errorf("summary:\n%s", s)
		}
		// The same with small pages and many ranges, to exercise the split.
		r = run(t, src, dst, verify.Options{Mode: verify.ModeFull, Workers: 3, PageSize: 37})
		assertExactly(t, r, exp)
		// Digest mode reports exactly what full mode reports.
		full := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
		start := time.Now()
		var digestListing bytes.Buffer
		digest := run(t, src, dst, verify.Options{Mode: verify.ModeDigest, Listing: &digestListing})
		t.Logf("digest verify of 50000 points: %s", time.Since(start))
		assertSameReport(t, full, digest)
		if a, b := sortedLines(listing.String()), sortedLines(digestListing.String()); a != b {
			t.Errorf("digest listing differs from full's (%d and %d bytes)", len(b), len(a))
		}
	})

	t.Run("sample-slices-cover-everything", func(t *testing.T) {
		// Running 1/3, 2/3 and 3/3 compares every source point once and
		// finds every damaged source point (extras show only in counts).
		total := uint64(0)
		found := map[adapters.ID]bool{}
		for k := 1; k <= 3; k++ {
			r := run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{Slice: k, Slices: 3}})
			total += r.Compared
			for _, m := range r.Mismatches {
				found[m.ID] = true
				if verify.SliceOf(m.ID, 3) != k {
					t.Errorf("slice %d/3 reported %s of slice %d", k, m.ID, verify.SliceOf(m.ID, 3))
				}
			}
		}
		if total != 50000 {
			t.Errorf("slices compared %d points; want 50000", total)
		}
		for id, w := range exp {
			if w.status != verify.StatusExtra && !found[id] {
				t.Errorf("slices missed %s (%s)", id, w.status)
			}
		}
	})

	t.Run("sample-detection-rate", func(t *testing.T) {
		// Delete 1% of the target: a sample of 100 points then finds damage
		// with probability 1-0.99^100 = 63.4%. Over 40 fixed seeds the hit
		// count is Binomial(40, 0.634): mean 25.4, sd 3.0; accept 14..37.
		rnd := rand.New(rand.NewPCG(1, 2))
		var sel []*qc.PointId
		for len(sel) < 500-12 {
			k := rnd.IntN(len(ps))
			if _, ok := exp[ps[k].ID]; ok {
				continue
			}
			exp[ps[k].ID] = want{status: verify.StatusMissing}
			sel = append(sel, pid(ps[k].ID))
		}
		if _, err := cl.Delete(ctx, &qc.DeletePoints{CollectionName: dstName, Wait: wait(), Points: qc.NewPointsSelectorIDs(sel)}); err != nil {
			t.Fatal(err)
		}
		hits := 0
		for seed := uint64(1); seed <= 40; seed++ {
			r := run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 100}, Seed: seed})
			if r.Compared != 100 {
				t.Fatalf("seed %d compared %d points; want 100", seed, r.Compared)
			}
			if r.Mismatched > 0 {
				hits++
			}
		}
		t.Logf("a 100-point sample found 1%% damage in %d of 40 runs (expected 25.4)", hits)
		if hits < 14 || hits > 37 {
			t.Errorf("detection in %d of 40 runs; want about 25 (1-0.99^100 = 63.4%%)", hits)
		}
		// Full mode still finds each one.
		r := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
		assertExactly(t, r, exp)
		// The same seed gives the same sample.
		a := run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 300}, Seed: 99})
		b := run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 300}, Seed: 99})
		if len(a.Mismatches) != len(b.Mismatches) || a.Mismatched != b.Mismatched {
			t.Errorf("seed 99 gave %d then %d mismatches", a.Mismatched, b.Mismatched)
		}
	})
}

// TestQdrantCleanCopies: a copy into a Cosine (normalising) collection and
// into float16 storage must be called equal; a real change in the
// normalising target must still be found.
func TestQdrantCleanCopies(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	const n = 4000
	mk := func(dist qc.Distance, dt qc.Datatype) *adapters.Collection {
		cfg := &qc.CollectionConfig{Params: &qc.CollectionParams{
			ShardNumber: 1,
			VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
				"a": {Size: 32, Distance: dist, Datatype: dt.Enum()},
				"m": {Size: 8, Distance: dist, Datatype: dt.Enum(), MultivectorConfig: &qc.MultiVectorConfig{Comparator: qc.MultiVectorComparator_MaxSim}},
			}),
			SparseVectorsConfig: qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{"s": {}}),
		}}
		def, err := qdrant.Definition("clean", &qdrant.Native{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		return def
	}
	ps := make([]adapters.Point, n)
	for i := range ps {
		a := adaptertest.Dense(21, i, 32)
		for k := range a {
			a[k] *= 40 // far from unit length, so normalisation shows
		}
		ps[i] = adapters.Point{ID: adapters.NumID(uint64(i*7 + 3)), Payload: adaptertest.RichPayload(i), Vectors: map[string]adapters.Vector{
			"a": {Dense: a}, "m": {Multi: adaptertest.Multi(22, i, 3, 8)}, "s": {Sparse: adaptertest.Sparse(23, i)},
		}}
	}
	fx := adaptertest.Fixture{Name: "clean", Def: mk(qc.Distance_Dot, qc.Datatype_Float32), Points: map[string][]adapters.Point{"": ps}}
	for _, c := range []struct {
		name string
		def  *adapters.Collection
	}{
		{"cosine", mk(qc.Distance_Cosine, qc.Datatype_Float32)},
		{"float16", mk(qc.Distance_Dot, qc.Datatype_Float16)},
		{"cosine-float16", mk(qc.Distance_Cosine, qc.Datatype_Float16)},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, dst, dstName := qdrantCopy(t, tg, fx, c.def)
			r := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
			assertEqual(t, r)
			if r.Compared != n {
				t.Errorf("compared %d; want %d", r.Compared, n)
			}
			if s := summary(r); c.name == "cosine" && !strings.Contains(s, "scaled to unit length") ||
				c.name == "float16" && !strings.Contains(s, "float16") {
				t.Errorf("summary does not explain the tolerance:\n%s", s)
			}
			assertEqual(t, run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 500}}))
			if c.name != "cosine" {
				return
			}
			// A real change in the normalised target is still found.
			dir := append([]float32(nil), ps[10].Vectors["a"].Dense...)
			dir[3] += 4 // 10% of the component scale after *40
			cl := tg.Client(t)
			if _, err := cl.UpdateVectors(adaptertest.Ctx(t), &qc.UpdatePointVectors{CollectionName: dstName, Wait: wait(), Points: []*qc.PointVectors{{
				Id: pid(ps[10].ID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"a": qc.NewVector(dir...)}),
			}}}); err != nil {
				t.Fatal(err)
			}
			assertExactly(t, run(t, src, dst, verify.Options{Mode: verify.ModeFull}),
				map[adapters.ID]want{ps[10].ID: {status: verify.StatusDiffers, diffs: []string{"vector-differs a"}}})
			// A scaled copy of the same direction is not a difference there.
			for k := range dir {
				dir[k] = ps[10].Vectors["a"].Dense[k] * 3
			}
			if _, err := cl.UpdateVectors(adaptertest.Ctx(t), &qc.UpdatePointVectors{CollectionName: dstName, Wait: wait(), Points: []*qc.PointVectors{{
				Id: pid(ps[10].ID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"a": qc.NewVector(dir...)}),
			}}}); err != nil {
				t.Fatal(err)
			}
			assertEqual(t, run(t, src, dst, verify.Options{Mode: verify.ModeFull}))
		})
	}
}

// TestQdrantIDSpaces checks that ranges and random positions are exact on
// integer ids (with gaps) and on mixed integer and UUID ids, with many
// small ranges.
func TestQdrantIDSpaces(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	for _, fx := range []adaptertest.Fixture{adaptertest.QdrantFixtures(6000)[0], adaptertest.QdrantFixtures(6000)[2]} {
		t.Run(fx.Name, func(t *testing.T) {
			src, dst, dstName := qdrantCopy(t, tg, fx, nil)
			for _, opts := range []verify.Options{
				{Mode: verify.ModeFull},
				{Mode: verify.ModeFull, Workers: 5, PageSize: 10},
				{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 300}},
				{Mode: verify.ModeSample, Sample: verify.SampleSpec{Percent: 50}},
			} {
				r := run(t, src, dst, opts)
				assertEqual(t, r)
				if opts.Mode == verify.ModeFull && r.Compared != 6000 {
					t.Errorf("%+v compared %d; want 6000", opts, r.Compared)
				}
				if opts.Mode == verify.ModeSample && r.Compared != 300 && opts.Sample.N == 300 {
					t.Errorf("sample 300 compared %d", r.Compared)
				}
			}
			ps := fx.Points[""]
			first, last := ps[0].ID, ps[len(ps)-1].ID
			cl := tg.Client(t)
			if _, err := cl.Delete(adaptertest.Ctx(t), &qc.DeletePoints{CollectionName: dstName, Wait: wait(), Points: qc.NewPointsSelector(pid(first), pid(last))}); err != nil {
				t.Fatal(err)
			}
			extra := adapters.NumID(1 << 62)
			if _, err := cl.Upsert(adaptertest.Ctx(t), &qc.UpsertPoints{CollectionName: dstName, Wait: wait(), Points: []*qc.PointStruct{{
				Id: pid(extra), Vectors: qc.NewVectorsDense(ps[1].Vectors[""].Dense),
			}}}); err != nil {
				t.Fatal(err)
			}
			exp := map[adapters.ID]want{first: {status: verify.StatusMissing}, last: {status: verify.StatusMissing}, extra: {status: verify.StatusExtra}}
			assertExactly(t, run(t, src, dst, verify.Options{Mode: verify.ModeFull, Workers: 4, PageSize: 16}), exp)
		})
	}
}

// TestQdrantPartitions: counts per shard key, and a missing point is
// reported with its partition.
func TestQdrantPartitions(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	fx := adaptertest.QdrantFixtures(3000)[3]
	src, dst, dstName := qdrantCopy(t, tg, fx, nil)
	r := run(t, src, dst, verify.Options{Mode: verify.ModeFull, PageSize: 50})
	assertEqual(t, r)
	if len(r.Partitions) < 2 {
		t.Fatalf("partitions = %+v", r.Partitions)
	}
	assertEqual(t, run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 200}}))
	part := r.Partitions[0].Name
	victim := fx.Points[part][5].ID
	key, err := shardKey(part)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.Client(t).Delete(adaptertest.Ctx(t), &qc.DeletePoints{CollectionName: dstName, Wait: wait(),
		Points: qc.NewPointsSelector(pid(victim)), ShardKeySelector: &qc.ShardKeySelector{ShardKeys: []*qc.ShardKey{key}}}); err != nil {
		t.Fatal(err)
	}
	r = run(t, src, dst, verify.Options{Mode: verify.ModeFull})
	assertExactly(t, r, map[adapters.ID]want{victim: {status: verify.StatusMissing}})
	if r.Mismatches[0].Partition != part || r.CountsMatch {
		t.Errorf("mismatch %+v, counts match %v; want partition %q and differing counts", r.Mismatches[0], r.CountsMatch, part)
	}
	c := run(t, src, dst, verify.Options{Mode: verify.ModeCount})
	if c.Equal() || c.CountsMatch {
		t.Errorf("count mode missed the deleted point:\n%s", summary(c))
	}
}

func shardKey(part string) (*qc.ShardKey, error) {
	if strings.HasPrefix(part, "#") {
		id, err := adapters.ParseID(part[1:])
		if err != nil {
			return nil, err
		}
		return qc.NewShardKeyNum(id.Num()), nil
	}
	return qc.NewShardKey(part), nil
}

// TestQdrantFileBaselineAndLiveSource: a file dump serves as the baseline,
// and points the source rewrote after the copy are reported apart.
func TestQdrantFileBaselineAndLiveSource(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	reg := qdrantRegistry()
	fx := adaptertest.QdrantFixtures(3000)[1]
	dump := "file://" + t.TempDir() + "/dump"
	adaptertest.Load(t, reg, adapters.Config{}, dump, fx)
	src, dst, dstName := qdrantCopy(t, tg, fx, nil)
	base := open(t, reg, adapters.Config{}, dump)
	assertEqual(t, run(t, base, dst, verify.Options{Mode: verify.ModeFull}))
	assertEqual(t, run(t, base, dst, verify.Options{Mode: verify.ModeSample}))

	// The source keeps receiving writes: one point rewritten, one added,
	// each with a newer "created" time; one point damaged on the target.
	ctx := adaptertest.Ctx(t)
	ps := fx.Points[""]
	srcName := strings.TrimPrefix(src.Endpoint(), "qdrant ")
	_ = srcName
	cl := tg.Client(t)
	srcColl := collectionOf(t, src)
	now := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if _, err := cl.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: srcColl, Wait: wait(),
		Payload: qc.NewValueMap(map[string]any{"created": now, "title": "rewritten"}), PointsSelector: qc.NewPointsSelector(pid(ps[1].ID))}); err != nil {
		t.Fatal(err)
	}
	newID := adaptertest.UUIDFor("live", 1)
	if _, err := cl.Upsert(ctx, &qc.UpsertPoints{CollectionName: srcColl, Wait: wait(), Points: []*qc.PointStruct{{
		Id: pid(newID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(adaptertest.Dense(9, 1, 16)...)}),
		Payload: qc.NewValueMap(map[string]any{"created": float64(time.Now().Add(time.Hour).Unix())}),
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: dstName, Wait: wait(),
		Payload: qc.NewValueMap(map[string]any{"title": "tampered"}), PointsSelector: qc.NewPointsSelector(pid(ps[2].ID))}); err != nil {
		t.Fatal(err)
	}
	r := run(t, src, dst, verify.Options{Mode: verify.ModeFull, ChangedSinceField: "created"})
	assertExactly(t, r, map[adapters.ID]want{
		ps[1].ID: {status: verify.StatusChanged, diffs: []string{"payload-differs created", "payload-differs title"}},
		newID:    {status: verify.StatusChanged},
		ps[2].ID: {status: verify.StatusDiffers, diffs: []string{"payload-differs title"}},
	})
	if r.Changed != 2 || r.Mismatched != 1 {
		t.Errorf("changed %d, mismatched %d; want 2 and 1", r.Changed, r.Mismatched)
	}
	if !strings.Contains(summary(r), "2 changed after the copy") {
		t.Errorf("summary:\n%s", summary(r))
	}
	// Without the field, differing counts are explained.
	r = run(t, src, dst, verify.Options{Mode: verify.ModeCount})
	if r.Equal() || !strings.Contains(summary(r), "kept receiving writes") {
		t.Errorf("count summary does not explain a live source:\n%s", summary(r))
	}
}

// collectionOf reads the collection name back from a Source's definition.
func collectionOf(t *testing.T, s adapters.Source) string {
	def, err := s.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return def.Name
}
