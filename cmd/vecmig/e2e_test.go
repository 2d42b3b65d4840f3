package main

// End-to-end tests: they build the vecmig binary, run it as a user would
// against real Weaviate and Qdrant servers, and check what the target holds
// by reading it back, never by trusting vecmig's output.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/testserver"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/migrate"
)

var vecmigBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vecmig-e2e-")
	if err != nil {
		panic(err)
	}
	vecmigBin = filepath.Join(dir, "vecmig")
	out, err := exec.Command("go", "build", "-o", vecmigBin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic("build vecmig: " + err.Error())
	}
	code := m.Run()
	for i := range weaviates {
		if weaviates[i].node != nil {
			weaviates[i].node.Stop()
		}
	}
	stopBackupServers()
	testserver.StopShared()
	os.RemoveAll(dir)
	os.Exit(code)
}

// weaviates are two independent Weaviate instances, started on first use
// and shared by the tests (each test uses its own class names).
var weaviates [2]struct {
	once sync.Once
	node *weaviatetest.Node
	err  error
}

func weaviateNode(t *testing.T, n int) *weaviatetest.Node {
	w := &weaviates[n-1]
	w.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		w.node, w.err = weaviatetest.Launch(ctx, weaviatetest.Options{})
	})
	if w.err != nil {
		t.Fatalf("start Weaviate instance %d: %v", n, w.err)
	}
	return w.node
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs vecmig with args and the environment env, in dir.
func runVecmig(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(vecmigBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run vecmig: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

func openSource(t *testing.T, url string, key string) adapters.Source {
	return adaptertest.OpenSource(t, all.Registry(), url, adapters.Config{APIKey: adapters.NewSecret(key)})
}

// assertCopied checks the target holds the source's data and an equal
// definition (Native, apart from the name where the engine stores it).
func assertCopied(t *testing.T, from, to, fromKey, toKey string) {
	t.Helper()
	a, b := openSource(t, from, fromKey), openSource(t, to, toKey)
	adaptertest.AssertSameData(t, a, b)
	ctx := adaptertest.Ctx(t)
	da, err := a.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.Engine != db.Engine {
		t.Errorf("definition engine %q copied as %q", da.Engine, db.Engine)
	}
	if na, nb := nativeWithoutName(t, da), nativeWithoutName(t, db); na != nb {
		t.Errorf("definition not copied faithfully:\nsource %s\ntarget %s", na, nb)
	}
	for i, p := range da.Partitions {
		if i < len(db.Partitions) && db.Partitions[i] != p {
			t.Errorf("partition %+v copied as %+v", p, db.Partitions[i])
		}
	}
}

// nativeWithoutName drops a Weaviate class name from the raw definition.
func nativeWithoutName(t *testing.T, c *adapters.Collection) string {
	var m map[string]any
	if err := json.Unmarshal(c.Native, &m); err != nil {
		t.Fatalf("native definition of %s is not a JSON object: %v", c.Name, err)
	}
	delete(m, "class")
	b, _ := json.Marshal(m)
	return string(b)
}

func mustExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func TestMigrateQdrantToQdrant(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	reg := all.Registry()
	for _, fx := range adaptertest.QdrantFixtures(1500) {
		t.Run(fx.Name, func(t *testing.T) {
			from := q1.Endpoint(q1.NewName(t, fx.Name))
			to := q2.Endpoint(q2.NewName(t, fx.Name))
			adaptertest.Load(t, reg, adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
			env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
			r := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--batch-size", "100", "--verify", "full")
			mustExit(t, r, 0)
			if !strings.Contains(r.stdout, "count: source") || !strings.Contains(r.stdout, "equal") {
				t.Errorf("summary lacks the counts of both sides:\n%s", r.stdout)
			}
			if !strings.Contains(r.stdout, fmt.Sprintf("points compared %d: %d equal", fx.Total(), fx.Total())) {
				t.Errorf("--verify full did not compare every point:\n%s", r.stdout)
			}
			if !strings.Contains(r.stdout, "own encoding (qdrant.RetrievedPoint)") {
				t.Errorf("summary does not say the points were copied natively:\n%s", r.stdout)
			}
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
		})
	}
}

func TestMigrateWeaviateToWeaviate(t *testing.T) {
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	reg := all.Registry()
	for _, fx := range adaptertest.WeaviateFixtures(1500) {
		t.Run(fx.Name, func(t *testing.T) {
			from := w1.Endpoint(weaviatetest.NewClassName(fx.Name))
			to := w2.Endpoint(weaviatetest.NewClassName(fx.Name))
			adaptertest.Load(t, reg, adapters.Config{}, from, fx)
			r := runVecmig(t, t.TempDir(), nil, "migrate", "--from", from, "--to", to, "--batch-size", "200")
			mustExit(t, r, 0)
			if !strings.Contains(r.stdout, "own encoding (weaviate.SearchResult)") {
				t.Errorf("summary does not say the objects were copied natively:\n%s", r.stdout)
			}
			assertCopied(t, from, to, "", "")
			// Inactive tenants were activated to be read: they must be back.
			src := openSource(t, from, "")
			def, err := src.Describe(adaptertest.Ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range def.Partitions {
				if p.Status != fx.Def.Partitions[i].Status {
					t.Errorf("source tenant %s left %s, was %s", p.Name, p.Status, fx.Def.Partitions[i].Status)
				}
			}
		})
	}
}

// TestMigrateThroughFile copies each engine to a dump and the dump to a
// fresh instance of the same engine.
func TestMigrateThroughFile(t *testing.T) {
	reg := all.Registry()
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	type side struct{ from, to, fromKey, toKey string }
	var cases []side
	for _, fx := range adaptertest.QdrantFixtures(800) {
		from := q1.Endpoint(q1.NewName(t, fx.Name))
		adaptertest.Load(t, reg, adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
		cases = append(cases, side{from, q2.Endpoint(q2.NewName(t, fx.Name)), q1.APIKey, q2.APIKey})
	}
	for _, fx := range adaptertest.WeaviateFixtures(800) {
		from := w1.Endpoint(weaviatetest.NewClassName(fx.Name))
		adaptertest.Load(t, reg, adapters.Config{}, from, fx)
		cases = append(cases, side{from, w2.Endpoint(weaviatetest.NewClassName(fx.Name)), "", ""})
	}
	for _, c := range cases {
		t.Run(c.from, func(t *testing.T) {
			dump := "file://" + filepath.Join(t.TempDir(), "dump")
			dir := t.TempDir()
			r := runVecmig(t, dir, []string{"VECMIG_FROM_API_KEY=" + c.fromKey}, "migrate", "--from", c.from, "--to", dump)
			mustExit(t, r, 0)
			if strings.Contains(r.stdout, "own encoding") {
				t.Errorf("a copy into a dump claims the engine's own encoding:\n%s", r.stdout)
			}
			assertCopied(t, c.from, dump, c.fromKey, "")
			mustExit(t, runVecmig(t, dir, []string{"VECMIG_TO_API_KEY=" + c.toKey}, "migrate", "--from", dump, "--to", c.to), 0)
			assertCopied(t, c.from, c.to, c.fromKey, c.toKey)
		})
	}
}

// loadBig writes n points of the first Qdrant fixture kind.
func loadBig(t *testing.T, q *qdranttest.Node, n int) string {
	fx := adaptertest.QdrantFixtures(n)[0]
	from := q.Endpoint(q.NewName(t, "big"))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}, from, fx)
	return from
}

// waitForWatermark waits until the state file records progress.
func waitForWatermark(t *testing.T, path string, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := migrate.LoadState(path); err == nil {
			for _, p := range st.Partitions {
				if p.Written() > 0 {
					return
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("no progress recorded in %s within 60 s", path)
}

// TestKillAndResume kills vecmig with SIGKILL midway, then runs the same
// command again: the target must end equal to the source.
func TestKillAndResume(t *testing.T) {
	q1 := qdranttest.Instance(t, 1)
	q2 := qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 20000)
	// Slow the Qdrant target's writes so the kill lands midway.
	slow := qdranttest.StartProxy(t, q2)
	slow.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Delay: 2 * time.Millisecond})
	targets := map[string]string{
		"qdrant": slow.Endpoint(q2.NewName(t, "resumed")),
		"file":   "file://" + filepath.Join(t.TempDir(), "dump"),
	}
	for name, to := range targets {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			state := filepath.Join(dir, "run.state.json")
			env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
			args := []string{"migrate", "--from", from, "--to", to, "--state", state, "--batch-size", "64", "--workers", "3", "--quiet"}
			for round := 0; round < 2; round++ {
				cmd := exec.Command(vecmigBin, args...)
				cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				waitForWatermark(t, state, cmd)
				time.Sleep(time.Duration(50+round*120) * time.Millisecond)
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
			}
			st, err := migrate.LoadState(state)
			if err != nil || st.Finished {
				t.Fatalf("after the kills the state is %+v, %v; want an unfinished run (raise the delay)", st, err)
			}
			r := runVecmig(t, dir, env, args...)
			mustExit(t, r, 0)
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
		})
	}
}

// TestInterruptSavesState sends SIGINT: vecmig finishes in-flight batches,
// saves the state, says how to resume, exits 3; the same command finishes.
func TestInterruptSavesState(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 20000)
	slow := qdranttest.StartProxy(t, q2)
	slow.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Delay: 2 * time.Millisecond})
	to := slow.Endpoint(q2.NewName(t, "interrupted"))
	dir := t.TempDir()
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	args := []string{"migrate", "--from", from, "--to", to, "--batch-size", "64"}
	cmd := exec.Command(vecmigBin, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForWatermark(t, filepath.Join(dir, defaultStatePath(mustEP(t, from), mustEP(t, to))), cmd)
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit after SIGINT: %v, want code %d\n%s", err, exitInterrupted, errb.String())
	}
	if !strings.Contains(errb.String(), "Resume with: vecmig migrate --from '"+from+"' --to '"+to+"'") {
		t.Errorf("the message does not say how to resume:\n%s", errb.String())
	}
	r := runVecmig(t, dir, env, args...)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, "(resumed)") {
		t.Errorf("second run did not resume:\n%s", r.stdout)
	}
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
	if _, err := os.Stat(filepath.Join(dir, defaultStatePath(mustEP(t, from), mustEP(t, to)))); !os.IsNotExist(err) {
		t.Errorf("the automatic state file was not removed after success: %v", err)
	}
}

