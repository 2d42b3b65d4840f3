package faultproxy_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"
)

// testContext bounds a test's calls, so a proxy bug shows as a failure
// rather than a hung test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(testContext(t), d)
}

// rest sends one REST request with the node's API key and returns the
// response; the caller closes its body.
func rest(t *testing.T, method, url string, body io.Reader, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("api-key", testAPIKey)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp
}

// restBody is rest for a complete, successful exchange.
func restBody(t *testing.T, method, url string, body io.Reader, wantStatus int, header ...string) []byte {
	t.Helper()
	resp := rest(t, method, url, body, header...)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, url, resp.StatusCode, wantStatus, b)
	}
	return b
}

// readAll reads a response body to its end or first error.
func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
