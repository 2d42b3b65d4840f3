package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/qdrant/go-client/qdrant"
)

// The defer-indexing scenario copies the same Qdrant collection twice, to
// a collection that is green at the end (its HNSW index built): once with
// indexing while copying (vecmig returns when the points are written; the
// time runs on until the target is green), once with --defer-indexing
// (vecmig itself waits for green). The figure is the end-to-end time.
func deferScenario() scenario {
	about := "Qdrant -> Qdrant live to a green collection (HNSW index built): indexing while copying vs --defer-indexing"
	return scenario{name: "defer", about: about, run: runDeferScenario}
}

func runDeferScenario(ctx context.Context, b *bench) (*report, error) {
	cfg := b.cfg
	r := &report{Scenario: "defer", About: deferScenario().about, Points: cfg.points, Dim: cfg.dim, BatchSize: cfg.batchSize, Workers: cfg.workers}
	p, err := startQdrantPair(ctx, b)
	if err != nil {
		return r, err
	}
	defer p.close()
	n := uint64(cfg.points)
	r.SourceCount = n
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la+"; other work on the machine skews every figure")
	}
	var indexed, deferred row
	for i := 0; i < max(cfg.repeat, 1); i++ {
		x, err := b.measured(ctx, p, "indexed", n, b.greenRow(ctx, p, "vecmig, indexing while copying", n, false))
		if err != nil {
			return r, err
		}
		y, err := b.measured(ctx, p, "deferred", n, b.greenRow(ctx, p, "vecmig --defer-indexing", n, true))
		if err != nil {
			return r, err
		}
		if i == 0 || x.Seconds < indexed.Seconds {
			indexed = x
		}
		if i == 0 || y.Seconds < deferred.Seconds {
			deferred = y
		}
	}
	r.Rows = append(r.Rows, indexed, deferred)
	got := indexed.Seconds / deferred.Seconds
	r.Ratios = []ratio{{"time to green: indexing while copying / deferred", got}}
	r.Targets = append(r.Targets, target{"--defer-indexing to a green collection", "faster than indexing while copying",
		fmt.Sprintf("%.1f s vs %.1f s", deferred.Seconds, indexed.Seconds), deferred.Seconds < indexed.Seconds})
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average after measuring: "+la)
	}
	return r, nil
}

// greenRow measures `vecmig migrate` from the pair's source into the
// target it is given, and the wait after it until the target is green.
func (b *bench) greenRow(ctx context.Context, p *qdrantPair, method string, n uint64, deferIndexing bool) func(dst string) (row, error) {
	cfg := b.cfg
	return func(dst string) (row, error) {
		state := fmt.Sprintf("%s/state-%d.json", b.workDir, b.seq("state"))
		args := []string{"migrate", "--from", p.sourceURL(), "--to", dst, "--json", "--verify", "none",
			"--batch-size", strconv.Itoa(cfg.batchSize), "--workers", strconv.Itoa(cfg.workers), "--readers", strconv.Itoa(cfg.readers), "--state", state}
		if deferIndexing {
			args = append(args, "--defer-indexing")
		}
		start := time.Now()
		st, err := b.vecmig(ctx, args...)
		if err != nil {
			return row{}, err
		}
		after, indexed, err := waitGreen(ctx, dst)
		if err != nil {
			return row{}, err
		}
		x := newRow(method, n, time.Since(start).Seconds(), st.CPU.Seconds(), st.PeakRSS)
		x.Note = fmt.Sprintf("until green: vecmig %.1f s, then %.1f s more; %d vectors indexed", st.Wall.Seconds(), after.Seconds(), indexed)
		return x, nil
	}
}

// waitGreen waits until the collection at url is green with its optimizer
// idle, and returns how long that took and how many vectors are indexed.
func waitGreen(ctx context.Context, url string) (time.Duration, uint64, error) {
	c, err := dialQdrant(url)
	if err != nil {
		return 0, 0, err
	}
	defer c.close()
	start := time.Now()
	for {
		info, err := c.client.GetCollectionInfo(ctx, c.name)
		if err != nil {
			return 0, 0, fmt.Errorf("qdrant %s: %w", url, err)
		}
		if info.GetStatus() == qdrant.CollectionStatus_Green && info.GetOptimizerStatus().GetOk() {
			return time.Since(start), info.GetIndexedVectorsCount(), nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
