// Package qdranttest runs an in-process server that speaks Qdrant's gRPC
// protocol (and the REST endpoints vecmig uses), so the Qdrant adapter can be
// tested without a Qdrant binary. It keeps everything in memory and mirrors
// the documented behaviour vecmig depends on: scroll order and paging,
// cosine normalisation, datatype rounding, custom sharding, error codes and
// API keys. Fault knobs inject errors, rate limits and delays.
package qdranttest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// DefaultVersion is the Qdrant version the test server reports.
const DefaultVersion = "1.16.3"

const healthTitle = "qdrant - vector search engine"

// Options configures a Server.
type Options struct {
	// APIKey, when set, must be on every gRPC call and REST request
	// (metadata/header "api-key", or "authorization: Bearer KEY").
	APIKey string
	// Version is reported by HealthCheck and REST GET /; default DefaultVersion.
	Version string
	// SnapshotsDir holds snapshots (Qdrant's storage.snapshots_path); by
	// default a temporary directory removed by Close.
	SnapshotsDir string
}

// Server is an in-process Qdrant. Create it with NewServer or Start.
type Server struct {
	opts Options

	grpcLis  net.Listener
	grpcSrv  *grpc.Server
	restLis  net.Listener
	restSrv  *http.Server
	closeOne sync.Once

	mu          sync.RWMutex // guards collections and aliases (not their contents)
	collections map[string]*collection
	aliases     map[string]string // alias -> collection

	faultMu sync.Mutex
	faults  []*fault
	delay   time.Duration
	calls   map[string]int

	// REST snapshot state and knobs (snapshot_rest.go), guarded by faultMu.
	snapDir      string
	snapTmp      bool
	snapMu       sync.Mutex // serialises picking snapshot names
	restFaults   []*restFault
	restCalls    map[string]int
	cutLeft      int
	cutAfter     int64
	corruptLeft  int
	noRanges     bool
	clusterPeers int

	collectionsService
	pointsService
	qdrantService
}

type fault struct {
	remaining  int
	code       codes.Code
	retryAfter time.Duration
	rateLimit  bool
	methods    []string
}

// NewServer starts a server on 127.0.0.1 with free gRPC and REST ports.
// It is usable outside tests (benchmarks, demos); Close stops it.
func NewServer(opts Options) (*Server, error) {
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	s := &Server{
		opts:        opts,
		collections: map[string]*collection{},
		aliases:     map[string]string{},
		calls:       map[string]int{},
		restCalls:   map[string]int{},
		snapDir:     opts.SnapshotsDir,
	}
	if s.snapDir == "" {
		d, err := os.MkdirTemp("", "qdranttest-snapshots-")
		if err != nil {
			return nil, fmt.Errorf("qdranttest: create a snapshots directory: %w", err)
		}
		s.snapDir, s.snapTmp = d, true
	} else if err := os.MkdirAll(s.snapDir, 0o755); err != nil {
		return nil, fmt.Errorf("qdranttest: snapshots directory %s: %w", s.snapDir, err)
	}
	s.collectionsService.s = s
	s.pointsService.s = s
	s.qdrantService.s = s

	var err error
	s.grpcLis, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("qdranttest: listen for gRPC on 127.0.0.1: %w", err)
	}
	s.restLis, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.grpcLis.Close()
		return nil, fmt.Errorf("qdranttest: listen for REST on 127.0.0.1: %w", err)
	}
	s.grpcSrv = grpc.NewServer(
		grpc.UnaryInterceptor(s.intercept),
		// Real Qdrant accepts large upsert batches (its default limit is 32 MiB... and more).
		grpc.MaxRecvMsgSize(64<<20),
		grpc.MaxSendMsgSize(math.MaxInt32),
	)
	qdrant.RegisterCollectionsServer(s.grpcSrv, &s.collectionsService)
	qdrant.RegisterPointsServer(s.grpcSrv, &s.pointsService)
	qdrant.RegisterQdrantServer(s.grpcSrv, &s.qdrantService)
	qdrant.RegisterSnapshotsServer(s.grpcSrv, &snapshotsService{s: s})
	go s.grpcSrv.Serve(s.grpcLis) //nolint:errcheck // returns on Close

	s.restSrv = &http.Server{Handler: s.restHandler(), ReadHeaderTimeout: 10 * time.Second}
	go s.restSrv.Serve(s.restLis) //nolint:errcheck // returns on Close
	return s, nil
}

