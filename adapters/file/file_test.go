package file_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/file"
	"github.com/vecmig/vecmig/verify"
)

var reg = adapters.NewRegistry(file.Driver())

func newURL(t *testing.T, name string) string {
	return "file://" + filepath.Join(t.TempDir(), name)
}

// intFixture: integer ids (sparse, up to 2^62) and one unnamed vector.
func intFixture() adaptertest.Fixture {
	var pts []adapters.Point
	for i := 0; i < 300; i++ {
		id := adapters.NumID(uint64(i*3 + 1))
		if i == 299 {
			id = adapters.NumID(1 << 62)
		}
		pts = append(pts, adapters.Point{
			ID:      id,
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(1, i, 16)}},
			Payload: adaptertest.RichPayload(i),
		})
	}
	return adaptertest.Fixture{
		Name: "ints",
		Def: &adapters.Collection{Engine: "qdrant", Name: "ints",
			Vectors: map[string]adapters.VectorSpec{adapters.DefaultVector: {Kind: "dense", Size: 16, Distance: adapters.Cosine}}},
		Points: map[string][]adapters.Point{"": pts},
	}
}

func namedPoints(ns string, n int) []adapters.Point {
	var pts []adapters.Point
	for i := 0; i < n; i++ {
		p := adapters.Point{
			ID: adaptertest.UUIDFor(ns, i),
			Vectors: map[string]adapters.Vector{
				"text":    {Dense: adaptertest.Dense(2, i, 8)},
				"kw":      {Sparse: adaptertest.Sparse(3, i)},
				"colbert": {Multi: adaptertest.Multi(4, i, 3, 4)},
			},
			Payload: adaptertest.RichPayload(i),
		}
		if i%5 == 0 {
			delete(p.Vectors, "kw") // some points lack a vector
		}
		pts = append(pts, p)
	}
	adaptertest.SortPoints(pts)
	return pts
}

var namedVectors = map[string]adapters.VectorSpec{
	"text":    {Kind: "dense", Size: 8, Distance: adapters.Dot},
	"kw":      {Kind: "sparse"},
	"colbert": {Kind: "multi", Size: 4, Distance: adapters.Cosine},
}

// uuidFixture: UUID ids with named dense, sparse and multi vectors.
func uuidFixture() adaptertest.Fixture {
	return adaptertest.Fixture{
		Name:   "named",
		Def:    &adapters.Collection{Engine: "qdrant", Name: "named", Vectors: namedVectors},
		Points: map[string][]adapters.Point{"": namedPoints("named", 200)},
	}
}

// partFixture: three partitions, one with a name that needs escaping.
func partFixture() adaptertest.Fixture {
	return adaptertest.Fixture{
		Name: "parts",
		Def: &adapters.Collection{Engine: "qdrant", Name: "parts", Vectors: namedVectors, Partitioned: true,
			Partitions: []adapters.Partition{{Name: "alpha", Status: "HOT"}, {Name: "beta gamma/δ", Status: "COLD"}, {Name: "Zed"}}},
		Points: map[string][]adapters.Point{
			"alpha":        namedPoints("alpha", 120),
			"beta gamma/δ": namedPoints("beta", 80),
			"Zed":          namedPoints("zed", 40),
		},
	}
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{
		Registry: reg,
		NewURL:   newURL,
		Fixtures: []adaptertest.Fixture{intFixture(), uuidFixture(), partFixture()},
	})
}

func openSink(t *testing.T, url string) adapters.Sink {
	return adaptertest.OpenSink(t, reg, url, adapters.Config{})
}

func openSource(t *testing.T, url string) adapters.Source {
	return adaptertest.OpenSource(t, reg, url, adapters.Config{})
}

func writeBatches(t *testing.T, s adapters.Sink, part string, pts []adapters.Point, size int) {
	t.Helper()
	for i := 0; i < len(pts); i += size {
		if err := s.Write(adaptertest.Ctx(t), part, pts[i:min(i+size, len(pts))]); err != nil {
			t.Fatalf("write partition %q: %v", part, err)
		}
	}
}

