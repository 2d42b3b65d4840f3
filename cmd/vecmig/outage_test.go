package main

// An outage longer than --retry-timeout: the target is killed mid-migration
// and stays down. The run must stop by itself with exit 2, say what failed
// and how to resume, and keep its progress in the state file; once the
// target is back, the same command finishes the copy.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/migrate"
)

func TestQdrantOutageLongerThanRetryTimeout(t *testing.T) {
	q1, q2 := qdranttest.Start(t, qdranttest.Options{}), qdranttest.Start(t, qdranttest.Options{})
	from := loadBig(t, q1, 6000)
	to := q2.Endpoint(q2.NewName(t, "outage"))
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	migrateThroughOutage(t, q2, env, from, to)
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
}

func TestWeaviateOutageLongerThanRetryTimeout(t *testing.T) {
	w1, w2 := weaviatetest.Start(t, weaviatetest.Options{}), weaviatetest.Start(t, weaviatetest.Options{})
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(6000), "plain")
	from := w1.Endpoint(weaviatetest.NewClassName("Outage"))
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	to := w2.Endpoint(weaviatetest.NewClassName("Outage"))
	migrateThroughOutage(t, w2, nil, from, to)
	assertCopied(t, from, to, "", "")
}

// migrateThroughOutage runs a slowed migration, kills target once progress
// is recorded and keeps it down until the run gives up; then it starts the
// target again and runs the same command, which must finish.
func migrateThroughOutage(t *testing.T, target restartable, env []string, from, to string) {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	args := []string{"migrate", "--from", from, "--to", to, "--state", state, "--max-rate", "1500",
		"--batch-size", "64", "--retries", "100", "--retry-timeout", "3s", "--verify", "full", "--quiet"}
	r, down := runUntilTargetDown(t, target, dir, state, env, args)
	mustExit(t, r, 2)
	t.Logf("after the outage:\n%s", r.stderr)
	if down > 30*time.Second {
		t.Errorf("the run gave up %s after the target went down; --retry-timeout 3s should stop it within seconds", down.Round(time.Second))
	}
	for _, want := range []string{"gave up on", "the time limit of 3s", "raise --retry-timeout",
		"run the same command again to resume", "vecmig migrate --from"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the message lacks %q:\n%s", want, r.stderr)
		}
	}
	if w := statePoints(t, state); w == 0 {
		t.Errorf("the state file %s records no progress", state)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := target.Restart(ctx); err != nil {
		t.Fatalf("restart the target: %v", err)
	}
	mustExit(t, runVecmig(t, dir, env, args...), 0)
}

// runUntilTargetDown starts vecmig, kills target once the state records
// progress, and waits (at most 2 minutes) for vecmig to stop; it returns
// the outcome and how long after the kill it stopped.
func runUntilTargetDown(t *testing.T, target restartable, dir, state string, env, args []string) (result, time.Duration) {
	t.Helper()
	cmd := exec.Command(vecmigBin, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var out, errb safeBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { done <- exitCode(cmd.Wait()) }()
	waitForWatermark(t, state, cmd)
	if err := target.Kill(); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	killed := time.Now()
	select {
	case code := <-done:
		return result{out.String(), errb.String(), code}, time.Since(killed)
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("vecmig still running 2 minutes into the target's outage\nstderr:\n%s", errb.String())
	}
	return result{}, 0
}

// statePoints is how many points the state file records as written.
func statePoints(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := migrate.LoadState(path)
	if err != nil {
		t.Fatalf("read the state after the outage: %v", err)
	}
	var n uint64
	for _, p := range st.Partitions {
		n += p.Written()
	}
	return n
}
