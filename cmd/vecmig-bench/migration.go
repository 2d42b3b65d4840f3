package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// pair is one engine's two servers as a migration scenario needs them: a
// source collection loaded with the benchmark data, and a target server on
// which every measurement writes a fresh collection.
type pair interface {
	// engine is "qdrant" or "weaviate" (also the child's --engine).
	engine() string
	sourceURL() string
	// newTarget returns the vecmig URL of a fresh collection name on the
	// target server for one measurement; the collection does not exist.
	newTarget(kind string) string
	// count is the exact point count of a collection (by its URL).
	count(ctx context.Context, url string) (uint64, error)
	// drop deletes a collection (by its URL).
	drop(ctx context.Context, url string) error
	close()
}

// targetDescriber is a pair that can sum up a measured target's definition
// (across engines, where the definition is translated); the sum goes into
// the row's note.
type targetDescriber interface {
	describeTarget(ctx context.Context, url string) string
}

// describe is p's sum of the target at dst, "" when p has none.
func describe(ctx context.Context, p pair, dst string) string {
	if d, ok := p.(targetDescriber); ok {
		return "; " + d.describeTarget(ctx, dst)
	}
	return ""
}

// migrationTargets are the targets for one scenario (zero: none,
// except maxCPUOfPlain, whose zero means 1). Peak RSS applies to every
// scenario.
type migrationTargets struct {
	label          string  // "W->W", "Q->Q", "W->Q"
	minOfCeiling   float64 // vecmig points/s at least this times the ceiling's
	minOfPlain     float64 // vecmig points/s more than this times the plain loop's
	atLeastOfPlain float64 // vecmig points/s at least this times the plain loop's
	maxCPUOfPlain  float64 // vecmig CPU per point at most this times the plain loop's
}

// maxPeakRSS is the memory target for vecmig.
const maxPeakRSS = 200 * megabyte

// vecmigSummary is the part of `vecmig migrate --json` the benchmark reads.
type vecmigSummary struct {
	Written         uint64  `json:"points_written"`
	Seconds         float64 `json:"seconds"`
	PointsPerSecond float64 `json:"points_per_second"`
	SourceCount     uint64  `json:"source_count"`
	TargetCount     uint64  `json:"target_count"`
	CountsMatch     bool    `json:"counts_match"`
}

