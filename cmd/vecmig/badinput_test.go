package main

// TestBadInputTable is the one list of every kind of bad input vecmig
// meets: each ends with exit 2, one line on stderr naming the thing and
// what to do, and the target absent (or, when it existed, unchanged).
// Several cases are also tested on their own elsewhere; this table is
// where they are all listed.

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/migrate"
)

// badCase is one row: prep builds the command and the check of the target.
type badCase struct {
	name string
	want []string // every one in the single line of stderr
	prep func(t *testing.T) badRun
}

type badRun struct {
	args  []string
	env   []string
	check func(t *testing.T) // the target is absent, or unchanged
	// lines, when above 1, is the number of lines of a plan that found
	// several problems: a heading and one line per problem.
	lines int
}

// several marks a row whose plan finds lines-1 problems.
func several(lines int, prep func(t *testing.T) badRun) func(t *testing.T) badRun {
	return func(t *testing.T) badRun {
		r := prep(t)
		r.lines = lines
		return r
	}
}

// badBench holds the servers and sources the rows share.
type badBench struct {
	q1, q2       *qdranttest.Node
	w1, w2       *weaviatetest.Node
	qFrom, wFrom string // small sources, 32-d cosine (Qdrant) and "plain" (Weaviate)
}

func TestBadInputTable(t *testing.T) {
	b := &badBench{q1: qdranttest.Instance(t, 1), q2: qdranttest.Instance(t, 2), w1: weaviateNode(t, 1), w2: weaviateNode(t, 2)}
	b.qFrom = loadBig(t, b.q1, 20)
	b.wFrom = b.w1.Endpoint(newClass(t, b.w1, "badsrc"))
	adaptertest.Load(t, all.Registry(), adapters.Config{}, b.wFrom, adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(20), "plain"))
	var cases []badCase
	for _, rows := range []func() []badCase{b.endpointCases, b.authCases, b.sameEndpointCases,
		b.definitionCases, b.dumpCases, b.stateCases, b.backupCases} {
		cases = append(cases, rows()...)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			run := c.prep(t)
			r := runVecmig(t, t.TempDir(), run.env, run.args...)
			if run.lines > 1 {
				mustFailLines(t, r, run.lines)
			} else {
				mustFailOneLine(t, r, c.want[0])
			}
			for _, s := range c.want[1:] {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("the error does not name %q:\n%s", s, r.stderr)
				}
			}
			run.check(t)
		})
	}
}

// mustFailLines checks exit 2 and a plan's list of problems: a heading
// and one line per problem, each saying what to do.
func mustFailLines(t *testing.T, r result, lines int) {
	t.Helper()
	mustExit(t, r, exitError)
	msg := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(msg) != lines || !strings.Contains(msg[0], fmt.Sprintf("%d problems found before writing anything", lines-1)) {
		t.Errorf("want a heading and %d problems, got:\n%s", lines-1, r.stderr)
	}
	for _, l := range msg[1:] {
		if !strings.Contains(l, "use --on-exists recreate") {
			t.Errorf("a problem does not say what to do: %s", l)
		}
	}
}

// toQdrant is a fresh collection on q2 and the check that it stays absent.
func (b *badBench) toQdrant(t *testing.T) (string, func(t *testing.T)) {
	coll := b.q2.NewName(t, "bad")
	return b.q2.Endpoint(coll), func(t *testing.T) { qdrantAbsent(t, b.q2, coll) }
}

// toWeaviate is a fresh class on w2 and the check that it stays absent.
func (b *badBench) toWeaviate(t *testing.T) (string, func(t *testing.T)) {
	class := newClass(t, b.w2, "bad")
	return b.w2.Endpoint(class), func(t *testing.T) {
		if classExists(t, b.w2, class) {
			t.Errorf("class %s exists after a refused copy; nothing may be written", class)
		}
	}
}

