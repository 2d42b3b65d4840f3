package main

// Signals: SIGINT or SIGTERM sent to the real vecmig binary while a run is
// held inside one phase by a fault proxy's Delay. Each row checks the exit
// code, the message, what is left on disk and on the servers, and that
// running the same command again finishes the copy.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/migrate"
)

// signalRun is one run set up to stop inside a phase.
type signalRun struct {
	dir        string
	env        []string
	args       []string
	inPhase    func() bool    // true once the run is inside the phase
	afterStop  func()         // lifts the delays before the run again
	check      func(r result) // what the stopped run left behind
	want       []string       // in stderr of the stopped run
	wantCode   int            // exit code of the stopped run
	from, to   string         // compared after the run again, if to != ""
	fromKey    string
	toKey      string
	resumeWant string // in stdout of the run again
}

const held = 30 * time.Second // a Delay the signal always lands inside

func TestSignals(t *testing.T) {
	rows := []struct {
		phase string
		sig   syscall.Signal
		setup func(t *testing.T) signalRun
	}{
		{"planning", syscall.SIGINT, planning},
		{"live reading", syscall.SIGINT, liveReading},
		{"live reading", syscall.SIGTERM, liveReading},
		{"live writing", syscall.SIGINT, liveWriting},
		{"snapshot download", syscall.SIGINT, snapshotPhase(matchDownload, true)},
		{"snapshot upload", syscall.SIGTERM, snapshotPhase(matchUpload, false)},
		{"backup polling", syscall.SIGINT, backupPolling},
		{"backup polling", syscall.SIGTERM, backupPolling},
		{"verify full reading", syscall.SIGINT, verifyReading},
	}
	var table strings.Builder
	table.WriteString("| phase | signal | exit | message excerpt | temp files / state | run again |\n|---|---|---|---|---|---|\n")
	defer func() { t.Logf("outcomes:\n%s", table.String()) }()
	for _, row := range rows {
		t.Run(strings.ReplaceAll(row.phase, " ", "_")+"/"+row.sig.String(), func(t *testing.T) {
			s := row.setup(t)
			r := result{code: -2}
			left, again := "checked", "n/a"
			defer func() {
				if t.Failed() {
					left, again = "FAILED: "+left, "FAILED: "+again
				}
				fmt.Fprintf(&table, "| %s | %s | %d | %s | %s | %s |\n", row.phase, sigName(row.sig), r.code,
					excerpt(r.stderr), left, again)
			}()
			r = stopInPhase(t, s, row.sig)
			if r.code != s.wantCode {
				t.Fatalf("exit code %d after %v, want %d\nstdout:\n%s\nstderr:\n%s", r.code, row.sig, s.wantCode, r.stdout, r.stderr)
			}
			for _, w := range s.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if s.check != nil {
				s.check(r)
			}
			if s.to != "" {
				s.afterStop()
				r2 := runVecmig(t, s.dir, s.env, s.args...)
				mustExit(t, r2, 0)
				if s.resumeWant != "" && !strings.Contains(r2.stdout, s.resumeWant) {
					t.Errorf("the run again does not say %q:\n%s", s.resumeWant, r2.stdout)
				}
				assertCopied(t, s.from, s.to, s.fromKey, s.toKey)
				verifyClean(t, s.env, s.from, s.to)
				again = "exit 0, target equals source, full verify clean"
			}
		})
	}
}

