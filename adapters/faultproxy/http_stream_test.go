package faultproxy_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/faultproxy"
)

// The proxy must pass each part of a body on as it comes, or a 1 GB
// snapshot would sit in its memory: the backend here holds back the rest
// of a body until the client has shown it got the first part.
func TestHTTPStreamsBodiesBothWays(t *testing.T) {
	release, gotFirst := make(chan struct{}), make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Write(bytes.Repeat([]byte("a"), 64<<10))
			w.(http.Flusher).Flush()
			<-release
			w.Write([]byte("end"))
			return
		}
		io.ReadFull(r.Body, make([]byte, 1024))
		close(gotFirst)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(backend.Close)
	defer close(release) // before backend.Close, which waits for the handler
	p := faultproxy.StartHTTP(t, strings.TrimPrefix(backend.URL, "http://"))

	resp := rest(t, http.MethodGet, p.URL()+"/down", nil)
	defer resp.Body.Close()
	within(t, "the first 64 KiB of the download", func() { io.ReadFull(resp.Body, make([]byte, 64<<10)) })

	pr, pw := io.Pipe()
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Post(p.URL()+"/up", "application/octet-stream", pr)
		done <- result{resp, err}
	}()
	pw.Write(make([]byte, 1024))
	within(t, "the first 1 KiB of the upload at the backend", func() { <-gotFirst })
	pw.Close()
	if up := <-done; up.err != nil || up.resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %+v", up)
	}
}

// within fails the test if f takes more than 10 s.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	finished := make(chan struct{})
	go func() { f(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not arrive in 10s: the proxy holds the body back", what)
	}
}