// runMigration measures vecmig, the plain loop and the ceiling on p, each
// into a fresh target collection that is counted and then deleted. A
// target whose count differs from the source's voids the benchmark.
func runMigration(ctx context.Context, b *bench, p pair, tg migrationTargets, r *report) error {
	cfg := b.cfg
	r.Points, r.Dim, r.BatchSize, r.Workers = cfg.points, cfg.dim, cfg.batchSize, cfg.workers
	src := p.sourceURL()
	n, err := p.count(ctx, src)
	if err != nil {
		return err
	}
	if n != uint64(cfg.points) {
		return fmt.Errorf("the source %s holds %d points after loading, not %d", src, n, cfg.points)
	}
	r.SourceCount = n
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la+"; other work on the machine skews every figure")
	}
	if note := repeatNote(cfg); note != "" {
		r.Notes = append(r.Notes, note)
	}
	if _, ok := p.(serverProcesses); ok {
		r.Notes = append(r.Notes, fmt.Sprintf("before each measurement the benchmark waited until both servers used less than %s of CPU per second (at most %s)", quietCPU, quietWait))
		defer func() {
			if n := b.busyStarts.Load(); n > 0 {
				r.Notes = append(r.Notes, fmt.Sprintf("%d measurements started with the servers still busy", n))
			}
		}()
	}

	// 1. vecmig, the real binary, and 2. the plain loop, a child process
	// with the engine's own client, measured in alternating order.
	var plainClient string
	rows, err := b.alternate(ctx, p, n, []candidate{
		{"vecmig", func(dst string) (row, error) {
			x, _, err := b.vecmigLive(ctx, p, src, dst, n, cfg.workers, cfg.batchSize)
			return x, err
		}},
		{"plain", func(dst string) (row, error) {
			x, client, err := b.plainLoop(ctx, p, src, dst, cfg.batchSize)
			plainClient = client
			return x, err
		}},
	})
	if err != nil {
		return err
	}
	vrow, prow := rows[0], rows[1]
	r.Rows = append(r.Rows, vrow, prow)

	// 3. The ceiling: the same batches from memory, at each concurrency.
	var best row
	var tries []string
	for _, w := range cfg.ceilingWriters {
		crow, err := b.fastest(ctx, p, fmt.Sprintf("ceiling%dw", w), n, func(dst string) (row, error) {
			return b.ceiling(ctx, p, src, dst, cfg.batchSize, w)
		})
		if err != nil {
			return err
		}
		crow = targetCPUOnly(crow)
		tries = append(tries, fmt.Sprintf("%d: %.0f", w, crow.PointsPerSecond))
		if crow.PointsPerSecond > best.PointsPerSecond {
			best = crow
		}
	}
	r.Rows = append(r.Rows, best)
	r.Notes = append(r.Notes,
		"ceiling tries, writers: points/s = "+strings.Join(tries, ", ")+" (each on a fresh target)",
		"order: vecmig and the plain loop in rounds of alternating order (vecmig first in odd rounds), then the ceiling tries; every target was counted (= source) and deleted after its measurement",
		"plain loop client: "+plainClient)

	// Ratios and targets.
	ofCeiling := vrow.PointsPerSecond / best.PointsPerSecond
	ofPlain := vrow.PointsPerSecond / prow.PointsPerSecond
	cpuRatio := vrow.CPUMicrosPerPoint / prow.CPUMicrosPerPoint
	r.Ratios = []ratio{
		{"vecmig / ceiling (points/s)", ofCeiling},
		{"vecmig / plain loop (points/s)", ofPlain},
		{"vecmig / plain loop (CPU per point)", cpuRatio},
	}
	if tg.minOfCeiling > 0 {
		r.Targets = append(r.Targets, target{tg.label + " throughput vs ceiling", fmt.Sprintf(">= %.0f%%", tg.minOfCeiling*100), fmt.Sprintf("%.0f%%", ofCeiling*100), ofCeiling >= tg.minOfCeiling})
	}
	if tg.minOfPlain > 0 {
		r.Targets = append(r.Targets, target{tg.label + " throughput vs plain loop", fmt.Sprintf("> %.2fx", tg.minOfPlain), fmt.Sprintf("%.2fx", ofPlain), ofPlain > tg.minOfPlain})
	}
	if tg.atLeastOfPlain > 0 {
		r.Targets = append(r.Targets, target{tg.label + " throughput vs plain loop", fmt.Sprintf(">= %.2fx", tg.atLeastOfPlain), fmt.Sprintf("%.2fx", ofPlain), ofPlain >= tg.atLeastOfPlain})
	}
	maxCPU := tg.maxCPUOfPlain
	if maxCPU == 0 {
		maxCPU = 1
	}
	r.Targets = append(r.Targets,
		target{"vecmig CPU per point vs plain loop", fmt.Sprintf("<= %.2fx", maxCPU), fmt.Sprintf("%.2fx (%.1f vs %.1f µs)", cpuRatio, vrow.CPUMicrosPerPoint, prow.CPUMicrosPerPoint), cpuRatio <= maxCPU},
		target{"vecmig peak RSS", fmt.Sprintf("< %.0f MB", maxPeakRSS/megabyte), fmt.Sprintf("%.1f MB", vrow.PeakRSSMB), vrow.PeakRSSMB*megabyte < maxPeakRSS},
	)
	return nil
}

// candidate is one method measured in alternate.
type candidate struct {
	kind    string
	measure func(dst string) (row, error)
}

// alternate measures every candidate --repeat times, in rounds whose order
// alternates (A B, then B A, ...) so that no method always runs first, and
// keeps each one's fastest run, in the order given.
func (b *bench) alternate(ctx context.Context, p pair, want uint64, cs []candidate) ([]row, error) {
	best := make([]row, len(cs))
	for i := 0; i < b.rounds(best...); i++ {
		for j := range cs {
			k := j
			if i%2 == 1 {
				k = len(cs) - 1 - j
			}
			x, err := b.measured(ctx, p, cs[k].kind, want, cs[k].measure)
			if err != nil {
				return nil, err
			}
			if i == 0 || x.PointsPerSecond > best[k].PointsPerSecond {
				best[k] = x
			}
		}
	}
	return best, nil
}

// fastest repeats a measurement --repeat times and keeps the fastest run.
func (b *bench) fastest(ctx context.Context, p pair, kind string, want uint64, measure func(dst string) (row, error)) (row, error) {
	var best row
	for i := 0; i < b.rounds(best); i++ {
		x, err := b.measured(ctx, p, kind, want, measure)
		if err != nil {
			return row{}, err
		}
		if i == 0 || x.PointsPerSecond > best.PointsPerSecond {
			best = x
		}
	}
	return best, nil
}

