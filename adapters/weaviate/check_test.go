package weaviate_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

func openSink(t *testing.T, url string) adapters.Sink {
	return adaptertest.OpenSink(t, registry, url, adapters.Config{})
}

func checkTarget(t *testing.T, sink adapters.Sink, def *adapters.Collection, onExists adapters.OnExists) []adapters.Finding {
	t.Helper()
	ck, ok := adapters.As[adapters.TargetChecker](sink)
	if !ok {
		t.Fatal("a Weaviate sink is not a TargetChecker")
	}
	fs, err := ck.CheckTarget(adaptertest.Ctx(t), def, onExists)
	if err != nil {
		t.Fatalf("CheckTarget: %v", err)
	}
	for _, f := range fs {
		if strings.Contains(f.Message, "\n") {
			t.Errorf("finding is not one line: %q", f.Message)
		}
		t.Log(f)
	}
	return fs
}

// classes lists the classes on the node.
func classes(t *testing.T, node *weaviatetest.Node) []string {
	t.Helper()
	resp, err := http.Get(node.HTTPURL() + "/v1/schema")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		Classes []struct{ Class string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range s.Classes {
		out = append(out, c.Class)
	}
	return out
}

// withVectors returns points like ps with dense vectors of dim.
func withVectors(ps []adapters.Point, dim int) []adapters.Point {
	out := make([]adapters.Point, len(ps))
	for i, p := range ps {
		p.Vectors = map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(7, i, dim)}}
		out[i] = p
	}
	return out
}

// classDef is the plain fixture's definition with its schema changed.
func classDef(t *testing.T, change func(map[string]any)) *adapters.Collection {
	t.Helper()
	def := fixture(t, "plain").Def.Clone()
	var m map[string]any
	if err := json.Unmarshal(def.Native, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	def.Native, _ = json.Marshal(m)
	return def
}

func load(t *testing.T, url string, def *adapters.Collection, part string, pts []adapters.Point) {
	t.Helper()
	fx := adaptertest.Fixture{Name: "x", Def: def, Points: map[string][]adapters.Point{part: pts}}
	adaptertest.Load(t, registry, adapters.Config{}, url, fx)
}

// --to weaviate://host/probe: Weaviate stores the class as "Probe", and
// vecmig uses that name everywhere, so the copy is complete and counted.
func TestLowerCaseClassName(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "plain")
	real := weaviatetest.NewClassName("probe")
	lower := strings.ToLower(real[:1]) + real[1:]
	sink := openSink(t, node.Endpoint(lower))
	if got, want := sink.Endpoint(), strings.Split(node.Endpoint(real), "?")[0]; got != want {
		t.Errorf("Endpoint() = %s; want the real name, %s", got, want)
	}
	fs := checkTarget(t, sink, fx.Def, adapters.ExistsFail)
	note := `class "` + lower + `" is stored by Weaviate as "` + real + `"; vecmig uses "` + real + `"`
	if len(fs) != 1 || fs[0].Level != adapters.LevelNote || fs[0].Message != note {
		t.Errorf("findings %v; want the one note %q", fs, note)
	}

	adaptertest.Load(t, registry, adapters.Config{}, node.Endpoint(lower), fx)
	n, err := sink.Count(ctx, "")
	if err != nil || n != uint64(len(fx.Points[""])) {
		t.Errorf("sink Count = %d, %v; want %d", n, err, len(fx.Points[""]))
	}
	for _, c := range classes(t, node) {
		if strings.EqualFold(c, real) && c != real {
			t.Errorf("class %q exists beside %q", c, real)
		}
	}
	src := openSource(t, node.Endpoint(lower), adapters.Config{})
	def, err := src.Describe(ctx)
	if err != nil || def.Name != real {
		t.Fatalf("Describe through the lower-case name = %v, %v; want class %s", def, err, real)
	}
	if n, err := src.Count(ctx, ""); err != nil || n != uint64(len(fx.Points[""])) {
		t.Errorf("source Count = %d, %v", n, err)
	}
	fs = checkTarget(t, sink, fx.Def, adapters.ExistsFail)
	if len(fs) != 2 || fs[1].Kind != adapters.KindExists || !strings.Contains(fs[1].Message, `class "`+real+`" exists on the target; use --on-exists append or recreate`) {
		t.Errorf("existing class under fail: %v", fs)
	}
	fs = checkTarget(t, sink, fx.Def, adapters.ExistsRecreate)
	if len(fs) != 2 || fs[1].Level != adapters.LevelNote || !strings.Contains(fs[1].Message, "(60 objects) and will be deleted first") {
		t.Errorf("existing class under recreate: %v", fs)
	}
}

