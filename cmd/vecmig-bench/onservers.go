package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// vecmigOnServers runs one vecmig command that reads servers which stay
// up (capture, verify), once those servers (pids) are at rest, and returns
// its row: wall, CPU and peak RSS of the process, and the servers' CPU
// during it. A non-zero exit is an error.
func (b *bench) vecmigOnServers(ctx context.Context, pids []int, method string, points uint64, args ...string) (row, *procStats, error) {
	if waited, quiet := waitQuiet(ctx, pids); !quiet {
		b.busyStarts.Add(1)
		b.logf("the servers did not come to rest within %s; measuring %s anyway", waited.Round(time.Second), method)
	} else if waited > 2*time.Second {
		b.logf("waited %s for the servers to come to rest", waited.Round(time.Second))
	}
	b.logf("measuring %s", method)
	cpu0, known0 := eachProcessCPU(pids)
	st, err := b.vecmig(ctx, args...)
	if err != nil {
		return row{}, nil, fmt.Errorf("%s: %w", method, err)
	}
	x := newRow(method, points, st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS)
	if cpu1, known1 := eachProcessCPU(pids); known0 && known1 {
		for i := range pids {
			d := (cpu1[i] - cpu0[i]).Seconds()
			x.ServerCPUSeconds += d
			x.ServerCPUEach = append(x.ServerCPUEach, d)
		}
	}
	b.logf("%s: %.2f s, %.0f points/s, CPU %.2f s, peak RSS %.1f MB, server CPU %s s",
		method, x.Seconds, x.PointsPerSecond, x.CPUSeconds, x.PeakRSSMB, serverCPU(x))
	return x, st, nil
}

// verifyOutcome is the part of `vecmig verify --report FILE` that two
// verifications of the same pair must agree on.
type verifyOutcome struct {
	Mode        string `json:"mode"`
	SourceCount uint64 `json:"source_count"`
	TargetCount uint64 `json:"target_count"`
	CountsMatch bool   `json:"counts_match"`
	Compared    uint64 `json:"points_compared"`
	Equal       uint64 `json:"points_equal"`
	Mismatched  uint64 `json:"points_mismatched"`
}

func (o verifyOutcome) String() string {
	return fmt.Sprintf("counts %d/%d (match %v), compared %d, equal %d, mismatched %d",
		o.SourceCount, o.TargetCount, o.CountsMatch, o.Compared, o.Equal, o.Mismatched)
}

// agrees compares everything but the mode.
func (o verifyOutcome) agrees(p verifyOutcome) bool {
	o.Mode, p.Mode = "", ""
	return o == p
}

// allEqual says whether a verification of n points found them all equal.
func (o verifyOutcome) allEqual(n uint64) bool {
	return o.CountsMatch && o.SourceCount == n && o.TargetCount == n && o.Equal == n && o.Mismatched == 0
}

func readVerifyReport(path string) (verifyOutcome, error) {
	var o verifyOutcome
	data, err := os.ReadFile(path)
	if err != nil {
		return o, fmt.Errorf("vecmig verify wrote no report: %w", err)
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("vecmig verify's report %s: %w", path, err)
	}
	return o, nil
}
