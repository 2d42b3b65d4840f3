package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

const memoryAbout = "peak RSS of vecmig migrate (live), verify --mode full and baseline capture against the collection's size (--sizes), Qdrant → Qdrant between two real Qdrant " + qdranttest.Version + " servers; the memory must not grow with the collection"

// maxRSSGrowth is how much more memory the largest size may take than the
// smallest for the curve to count as flat.
const maxRSSGrowth = 1.5

func memoryScenario() scenario {
	return scenario{name: "memory", about: memoryAbout, extra: true, run: runMemory}
}

func runMemory(ctx context.Context, b *bench) (*report, error) {
	cfg := b.cfg
	r := &report{Scenario: "memory", About: memoryAbout, Points: cfg.sizes[len(cfg.sizes)-1], Dim: cfg.dim, BatchSize: cfg.batchSize, Workers: cfg.workers}
	src, dst, err := launchQdrantPair(ctx, b)
	if err != nil {
		return r, err
	}
	defer src.Stop()
	defer dst.Stop()
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la)
	}
	r.Notes = append(r.Notes,
		"each size is a fresh source collection without an HNSW index (indexing threshold 0, copied to the target as it is), so no server is busy indexing; it and its copy are deleted after its measurements",
		"each figure is one run, as the kernel counts the whole vecmig process (rusage)")
	pl := &plot{File: "rss-size.svg", Title: fmt.Sprintf("vecmig peak RSS against collection size (%d-d, batch %d, --workers %d)", cfg.dim, cfg.batchSize, cfg.workers),
		XLabel: "points in the collection", YLabel: "peak RSS (MB)", LogX: true, Limit: maxPeakRSS / megabyte, LimitLabel: "target: under 200 MB"}
	pids := []int{src.PID(), dst.PID()}
	for _, n := range cfg.sizes {
		rows, err := b.memoryAt(ctx, pids, src, dst, n)
		r.Rows = append(r.Rows, rows...)
		if err != nil {
			return r, err
		}
		for _, x := range rows {
			pl.add(x.Note, float64(n), x.PeakRSSMB)
		}
		r.SourceCount = uint64(n)
	}
	for i := range r.Rows {
		r.Rows[i].Method, r.Rows[i].Note = r.Rows[i].Method+", "+num(float64(r.Rows[i].Points))+" points", ""
	}
	r.Plots = append(r.Plots, pl)
	memoryTargets(r, pl)
	return r, nil
}

// memoryAt loads a source of n points and measures the three commands
// on it; their rows carry the command's short name in Note (the series).
func (b *bench) memoryAt(ctx context.Context, pids []int, src, dst *qdranttest.Node, n int) ([]row, error) {
	from, to := src.Endpoint(fmt.Sprintf("bench_mem_%d", n)), dst.Endpoint(fmt.Sprintf("bench_mem_%d", n))
	if err := loadQdrantSource(ctx, b, from, qdrantLoad{points: n, noIndex: true}); err != nil {
		return nil, err
	}
	file := filepath.Join(b.workDir, fmt.Sprintf("mem-%d.baseline", n))
	defer func() {
		dctx := context.WithoutCancel(ctx)
		for _, u := range []string{from, to} {
			if c, err := dialQdrant(u); err == nil {
				c.drop(dctx)
				c.close()
			}
		}
		os.Remove(file)
	}()
	state := filepath.Join(b.workDir, fmt.Sprintf("state-%d.json", b.seq("state")))
	report := filepath.Join(b.workDir, fmt.Sprintf("mem-verify-%d.json", n))
	work, batch := strconv.Itoa(b.cfg.workers), strconv.Itoa(b.cfg.batchSize)
	cmds := []struct {
		series string
		args   []string
	}{
		{"migrate (live)", []string{"migrate", "--from", from, "--to", to, "--verify", "none", "-q", "--batch-size", batch, "--workers", work, "--readers", strconv.Itoa(b.cfg.readers), "--state", state}},
		{"verify --mode full", []string{"verify", "--from", from, "--to", to, "--mode", "full", "-q", "--report", report, "--workers", work, "--page-size", batch}},
		{"baseline capture", []string{"baseline", "capture", "--from", from, "--out", file, "--seed", "1", "--json", "--page-size", batch}},
	}
	var rows []row
	for _, c := range cmds {
		x, st, err := b.vecmigOnServers(ctx, pids, "vecmig "+c.series, uint64(n), c.args...)
		if err != nil {
			return rows, err
		}
		x.Note, x.TargetCount = c.series, uint64(n) // each is checked below
		rows = append(rows, x)
		switch c.series {
		case "migrate (live)":
			if got, err := qdrantCount(ctx, to); err != nil || got != uint64(n) {
				return rows, fmt.Errorf("wrong copy: the target %s holds %d points (%v), the source %d", to, got, err, n)
			}
		case "baseline capture":
			var cap captureOutput
			if err := json.Unmarshal(st.Stdout, &cap); err != nil || cap.Points != uint64(n) {
				return rows, fmt.Errorf("vecmig baseline capture of %d points reports %d (%v)", n, cap.Points, err)
			}
		}
	}
	if o, err := readVerifyReport(report); err != nil || !o.allEqual(uint64(n)) {
		return rows, fmt.Errorf("vecmig verify --mode full of %d points: %s (%v); expected all equal", n, o, err)
	}
	return rows, nil
}

// memoryTargets: every peak under 200 MB, and each command's peak at the
// largest size at most maxRSSGrowth times its peak at the smallest.
func memoryTargets(r *report, pl *plot) {
	for _, s := range pl.Series {
		lo, hi, top := s.Points[0], s.Points[len(s.Points)-1], 0.0
		for _, pt := range s.Points {
			top = max(top, pt.Y)
		}
		r.Targets = append(r.Targets, target{"vecmig " + s.Name + " peak RSS, every size", fmt.Sprintf("< %.0f MB", maxPeakRSS/megabyte), fmt.Sprintf("%.1f MB at most", top), top*megabyte < maxPeakRSS})
		if len(s.Points) > 1 && lo.Y > 0 {
			g := hi.Y / lo.Y
			r.Targets = append(r.Targets, target{fmt.Sprintf("vecmig %s peak RSS, %s vs %s points", s.Name, num(hi.X), num(lo.X)), fmt.Sprintf("<= %.1fx (flat)", maxRSSGrowth), fmt.Sprintf("%.2fx (%.1f vs %.1f MB)", g, hi.Y, lo.Y), g <= maxRSSGrowth})
		}
	}
}
