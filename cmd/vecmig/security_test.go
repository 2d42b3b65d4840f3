package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// securityKey is the API key of the servers in the key tests; it must
// appear in nothing vecmig prints or leaves behind.
const securityKey = "vk-Secret-7Hq2xZp9-do-not-print"

// keyRun is a vecmig run whose every output is searched for the key.
type keyRun struct {
	name string
	env  []string
	args []string
	code int
}

// keyWays gives the key of a side by flag, by environment variable or by
// file; keyFile is outside the directory the runs write into.
func keyWays(t *testing.T, side string) (flag, env, file []string) {
	keyFile := filepath.Join(t.TempDir(), side+".key")
	if err := os.WriteFile(keyFile, []byte("  "+securityKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if side == "" {
		return []string{"--api-key", securityKey}, []string{"VECMIG_API_KEY=" + securityKey}, []string{"--api-key-file", keyFile}
	}
	up := strings.ToUpper(side)
	return []string{"--" + side + "-api-key", securityKey},
		[]string{"VECMIG_" + up + "_API_KEY=" + securityKey},
		[]string{"--" + side + "-api-key-file", keyFile}
}

// TestSecurityKeysNeverLeak runs every command against a Qdrant and a
// Weaviate that want an API key, the key given by flag, environment
// variable and file, and searches stdout, stderr and every file the run
// left (state, report, listing, baseline, temporary directories) for it.
func TestSecurityKeysNeverLeak(t *testing.T) {
	q := qdranttest.Start(t, qdranttest.Options{APIKey: securityKey})
	w := weaviatetest.Start(t, weaviatetest.Options{APIKey: securityKey})
	from := loadQdrant(t, q, securityFixture(300))
	copyTo, wTo := q.Endpoint(q.NewName(t, "copy")), w.Endpoint("SecurityCopy")
	fFlag, fEnv, fFile := keyWays(t, "from")
	tFlag, tEnv, tFile := keyWays(t, "to")
	iFlag, iEnv, iFile := keyWays(t, "")
	badFile := filepath.Join(t.TempDir(), "bad.key")
	os.WriteFile(badFile, []byte("wrong-"+securityKey), 0o600)
	m := []string{"migrate", "--from", from}
	runs := []keyRun{
		{"migrate --json, keys by flag", nil, concat(m, []string{"--to", copyTo, "--json", "--verify", "full"}, fFlag, tFlag), 0},
		{"migrate to Weaviate, keys by env", concat(fEnv, tEnv), concat(m, []string{"--to", wTo, "--verify", "full"}), 0},
		{"migrate --method snapshot, keys by file", nil, concat(m, []string{"--to", q.Endpoint(q.NewName(t, "snap")), "--method", "snapshot", "--verify", "count"}, fFile, tFile), 0},
		{"migrate --dry-run, keys by file", nil, concat(m, []string{"--to", q.Endpoint(q.NewName(t, "dry")), "--dry-run"}, fFile, tFile), 0},
		{"plan, keys by file", nil, concat([]string{"plan", "--from", from, "--to", wTo, "--on-exists", "append"}, fFile, tFile), 0},
		{"migrate with a wrong target key", fEnv, concat(m, []string{"--to", q.Endpoint(q.NewName(t, "bad")), "--to-api-key-file", badFile}), exitError},
		{"verify --report --list, keys by file", nil, concat([]string{"verify", "--from", from, "--to", copyTo, "--mode", "full", "--report", "report.json", "--list", "list.txt"}, fFile, tFile), 0},
		{"verify --json Weaviate, keys by env", concat(fEnv, tEnv), []string{"verify", "--from", from, "--to", wTo, "--json"}, 0},
		{"baseline capture, key by file", nil, concat([]string{"baseline", "capture", "--from", from, "--out", "base.json"}, fFile), 0},
		{"baseline capture, key by flag", nil, concat([]string{"baseline", "capture", "--from", wTo, "--out", "wbase.json"}, fFlag), 0},
		{"snapshot create, key by env", iEnv, []string{"snapshot", "create", from}, 0},
		{"snapshot list --json, key by flag", nil, concat([]string{"snapshot", "list", "--json"}, iFlag, []string{from}), 0},
		{"inspect, key by file", nil, concat([]string{"inspect"}, iFile, []string{from}), 0},
		{"inspect --json Weaviate, key by env", iEnv, []string{"inspect", "--json", wTo}, 0},
		{"inspect Weaviate, key by flag", nil, concat([]string{"inspect"}, iFlag, []string{wTo}), 0},
		{"inspect without a key", nil, []string{"inspect", from}, exitError},
	}
	for _, r := range runs {
		dir := t.TempDir()
		res := runVecmig(t, dir, append(r.env, "TMPDIR="+mkdir(t, dir, "tmp")), r.args...)
		if res.code != r.code {
			t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.name, res.code, r.code, res.stdout, res.stderr)
		}
		assertNoKey(t, r.name, res, dir)
		assertPrivate(t, r.name, dir, "report.json", "list.txt", "base.json", "wbase.json")
		assertTempPrivate(t, r.name, filepath.Join(dir, "tmp"))
	}
	interruptedRun(t, from, q)
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func mkdir(t *testing.T, parent, name string) string {
	p := filepath.Join(parent, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertNoKey fails when the key (or a wrong key built from it) is in
// the run's output or in any file under dir.
func assertNoKey(t *testing.T, name string, res result, dir string) {
	t.Helper()
	if strings.Contains(res.stdout, securityKey) || strings.Contains(res.stderr, securityKey) {
		t.Errorf("%s: the API key is in the output\nstdout:\n%s\nstderr:\n%s", name, res.stdout, res.stderr)
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: read %s: %v", name, path, err)
		} else if bytes.Contains(b, []byte(securityKey)) {
			t.Errorf("%s: the API key is in %s", name, path)
		}
		return nil
	})
}

// assertPrivate fails when a file vecmig wrote under dir is not 0600.
func assertPrivate(t *testing.T, name, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %s has mode %v (%v), want 0600", name, f, fi.Mode().Perm(), err)
		}
	}
}

