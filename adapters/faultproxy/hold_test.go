package faultproxy_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters/faultproxy"
)

// HoldAnswer: the upsert reaches Qdrant and is applied, but its answer
// comes after the caller's deadline, so the caller sees DeadlineExceeded.
func TestGRPCHoldAnswerAppliesTheWriteLate(t *testing.T) {
	p, c, name := throughGRPCProxy(t)
	p.Inject(faultproxy.Fault{Match: "Upsert", Times: 1, HoldAnswer: 3 * time.Second})
	ctx, cancel := context.WithTimeout(testContext(t), 500*time.Millisecond)
	defer cancel()
	if err := upsert(ctx, c, name, 0, 5, 4); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("held upsert: %v; want DeadlineExceeded", err)
	}
	if n := count(t, c, name); n != 5 {
		t.Fatalf("count = %d after the held upsert; want 5 (applied, answer late)", n)
	}
	if err := upsert(testContext(t), c, name, 5, 1, 4); err != nil {
		t.Fatalf("the upsert after Times ran out: %v", err)
	}
	if p.Calls("Upsert") != 2 || p.Faulted("Upsert") != 1 {
		t.Errorf("Calls = %d, Faulted = %d; want 2 and 1", p.Calls("Upsert"), p.Faulted("Upsert"))
	}
}
