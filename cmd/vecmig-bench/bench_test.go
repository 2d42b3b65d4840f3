package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters/mapping"
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
	checkRows(t, r, 3000)
	if len(r.Ratios) != 3 || len(r.Targets) != 4 {
		t.Errorf("ratios %+v, targets %+v: want 3 ratios and 4 targets (Q->Q vs ceiling, vs plain, CPU, RSS)", r.Ratios, r.Targets)
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

// TestCrossEngineScenarios runs Weaviate -> Qdrant and Qdrant -> Weaviate
// on a small data set between a real Weaviate and a real Qdrant server:
// vecmig translates through adapters/mapping, the plain loop converts by
// hand, the ceiling writes the converted batches; every target is counted
// against the source and deleted. Timings are printed, never asserted.
func TestCrossEngineScenarios(t *testing.T) {
	cfg := config{points: 2000, dim: 16, batchSize: 128, workers: 2, readers: 2, ceilingWriters: []int{2}, repeat: 1}
	b, err := newBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	for _, tc := range []struct {
		s       scenario
		targets []string
	}{
		{weaviateQdrantScenario(), []string{"W->Q throughput vs plain loop", "vecmig CPU per point vs plain loop", "vecmig peak RSS"}},
		{qdrantWeaviateScenario(), []string{"vecmig CPU per point vs plain loop", "vecmig peak RSS"}},
	} {
		t.Run(tc.s.name, func(t *testing.T) {
			r, err := tc.s.run(context.Background(), b)
			if err != nil {
				t.Fatalf("%s scenario: %v", tc.s.name, err)
			}
			checkRows(t, r, uint64(cfg.points))
			var names []string
			for _, x := range r.Targets {
				names = append(names, x.Name)
			}
			if strings.Join(names, "; ") != strings.Join(tc.targets, "; ") {
				t.Errorf("targets %q, want %q", names, tc.targets)
			}
			var out bytes.Buffer
			printText(&out, r)
			t.Log(out.String())
		})
	}
}

// TestVerifyAndBaselineScenarios runs the verify scenario (full vs digest
// between two real Qdrant servers) and the baseline scenario (capture,
// then verify --baseline on one real Qdrant server) on a small data set.
// Each vecmig run must exit 0 and find every point equal; the two modes'
// reports must agree. Timings are printed, never asserted.
func TestVerifyAndBaselineScenarios(t *testing.T) {
	cfg := config{points: 2000, pointsSet: true, dim: 16, batchSize: 128, workers: 2, readers: 2, ceilingWriters: []int{1}, repeat: 2}
	b, err := newBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	t.Run("verify", func(t *testing.T) {
		r, err := verifyScenario().run(context.Background(), b)
		if err != nil {
			t.Fatalf("verify scenario: %v", err)
		}
		checkServerRows(t, r, []string{"vecmig verify --mode full", "vecmig verify --mode digest"}, 2)
		if len(r.Ratios) != 2 || len(r.Targets) != 3 || !r.Targets[0].Pass {
			t.Errorf("ratios %+v, targets %+v: want digest/full ratios, the reports agreeing and each mode's RSS", r.Ratios, r.Targets)
		}
		logReport(t, cfg, r)
	})
	t.Run("baseline", func(t *testing.T) {
		r, err := baselineScenario().run(context.Background(), b)
		if err != nil {
			t.Fatalf("baseline scenario: %v", err)
		}
		checkServerRows(t, r, []string{"vecmig baseline capture", "vecmig verify --baseline (full)"}, 1)
		if len(r.Figures) != 2 || r.Figures[0].Value <= 0 || len(r.Targets) != 3 {
			t.Errorf("figures %+v, targets %+v: want the file's size and bytes per point, and 3 targets (size, 2 RSS)", r.Figures, r.Targets)
		}
		md := logReport(t, cfg, r)
		if !strings.Contains(md, "| baseline file size |") {
			t.Errorf("markdown lacks the baseline figures:\n%s", md)
		}
	})
}

// checkServerRows checks a scenario whose rows are vecmig commands on
// servers that stay up: each row measured, over every point, with the CPU
// of each of its servers.
func checkServerRows(t *testing.T, r *report, methods []string, servers int) {
	t.Helper()
	if len(r.Rows) != len(methods) {
		t.Fatalf("want rows %q; got %+v", methods, r.Rows)
	}
	n := uint64(r.Points)
	for i, x := range r.Rows {
		if x.Method != methods[i] {
			t.Errorf("row %d is %q, want %q", i, x.Method, methods[i])
		}
		if x.Points != n || x.TargetCount != n || r.SourceCount != n {
			t.Errorf("%s: %d points, target count %d, source count %d; want %d", x.Method, x.Points, x.TargetCount, r.SourceCount, n)
		}
		if x.Seconds <= 0 || x.CPUSeconds <= 0 || x.PeakRSSMB <= 0 {
			t.Errorf("%s: seconds %v, CPU %v, peak RSS %v MB: not measured", x.Method, x.Seconds, x.CPUSeconds, x.PeakRSSMB)
		}
		if len(x.ServerCPUEach) != servers {
			t.Errorf("%s: server CPU %v s: want the CPU of %d servers", x.Method, x.ServerCPUEach, servers)
		}
	}
}

// logReport prints r as text and returns it as markdown.
func logReport(t *testing.T, cfg config, r *report) string {
	t.Helper()
	var out bytes.Buffer
	printText(&out, r)
	t.Log(out.String())
	md := filepath.Join(t.TempDir(), "bench.md")
	if err := writeMarkdown(md, cfg, []*report{r}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(md)
	return string(data)
}

// checkRows checks that vecmig, the plain loop and the ceiling each copied
// all n points and were measured, with both servers' CPU.
func checkRows(t *testing.T, r *report, n uint64) {
	t.Helper()
	if len(r.Rows) != 3 {
		t.Fatalf("want rows vecmig, plain loop, ceiling; got %+v", r.Rows)
	}
	for i, want := range []string{"vecmig", "plain loop", "ceiling ("} {
		x := r.Rows[i]
		if !strings.HasPrefix(x.Method, want) {
			t.Errorf("row %d is %q, want %q", i, x.Method, want)
		}
		if x.Points != n || x.TargetCount != n {
			t.Errorf("%s: %d points, target count %d; want %d and %d", x.Method, x.Points, x.TargetCount, n, n)
		}
		if x.Seconds <= 0 || x.PeakRSSMB <= 0 {
			t.Errorf("%s: seconds %v, peak RSS %v MB: not measured", x.Method, x.Seconds, x.PeakRSSMB)
		}
	}
	for _, x := range r.Rows[:2] {
		if len(x.ServerCPUEach) != 2 || x.ServerCPUEach[0] <= 0 || x.ServerCPUEach[1] <= 0 {
			t.Errorf("%s: server CPU %v s: not measured from both server processes", x.Method, x.ServerCPUEach)
		}
	}
}

// TestIntToUUIDIsVecmigsRule checks the plain loop's hand-written id rule
// against adapters/mapping's.
func TestIntToUUIDIsVecmigsRule(t *testing.T) {
	for _, n := range []uint64{0, 42, 1<<48 - 1, 1 << 48, 99_999, ^uint64(0)} {
		if got, want := intToUUID(n), mapping.IntToUUID(n).String(); got != want {
			t.Errorf("intToUUID(%d) = %s, adapters/mapping says %s", n, got, want)
		}
	}
}

// TestCrossConversions checks the plain loop's by-hand conversions of the
// benchmark's values.
func TestCrossConversions(t *testing.T) {
	v := []float32{0.5, -1.25, 3}
	if got := floatsOf(vectorBytes(v)); len(got) != 3 || got[0] != 0.5 || got[1] != -1.25 || got[2] != 3 {
		t.Errorf("floatsOf(vectorBytes(%v)) = %v", v, got)
	}
	if got := weaviateClassName("bench_source"); got != "BenchSource" {
		t.Errorf("weaviateClassName(bench_source) = %q, want BenchSource", got)
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
