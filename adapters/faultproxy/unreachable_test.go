package faultproxy

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A proxy whose backend is gone says which backend, so a test that set it
// up wrong reads why at once.

func TestHTTPNamesAnUnreachableBackend(t *testing.T) {
	addr := closedAddr(t)
	p := StartHTTP(t, addr)
	req, _ := http.NewRequestWithContext(testContext(t), http.MethodGet, p.URL()+"/collections", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "faultproxy: backend "+addr) {
		t.Fatalf("got %d %s; want 502 naming %s", resp.StatusCode, body, addr)
	}
}

func TestGRPCNamesAnUnreachableBackend(t *testing.T) {
	addr := closedAddr(t)
	p := StartGRPC(t, addr)
	err := rawStream(t, testContext(t), p.Addr()).RecvMsg(&frame{})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "faultproxy: backend "+addr) {
		t.Fatalf("got %v; want Unavailable naming %s", err, addr)
	}
}

// closedAddr is a local address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