func readAll(t *testing.T, src adapters.Source, part string) []adapters.Point {
	t.Helper()
	pts, err := adaptertest.ReadAll(adaptertest.Ctx(t), src, part, 97)
	if err != nil {
		t.Fatalf("read partition %q: %v", part, err)
	}
	return pts
}

func wantKind(t *testing.T, what string, err error, kind adapters.Kind) {
	t.Helper()
	if adapters.KindOf(err) != kind {
		t.Fatalf("%s = %v (kind %d); want an error of kind %d", what, err, adapters.KindOf(err), kind)
	}
}

func exact(t *testing.T, want, got []adapters.Point) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("got %d points, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.ID != g.ID {
			t.Fatalf("point %d: id %s, want %s", i, g.ID, w.ID)
		}
		wp, err := adapters.NormalizePayload(w.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(wp, g.Payload) {
			t.Errorf("point %s: payload\n got %#v\nwant %#v", w.ID, g.Payload, wp)
		}
		if len(w.Vectors) != len(g.Vectors) {
			t.Errorf("point %s: %d vectors, want %d", w.ID, len(g.Vectors), len(w.Vectors))
		}
		for name, wv := range w.Vectors {
			gv := g.Vectors[name]
			if !sameBits(wv.Dense, gv.Dense) || !reflect.DeepEqual(wv.Sparse == nil, gv.Sparse == nil) ||
				(wv.Sparse != nil && (!reflect.DeepEqual(wv.Sparse.Indices, gv.Sparse.Indices) || !sameBits(wv.Sparse.Values, gv.Sparse.Values))) ||
				len(wv.Multi) != len(gv.Multi) {
				t.Errorf("point %s: vector %q = %+v, want %+v", w.ID, name, gv, wv)
				continue
			}
			for k := range wv.Multi {
				if !sameBits(wv.Multi[k], gv.Multi[k]) {
					t.Errorf("point %s: vector %q sub-vector %d = %v, want %v", w.ID, name, k, gv.Multi[k], wv.Multi[k])
				}
			}
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func simpleDef() *adapters.Collection {
	return &adapters.Collection{Engine: "qdrant", Name: "c",
		Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 3, Distance: adapters.Euclid}}}
}

func TestExactRoundTrip(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	for _, compress := range []string{"gzip", "none"} {
		t.Run(compress, func(t *testing.T) {
			url := newURL(t, "exact") + "?compress=" + compress
			def := &adapters.Collection{Engine: "qdrant", Name: "exact", Vectors: map[string]adapters.VectorSpec{
				"": {Kind: "dense", Size: 8}, "s": {Kind: "sparse"}, "m": {Kind: "multi", Size: 2}}}
			pts := []adapters.Point{
				{ID: adapters.NumID(0), Payload: map[string]any{
					"int": int64(2), "float": 2.0, "negzero": math.Copysign(0, -1), "half": 0.5,
					"big": int64(1<<53 + 1), "max": int64(math.MaxInt64), "min": int64(math.MinInt64),
					"tiny": 5e-324, "huge": 1e300, "e21": 1e21, "e20": 1e20, "third": 1.0 / 3, "small": 1e-7,
					"text":  "naïve café 日本語 🚀 Ελληνικά \"q\" \\ / \n\t\r\x01\x1f <&> \u2028",
					"empty": "", "list": []any{int64(1), 1.0, "1", nil, true, []any{}, map[string]any{}},
					"obj": map[string]any{"k": map[string]any{"n": int64(-3), "f": -3.0}},
					// hand-built Go types are normalised on the way in
					"goint": 5, "gostrings": []string{"a", "b"}, "gof32": float32(1.5),
				}, Vectors: map[string]adapters.Vector{
					"":  {Dense: []float32{math.SmallestNonzeroFloat32, math.MaxFloat32, float32(math.Copysign(0, -1)), 1.0 / 3, 0.1, 16777216, -1e-38, 3}},
					"s": {Sparse: &adapters.SparseVector{Indices: []uint32{0, 7, math.MaxUint32}, Values: []float32{0.1, -2.5e-10, 1e30}}},
					"m": {Multi: [][]float32{{1, 2}, {0.30000001, -0.7}}},
				}},
				{ID: adapters.NumID(math.MaxUint64), Payload: map[string]any{"only": nil}},
				{ID: adaptertest.UUIDFor("x", 1)},
			}
			adaptertest.SortPoints(pts)
			sink := openSink(t, url)
			if err := sink.Prepare(ctx, def, adapters.ExistsFail); err != nil {
				t.Fatal(err)
			}
			writeBatches(t, sink, "", pts, 2)
			if err := sink.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, openSource(t, url), "")
			exact(t, pts, got)
			if compress == "none" {
				b, err := os.ReadFile(filepath.Join(strings.TrimPrefix(strings.Split(url, "?")[0], "file://"), "points.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{`"int":2,`, `"float":2.0,`, `"negzero":-0.0,`, `"big":9007199254740993,`, `"e21":1e+21,`, `"id":18446744073709551615`, `<&>`, `"gostrings":["a","b"]`} {
					if !bytes.Contains(b, []byte(want)) {
						t.Errorf("points.jsonl does not contain %s:\n%s", want, b)
					}
				}
			}
		})
	}
}