// A class name Weaviate refuses is an error before anything is written.
func TestBadClassName(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "plain")
	for _, tc := range []struct{ name, suggest string }{{"my-class", "My_class"}, {"1abc", "C1abc"}} {
		t.Run(tc.name, func(t *testing.T) {
			sink := openSink(t, node.Endpoint(tc.name))
			fs := checkTarget(t, sink, fx.Def, adapters.ExistsFail)
			if len(fs) != 1 || fs[0].Level != adapters.LevelError || fs[0].Kind != adapters.KindInvalid ||
				!strings.Contains(fs[0].Message, `class name "`+tc.name+`" breaks Weaviate's rule`) || !strings.Contains(fs[0].Message, `name the class "`+tc.suggest+`"`) {
				t.Errorf("findings %v; want one error naming %q and suggesting %q", fs, tc.name, tc.suggest)
			}
			if ok, err := sink.Exists(ctx); ok || err != nil {
				t.Errorf("Exists = %v, %v; want false, nil", ok, err)
			}
			err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail)
			if adapters.KindOf(err) != adapters.KindInvalid || !strings.Contains(err.Error(), "breaks Weaviate's rule") {
				t.Errorf("Prepare = %v; want the same error", err)
			}
			for _, c := range classes(t, node) {
				if strings.EqualFold(c, tc.name) || strings.EqualFold(c, tc.suggest) {
					t.Errorf("class %q was created", c)
				}
			}
			_, err = openSource(t, node.Endpoint(tc.name), adapters.Config{}).Describe(ctx)
			if adapters.KindOf(err) != adapters.KindInvalid {
				t.Errorf("Describe = %v; want KindInvalid", err)
			}
		})
	}
}

// Appending 32-d vectors to a class whose objects have 16 is one finding,
// found before writing (the source's dimension sampled from its objects,
// the target's from its own), and Prepare refuses: the class is unchanged.
func TestAppendDimensionMismatch(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "plain")
	from := node.Endpoint(weaviatetest.NewClassName("dimsrc"))
	adaptertest.Load(t, registry, adapters.Config{}, from, fx)
	to := node.Endpoint(weaviatetest.NewClassName("dimdst"))
	load(t, to, fx.Def, "", withVectors(fx.Points[""][:5], 16))

	src := openSource(t, from, adapters.Config{})
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if def, err = adapters.SampleSizes(ctx, src, def); err != nil || def.Vectors[adapters.DefaultVector].Size != 32 {
		t.Fatalf("SampleSizes = %+v, %v; want 32-d", def, err)
	}
	sink := openSink(t, to)
	fs := checkTarget(t, sink, def, adapters.ExistsAppend)
	if len(fs) != 1 || fs[0].Kind != adapters.KindIncompatible ||
		!strings.HasPrefix(fs[0].Message, "the unnamed vector has 16 dimensions on the target and 32 on the source; use --on-exists recreate") {
		t.Errorf("findings %v; want one about the dimension", fs)
	}
	err = sink.Prepare(ctx, def, adapters.ExistsAppend)
	if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "16 dimensions on the target and 32 on the source") {
		t.Errorf("Prepare = %v; want the finding as an error", err)
	}
	if n, err := sink.Count(ctx, ""); err != nil || n != 5 {
		t.Errorf("target Count = %d, %v; want 5 (unchanged)", n, err)
	}
}

