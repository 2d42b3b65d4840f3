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
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

var reg = adapters.NewRegistry(qdrant.Driver())

func TestMain(m *testing.M) { qdranttest.Main(m) }

// setup loads n points of the first Qdrant fixture into a fresh source and
// opens it with a fresh target on a second server, reached through a fault
// proxy.
func setup(t *testing.T, n int) (src adapters.Source, dst adapters.Sink, srcURL, dstURL string, target *qdranttest.Proxied) {
	t.Helper()
	q := qdranttest.Instance(t, 1)
	srcURL = q.Endpoint(q.NewName(t, "src"))
	cfg := adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}
	adaptertest.Load(t, reg, cfg, srcURL, adaptertest.QdrantFixtures(n)[0])
	q2 := qdranttest.Instance(t, 2)
	target = qdranttest.StartProxy(t, q2)
	dstURL = target.Endpoint(q2.NewName(t, "dst"))
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
	opts := migrate.Options{BatchSize: 50, Workers: 4, Readers: 3, StatePath: state, Stop: stop, Progress: &stopAfter{n: 1000, stop: stop}}
	_, err := migrate.Run(context.Background(), src, dst, opts)
	if err != migrate.ErrInterrupted {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	st, err := migrate.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	ranges := st.Partitions[""].Ranges
	if len(ranges) != 3 {
		t.Fatalf("state records %d ranges, want the 3 readers' ranges", len(ranges))
	}
	written := st.Partitions[""].Written()
	if written < 1000 || written >= 5000 {
		t.Fatalf("state after interrupt: %d written; want 1000 <= written < 5000", written)
	}
	// In every range, every source point up to its watermark is on the
	// target, and the ranges are disjoint and cover every id.
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
	covered := 0
	for i, r := range ranges {
		if i > 0 && (r.From == nil || ranges[i-1].To == nil || *r.From != *ranges[i-1].To) {
			t.Fatalf("range %d does not start where range %d ends: %+v %+v", i, i-1, ranges[i-1], r)
		}
		var in, below []adapters.ID
		for _, p := range all {
			if (r.From == nil || r.From.Less(p.ID)) && (r.To == nil || !r.To.Less(p.ID)) {
				in = append(in, p.ID)
				if r.Watermark != nil && !r.Watermark.Less(p.ID) {
					below = append(below, p.ID)
				}
			}
		}
		covered += len(in)
		if uint64(len(below)) != r.Written {
			t.Errorf("range %d: %d source points up to the watermark, state says %d written", i, len(below), r.Written)
		}
		got, err := tsrc.Get(ctx, "", below)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(below) {
			t.Fatalf("range %d: the watermark %v claims %d points, the target holds %d of them", i, r.Watermark, len(below), len(got))
		}
	}
	if covered != len(all) {
		t.Errorf("the ranges cover %d of %d points", covered, len(all))
	}

	opts.Stop, opts.Progress = nil, nil
	res, err := migrate.Run(context.Background(), src, dst, opts)
	if err != nil || !res.Resumed || !res.CountsMatch || res.TargetCount != 5000 {
		t.Fatalf("resumed run = %+v, %v", res, err)
	}
	if res.Written != 5000-written {
		t.Errorf("resumed run wrote %d points, want the %d after the watermarks", res.Written, 5000-written)
	}
	if st2, _ := migrate.LoadState(state); len(st2.Partitions[""].Ranges) != 3 || *st2.Partitions[""].Ranges[1].From != *ranges[1].From {
		t.Errorf("the resumed run changed the recorded ranges")
	}
	s, _ := reg.OpenSource(ctx, srcURL, adapters.Config{})
	defer s.Close()
	adaptertest.AssertSameData(t, s, tsrc)
}

// TestPermanentWriteErrorStops: a rejected batch stops the run at once,
// names the ids, and is not retried.
func TestPermanentWriteErrorStops(t *testing.T) {
	src, dst, _, _, target := setup(t, 2000)
	target.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 1, Code: codes.InvalidArgument})
	state := filepath.Join(t.TempDir(), "state.json")
	retry := adapters.DefaultRetry()
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
	q := qdranttest.StartProxy(t, qdranttest.Instance(t, 1))
	srcURL := q.Endpoint(q.Node.NewName(t, "src"))
	adaptertest.Load(t, reg, adapters.Config{}, srcURL, adaptertest.QdrantFixtures(1000)[0])
	ctx := adaptertest.Ctx(t)
	src, err := reg.OpenSource(ctx, srcURL, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := reg.OpenSink(ctx, q.Endpoint(q.Node.NewName(t, "dst")), adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	q.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Times: 2, Code: codes.Unavailable})
	retry := adapters.DefaultRetry()
	res, err := migrate.Run(ctx, src, dst, migrate.Options{BatchSize: 100, StatePath: filepath.Join(t.TempDir(), "s.json"), Retry: retry})
	if err != nil || !res.CountsMatch || res.TargetCount != 1000 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if retry.Retries() != 2 {
		t.Errorf("retries = %d, want 2", retry.Retries())
	}
	if res.Native != qdrant.PointFormat {
		t.Errorf("Qdrant to Qdrant copied in %q, want the native %q", res.Native, qdrant.PointFormat)
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