// repeatNote says how many runs each figure is the fastest of.
func repeatNote(cfg config) string {
	n, short := max(cfg.repeat, 1), max(cfg.repeat, cfg.repeatShort)
	switch {
	case short > n && n == 1:
		return fmt.Sprintf("each figure is from one run, or the fastest of %d where every method's first run took under %s (--repeat-short)", short, shortRun)
	case short > n:
		return fmt.Sprintf("each figure is the fastest of %d runs, or of %d where every method's first run took under %s (--repeat-short)", n, short, shortRun)
	case n > 1:
		return fmt.Sprintf("each figure is the fastest of %d runs", n)
	}
	return ""
}

// shortRun is the duration under which a measurement counts as short
// (config.repeatShort).
const shortRun = 10 * time.Second

// rounds is how many times to run a measurement, given the fastest runs
// so far (zero rows before the first): --repeat, or --repeat-short when
// the slowest candidate's first run was short.
func (b *bench) rounds(best ...row) int {
	n := max(b.cfg.repeat, 1)
	longest := 0.0
	for _, r := range best {
		longest = max(longest, r.Seconds)
	}
	if longest > 0 && longest < shortRun.Seconds() {
		n = max(n, b.cfg.repeatShort)
	}
	return n
}

// loadAverage is /proc/loadavg's first three fields ("" where there is none).
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// measured runs one measurement into a fresh target collection, then
// counts the target (it must equal want) and deletes it, whatever happened.
func (b *bench) measured(ctx context.Context, p pair, kind string, want uint64, measure func(dst string) (row, error)) (row, error) {
	var pids []int
	if sp, ok := p.(serverProcesses); ok {
		pids = sp.serverPIDs()
		waited, quiet := waitQuiet(ctx, pids)
		if !quiet {
			b.busyStarts.Add(1)
			b.logf("%s: the servers did not come to rest within %s; measuring %s anyway", p.engine(), waited.Round(time.Second), kind)
		} else if waited > 2*time.Second {
			b.logf("%s: waited %s for the servers to come to rest", p.engine(), waited.Round(time.Second))
		}
	}
	dst := p.newTarget(kind)
	b.logf("%s: measuring %s into %s", p.engine(), kind, dst)
	cpu0, known0 := eachProcessCPU(pids)
	x, err := measure(dst)
	if cpu1, known1 := eachProcessCPU(pids); known0 && known1 {
		for i := range pids {
			d := (cpu1[i] - cpu0[i]).Seconds()
			x.ServerCPUSeconds += d
			x.ServerCPUEach = append(x.ServerCPUEach, d)
		}
	}
	if err == nil {
		var got uint64
		got, err = p.count(ctx, dst)
		x.TargetCount = got
		if err == nil && got != want {
			err = fmt.Errorf("wrong copy: after %s the target %s holds %d points, the source %d; a wrong copy voids the benchmark", kind, dst, got, want)
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if derr := p.drop(dctx, dst); derr != nil && err == nil {
		err = fmt.Errorf("delete the measured target: %w", derr)
	}
	if err != nil {
		return row{}, fmt.Errorf("%s: %w", kind, err)
	}
	b.logf("%s: %s: %.2f s, %.0f points/s, CPU %.2f s, peak RSS %.1f MB, target count %d, server CPU %s s",
		p.engine(), x.Method, x.Seconds, x.PointsPerSecond, x.CPUSeconds, x.PeakRSSMB, x.TargetCount, serverCPU(x))
	return x, nil
}

// load writes points [0, n) of the benchmark data with a few concurrent
// writers (not timed); write receives the index range of one batch.
func (b *bench) load(ctx context.Context, what string, n int, write func(ctx context.Context, lo, hi int) error) error {
	const batchSize, writers = 500, 4
	start := time.Now()
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		done atomic.Int64
	)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				if fc.Fail(write(ctx, lo, min(lo+batchSize, n))) || ctx.Err() != nil {
					continue
				}
				if d := done.Add(int64(min(batchSize, n-lo))); d*10/int64(n) > (d-int64(min(batchSize, n-lo)))*10/int64(n) {
					b.logf("loading %s: %d of %d points", what, d, n)
				}
			}
		}()
	}
