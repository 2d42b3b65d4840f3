package migrate_test

import (
	"path/filepath"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/wrap"
	"github.com/vecmig/vecmig/migrate"
)

// The raw pass-through survives the retry wrappers: RawFormat sees it
// through them, and raw writes that fail transiently are retried.
func TestTransientRawWritesRetried(t *testing.T) {
	src, dst, _, _, target := setup(t, 1000)
	retry := adapters.DefaultRetry()
	if f := adapters.RawFormat(wrap.Retry(src, retry), wrap.RetrySink(dst, retry)); f != qdrant.PointFormat {
		t.Fatalf("RawFormat through the retry wrappers = %q; want %q", f, qdrant.PointFormat)
	}
	target.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 2, Code: codes.Unavailable})
	res, err := migrate.Run(adaptertest.Ctx(t), src, dst, migrate.Options{BatchSize: 100, Readers: 2, StatePath: filepath.Join(t.TempDir(), "s.json"), Retry: retry})
	if err != nil || !res.CountsMatch || res.TargetCount != 1000 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if res.Native != qdrant.PointFormat {
		t.Errorf("copied in %q, want %q", res.Native, qdrant.PointFormat)
	}
	if retry.Retries() != 2 {
		t.Errorf("retries = %d, want 2", retry.Retries())
	}
}
