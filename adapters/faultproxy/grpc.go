package faultproxy

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // so a client's gzip-compressed calls decode
	"google.golang.org/grpc/keepalive"
)

// maxMessage lifts gRPC's 4 MiB default both ways, so the proxy never
// refuses a message the backend itself would take.
const maxMessage = 256 << 20

// quickReconnect redials a backend that a test restarted within half a
// second; gRPC's default backoff grows to two minutes.
var quickReconnect = grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 500 * time.Millisecond},
	MinConnectTimeout: 5 * time.Second,
}

// GRPC is a transparent gRPC proxy on 127.0.0.1 in front of a plaintext
// (h2c) gRPC server. It forwards every unary and streaming call without
// decoding messages: metadata such as api-key travels to the backend, and
// headers, trailers and the final status travel back unchanged. It is safe
// for concurrent use.
type GRPC struct {
	target   string
	listener *connListener
	server   *grpc.Server
	backend  *grpc.ClientConn
	faults   *table
}

// NewGRPC starts a proxy for target ("host:port") on a free local port.
func NewGRPC(target string) (*GRPC, error) {
	backend, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
		grpc.WithConnectParams(quickReconnect))
	if err != nil {
		return nil, fmt.Errorf("faultproxy: gRPC client for backend %s: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		backend.Close()
		return nil, fmt.Errorf("faultproxy: listen for gRPC proxy to %s: %w", target, err)
	}
	p := &GRPC{target: target, listener: newConnListener(ln), backend: backend, faults: newTable(grpcDialect)}
	p.server = grpc.NewServer(
		grpc.UnknownServiceHandler(p.handle),
		grpc.ForceServerCodec(rawCodec{}),
		grpc.MaxRecvMsgSize(maxMessage),
		grpc.MaxSendMsgSize(maxMessage),
		// qdrant/go-client pings every 10 s even when idle; grpc-go's
		// default policy would answer that with GOAWAY too_many_pings.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
	)
	go p.server.Serve(p.listener) //nolint:errcheck // Serve returns when Close stops it.
	return p, nil
}

// StartGRPC is NewGRPC for a test: it fails the test on error and closes
// the proxy when the test ends.
func StartGRPC(t testing.TB, target string) *GRPC {
	t.Helper()
	p, err := NewGRPC(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Port is the proxy's local port.
func (p *GRPC) Port() int { return p.listener.Addr().(*net.TCPAddr).Port }

// Addr is the proxy's "127.0.0.1:port".
func (p *GRPC) Addr() string { return p.listener.Addr().String() }

// Target is the backend's "host:port".
func (p *GRPC) Target() string { return p.target }

// Close stops the proxy at once, failing calls in flight, and closes its
// connection to the backend.
func (p *GRPC) Close() error {
	p.server.Stop()
	return p.backend.Close()
}

// Inject adds a fault after those already injected; the first matching one
// with Times left applies to each call. It panics on a malformed Match or a
// Fault gRPC cannot honour (e.g. Status), as a mistake in the test.
func (p *GRPC) Inject(f Fault) { p.faults.inject(f) }

// Reset removes every fault and forgets every call seen.
func (p *GRPC) Reset() { p.faults.reset() }

// Calls counts calls matching match that reached the proxy, whether or not
// a fault then hit them.
func (p *GRPC) Calls(match string) int { return p.faults.count(match).arrived }

// Faulted counts calls matching match that a fault hit.
func (p *GRPC) Faulted(match string) int { return p.faults.count(match).faulted }

// Completed counts calls matching match that the proxy has finished
// handling. The client sees its own end at about that moment, a little
// before or after; WaitCompleted waits for a number of them.
func (p *GRPC) Completed(match string) int { return p.faults.count(match).completed }

// WaitCompleted waits until n calls matching match have completed.
func (p *GRPC) WaitCompleted(ctx context.Context, match string, n int) error {
	return p.faults.waitCompleted(ctx, match, n)
}
