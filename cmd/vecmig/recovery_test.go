package main

// Snapshot and backup transfers that fail on the server's side: a target
// killed while it recovers a snapshot or restores a backup, a backup the
// server ends FAILED, and a server answering 503 for longer than
// --retry-timeout. Each run must stop with a message that says what
// happened and what to do; following that advice must end in a target
// equal to the source and a clean full verify.

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/adaptertest"

	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/testserver"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// restartAfter restarts a killed server, failing the test if it cannot.
func restartAfter(t *testing.T, n restartable) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := n.Restart(ctx); err != nil {
		t.Fatalf("restart the killed server: %v", err)
	}
}

// The Qdrant target dies while it receives and recovers the snapshot and
// stays down past --retry-timeout. The message must say to restart it and
// run again with --on-exists recreate; doing so copies everything.
func TestSnapshotTargetDiesDuringRecovery(t *testing.T) {
	q1 := qdranttest.Instance(t, 1)
	q2 := qdranttest.Start(t, qdranttest.Options{})
	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "dies", 2000)
	toColl := q2.NewName(t, "dies")
	dst := qdranttest.StartProxy(t, q2)
	// Hold the upload a moment, so the kill lands while it is under way.
	dst.HTTP.Inject(faultproxy.Fault{Match: matchUpload, Times: 1, Delay: time.Second})
	args := []string{"migrate", "--method", "snapshot", "--from", q1.Endpoint(coll), "--to", dst.Endpoint(toColl),
		"--retries", "100", "--retry-timeout", "3s"}
	r := runWhile(t, qenv(q1, q2), args, func() bool { return dst.HTTP.Calls(matchUpload) >= 1 }, func() {
		if err := q2.Kill(); err != nil {
			t.Error(err)
		}
	})
	mustExit(t, r, exitError)
	t.Logf("the stopped run said:\n%s", r.stderr)
	for _, want := range []string{"gave up on", "the time limit of 3s", "did not finish", "restart it", "--on-exists recreate"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the message lacks %q:\n%s", want, r.stderr)
		}
	}
	if l := snapList(t, q1, q1.Endpoint(coll), false); len(l) != 0 {
		t.Errorf("the snapshot vecmig made stays on the source after the failure: %+v", l)
	}
	restartAfter(t, q2)
	dst.Reset()
	r = runVecmig(t, t.TempDir(), qenv(q1, q2), append(args, "--on-exists", "recreate")...)
	mustExit(t, r, 0)
	assertCopied(t, q1.Endpoint(coll), q2.Endpoint(toColl), q1.APIKey, q2.APIKey)
	verifyClean(t, qenv(q1, q2), q1.Endpoint(coll), q2.Endpoint(toColl))
}

// runWhile starts vecmig, runs act once ready() holds, and returns the
// outcome (at most 3 minutes).
func runWhile(t *testing.T, env, args []string, ready func() bool, act func()) result {
	t.Helper()
	s := signalRun{dir: t.TempDir(), env: env, args: args, inPhase: ready}
	return actInPhase(t, s, 0, act, 3*time.Minute)
}

