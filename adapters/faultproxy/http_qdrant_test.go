package faultproxy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/faultproxy"
)

func TestHTTPForwardsQdrantREST(t *testing.T) {
	node := sharedQdrant(t)
	p := faultproxy.StartHTTP(t, loopback(node.RESTPort))

	body := restBody(t, http.MethodGet, p.URL()+"/collections", nil, http.StatusOK)
	if !strings.Contains(string(body), `"collections":[`) {
		t.Fatalf("GET /collections through the proxy: %s", body)
	}
	// Without the key Qdrant refuses; the proxy passes its answer on as is.
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, p.URL()+"/collections", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /collections without a key: %d, want Qdrant's 401", resp.StatusCode)
	}
	if p.Calls("GET /collections") != 2 || p.Calls("GET /collections/*") != 0 {
		t.Fatalf("Calls = %d, want 2", p.Calls("GET /collections"))
	}
	// A client holds its answer a moment before the proxy's handler returns.
	if err := p.WaitCompleted(testContext(t), "", 2); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPStatusAnswersWithRetryAfter(t *testing.T) {
	node := sharedQdrant(t)
	p := faultproxy.StartHTTP(t, loopback(node.RESTPort))
	p.Inject(faultproxy.Fault{Match: "GET /collections", Times: 1, Status: http.StatusServiceUnavailable, RetryAfter: 2 * time.Second})

	resp := rest(t, http.MethodGet, p.URL()+"/collections", nil)
	body, _ := readAll(resp)
	want := `{"status":{"error":"faultproxy: injected 503"},"time":0}`
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" || string(body) != want {
		t.Fatalf("got %d, Retry-After %q, body %s; want 503, 2 and %s", resp.StatusCode, resp.Header.Get("Retry-After"), body, want)
	}
	restBody(t, http.MethodGet, p.URL()+"/collections", nil, http.StatusOK)
	if p.Calls("GET /collections") != 2 || p.Faulted("") != 1 {
		t.Fatalf("Calls = %d, Faulted = %d; want 2 and 1", p.Calls(""), p.Faulted(""))
	}
}

func TestHTTPDelayHonoursTheCallersDeadline(t *testing.T) {
	node := sharedQdrant(t)
	p := faultproxy.StartHTTP(t, loopback(node.RESTPort))
	p.Inject(faultproxy.Fault{Match: "GET /collections", Delay: 300 * time.Millisecond})

	start := time.Now()
	restBody(t, http.MethodGet, p.URL()+"/collections", nil, http.StatusOK)
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("delayed request took %s, want at least 300ms", took)
	}
	ctx, cancel := context.WithTimeout(testContext(t), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/collections", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request with a 50ms deadline: %v, want DeadlineExceeded", err)
	}
	if err := p.WaitCompleted(testContext(t), "GET /collections", 2); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPCutAfterTruncatesASnapshotDownload(t *testing.T) {
	s := snapshot(t)
	p := faultproxy.StartHTTP(t, loopback(sharedQdrant(t).RESTPort))
	p.Inject(faultproxy.Fault{Match: "GET /collections/*/snapshots/*", Times: 1, CutAfter: 100_000})

	resp := rest(t, http.MethodGet, p.URL()+s.path, nil, identity...)
	got, err := readAll(resp)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != 100_000 || !bytes.Equal(got, s.body[:100_000]) {
		t.Fatalf("cut download: %d bytes, %v; want the first 100000 bytes then io.ErrUnexpectedEOF", len(got), err)
	}
	if resp.ContentLength != int64(len(s.body)) {
		t.Fatalf("Content-Length %d, want the full %d: the cut must look like a dropped connection", resp.ContentLength, len(s.body))
	}
	if again, err := readAll(rest(t, http.MethodGet, p.URL()+s.path, nil, identity...)); err != nil || !bytes.Equal(again, s.body) {
		t.Fatalf("download after the cut: %d bytes, %v", len(again), err)
	}
}

// Go's transport asks for gzip by default and Qdrant then compresses the
// download, without a Content-Length: CutAfter counts compressed bytes,
// and the gzip reader reports the cut the same way.
func TestHTTPCutAfterOnAGzipDownload(t *testing.T) {
	s := snapshot(t)
	p := faultproxy.StartHTTP(t, loopback(sharedQdrant(t).RESTPort))
	p.Inject(faultproxy.Fault{Match: "GET /collections/*/snapshots/*", CutAfter: 100_000})

	resp := rest(t, http.MethodGet, p.URL()+s.path, nil)
	got, err := readAll(resp)
	if !resp.Uncompressed || !errors.Is(err, io.ErrUnexpectedEOF) || len(got) >= len(s.body) || !bytes.Equal(got, s.body[:len(got)]) {
		t.Fatalf("cut gzip download: uncompressed %v, %d bytes, %v; want a decompressed prefix then io.ErrUnexpectedEOF",
			resp.Uncompressed, len(got), err)
	}
}

