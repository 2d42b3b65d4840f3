package faultproxy

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

func TestHTTPMatch(t *testing.T) {
	for _, tc := range []struct {
		match, method, path string
		want                bool
	}{
		{"", "GET", "/anything", true},
		{"*", "DELETE", "/collections/a", true},
		{"GET /collections", "GET", "/collections", true},
		{"GET /collections", "get", "/collections/", true},
		{"GET /collections", "POST", "/collections", false},
		{"GET /collections", "GET", "/collections/a", false},
		{"GET /collections/*/snapshots/*", "GET", "/collections/a/snapshots/s.snapshot", true},
		{"GET /collections/*/snapshots/*", "GET", "/collections/a/snapshots", false},
		{"POST /collections/*/snapshots/upload", "POST", "/collections/a/snapshots/upload", true},
		{"/collections/**", "PUT", "/collections/a/points", true},
		{"* /collections/**", "GET", "/collections", true},
		{"/collections/**", "GET", "/cluster", false},
	} {
		m, err := compileHTTP(tc.match)
		if err != nil {
			t.Fatalf("%q: %v", tc.match, err)
		}
		if got := m(call{verb: tc.method, path: tc.path}); got != tc.want {
			t.Errorf("%q on %s %s = %v, want %v", tc.match, tc.method, tc.path, got, tc.want)
		}
	}
}

func TestGRPCMatch(t *testing.T) {
	for _, tc := range []struct {
		match, method string
		want          bool
	}{
		{"", "/qdrant.Points/Upsert", true},
		{"", "/qdrant.Qdrant/HealthCheck", false},
		{"*", "/grpc.health.v1.Health/Check", false},
		{"HealthCheck", "/qdrant.Qdrant/HealthCheck", true},
		{"Upsert", "/qdrant.Points/Upsert", true},
		{"Upsert", "/qdrant.Points/UpsertMany", false},
		{"Points/Upsert", "/qdrant.Points/Upsert", true},
		{"Points/Upsert", "/qdrant.Collections/Upsert", false},
		{"Delete", "/qdrant.Collections/Delete", true},
		{"/qdrant.Points/Count", "/qdrant.Points/Count", true},
		{"/qdrant.Points/Count", "/other.Points/Count", false},
		{"Search", "/weaviate.v1.Weaviate/Search", true},
	} {
		m, err := compileGRPC(tc.match)
		if err != nil {
			t.Fatalf("%q: %v", tc.match, err)
		}
		if got := m(call{path: tc.method}); got != tc.want {
			t.Errorf("%q on %s = %v, want %v", tc.match, tc.method, got, tc.want)
		}
	}
}

func TestWritesAreTold(t *testing.T) {
	for _, tc := range []struct {
		verb, path string
		want       bool
	}{
		{"PUT", "/collections/c/points", true},
		{"POST", "/collections/c/points", false}, // retrieve by id
		{"POST", "/collections/c/points/delete", true},
		{"POST", "/collections/c/points/batch", true},
		{"POST", "/collections/c/points/scroll", false},
		{"POST", "/collections/c/points/search/batch", false},
		{"POST", "/collections/c/points/query/groups", false},
		{"POST", "/collections/c/snapshots", true},
		{"POST", "/collections/c/snapshots/upload", true},
		{"GET", "/collections/c", false},
		{"DELETE", "/collections/c", true},
		{"POST", "/v1/graphql", false},
		{"POST", "/v1/batch/objects", true},
		{"PATCH", "/v1/schema/Docs", true},
	} {
		if got := httpWrites(call{verb: tc.verb, path: tc.path}); got != tc.want {
			t.Errorf("httpWrites(%s %s) = %v, want %v", tc.verb, tc.path, got, tc.want)
		}
	}
	for method, want := range map[string]bool{
		"/qdrant.Points/Upsert": true, "/qdrant.Points/SetPayload": true,
		"/qdrant.Collections/Create": true, "/qdrant.Snapshots/CreateFull": true,
		"/weaviate.v1.Weaviate/BatchObjects": true, "/qdrant.Points/Scroll": false,
		"/qdrant.Points/Count": false, "/weaviate.v1.Weaviate/Search": false,
	} {
		if got := grpcWrites(call{path: method}); got != want {
			t.Errorf("grpcWrites(%s) = %v, want %v", method, got, want)
		}
	}
}

func TestCorruptFlipsOneBitPerStride(t *testing.T) {
	body := bytes.Repeat([]byte{0xAA}, 3*corruptEvery+10)
	var out []byte
	for off := 0; off < len(body); off += 1000 { // in uneven pieces, as a stream arrives
		end := min(off+1000, len(body))
		out = append(out, corrupt(body[off:end], int64(off))...)
	}
	for i := range out {
		if want := i%corruptEvery == 0; (out[i] != 0xAA) != want || (want && out[i] != 0xAB) {
			t.Fatalf("byte %d = %#x", i, out[i])
		}
	}
	if body[0] != 0xAA {
		t.Fatal("corrupt changed its input")
	}
}

// Inject refuses a fault that cannot mean what the test says.
func TestInjectPanicsOnAMistake(t *testing.T) {
	h := &HTTP{faults: newTable(httpDialect)}
	g := &GRPC{faults: newTable(grpcDialect)}
	for name, inject := range map[string]func(){
		"HTTP Code":              func() { h.Inject(Fault{Code: codes.Unavailable}) },
		"HTTP bad match":         func() { h.Inject(Fault{Match: "GET collections"}) },
		"HTTP ** inside":         func() { h.Inject(Fault{Match: "/a/**/b"}) },
		"HTTP Status and cut":    func() { h.Inject(Fault{Status: 500, CutAfter: 10}) },
		"HTTP RetryAfter alone":  func() { h.Inject(Fault{RetryAfter: 1}) },
		"gRPC Status":            func() { g.Inject(Fault{Status: http.StatusServiceUnavailable}) },
		"gRPC Corrupt":           func() { g.Inject(Fault{Corrupt: true}) },
		"gRPC bad match":         func() { g.Inject(Fault{Match: "a/b/c"}) },
		"gRPC negative CutAfter": func() { g.Inject(Fault{CutAfter: -1}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "faultproxy: ") {
					t.Fatalf("recovered %v, want a faultproxy panic", r)
				}
			}()
			inject()
		})
	}
}