// migrateTo runs migrate from a source to a fresh target of the engine
// ("qdrant" or "weaviate"), with extra flags.
func (b *badBench) migrateTo(engine, from string, env []string, extra ...string) func(t *testing.T) badRun {
	return func(t *testing.T) badRun {
		to, check := b.toQdrant(t)
		if engine == "weaviate" {
			to, check = b.toWeaviate(t)
		}
		return badRun{args: append([]string{"migrate", "--from", from, "--to", to}, extra...), env: env, check: check}
	}
}

// unchanged records a target's count and definition and returns the check
// that both are the same afterwards.
func unchanged(t *testing.T, url, key string) func(t *testing.T) {
	t.Helper()
	before := targetState(t, url, key)
	return func(t *testing.T) {
		if after := targetState(t, url, key); after != before {
			t.Errorf("the existing target changed after a refused copy:\nbefore %s\nafter  %s", before, after)
		}
	}
}

func targetState(t *testing.T, url, key string) string {
	t.Helper()
	src := openSource(t, url, key)
	ctx := adaptertest.Ctx(t)
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := uint64(0)
	parts := []string{""}
	if len(def.Partitions) > 0 {
		parts = parts[:0]
		for _, p := range def.Partitions {
			if p.Status == "" || p.Status == "HOT" { // inactive tenants cannot be counted
				parts = append(parts, p.Name)
			}
		}
	}
	for _, p := range parts {
		n, err := src.Count(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return fmt.Sprintf("%d points, %s", total, nativeWithoutName(t, def))
}

func noCheck(*testing.T) {}

func (b *badBench) endpointCases() []badCase {
	q, w := b.migrateTo, b.migrateTo
	blackhole := "--timeout=2s"
	return []badCase{
		{"qdrant malformed url", []string{"not a URL"}, q("qdrant", "::qdrant//nope", nil)},
		{"weaviate url without class", []string{"one collection or class name"}, w("weaviate", "weaviate://127.0.0.1:8080", nil)},
		{"qdrant port out of range", []string{"port", "65535"}, w("weaviate", "qdrant://127.0.0.1:99999/docs", nil)},
		{"unknown scheme", []string{`unknown scheme "milvus"`, "qdrant"}, q("qdrant", "milvus://127.0.0.1:19530/docs", nil)},
		{"qdrant tls=true to a plain server", []string{"remove tls=true"}, w("weaviate", b.qFrom+"&tls=true", nil)},
		{"weaviate tls=true to a plain server", []string{"remove tls=true"}, q("qdrant", b.wFrom+"&tls=true", nil)},
		{"qdrant TLS server without tls=true", []string{"add tls=true"}, func(t *testing.T) badRun {
			s := qdranttest.Start(t, qdranttest.Options{TLS: true})
			return b.migrateTo("weaviate", strings.Replace(s.Endpoint("docs"), "&tls=true", "", 1), nil)(t)
		}},
		{"weaviate TLS server without tls=true", []string{"add tls=true"}, func(t *testing.T) badRun {
			s := weaviatetest.Start(t, weaviatetest.Options{TLS: true})
			return b.migrateTo("qdrant", strings.Replace(s.Endpoint("Docs"), "&tls=true", "", 1), nil)(t)
		}},
		{"qdrant unreachable host", []string{"192.0.2.1"}, q("qdrant", "qdrant://192.0.2.1:6334/docs", nil, blackhole, "--retries=1")},
		{"weaviate unreachable host", []string{"192.0.2.1"}, w("weaviate", "weaviate://192.0.2.1:8080/Docs", nil, blackhole, "--retries=1")},
		{"qdrant missing collection", []string{"does not exist"}, q("qdrant", b.q1.Endpoint("no_such_collection"), nil)},
		{"weaviate missing class", []string{"does not exist"}, w("weaviate", b.w1.Endpoint("NoSuchClass"), nil)},
	}
}

// authCases: a wrong and a missing API key, on the target, for Qdrant's
// gRPC and REST (snapshot) APIs and for Weaviate.
func (b *badBench) authCases() []badCase {
	qdrantTarget := func(key string, extra ...string) func(t *testing.T) badRun {
		return func(t *testing.T) badRun {
			s := qdranttest.Start(t, qdranttest.Options{APIKey: "right-key"})
			coll := s.NewName(t, "locked")
			return badRun{args: append([]string{"migrate", "--from", b.qFrom, "--to", s.Endpoint(coll)}, extra...),
				env: []string{"VECMIG_TO_API_KEY=" + key}, check: func(t *testing.T) { qdrantAbsent(t, s, coll) }}
		}
	}
	weaviateTarget := func(key string) func(t *testing.T) badRun {
		return func(t *testing.T) badRun {
			s := weaviatetest.Start(t, weaviatetest.Options{APIKey: "right-key"})
			class := weaviatetest.NewClassName("locked")
			return badRun{args: []string{"migrate", "--from", b.wFrom, "--to", s.Endpoint(class)},
				env: []string{"VECMIG_TO_API_KEY=" + key}, check: func(t *testing.T) { lockedClassAbsent(t, s, class) }}
		}
	}
	return []badCase{
		{"qdrant wrong api key", []string{"key"}, qdrantTarget("wrong-key")},
		{"qdrant missing api key", []string{"key"}, qdrantTarget("")},
		{"qdrant snapshot wrong api key", []string{"key"}, qdrantTarget("wrong-key", "--method", "snapshot")},
		{"qdrant snapshot missing api key", []string{"key"}, qdrantTarget("", "--method", "snapshot")},
		{"weaviate wrong api key", []string{"key"}, weaviateTarget("wrong-key")},
		{"weaviate missing api key", []string{"key"}, weaviateTarget("")},
	}
}

// lockedClassAbsent asks a Weaviate with an API key whether class exists.
func lockedClassAbsent(t *testing.T, w *weaviatetest.Node, class string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.HTTPURL()+"/v1/schema/"+class, nil)
	req.Header.Set("Authorization", "Bearer "+w.Opts.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("class %s: status %d after a refused copy, want 404", class, resp.StatusCode)
	}
}

// sameEndpointCases: the source given again as the target, also spelled
// another way. None of these may connect: the default-port rows name a
// port no test server uses.
func (b *badBench) sameEndpointCases() []badCase {
	same := func(from, to string) func(t *testing.T) badRun {
		return func(t *testing.T) badRun {
			return badRun{args: []string{"migrate", "--from", from, "--to", to}, check: noCheck}
		}
	}
	qURL := strings.SplitN(b.qFrom, "?", 2)[0]
	wClass := strings.SplitN(strings.SplitN(b.wFrom, "?", 2)[0], "/", 4)[3]
	wLower := strings.ToLower(wClass[:1]) + wClass[1:]
	want := []string{"same collection", "--to"}
	return []badCase{
		{"qdrant same endpoint", want, same(b.qFrom, b.qFrom)},
		{"qdrant localhost for 127.0.0.1", want, same(b.qFrom, strings.Replace(qURL, "127.0.0.1", "localhost", 1))},
		{"qdrant [::1] for localhost", want, same("qdrant://localhost:6334/docs", "qdrant://[::1]:6334/docs")},
		{"qdrant default port written or not", want, same("qdrant://127.0.0.1/docs", "qdrant://localhost:6334/docs")},
		{"weaviate same endpoint", want, same(b.wFrom, b.wFrom)},
		{"weaviate class docs for Docs", want, same(b.wFrom, strings.Replace(b.wFrom, wClass, wLower, 1))},
		{"weaviate default port written or not", want, same("weaviate://localhost/docs", "weaviate://127.0.0.1:8080/Docs")},
		{"file dump through two paths", want, func(t *testing.T) badRun {
			dir := t.TempDir()
			return badRun{args: []string{"migrate", "--from", "file://" + dir, "--to", "file://" + dir + "/."}, check: noCheck}
		}},
	}
}

// definitionCases: a target that exists, or whose definition differs under
// --on-exists append, and class names Weaviate refuses.
func (b *badBench) definitionCases() []badCase {
	existing := func(from, engine, hint string, load func(t *testing.T, url string), extra ...string) func(t *testing.T) badRun {
		return func(t *testing.T) badRun {
			var to string
			if engine == "qdrant" {
				to = b.q2.Endpoint(b.q2.NewName(t, hint))
			} else {
				to = b.w2.Endpoint(newClass(t, b.w2, hint))
			}
			load(t, to)
			return badRun{args: append([]string{"migrate", "--from", from, "--to", to}, extra...), check: unchanged(t, to, "")}
		}
	}
	qfx := func(i int) func(t *testing.T, url string) {
		return func(t *testing.T, url string) {
			adaptertest.Load(t, all.Registry(), adapters.Config{}, url, adaptertest.QdrantFixtures(10)[i])
		}
	}
	wfx := func(name string) func(t *testing.T, url string) {
		return func(t *testing.T, url string) {
			adaptertest.Load(t, all.Registry(), adapters.Config{}, url, adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(10), name))
		}
	}
	qcoll := func(size uint64, d qc.Distance) func(t *testing.T, url string) {
		return func(t *testing.T, url string) { createQdrant(t, b.q2, url, size, d) }
	}
	qnamed := func(t *testing.T, url string) {
		ep, _ := adapters.ParseEndpoint(url)
		if err := b.q2.Client(t).CreateCollection(adaptertest.Ctx(t), &qc.CreateCollection{CollectionName: ep.Name,
			VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{"v": {Size: 32, Distance: qc.Distance_Cosine}})}); err != nil {
			t.Fatal(err)
		}
	}
	app := []string{"--on-exists", "append"}
	return []badCase{
		{"qdrant target exists", []string{"exists", "--on-exists"}, existing(b.qFrom, "qdrant", "exists", qfx(0))},
		{"weaviate target exists", []string{"exists", "--on-exists"}, existing(b.wFrom, "weaviate", "Exists", wfx("plain"))},
		{"qdrant append other dimension", []string{"32", "16"}, existing(b.qFrom, "qdrant", "dim", qcoll(16, qc.Distance_Cosine), app...)},
		{"qdrant append other distance", []string{"distance dot on the target and cosine on the source", "--on-exists recreate"}, existing(b.qFrom, "qdrant", "dist", qcoll(32, qc.Distance_Dot), app...)},
		{"qdrant append other vector names", []string{`"v"`, "unnamed vector"}, several(3, existing(b.qFrom, "qdrant", "names", qnamed, app...))},
		{"weaviate append other vector names", []string{`"body"`, "unnamed vector"}, several(5, existing(b.wFrom, "weaviate", "Names", wfx("named"), app...))},
		{"weaviate append multi-tenant target", []string{"multi-tenancy on"}, several(4, existing(b.wFrom, "weaviate", "Tenants", wfx("tenants"), app...))},
		{"weaviate class name with a dash", []string{"my-class"}, func(t *testing.T) badRun {
			return badRun{args: []string{"migrate", "--from", b.wFrom, "--to", b.w2.Endpoint("my-class")},
				check: func(t *testing.T) { weaviateAbsentRaw(t, b.w2, "my-class") }}
		}},
		{"weaviate class name starting with a digit", []string{"1docs", "C1docs"}, func(t *testing.T) badRun {
			return badRun{args: []string{"migrate", "--from", b.wFrom, "--to", b.w2.Endpoint("1docs")},
				check: func(t *testing.T) { weaviateAbsentRaw(t, b.w2, "1docs") }}
		}},
	}
}

