package mapping

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

// qwPointsSource is a Source over points held in memory: the payload scan
// needs only Read, and its paging is what is under test, not a server.
type qwPointsSource struct {
	parts map[string][]adapters.Point // sorted by id
	reads int
}

func (s *qwPointsSource) Describe(context.Context) (*adapters.Collection, error) { return nil, nil }
func (s *qwPointsSource) Count(_ context.Context, part string) (uint64, error) {
	return uint64(len(s.parts[part])), nil
}
func (s *qwPointsSource) Get(context.Context, string, []adapters.ID) ([]adapters.Point, error) {
	return nil, nil
}
func (s *qwPointsSource) Endpoint() string { return "memory" }
func (s *qwPointsSource) Close() error     { return nil }

func (s *qwPointsSource) Read(_ context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	s.reads++
	ps := s.parts[req.Partition]
	i := 0
	if req.After != nil {
		i = sort.Search(len(ps), func(i int) bool { return req.After.Less(ps[i].ID) })
	}
	end := min(i+req.Limit, len(ps))
	return adapters.Page{Points: ps[i:end], Done: end == len(ps)}, nil
}

func qwMemSource(parts map[string][]adapters.Point) *qwPointsSource {
	for _, ps := range parts {
		sort.Slice(ps, func(i, j int) bool { return ps[i].ID.Less(ps[j].ID) })
	}
	return &qwPointsSource{parts: parts}
}

// qwDef builds a Qdrant definition the way Describe does.
func qwDef(t testing.TB, n *qdrant.Native) *adapters.Collection {
	t.Helper()
	def, err := qdrant.Definition("docs", n)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func qwDense(size uint64, d qc.Distance) *qdrant.Native {
	return &qdrant.Native{Config: &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber: 1, VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: size, Distance: d}),
	}}}
}

func qwTranslate(t testing.TB, def *adapters.Collection, src adapters.Source, opts Options) *Translation {
	t.Helper()
	tr, err := Translate(context.Background(), src, def, Weaviate, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// qwClassOf decodes the translated class.
func qwClassOf(t testing.TB, tr *Translation) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(tr.Def.Native, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// qwPropOf finds a property by its path of names ("meta.inner").
func qwPropOf(t testing.TB, class map[string]any, path string) map[string]any {
	t.Helper()
	props, _ := class["properties"].([]any)
	var p map[string]any
	for _, name := range strings.Split(path, ".") {
		p = nil
		for _, x := range props {
			if m := x.(map[string]any); m["name"] == name {
				p = m
			}
		}
		if p == nil {
			t.Fatalf("class has no property %q (path %q)", name, path)
		}
		props, _ = p["nestedProperties"].([]any)
	}
	return p
}

func qwDataType(p map[string]any) string { return p["dataType"].([]any)[0].(string) }

// qwFindings returns the findings of a level whose subject or message
// contains s.
func qwFindings(tr *Translation, level adapters.Level, s string) []adapters.Finding {
	var out []adapters.Finding
	for _, f := range tr.Findings {
		if f.Level == level && strings.Contains(f.String(), s) {
			out = append(out, f)
		}
	}
	return out
}

func qwWantFinding(t testing.TB, tr *Translation, level adapters.Level, parts ...string) adapters.Finding {
	t.Helper()
	for _, f := range tr.Findings {
		ok := f.Level == level
		for _, p := range parts {
			ok = ok && strings.Contains(f.String(), p)
		}
		if ok {
			return f
		}
	}
	t.Fatalf("no %s finding with %q among:\n%s", level, parts, qwFindingList(tr))
	return adapters.Finding{}
}

func qwFindingList(tr *Translation) string {
	var b strings.Builder
	for _, f := range tr.Findings {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

func qwNoErrors(t testing.TB, tr *Translation) {
	t.Helper()
	if errs := adapters.ErrorFindings(tr.Findings); len(errs) > 0 {
		t.Fatalf("unexpected error findings:\n%s", qwFindingList(tr))
	}
}

func qwPt(id adapters.ID, payload map[string]any) adapters.Point {
	return adapters.Point{ID: id, Payload: payload}
}

func qwPtr[T any](v T) *T { return &v }