// assertTempPrivate fails when the run left in its temporary directory a
// directory other users may enter or a file they may read.
func assertTempPrivate(t *testing.T, name, tmp string) {
	t.Helper()
	filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == tmp {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		if want := fs.FileMode(0o600); d.IsDir() && fi.Mode().Perm() != 0o700 || !d.IsDir() && fi.Mode().Perm() != want {
			t.Errorf("%s: left %s with mode %v in its temporary directory", name, path, fi.Mode().Perm())
		}
		return nil
	})
}

// interruptedRun stops a run with SIGINT midway, keys by env, and checks
// the state file it leaves: no key, mode 0600.
func interruptedRun(t *testing.T, from string, q *qdranttest.Node) {
	slow := qdranttest.StartProxy(t, q)
	slow.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Delay: 60 * time.Millisecond})
	to := slow.Endpoint(q.NewName(t, "interrupted"))
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	cmd := exec.Command(vecmigBin, "migrate", "--from", from, "--to", to, "--state", state, "--batch-size", "16", "--workers", "1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "VECMIG_FROM_API_KEY="+securityKey, "VECMIG_TO_API_KEY="+securityKey, "TMPDIR="+mkdir(t, dir, "tmp"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForWatermark(t, state, cmd)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("interrupted run: %v, want exit %d\n%s", err, exitInterrupted, errb.String())
	}
	assertNoKey(t, "interrupted run", result{out.String(), errb.String(), ee.ExitCode()}, dir)
	assertPrivate(t, "interrupted run", dir, "run.state.json")
}

// TestSecurityKeyFileErrors: a key file that cannot be read or is empty,
// or a side given both a key and a key file, stops the command with one
// line naming the flag, before anything is opened (the URLs here lead
// nowhere: an attempt to connect would say so instead).
func TestSecurityKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.key")
	os.WriteFile(empty, []byte(" \n\t"), 0o600)
	good := filepath.Join(dir, "good.key")
	os.WriteFile(good, []byte(securityKey), 0o600)
	nowhere := []string{"--from", "qdrant://127.0.0.1:1/a", "--to", "qdrant://127.0.0.1:1/b"}
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, concat([]string{"migrate"}, nowhere, []string{"--from-api-key-file", filepath.Join(dir, "missing.key")}), "--from-api-key-file: cannot read the API key file"},
		{nil, concat([]string{"verify"}, nowhere, []string{"--to-api-key-file", empty}), "--to-api-key-file: the API key file " + empty + " is empty"},
		{[]string{"VECMIG_TO_API_KEY=" + securityKey}, concat([]string{"migrate"}, nowhere, []string{"--to-api-key-file", good}), "--to-api-key and --to-api-key-file are both given"},
		{[]string{"VECMIG_FROM_API_KEY_FILE=" + good}, concat([]string{"baseline", "capture", "--out", "x.json", "--from-api-key", "k"}, nowhere[:2]), "--from-api-key and --from-api-key-file are both given"},
		{nil, []string{"inspect", "--api-key-file", empty, "qdrant://127.0.0.1:1/a"}, "--api-key-file: the API key file"},
	}
	for _, c := range cases {
		r := runVecmig(t, dir, c.env, c.args...)
		msg := strings.TrimSpace(r.stderr)
		if r.code != exitError || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("vecmig %s: exit %d, stderr %q; want exit 2 and one line with %q", strings.Join(c.args, " "), r.code, msg, c.want)
		}
		if strings.Contains(r.stdout+r.stderr, securityKey) {
			t.Errorf("vecmig %s: the key is in the output", strings.Join(c.args, " "))
		}
	}
}

