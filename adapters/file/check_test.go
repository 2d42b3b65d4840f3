package file_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
)

// filesOf maps a dump's partitions to their points files, from its
// manifest.
func filesOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Partitions []struct{ Name, File string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range m.Partitions {
		out[p.Name] = p.File
	}
	return out
}

func checkSource(t *testing.T, url string) []adapters.Finding {
	t.Helper()
	ck, ok := adapters.As[adapters.SourceChecker](openSource(t, url))
	if !ok {
		t.Fatal("a file source is not a SourceChecker")
	}
	fs, err := ck.CheckSource(adaptertest.Ctx(t))
	if err != nil {
		t.Fatalf("CheckSource: %v", err)
	}
	return fs
}

// wantOneFindingPerFile checks there is exactly one error finding for each
// file in want, each one line that names the file, says what differs and
// what to do.
func wantOneFindingPerFile(t *testing.T, fs []adapters.Finding, dir string, want map[string][]string) {
	t.Helper()
	if len(fs) != len(want) {
		t.Errorf("%d findings, want %d: %v", len(fs), len(want), fs)
	}
	for file, says := range want {
		var f *adapters.Finding
		for i := range fs {
			if strings.Contains(fs[i].Message, "points file "+file+" ") {
				f = &fs[i]
			}
		}
		if f == nil {
			t.Errorf("no finding names %s: %v", file, fs)
			continue
		}
		if f.Level != adapters.LevelError || f.Kind != adapters.KindInvalid || f.Subject != "file "+dir {
			t.Errorf("finding %+v: want an error of KindInvalid about file %s", f, dir)
		}
		says = append(says, "the dump was changed or cut after it was written; make it again with vecmig migrate --to file://"+dir+" --on-exists recreate")
		for _, s := range says {
			if !strings.Contains(f.Message, s) {
				t.Errorf("finding about %s does not say %q:\n%s", file, s, f.Message)
			}
		}
		if strings.Contains(f.Message, "\n") {
			t.Errorf("finding about %s is not one line: %q", file, f.Message)
		}
		t.Log(f)
	}
}

// A dump altered, cut and missing a file after it was written: the check
// reads every file before anything is written and names each bad one.
func TestCheckSourceFindsEveryDamagedFile(t *testing.T) {
	fx := partFixture()
	url := newURL(t, "damaged")
	dir := dirOf(url)
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	if fs := checkSource(t, url); len(fs) != 0 {
		t.Fatalf("an intact dump has findings: %v", fs)
	}
	files := filesOf(t, dir)

	// Flip one bit in the middle of alpha's file, cut Zed's in half, and
	// remove the third partition's.
	alpha := filepath.Join(dir, files["alpha"])
	b, _ := os.ReadFile(alpha)
	b[len(b)/2] ^= 0x01
	os.WriteFile(alpha, b, 0o600)
	zed := filepath.Join(dir, files["Zed"])
	b, _ = os.ReadFile(zed)
	os.WriteFile(zed, b[:len(b)/2], 0o600)
	os.Remove(filepath.Join(dir, files["beta gamma/δ"]))

	wantOneFindingPerFile(t, checkSource(t, url), dir, map[string][]string{
		files["alpha"]:        {`(partition "alpha")`, "its sha256 is "},
		files["Zed"]:          {`(partition "Zed")`, "it ends in the middle of a line or of its gzip stream after", "of the 40 points manifest.json records", "bytes where manifest.json records"},
		files["beta gamma/δ"]: {"it is missing"},
	})
}

// In a plain-text dump a changed character keeps the JSON valid and a cut
// at a line's end keeps every line whole: the checksum, the size and the
// count still tell.
func TestCheckSourcePlainFiles(t *testing.T) {
	fx := intFixture()
	url := newURL(t, "plain") + "?compress=none"
	dir := dirOf(url)
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	path := filepath.Join(dir, "points.jsonl")
	b, _ := os.ReadFile(path)
	i := strings.Index(string(b), `"title":"doc `) + len(`"title":"doc `)
	b[i] = 'X'
	os.WriteFile(path, b, 0o600)
	wantOneFindingPerFile(t, checkSource(t, url), dir, map[string][]string{"points.jsonl": {"its sha256 is "}})

	b = b[:strings.LastIndex(string(b[:len(b)-1]), "\n")+1] // drop the last line
	os.WriteFile(path, b, 0o600)
	fs := checkSource(t, url)
	wantOneFindingPerFile(t, fs, dir, map[string][]string{"points.jsonl": {
		"it holds 299 points where manifest.json records 300", "bytes where manifest.json records", "its sha256 is ",
	}})

	// Reading meets the same problem and says the same.
	_, err := adaptertest.ReadAll(adaptertest.Ctx(t), openSource(t, url), "", 50)
	wantKind(t, "read a cut dump", err, adapters.KindInvalid)
	if err.Error() != fs[0].Subject+": "+fs[0].Message {
		t.Errorf("read error\n %s\nwant the check's message\n %s", err, fs[0])
	}
}

