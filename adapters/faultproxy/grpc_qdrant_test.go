package faultproxy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestGRPCForwardsQdrantCalls(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	ctx := testContext(t)

	if err := upsert(ctx, c, name, 0, 10, 4); err != nil {
		t.Fatal(err)
	}
	got, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: name, Limit: qdrant.PtrOf(uint32(100)), WithPayload: qdrant.NewWithPayload(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[3].GetPayload()["text"].GetStringValue() != "point 3" {
		t.Fatalf("scroll through the proxy: %d points, point 3 payload %v", len(got), got[3].GetPayload())
	}
	if n := count(t, c, name); n != 10 {
		t.Fatalf("count through the proxy = %d, want 10", n)
	}
	for match, want := range map[string]int{
		"Upsert": 1, "Points/Scroll": 1, "/qdrant.Points/Count": 1,
		"Collections/Create": 1, "Collections/Delete": 1, "": 5,
	} {
		if got := p.Calls(match); got != want {
			t.Errorf("Calls(%q) = %d, want %d", match, got, want)
		}
	}
	if p.Completed("") != 5 || p.Faulted("") != 0 {
		t.Errorf("Completed = %d, Faulted = %d; want 5 and 0", p.Completed(""), p.Faulted(""))
	}
}

func TestGRPCCodeFailsTimesCallsThenPasses(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	ctx := testContext(t)

	p.Inject(faultproxy.Fault{Match: "Upsert", Times: 2, Code: codes.Unavailable})
	for i := range 2 {
		err := upsert(ctx, c, name, i, 1, 4)
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "faultproxy: injected Unavailable for /qdrant.Points/Upsert") {
			t.Fatalf("upsert %d: got %v, want the injected Unavailable", i, err)
		}
	}
	if err := upsert(ctx, c, name, 2, 1, 4); err != nil {
		t.Fatalf("third upsert, after Times ran out: %v", err)
	}
	if n := count(t, c, name); n != 1 {
		t.Fatalf("count = %d; the failed upserts must not reach Qdrant", n)
	}
	if p.Calls("Upsert") != 3 || p.Faulted("Upsert") != 2 {
		t.Fatalf("Calls = %d, Faulted = %d; want 3 and 2", p.Calls("Upsert"), p.Faulted("Upsert"))
	}
}

func TestGRPCRetryAfterBecomesQdrantResourceExhaustedError(t *testing.T) {
	p, c, name := throughGRPCProxy(t)

	// 1.5 s rounds up: a client must never be told to wait 0 s.
	p.Inject(faultproxy.Fault{Match: "Upsert", Times: 1, Code: codes.ResourceExhausted, RetryAfter: 1500 * time.Millisecond})
	err := upsert(testContext(t), c, name, 0, 1, 4)
	var rate *qdrant.QdrantResourceExhaustedError
	if !errors.As(err, &rate) || rate.RetryAfterS != 2 {
		t.Fatalf("got %T %v; want a *qdrant.QdrantResourceExhaustedError with RetryAfterS 2", err, err)
	}
}

// The backend's own errors must reach the client exactly as Qdrant sent
// them, or tests through the proxy would test the proxy's errors instead.
func TestGRPCBackendErrorsPassUnchanged(t *testing.T) {
	node := sharedQdrant(t)
	p, _, name := throughGRPCProxy(t)
	ctx := testContext(t)

	for _, tc := range []struct {
		name string
		key  string
		call func(*qdrant.Client) error
		want codes.Code
	}{
		{"missing collection", testAPIKey, func(c *qdrant.Client) error {
			_, err := c.GetCollectionInfo(ctx, "faultproxy_no_such_collection")
			return err
		}, codes.NotFound},
		{"wrong dimension", testAPIKey, func(c *qdrant.Client) error { return upsert(ctx, c, name, 0, 1, 7) }, codes.InvalidArgument},
		{"wrong API key", "wrong-key", func(c *qdrant.Client) error { return upsert(ctx, c, name, 0, 1, 4) }, codes.Unauthenticated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			direct := status.Convert(errors.Unwrap(tc.call(qdrantClient(t, node.GRPCPort, tc.key))))
			proxied := status.Convert(errors.Unwrap(tc.call(qdrantClient(t, p.Port(), tc.key))))
			if direct.Code() != tc.want {
				t.Fatalf("direct: %v, want code %s (has Qdrant changed?)", direct, tc.want)
			}
			if proxied.Code() != direct.Code() || proxied.Message() != direct.Message() {
				t.Fatalf("through the proxy: %v\ndirect: %v", proxied, direct)
			}
		})
	}
}

