package migrate_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

var reg = adapters.NewRegistry(qdrant.Driver())

// setup loads n points of the first Qdrant fixture into a fresh source and
// opens it with a fresh target on a second test server.
func setup(t *testing.T, n int) (src adapters.Source, dst adapters.Sink, srcURL, dstURL string, target *qdranttest.Server) {
	t.Helper()
	q := qdranttest.Instance(t, 1)
	srcURL = q.Endpoint(q.NewName(t, "src"))
	cfg := adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}
	adaptertest.Load(t, reg, cfg, srcURL, adaptertest.QdrantFixtures(n)[0])
	target = qdranttest.Start(t, qdranttest.Options{})
	dstURL = target.Endpoint("dst")
	ctx := adaptertest.Ctx(t)
	var err error
	if src, err = reg.OpenSource(ctx, srcURL, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	if dst, err = reg.OpenSink(ctx, dstURL, adapters.Config{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	return src, dst, srcURL, dstURL, target
}

// stopAfter closes stop once n points were acknowledged.
type stopAfter struct {
	mu   sync.Mutex
	n    int
	seen int
	stop chan struct{}
}

func (s *stopAfter) Start(total, done uint64) {}
func (s *stopAfter) Finish()                  {}
func (s *stopAfter) Add(k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen += k
	if s.seen >= s.n && s.stop != nil {
		close(s.stop)
		s.stop = nil
	}
}

// TestInterruptKeepsWatermarkHonest stops a run midway: every point up to
// the saved watermark must be on the target, and a second run completes
// the copy exactly.
func TestInterruptKeepsWatermarkHonest(t *testing.T) {
	src, dst, srcURL, dstURL, _ := setup(t, 5000)
	state := filepath.Join(t.TempDir(), "state.json")
	stop := make(chan struct{})
	opts := migrate.Options{BatchSize: 50, Workers: 4, StatePath: state, Stop: stop, Progress: &stopAfter{n: 1000, stop: stop}}
	_, err := migrate.Run(context.Background(), src, dst, opts)
	if err != migrate.ErrInterrupted {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	st, err := migrate.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	r := st.Partitions[""].Ranges[0]
	if r.Watermark == nil || r.Done || r.Written < 1000 || r.Written >= 5000 {
		t.Fatalf("state after interrupt: %+v; want a watermark and 1000 <= written < 5000", r)
	}
	// Every source point <= watermark is on the target.
	ctx := adaptertest.Ctx(t)
	all, err := adaptertest.ReadAll(ctx, src, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	tsrc, err := reg.OpenSource(ctx, dstURL, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer tsrc.Close()
	var below []adapters.ID
	for _, p := range all {
		if !r.Watermark.Less(p.ID) {
			below = append(below, p.ID)
		}
	}
	if uint64(len(below)) != r.Written {
		t.Errorf("%d source points up to the watermark, state says %d written", len(below), r.Written)
	}
	got, err := tsrc.Get(ctx, "", below)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(below) {
		t.Fatalf("the watermark %s claims %d points, the target holds %d of them", r.Watermark, len(below), len(got))
	}

	opts.Stop, opts.Progress = nil, nil
	res, err := migrate.Run(context.Background(), src, dst, opts)
	if err != nil || !res.Resumed || !res.CountsMatch || res.TargetCount != 5000 {
		t.Fatalf("resumed run = %+v, %v", res, err)
	}
	if res.Written != 5000-r.Written {
		t.Errorf("resumed run wrote %d points, want the %d after the watermark", res.Written, 5000-r.Written)
	}
	s, _ := reg.OpenSource(ctx, srcURL, adapters.Config{})
	defer s.Close()
	adaptertest.AssertSameData(t, s, tsrc)
}

// TestPermanentWriteErrorStops: a rejected batch stops the run at once,
// names the ids, and is not retried.
func TestPermanentWriteErrorStops(t *testing.T) {
	src, dst, _, _, target := setup(t, 2000)
	target.FailNext(1, codes.InvalidArgument, "Upsert")
	state := filepath.Join(t.TempDir(), "state.json")
	retry := migrate.DefaultRetry()
	_, err := migrate.Run(context.Background(), src, dst, migrate.Options{BatchSize: 100, Workers: 1, StatePath: state, Retry: retry})
	if err == nil || adapters.KindOf(err) != adapters.KindInvalid {
		t.Fatalf("Run = %v; want an error of KindInvalid", err)
	}
	first := adaptertest.QdrantFixtures(2000)[0].Points[""][0].ID.String()
	if !strings.Contains(err.Error(), "ids "+first+" to ") {
		t.Errorf("error does not name the batch's ids: %v", err)
	}
	if retry.Retries() != 0 {
		t.Errorf("a permanent error was retried %d times", retry.Retries())
	}
	if _, err := migrate.LoadState(state); err != nil {
		t.Errorf("no state saved after the failure: %v", err)
	}
}

// TestTransientReadErrorsRetried: the source's scrolls fail twice with
// Unavailable; the run retries them and completes.
func TestTransientReadErrorsRetried(t *testing.T) {
	q := qdranttest.Start(t, qdranttest.Options{})
	srcURL := q.Endpoint("src")
	adaptertest.Load(t, reg, adapters.Config{}, srcURL, adaptertest.QdrantFixtures(1000)[0])
	ctx := adaptertest.Ctx(t)
	src, err := reg.OpenSource(ctx, srcURL, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := reg.OpenSink(ctx, q.Endpoint("dst"), adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	q.FailNext(2, codes.Unavailable, "Scroll")
	retry := migrate.DefaultRetry()
	res, err := migrate.Run(ctx, src, dst, migrate.Options{BatchSize: 100, StatePath: filepath.Join(t.TempDir(), "s.json"), Retry: retry})
	if err != nil || !res.CountsMatch || res.TargetCount != 1000 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if retry.Retries() != 2 {
		t.Errorf("retries = %d, want 2", retry.Retries())
	}
}

// TestStateOfAnotherMigrationRefused: a state file recording another
// source is refused before anything is written.
func TestStateOfAnotherMigrationRefused(t *testing.T) {
	src, dst, _, _, _ := setup(t, 100)
	state := filepath.Join(t.TempDir(), "state.json")
	if err := migrate.NewState("qdrant://other:6334/x", dst.Endpoint(), "live", "f", []string{""}).Save(state); err != nil {
		t.Fatal(err)
	}
	_, err := migrate.Run(context.Background(), src, dst, migrate.Options{StatePath: state})
	if err == nil || !strings.Contains(err.Error(), "belongs to another migration") {
		t.Fatalf("Run = %v; want a refusal naming the other migration", err)
	}
	if ok, _ := dst.Exists(context.Background()); ok {
		t.Error("the target was created despite the refusal")
	}
}
