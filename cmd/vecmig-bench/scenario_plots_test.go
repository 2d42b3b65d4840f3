package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// plotPoints checks a plot has the series named, each with n points whose
// y is above zero (measured).
func plotPoints(t *testing.T, p *plot, n int, names ...string) {
	t.Helper()
	if len(p.Series) != len(names) {
		t.Fatalf("%s: series %+v; want %v", p.File, p.Series, names)
	}
	for i, s := range p.Series {
		if s.Name != names[i] || len(s.Points) != n {
			t.Errorf("%s: series %q with %d points; want %q with %d", p.File, s.Name, len(s.Points), names[i], n)
		}
		for _, pt := range s.Points {
			if pt.Y <= 0 {
				t.Errorf("%s: %s at %v is %v: not measured", p.File, s.Name, pt.X, pt.Y)
			}
		}
	}
}

// The sweep measures vecmig and the ceiling at each --sweep-workers, and
// vecmig, the plain loop and the ceiling at each --sweep-batch, between
// two real Qdrant servers; every target is counted against the source.
// Timings are printed, never asserted.
func TestSweepScenario(t *testing.T) {
	cfg := config{points: 1000, dim: 8, batchSize: 128, workers: 2, readers: 2, repeat: 1,
		sweepWorkers: []int{1, 2}, sweepBatch: []int{64, 256}, sweepEngine: "qdrant"}
	b, err := newBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	r, err := sweepScenario().run(context.Background(), b)
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if len(r.Rows) != 2*2+3*2 || len(r.Plots) != 2 {
		t.Fatalf("%d rows and %d plots; want 10 and 2", len(r.Rows), len(r.Plots))
	}
	for _, x := range r.Rows {
		if x.TargetCount != 1000 {
			t.Errorf("%s: target count %d, want 1000", x.Method, x.TargetCount)
		}
	}
	plotPoints(t, r.Plots[0], 2, "vecmig", "ceiling (same concurrency)")
	plotPoints(t, r.Plots[1], 2, "vecmig", "plain loop", "ceiling (2 writers)")
	if r.Plots[1].Series[0].Points[1].X != 256 {
		t.Errorf("the batch plot's x values are %+v, want the batch sizes", r.Plots[1].Series[0].Points)
	}
	var out bytes.Buffer
	printText(&out, r)
	t.Log(out.String())
}

// The memory scenario measures migrate, verify --mode full and baseline
// capture at each size, with a fresh source per size.
func TestMemoryScenario(t *testing.T) {
	cfg := config{points: 1, dim: 8, batchSize: 128, workers: 2, readers: 2, repeat: 1, sizes: []int{500, 1500}}
	b, err := newBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	r, err := memoryScenario().run(context.Background(), b)
	if err != nil {
		t.Fatalf("memory: %v", err)
	}
	if len(r.Rows) != 6 || len(r.Plots) != 1 || len(r.Targets) != 6 {
		t.Fatalf("%d rows, %d plots, %d targets; want 6, 1 and 6", len(r.Rows), len(r.Plots), len(r.Targets))
	}
	if !strings.HasSuffix(r.Rows[5].Method, "1,500 points") || r.Rows[5].PeakRSSMB <= 0 {
		t.Errorf("last row %+v: want baseline capture at 1,500 points, measured", r.Rows[5])
	}
	plotPoints(t, r.Plots[0], 2, "migrate (live)", "verify --mode full", "baseline capture")
	if r.Plots[0].Limit != 200 {
		t.Errorf("the RSS plot's limit line is at %v MB, want 200", r.Plots[0].Limit)
	}
}

// The backup scenario moves a class by backup and restore through the
// filesystem backend, with vecmig and by hand, between two real Weaviate
// servers sharing the backup directory; every restored class is counted.
func TestBackupScenario(t *testing.T) {
	cfg := config{points: 300, dim: 8, batchSize: 128, workers: 2, readers: 2, repeat: 1}
	b, err := newBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	r, err := backupScenario().run(context.Background(), b)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if len(r.Rows) != 2 || r.Rows[0].TargetCount != 300 || r.Rows[1].TargetCount != 300 {
		t.Fatalf("rows %+v; want vecmig and by hand, each restoring 300 objects", r.Rows)
	}
}