// A cut Upsert is the hard case for a migration: Qdrant applied it, but
// the client only sees the connection go.
func TestGRPCCutAfterBreaksTheConnectionAfterTheWriteLands(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	ctx := testContext(t)

	p.Inject(faultproxy.Fault{Match: "Upsert", Times: 1, CutAfter: 1})
	err := upsert(ctx, c, name, 0, 5, 4)
	// grpc-go reports the reset the proxy sends as Unavailable.
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "connection reset by peer") {
		t.Fatalf("cut upsert: got %v, want codes.Unavailable with a connection reset", err)
	}
	if n := count(t, sharedQdrant(t).Client(t), name); n != 5 {
		t.Fatalf("count on Qdrant = %d, want 5: the upsert reaches the backend before the cut", n)
	}
	if err := upsert(ctx, c, name, 5, 1, 4); err != nil {
		t.Fatalf("the next upsert, on a new connection: %v", err)
	}
}

func TestGRPCDelayHonoursTheCallersDeadline(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	p.Inject(faultproxy.Fault{Match: "Count", Delay: 300 * time.Millisecond})

	start := time.Now()
	if n := count(t, c, name); n != 0 || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("delayed count = %d after %s; want 0 after at least 300ms", n, time.Since(start))
	}
	ctx, cancel := contextWithTimeout(t, 50*time.Millisecond)
	defer cancel()
	_, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: name})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("count with a 50ms deadline: %v, want DeadlineExceeded", err)
	}
	if err := p.WaitCompleted(testContext(t), "Count", 2); err != nil {
		t.Fatal(err)
	}
}

func TestGRPCDenyWritesFailsOnlyWrites(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	ctx := testContext(t)
	p.Reset()

	p.Inject(faultproxy.Fault{DenyWrites: true})
	if err := upsert(ctx, c, name, 0, 1, 4); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("upsert under DenyWrites: %v, want PermissionDenied", err)
	}
	if _, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: name}); err != nil {
		t.Fatalf("scroll under DenyWrites: %v", err)
	}
	if p.Faulted("") != 1 || p.Calls("") != 2 {
		t.Fatalf("Faulted = %d, Calls = %d; want 1 and 2", p.Faulted(""), p.Calls(""))
	}
}

// A fault without an effect lets its Times calls through, so later faults
// can aim at the nth call; Reset clears both.
func TestGRPCFaultsApplyInInsertionOrder(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	ctx := testContext(t)

	p.Inject(faultproxy.Fault{Match: "Upsert", Times: 1})
	p.Inject(faultproxy.Fault{Match: "Upsert", Code: codes.Aborted})
	if err := upsert(ctx, c, name, 0, 1, 4); err != nil {
		t.Fatalf("first upsert: %v", err)
	}
	if err := upsert(ctx, c, name, 1, 1, 4); status.Code(err) != codes.Aborted {
		t.Fatalf("second upsert: %v, want Aborted", err)
	}
	p.Reset()
	if err := upsert(ctx, c, name, 2, 1, 4); err != nil {
		t.Fatalf("upsert after Reset: %v", err)
	}
	if p.Calls("") != 1 {
		t.Fatalf("Calls after Reset = %d, want 1", p.Calls(""))
	}
}

// throughGRPCProxy starts a gRPC proxy in front of the shared node and,
// through it, creates a fresh collection of 4-dimensional points; c is a
// client of the proxy.
func throughGRPCProxy(t *testing.T) (p *faultproxy.GRPC, c *qdrant.Client, name string) {
	t.Helper()
	p = faultproxy.StartGRPC(t, loopback(sharedQdrant(t).GRPCPort))
	c = qdrantClient(t, p.Port(), testAPIKey)
	name = collectionName(t)
	createCollection(t, c, name, 4)
	return p, c, name
}