func mustEP(t *testing.T, raw string) string {
	ep, err := adapters.ParseEndpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ep.String()
}

// TestBadInput: each mistake gets a one-line error, exit code 2, and
// nothing is written to the target.
func TestBadInput(t *testing.T) {
	q1 := qdranttest.Instance(t, 1)
	q2 := qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 300)
	locked := qdranttest.Start(t, qdranttest.Options{APIKey: "right-key"})
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}

	existing := q2.Endpoint(q2.NewName(t, "existing"))
	mustExit(t, runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", existing), 0)

	otherState := filepath.Join(t.TempDir(), "other.json")
	st := migrate.NewState("qdrant://elsewhere:6334/x", "file://y", "live", "abc", []string{""})
	if err := st.Save(otherState); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, to, want string
		args           []string
		env            []string
	}{
		{"unreachable host", "", "cannot connect", []string{"--from", "qdrant://127.0.0.1:1/docs"}, nil},
		{"missing collection", "", "does not exist", []string{"--from", q1.Endpoint("no_such_collection")}, nil},
		{"target exists", existing, "--on-exists", []string{"--from", from}, nil},
		{"wrong api key", locked.Endpoint("docs"), "key", []string{"--from", from}, []string{"VECMIG_TO_API_KEY=wrong-key"}},
		{"mismatched state", "", "belongs to another migration", []string{"--from", from, "--state", otherState}, nil},
		{"malformed url", "", "not a URL", []string{"--from", "::qdrant//nope"}, nil},
		{"api key in url", "", "not taken from URLs", []string{"--from", "qdrant://user:secret@127.0.0.1:6334/docs"}, nil},
		{"bad on-exists", "", "--on-exists", []string{"--from", from, "--on-exists", "merge"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			to := c.to
			fresh := to == ""
			if fresh {
				to = q2.Endpoint(q2.NewName(t, "untouched"))
			}
			args := append([]string{"migrate", "--to", to}, c.args...)
			r := runVecmig(t, t.TempDir(), append(append([]string{}, env...), c.env...), args...)
			mustExit(t, r, exitError)
			msg := strings.TrimSpace(r.stderr)
			if strings.Count(msg, "\n") > 0 || !strings.Contains(msg, c.want) {
				t.Errorf("error should be one line containing %q, got:\n%s", c.want, msg)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, "wrong-key") || strings.Contains(msg, "right-key") {
				t.Errorf("error shows a secret: %s", msg)
			}
			if fresh {
				snk, err := all.Registry().OpenSink(adaptertest.Ctx(t), to, adapters.Config{APIKey: adapters.NewSecret(q2.APIKey)})
				if err != nil {
					t.Fatal(err)
				}
				defer snk.Close()
				if ok, err := snk.Exists(adaptertest.Ctx(t)); err != nil || ok {
					t.Errorf("target was created (exists=%v, %v); bad input must write nothing", ok, err)
				}
			}
		})
	}
}

