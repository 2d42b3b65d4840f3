package wrap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/wrap"
)

func quickRetry(attempts int) *adapters.RetryPolicy {
	return &adapters.RetryPolicy{Attempts: attempts, Base: time.Millisecond, Max: time.Millisecond}
}

// The retry layer retries the abilities that do I/O, not only the core
// methods.
func TestRetryCoversAbilities(t *testing.T) {
	ctx := context.Background()
	s := &stub{plain: plain{n: 10, flaky: 2}}
	p := quickRetry(3)
	src, dst := wrap.Retry(s, p), wrap.RetrySink(s, p)

	a, _ := adapters.As[adapters.PartitionActivator](src)
	undo, err := a.ActivatePartition(ctx, "t")
	if err != nil {
		t.Fatalf("ActivatePartition: %v", err)
	}
	if err := undo(ctx); err != nil {
		t.Fatalf("undo: %v", err)
	}
	r, _ := adapters.As[adapters.RawReader](src)
	if pg, err := r.ReadRaw(ctx, adapters.ReadRequest{Limit: 4}); err != nil || pg.Batch.Len() != 4 {
		t.Fatalf("ReadRaw: %v", err)
	}
	w, _ := adapters.As[adapters.RawWriter](dst)
	if err := w.WriteRaw(ctx, "", nil); err != nil {
		t.Fatalf("WriteRaw: %v", err)
	}
	q, _ := adapters.As[adapters.Searcher](src)
	if _, err := q.Search(ctx, adapters.SearchRequest{K: 10}); err != nil {
		t.Fatalf("Search: %v", err)
	}
	for _, op := range []string{"activate", "deactivate", "readraw", "writeraw", "search"} {
		if n := s.called(op); n != 3 {
			t.Errorf("%s was tried %d times; want 3 (two transient failures, then success)", op, n)
		}
	}
	if p.Retries() != 10 {
		t.Errorf("the policy counted %d retries; want 10", p.Retries())
	}
	if f := adapters.RawFormat(src, dst); f != "stub.raw" {
		t.Errorf("RawFormat through the retry layers = %q", f)
	}
}

// A dry run looks at the target but no write reaches it, whichever way
// the code above tries.
func TestDryRunRefusesEveryWrite(t *testing.T) {
	ctx := context.Background()
	s := &stub{plain: plain{n: 10}}
	l := wrap.Layers{Retry: quickRetry(3), DryRun: true}
	src, dst := l.Source(s), l.Sink(s)

	if ok, err := dst.Exists(ctx); !ok || err != nil {
		t.Errorf("Exists = %v, %v; a dry run may look", ok, err)
	}
	if _, err := dst.Count(ctx, ""); err != nil {
		t.Errorf("Count: %v", err)
	}
	c, _ := adapters.As[adapters.TargetChecker](dst)
	if _, err := c.CheckTarget(ctx, &adapters.Collection{}, adapters.ExistsFail); err != nil {
		t.Errorf("CheckTarget: %v", err)
	}
	copier, _ := adapters.As[adapters.ServerCopier](src)
	if _, err := copier.PlanCopy(ctx, dst, adapters.CopyRequest{}); err != nil {
		t.Errorf("PlanCopy: %v", err)
	}
	w, _ := adapters.As[adapters.RawWriter](dst)
	_, copyErr := copier.CopyTo(ctx, dst, adapters.CopyRequest{})
	for what, err := range map[string]error{
		"Prepare":  dst.Prepare(ctx, &adapters.Collection{}, adapters.ExistsRecreate),
		"Write":    dst.Write(ctx, "", []adapters.Point{{ID: adapters.NumID(1)}}),
		"WriteRaw": w.WriteRaw(ctx, "", idBatch{adapters.NumID(1)}),
		"Finish":   dst.Finish(ctx),
		"CopyTo":   copyErr,
	} {
		if adapters.KindOf(err) != adapters.KindInvalid || err == nil {
			t.Errorf("%s in a dry run: %v; want a KindInvalid error", what, err)
		}
	}
	for _, op := range []string{"prepare", "write", "writeraw", "finish", "copyto"} {
		if n := s.called(op); n != 0 {
			t.Errorf("%s reached the adapter %d times in a dry run", op, n)
		}
	}
	if want := "dry run: vecmig tried to write to stub://c (write); this is a bug"; dst.Write(ctx, "", nil).Error() != want {
		t.Errorf("message: %q; want %q", dst.Write(ctx, "", nil), want)
	}
}

// The rate limit spaces reads by their points, across goroutines and
// across Read, ReadRaw and Get.
func TestLimitKeepsTheRate(t *testing.T) {
	ctx := context.Background()
	s := &stub{plain: plain{n: 1000}}
	const rate = 2000.0 // points per second
	src := wrap.Limit(s, rate)
	r, _ := adapters.As[adapters.RawReader](src)
	start := time.Now()
	var after *adapters.ID
	read := 0
	for i := 0; read < 500; i++ {
		req := adapters.ReadRequest{After: after, Limit: 100}
		var last adapters.ID
		if i%2 == 0 {
			pg, err := src.Read(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			read, last = read+len(pg.Points), pg.Points[len(pg.Points)-1].ID
		} else {
			pg, err := r.ReadRaw(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			read, last = read+pg.Batch.Len(), pg.Batch.ID(pg.Batch.Len()-1)
		}
		after = &last
	}
	if _, err := src.Get(ctx, "", make([]adapters.ID, 100)); err != nil {
		t.Fatal(err)
	}
	// 600 points: the first page goes at once, the other 500 take their
	// share of time.
	if el := time.Since(start); el < 240*time.Millisecond || el > 2*time.Second {
		t.Errorf("600 points at %v/s took %s; want about 250ms", rate, el)
	}
	// A read waiting its turn ends with its context.
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	slow := wrap.Limit(s, 1)
	slow.Read(cctx, adapters.ReadRequest{Limit: 100})
	if _, err := slow.Read(cctx, adapters.ReadRequest{Limit: 100}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a read waiting for the limit after its context ended: %v", err)
	}
}