func sigName(s syscall.Signal) string {
	if s == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

// excerpt is the last line of stderr, for the table.
func excerpt(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return strings.ReplaceAll(lines[len(lines)-1], "|", "\\|")
}

// stopInPhase starts vecmig, waits until s.inPhase, sends sig and waits
// for the exit.
func stopInPhase(t *testing.T, s signalRun, sig syscall.Signal) result {
	t.Helper()
	return actInPhase(t, s, sig, nil, 15*time.Second)
}

// actInPhase starts vecmig, waits until s.inPhase, sends sig (unless 0)
// or runs act, and waits at most wait for the exit.
func actInPhase(t *testing.T, s signalRun, sig syscall.Signal, act func(), wait time.Duration) result {
	t.Helper()
	cmd := exec.Command(vecmigBin, s.args...)
	cmd.Dir, cmd.Env = s.dir, append(os.Environ(), s.env...)
	var out, errb safeBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan result, 1)
	go func() {
		err := cmd.Wait()
		done <- result{out.String(), errb.String(), exitCode(err)}
	}()
	deadline := time.After(20 * time.Second)
	for !s.inPhase() {
		select {
		case r := <-done:
			t.Fatalf("vecmig ended (%d) before reaching the phase:\n%s\n%s", r.code, r.stdout, r.stderr)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("vecmig did not reach the phase within 20 s:\n%s", errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if sig != 0 {
		cmd.Process.Signal(sig)
	}
	if act != nil {
		act()
	}
	select {
	case r := <-done:
		return r
	case <-time.After(wait):
		cmd.Process.Kill()
		t.Errorf("vecmig did not exit within %s:\n%s", wait, errb.String())
		return result{out.String(), errb.String() + fmt.Sprintf("\n(no exit within %s; killed)", wait), -2}
	}
}

// loadSmall loads n points of the first Qdrant fixture kind and returns
// the collection and its URL.
func loadSmall(t *testing.T, q *qdranttest.Node, hint string, n int) (string, string) {
	fx := adaptertest.QdrantFixtures(n)[0]
	coll := q.NewName(t, hint)
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}, q.Endpoint(coll), fx)
	return coll, q.Endpoint(coll)
}

// assertStateSaved checks a live run left an unfinished state file.
func assertStateSaved(t *testing.T, path string) {
	t.Helper()
	st, err := migrate.LoadState(path)
	if err != nil || st.Finished {
		t.Errorf("state after the signal: %+v, %v; want a saved unfinished run", st, err)
	}
}

// planning holds the source's scrolls while the plan splits the id space
// (one-point probes): the first signal ends the plan at once, nothing is
// written, and the same command then copies everything.
func planning(t *testing.T) signalRun {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll, from := loadSmall(t, q1, "sigplan", 1000)
	src := qdranttest.StartProxy(t, q1)
	src.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Delay: held})
	proxied := src.Endpoint(coll)
	toColl := q2.NewName(t, "sigplan")
	to := q2.Endpoint(toColl)
	return signalRun{
		dir: t.TempDir(), env: qenv(q1, q2),
		args:      []string{"migrate", "--from", proxied, "--to", to, "--batch-size", "64"},
		inPhase:   func() bool { return src.GRPC.Calls("Scroll") >= 1 },
		afterStop: func() { src.GRPC.Reset() },
		check:     func(result) { qdrantAbsent(t, q2, toColl) },
		want:      []string{"interrupted while planning; nothing was written"},
		wantCode:  exitInterrupted,
		from:      from, to: to, fromKey: q1.APIKey, toKey: q2.APIKey,
	}
}

// liveReading holds the source's scrolls: the signal lands while reading.
func liveReading(t *testing.T) signalRun {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll, from := loadSmall(t, q1, "sigread", 1000)
	src := qdranttest.StartProxy(t, q1)
	src.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Times: 1})
	src.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Delay: 300 * time.Millisecond})
	proxied := src.Endpoint(coll)
	to := q2.Endpoint(q2.NewName(t, "sigread"))
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	return signalRun{
		dir: dir, env: qenv(q1, q2),
		args: []string{"migrate", "--from", proxied, "--to", to, "--state", state, "--batch-size", "64", "--readers", "1"},
		// The copy has started (the plan's probes scroll too): the state
		// is saved once the target is prepared.
		inPhase: func() bool {
			st, err := migrate.LoadState(state)
			return err == nil && st.Prepared
		},
		afterStop: func() { src.GRPC.Reset() },
		check: func(result) {
			assertStateSaved(t, state)
		},
		want:     []string{"stopping: finishing the batches in flight", "the state is saved in " + state, "Resume with: vecmig migrate --from '" + proxied + "'"},
		wantCode: exitInterrupted,
		from:     from, to: to, fromKey: q1.APIKey, toKey: q2.APIKey,
		resumeWant: "(resumed)",
	}
}

// liveWriting holds the target's upserts: the signal lands while batches
// are in flight, and they must land before vecmig exits.
func liveWriting(t *testing.T) signalRun {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	_, from := loadSmall(t, q1, "sigwrite", 1000)
	dst := qdranttest.StartProxy(t, q2)
	dst.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Delay: time.Second})
	to := dst.Endpoint(q2.NewName(t, "sigwrite"))
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	return signalRun{
		dir: dir, env: qenv(q1, q2),
		args:      []string{"migrate", "--from", from, "--to", to, "--state", state, "--batch-size", "64", "--workers", "2"},
		inPhase:   func() bool { return dst.GRPC.Calls("Upsert") >= 1 },
		afterStop: func() { dst.GRPC.Reset() },
		check: func(result) {
			assertStateSaved(t, state)
			if c, d := dst.GRPC.Calls("Upsert"), dst.GRPC.Completed("Upsert"); c == 0 || c != d {
				t.Errorf("upserts in flight at the signal: %d sent, %d completed; want all to land", c, d)
			}
		},
		want:     []string{"stopping: finishing the batches in flight", "Resume with: vecmig migrate --from '" + from + "'"},
		wantCode: exitInterrupted,
		from:     from, to: to, fromKey: q1.APIKey, toKey: q2.APIKey,
		resumeWant: "(resumed)",
	}
}