// Start is NewServer for tests: it fails t on error and closes the server
// when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := NewServer(opts)
	if err != nil {
		t.Fatalf("start in-process Qdrant: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops both listeners. Calls in flight are cut off.
func (s *Server) Close() {
	s.closeOne.Do(func() {
		s.grpcSrv.Stop()
		s.restSrv.Close()
		if s.snapTmp {
			os.RemoveAll(s.snapDir)
		}
	})
}

// GRPCPort is the port of the gRPC API (Qdrant's 6334).
func (s *Server) GRPCPort() int { return s.grpcLis.Addr().(*net.TCPAddr).Port }

// RESTPort is the port of the REST API (Qdrant's 6333).
func (s *Server) RESTPort() int { return s.restLis.Addr().(*net.TCPAddr).Port }

// Endpoint is the vecmig URL of collection on this server.
func (s *Server) Endpoint(collection string) string {
	return fmt.Sprintf("qdrant://127.0.0.1:%d/%s?rest_port=%d", s.GRPCPort(), collection, s.RESTPort())
}

// FailNext makes the next n gRPC calls fail with code. Without methods it
// counts every call except HealthCheck; with methods only calls to those
// ("Scroll", "Upsert", or qualified "Points/Get", "Collections/Get").
func (s *Server) FailNext(n int, code codes.Code, methods ...string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = append(s.faults, &fault{remaining: n, code: code, methods: methods})
}

// RateLimitNext makes the next n gRPC calls fail the way Qdrant's rate
// limiter does: ResourceExhausted with trailer "retry-after" in whole
// seconds (the go-client turns it into QdrantResourceExhaustedError).
// retryAfter <= 0 sends no retry-after.
func (s *Server) RateLimitNext(n int, retryAfter time.Duration, methods ...string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = append(s.faults, &fault{remaining: n, code: codes.ResourceExhausted,
		retryAfter: retryAfter, rateLimit: true, methods: methods})
}

// SetDelay makes the server sleep d before serving every gRPC call.
func (s *Server) SetDelay(d time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.delay = d
}

// Calls reports how many gRPC calls reached method, counted before auth
// and faults. method is "Scroll", "Upsert", ... ("Get" and "Delete" count
// both services; say "Points/Get" or "Collections/Get" to tell them apart).
func (s *Server) Calls(method string) int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.calls[method]
}

// Reset clears faults, delay and call counters. Data stays.
func (s *Server) Reset() {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults = nil
	s.delay = 0
	s.calls = map[string]int{}
	s.restFaults = nil
	s.restCalls = map[string]int{}
	s.cutLeft, s.corruptLeft, s.noRanges, s.clusterPeers = 0, 0, false, 0
}

// methodNames splits "/qdrant.Points/Get" into "Get" and "Points/Get".
func methodNames(full string) (short, qualified string) {
	full = strings.TrimPrefix(full, "/")
	svc, m, _ := strings.Cut(full, "/")
	svc = strings.TrimPrefix(svc, "qdrant.")
	return m, svc + "/" + m
}

func (f *fault) matches(short, qualified string) bool {
	if len(f.methods) == 0 {
		return short != "HealthCheck"
	}
	for _, m := range f.methods {
		if m == short || m == qualified || strings.TrimPrefix(m, "qdrant.") == qualified {
			return true
		}
	}
	return false
}

func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	short, qualified := methodNames(info.FullMethod)
	s.faultMu.Lock()
	s.calls[short]++
	if qualified != short {
		s.calls[qualified]++
	}
	delay := s.delay
	var hit *fault
	for _, f := range s.faults {
		if f.remaining > 0 && f.matches(short, qualified) {
			f.remaining--
			hit = f
			break
		}
	}
	s.faultMu.Unlock()

	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	// Qdrant lets health checks through without a key.
	if short != "HealthCheck" {
		if err := s.checkGRPCKey(ctx); err != nil {
			return nil, err
		}
	}
	if hit != nil {
		if hit.rateLimit {
			msg := "Rate limiting exceeded: Write rate limit exceeded, request larger than rate limiter capacity, please try to split your request"
			if hit.retryAfter > 0 {
				secs := int(math.Ceil(hit.retryAfter.Seconds()))
				_ = grpc.SetTrailer(ctx, metadata.Pairs("retry-after", strconv.Itoa(secs)))
				msg = fmt.Sprintf("Rate limiting exceeded: Write rate limit exceeded: Operation requires more tokens than available. Retry after %ds", secs)
			}
			return nil, status.Error(codes.ResourceExhausted, msg)
		}
		return nil, status.Errorf(hit.code, "qdranttest: injected failure (%s) for %s", hit.code, qualified)
	}
	return handler(ctx, req)
}

// Qdrant answers a missing or wrong key with Unauthenticated (gRPC) and
// 401 (REST); 403/PermissionDenied is for keys lacking a permission.
var errNoKey = errors.New("Must provide an API key or an Authorization bearer token")
var errBadKey = errors.New("Invalid API key or JWT")

func (s *Server) keyOK(get func(string) string) error {
	if s.opts.APIKey == "" {
		return nil
	}
	key := get("api-key")
	if key == "" {
		if a := get("authorization"); a != "" {
			if b, ok := strings.CutPrefix(a, "Bearer "); ok {
				key = b
			} else {
				key = a
			}
		}
	}
	if key == "" {
		return errNoKey
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) != 1 {
		return errBadKey
	}
	return nil
}

func (s *Server) checkGRPCKey(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	err := s.keyOK(func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	})
	if err != nil {
		return status.Error(codes.Unauthenticated, err.Error())
	}
	return nil
}

type qdrantService struct {
	qdrant.UnimplementedQdrantServer
	s *Server
}

func (q *qdrantService) HealthCheck(context.Context, *qdrant.HealthCheckRequest) (*qdrant.HealthCheckReply, error) {
	return &qdrant.HealthCheckReply{Title: healthTitle, Version: q.s.opts.Version}, nil
}

// lookup resolves name (or an alias) to its collection.
func (s *Server) lookup(name string) (*collection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c, ok := s.collections[name]; ok {
		return c, nil
	}
	if target, ok := s.aliases[name]; ok {
		if c, ok := s.collections[target]; ok {
			return c, nil
		}
	}
	return nil, errNotFound(name)
}

func errNotFound(name string) error {
	return status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
}

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "Wrong input: "+format, args...)
}

func elapsed(start time.Time) float64 { return time.Since(start).Seconds() }
