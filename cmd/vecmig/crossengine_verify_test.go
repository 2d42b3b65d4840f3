package main

// vecmig verify across engines: equal after a clean copy; after damage
// done on the target through its own API, exit 1 and a listing that
// names exactly the damaged ids, as the target shows them.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// damage is what a test did to a target: ids deleted, added, and
// changed, as the target spells them.
type damage struct{ deleted, added, changed []string }

// listing is the sorted "- id", "+ id" and "* id" lines it must cause.
func (d damage) listing() []string {
	var out []string
	for _, id := range d.deleted {
		out = append(out, "- "+id)
	}
	for _, id := range d.added {
		out = append(out, "+ "+id)
	}
	for _, id := range d.changed {
		out = append(out, "* "+id)
	}
	sort.Strings(out)
	return out
}

// assertVerifyFinds runs verify --mode full --list - and checks it exits
// 1 listing exactly the damage.
func assertVerifyFinds(t *testing.T, env []string, from, to string, d damage) {
	t.Helper()
	r := runVecmig(t, t.TempDir(), env, "verify", "--from", from, "--to", to, "--mode", "full", "--list", "-")
	mustExit(t, r, exitDiffer)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line != "" && !strings.HasPrefix(line, "= ") {
			got = append(got, line)
		}
	}
	sort.Strings(got)
	if want := d.listing(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("verify --list lists\n%s\nwant\n%s\nsummary:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), r.stderr)
	}
}

// damageWeaviate deletes, adds and changes (vector, then a property)
// objects of class through Weaviate's REST API.
func damageWeaviate(t *testing.T, w *weaviatetest.Node, class string, ids []adapters.ID, dim int) damage {
	t.Helper()
	gone, vec, prop := ids[10].String(), ids[20].String(), ids[30].String()
	extra := adaptertest.UUIDFor("ce-extra", 1).String()
	mustREST(t, w, http.MethodDelete, "/v1/objects/"+class+"/"+gone, nil)
	mustREST(t, w, http.MethodPost, "/v1/objects", map[string]any{
		"class": class, "id": extra, "properties": map[string]any{"title": "extra"}, "vector": adaptertest.Dense(98, 1, dim)})
	var obj map[string]any
	if err := json.Unmarshal(mustREST(t, w, http.MethodGet, "/v1/objects/"+class+"/"+vec+"?include=vector", nil), &obj); err != nil {
		t.Fatal(err)
	}
	obj["vector"] = adaptertest.Dense(99, 2, dim)
	mustREST(t, w, http.MethodPut, "/v1/objects/"+class+"/"+vec, obj)
	mustREST(t, w, http.MethodPatch, "/v1/objects/"+class+"/"+prop, map[string]any{"class": class, "properties": map[string]any{"title": "changed"}})
	return damage{deleted: []string{gone}, added: []string{extra}, changed: []string{vec, prop}}
}

// damageQdrant does the same to a Qdrant collection through the go-client.
func damageQdrant(t *testing.T, q *qdranttest.Node, coll string, ids []adapters.ID, dim int) damage {
	t.Helper()
	cl, ctx := q.Client(t), adaptertest.Ctx(t)
	gone, vec, prop := ids[10].String(), ids[20].String(), ids[30].String()
	extra := adaptertest.UUIDFor("ce-extra", 2).String()
	wait := ptrTo(true)
	steps := []error{}
	_, err := cl.Delete(ctx, &qc.DeletePoints{CollectionName: coll, Wait: wait, Points: qc.NewPointsSelector(qc.NewID(gone))})
	steps = append(steps, err)
	_, err = cl.Upsert(ctx, &qc.UpsertPoints{CollectionName: coll, Wait: wait, Points: []*qc.PointStruct{{
		Id: qc.NewID(extra), Vectors: qc.NewVectorsDense(adaptertest.Dense(98, 1, dim)), Payload: qc.NewValueMap(map[string]any{"title": "extra"})}}})
	steps = append(steps, err)
	_, err = cl.UpdateVectors(ctx, &qc.UpdatePointVectors{CollectionName: coll, Wait: wait, Points: []*qc.PointVectors{{
		Id: qc.NewID(vec), Vectors: qc.NewVectorsDense(adaptertest.Dense(99, 2, dim))}}})
	steps = append(steps, err)
	_, err = cl.SetPayload(ctx, &qc.SetPayloadPoints{CollectionName: coll, Wait: wait,
		Payload: qc.NewValueMap(map[string]any{"title": "changed"}), PointsSelector: qc.NewPointsSelector(qc.NewID(prop))})
	steps = append(steps, err)
	for i, err := range steps {
		if err != nil {
			t.Fatalf("damage step %d on %s: %v", i, coll, err)
		}
	}
	return damage{deleted: []string{gone}, added: []string{extra}, changed: []string{vec, prop}}
}

