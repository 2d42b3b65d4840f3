package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

const verifyAbout = "vecmig verify --mode full vs --mode digest between two real Qdrant " + qdranttest.Version + " servers holding the same points (copied by vecmig migrate, not timed)"

func verifyScenario() scenario {
	return scenario{name: "verify", about: verifyAbout, run: runVerifyScenario}
}

// verifyModes are the two modes compared, in the order of their rows.
var verifyModes = []string{"full", "digest"}

func runVerifyScenario(ctx context.Context, b *bench) (*report, error) {
	cfg := b.cfg
	r := &report{Scenario: "verify", About: verifyAbout, Points: cfg.points, Dim: cfg.dim, BatchSize: cfg.batchSize, Workers: cfg.workers}
	p, err := startQdrantPair(ctx, b)
	if err != nil {
		return r, err
	}
	defer p.close()
	src, dst := p.sourceURL(), p.dst.Endpoint("bench_copy")
	if err := b.copyForVerify(ctx, src, dst, r); err != nil {
		return r, err
	}
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la+"; other work on the machine skews every figure")
	}
	rounds := max(cfg.repeat, 1)
	r.Notes = append(r.Notes,
		fmt.Sprintf("full and digest alternate (full first in odd rounds); each figure is the fastest of %d %s, and every run's --report must agree with every other's", rounds, plural(rounds, "run")),
		fmt.Sprintf("before each measurement the benchmark waited until both servers used less than %s of CPU per second (at most %s); both servers are processes on the same machine ('server CPU s' is theirs, from /proc)", quietCPU, quietWait))
	rows, outcomes, err := b.alternateVerify(ctx, p.serverPIDs(), src, dst, r.SourceCount, rounds)
	if err != nil {
		return r, err
	}
	r.Rows = append(r.Rows, rows...)
	if k := b.busyStarts.Load(); k > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d measurements started with the servers still busy", k))
	}
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) after measuring: "+la)
	}
	full, digest := rows[0], rows[1]
	r.Ratios = append(r.Ratios,
		ratio{"digest / full (seconds)", digest.Seconds / full.Seconds},
		ratio{"digest / full (CPU s)", digest.CPUSeconds / full.CPUSeconds})
	agree := outcomes[0].agrees(outcomes[1])
	r.Targets = append(r.Targets,
		target{"full and digest reports agree", "same counts, compared, equal, mismatched", fmt.Sprintf("full: %s; digest: %s", outcomes[0], outcomes[1]), agree},
	)
	for _, x := range rows {
		r.Targets = append(r.Targets, target{x.Method + " peak RSS", fmt.Sprintf("< %.0f MB", maxPeakRSS/megabyte), fmt.Sprintf("%.1f MB", x.PeakRSSMB), x.PeakRSSMB*megabyte < maxPeakRSS})
	}
	return r, nil
}

// copyForVerify copies src to dst with vecmig migrate (not timed) and
// checks that both hold every point.
func (b *bench) copyForVerify(ctx context.Context, src, dst string, r *report) error {
	n, err := qdrantCount(ctx, src)
	if err != nil {
		return err
	}
	if n != uint64(b.cfg.points) {
		return fmt.Errorf("the source %s holds %d points after loading, not %d", src, n, b.cfg.points)
	}
	r.SourceCount = n
	b.logf("copying %s to %s with vecmig migrate (not timed)", src, dst)
	state := filepath.Join(b.workDir, fmt.Sprintf("state-%d.json", b.seq("state")))
	st, err := b.vecmig(ctx, "migrate", "--from", src, "--to", dst, "--verify", "count", "-q", "--state", state)
	if err != nil {
		return fmt.Errorf("copy for verify: %w", err)
	}
	got, err := qdrantCount(ctx, dst)
	if err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("wrong copy: the target %s holds %d points, the source %d", dst, got, n)
	}
	b.logf("copied %d points in %.1f s (not timed)", got, st.Wall.Seconds())
	return nil
}

// alternateVerify measures `vecmig verify --mode M` for each of
// verifyModes, rounds times in alternating order, and keeps each mode's
// fastest run. Every run must exit 0, find all n points equal, and agree
// with the first run of its own mode.
func (b *bench) alternateVerify(ctx context.Context, pids []int, src, dst string, n uint64, rounds int) ([]row, []verifyOutcome, error) {
	best := make([]row, len(verifyModes))
	outcomes := make([]verifyOutcome, len(verifyModes))
	for i := 0; i < rounds; i++ {
		for j := range verifyModes {
			k := j
			if i%2 == 1 {
				k = len(verifyModes) - 1 - j
			}
			x, o, err := b.measureVerify(ctx, pids, src, dst, verifyModes[k], n)
			if err != nil {
				return nil, nil, err
			}
			if i > 0 && !o.agrees(outcomes[k]) {
				return nil, nil, fmt.Errorf("verify --mode %s reported %s in round %d, %s in round 1", verifyModes[k], o, i+1, outcomes[k])
			}
			if i == 0 || x.Seconds < best[k].Seconds {
				best[k] = x
			}
			outcomes[k] = o
		}
	}
	return best, outcomes, nil
}

// measureVerify runs one `vecmig verify --mode mode` of src against dst.
func (b *bench) measureVerify(ctx context.Context, pids []int, src, dst, mode string, n uint64) (row, verifyOutcome, error) {
	rep := filepath.Join(b.workDir, fmt.Sprintf("verify-%s-%d.json", mode, b.seq("verify-report")))
	x, _, err := b.vecmigOnServers(ctx, pids, "vecmig verify --mode "+mode, n,
		"verify", "--from", src, "--to", dst, "--mode", mode, "-q", "--report", rep,
		"--workers", strconv.Itoa(b.cfg.workers), "--page-size", strconv.Itoa(b.cfg.batchSize))
	if err != nil {
		return row{}, verifyOutcome{}, err
	}
	o, err := readVerifyReport(rep)
	if err != nil {
		return row{}, o, err
	}
	if o.Mode != mode || !o.allEqual(n) {
		return row{}, o, fmt.Errorf("vecmig verify --mode %s exited 0 but its report (mode %q) says %s; expected all %d points equal", mode, o.Mode, o, n)
	}
	x.TargetCount = o.TargetCount
	x.Note = "whole process (start, count, read every point of both sides, compare); exit 0; report: " + o.String()
	return x, o, nil
}