// The Weaviate target is killed during the restore and stays down past
// --retry-timeout. The message must say how to find out how the restore
// ended and how to restore again; following it copies everything.
func TestBackupTargetDiesDuringRestore(t *testing.T) {
	w1, _ := backupPair(t)
	w2 := weaviatetest.Start(t, weaviatetest.Options{BackupPath: backupNodes.dir})
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(3000), "plain")
	class, from, to := loadPair(t, w1, w2, fx)
	dst := weaviateProxy(t, w2)
	const restoreStatus = "GET /v1/backups/filesystem/*/restore"
	args := []string{"migrate", "--method", "backup", "--backend", "filesystem", "--from", from, "--to", proxiedClass(dst, class),
		"--retries", "100", "--retry-timeout", "3s"}
	r := runWhile(t, nil, args, func() bool { return dst.HTTP.Calls(restoreStatus) >= 1 }, func() {
		if err := w2.Kill(); err != nil {
			t.Error(err)
		}
	})
	mustExit(t, r, exitError)
	t.Logf("the stopped run said:\n%s", r.stderr)
	for _, want := range []string{"gave up on", "the time limit of 3s", "lost the target during the restore", "restart it",
		"--restore --backend filesystem", "curl -X DELETE", "vecmig backup restore"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the message lacks %q:\n%s", want, r.stderr)
		}
	}
	id := regexp.MustCompile(`backup (vecmig-[a-z0-9_-]+)`).FindStringSubmatch(r.stderr)
	if id == nil {
		t.Fatalf("the message does not name the backup:\n%s", r.stderr)
	}
	restartAfter(t, w2)
	t.Logf("after the restart, the class is there: %v", classExists(t, w2, class))
	// Follow the message: see how the restore ended, and unless SUCCESS,
	// delete the class and restore again.
	u2 := "weaviate://127.0.0.1:" + itoa(w2.HTTPPort)
	st := runVecmig(t, t.TempDir(), nil, "backup", "status", "--restore", "--backend", "filesystem", u2, id[1])
	t.Logf("restore status after the restart (exit %d): %s%s", st.code, st.stdout, st.stderr)
	if st.code != 0 || !strings.Contains(st.stdout, "SUCCESS") {
		deleteClass(t, w2, class)
		mustExit(t, runVecmig(t, t.TempDir(), nil, "backup", "restore", "--backend", "filesystem", "--wait", u2, id[1]), 0)
	}
	assertCopied(t, from, to, "", "")
	verifyClean(t, nil, from, to)
}

func deleteClass(t *testing.T, w *weaviatetest.Node, class string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, w.HTTPURL()+"/v1/schema/"+class, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("delete class %s: %s", class, resp.Status)
	}
}

// s3Proxied are two Weaviate nodes (both node1) whose backup-s3 module
// reaches one versitygw bucket through a faultproxy, so a test can make
// the backup's upload fail or stall; started on first use.
var s3Proxied struct {
	once   sync.Once
	s3     *weaviatetest.S3
	proxy  *faultproxy.HTTP
	w1, w2 *weaviatetest.Node
	err    error
}

const proxiedBucket = "vecmig-proxied"

func s3ProxiedPair(t *testing.T) (*weaviatetest.Node, *weaviatetest.Node, *faultproxy.HTTP) {
	t.Helper()
	p := &s3Proxied
	p.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		testserver.OnExit(func() error { stopS3Proxied(); return nil })
		if p.s3, p.err = weaviatetest.LaunchS3(ctx); p.err != nil {
			return
		}
		if p.err = p.s3.CreateBucket(proxiedBucket); p.err != nil {
			return
		}
		if p.proxy, p.err = faultproxy.NewHTTP(p.s3.Endpoint()); p.err != nil {
			return
		}
		opts := p.s3.WeaviateOptions(proxiedBucket)
		opts.Env = append(opts.Env, "BACKUP_S3_ENDPOINT="+p.proxy.Addr())
		if p.w1, p.err = weaviatetest.Launch(ctx, opts); p.err != nil {
			return
		}
		p.w2, p.err = weaviatetest.Launch(ctx, opts)
	})
	if p.err != nil {
		t.Fatalf("start the Weaviate nodes behind an S3 proxy: %v", p.err)
	}
	p.proxy.Reset()
	t.Cleanup(p.proxy.Reset)
	return p.w1, p.w2, p.proxy
}

// stopS3Proxied stops what s3ProxiedPair started, when the tests end.
func stopS3Proxied() {
	p := &s3Proxied
	for _, n := range []*weaviatetest.Node{p.w1, p.w2} {
		if n != nil {
			n.Stop()
		}
	}
	if p.proxy != nil {
		p.proxy.Close()
	}
	if p.s3 != nil {
		p.s3.Stop()
	}
}

