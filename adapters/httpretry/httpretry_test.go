package httpretry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

func TestCheckRetry(t *testing.T) {
	ctx := context.Background()
	for code, want := range map[int]bool{200: false, 400: false, 401: false, 404: false, 500: false, 429: true, 502: true, 503: true, 504: true} {
		if got, _ := CheckRetry(ctx, &http.Response{StatusCode: code}, nil); got != want {
			t.Errorf("status %d: retry = %v, want %v", code, got, want)
		}
	}
	refused := &url.Error{Op: "Get", URL: "http://x", Err: syscall.ECONNREFUSED}
	if got, _ := CheckRetry(ctx, nil, refused); !got {
		t.Error("a refused connection is not retried")
	}
	for _, e := range []error{x509.UnknownAuthorityError{}, &tls.CertificateVerificationError{Err: x509.HostnameError{}}} {
		cert := &url.Error{Op: "Get", URL: "https://x", Err: e}
		if got, _ := CheckRetry(ctx, nil, cert); got {
			t.Errorf("certificate error %T is retried; no retry can mend it", e)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := CheckRetry(cancelled, &http.Response{StatusCode: 503}, nil); got || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: retry = %v, %v", got, err)
	}
}

func TestAfter(t *testing.T) {
	if d := After(" 3 "); d != 3*time.Second {
		t.Errorf("After(3) = %s", d)
	}
	if d := After(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)); d < 59*time.Minute {
		t.Errorf("After(date in an hour) = %s", d)
	}
	for _, h := range []string{"", "soon", "-1", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)} {
		if d := After(h); d != 0 {
			t.Errorf("After(%q) = %s, want 0", h, d)
		}
	}
}

// The clients' own retry bounds are unlimited: a request without a budget
// must not be retried at all, or it would be retried forever.
func TestBudgetCheckNeedsABudget(t *testing.T) {
	p := &adapters.RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond}
	check := BudgetCheck(time.Second)
	for _, budget := range []bool{false, true} {
		ctx := context.Background()
		if budget {
			ctx = adapters.WithBudget(ctx, p.Budget("test"))
		}
		resp := &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Header: http.Header{}, Body: http.NoBody}
		if retry, err := check(ctx, resp, nil); retry != budget {
			t.Errorf("503 with a budget %v: retry %v (%v); want %v", budget, retry, err, budget)
		}
	}
}
