package main

// End-to-end tests of `vecmig baseline capture` and `verify --baseline`:
// capture, restore onto another server (Qdrant snapshot, Weaviate backup),
// verify without the source, then damage the restore through the engine's
// API and check the listing names exactly the damaged ids.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/mapping"
	qadapter "github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// damagedIDs reads a --list file and returns its non-equal lines, sorted.
func damagedIDs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.HasPrefix(l, "= ") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func qpid(id adapters.ID) *qc.PointId {
	if id.IsUUID() {
		return qc.NewIDUUID(id.String())
	}
	return qc.NewIDNum(id.Num())
}

func qwait() *bool { b := true; return &b }

func TestBaselineQdrantSnapshotRestore(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	fx := adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(300), "qdrant_named")
	fromColl, toColl := loadSnapCollection(t, q1, fx.Name, "bl", 300), q2.NewName(t, "bl_restored")
	from, to := q1.Endpoint(fromColl), q2.Endpoint(toColl)
	dir := t.TempDir()
	file := filepath.Join(dir, "named.vmb")
	r := runVecmig(t, dir, qenv(q1, q2), "baseline", "capture", "--from", from, "--out", file, "--keep", "40", "--queries", "15", "--seed", "5")
	mustExit(t, r, 0)
	for _, want := range []string{"300 points", "bytes per point", "seed 5", "kept 40 points", "30 probe queries over 2 dense vectors"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("capture summary lacks %q:\n%s", want, r.stdout)
		}
	}
	mustExit(t, runVecmig(t, dir, qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to), 0)
	r = runVecmig(t, dir, qenv(q1, q2), "verify", "--baseline", file, "--to", to)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, "EQUAL") || !strings.Contains(r.stdout, "points compared 300: 300 equal") || !strings.Contains(r.stdout, "by fingerprints") {
		t.Errorf("summary:\n%s", r.stdout)
	}

	ps := fx.Points[""]
	exp := damageRestored(t, q2, toColl, ps)
	list := filepath.Join(dir, "list")
	r = runVecmig(t, dir, qenv(q1, q2), "verify", "--baseline", file, "--to", to, "--list", list, "--report", filepath.Join(dir, "report.json"))
	mustExit(t, r, 1)
	if got := damagedIDs(t, list); strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("listing names\n%s\nwant\n%s\nsummary:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"), r.stdout)
	}

	t.Run("bad-files", func(t *testing.T) {
		good, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		newer := append([]byte(nil), good...)
		newer[9]++
		flipped := append([]byte(nil), good...)
		flipped[len(flipped)/2] ^= 0x10
		for name, c := range map[string]struct {
			data []byte
			want string
		}{
			"truncated": {good[:len(good)*3/4], "truncated"},
			"corrupt":   {flipped, "corrupt"},
			"newer":     {newer, "newer vecmig"},
		} {
			p := filepath.Join(dir, name+".vmb")
			os.WriteFile(p, c.data, 0o644)
			r := runVecmig(t, dir, qenv(q1, q2), "verify", "--baseline", p, "--to", to)
			mustExit(t, r, 2)
			if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, p) {
				t.Errorf("%s: stderr %q; want one line naming %s and %q", name, r.stderr, p, c.want)
			}
		}
	})
}