feed:
	for lo := 0; lo < n; lo += batchSize {
		select {
		case next <- lo:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := fc.Err(); err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.logf("loaded %d points into %s in %.1f s (not timed)", n, what, time.Since(start).Seconds())
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// lastLine returns the last non-empty line of a program's output.
func lastLine(out []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return []byte(lines[len(lines)-1])
}

// vecmigLive runs `vecmig migrate` (live) from src into dst with the given
// --workers and --batch-size, and checks its JSON summary: every point
// written, counts equal.
func (b *bench) vecmigLive(ctx context.Context, p pair, src, dst string, n uint64, workers, batch int) (row, vecmigSummary, error) {
	var sum vecmigSummary
	state := filepath.Join(b.workDir, fmt.Sprintf("state-%d.json", b.seq("state")))
	// --verify none: the plain loop and the ceiling do not verify either;
	// vecmig still compares exact counts, and so does the benchmark.
	st, err := b.vecmig(ctx, "migrate", "--from", src, "--to", dst, "--json", "--verify", "none",
		"--batch-size", strconv.Itoa(batch), "--workers", strconv.Itoa(workers), "--readers", strconv.Itoa(b.cfg.readers), "--state", state)
	if err != nil {
		return row{}, sum, err
	}
	if err := json.Unmarshal(lastLine(st.Stdout), &sum); err != nil {
		return row{}, sum, fmt.Errorf("vecmig printed no JSON summary (%v): %q", err, tail(string(st.Stdout), 500))
	}
	if !sum.CountsMatch || sum.Written != n {
		return row{}, sum, fmt.Errorf("vecmig reports %d points written, counts source %d target %d (match %v); expected %d", sum.Written, sum.SourceCount, sum.TargetCount, sum.CountsMatch, n)
	}
	x := newRow("vecmig", n, st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS)
	x.Note = fmt.Sprintf("whole process (start, describe, count, create, copy, final counts); vecmig's own summary says %.2f s, %.0f points/s", sum.Seconds, sum.PointsPerSecond) + describe(ctx, p, dst)
	return x, sum, nil
}

// plainLoop runs the plain sequential loop (a child process) from src
// into dst; it returns its row and the client it used.
func (b *bench) plainLoop(ctx context.Context, p pair, src, dst string, batch int) (row, string, error) {
	st, err := b.child(ctx, "plain", "--engine", p.engine(), "--from", src, "--to", dst, "--batch-size", strconv.Itoa(batch))
	if err != nil {
		return row{}, "", err
	}
	var cr childResult
	if err := json.Unmarshal(lastLine(st.Stdout), &cr); err != nil {
		return row{}, "", fmt.Errorf("the plain loop printed no result: %v", err)
	}
	x := newRow("plain loop", uint64(cr.Points), st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS)
	x.Note = fmt.Sprintf("%s; whole process (start, create, copy); %d batches", cr.Client, cr.Batches) + describe(ctx, p, dst)
	return x, cr.Client, nil
}

// ceiling writes src's batches from memory into dst with w writers (a
// child process); only the writes are timed.
func (b *bench) ceiling(ctx context.Context, p pair, src, dst string, batch, w int) (row, error) {
	st, err := b.child(ctx, "ceiling", "--engine", p.engine(), "--from", src, "--to", dst, "--batch-size", strconv.Itoa(batch), "--writers", strconv.Itoa(w))
	if err != nil {
		return row{}, err
	}
	var cr childResult
	if err := json.Unmarshal(lastLine(st.Stdout), &cr); err != nil {
		return row{}, fmt.Errorf("the ceiling printed no result: %v", err)
	}
	x := newRow(fmt.Sprintf("ceiling (%d %s)", w, plural(w, "writer")), uint64(cr.Points), cr.Seconds, cr.CPUSeconds, st.PeakRSS)
	x.Note = fmt.Sprintf("%s; timed writes only (read into memory first in %.1f s, not timed); RSS holds all %d batches", cr.Client, cr.ReadSeconds, cr.Batches)
	return x, nil
}

// targetCPUOnly keeps the target's server CPU in a ceiling's row: the
// source's went to the untimed read.
func targetCPUOnly(x row) row {
	if len(x.ServerCPUEach) == 2 {
		x.ServerCPUSeconds, x.ServerCPUEach = x.ServerCPUEach[1], nil
		x.Note += "; server CPU: the target's only"
	} else {
		x.ServerCPUSeconds = 0
	}
	return x
}
