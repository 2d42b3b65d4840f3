package migrate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vecmig/vecmig/migrate"
)

// --max-rate is a layer around the source: the copy reads no faster, raw
// pages included, and a stop is not held up by a read waiting its turn.
func TestMaxRateCapsReads(t *testing.T) {
	src, dst, _, _, _ := setup(t, 1000)
	state := filepath.Join(t.TempDir(), "state.json")
	opts := migrate.Options{BatchSize: 100, Readers: 2, MaxRate: 2000, StatePath: state}
	res, err := migrate.Run(context.Background(), src, dst, opts)
	if err != nil || !res.CountsMatch || res.TargetCount != 1000 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	// The first page goes at once; the other 900 points take 0.45 s.
	if res.Duration < 400*time.Millisecond {
		t.Errorf("1000 points at 2000/s took %s", res.Duration)
	}

	src, dst, _, _, _ = setup(t, 1000)
	stop := make(chan struct{})
	opts = migrate.Options{BatchSize: 100, MaxRate: 10, StatePath: filepath.Join(t.TempDir(), "state.json"),
		Stop: stop, Progress: &stopAfter{n: 1, stop: stop}}
	start := time.Now()
	if _, err := migrate.Run(context.Background(), src, dst, opts); err != migrate.ErrInterrupted {
		t.Fatalf("Run = %v; want ErrInterrupted", err)
	}
	// At 10 points/s the second page waits 10 s for its turn.
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("stopping took %s: the read waiting for the rate limit held it up", el)
	}
}