func TestNaNAndInfRefused(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	url := newURL(t, "nan")
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, simpleDef(), adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	for _, p := range []adapters.Point{
		{ID: adapters.NumID(7), Payload: map[string]any{"a": map[string]any{"score": math.NaN()}}},
		{ID: adapters.NumID(8), Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, float32(math.Inf(1)), 0}}}},
	} {
		err := sink.Write(ctx, "", []adapters.Point{{ID: adapters.NumID(1)}, p})
		wantKind(t, "write a point with NaN or Inf", err, adapters.KindInvalid)
		if !strings.Contains(err.Error(), "point "+p.ID.String()) {
			t.Errorf("error %q does not name point %s", err, p.ID)
		}
	}
	// Nothing of the refused batches was written.
	if n, err := sink.Count(ctx, ""); err != nil || n != 0 {
		t.Errorf("Count = %d, %v; want 0", n, err)
	}
}

func TestCorruptFileRefusedAtRead(t *testing.T) {
	fx := intFixture()
	for _, tc := range []struct{ compress, file string }{{"gzip", "points.jsonl.gz"}, {"none", "points.jsonl"}} {
		t.Run(tc.compress, func(t *testing.T) {
			url := newURL(t, "corrupt")
			dir := strings.TrimPrefix(url, "file://")
			adaptertest.Load(t, reg, adapters.Config{}, url+"?compress="+tc.compress, fx)
			path := filepath.Join(dir, tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.compress == "none" {
				// Still valid JSON and in order: only the checksum can tell.
				i := bytes.Index(b[len(b)/2:], []byte(`"title":"doc `)) + len(b)/2 + len(`"title":"doc `)
				b[i] = 'X'
			} else {
				b[len(b)/2] ^= 0x40
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			src := openSource(t, url)
			_, err = adaptertest.ReadAll(adaptertest.Ctx(t), src, "", 50)
			wantKind(t, "read a corrupted dump", err, adapters.KindInvalid)
			if !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q should say %s is corrupt", err, tc.file)
			}
			t.Log(err)
		})
	}
}

func TestUnfinishedDumpRefused(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := intFixture()
	url := newURL(t, "unfinished")
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, sink, "", fx.Points[""][:100], 30)
	sink.Close()

	src := openSource(t, url)
	_, err := src.Describe(ctx)
	wantKind(t, "describe an unfinished dump", err, adapters.KindInvalid)
	if !strings.Contains(err.Error(), "was not finished") {
		t.Errorf("error %q should say the dump was not finished", err)
	}
	_, err = src.Read(ctx, adapters.ReadRequest{Limit: 10})
	wantKind(t, "read an unfinished dump", err, adapters.KindInvalid)

	ep, _ := adapters.ParseEndpoint(url)
	info, err := file.Inspect(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info.Version, "NOT FINISHED") || info.Counts[""] != 100 {
		t.Errorf("inspect = %q, counts %v; want NOT FINISHED and 100 points", info.Version, info.Counts)
	}
}

func TestMissingDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	url := newURL(t, "nothing")
	ep, _ := adapters.ParseEndpoint(url)
	_, err := file.Inspect(ctx, ep)
	wantKind(t, "inspect a missing dump", err, adapters.KindNotFound)
	_, err = openSource(t, url).Count(ctx, "")
	wantKind(t, "count a missing dump", err, adapters.KindNotFound)
}

// dirOf returns the directory of a file:// URL.
func dirOf(url string) string { return strings.TrimPrefix(strings.Split(url, "?")[0], "file://") }

// TestResumeAfterCut writes half a dump, cuts its points file at an
// arbitrary byte as a SIGKILL could (without Finish), then resumes from an
// earlier id, as migrate does from its saved watermark.
func TestResumeAfterCut(t *testing.T) {
	fx := intFixture()
	pts := fx.Points[""]
	for _, frac := range []float64{0, 0.13, 0.5, 0.77, 0.999, 1} {
		t.Run(fmt.Sprint(frac), func(t *testing.T) {
			ctx := adaptertest.Ctx(t)
			url := newURL(t, "resume")
			sink := openSink(t, url)
			if err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
				t.Fatal(err)
			}
			writeBatches(t, sink, "", pts[:180], 20)
			// The "killed" sink is never closed nor finished.
			path := filepath.Join(dirOf(url), "points.jsonl.gz")
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, int64(float64(st.Size())*frac)); err != nil {
				t.Fatal(err)
			}

			again := openSink(t, url)
			kept, err := again.Count(ctx, "")
			if err != nil || kept > 180 {
				t.Fatalf("Count of the cut dump = %d, %v; want at most 180", kept, err)
			}
			if err := again.Prepare(ctx, fx.Def, adapters.ExistsAppend); err != nil {
				t.Fatal(err)
			}
			from := max(0, int(kept)-25) // the watermark is behind what the file holds
			writeBatches(t, again, "", pts[from:], 40)
			if err := again.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := again.Count(ctx, ""); err != nil || n != uint64(len(pts)) {
				t.Errorf("Count after resume = %d, %v; want %d", n, err, len(pts))
			}
			exact(t, pts, readAll(t, openSource(t, url), ""))
		})
	}
}

// TestResumeAtEveryCut cuts a file with several gzip members (a partition
// written, left, and written again) at every few bytes: resuming must never
// find it corrupt, and must end with exactly the points.
func TestResumeAtEveryCut(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	def := &adapters.Collection{Engine: "qdrant", Name: "p", Vectors: namedVectors, Partitioned: true,
		Partitions: []adapters.Partition{{Name: "a"}, {Name: "b"}}}
	a, b := namedPoints("a", 24), namedPoints("b", 6)
	base := newURL(t, "base")
	sink := openSink(t, base)
	if err := sink.Prepare(ctx, def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, sink, "a", a[:12], 4)
	writeBatches(t, sink, "b", b, 3)
	writeBatches(t, sink, "a", a[12:], 4)
	sink.Close()
	dir := dirOf(base)
	var m struct {
		Partitions []struct{ Name, File string }
	}
	mb, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		files[n.Name()], _ = os.ReadFile(filepath.Join(dir, n.Name()))
	}
	aFile := ""
	for _, p := range m.Partitions {
		if p.Name == "a" {
			aFile = p.File
		}
	}
	size := len(files[aFile])
	step := max(1, size/150)
	for cut := 0; cut <= size; cut += step {
		d := filepath.Join(t.TempDir(), "d")
		os.Mkdir(d, 0o700)
		for n, c := range files {
			if n == aFile {
				c = c[:cut]
			}
			os.WriteFile(filepath.Join(d, n), c, 0o600)
		}
		url := "file://" + d
		s := openSink(t, url)
		if err := s.Prepare(ctx, def, adapters.ExistsAppend); err != nil {
			t.Fatalf("cut at byte %d of %d: prepare: %v", cut, size, err)
		}
		if err := s.Write(ctx, "a", a); err != nil {
			t.Fatalf("cut at byte %d of %d: write: %v", cut, size, err)
		}
		if err := s.Finish(ctx); err != nil {
			t.Fatalf("cut at byte %d of %d: finish: %v", cut, size, err)
		}
		src := openSource(t, url)
		exact(t, a, readAll(t, src, "a"))
		exact(t, b, readAll(t, src, "b"))
		if t.Failed() {
			t.Fatalf("cut at byte %d of %d", cut, size)
		}
	}
}

