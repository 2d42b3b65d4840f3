package verify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify"
)

func TestMain(m *testing.M) { weaviatetest.Main(m) }

// weaviateCopy loads fx into two fresh classes of the shared Weaviate.
func weaviateCopy(t *testing.T, node *weaviatetest.Node, fx adaptertest.Fixture) (src, dst adapters.Source, dstClass string) {
	t.Helper()
	reg := all.Registry()
	srcURL := node.Endpoint(weaviatetest.NewClassName(fx.Name + "Src"))
	dstClass = weaviatetest.NewClassName(fx.Name + "Dst")
	start := time.Now()
	adaptertest.Load(t, reg, adapters.Config{}, srcURL, fx)
	adaptertest.Load(t, reg, adapters.Config{}, node.Endpoint(dstClass), fx)
	t.Logf("loaded %d points twice in %s", fx.Total(), time.Since(start).Round(time.Millisecond))
	return open(t, reg, adapters.Config{}, srcURL), open(t, reg, adapters.Config{}, node.Endpoint(dstClass)), dstClass
}

// rest sends one request to Weaviate's REST API and fails on an error status.
func rest(t *testing.T, node *weaviatetest.Node, method, path string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(adaptertest.Ctx(t), method, node.HTTPURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, out)
	}
}

func objPath(class string, id adapters.ID) string {
	return fmt.Sprintf("/v1/objects/%s/%s", class, id)
}