// createQdrant creates an empty single-vector collection behind url.
func createQdrant(t *testing.T, q *qdranttest.Node, url string, size uint64, d qc.Distance) {
	t.Helper()
	ep, err := adapters.ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Client(t).CreateCollection(adaptertest.Ctx(t), &qc.CreateCollection{CollectionName: ep.Name,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: size, Distance: d})}); err != nil {
		t.Fatal(err)
	}
}

func weaviateAbsentRaw(t *testing.T, w *weaviatetest.Node, class string) {
	t.Helper()
	if code, _ := weaviateREST(t, w, http.MethodGet, "/v1/schema/"+class, nil); code == http.StatusOK {
		t.Errorf("class %q exists after a refused copy", class)
	}
}

// dumpCases: file dumps that are damaged in each way vecmig must notice.
func (b *badBench) dumpCases() []badCase {
	dump := func(spoil func(t *testing.T, dir string), want ...string) badCase {
		return badCase{want[0], want[1:], func(t *testing.T) badRun {
			dir := demoDump(t)
			spoil(t, dir)
			return b.migrateTo("weaviate", "file://"+dir, nil)(t)
		}}
	}
	points := func(dir string) string { return filepath.Join(dir, "points.jsonl.gz") }
	return []badCase{
		dump(func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "manifest.json"), []byte(`{"format":`))
		},
			"dump with a malformed manifest", "manifest.json"),
		dump(func(t *testing.T, dir string) { os.Truncate(points(dir), 4096) }, "truncated dump", "points.jsonl.gz"),
		dump(func(t *testing.T, dir string) {
			b, _ := os.ReadFile(points(dir))
			b[len(b)/2] ^= 1
			writeFile(t, points(dir), b)
		}, "altered dump", "points.jsonl.gz"),
		dump(func(t *testing.T, dir string) { os.Remove(points(dir)) }, "dump missing its points file", "points.jsonl.gz"),
		dump(func(t *testing.T, dir string) { rewritePoints(t, dir, badID) }, "dump with an id neither UUID nor integer", "not-an-id", "UUID"),
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// badID replaces the id of the first point with "not-an-id".
func badID(jsonl []byte) []byte {
	line, rest, _ := bytes.Cut(jsonl, []byte("\n"))
	var p map[string]json.RawMessage
	if json.Unmarshal(line, &p) != nil {
		return jsonl
	}
	p["id"] = json.RawMessage(`"not-an-id"`)
	line, _ = json.Marshal(p)
	return append(append(line, '\n'), rest...)
}

