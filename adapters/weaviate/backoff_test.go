package weaviate

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffHonoursRetryAfter(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		resp := &http.Response{StatusCode: code, Header: http.Header{"Retry-After": []string{"7"}}}
		if d := backoffFor(time.Millisecond, time.Second, 1, resp); d != 7*time.Second {
			t.Errorf("%d with Retry-After 7: waits %s", code, d)
		}
	}
	if d := backoffFor(time.Second, 4*time.Second, 5, nil); d != 4*time.Second {
		t.Errorf("backoff not capped: %s", d)
	}
}