func pointIDs(ps []adapters.Point, conv func(adapters.ID) adapters.ID) []adapters.ID {
	out := make([]adapters.ID, len(ps))
	for i, p := range ps {
		out[i] = conv(p.ID)
	}
	return out
}

func TestCrossEngineVerify(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey, "VECMIG_TO_API_KEY=" + q.APIKey}
	t.Run("qdrant to weaviate", func(t *testing.T) {
		fx := qdrantRich(200)
		from, class := loadQdrant(t, q, fx.Fixture), newClass(t, w, "verify")
		to := w.Endpoint(class)
		mustExit(t, runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--verify", "none"), 0)
		mustExit(t, runVecmig(t, t.TempDir(), env, "verify", "--from", from, "--to", to, "--mode", "full"), exitOK)
		// Integer ids: the listing shows them as the UUIDs Weaviate holds.
		d := damageWeaviate(t, w, class, pointIDs(fx.Points[""], weaviateID), 32)
		assertVerifyFinds(t, env, from, to, d)
	})
	t.Run("weaviate to qdrant", func(t *testing.T) {
		fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(200), "plain")
		from, coll := loadWeaviate(t, w, fx), q.NewName(t, "verify")
		to := q.Endpoint(coll)
		mustExit(t, runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--verify", "none"), 0)
		mustExit(t, runVecmig(t, t.TempDir(), env, "verify", "--from", from, "--to", to, "--mode", "full"), exitOK)
		d := damageQdrant(t, q, coll, pointIDs(fx.Points[""], func(id adapters.ID) adapters.ID { return id }), 32)
		assertVerifyFinds(t, env, from, to, d)
	})
}

// TestCrossEngineVerifyManyRanges: full verify cuts the id space into
// ranges and reads each on both sides at once. Across engines the target's
// ranges are the source's mapped through the id rule, so a boundary never
// reaches Weaviate as an integer. A small --page-size makes many ranges
// out of a few hundred points, both ways.
func TestCrossEngineVerifyManyRanges(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	fx := qdrantPayloadFixture("ce_ranges", 400, func(i int) map[string]any { return map[string]any{"title": fmt.Sprint("p ", i)} })
	from := loadQdrant(t, q, fx)
	class := newClass(t, w, "ce_ranges")
	to, back := w.Endpoint(class), q.Endpoint(q.NewName(t, "ce_ranges_back"))
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey, "VECMIG_TO_API_KEY=" + q.APIKey}
	verifyFull := func(from, to string, code int) string {
		t.Helper()
		r := runVecmig(t, t.TempDir(), env, "verify", "--from", from, "--to", to, "--mode", "full", "--page-size", "16", "--workers", "4", "--list", "-")
		mustExit(t, r, code)
		return r.stdout
	}
	mustExit(t, runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--verify", "none"), 0)
	if out := verifyFull(from, to, 0); strings.Count(out, "= ") != 400 {
		t.Errorf("verify Qdrant -> Weaviate listed %d equal points, want 400:\n%s", strings.Count(out, "= "), out)
	}
	mustExit(t, runVecmig(t, t.TempDir(), []string{"VECMIG_TO_API_KEY=" + q.APIKey}, "migrate", "--from", to, "--to", back, "--verify", "none"), 0)
	if out := verifyFull(to, back, 0); strings.Count(out, "= ") != 400 {
		t.Errorf("verify Weaviate -> Qdrant listed %d equal points, want 400:\n%s", strings.Count(out, "= "), out)
	}
	gone := mapping.IntToUUID(1000 + 123).String()
	mustREST(t, w, http.MethodDelete, "/v1/objects/"+class+"/"+gone, nil)
	if out := verifyFull(from, to, exitDiffer); !strings.Contains(out, "- "+gone+"\n") || strings.Count(out, "= ") != 399 {
		t.Errorf("after deleting %s on Weaviate, verify listed:\n%s", gone, out)
	}
}
