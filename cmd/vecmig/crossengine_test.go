package main

// Copies across engines (adapters/mapping), run as a user would: vecmig
// migrate, plan and verify between a real Qdrant and a real Weaviate. Each
// test reads the target back itself and checks it against the rules of
// the translation (ids, names, types, vectors, tenants); vecmig's own
// output is only checked where it is the product (the plan, a refusal).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify"
)

// crossTolerance allows float32 rounding after scaling to unit length.
var crossTolerance = verify.Tolerance{Abs: 1e-5, Rel: 1e-5}

// loadQdrant loads fx into a fresh collection on q and returns its URL.
func loadQdrant(t *testing.T, q *qdranttest.Node, fx adaptertest.Fixture) string {
	t.Helper()
	url := q.Endpoint(q.NewName(t, fx.Name))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}, url, fx)
	return url
}

// newClass returns a fresh Weaviate class name, dropped when the test ends.
func newClass(t *testing.T, w *weaviatetest.Node, hint string) string {
	t.Helper()
	class := weaviatetest.NewClassName(hint)
	t.Cleanup(func() { weaviateREST(t, w, http.MethodDelete, "/v1/schema/"+class, nil) })
	return class
}

// weaviateREST sends one request to Weaviate's REST API and returns the
// status and body; body, if not nil, is sent as JSON.
func weaviateREST(t *testing.T, w *weaviatetest.Node, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.HTTPURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// mustREST is weaviateREST that fails the test on a status above 299.
func mustREST(t *testing.T, w *weaviatetest.Node, method, path string, body any) []byte {
	t.Helper()
	code, b := weaviateREST(t, w, method, path, body)
	if code > 299 {
		t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	return b
}

// classProp is a property of a Weaviate class schema.
type classProp struct {
	Name        string      `json:"name"`
	DataType    []string    `json:"dataType"`
	Description string      `json:"description"`
	Nested      []classProp `json:"nestedProperties"`
}

type classSchema struct {
	Class       string      `json:"class"`
	Description string      `json:"description"`
	Properties  []classProp `json:"properties"`
}

// readClass reads a class's schema from Weaviate.
func readClass(t *testing.T, w *weaviatetest.Node, class string) classSchema {
	t.Helper()
	var c classSchema
	if err := json.Unmarshal(mustREST(t, w, http.MethodGet, "/v1/schema/"+class, nil), &c); err != nil {
		t.Fatalf("schema of %s: %v", class, err)
	}
	return c
}

// propTypes flattens properties to path -> data type, and path ->
// description.
func propTypes(props []classProp, prefix string, types, descs map[string]string) {
	for _, p := range props {
		path := prefix + p.Name
		types[path] = strings.Join(p.DataType, ",")
		descs[path] = p.Description
		propTypes(p.Nested, path+".", types, descs)
	}
}

// assertClassTypes checks the class's properties have exactly the data
// types want gives, and renamed ones record their source key.
func assertClassTypes(t *testing.T, w *weaviatetest.Node, class string, want, renamed map[string]string) {
	t.Helper()
	types, descs := map[string]string{}, map[string]string{}
	propTypes(readClass(t, w, class).Properties, "", types, descs)
	for path, typ := range want {
		if types[path] != typ {
			t.Errorf("class %s: property %q has data type %q, want %q", class, path, types[path], typ)
		}
	}
	for path, typ := range types {
		if _, ok := want[path]; !ok {
			t.Errorf("class %s: unexpected property %q (%s)", class, path, typ)
		}
	}
	for path, key := range renamed {
		if got, ok := mapping.KeyFromDescription(descs[path]); !ok || got != key {
			t.Errorf("class %s: property %q does not record its source key %q (description %q)", class, path, key, descs[path])
		}
	}
}

// readPartitions reads every partition of url: definition and points.
func readPartitions(t *testing.T, url, key string) (*adapters.Collection, map[string][]adapters.Point) {
	t.Helper()
	src := openSource(t, url, key)
	ctx := adaptertest.Ctx(t)
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatalf("describe %s: %v", url, err)
	}
	out := map[string][]adapters.Point{}
	for _, part := range def.PartitionNames() {
		ps, err := adaptertest.ReadAll(ctx, src, part, 500)
		if err != nil {
			t.Fatalf("read %s partition %q: %v", url, part, err)
		}
		out[part] = ps
	}
	return def, out
}

// assertHolds checks the target's points equal want, partition by
// partition (vectors compared with the kinds and normalisation wantVecs
// declares: directions for cosine).
func assertHolds(t *testing.T, def *adapters.Collection, got map[string][]adapters.Point, want map[string][]adapters.Point, wantVecs map[string]adapters.VectorSpec) {
	t.Helper()
	if g, w := sortedKeys(got), sortedKeys(want); strings.Join(g, ",") != strings.Join(w, ",") {
		t.Errorf("the target's partitions are %q, want %q", g, w)
	}
	c := &verify.Comparer{Src: &adapters.Collection{Vectors: wantVecs}, Dst: def, Tol: crossTolerance}
	for part, ps := range want {
		if len(got[part]) != len(ps) {
			t.Errorf("partition %q holds %d points, want %d", part, len(got[part]), len(ps))
		}
		adaptertest.AssertPoints(t, c, ps, got[part])
	}
}

// assertVectorSpecs checks the target declares exactly these vectors, of
// the kind and distance given (and the size, where it is not 0).
func assertVectorSpecs(t *testing.T, def *adapters.Collection, want map[string]adapters.VectorSpec) {
	t.Helper()
	for name, w := range want {
		g, ok := def.Vectors[name]
		switch {
		case !ok:
			t.Errorf("the target declares no vector %q (it has %v)", name, sortedKeys(def.Vectors))
		case g.Kind != w.Kind || g.Distance != w.Distance || (w.Size != 0 && g.Size != w.Size):
			t.Errorf("vector %q on the target is %s %d-d %s, want %s %d-d %s", name, g.Kind, g.Size, g.Distance, w.Kind, w.Size, w.Distance)
		}
	}
	for name := range def.Vectors {
		if _, ok := want[name]; !ok {
			t.Errorf("the target declares vector %q, which it should not have", name)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dropFlags turns vector names into --drop-vector flags.
func dropFlags(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, "--drop-vector", n)
	}
	return out
}

// TestCrossEngineQdrantToWeaviate copies every Qdrant kind to Weaviate
// and reads Weaviate back: ids, renamed properties, types, nesting,
// geo, arrays, nulls, vectors, tenants from shard keys.
func TestCrossEngineQdrantToWeaviate(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey}
	for _, fx := range crossQdrantFixtures(150) {
		t.Run(fx.Name, func(t *testing.T) {
			from := loadQdrant(t, q, fx.Fixture)
			class := newClass(t, w, fx.Name)
			to := w.Endpoint(class)
			args := append([]string{"migrate", "--from", from, "--to", to, "--verify", "full"}, dropFlags(fx.dropVectors)...)
			mustExit(t, runVecmig(t, t.TempDir(), env, args...), 0)

			def, got := readPartitions(t, to, "")
			assertVectorSpecs(t, def, fx.wantVectors)
			assertHolds(t, def, got, fx.want, fx.wantVectors)
			assertClassTypes(t, w, class, fx.wantTypes, fx.renamed)
			if len(fx.renamedVectors) > 0 {
				desc := readClass(t, w, class).Description
				if got, err := mapping.VectorNamesFromDescription(desc); err != nil || fmt.Sprint(got) != fmt.Sprint(fx.renamedVectors) {
					t.Errorf("class %s records renamed vectors %v (%v), want %v; description %q", class, got, err, fx.renamedVectors, desc)
				}
			}
			if fx.Name == "ce_rich" {
				assertRichRules(t, got[""], fx.Total())
			}
		})
	}
}

// assertRichRules checks the Qdrant -> Weaviate rules one by one on the
// rich fixture's copy (n points), so a failure names the rule that broke.
func assertRichRules(t *testing.T, got []adapters.Point, n int) {
	t.Helper()
	byID := map[adapters.ID]adapters.Point{}
	for _, p := range got {
		byID[p.ID] = p
	}
	// Point 0 has id 1, point 1 id 4, the last one 2^63+5.
	for id, i := range map[uint64]int{1: 0, 4: 1, 1<<63 + 5: n - 1} {
		p, ok := byID[intUUID(id)]
		if !ok {
			t.Errorf("integer id %d is not on Weaviate as %s", id, intUUID(id))
			continue
		}
		src, _ := richPayloads(i)
		for prop, key := range map[string]string{"my_key": "my-key", "title_2": "Title", "title": "title", "id_": "id", "_2fa": "2fa", "created": "created"} {
			if fmt.Sprint(p.Payload[prop]) != fmt.Sprint(src[key]) {
				t.Errorf("point %d: property %q holds %v, want source key %q's value %v", id, prop, p.Payload[prop], key, src[key])
			}
		}
		meta, _ := p.Payload["meta"].(map[string]any)
		if want := src["meta"].(map[string]any)["sub-key"]; meta["sub_key"] != want {
			t.Errorf("point %d: nested meta.sub_key = %v, want %v", id, meta["sub_key"], want)
		}
		loc := src["loc"].(map[string]any)
		if g, ok := p.Payload["loc"].(map[string]any); !ok || g["latitude"] != loc["lat"] || g["longitude"] != loc["lon"] {
			t.Errorf("point %d: geo loc = %v, want latitude %v longitude %v", id, p.Payload["loc"], loc["lat"], loc["lon"])
		}
		if _, has := p.Payload["maybe"]; has != (src["maybe"] != nil) {
			t.Errorf("point %d: property maybe present=%v, but the source value is %v (nulls are not carried)", id, has, src["maybe"])
		}
	}
}

// TestCrossEnginePlan: `vecmig plan` prints the translation (the rename
// table, the nulls not carried, the dropped vector) and writes nothing.
func TestCrossEnginePlan(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey}
	cases := []struct {
		fx   crossFixture
		want []string
	}{
		{qdrantRich(100), []string{
			`renamed: property "my-key" -> "my_key"`, `renamed: property "Title" -> "title_2"`,
			`renamed: property "id" -> "id_"`, `renamed: property "2fa" -> "_2fa"`, `sub-key"`,
			"null values are not carried over",
		}},
		{qdrantNamedVectors(100, true), []string{`renamed: vector "my-vec" -> "my_vec"`, "dropped: ", "keywords"}},
	}
	for _, c := range cases {
		t.Run(c.fx.Name, func(t *testing.T) {
			from, class := loadQdrant(t, q, c.fx.Fixture), newClass(t, w, "plan")
			dir := t.TempDir()
			args := append([]string{"plan", "--from", from, "--to", w.Endpoint(class)}, dropFlags(c.fx.dropVectors)...)
			r := runVecmig(t, dir, env, args...)
			mustExit(t, r, 0)
			for _, s := range c.want {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("the plan does not say %q:\n%s", s, r.stdout)
				}
			}
			if strings.Contains(r.stdout, "sub-key") && !strings.Contains(r.stdout, "sub_key") {
				t.Errorf("the plan names nested key sub-key but not its new name sub_key:\n%s", r.stdout)
			}
			if classExists(t, w, class) {
				t.Errorf("vecmig plan created class %s", class)
			}
		})
	}
}