// A read that meets a damaged file gives the check's advice, whatever the
// damage.
func TestReadOfDamagedFileSaysWhatToDo(t *testing.T) {
	fx := intFixture()
	url := newURL(t, "readdamaged")
	dir := dirOf(url)
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	path := filepath.Join(dir, "points.jsonl.gz")
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)/2], 0o600)
	_, err := adaptertest.ReadAll(adaptertest.Ctx(t), openSource(t, url), "", 50)
	wantKind(t, "read a cut dump", err, adapters.KindInvalid)
	for _, s := range []string{"points file points.jsonl.gz is damaged: it ends in the middle", "make it again with vecmig migrate --to file://" + dir} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("read error %q does not say %q", err, s)
		}
	}
	if fs := checkSource(t, url); len(fs) != 1 || err.Error() != fs[0].Subject+": "+fs[0].Message {
		t.Errorf("read error\n %s\nwant the check's message\n %v", err, fs)
	}
	os.Remove(path)
	_, err = openSource(t, url).Read(adaptertest.Ctx(t), adapters.ReadRequest{Limit: 10})
	if err == nil || !strings.Contains(err.Error(), "points file points.jsonl.gz is damaged: it is missing") {
		t.Errorf("read a missing file = %v", err)
	}
}

func TestCheckSourceUnfinishedOrMissingDump(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	fx := intFixture()
	url := newURL(t, "unfinished")
	sink := openSink(t, url)
	if err := sink.Prepare(ctx, fx.Def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	writeBatches(t, sink, "", fx.Points[""][:50], 25)
	sink.Close()
	fs := checkSource(t, url)
	if len(fs) != 1 || fs[0].Kind != adapters.KindInvalid || !strings.Contains(fs[0].Message, "was not finished") {
		t.Errorf("unfinished dump: %v", fs)
	}
	fs = checkSource(t, newURL(t, "nothing"))
	if len(fs) != 1 || fs[0].Kind != adapters.KindNotFound || !strings.Contains(fs[0].Message, "no dump here") {
		t.Errorf("missing dump: %v", fs)
	}
}

func checkTarget(t *testing.T, url string, def *adapters.Collection, onExists adapters.OnExists) []adapters.Finding {
	t.Helper()
	ck, ok := adapters.As[adapters.TargetChecker](openSink(t, url))
	if !ok {
		t.Fatal("a file sink is not a TargetChecker")
	}
	fs, err := ck.CheckTarget(adaptertest.Ctx(t), def, onExists)
	if err != nil {
		t.Fatalf("CheckTarget: %v", err)
	}
	return fs
}

func TestCheckTarget(t *testing.T) {
	fx := intFixture()
	url := newURL(t, "target")
	dir := dirOf(url)
	if fs := checkTarget(t, url, fx.Def, adapters.ExistsFail); len(fs) != 0 {
		t.Errorf("a new directory: %v", fs)
	}
	adaptertest.Load(t, reg, adapters.Config{}, url, fx)
	entries := func() int { e, _ := os.ReadDir(dir); return len(e) }
	before := entries()

	fs := checkTarget(t, url, fx.Def, adapters.ExistsFail)
	if len(fs) != 1 || fs[0].Kind != adapters.KindExists || !strings.Contains(fs[0].Message, "use --on-exists append to continue it or recreate to replace it") {
		t.Errorf("existing dump under fail: %v", fs)
	}
	fs = checkTarget(t, url, fx.Def, adapters.ExistsRecreate)
	if len(fs) != 1 || fs[0].Level != adapters.LevelNote || !strings.Contains(fs[0].Message, `qdrant collection "ints", 300 points) will be deleted first`) {
		t.Errorf("existing dump under recreate: %v", fs)
	}
	fs = checkTarget(t, url, fx.Def, adapters.ExistsAppend)
	if len(adapters.ErrorFindings(fs)) != 0 {
		t.Errorf("append the same collection: %v", fs)
	}

	// simpleDef has 3-d Euclid vectors where the dump has 16-d Cosine: two
	// findings, one line each, and Prepare refuses the same way.
	fs = adapters.ErrorFindings(checkTarget(t, url, simpleDef(), adapters.ExistsAppend))
	if len(fs) != 2 || !strings.HasPrefix(fs[0].Message, "the unnamed vector has 16 dimensions on the target and 3 on the source") ||
		!strings.HasPrefix(fs[1].Message, "the unnamed vector uses distance cosine on the target and euclid on the source") {
		t.Errorf("append 3-d Euclid to 16-d Cosine: %v", fs)
	}
	err := openSink(t, url).Prepare(adaptertest.Ctx(t), simpleDef(), adapters.ExistsAppend)
	if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), fs[0].Message) {
		t.Errorf("Prepare under append = %v; want the first finding", err)
	}
	if entries() != before {
		t.Errorf("the checks changed the directory")
	}
	if got := readAll(t, openSource(t, url), ""); len(got) != 300 {
		t.Errorf("the dump holds %d points after the refused append; want 300", len(got))
	}

	stray := t.TempDir()
	os.WriteFile(filepath.Join(stray, "points.jsonl.gz"), []byte("someone's"), 0o600)
	fs = checkTarget(t, "file://"+stray, fx.Def, adapters.ExistsFail)
	if len(fs) != 1 || fs[0].Kind != adapters.KindExists || !strings.Contains(fs[0].Message, "points.jsonl.gz exists but no manifest.json accounts for it") {
		t.Errorf("stray points file: %v", fs)
	}
}