// Each difference is its own finding: distance, multi-tenancy, a
// property's data type.
func TestAppendReportsEveryDifference(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "plain")

	dot := classDef(t, func(m map[string]any) { m["vectorIndexConfig"] = map[string]any{"distance": "dot"} })
	to := node.Endpoint(weaviatetest.NewClassName("dist"))
	load(t, to, dot, "", fx.Points[""][:5])
	fs := checkTarget(t, openSink(t, to), fx.Def, adapters.ExistsAppend)
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Message, "the unnamed vector uses distance dot on the target and cosine on the source; use --on-exists recreate") {
		t.Errorf("distance: findings %v; want one", fs)
	}

	other := classDef(t, func(m map[string]any) {
		m["vectorIndexConfig"] = map[string]any{"distance": "dot"}
		m["multiTenancyConfig"] = map[string]any{"enabled": true}
		props := m["properties"].([]any)
		props[1] = map[string]any{"name": "count", "dataType": []any{"text"}}
		m["properties"] = props[:len(props)-1] // no "items"
	})
	other.Partitioned, other.Partitions = true, []adapters.Partition{{Name: "t1", Status: "HOT"}}
	to = node.Endpoint(weaviatetest.NewClassName("every"))
	load(t, to, other, "t1", []adapters.Point{{ID: adaptertest.UUIDFor("every", 1),
		Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(1, 1, 32)}}, Payload: map[string]any{"count": "one"}}})
	sink := openSink(t, to)
	fs = checkTarget(t, sink, fx.Def, adapters.ExistsAppend)
	want := []string{
		"the unnamed vector uses distance dot on the target and cosine on the source",
		`has multi-tenancy on and the source's class off`,
		`property "count" is text on the target and int on the source`,
	}
	errs := adapters.ErrorFindings(fs)
	if len(errs) != len(want) {
		t.Errorf("%d error findings, want %d: %v", len(errs), len(want), fs)
	}
	for _, w := range want {
		found := false
		for _, f := range errs {
			found = found || strings.Contains(f.Message, w)
		}
		if !found {
			t.Errorf("no finding says %q", w)
		}
	}
	if len(fs) != len(errs)+1 || fs[len(fs)-1].Level != adapters.LevelWarning || !strings.Contains(fs[len(fs)-1].Message, `property "items" (object[]) does not exist on the target class`) {
		t.Errorf("want a warning about the missing property: %v", fs)
	}
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsAppend); adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "(and 2 more problems") {
		t.Errorf("Prepare = %v", err)
	}
}

// A batch the server rejects in full is one line with the first 3 ids and
// the server's reason; the error value holds every rejected object.
func TestRejectedObjectsOneLine(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "plain")
	url := node.Endpoint(weaviatetest.NewClassName("rejectmany"))
	load(t, url, fx.Def, "", fx.Points[""][:12])
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsAppend); err != nil {
		t.Fatal(err)
	}
	bad := withVectors(fx.Points[""][12:32], 8)
	err := sink.Write(ctx, "", bad)
	var re *adapters.RejectedError
	if !errors.As(err, &re) || adapters.KindOf(err) != adapters.KindInvalid {
		t.Fatalf("write 8-d vectors into a 32-d class = %v; want a RejectedError of KindInvalid", err)
	}
	t.Log(err)
	if re.Total != 20 || len(re.Rejected) != 20 {
		t.Errorf("rejected %d of %d; want 20 of 20", len(re.Rejected), re.Total)
	}
	for i, r := range re.Rejected {
		if r.ID != bad[i].ID || r.Message == "" || len(r.Message) > adapters.MaxMessage || strings.Contains(r.Message, "\n") {
			t.Errorf("rejection %d = %+v; want object %s with a short reason", i, r, bad[i].ID)
		}
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || len(msg) > 450 || !strings.Contains(msg, "20 of 20 objects rejected; first: ") || !strings.Contains(msg, "; and 17 more") {
		t.Errorf("message %q: want one line with the count", msg)
	}
	for _, p := range bad[:3] {
		if !strings.Contains(msg, p.ID.String()) {
			t.Errorf("message does not name %s", p.ID)
		}
	}
	if strings.Contains(msg, bad[3].ID.String()) {
		t.Errorf("message names a 4th object")
	}
	if n, err := sink.Count(ctx, ""); err != nil || n != 12 {
		t.Errorf("Count = %d, %v; want 12", n, err)
	}
}
