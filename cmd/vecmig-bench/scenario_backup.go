package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

const backupAbout = "Weaviate -> Weaviate by backup and restore through the filesystem backend (both servers share BACKUP_FILESYSTEM_PATH and a node name): vecmig migrate --method backup against the same steps done by hand over REST"

func backupScenario() scenario {
	return scenario{name: "backup", about: backupAbout, run: runBackup}
}

// backupPair is two Weaviate servers sharing a backup directory. A restore
// keeps the class name, so every measurement's target is the source's
// class on the target server (deleted after each).
type backupPair struct {
	*weaviatePair
}

func (p backupPair) newTarget(string) string { return p.dst.Endpoint(weaviateSourceClass) }

func runBackup(ctx context.Context, b *bench) (*report, error) {
	cfg := b.cfg
	r := &report{Scenario: "backup", About: backupAbout, Points: cfg.points, Dim: cfg.dim}
	dir, err := os.MkdirTemp(b.workDir, "backups-")
	if err != nil {
		return r, err
	}
	b.logf("starting two Weaviate servers sharing %s", dir)
	src, dst, err := launchTwo(ctx, func(ctx context.Context) (*weaviatetest.Node, error) {
		return weaviatetest.Launch(ctx, weaviatetest.Options{BackupPath: dir})
	}, func(n *weaviatetest.Node) { n.Stop() })
	if err != nil {
		return r, err
	}
	p := backupPair{&weaviatePair{b: b, src: src, dst: dst}}
	defer p.close()
	if err := p.loadSource(ctx); err != nil {
		return r, err
	}
	if r.SourceCount, err = p.count(ctx, p.sourceURL()); err != nil {
		return r, err
	}
	if r.SourceCount != uint64(cfg.points) {
		return r, fmt.Errorf("the source holds %d points after loading, not %d", r.SourceCount, cfg.points)
	}
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la)
	}
	rows, err := b.alternate(ctx, p, r.SourceCount, []candidate{
		{"vecmig", func(to string) (row, error) { return b.vecmigBackup(ctx, p, to, r.SourceCount) }},
		{"plain", func(string) (row, error) { return b.plainBackup(ctx, p, r.SourceCount) }},
	})
	if err != nil {
		return r, err
	}
	r.Rows = rows
	r.Notes = append(r.Notes, "both methods back up the source class to the shared directory and restore it on the target; the target class is counted (= source) and deleted after each measurement; backup ids are fresh each time (Weaviate never reuses one)")
	r.Ratios = []ratio{{"vecmig / by hand (points/s)", rows[0].PointsPerSecond / rows[1].PointsPerSecond}}
	r.Targets = append(r.Targets, target{"vecmig peak RSS", fmt.Sprintf("< %.0f MB", maxPeakRSS/megabyte), fmt.Sprintf("%.1f MB", rows[0].PeakRSSMB), rows[0].PeakRSSMB*megabyte < maxPeakRSS})
	return r, nil
}

// vecmigBackup runs `vecmig migrate --method backup` into to.
func (b *bench) vecmigBackup(ctx context.Context, p backupPair, to string, n uint64) (row, error) {
	id := fmt.Sprintf("bench-vecmig-%d", b.seq("backup-id"))
	st, err := b.vecmig(ctx, "migrate", "--method", "backup", "--backend", "filesystem", "--backup-id", id,
		"--from", p.sourceURL(), "--to", to, "--verify", "count", "--json", "--state", filepath.Join(b.workDir, id+".state"))
	if err != nil {
		return row{}, err
	}
	var sum struct {
		TargetCount uint64 `json:"target_count"`
	}
	if err := json.Unmarshal(lastLine(st.Stdout), &sum); err != nil || sum.TargetCount != n {
		return row{}, fmt.Errorf("vecmig migrate --method backup: summary %q (%v); want a target count of %d", tail(string(st.Stdout), 300), err, n)
	}
	x := newRow("vecmig migrate --method backup", n, st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS)
	x.Note = "whole process (plan, backup, poll, restore, poll, exact counts of both sides)"
	return x, nil
}

// plainBackup runs the same by hand (a child process).
func (b *bench) plainBackup(ctx context.Context, p backupPair, n uint64) (row, error) {
	id := fmt.Sprintf("bench-plain-%d", b.seq("backup-id"))
	st, err := b.child(ctx, "backup", "--from", p.src.HTTPURL(), "--to", p.dst.HTTPURL(), "--class", weaviateSourceClass, "--id", id)
	if err != nil {
		return row{}, err
	}
	var cr childResult
	if err := json.Unmarshal(lastLine(st.Stdout), &cr); err != nil {
		return row{}, fmt.Errorf("the backup by hand printed no result: %v", err)
	}
	x := newRow("by hand over REST", n, st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS)
	x.Note = cr.Client + "; whole process"
	return x, nil
}
