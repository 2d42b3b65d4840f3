package migrate_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

// TestShardKeysInterruptAndResume stops a run copying the three shard keys
// of a Qdrant collection at once, each read as three id ranges: in every
// range of every partition the watermark is honest, and the resumed run
// writes exactly the rest.
func TestShardKeysInterruptAndResume(t *testing.T) {
	const n = 6000
	q, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	cfg := adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}
	fx := adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(n), "qdrant_sharded")
	srcURL, dstURL := q.Endpoint(q.NewName(t, "keys")), q2.Endpoint(q2.NewName(t, "keys"))
	adaptertest.Load(t, reg, cfg, srcURL, fx)
	ctx := adaptertest.Ctx(t)
	src, err := reg.OpenSource(ctx, srcURL, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := reg.OpenSink(ctx, dstURL, adapters.Config{APIKey: adapters.NewSecret(q2.APIKey)})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	state := filepath.Join(t.TempDir(), "state.json")
	stop := make(chan struct{})
	opts := migrate.Options{BatchSize: 50, Workers: 4, Readers: 3, StatePath: state, Stop: stop, Progress: &stopAfter{n: 1500, stop: stop}}
	if _, err := migrate.Run(context.Background(), src, dst, opts); err != migrate.ErrInterrupted {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	st, err := migrate.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	tsrc, err := reg.OpenSource(ctx, dstURL, adapters.Config{APIKey: adapters.NewSecret(q2.APIKey)})
	if err != nil {
		t.Fatal(err)
	}
	defer tsrc.Close()
	var written uint64
	for part, ps := range st.Partitions {
		if len(ps.Ranges) != 3 {
			t.Errorf("partition %s: %d ranges, want 3", part, len(ps.Ranges))
		}
		for i, r := range ps.Ranges {
			var below []adapters.ID
			for _, p := range fx.Points[part] {
				in := (r.From == nil || r.From.Less(p.ID)) && (r.To == nil || !r.To.Less(p.ID))
				if in && r.Watermark != nil && !r.Watermark.Less(p.ID) {
					below = append(below, p.ID)
				}
			}
			if uint64(len(below)) != r.Written {
				t.Errorf("partition %s range %d: %d source points up to the watermark, state says %d written", part, i, len(below), r.Written)
			}
			got, err := tsrc.Get(ctx, part, below)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(below) {
				t.Errorf("partition %s range %d: the watermark claims %d points, the target holds %d", part, i, len(below), len(got))
			}
			written += r.Written
		}
	}
	if written < 1500 || written >= n {
		t.Fatalf("state after interrupt: %d written; want 1500 <= written < %d", written, n)
	}

	opts.Stop, opts.Progress = nil, nil
	res, err := migrate.Run(context.Background(), src, dst, opts)
	if err != nil || !res.Resumed || !res.CountsMatch || res.TargetCount != n {
		t.Fatalf("resumed run = %+v, %v", res, err)
	}
	if res.Written != n-written {
		t.Errorf("resumed run wrote %d points, want the %d after the watermarks", res.Written, n-written)
	}
	for _, p := range res.Partitions {
		if want := uint64(len(fx.Points[p.Name])); p.Written != want || p.TargetCount != want {
			t.Errorf("partition %s: written %d, target %d; want %d", p.Name, p.Written, p.TargetCount, want)
		}
	}
	adaptertest.AssertSameData(t, src, tsrc)
}
