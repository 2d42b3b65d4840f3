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

// The baseline scenario's size unless --points is given, and its file
// size target: 24 MB at 1M points, 24 bytes per point at any size.
const (
	baselineDefaultPoints = 1_000_000
	baselineBytesPerPoint = 24
)

const baselineAbout = "vecmig baseline capture, then vecmig verify --baseline (full) against the same collection, on one real Qdrant " + qdranttest.Version + " server; UUID ids"

func baselineScenario() scenario {
	return scenario{name: "baseline", about: baselineAbout, run: runBaselineScenario}
}

// captureOutput is the part of `vecmig baseline capture --json` the
// benchmark reads.
type captureOutput struct {
	Points        uint64  `json:"points"`
	Kept          int     `json:"kept"`
	Probes        int     `json:"probes"`
	Seed          uint64  `json:"seed"`
	Bytes         int64   `json:"bytes"`
	BytesPerPoint float64 `json:"bytes_per_point"`
}

func runBaselineScenario(ctx context.Context, b *bench) (*report, error) {
	n := b.cfg.points
	if !b.cfg.pointsSet {
		n = baselineDefaultPoints
	}
	r := &report{Scenario: "baseline", About: baselineAbout, Points: n, Dim: b.cfg.dim, BatchSize: b.cfg.batchSize, Workers: b.cfg.workers}
	b.logf("starting a Qdrant %s server", qdranttest.Version)
	node, err := qdranttest.Launch(ctx, qdranttest.Options{})
	if err != nil {
		return r, fmt.Errorf("start the Qdrant server: %w", err)
	}
	defer node.Stop()
	src := node.Endpoint(qdrantSourceName)
	if err := loadQdrantSource(ctx, b, src, qdrantLoad{points: n, noIndex: true}); err != nil {
		return r, err
	}
	if r.SourceCount, err = qdrantCount(ctx, src); err != nil {
		return r, err
	}
	if r.SourceCount != uint64(n) {
		return r, fmt.Errorf("the source %s holds %d points after loading, not %d", src, r.SourceCount, n)
	}
	baselineNotes(r)
	pids := []int{node.PID()}
	file := filepath.Join(b.workDir, "bench.baseline")
	cap, err := b.measureCapture(ctx, pids, src, file, r)
	if err != nil {
		return r, err
	}
	if err := b.measureBaselineVerify(ctx, pids, src, file, r); err != nil {
		return r, err
	}
	if k := b.busyStarts.Load(); k > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d measurements started with the server still busy", k))
	}
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) after measuring: "+la)
	}
	limit := int64(baselineBytesPerPoint) * int64(n)
	rss := func(x row) string { return fmt.Sprintf("%.1f MB", x.PeakRSSMB) }
	r.Targets = append(r.Targets,
		target{"baseline file size", fmt.Sprintf("<= %d bytes (%d/point)", limit, baselineBytesPerPoint), fmt.Sprintf("%d bytes (%.2f/point)", cap.Bytes, cap.BytesPerPoint), cap.Bytes <= limit},
		target{"capture peak RSS", fmt.Sprintf("< %.0f MB", maxPeakRSS/megabyte), rss(r.Rows[0]), r.Rows[0].PeakRSSMB*megabyte < maxPeakRSS},
		target{"verify --baseline peak RSS", fmt.Sprintf("< %.0f MB", maxPeakRSS/megabyte), rss(r.Rows[1]), r.Rows[1].PeakRSSMB*megabyte < maxPeakRSS},
	)
	return r, nil
}

func baselineNotes(r *report) {
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la+"; other work on the machine skews every figure")
	}
	r.Notes = append(r.Notes,
		"the source has no HNSW index (indexing threshold 0): capture and verify only scan, and the probes run as exact searches, so an index would change no result and only keep the server busy for minutes after loading",
		fmt.Sprintf("before each measurement the benchmark waited until the server used less than %s of CPU per second (at most %s); the server is a separate process on the same machine, its CPU is 'server CPU s' (from /proc), not the method's", quietCPU, quietWait),
		"each figure is one run: the verification reads the file the capture wrote")
}

// measureCapture runs `vecmig baseline capture` into file and adds its row
// and the file's figures to r.
func (b *bench) measureCapture(ctx context.Context, pids []int, src, file string, r *report) (captureOutput, error) {
	var cap captureOutput
	x, st, err := b.vecmigOnServers(ctx, pids, "vecmig baseline capture", r.SourceCount,
		"baseline", "capture", "--from", src, "--out", file, "--seed", "1", "--json", "--page-size", strconv.Itoa(b.cfg.batchSize))
	if err != nil {
		return cap, err
	}
	if err := json.Unmarshal(st.Stdout, &cap); err != nil {
		return cap, fmt.Errorf("vecmig baseline capture printed no JSON summary (%v): %q", err, tail(string(st.Stdout), 500))
	}
	fi, err := os.Stat(file)
	if err != nil {
		return cap, fmt.Errorf("vecmig baseline capture wrote no file: %w", err)
	}
	if cap.Points != r.SourceCount || cap.Bytes != fi.Size() {
		return cap, fmt.Errorf("vecmig baseline capture reports %d points and %d bytes; the source holds %d points, the file has %d bytes", cap.Points, cap.Bytes, r.SourceCount, fi.Size())
	}
	x.TargetCount = cap.Points
	x.Note = fmt.Sprintf("whole process (start, read every point once, write the file); defaults --keep 1000 --queries 100, --seed 1: kept %d points, %d probe queries", cap.Kept, cap.Probes)
	r.Rows = append(r.Rows, x)
	r.Figures = append(r.Figures,
		figure{"baseline file size", float64(cap.Bytes), "bytes"},
		figure{"baseline file bytes per point", cap.BytesPerPoint, "bytes"})
	return cap, nil
}

// measureBaselineVerify runs `vecmig verify --baseline file --to src`
// (full mode) and adds its row to r; every point must be equal.
func (b *bench) measureBaselineVerify(ctx context.Context, pids []int, src, file string, r *report) error {
	rep := filepath.Join(b.workDir, "baseline-verify.json")
	x, _, err := b.vecmigOnServers(ctx, pids, "vecmig verify --baseline (full)", r.SourceCount,
		"verify", "--baseline", file, "--to", src, "--mode", "full", "-q", "--report", rep,
		"--workers", strconv.Itoa(b.cfg.workers), "--page-size", strconv.Itoa(b.cfg.batchSize))
	if err != nil {
		return err
	}
	o, err := readVerifyReport(rep)
	if err != nil {
		return err
	}
	if !o.allEqual(r.SourceCount) {
		return fmt.Errorf("vecmig verify --baseline exited 0 but reports %s; expected all %d points equal", o, r.SourceCount)
	}
	x.TargetCount = o.TargetCount
	x.Note = "whole process (start, read the file and every point of the target, re-run the probes exactly); exit 0; report: " + o.String()
	r.Rows = append(r.Rows, x)
	return nil
}