// TestSecurityPanicHidesKey: vecmig installs no recover, so a panic is
// printed by the Go runtime: the panic value (a Secret or a Config prints
// "***") and a traceback whose arguments are machine words, never the
// bytes of a string. The helper below panics holding the key every way a
// caller could; its output must not contain it.
func TestSecurityPanicHidesKey(t *testing.T) {
	if os.Getenv("VECMIG_SECURITY_PANIC") == "1" {
		cfg := adapters.Config{APIKey: adapters.NewSecret(securityKey)}
		panicWith(securityKey, cfg)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecurityPanicHidesKey$")
	cmd.Env = append(os.Environ(), "VECMIG_SECURITY_PANIC=1", "GOTRACEBACK=all")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "panic:") {
		t.Fatalf("the helper did not panic: %v\n%s", err, out)
	}
	if strings.Contains(string(out), securityKey) {
		t.Errorf("a panic printed the API key:\n%s", out)
	}
}

//go:noinline
func panicWith(raw string, cfg adapters.Config) {
	panic(fmt.Errorf("open endpoint with %v (config %+v)", cfg.APIKey, cfg))
}

// TestSecurityReadOnlySource migrates and verifies from a Qdrant and from a
// Weaviate source behind a proxy that refuses every write: the proxy must
// have refused nothing (vecmig never tried to write to the source), and
// the copies must be complete.
func TestSecurityReadOnlySource(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	wn := weaviateNode(t, 1)
	from := loadBig(t, q1, 400)
	// A class without multi-tenancy, so without inactive tenants: vecmig
	// activates those for reading, a schema write by design.
	class := mustEPName(t, loadWeaviateClass(t, wn, "readonly", plainClass, adapters.Cosine))
	qp := qdranttest.StartProxy(t, q1)
	wp := faultproxy.StartPair(t, fmt.Sprintf("127.0.0.1:%d", wn.HTTPPort), fmt.Sprintf("127.0.0.1:%d", wn.GRPCPort))
	sources := []struct {
		name, url string
		proxy     *faultproxy.Pair
	}{
		{"qdrant", qp.Endpoint(strings.TrimPrefix(mustEPName(t, from), "/")), qp.Pair},
		{"weaviate", fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", wp.HTTP.Port(), class, wp.GRPC.Port()), wp},
	}
	for _, s := range sources {
		t.Run(s.name, func(t *testing.T) {
			s.proxy.HTTP.Inject(faultproxy.Fault{DenyWrites: true})
			s.proxy.GRPC.Inject(faultproxy.Fault{DenyWrites: true})
			to, toKey := q2.Endpoint(q2.NewName(t, "ro_"+s.name)), q2.APIKey
			if s.name == "weaviate" {
				to, toKey = wn.Endpoint(newClass(t, wn, "readonlycopy")), ""
			}
			runs := [][]string{
				{"migrate", "--from", s.url, "--to", to, "--verify", "full"},
				{"verify", "--from", s.url, "--to", to, "--mode", "full"},
			}
			env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + toKey}
			if s.name == "weaviate" {
				env[0] = "VECMIG_FROM_API_KEY="
			}
			for _, args := range runs {
				r := runVecmig(t, t.TempDir(), env, args...)
				mustExit(t, r, 0)
			}
			if n := s.proxy.HTTP.Faulted("") + s.proxy.GRPC.Faulted(""); n > 0 {
				t.Errorf("vecmig tried %d writes to the %s source", n, s.name)
			}
			if s.proxy.HTTP.Calls("")+s.proxy.GRPC.Calls("") == 0 {
				t.Fatalf("no call went through the %s proxy; the test proves nothing", s.name)
			}
			fromKey := q1.APIKey
			if s.name == "weaviate" {
				fromKey = ""
			}
			assertCopied(t, s.url, to, fromKey, toKey)
		})
	}
}

// securityFixture is n points whose payload Weaviate takes as it is.
func securityFixture(n int) adaptertest.Fixture {
	return qdrantPayloadFixture("security", n, func(i int) map[string]any {
		return map[string]any{"title": fmt.Sprintf("point %d", i)}
	})
}

const plainClass = `{"class": %q, "vectorizer": "none", "vectorIndexConfig": {"distance": "cosine"},
  "properties": [{"name": "title", "dataType": ["text"]}]}`

// mustEPName is the collection part of an endpoint URL.
func mustEPName(t *testing.T, raw string) string {
	ep, err := adapters.ParseEndpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ep.Name
}