// s3Upload matches the node's upload of a class's data to the bucket:
// BUCKET/ID/NODE/CLASS/chunk-N, a multipart upload that begins and ends
// with a POST.
const s3Upload = "POST /" + proxiedBucket + "/*/node1/*/*"

// A backup the server ends FAILED (the bucket refuses the upload): the
// run stops with the server's reason, and nothing is restored.
func TestBackupFailedOnServer(t *testing.T) {
	w1, w2, s3p := s3ProxiedPair(t)
	fx := fixture("plain")
	class, from, _ := loadPair(t, w1, w2, fx)
	s3p.Inject(faultproxy.Fault{Match: s3Upload, Status: http.StatusForbidden})
	r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--backend", "s3", "--from", from, "--to", w2.Endpoint(class))
	mustExit(t, r, exitError)
	t.Logf("the failed run said:\n%s", r.stderr)
	if s3p.Faulted(s3Upload) == 0 {
		t.Fatal("the backup never reached the upload the fault was set on; the test proves nothing")
	}
	id := regexp.MustCompile(`backup "(vecmig-[a-z0-9_-]+)" ended FAILED: (.+?); see the server log`).FindStringSubmatch(r.stderr)
	if id == nil {
		t.Fatalf("the message does not say the backup ended FAILED with a reason:\n%s", r.stderr)
	}
	b, _, err := weaviate.NewBackupClient("weaviate://127.0.0.1:"+itoa(w1.HTTPPort), weaviate.BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := b.Status(adaptertest.Ctx(t), "s3", id[1], weaviate.Location{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != weaviate.BackupFailed || st.Error == "" || !strings.Contains(id[2], st.Error) {
		t.Errorf("the server says %s %q; the message gave %q", st.Status, st.Error, id[2])
	}
	if classExists(t, w2, class) {
		t.Errorf("class %s exists on the target after a failed backup", class)
	}
	// The source's data is untouched and a new run (new id) succeeds.
	s3p.Reset()
	to := w2.Endpoint(class)
	mustExit(t, runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--backend", "s3", "--from", from, "--to", to), 0)
	assertCopied(t, from, to, "", "")
	verifyClean(t, nil, from, to)
}

// --retry-timeout binds the snapshot and backup HTTP clients: a server
// answering 503 forever stops the run after about 2 s although --retries
// would allow 100 tries, with the live path's gave-up message.
func TestRetryTimeoutBindsSnapshotAndBackup(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "rt", 200)
	src := qdranttest.StartProxy(t, q1)
	w1, w2 := backupPair(t)
	class, _, wto := loadPair(t, w1, w2, fixture("plain"))
	wsrc := weaviateProxy(t, w1)
	cases := []struct {
		name, match string
		proxy       *faultproxy.HTTP
		args        []string
	}{
		{"qdrant snapshot", matchCreate, src.HTTP, []string{"--method", "snapshot", "--from", src.Endpoint(coll), "--to", q2.Endpoint(q2.NewName(t, "rt"))}},
		{"weaviate backup", "POST /v1/backups/filesystem", wsrc.HTTP, []string{"--method", "backup", "--backend", "filesystem", "--from", proxiedClass(wsrc, class), "--to", wto}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.proxy.Inject(faultproxy.Fault{Match: c.match, Status: http.StatusServiceUnavailable})
			args := append([]string{"migrate", "--retries", "100", "--retry-timeout", "2s"}, c.args...)
			r := runVecmig(t, t.TempDir(), qenv(q1, q2), args...)
			mustExit(t, r, exitError)
			t.Logf("the stopped run said:\n%s", r.stderr)
			for _, want := range []string{"503", "gave up on", "the time limit of 2s", "raise --retry-timeout (now 2s)"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("the message lacks %q:\n%s", want, r.stderr)
				}
			}
			if n := c.proxy.Calls(c.match); n < 2 || n >= 100 {
				t.Errorf("%d requests %s; want a few retries, stopped by the time limit long before --retries 100", n, c.match)
			}
		})
	}
}