// snapshotPhase holds the snapshot download (on the source) or upload (on
// the target) of migrate --method snapshot.
func snapshotPhase(match string, onSource bool) func(t *testing.T) signalRun {
	return func(t *testing.T) signalRun {
		q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
		coll := loadSnapCollection(t, q1, "qdrant_int_dense", "sigsnap", 500)
		toColl := q2.NewName(t, "sigsnap")
		src, dst := qdranttest.StartProxy(t, q1), qdranttest.StartProxy(t, q2)
		slow := src
		if !onSource {
			slow = dst
		}
		slow.HTTP.Inject(faultproxy.Fault{Match: match, Delay: held})
		tmp := t.TempDir()
		dir := t.TempDir()
		return signalRun{
			dir: dir, env: qenv(q1, q2),
			args: []string{"migrate", "--method", "snapshot", "--temp-dir", tmp,
				"--from", src.Endpoint(coll), "--to", dst.Endpoint(toColl)},
			inPhase:   func() bool { return slow.HTTP.Calls(match) >= 1 },
			afterStop: func() { src.Reset(); dst.Reset() },
			check: func(result) {
				if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
					t.Errorf("--temp-dir %s still holds %d entries, first %s", tmp, len(ents), ents[0].Name())
				}
				if l := snapList(t, q1, q1.Endpoint(coll), false); len(l) != 0 {
					t.Errorf("vecmig left its snapshot on the source: %+v", l)
				}
				assertNoSnapshotFiles(t, q1, coll)
			},
			want:     []string{"stopping: cancelling the transfer and removing its temporary files", "nothing to resume, run the same command again"},
			wantCode: exitInterrupted,
			from:     q1.Endpoint(coll), to: q2.Endpoint(toColl), fromKey: q1.APIKey, toKey: q2.APIKey,
		}
	}
}

// verifyReading holds the source's scrolls during vecmig verify --mode full.
func verifyReading(t *testing.T) signalRun {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll, from := loadSmall(t, q1, "sigverify", 1000)
	to := q2.Endpoint(q2.NewName(t, "sigverify"))
	if r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--from", from, "--to", to, "--quiet"); r.code != 0 {
		t.Fatalf("copy before verify: %d\n%s", r.code, r.stderr)
	}
	src := qdranttest.StartProxy(t, q1)
	src.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Times: 1})
	src.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Delay: held})
	return signalRun{
		dir: t.TempDir(), env: qenv(q1, q2),
		args:     []string{"verify", "--mode", "full", "--from", src.Endpoint(coll), "--to", to},
		inPhase:  func() bool { return src.GRPC.Calls("Scroll") >= 2 },
		want:     []string{"interrupted"},
		wantCode: exitInterrupted,
	}
}

// backupPolling holds a Weaviate backup's upload to S3, so the backup is
// still running while vecmig polls its status: the signal must cancel the
// backup on the source (it ends CANCELED, its id spent), leave the target
// untouched, and exit 3; the same command then copies with a new backup.
func backupPolling(t *testing.T) signalRun {
	w1, w2, s3p := s3ProxiedPair(t)
	class, from, to := loadPair(t, w1, w2, fixture("plain"))
	src := weaviateProxy(t, w1)
	s3p.Inject(faultproxy.Fault{Match: s3Upload, Delay: held})
	const status = "GET /v1/backups/s3/*"
	return signalRun{
		dir:  t.TempDir(),
		args: []string{"migrate", "--method", "backup", "--backend", "s3", "--from", proxiedClass(src, class), "--to", to},
		// The upload is held and vecmig has polled after creating (the
		// first status call is the check that the id is unused).
		inPhase:   func() bool { return s3p.Calls(s3Upload) >= 1 && src.HTTP.Calls(status) >= 2 },
		afterStop: func() { s3p.Reset() },
		check: func(r result) {
			m := regexp.MustCompile(`backup (vecmig-[a-z0-9_-]+) was cancelled on the source`).FindStringSubmatch(r.stderr)
			if m == nil {
				t.Fatalf("the message does not say the backup was cancelled:\n%s", r.stderr)
			}
			b, _, err := weaviate.NewBackupClient("weaviate://127.0.0.1:"+itoa(w1.HTTPPort), weaviate.BackupOptions{})
			if err != nil {
				t.Fatal(err)
			}
			quick := weaviate.WaitOptions{Interval: 100 * time.Millisecond, MaxInterval: 500 * time.Millisecond}
			st, err := b.WaitBackup(adaptertest.Ctx(t), "s3", m[1], weaviate.Location{}, quick)
			if st == nil || st.Status != weaviate.BackupCanceled {
				t.Errorf("backup %s on the source after the signal: %+v, %v; want CANCELED", m[1], st, err)
			}
			if classExists(t, w2, class) {
				t.Errorf("class %s exists on the target after a signal during the backup", class)
			}
		},
		want:     []string{"stopping: cancelling the transfer", "interrupted", "was cancelled on the source", "the target is untouched", "run the same command again"},
		wantCode: exitInterrupted,
		from:     from, to: to,
	}
}
