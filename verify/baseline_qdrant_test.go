package verify_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/verify"
	"github.com/vecmig/vecmig/verify/baselinefile"
)

// capture records src in memory.
func capture(t *testing.T, src adapters.Source, opts verify.CaptureOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	sum, err := verify.Capture(adaptertest.Ctx(t), src, &buf, opts)
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	t.Logf("captured %d points in %d bytes (seed %d, %d kept, %d probes over %v)", sum.Points, sum.Bytes, sum.Seed, sum.Kept, sum.Probes, sum.Vectors)
	return buf.Bytes()
}

func runBaseline(t *testing.T, file []byte, dst adapters.Source, opts verify.Options) *verify.Report {
	t.Helper()
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(file)), nil }
	r, err := verify.RunBaseline(adaptertest.Ctx(t), "mem", open, dst, opts)
	if err != nil {
		t.Fatalf("verify --baseline %s: %v", opts.Mode, err)
	}
	return r
}

// TestBaselineQdrant captures a collection with named dense, sparse and
// multi-vectors, verifies an identical copy against it (equal, probes
// exact), then damages the copy through Qdrant's API and checks that the
// baseline names exactly the damaged ids: field by field when it kept the
// points, by fingerprint when it did not.
func TestBaselineQdrant(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	fx := adaptertest.QdrantFixtures(400)[1] // qdrant_named: UUID ids, text/image dense, keywords sparse, colbert multi
	src, dst, dstName := qdrantCopy(t, tg, fx, nil)
	all := capture(t, src, verify.CaptureOptions{Keep: 1000, Queries: 20, Seed: 11})
	none := capture(t, src, verify.CaptureOptions{Keep: 0, Queries: 20, Seed: 11})

	r := runBaseline(t, all, dst, verify.Options{Mode: verify.ModeFull})
	assertEqual(t, r)
	if r.Compared != 400 || r.Baseline.Sample.Compared != 400 || len(r.Baseline.Probes) != 2 {
		t.Errorf("compared %d, sample %+v, probes %+v", r.Compared, r.Baseline.Sample, r.Baseline.Probes)
	}
	for _, p := range r.Baseline.Probes {
		if p.Queries != 20 || p.MinOverlap != 1 || p.MaxScoreShift != 0 {
			t.Errorf("probes of %q on an identical copy: %+v", p.Vector, p)
		}
	}
	assertEqual(t, runBaseline(t, none, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 50}}))

	ps := fx.Points[""]
	ctx, cl := adaptertest.Ctx(t), tg.Client(t)
	fieldWise, byPrint := map[adapters.ID]want{}, map[adapters.ID]want{}
	both := func(id adapters.ID, w, f want) { fieldWise[id], byPrint[id] = w, f }
	has := func(i int) bool {
		_, a := ps[i].Vectors["image"]
		_, b := ps[i].Vectors["text"]
		return a && b
	}
	var pick []int
	for i := 7; len(pick) < 5; i = (i + 37) % len(ps) {
		if has(i) {
			pick = append(pick, i)
		}
	}
	if _, err := cl.Delete(ctx, &qc.DeletePoints{CollectionName: dstName, Wait: wait(), Points: qc.NewPointsSelector(pid(ps[pick[0]].ID))}); err != nil {
		t.Fatal(err)
	}
	both(ps[pick[0]].ID, want{status: verify.StatusMissing}, want{status: verify.StatusMissing})
	extra := adaptertest.UUIDFor("baseline-extra", 1)
	if _, err := cl.Upsert(ctx, &qc.UpsertPoints{CollectionName: dstName, Wait: wait(), Points: []*qc.PointStruct{{Id: pid(extra),
		Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(adaptertest.Dense(9, 1, 16)...)}), Payload: qc.NewValueMap(map[string]any{"title": "intruder"})}}}); err != nil {
		t.Fatal(err)
	}
	both(extra, want{status: verify.StatusExtra}, want{status: verify.StatusExtra})
	img := append([]float32(nil), ps[pick[1]].Vectors["image"].Dense...)
	img[3] += 1e-3
	if _, err := cl.UpdateVectors(ctx, &qc.UpdatePointVectors{CollectionName: dstName, Wait: wait(), Points: []*qc.PointVectors{{
		Id: pid(ps[pick[1]].ID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(img...)})}}}); err != nil {
		t.Fatal(err)
	}
	both(ps[pick[1]].ID, want{verify.StatusDiffers, []string{"vector-differs image"}}, want{verify.StatusDiffers, []string{"vectors-changed "}})
	setPayload := func(i int, m map[string]any) {
		t.Helper()
		if _, err := cl.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: dstName, Wait: wait(), Payload: qc.NewValueMap(m), PointsSelector: qc.NewPointsSelector(pid(ps[i].ID))}); err != nil {
			t.Fatal(err)
		}
	}
	setPayload(pick[2], map[string]any{"title": "tampered"})
	both(ps[pick[2]].ID, want{verify.StatusDiffers, []string{"payload-differs title"}}, want{verify.StatusDiffers, []string{"payload-changed "}})
	setPayload(pick[3], map[string]any{"i": float64(ps[pick[3]].Payload["i"].(int64))})
	both(ps[pick[3]].ID, want{verify.StatusDiffers, []string{"payload-type i"}}, want{verify.StatusDiffers, []string{"payload-changed "}})
	if _, err := cl.DeleteVectors(ctx, &qc.DeletePointVectors{CollectionName: dstName, Wait: wait(),
		PointsSelector: qc.NewPointsSelector(pid(ps[pick[4]].ID)), Vectors: &qc.VectorsSelector{Names: []string{"text"}}}); err != nil {
		t.Fatal(err)
	}
	both(ps[pick[4]].ID, want{verify.StatusDiffers, []string{"vector-missing text"}}, want{verify.StatusDiffers, []string{"vectors-changed "}})

	var listing bytes.Buffer
	r = runBaseline(t, all, dst, verify.Options{Mode: verify.ModeFull, Listing: &listing})
	assertExactly(t, r, fieldWise)
	if r.Equal() || r.CountsMatch != true {
		t.Errorf("damaged copy: equal %v, counts match %v (one deleted, one added)", r.Equal(), r.CountsMatch)
	}
	if n := strings.Count(listing.String(), "\n"); n != 401 {
		t.Errorf("listing has %d lines; want 399 baseline ids + 1 missing + 1 extra", n)
	}
	assertExactly(t, runBaseline(t, none, dst, verify.Options{Mode: verify.ModeFull}), byPrint)
	// Sample mode looks up every point when asked for all of them; the
	// extra point shows in the counts only.
	delete(fieldWise, extra)
	assertExactly(t, runBaseline(t, all, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 400}}), fieldWise)
}

// TestBaselineFileRefused: a damaged baseline is an error naming the file
// and the problem, before the target is read.
func TestBaselineFileRefused(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	fx := adaptertest.QdrantFixtures(200)[0]
	src, dst, _ := qdrantCopy(t, tg, fx, nil)
	good := capture(t, src, verify.CaptureOptions{Keep: 10, Queries: 5})
	newer := append([]byte(nil), good...)
	newer[len(baselinefile.Magic)+1]++
	for name, c := range map[string]struct {
		file []byte
		want error
	}{"truncated": {good[:len(good)/2], baselinefile.ErrTruncated}, "newer": {newer, baselinefile.ErrNewer}} {
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(c.file)), nil }
		_, err := verify.RunBaseline(adaptertest.Ctx(t), "b.vmb", open, dst, verify.Options{Mode: verify.ModeFull})
		if !errors.Is(err, c.want) || adapters.KindOf(err) != adapters.KindInvalid || !strings.Contains(err.Error(), "baseline b.vmb") {
			t.Errorf("%s: error %v (kind %v); want %v naming the file", name, err, adapters.KindOf(err), c.want)
		}
	}
}
