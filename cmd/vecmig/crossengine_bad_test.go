package main

// What cannot be translated is refused before anything is written: one
// line naming the cause, exit 2, no target.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// qdrantPayloadFixture is n points with one 8-d Cosine vector and the
// payload payload(i), ids 1000+i.
func qdrantPayloadFixture(name string, n int, payload func(i int) map[string]any) adaptertest.Fixture {
	fx := adaptertest.Fixture{Name: name, Def: qdrantFixtureDef(name, oneVector(8, qc.Distance_Cosine), nil), Points: map[string][]adapters.Point{}}
	for i := 0; i < n; i++ {
		fx.Points[""] = append(fx.Points[""], adapters.Point{ID: adapters.NumID(uint64(1000 + i)),
			Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(41, i, 8)}}, Payload: payload(i)})
	}
	return fx
}

// weaviateClassFixture is a class from its schema JSON (%s is the class
// name, for references to itself) with n objects titled and one vector.
func weaviateClassFixture(name, schema, class string, dist adapters.Distance, n int) adaptertest.Fixture {
	fx := adaptertest.Fixture{Name: name, Points: map[string][]adapters.Point{}, Def: &adapters.Collection{
		Engine: "weaviate", Name: class, Native: json.RawMessage(fmt.Sprintf(schema, class)),
		Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: dist, Datatype: "float32"}},
	}}
	for i := 0; i < n; i++ {
		fx.Points[""] = append(fx.Points[""], adapters.Point{ID: adaptertest.UUIDFor(name, i),
			Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(42, i, 8)}},
			Payload: map[string]any{"title": fmt.Sprintf("%s %d", name, i)}})
	}
	adaptertest.SortPoints(fx.Points[""])
	return fx
}

const hammingClass = `{"class": %q, "vectorizer": "none", "vectorIndexType": "hnsw",
  "vectorIndexConfig": {"distance": "hamming"}, "properties": [{"name": "title", "dataType": ["text"]}]}`

const referenceClass = `{"class": %[1]q, "vectorizer": "none", "vectorIndexConfig": {"distance": "cosine"},
  "properties": [{"name": "title", "dataType": ["text"]}, {"name": "author", "dataType": [%[1]q]}]}`

// loadWeaviateClass loads a class fixture under a fresh name.
func loadWeaviateClass(t *testing.T, w *weaviatetest.Node, name, schema string, dist adapters.Distance) string {
	t.Helper()
	class := newClass(t, w, name)
	fx := weaviateClassFixture(name, schema, class, dist, 60)
	adaptertest.Load(t, all.Registry(), adapters.Config{}, w.Endpoint(class), fx)
	return w.Endpoint(class)
}

// qdrantAbsent checks a Qdrant collection does not exist.
func qdrantAbsent(t *testing.T, q *qdranttest.Node, coll string) {
	t.Helper()
	if ok, err := q.Client(t).CollectionExists(adaptertest.Ctx(t), coll); err != nil || ok {
		t.Errorf("collection %s exists (%v, %v) after a refused copy; nothing may be written", coll, ok, err)
	}
}

func TestCrossEngineBadInput(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey, "VECMIG_TO_API_KEY=" + q.APIKey}
	toWeaviate := func(t *testing.T, hint string) (string, func(t *testing.T)) {
		class := newClass(t, w, hint)
		return w.Endpoint(class), func(t *testing.T) {
			if classExists(t, w, class) {
				t.Errorf("class %s exists after a refused copy; nothing may be written", class)
			}
		}
	}
	toQdrant := func(t *testing.T, hint string) (string, func(t *testing.T)) {
		coll := q.NewName(t, hint)
		return q.Endpoint(coll), func(t *testing.T) { qdrantAbsent(t, q, coll) }
	}
	toClass := func(class string) func(t *testing.T, hint string) (string, func(t *testing.T)) {
		return func(t *testing.T, hint string) (string, func(t *testing.T)) {
			return w.Endpoint(class), func(t *testing.T) {
				if code, _ := weaviateREST(t, w, http.MethodGet, "/v1/schema/"+class, nil); code == http.StatusOK {
					t.Errorf("class %q exists after a refused copy", class)
				}
			}
		}
	}
	mixedIDs := func(t *testing.T) string { return loadQdrant(t, q, qdrantMixedIDs(40).Fixture) }
	cases := []struct {
		name   string
		source func(t *testing.T) string
		target func(t *testing.T, hint string) (string, func(t *testing.T))
		want   []string // in the one line of the error
	}{
		{"sparse vector without --drop-vector",
			func(t *testing.T) string { return loadQdrant(t, q, qdrantNamedVectors(40, true).Fixture) },
			toWeaviate, []string{"keywords", "--drop-vector"}},
		{"hamming distance",
			func(t *testing.T) string { return loadWeaviateClass(t, w, "hamming", hammingClass, adapters.Hamming) },
			toQdrant, []string{"hamming"}},
		{"payload type conflict",
			func(t *testing.T) string {
				return loadQdrant(t, q, qdrantPayloadFixture("conflict", 60, func(i int) map[string]any {
					if i%2 == 0 {
						return map[string]any{"mixed": int64(i)}
					}
					return map[string]any{"mixed": fmt.Sprintf("s%d", i)}
				}))
			},
			toWeaviate, []string{"mixed", "--coerce"}},
		{"integer beyond 2^53",
			func(t *testing.T) string {
				return loadQdrant(t, q, qdrantPayloadFixture("bigint", 60, func(i int) map[string]any {
					if i == 5 || i == 9 {
						return map[string]any{"big": int64(1)<<53 + 1}
					}
					return map[string]any{"big": int64(i)}
				}))
			},
			toWeaviate, []string{"big", "1005", "1009"}},
		{"class name starting with a digit", mixedIDs, toClass("9lives"), []string{"9lives"}},
		{"class name with a dash", mixedIDs, toClass("My-class"), []string{"My-class"}},
		{"cross-reference without --drop-references",
			func(t *testing.T) string { return loadWeaviateClass(t, w, "refs", referenceClass, adapters.Cosine) },
			toQdrant, []string{"author", "--drop-references"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from := c.source(t)
			to, absent := c.target(t, "refused")
			r := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to)
			mustFailOneLine(t, r, c.want[0])
			for _, s := range c.want[1:] {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("the error does not name %q:\n%s", s, r.stderr)
				}
			}
			absent(t)
		})
	}
}

// With --drop-references the class is copied without the reference
// property, and the summary says so.
func TestCrossEngineDropReferences(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	from := loadWeaviateClass(t, w, "refs", referenceClass, adapters.Cosine)
	coll := q.NewName(t, "norefs")
	r := runVecmig(t, t.TempDir(), []string{"VECMIG_TO_API_KEY=" + q.APIKey}, "migrate", "--from", from, "--to", q.Endpoint(coll), "--drop-references", "--verify", "full")
	mustExit(t, r, 0)
	said := false
	for _, line := range strings.Split(r.stdout, "\n") {
		said = said || (strings.Contains(line, "dropped") && strings.Contains(line, `"author"`))
	}
	if !said {
		t.Errorf("the summary does not say the reference property \"author\" was dropped:\n%s", r.stdout)
	}
	_, got := readPartitions(t, q.Endpoint(coll), q.APIKey)
	if len(got[""]) != 60 {
		t.Errorf("the target holds %d points, want 60", len(got[""]))
	}
	for _, p := range got[""] {
		if _, ok := p.Payload["author"]; ok || p.Payload["title"] == nil {
			t.Errorf("point %s has payload %v; want a title and no author", p.ID, p.Payload)
			break
		}
	}
}