// rewritePoints edits the demo dump's points and records the new checksum
// and size in the manifest, so only the edit is wrong.
func rewritePoints(t *testing.T, dir string, edit func([]byte) []byte) {
	t.Helper()
	path := filepath.Join(dir, "points.jsonl.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(edit(plain))
	zw.Close()
	writeFile(t, path, out.Bytes())
	sum, size, err := hashOf(path)
	if err != nil {
		t.Fatal(err)
	}
	fixManifest(t, filepath.Join(dir, "manifest.json"), sum, size)
}

func hashOf(path string) (string, int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%x", sha256.Sum256(b)), int64(len(b)), nil
}

// fixManifest records a points file's checksum and size in the manifest.
func fixManifest(t *testing.T, path, sum string, size int64) {
	t.Helper()
	var m map[string]any
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatal(err)
	}
	part := m["partitions"].([]any)[0].(map[string]any)
	part["sha256"] = sum
	if _, ok := part["size"]; ok {
		part["size"] = size
	}
	b, _ = json.Marshal(m)
	writeFile(t, path, b)
}

// stateCases: a --state file that cannot be this migration's.
func (b *badBench) stateCases() []badCase {
	state := func(content func(path string) []byte) func(t *testing.T) badRun {
		return func(t *testing.T) badRun {
			path := filepath.Join(t.TempDir(), "state.json")
			writeFile(t, path, content(path))
			return b.migrateTo("qdrant", b.qFrom, nil, "--state", path)(t)
		}
	}
	saved := func(version int) func(string) []byte {
		return func(path string) []byte {
			st := migrate.NewState("qdrant://elsewhere:6334/x", "file://y", "live", "abc", []string{""})
			st.Version = version
			if err := st.Save(path); err != nil {
				panic(err)
			}
			b, _ := os.ReadFile(path)
			return b
		}
	}
	return []badCase{
		{"state of another migration", []string{"belongs to another migration"}, state(saved(migrate.StateVersion))},
		{"corrupt state", []string{"not a vecmig state file", "move it away"}, state(func(string) []byte { return []byte(`{"version": 1, "sour`) })},
		{"state of a newer vecmig", []string{"written by a newer vecmig", "move the file away"}, state(saved(migrate.StateVersion + 98))},
	}
}