// TestWeaviateMutations copies 50k objects with rich properties, then
// damages the copy through Weaviate's REST API.
func TestWeaviateMutations(t *testing.T) {
	node := weaviatetest.Shared(t)
	fx := adaptertest.WeaviateFixtures(50000)[0] // plain: every property type, one 32-d cosine vector
	// A flat index loads several times faster than HNSW; what is stored
	// and read back is the same.
	def := *fx.Def
	def.Native = json.RawMessage(strings.Replace(string(def.Native), `"hnsw"`, `"flat"`, 1))
	fx.Def = &def
	src, dst, class := weaviateCopy(t, node, fx)
	ps := fx.Points[""]

	start := time.Now()
	r := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
	t.Logf("full verify of 50000 objects: %s", time.Since(start).Round(time.Millisecond))
	assertEqual(t, r)
	if r.Compared != 50000 {
		t.Errorf("compared %d; want 50000", r.Compared)
	}
	start = time.Now()
	r = run(t, src, dst, verify.Options{Mode: verify.ModeSample, Seed: 5})
	t.Logf("sample of 1000 objects: %s", time.Since(start).Round(time.Millisecond))
	assertEqual(t, r)
	if r.Compared != 1000 {
		t.Errorf("sample compared %d; want 1000", r.Compared)
	}

	exp := map[adapters.ID]want{}
	// Indices with every optional property present (not %7, %5, %11 == 0).
	var pick []int
	for i := 1; len(pick) < 8; i = (i + 4099) % len(ps) {
		if _, ok := ps[i].Payload["meta"]; ok {
			if _, ok := ps[i].Payload["tags"]; ok {
				pick = append(pick, i)
			}
		}
	}
	// Delete an object.
	rest(t, node, http.MethodDelete, objPath(class, ps[pick[0]].ID), nil)
	exp[ps[pick[0]].ID] = want{status: verify.StatusMissing}
	// Add an object.
	extra := adaptertest.UUIDFor("wv-extra", 1)
	rest(t, node, http.MethodPost, "/v1/objects", map[string]any{"class": class, "id": extra.String(),
		"properties": map[string]any{"title": "intruder"}, "vector": adaptertest.Dense(9, 1, 32)})
	exp[extra] = want{status: verify.StatusExtra}
	// Change a property.
	rest(t, node, http.MethodPatch, objPath(class, ps[pick[1]].ID), map[string]any{"class": class, "properties": map[string]any{"title": "tampered"}})
	exp[ps[pick[1]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-differs title"}}
	// Perturb one vector component by 1e-3 (PUT replaces the object).
	put := func(i int, props map[string]any, vec []float32) {
		t.Helper()
		rest(t, node, http.MethodPut, objPath(class, ps[i].ID), map[string]any{"class": class, "id": ps[i].ID.String(), "properties": props, "vector": vec})
	}
	v := append([]float32(nil), ps[pick[2]].Vectors[""].Dense...)
	v[7] += 1e-3
	put(pick[2], ps[pick[2]].Payload, v)
	exp[ps[pick[2]].ID] = want{status: verify.StatusDiffers, diffs: []string{"vector-differs "}}
	// Remove a property.
	props := map[string]any{}
	for k, x := range ps[pick[3]].Payload {
		if k != "tags" {
			props[k] = x
		}
	}
	put(pick[3], props, ps[pick[3]].Vectors[""].Dense)
	exp[ps[pick[3]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-missing tags"}}
	// Add a property the object lacked (objects i%7==0 have no score).
	k := 7 * 1234
	rest(t, node, http.MethodPatch, objPath(class, ps[k].ID), map[string]any{"class": class, "properties": map[string]any{"score": 1.5}})
	exp[ps[k].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-extra score"}}
	// Change a nested property.
	meta := ps[pick[4]].Payload["meta"].(map[string]any)
	rest(t, node, http.MethodPatch, objPath(class, ps[pick[4]].ID), map[string]any{"class": class, "properties": map[string]any{
		"meta": map[string]any{"level": meta["level"], "label": "changed", "inner": meta["inner"]}}})
	exp[ps[pick[4]].ID] = want{status: verify.StatusDiffers, diffs: []string{"payload-differs meta.label"}}
	// Drop the vector.
	put(pick[5], ps[pick[5]].Payload, nil)
	exp[ps[pick[5]].ID] = want{status: verify.StatusDiffers, diffs: []string{"vector-missing "}}

	r = run(t, src, dst, verify.Options{Mode: verify.ModeFull})
	assertExactly(t, r, exp)
	r = run(t, src, dst, verify.Options{Mode: verify.ModeFull, Workers: 3, PageSize: 100})
	assertExactly(t, r, exp)
	// Slices find every damaged source object between them.
	found := 0
	for i := 1; i <= 4; i++ {
		r := run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{Slice: i, Slices: 4}})
		found += int(r.Mismatched)
	}
	if found != len(exp)-1 {
		t.Errorf("slices 1/4..4/4 found %d damaged source objects; want %d", found, len(exp)-1)
	}
}

// TestWeaviateNamedVectors drops and perturbs named and multi-vectors.
func TestWeaviateNamedVectors(t *testing.T) {
	node := weaviatetest.Shared(t)
	fx := adaptertest.WeaviateFixtures(3000)[1] // named: title, body, colbert (multi)
	src, dst, class := weaviateCopy(t, node, fx)
	assertEqual(t, run(t, src, dst, verify.Options{Mode: verify.ModeFull}))
	ps := fx.Points[""]
	vectors := func(p adapters.Point, skip string, bump string) map[string]any {
		out := map[string]any{}
		for n, v := range p.Vectors {
			if n == skip {
				continue
			}
			if v.Multi != nil {
				m := make([][]float32, len(v.Multi))
				for i := range v.Multi {
					m[i] = append([]float32(nil), v.Multi[i]...)
				}
				if n == bump {
					m[len(m)-1][2] += 1e-3
				}
				out[n] = m
				continue
			}
			d := append([]float32(nil), v.Dense...)
			if n == bump {
				d[0] += 1e-3
			}
			out[n] = d
		}
		return out
	}
	put := func(p adapters.Point, vecs map[string]any) {
		rest(t, node, http.MethodPut, objPath(class, p.ID), map[string]any{"class": class, "id": p.ID.String(), "properties": p.Payload, "vectors": vecs})
	}
	// Points 0 (i%4==0, i%6==0) carry all three vectors: find them by payload n.
	byN := map[int64]adapters.Point{}
	for _, p := range ps {
		byN[p.Payload["n"].(int64)] = p
	}
	a, b, c := byN[12], byN[24], byN[36]
	put(a, vectors(a, "colbert", ""))
	put(b, vectors(b, "", "title"))
	put(c, vectors(c, "", "colbert"))
	assertExactly(t, run(t, src, dst, verify.Options{Mode: verify.ModeFull}), map[adapters.ID]want{
		a.ID: {status: verify.StatusDiffers, diffs: []string{"vector-missing colbert"}},
		b.ID: {status: verify.StatusDiffers, diffs: []string{"vector-differs title"}},
		c.ID: {status: verify.StatusDiffers, diffs: []string{"vector-differs colbert"}},
	})
}

// TestWeaviateTenants: per-tenant counts and comparison, including the
// inactive tenant, which is put back to COLD afterwards.
func TestWeaviateTenants(t *testing.T) {
	node := weaviatetest.Shared(t)
	fx := adaptertest.WeaviateFixtures(1200)[2]
	src, dst, class := weaviateCopy(t, node, fx)
	r := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
	assertEqual(t, r)
	if len(r.Partitions) != 3 || r.Compared != uint64(fx.Total()) {
		t.Errorf("partitions %+v, compared %d; want 3 and %d", r.Partitions, r.Compared, fx.Total())
	}
	assertEqual(t, run(t, src, dst, verify.Options{Mode: verify.ModeSample, Sample: verify.SampleSpec{N: 100}}))
	victim := fx.Points["beta"][3].ID
	rest(t, node, http.MethodDelete, objPath(class, victim)+"?tenant=beta", nil)
	r = run(t, src, dst, verify.Options{Mode: verify.ModeFull})
	assertExactly(t, r, map[adapters.ID]want{victim: {status: verify.StatusMissing}})
	if r.Mismatches[0].Partition != "beta" {
		t.Errorf("mismatch in partition %q; want beta", r.Mismatches[0].Partition)
	}
	def, err := dst.Describe(adaptertest.Ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range def.Partitions {
		if p.Name == "gamma" && p.Status != "COLD" {
			t.Errorf("tenant gamma left %s after verify; want COLD", p.Status)
		}
	}
}

// TestWeaviateIntoQdrantCosine: Weaviate objects copied into a Qdrant
// Cosine collection (which stores unit vectors) verify as equal.
func TestWeaviateIntoQdrantCosine(t *testing.T) {
	node := weaviatetest.Shared(t)
	tg := qdranttest.Instance(t, 1)
	fx := adaptertest.WeaviateFixtures(2000)[0]
	for i := range fx.Points[""] {
		for k := range fx.Points[""][i].Vectors[""].Dense {
			fx.Points[""][i].Vectors[""].Dense[k] *= 7 // not unit length
		}
	}
	reg := all.Registry()
	srcURL := node.Endpoint(weaviatetest.NewClassName("wq"))
	adaptertest.Load(t, reg, adapters.Config{}, srcURL, fx)
	def, err := qdrant.Definition("wq", &qdrant.Native{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber: 1, VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 32, Distance: qc.Distance_Cosine}),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	qfx := fx
	qfx.Def = def
	cfg := adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}
	dstURL := tg.Endpoint(tg.NewName(t, "from_weaviate"))
	adaptertest.Load(t, reg, cfg, dstURL, qfx)
	src, dst := open(t, reg, adapters.Config{}, srcURL), open(t, reg, cfg, dstURL)
	r := run(t, src, dst, verify.Options{Mode: verify.ModeFull})
	assertEqual(t, r)
	if r.Compared != 2000 {
		t.Errorf("compared %d; want 2000", r.Compared)
	}
}