// damageRestored damages a restored qdrant_named collection and returns the
// listing lines it must cause.
func damageRestored(t *testing.T, q *qdranttest.Node, coll string, ps []adapters.Point) []string {
	t.Helper()
	ctx, cl := adaptertest.Ctx(t), q.Client(t)
	var pick []int
	for i := 11; len(pick) < 5; i = (i + 41) % len(ps) {
		_, a := ps[i].Vectors["image"]
		_, b := ps[i].Vectors["text"]
		if a && b {
			pick = append(pick, i)
		}
	}
	check := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(cl.Delete(ctx, &qc.DeletePoints{CollectionName: coll, Wait: qwait(), Points: qc.NewPointsSelector(qpid(ps[pick[0]].ID))}))
	extra := adaptertest.UUIDFor("baseline-e2e", 1)
	check(cl.Upsert(ctx, &qc.UpsertPoints{CollectionName: coll, Wait: qwait(), Points: []*qc.PointStruct{{Id: qpid(extra),
		Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(adaptertest.Dense(9, 1, 16)...)})}}}))
	img := append([]float32(nil), ps[pick[1]].Vectors["image"].Dense...)
	img[2] += 1e-3
	check(cl.UpdateVectors(ctx, &qc.UpdatePointVectors{CollectionName: coll, Wait: qwait(), Points: []*qc.PointVectors{{
		Id: qpid(ps[pick[1]].ID), Vectors: qc.NewVectorsMap(map[string]*qc.Vector{"image": qc.NewVector(img...)})}}}))
	set := func(i int, m map[string]any) {
		check(cl.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: coll, Wait: qwait(), Payload: qc.NewValueMap(m), PointsSelector: qc.NewPointsSelector(qpid(ps[i].ID))}))
	}
	set(pick[2], map[string]any{"title": "tampered"})
	set(pick[3], map[string]any{"i": float64(ps[pick[3]].Payload["i"].(int64))})
	check(cl.DeleteVectors(ctx, &qc.DeletePointVectors{CollectionName: coll, Wait: qwait(),
		PointsSelector: qc.NewPointsSelector(qpid(ps[pick[4]].ID)), Vectors: &qc.VectorsSelector{Names: []string{"text"}}}))
	exp := []string{"- " + ps[pick[0]].ID.String(), "+ " + extra.String()}
	for _, i := range pick[1:] {
		exp = append(exp, "* "+ps[i].ID.String())
	}
	sort.Strings(exp)
	return exp
}