func TestHTTPCorruptKeepsTheLength(t *testing.T) {
	s := snapshot(t)
	p := faultproxy.StartHTTP(t, loopback(sharedQdrant(t).RESTPort))
	p.Inject(faultproxy.Fault{Match: "GET /collections/*/snapshots/*", Corrupt: true})

	got, err := readAll(rest(t, http.MethodGet, p.URL()+s.path, nil, identity...))
	if err != nil || len(got) != len(s.body) {
		t.Fatalf("corrupt download: %d bytes, %v; want all %d", len(got), err, len(s.body))
	}
	for i := range got {
		flipped := i%faultproxy.CorruptEvery == 0
		if (got[i] != s.body[i]) != flipped || (flipped && got[i] != s.body[i]^1) {
			t.Fatalf("byte %d: %#x, was %#x; want the low bit flipped exactly at multiples of %d", i, got[i], s.body[i], faultproxy.CorruptEvery)
		}
	}
}

func TestHTTPStripRangeAnswersTheWholeBody(t *testing.T) {
	s := snapshot(t)
	p := faultproxy.StartHTTP(t, loopback(sharedQdrant(t).RESTPort))
	ranged := func() (*http.Response, []byte) {
		resp := rest(t, http.MethodGet, p.URL()+s.path, nil, "Range", "bytes=100-199", identity[0], identity[1])
		b, err := readAll(resp)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}

	resp, b := ranged()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(b, s.body[100:200]) {
		t.Fatalf("Range through the plain proxy: %d, %d bytes; want Qdrant's 206 with 100", resp.StatusCode, len(b))
	}
	p.Inject(faultproxy.Fault{StripRange: true})
	resp, b = ranged()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, s.body) || resp.Header.Get("Accept-Ranges") != "" {
		t.Fatalf("Range under StripRange: %d, %d bytes, Accept-Ranges %q; want 200 with the whole %d and no Accept-Ranges",
			resp.StatusCode, len(b), resp.Header.Get("Accept-Ranges"), len(s.body))
	}
}

// A snapshot goes down and back up through the proxy intact: the upload
// is a streamed multipart body, as vecmig sends it.
func TestHTTPSnapshotRoundTrip(t *testing.T) {
	s := snapshot(t)
	node := sharedQdrant(t)
	p := faultproxy.StartHTTP(t, loopback(node.RESTPort))

	down, err := readAll(rest(t, http.MethodGet, p.URL()+s.path, nil, identity...))
	if err != nil || !bytes.Equal(down, s.body) {
		t.Fatalf("download through the proxy: %d bytes, %v; want the %d Qdrant serves", len(down), err, len(s.body))
	}
	target := collectionName(t)
	resp := uploadSnapshot(t, p.URL()+"/collections/"+target+"/snapshots/upload?wait=true", s.name, down)
	if b, err := readAll(resp); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload through the proxy: %d %s %v", resp.StatusCode, b, err)
	}
	if n := count(t, node.Client(t), target); n != s.points {
		t.Fatalf("restored collection has %d points, want %d", n, s.points)
	}
}

func TestHTTPDenyWritesFailsOnlyWrites(t *testing.T) {
	s := snapshot(t)
	p := faultproxy.StartHTTP(t, loopback(sharedQdrant(t).RESTPort))
	p.Inject(faultproxy.Fault{DenyWrites: true})
	coll := p.URL() + "/collections/" + s.collection

	resp := rest(t, http.MethodPut, coll+"/points?wait=true", strings.NewReader(`{"points":[]}`))
	if b, _ := readAll(resp); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("PUT points under DenyWrites: %d %s, want 403", resp.StatusCode, b)
	}
	restBody(t, http.MethodPost, coll+"/points/scroll", strings.NewReader(`{"limit":1}`), http.StatusOK)
	restBody(t, http.MethodPost, coll+"/points/count", strings.NewReader(`{}`), http.StatusOK)
	restBody(t, http.MethodGet, coll, nil, http.StatusOK)
	if p.Faulted("") != 1 {
		t.Fatalf("Faulted = %d, want 1", p.Faulted(""))
	}
}

// An upload refused with a status still reads as that status, not as a
// broken connection, though the proxy never reads the body.
func TestHTTPStatusRefusesAnUpload(t *testing.T) {
	s := snapshot(t)
	p := faultproxy.StartHTTP(t, loopback(sharedQdrant(t).RESTPort))
	p.Inject(faultproxy.Fault{Match: "POST /collections/*/snapshots/upload", Status: http.StatusInsufficientStorage})

	resp := uploadSnapshot(t, p.URL()+"/collections/"+collectionName(t)+"/snapshots/upload", s.name, s.body)
	if b, err := readAll(resp); err != nil || resp.StatusCode != http.StatusInsufficientStorage {
		t.Fatalf("refused upload: %d %s %v; want 507", resp.StatusCode, b, err)
	}
}

// uploadSnapshot posts a snapshot as a streamed multipart form, as vecmig
// sends it.
func uploadSnapshot(t *testing.T, url, name string, data []byte) *http.Response {
	t.Helper()
	pr, pw := io.Pipe()
	form := multipart.NewWriter(pw)
	go func() {
		part, err := form.CreateFormFile("snapshot", name)
		if err == nil {
			_, err = part.Write(data)
		}
		if err == nil {
			err = form.Close()
		}
		pw.CloseWithError(err)
	}()
	return rest(t, http.MethodPost, url, pr, "Content-Type", form.FormDataContentType())
}
