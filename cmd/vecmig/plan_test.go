package main

// The plan phase, as a user meets it: everyday mistakes end with one line
// naming the true cause, exit 2, and nothing written; --dry-run prints the
// plan of every method and writes nothing.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// demoDump copies the committed demo dump (5,000 Weaviate objects) to a
// temporary directory and returns it.
func demoDump(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "dump")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"manifest.json", "points.jsonl.gz"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// classExists asks Weaviate's schema whether a class exists.
func classExists(t *testing.T, w *weaviatetest.Node, class string) bool {
	t.Helper()
	resp, err := http.Get(w.HTTPURL() + "/v1/schema/" + class)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// mustFailOneLine checks exit 2 and a single line on stderr containing want.
func mustFailOneLine(t *testing.T, r result, want string) {
	t.Helper()
	mustExit(t, r, exitError)
	msg := strings.TrimSpace(r.stderr)
	if strings.Count(msg, "\n") > 0 || !strings.Contains(msg, want) {
		t.Errorf("want one line containing %q, got:\n%s", want, msg)
	}
}

func TestDamagedDumpWritesNothing(t *testing.T) {
	w := weaviateNode(t, 1)
	damage := map[string]func(path string) error{
		"altered": func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x01
			return os.WriteFile(p, b, 0o644)
		},
		"truncated": func(p string) error {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, st.Size()/2)
		},
	}
	for name, spoil := range damage {
		t.Run(name, func(t *testing.T) {
			dir := demoDump(t)
			if err := spoil(filepath.Join(dir, "points.jsonl.gz")); err != nil {
				t.Fatal(err)
			}
			class := weaviatetest.NewClassName("Damaged")
			r := runVecmig(t, t.TempDir(), nil, "migrate", "--from", "file://"+dir, "--to", w.Endpoint(class))
			mustFailOneLine(t, r, "points.jsonl.gz")
			if classExists(t, w, class) {
				t.Errorf("class %s was created from a damaged dump", class)
			}
		})
	}
}

// Weaviate stores class "probe" as "Probe": vecmig writes and counts
// "Probe", says so, and the copy is complete.
func TestLowerCaseClassName(t *testing.T) {
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(200), "plain")
	from := w1.Endpoint(weaviatetest.NewClassName("probe_src"))
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	lower := "vt" + strings.ToLower(weaviatetest.NewClassName("probe"))[2:]
	upper := strings.ToUpper(lower[:1]) + lower[1:]
	r := runVecmig(t, t.TempDir(), nil, "migrate", "--from", from, "--to", w2.Endpoint(lower), "--verify", "full")
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, `"`+upper+`"`) {
		t.Errorf("the summary does not say the class is stored as %q:\n%s", upper, r.stdout)
	}
	if !classExists(t, w2, upper) {
		t.Fatalf("class %s does not exist on the target", upper)
	}
	assertCopied(t, from, w2.Endpoint(upper), "", "")
}

// Under --on-exists append, a target of another dimension is refused in
// one line before anything is written, and stays as it was.
func TestAppendDimensionMismatch(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 300) // 32-d cosine
	name := q2.NewName(t, "dim")
	ctx := adaptertest.Ctx(t)
	if err := q2.Client(t).CreateCollection(ctx, &qc.CreateCollection{CollectionName: name,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 16, Distance: qc.Distance_Cosine})}); err != nil {
		t.Fatal(err)
	}
	r := runVecmig(t, t.TempDir(), nil, "migrate", "--from", from, "--to", q2.Endpoint(name), "--on-exists", "append")
	mustFailOneLine(t, r, "32")
	if !strings.Contains(r.stderr, "16") {
		t.Errorf("the message should name both dimensions: %s", r.stderr)
	}
	if n, err := q2.Client(t).Count(ctx, &qc.CountPoints{CollectionName: name, Exact: qc.PtrOf(true)}); err != nil || n != 0 {
		t.Errorf("the target holds %d points (%v) after the refusal; want 0", n, err)
	}
}

// --dry-run prints the plan of every method and writes nothing.
func TestDryRunPrintsThePlan(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 300)
	for _, method := range []string{"live", "snapshot"} {
		t.Run(method, func(t *testing.T) {
			to := q2.Endpoint(q2.NewName(t, "dry_"+method))
			dir := t.TempDir()
			r := runVecmig(t, dir, nil, "migrate", "--method", method, "--from", from, "--to", to, "--dry-run", "--json")
			mustExit(t, r, 0)
			var out struct {
				Plan struct {
					Method string `json:"method"`
					Points uint64 `json:"points"`
				} `json:"plan"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Plan.Method != method || out.Plan.Points != 300 {
				t.Errorf("--dry-run --json: plan %+v (%v) from:\n%s", out.Plan, err, r.stdout)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("dry run left files: %v", entries)
			}
			snk := adaptertest.OpenSink(t, all.Registry(), to, adapters.Config{})
			if ok, _ := snk.Exists(adaptertest.Ctx(t)); ok {
				t.Error("dry run created the target")
			}
			assertNoSnapshots(t, q1, from)
		})
	}
}

// assertNoSnapshots checks that the source collection has no snapshot.
func assertNoSnapshots(t *testing.T, q *qdranttest.Node, url string) {
	t.Helper()
	ep, err := adapters.ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	list, err := q.Client(t).ListSnapshots(adaptertest.Ctx(t), ep.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("the source has %d snapshots after a dry run; want none", len(list))
	}
}