// TestBaselineQdrantFloat16 copies honestly into a float16 collection (written by
// vecmig's sink, as migrate would):
// vector fingerprints cannot match, and verify says so and exits 0.
func TestBaselineQdrantFloat16(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadSnapFixture(t, q1, "bl16", 300) // qdrant_int_dense: 32-d cosine
	toColl := q2.NewName(t, "bl16_half")
	def16, err := qadapter.Definition(toColl, &qadapter.Native{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{ShardNumber: 1,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 32, Distance: qc.Distance_Cosine, Datatype: qc.Datatype_Float16.Enum()})}}})
	if err != nil {
		t.Fatal(err)
	}
	to := q2.Endpoint(toColl)
	dir := t.TempDir()
	file := filepath.Join(dir, "b.vmb")
	mustExit(t, runVecmig(t, dir, qenv(q1, q2), "baseline", "capture", "--from", from, "--out", file, "--keep", "50", "--queries", "20"), 0)
	// migrate refuses a target of another datatype (--on-exists append
	// included), so the honest copy is written through vecmig's own sink
	// into a float16 collection it creates.
	copyInto(t, from, to, q1.APIKey, q2.APIKey, def16)
	r := runVecmig(t, dir, qenv(q1, q2), "verify", "--baseline", file, "--to", to)
	mustExit(t, r, 0)
	// float16 can swap the points tied at rank 10; their ids may differ,
	// their scores may not (exit 0 says the probes agreed).
	for _, want := range []string{"stored datatypes differ", "float16", "by payload", "probes default vector: 20 queries"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

// copyInto writes every point of from into the existing collection to.
func copyInto(t *testing.T, from, to, fromKey, toKey string, def *adapters.Collection) {
	t.Helper()
	src := openSource(t, from, fromKey)
	ctx := adaptertest.Ctx(t)
	ps, err := adaptertest.ReadAll(ctx, src, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	sink := adaptertest.OpenSink(t, all.Registry(), to, adapters.Config{APIKey: adapters.NewSecret(toKey)})
	if err := sink.Prepare(ctx, def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, "", ps); err != nil {
		t.Fatal(err)
	}
	if err := sink.Finish(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBaselineWeaviateBackupRestore: capture, restore by a filesystem
// backup on the second instance, verify, damage through REST, verify.
func TestBaselineWeaviateBackupRestore(t *testing.T) {
	w1, w2 := backupPair(t)
	fx := fixture("plain")
	fx.Points = map[string][]adapters.Point{"": fx.Points[""][:300]}
	class, from, to := loadPair(t, w1, w2, fx)
	dir := t.TempDir()
	file := filepath.Join(dir, "plain.vmb")
	mustExit(t, runVecmig(t, dir, nil, "baseline", "capture", "--from", from, "--out", file, "--keep", "30", "--queries", "20"), 0)
	mustExit(t, runVecmig(t, dir, nil, "migrate", "--method", "backup", "--backend", "filesystem", "--from", from, "--to", to), 0)
	r := runVecmig(t, dir, nil, "verify", "--baseline", file, "--to", to)
	mustExit(t, r, 0)

	ps := fx.Points[""]
	del, changed, moved := ps[17].ID, ps[101].ID, ps[202].ID
	extra := adaptertest.UUIDFor("baseline-extra", 1)
	wrest(t, w2.HTTPURL(), http.MethodDelete, fmt.Sprintf("/v1/objects/%s/%s", class, del), "")
	wrest(t, w2.HTTPURL(), http.MethodPatch, fmt.Sprintf("/v1/objects/%s/%s", class, changed), `{"class":"`+class+`","properties":{"title":"tampered"}}`)
	vec := append([]float32(nil), ps[202].Vectors[""].Dense...)
	vec[3] += 1e-3
	body, _ := json.Marshal(map[string]any{"class": class, "vector": vec})
	wrest(t, w2.HTTPURL(), http.MethodPatch, fmt.Sprintf("/v1/objects/%s/%s", class, moved), string(body))
	body, _ = json.Marshal(map[string]any{"class": class, "id": extra.String(), "vector": vec, "properties": map[string]any{"title": "intruder"}})
	wrest(t, w2.HTTPURL(), http.MethodPost, "/v1/objects", string(body))
	list := filepath.Join(dir, "list")
	r = runVecmig(t, dir, nil, "verify", "--baseline", file, "--to", to, "--list", list)
	mustExit(t, r, 1)
	exp := []string{"* " + changed.String(), "- " + del.String(), "* " + moved.String(), "+ " + extra.String()}
	sort.Strings(exp)
	if got := damagedIDs(t, list); strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("listing names %v; want %v\n%s", got, exp, r.stdout)
	}
}

func wrest(t *testing.T, base, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
}

// TestBaselineAcrossEngines captures a Qdrant collection with integer ids,
// copies it into Weaviate, and verifies the class against the baseline:
// ids through the id rule, counts, the kept points and the probes agree;
// an object deleted on Weaviate is named by its UUID.
func TestBaselineAcrossEngines(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	fx := qdrantPayloadFixture("bl_cross", 300, func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprint("p ", i), "n": int64(i)}
	})
	from := loadQdrant(t, q, fx)
	class := newClass(t, w, "bl_cross")
	to := w.Endpoint(class)
	dir := t.TempDir()
	file := filepath.Join(dir, "cross.vmb")
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey}
	mustExit(t, runVecmig(t, dir, env, "baseline", "capture", "--from", from, "--out", file, "--keep", "40", "--queries", "10"), 0)
	mustExit(t, runVecmig(t, dir, env, "migrate", "--from", from, "--to", to, "--verify", "none"), 0)
	r := runVecmig(t, dir, nil, "verify", "--baseline", file, "--to", to)
	mustExit(t, r, 0)

	gone := mapping.IntToUUID(1000 + 77)
	wrest(t, w.HTTPURL(), http.MethodDelete, fmt.Sprintf("/v1/objects/%s/%s", class, gone), "")
	list := filepath.Join(dir, "list")
	r = runVecmig(t, dir, nil, "verify", "--baseline", file, "--to", to, "--list", list)
	mustExit(t, r, 1)
	if got := damagedIDs(t, list); strings.Join(got, "\n") != "- "+gone.String() {
		t.Errorf("listing names %v; want [- %s]\n%s", got, gone, r.stdout)
	}
}
