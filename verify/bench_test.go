package verify_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify"
)

// BenchmarkWeaviateFull measures full verify of N (VECMIG_BENCH_N, default
// 100000) 128-d objects Weaviate->Weaviate against merely reading both
// sides in parallel with the same adapters (one stream per side, and the
// same ranges as verify), and a 1000-point sample. Run with
//
//	go test ./verify -run '^$' -bench WeaviateFull -benchtime 1x
func BenchmarkWeaviateFull(b *testing.B) {
	n := 100000
	if s := os.Getenv("VECMIG_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	node := weaviatetest.Shared(b)
	fx := adaptertest.Fixture{Name: "bench", Def: &adapters.Collection{
		Engine: "weaviate", Name: "Bench",
		Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Cosine, Datatype: "float32"}},
		Native: json.RawMessage(`{"class":"Bench","vectorizer":"none","vectorIndexType":"flat","vectorIndexConfig":{"distance":"cosine"},
			"properties":[{"name":"title","dataType":["text"]},{"name":"n","dataType":["int"]}]}`),
	}, Points: map[string][]adapters.Point{}}
	ps := make([]adapters.Point, n)
	for i := range ps {
		ps[i] = adapters.Point{ID: adaptertest.UUIDFor("bench", i), Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(1, i, 128)}},
			Payload: map[string]any{"title": "doc " + strconv.Itoa(i), "n": int64(i)}}
	}
	adaptertest.SortPoints(ps)
	fx.Points[""] = ps
	reg := all.Registry()
	urls := []string{node.Endpoint(weaviatetest.NewClassName("BenchA")), node.Endpoint(weaviatetest.NewClassName("BenchB"))}
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() { defer wg.Done(); adaptertest.Load(b, reg, adapters.Config{}, u, fx) }()
	}
	wg.Wait()
	fx.Points = nil
	ps = nil
	runtime.GC()
	src, dst := open(b, reg, adapters.Config{}, urls[0]), open(b, reg, adapters.Config{}, urls[1])
	ctx := context.Background()

	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		// Baseline: read both sides completely, at the same time, one
		// stream each.
		t0 := time.Now()
		var rw sync.WaitGroup
		for _, s := range []adapters.Source{src, dst} {
			rw.Add(1)
			go func() {
				defer rw.Done()
				var after *adapters.ID
				for {
					pg, err := s.Read(ctx, adapters.ReadRequest{After: after, Limit: 256})
					if err != nil {
						b.Error(err)
						return
					}
					if len(pg.Points) > 0 {
						id := pg.Points[len(pg.Points)-1].ID
						after = &id
					}
					if pg.Done || len(pg.Points) == 0 {
						return
					}
				}
			}()
		}
		rw.Wait()
		read1 := time.Since(t0)

		for _, w := range []int{1, 4} {
			t0 = time.Now()
			r, err := verify.Run(ctx, src, dst, verify.Options{Mode: verify.ModeFull, Workers: w})
			if err != nil || !r.Equal() {
				b.Fatalf("full verify: %v %v", err, r != nil && r.Equal())
			}
			el := time.Since(t0)
			b.Logf("n=%d full verify (workers %d): %s, %d points compared; reading both sides in parallel (one stream each): %s; ratio %.2f",
				n, w, el.Round(time.Millisecond), r.Compared, read1.Round(time.Millisecond), el.Seconds()/read1.Seconds())
		}
		t0 = time.Now()
		r, err := verify.Run(ctx, src, dst, verify.Options{Mode: verify.ModeSample, Seed: 1})
		if err != nil || !r.Equal() || r.Compared != 1000 {
			b.Fatalf("sample: %v", err)
		}
		b.Logf("sample of 1000: %s", time.Since(t0).Round(time.Millisecond))
	}
	// Peak memory of verify alone: run the vecmig binary named by
	// VECMIG_BENCH_BIN (go build -o /tmp/vecmig ./cmd/vecmig).
	if bin := os.Getenv("VECMIG_BENCH_BIN"); bin != "" {
		for _, mode := range []string{"full", "sample"} {
			t0 := time.Now()
			// GNU time forks from its own small process: a child forked
			// from this test would inherit the test's peak RSS.
			cmd := exec.Command("/usr/bin/time", "-f", "peak-rss-kb %M", bin, "verify", "--from", urls[0], "--to", urls[1], "--mode", mode)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				b.Fatalf("vecmig verify: %v\n%s%s", err, out, stderr.String())
			}
			var kb int
			if i := strings.LastIndex(stderr.String(), "peak-rss-kb "); i >= 0 {
				kb, _ = strconv.Atoi(strings.TrimSpace(stderr.String()[i+len("peak-rss-kb "):]))
			}
			b.Logf("vecmig verify --mode %s: %s, peak RSS %d MB; %s", mode, time.Since(t0).Round(time.Millisecond), kb/1024, strings.SplitN(string(out), "\n", 2)[0])
		}
	}
}