func TestCompressNone(t *testing.T) {
	fx := uuidFixture()
	url := newURL(t, "plain")
	adaptertest.Load(t, reg, adapters.Config{}, url+"?compress=none", fx)
	b, err := os.ReadFile(filepath.Join(dirOf(url), "points.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 200 || !strings.HasPrefix(lines[0], `{"id":"`) {
		t.Errorf("points.jsonl has %d lines, first %.60q; want 200 lines of JSON", len(lines), lines[0])
	}
	exact(t, fx.Points[""], readAll(t, openSource(t, url), ""))

	_, err = reg.OpenSink(adaptertest.Ctx(t), url+"?compress=zstd", adapters.Config{})
	wantKind(t, "compress=zstd", err, adapters.KindInvalid)
}

func TestGzipFilesReadableByAnyGzipReader(t *testing.T) {
	fx := partFixture()
	url := newURL(t, "gz")
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	matches, _ := filepath.Glob(filepath.Join(dirOf(url), "points-*.jsonl.gz"))
	if len(matches) != 3 {
		t.Fatalf("points files %v; want 3", matches)
	}
	total := 0
	for _, m := range matches {
		f, err := os.Open(m)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		total += bytes.Count(b, []byte("\n"))
	}
	if total != fx.Total() {
		t.Errorf("%d lines in the gzip files; want %d", total, fx.Total())
	}
}

func TestFileModes(t *testing.T) {
	url := "file://" + filepath.Join(t.TempDir(), "new", "dump")
	adaptertest.Load(t, reg, adapters.Config{}, url, partFixture())
	dir := dirOf(url)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dump directory mode %o; want 700", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("dump has %d files; want manifest.json and 3 points files", len(entries))
	}
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %o; want 600", e.Name(), info.Mode().Perm())
		}
	}
}

func TestRecreateRemovesOnlyTheDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := partFixture()
	url := newURL(t, "recreate")
	dir := dirOf(url)
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, simpleDef(), adapters.ExistsRecreate); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "manifest.json,notes.txt" {
		t.Errorf("after recreate the directory holds %v; want manifest.json and notes.txt", names)
	}
}

func TestStrayFilesNotOverwritten(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "points.jsonl.gz"), []byte("someone's"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := openSink(t, "file://"+dir).Prepare(ctx, simpleDef(), adapters.ExistsFail)
	wantKind(t, "prepare over a stray points file", err, adapters.KindExists)
}

func TestWriteChecks(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := partFixture()
	sink := openSink(t, newURL(t, "checks"))
	err := sink.Write(ctx, "alpha", fx.Points["alpha"][:1])
	wantKind(t, "write before prepare", err, adapters.KindInvalid)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	err = sink.Write(ctx, "omega", fx.Points["alpha"][:1])
	wantKind(t, "write to a partition not in the definition", err, adapters.KindInvalid)
	ps := fx.Points["alpha"]
	err = sink.Write(ctx, "alpha", []adapters.Point{ps[1], ps[0]})
	wantKind(t, "write out of order", err, adapters.KindInvalid)
}

func TestAppendIncompatible(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	url := newURL(t, "incompatible")
	adaptertest.Load(t, reg, adapters.Config{}, url, intFixture())
	err := openSink(t, url).Prepare(ctx, simpleDef(), adapters.ExistsAppend)
	wantKind(t, "append a different collection", err, adapters.KindIncompatible)
}

// TestReadAnyAfter reads from ids in and between the points, going back and
// forth, and from several goroutines at once.
func TestReadAnyAfter(t *testing.T) {
	fx := intFixture()
	url := newURL(t, "after")
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	src := openSource(t, url)
	ctx := adaptertest.Ctx(t)
	pts := fx.Points[""]
	c := &verify.Comparer{Src: fx.Def, Dst: fx.Def, Tol: verify.DefaultTolerance}
	check := func(after *adapters.ID, limit int) {
		t.Helper()
		var want []adapters.Point
		for _, p := range pts {
			if (after == nil || after.Less(p.ID)) && len(want) < limit {
				want = append(want, p)
			}
		}
		page, err := src.Read(ctx, adapters.ReadRequest{After: after, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		adaptertest.AssertPoints(t, c, want, page.Points)
		last := len(want) > 0 && want[len(want)-1].ID == pts[len(pts)-1].ID
		if page.Done != (last || len(want) == 0) {
			t.Errorf("after %v: Done = %v", after, page.Done)
		}
	}
	id := func(n uint64) *adapters.ID { x := adapters.NumID(n); return &x }
	check(nil, 5)
	check(id(13), 5) // 13 = 4*3+1: a point
	check(id(14), 5) // between points
	check(id(500), 3)
	check(id(2), 4) // back
	check(id(0), 2) // before the first
	check(nil, 2)
	check(id(1<<62), 10) // the last
	check(id(1<<63), 10) // beyond
	check(id(890), 1000)

	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := adaptertest.ReadAll(context.Background(), src, "", 11+g)
			if err != nil || len(got) != len(pts) {
				t.Errorf("concurrent read: %d points, %v; want %d", len(got), err, len(pts))
			}
		}()
	}
	wg.Wait()
}

func TestResumePlainFileCutMidLine(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := uuidFixture()
	pts := fx.Points[""]
	url := newURL(t, "plain-resume") + "?compress=none"
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, sink, "", pts[:120], 30)
	path := filepath.Join(dirOf(url), "points.jsonl")
	b, _ := os.ReadFile(path)
	cut := bytes.LastIndexByte(b[:len(b)-1], '\n') + 40 // inside the last line
	if err := os.Truncate(path, int64(cut)); err != nil {
		t.Fatal(err)
	}
	again := openSink(t, url)
	if err := again.Prepare(ctx, fx.Def, adapters.ExistsAppend); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, again, "", pts[100:], 30)
	if err := again.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	exact(t, pts, readAll(t, openSource(t, url), ""))
}

// TestAppendNewPartition: a tenant added to the source since the dump was
// written gets its own file; tenants only the dump has are kept.
func TestAppendNewPartition(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := partFixture()
	url := newURL(t, "newpart")
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	def := *fx.Def
	def.Partitions = []adapters.Partition{{Name: "alpha", Status: "FROZEN"}, {Name: "new", Status: "HOT"}}
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, &def, adapters.ExistsAppend); err != nil {
		t.Fatal(err)
	}
	fresh := namedPoints("new", 10)
	writeBatches(t, sink, "new", fresh, 4)
	if err := sink.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, url)
	got, err := src.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if names := strings.Join(got.PartitionNames(), ","); names != "Zed,alpha,beta gamma/δ,new" {
		t.Errorf("partitions %s", names)
	}
	for _, p := range got.Partitions {
		if p.Name == "alpha" && p.Status != "FROZEN" {
			t.Errorf("alpha has status %q; want the new definition's FROZEN", p.Status)
		}
	}
	exact(t, fresh, readAll(t, src, "new"))
	exact(t, fx.Points["beta gamma/δ"], readAll(t, src, "beta gamma/δ"))
}

// TestHandWrittenDump: the format is simple enough to write by hand, and
// a reader checks what it can.
func TestHandWrittenDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	dir := t.TempDir()
	lines := `{"id":1,"vectors":{"":{"dense":[0.5,1]}},"payload":{"n":2,"x":2.0}}
{"id":5}
{"id":"00000000-0000-4000-8000-000000000001","payload":{"s":"é"}}
`
	write := func(body string) {
		sum := sha256Hex([]byte(body))
		manifest := fmt.Sprintf(`{"format":"vecmig-dump","version":1,"complete":true,"created":"2024-03-01T12:00:00Z",
 "collection":{"engine":"qdrant","name":"hand","vectors":{"":{"kind":"dense","size":2}}},
 "partitions":[{"name":"","file":"points.jsonl","count":3,"sha256":%q}]}`, sum)
		os.WriteFile(filepath.Join(dir, "points.jsonl"), []byte(body), 0o600)
		os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o600)
	}
	write(lines)
	got := readAll(t, openSource(t, "file://"+dir), "")
	want := []adapters.Point{
		{ID: adapters.NumID(1), Vectors: map[string]adapters.Vector{"": {Dense: []float32{0.5, 1}}}, Payload: map[string]any{"n": int64(2), "x": 2.0}},
		{ID: adapters.NumID(5)},
		{ID: adapters.MustParseID("00000000-0000-4000-8000-000000000001"), Payload: map[string]any{"s": "é"}},
	}
	exact(t, want, got)

	ls := strings.SplitAfter(lines, "\n")
	write(ls[1] + ls[0] + ls[2])
	_, err := adaptertest.ReadAll(ctx, openSource(t, "file://"+dir), "", 10)
	wantKind(t, "read ids out of order", err, adapters.KindInvalid)
	if !strings.Contains(err.Error(), "ascending") {
		t.Errorf("error %q should say ids must ascend", err)
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestAppendToFinishedDump continues finished files (a new gzip member
// after the old ones) and reads them back, interleaving partitions.
func TestAppendToFinishedDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := partFixture()
	url := newURL(t, "more")
	a, b := fx.Points["alpha"], fx.Points["Zed"]
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, sink, "alpha", a[:50], 10)
	writeBatches(t, sink, "Zed", b[:10], 10)
	writeBatches(t, sink, "alpha", a[50:60], 10)
	if err := sink.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	again := openSink(t, url)
	if err := again.Prepare(ctx, fx.Def, adapters.ExistsAppend); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, again, "Zed", b, 7)
	writeBatches(t, again, "alpha", a[40:], 13)
	if err := again.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, url)
	exact(t, a, readAll(t, src, "alpha"))
	exact(t, b, readAll(t, src, "Zed"))
	exact(t, nil, readAll(t, src, "beta gamma/δ"))
	for part, want := range map[string]int{"alpha": len(a), "Zed": len(b), "beta gamma/δ": 0} {
		if n, err := src.Count(ctx, part); err != nil || n != uint64(want) {
			t.Errorf("Count(%q) = %d, %v; want %d", part, n, err, want)
		}
	}
}

// TestResumeAfterSIGKILL kills a writing process for real (this test binary
// run again as a child) and resumes from the last batch it acknowledged.
func TestResumeAfterSIGKILL(t *testing.T) {
	fx := intFixture()
	pts := fx.Points[""]
	if dir := os.Getenv("VECMIG_FILE_TEST_CHILD"); dir != "" {
		ctx := context.Background()
		s, err := reg.OpenSink(ctx, "file://"+dir, adapters.Config{})
		if err != nil {
			panic(err)
		}
		if err := s.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
			panic(err)
		}
		for i := 0; i < len(pts); i += 20 {
			if err := s.Write(ctx, "", pts[i:min(i+20, len(pts))]); err != nil {
				panic(err)
			}
			fmt.Printf("acked %d\n", min(i+20, len(pts)))
		}
		select {} // wait to be killed
	}
	dir := filepath.Join(t.TempDir(), "killed")
	cmd := exec.Command(os.Args[0], "-test.run=^TestResumeAfterSIGKILL$")
	cmd.Env = append(os.Environ(), "VECMIG_FILE_TEST_CHILD="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := 0
	sc := bufio.NewScanner(out)
	for acked < 140 && sc.Scan() {
		fmt.Sscanf(sc.Text(), "acked %d", &acked)
	}
	cmd.Process.Kill() // SIGKILL: no Finish, no Close
	cmd.Wait()
	if acked < 140 {
		t.Fatalf("the child acknowledged only %d points before it ended", acked)
	}

	ctx := adaptertest.Ctx(t)
	url := "file://" + dir
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsAppend); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, sink, "", pts[acked-20:], 33) // the saved watermark lags
	if err := sink.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	exact(t, pts, readAll(t, openSource(t, url), ""))
}

func TestPathIsAFile(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("x"), 0o600)
	_, err := openSource(t, "file://"+path).Describe(ctx)
	wantKind(t, "describe a regular file", err, adapters.KindInvalid)
	err = openSink(t, "file://"+path).Prepare(ctx, simpleDef(), adapters.ExistsFail)
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("prepare over a regular file = %v; want an error saying it is not a directory", err)
	}
}
