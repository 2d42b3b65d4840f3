package weaviate

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// fakeBackups answers the backup status path with the given codes in turn.
func fakeBackups(t *testing.T, codes []int, body string) (*BackupClient, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		code := codes[min(i, len(codes)-1)]
		if code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(code)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	b, _, err := NewBackupClient("weaviate://"+strings.TrimPrefix(srv.URL, "http://"), BackupOptions{Retries: 4, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, APIKey: adapters.NewSecret("sekrit")})
	if err != nil {
		t.Fatal(err)
	}
	return b, &n
}

func TestBackupClientRetries(t *testing.T) {
	ctx := context.Background()
	b, n := fakeBackups(t, []int{503, 429, 200}, `{"id":"x","status":"SUCCESS"}`)
	st, err := b.Status(ctx, "filesystem", "x", Location{})
	if err != nil || st.Status != BackupSuccess || n.Load() != 3 {
		t.Fatalf("after 503, 429, 200: %v %+v, %d requests", err, st, n.Load())
	}
	b, n = fakeBackups(t, []int{400}, `{"error":[{"message":"bad"}]}`)
	_, err = b.Status(ctx, "filesystem", "x", Location{})
	if adapters.KindOf(err) != adapters.KindInvalid || n.Load() != 1 {
		t.Fatalf("400: %v (kind %v), %d requests; want KindInvalid after 1", err, adapters.KindOf(err), n.Load())
	}
	b, n = fakeBackups(t, []int{503}, `{}`)
	_, err = b.Status(ctx, "filesystem", "x", Location{})
	if ok, _ := adapters.IsRetryable(err); !ok || n.Load() != 4 {
		t.Fatalf("503 forever: %v, %d requests; want retryable after 4", err, n.Load())
	}
	if strings.Contains(err.Error(), "sekrit") {
		t.Fatalf("the key leaked: %v", err)
	}
	b, _ = fakeBackups(t, []int{404}, `{"error":[{"message":"not found"}]}`)
	if _, err = b.Status(ctx, "filesystem", "x", Location{Path: "/p"}); adapters.KindOf(err) != adapters.KindNotFound || !strings.Contains(err.Error(), "path /p") {
		t.Fatalf("404: %v", err)
	}
}

func TestBackoffHonoursRetryAfter(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		resp := &http.Response{StatusCode: code, Header: http.Header{"Retry-After": []string{"7"}}}
		if d := backoff(time.Millisecond, time.Second, 1, resp); d != 7*time.Second {
			t.Errorf("%d with Retry-After 7: waits %s", code, d)
		}
	}
	if d := backoff(time.Second, 4*time.Second, 5, nil); d != 4*time.Second {
		t.Errorf("backoff not capped: %s", d)
	}
}

func TestWaitStopsOnCanceledAndFailed(t *testing.T) {
	for _, final := range []string{BackupCanceled, BackupFailed} {
		b, n := fakeBackups(t, []int{200}, `{"id":"x","status":"`+final+`","error":"why"}`)
		_, err := b.WaitBackup(context.Background(), "filesystem", "x", Location{}, WaitOptions{Interval: time.Millisecond})
		var ended *BackupEndedError
		if !errors.As(err, &ended) || ended.Status != final || !strings.Contains(err.Error(), "why") || n.Load() != 1 {
			t.Errorf("%s: %v after %d polls", final, err, n.Load())
		}
	}
}

func TestBackupIDs(t *testing.T) {
	a, b := NewBackupID("My Class_1"), NewBackupID("My Class_1")
	if a == b || ValidBackupID(a) != nil || !strings.HasPrefix(a, "vecmig-myclass_1-") {
		t.Errorf("ids %q %q", a, b)
	}
	if ValidBackupID("Bad ID") == nil {
		t.Error("Bad ID accepted")
	}
}