// backupCases: backup ids that cannot be used and --include with --exclude.
// No backup may be started.
func (b *badBench) backupCases() []badCase {
	server := "weaviate://127.0.0.1:" + itoa(b.w1.HTTPPort)
	usedID := strings.ToLower(weaviatetest.NewClassName("used"))
	srcClass := strings.SplitN(strings.SplitN(b.wFrom, "?", 2)[0], "/", 4)[3]
	// Rows run in parallel and Weaviate runs one backup at a time: the
	// used id is made once, by whichever row needs it first.
	var usedOnce sync.Once
	var usedRun result
	makeUsed := func(t *testing.T) {
		usedOnce.Do(func() {
			usedRun = runVecmig(t, t.TempDir(), nil, "backup", "create", "--backend", "filesystem", "--wait", "--id", usedID, b.wFrom)
		})
		mustExit(t, usedRun, 0)
	}
	create := func(used bool, args ...string) func(t *testing.T) badRun {
		return func(t *testing.T) badRun {
			if used {
				makeUsed(t)
			}
			before := backupIDs(t, b.w1)
			return badRun{args: append([]string{"backup", "create", "--backend", "filesystem"}, args...), check: func(t *testing.T) {
				for id := range backupIDs(t, b.w1) {
					if !before[id] && id != usedID { // usedID is made by its own row
						t.Errorf("backup %s was started although the request was refused", id)
					}
				}
			}}
		}
	}
	return []badCase{
		{"backup id invalid", []string{"Bad ID!"}, create(false, "--id", "Bad ID!", b.wFrom)},
		{"backup id already used", []string{usedID, "already used"}, create(true, "--id", usedID, b.wFrom)},
		{"backup --include with --exclude", []string{"--include", "--exclude"}, create(false, "--include", "A", "--exclude", "B", server)},
		{"migrate backup --include with --exclude", []string{"--include", "--exclude"}, func(t *testing.T) badRun {
			r := create(false)(t)
			to := b.w2.Endpoint(srcClass)
			r.args = []string{"migrate", "--method", "backup", "--backend", "filesystem", "--from", b.wFrom, "--to", to, "--include", srcClass, "--exclude", "Other"}
			return badRun{args: r.args, check: func(t *testing.T) { r.check(t); weaviateAbsentRaw(t, b.w2, srcClass) }}
		}},
		{"migrate backup id invalid", []string{"Bad ID!"}, b.migrateBackupID(srcClass, "Bad ID!", usedID, nil)},
		{"migrate backup id already used", []string{usedID, "already used"}, b.migrateBackupID(srcClass, usedID, usedID, makeUsed)},
	}
}

// migrateBackupID is `migrate --method backup --backup-id id`, with an id
// that breaks Weaviate's rules or one an earlier backup took (made by
// prep): refused before any backup starts (usedID, made by a parallel
// row, aside), and the target class is not created.
func (b *badBench) migrateBackupID(class, id, usedID string, prep func(t *testing.T)) func(t *testing.T) badRun {
	return func(t *testing.T) badRun {
		if prep != nil {
			prep(t)
		}
		before := backupIDs(t, b.w1)
		return badRun{args: []string{"migrate", "--method", "backup", "--backend", "filesystem", "--backup-id", id, "--from", b.wFrom, "--to", b.w2.Endpoint(class)},
			check: func(t *testing.T) {
				for got := range backupIDs(t, b.w1) {
					if !before[got] && got != usedID {
						t.Errorf("backup %s was started although the request was refused", got)
					}
				}
				weaviateAbsentRaw(t, b.w2, class)
			}}
	}
}
