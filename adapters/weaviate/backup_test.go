package weaviate_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// quickWait polls often, so that a test waits no longer than the server.
var quickWait = weaviate.WaitOptions{Interval: 100 * time.Millisecond, MaxInterval: 500 * time.Millisecond}

// backupClient returns a client for the server at hostPort.
func backupClient(t *testing.T, hostPort string, opts weaviate.BackupOptions) *weaviate.BackupClient {
	t.Helper()
	b, _, err := weaviate.NewBackupClient("weaviate://"+hostPort, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hostPort(node *weaviatetest.Node) string { return "127.0.0.1:" + strconv.Itoa(node.HTTPPort) }

// The status of a real backup, read through a proxy that fails some
// requests first: the client retries what may pass later and nothing else.
func TestBackupClientRetries(t *testing.T) {
	t.Parallel()
	const key = "sekrit"
	node := weaviatetest.Start(t, weaviatetest.Options{APIKey: key})
	ctx := adaptertest.Ctx(t)
	class := weaviatetest.NewClassName("retries")
	adaptertest.Load(t, registry, adapters.Config{APIKey: adapters.NewSecret(key)}, node.Endpoint(class), fixture(t, "plain"))

	id := weaviate.NewBackupID(class)
	direct := backupClient(t, hostPort(node), weaviate.BackupOptions{APIKey: adapters.NewSecret(key)})
	if _, err := direct.Create(ctx, "filesystem", weaviate.BackupRequest{ID: id, Include: []string{class}}); err != nil {
		t.Fatal(err)
	}
	if _, err := direct.WaitBackup(ctx, "filesystem", id, weaviate.Location{}, quickWait); err != nil {
		t.Fatal(err)
	}

	p := faultproxy.StartHTTP(t, hostPort(node))
	b := backupClient(t, p.Addr(), weaviate.BackupOptions{Retry: &adapters.RetryPolicy{Attempts: 4, Base: time.Millisecond, Max: time.Millisecond},
		APIKey: adapters.NewSecret(key)})
	const status = "GET /v1/backups/filesystem/*"
	var errs []error

	p.Inject(faultproxy.Fault{Match: status, Times: 1, Status: http.StatusServiceUnavailable})
	p.Inject(faultproxy.Fault{Match: status, Times: 1, Status: http.StatusTooManyRequests})
	// Anonymous access is off: the server's answer proves the key was sent.
	st, err := b.Status(ctx, "filesystem", id, weaviate.Location{})
	if err != nil || st.ID != id || st.Status != weaviate.BackupSuccess || p.Calls(status) != 3 {
		t.Fatalf("after 503, 429 and the server's answer: %v %+v, %d requests; want SUCCESS after 3", err, st, p.Calls(status))
	}

	p.Reset()
	p.Inject(faultproxy.Fault{Match: status, Times: 1, Status: http.StatusBadRequest})
	_, err = b.Status(ctx, "filesystem", id, weaviate.Location{})
	if adapters.KindOf(err) != adapters.KindInvalid || p.Calls(status) != 1 {
		t.Fatalf("400: %v (kind %v), %d requests; want KindInvalid after 1", err, adapters.KindOf(err), p.Calls(status))
	}
	errs = append(errs, err)

	p.Reset()
	p.Inject(faultproxy.Fault{Match: status, Status: http.StatusServiceUnavailable})
	_, err = b.Status(ctx, "filesystem", id, weaviate.Location{})
	if ok, _ := adapters.IsRetryable(err); !ok || p.Calls(status) != 4 {
		t.Fatalf("503 forever: %v, %d requests; want retryable after 4", err, p.Calls(status))
	}
	errs = append(errs, err)

	// The server's own 404, for a backup looked for where it is not.
	p.Reset()
	elsewhere := t.TempDir()
	_, err = b.Status(ctx, "filesystem", "vecmig-no-such-backup", weaviate.Location{Path: elsewhere})
	if adapters.KindOf(err) != adapters.KindNotFound || !strings.Contains(err.Error(), "path "+elsewhere) || p.Calls(status) != 1 {
		t.Fatalf("unknown id at path %s: %v (kind %v), %d requests; want KindNotFound naming the path after 1", elsewhere, err, adapters.KindOf(err), p.Calls(status))
	}
	errs = append(errs, err)

	for _, err := range errs {
		if strings.Contains(err.Error(), key) {
			t.Errorf("the key leaked: %v", err)
		}
	}
}

// A backup to S3 through a proxy in front of the S3 server: stalling the
// node's upload keeps the backup running until it is cancelled, and
// refusing it makes the backup fail. Waiting stops at either, with the
// server's reason.
func TestWaitStopsOnCanceledAndFailed(t *testing.T) {
	t.Parallel()
	const bucket = "vecmig-backups"
	s3 := weaviatetest.StartS3(t, bucket)
	s3p := faultproxy.StartHTTP(t, s3.Endpoint())
	opts := s3.WeaviateOptions(bucket)
	opts.Env = append(opts.Env, "BACKUP_S3_ENDPOINT="+s3p.Addr())
	node := weaviatetest.Start(t, opts)
	ctx := adaptertest.Ctx(t)
	class := weaviatetest.NewClassName("ended")
	adaptertest.Load(t, registry, adapters.Config{}, node.Endpoint(class), fixture(t, "plain"))
	b := backupClient(t, hostPort(node), weaviate.BackupOptions{})

	for _, tc := range []struct {
		want  string
		fault faultproxy.Fault // on the node's upload of the class's data
	}{
		{weaviate.BackupCanceled, faultproxy.Fault{Delay: time.Hour}},
		{weaviate.BackupFailed, faultproxy.Fault{Status: http.StatusForbidden}},
	} {
		t.Run(tc.want, func(t *testing.T) {
			id := weaviate.NewBackupID(class)
			// Objects are uploaded as BUCKET/ID/NODE/CLASS/chunk-N, in a
			// multipart upload that begins and ends with a POST.
			tc.fault.Match = "POST /" + bucket + "/" + id + "/" + node.NodeName + "/*/*"
			s3p.Inject(tc.fault)
			if _, err := b.Create(ctx, "s3", weaviate.BackupRequest{ID: id, Include: []string{class}}); err != nil {
				t.Fatal(err)
			}
			if tc.want == weaviate.BackupCanceled {
				// Cancel while the upload is held, so the backup is mid-transfer.
				waitArrived(t, s3p, tc.fault.Match)
				if err := b.Cancel(ctx, "s3", id, weaviate.Location{}); err != nil {
					t.Fatal(err)
				}
			}
			var seen []*weaviate.BackupStatus
			wo := quickWait
			wo.OnStatus = func(st *weaviate.BackupStatus, _ time.Duration) { seen = append(seen, st) }
			st, err := b.WaitBackup(ctx, "s3", id, weaviate.Location{}, wo)
			var ended *weaviate.BackupEndedError
			if !errors.As(err, &ended) || ended.Status != tc.want || st == nil || st.Status != tc.want {
				t.Fatalf("wait: %v, %+v; want a BackupEndedError %s", err, st, tc.want)
			}
			if ended.Reason == "" || ended.Reason != st.Error || !strings.Contains(err.Error(), st.Error) || adapters.KindOf(err) != adapters.KindUnknown {
				t.Errorf("%s: %v (kind %v); want the server's reason %q, KindUnknown", tc.want, err, adapters.KindOf(err), st.Error)
			}
			for _, s := range seen[:len(seen)-1] {
				if s.Done() {
					t.Errorf("polled on after the final status %s", s.Status)
				}
			}
			if s3p.Faulted(tc.fault.Match) == 0 {
				t.Errorf("the backup never reached the upload the fault was set on")
			}
		})
	}
}

// waitArrived waits until a request matching match has reached the proxy.
func waitArrived(t *testing.T, p *faultproxy.HTTP, match string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for p.Calls(match) == 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("no request %s reached the proxy: %v", match, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestBackupIDs(t *testing.T) {
	a, b := weaviate.NewBackupID("My Class_1"), weaviate.NewBackupID("My Class_1")
	if a == b || weaviate.ValidBackupID(a) != nil || !strings.HasPrefix(a, "vecmig-myclass_1-") {
		t.Errorf("ids %q %q", a, b)
	}
	if weaviate.ValidBackupID("Bad ID") == nil {
		t.Error("Bad ID accepted")
	}
}
