package main

// Real faults: a server killed with SIGKILL in the middle of a migration
// and started again on its data while vecmig retries. The run must finish
// by itself, and the target must then hold exactly the source's points,
// read back from both servers.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// restartable is a server a test may kill and start again.
type restartable interface {
	Kill() error
	Restart(ctx context.Context) error
}

// migrateThroughKill starts a migration slowed by --max-rate, kills victim
// once progress is recorded, starts it again after down, and returns the
// migration's outcome.
func migrateThroughKill(t *testing.T, victim restartable, down time.Duration, env []string, from, to string) result {
	t.Helper()
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	cmd := exec.Command(vecmigBin, "migrate", "--from", from, "--to", to, "--state", state,
		"--max-rate", "1500", "--batch-size", "64", "--verify", "full", "--quiet")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	done := make(chan result, 1)
	var out, errb safeBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		done <- result{out.String(), errb.String(), exitCode(err)}
	}()
	waitForWatermark(t, state, cmd)
	if err := victim.Kill(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(down)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := victim.Restart(ctx); err != nil {
		t.Fatalf("restart the killed server: %v", err)
	}
	select {
	case r := <-done:
		return r
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the migration did not finish within 3 minutes of the restart")
	}
	return result{}
}

func TestQdrantKilledMidMigration(t *testing.T) {
	for _, side := range []string{"target", "source"} {
		t.Run(side, func(t *testing.T) {
			q1, q2 := qdranttest.Start(t, qdranttest.Options{}), qdranttest.Start(t, qdranttest.Options{})
			from := loadBig(t, q1, 6000)
			to := q2.Endpoint(q2.NewName(t, "killed"))
			victim := map[string]*qdranttest.Node{"target": q2, "source": q1}[side]
			env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
			r := migrateThroughKill(t, victim, time.Second, env, from, to)
			mustExit(t, r, 0)
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
		})
	}
}

func TestWeaviateKilledMidMigration(t *testing.T) {
	for _, side := range []string{"target", "source"} {
		t.Run(side, func(t *testing.T) {
			w1, w2 := weaviatetest.Start(t, weaviatetest.Options{}), weaviatetest.Start(t, weaviatetest.Options{})
			fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(6000), "plain")
			from := w1.Endpoint(weaviatetest.NewClassName("Killed"))
			adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
			to := w2.Endpoint(weaviatetest.NewClassName("Killed"))
			victim := map[string]*weaviatetest.Node{"target": w2, "source": w1}[side]
			r := migrateThroughKill(t, victim, time.Second, nil, from, to)
			mustExit(t, r, 0)
			assertCopied(t, from, to, "", "")
		})
	}
}

// safeBuffer is a bytes.Buffer a child process writes while the test may
// read it.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// exitCode is a finished command's exit code (-1 if it did not exit).
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