// TestDryRunWritesNothing checks --dry-run reports the plan and leaves no
// target and no state file.
func TestDryRunWritesNothing(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadBig(t, q1, 300)
	to := q2.Endpoint(q2.NewName(t, "dry"))
	dir := t.TempDir()
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	r := runVecmig(t, dir, env, "migrate", "--from", from, "--to", to, "--dry-run")
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, "would copy 300 points") {
		t.Errorf("dry run output:\n%s", r.stdout)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("dry run left files: %v", entries)
	}
	snk, err := all.Registry().OpenSink(adaptertest.Ctx(t), to, adapters.Config{APIKey: adapters.NewSecret(q2.APIKey)})
	if err != nil {
		t.Fatal(err)
	}
	defer snk.Close()
	if ok, _ := snk.Exists(adaptertest.Ctx(t)); ok {
		t.Error("dry run created the target")
	}
}

// TestRetriesTransientFaults makes the target fail with Unavailable and
// rate-limit with retry-after; the run must still end equal.
func TestRetriesTransientFaults(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	srv := qdranttest.StartProxy(t, q2)
	from := loadBig(t, q1, 2000)
	to := srv.Endpoint(q2.NewName(t, "faulty"))
	srv.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 3, Code: codes.Unavailable})
	srv.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 2, Code: codes.ResourceExhausted, RetryAfter: time.Second})
	r := runVecmig(t, t.TempDir(), []string{"VECMIG_FROM_API_KEY=" + q1.APIKey}, "migrate", "--from", from, "--to", to, "--json")
	mustExit(t, r, 0)
	var sum struct {
		Retries     int  `json:"retries"`
		CountsMatch bool `json:"counts_match"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, r.stdout)
	}
	if sum.Retries < 5 || !sum.CountsMatch {
		t.Errorf("summary %+v: want at least 5 retries and equal counts", sum)
	}
	assertCopied(t, from, to, q1.APIKey, "")
}

// TestInspect prints the definition and exact counts per shard key.
func TestInspect(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	var fx adaptertest.Fixture
	for _, f := range adaptertest.QdrantFixtures(600) {
		if f.Def.Partitioned {
			fx = f
		}
	}
	if fx.Def == nil {
		t.Fatal("no partitioned Qdrant fixture")
	}
	url := q.Endpoint(q.NewName(t, "inspect"))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}, url, fx)
	env := []string{"VECMIG_API_KEY=" + q.APIKey}
	r := runVecmig(t, t.TempDir(), env, "inspect", url)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, fmt.Sprintf("points:      %d (exact)", fx.Total())) {
		t.Errorf("inspect does not give the exact total %d:\n%s", fx.Total(), r.stdout)
	}
	for part, ps := range fx.Points {
		if !regexp.MustCompile(`partition ` + regexp.QuoteMeta(part) + ` +` + fmt.Sprint(len(ps)) + ` points`).MatchString(r.stdout) {
			t.Errorf("inspect does not count partition %q as %d:\n%s", part, len(ps), r.stdout)
		}
	}
	r = runVecmig(t, t.TempDir(), env, "inspect", "--json", url)
	mustExit(t, r, 0)
	var info adapters.Info
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || info.Engine != "qdrant" || info.Definition == nil {
		t.Errorf("inspect --json = %+v, %v", info, err)
	}
	r = runVecmig(t, t.TempDir(), env, "inspect", q.Endpoint("no_such_collection"))
	if r.code == 0 && !strings.Contains(r.stdout, "no such collection") {
		t.Errorf("inspect of a missing collection: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
