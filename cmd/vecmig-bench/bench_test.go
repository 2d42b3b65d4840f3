package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary stand in for vecmig-bench when a scenario
// runs its plain loop and ceiling as child processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// TestQdrantScenario runs the whole Qdrant scenario on a small data set
// between two real Qdrant servers: vecmig (built from this repository), the
// plain loop and the ceiling each copy every point into a fresh target that
// is counted and deleted.
// Timings are printed, never asserted.
func TestQdrantScenario(t *testing.T) {
	cfg := config{points: 3000, dim: 16, batchSize: 128, workers: 2, readers: 2, ceilingWriters: []int{1, 2}, repeat: 1}
	b, err := newBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	r, err := qdrantScenario().run(context.Background(), b)
	if err != nil {
		t.Fatalf("qdrant scenario: %v", err)
	}
	if len(r.Rows) != 3 {
		t.Fatalf("want rows vecmig, plain loop, ceiling; got %+v", r.Rows)
	}
	for i, want := range []string{"vecmig", "plain loop", "ceiling ("} {
		x := r.Rows[i]
		if !strings.HasPrefix(x.Method, want) {
			t.Errorf("row %d is %q, want %q", i, x.Method, want)
		}
		if x.Points != 3000 || x.TargetCount != 3000 {
			t.Errorf("%s: %d points, target count %d; want 3000 and 3000", x.Method, x.Points, x.TargetCount)
		}
		if x.Seconds <= 0 || x.PeakRSSMB <= 0 {
			t.Errorf("%s: seconds %v, peak RSS %v MB: not measured", x.Method, x.Seconds, x.PeakRSSMB)
		}
	}
	if len(r.Ratios) != 3 || len(r.Targets) != 4 {
		t.Errorf("ratios %+v, targets %+v: want 3 ratios and 4 targets (Q->Q vs ceiling, vs plain, CPU, RSS)", r.Ratios, r.Targets)
	}
	for _, x := range r.Rows[:2] {
		if x.ServerCPUSeconds <= 0 {
			t.Errorf("%s: server CPU %v s: not measured from the Qdrant processes", x.Method, x.ServerCPUSeconds)
		}
	}
	var out bytes.Buffer
	printText(&out, r)
	t.Log(out.String())
	md := filepath.Join(t.TempDir(), "bench.md")
	if err := writeMarkdown(md, cfg, []*report{r}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(md)
	if !strings.Contains(string(data), "| vecmig |") || !strings.Contains(string(data), "PASS") && !strings.Contains(string(data), "FAIL") {
		t.Errorf("markdown lacks the table or the targets:\n%s", data)
	}
}

// TestWrongCopyVoidsTheBenchmark checks that a target whose count differs
// from the source's is an error, not a fast result.
func TestWrongCopyVoidsTheBenchmark(t *testing.T) {
	b := &bench{names: map[string]int{}, workDir: t.TempDir()}
	p := &fakePair{counts: map[string]uint64{"t1": 9}}
	_, err := b.measured(context.Background(), p, "plain", 10, func(dst string) (row, error) {
		return newRow("plain loop", 10, 1, 1, 1), nil
	})
	if err == nil || !strings.Contains(err.Error(), "wrong copy") {
		t.Fatalf("want a wrong-copy error, got %v", err)
	}
	if !p.dropped["t1"] {
		t.Error("the measured target was not deleted after a wrong copy")
	}
}

type fakePair struct {
	counts  map[string]uint64
	dropped map[string]bool
	n       int
}

func (f *fakePair) engine() string    { return "fake" }
func (f *fakePair) sourceURL() string { return "src" }
func (f *fakePair) newTarget(string) string {
	f.n++
	return "t" + string(rune('0'+f.n))
}
func (f *fakePair) count(_ context.Context, url string) (uint64, error) { return f.counts[url], nil }
func (f *fakePair) drop(_ context.Context, url string) error {
	if f.dropped == nil {
		f.dropped = map[string]bool{}
	}
	f.dropped[url] = true
	return nil
}
func (f *fakePair) close() {}
