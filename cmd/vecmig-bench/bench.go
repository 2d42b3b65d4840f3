package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scenario is one benchmark. run starts what it needs, measures, stops
// what it started and returns its report; an error is reported with
// whatever rows were measured before it.
type scenario struct {
	name  string
	about string
	run   func(ctx context.Context, b *bench) (*report, error)
	// extra scenarios (sweeps over flags or sizes) are long: "all" leaves
	// them out, and they run when named.
	extra bool
}

// config is what the flags set, shared by every scenario.
type config struct {
	points, dim    int
	pointsSet      bool // --points given: scenarios with their own default size use it
	batchSize      int
	workers        int
	readers        int
	ceilingWriters []int
	repeat         int // runs per measurement; the fastest is kept
	// repeatShort is the runs of a measurement whose first run took less
	// than shortRun: a copy of a second or two is the most swayed by a
	// moment's noise on the machine, and repeating it costs little.
	repeatShort int
	vecmigBin   string
	// sweep: the --workers and --batch-size values, and the engine.
	sweepWorkers, sweepBatch []int
	sweepEngine              string
	// sizes are the collection sizes of the memory scenario.
	sizes []int
}

// bench is the environment every scenario runs in: the binaries to
// measure, a scratch directory, and progress messages on stderr.
type bench struct {
	cfg     config
	selfBin string // this binary, for `child` measurements
	workDir string // scratch: vecmig state files, the built vecmig

	mu    sync.Mutex
	names map[string]int
	start time.Time

	// busyStarts counts measurements that began with the servers busy.
	busyStarts atomic.Int64
}

// newBench builds vecmig (unless --vecmig names a binary) into a scratch
// directory.
func newBench(ctx context.Context, cfg config) (*bench, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find this program's own binary to run the plain loop and ceiling as child processes: %w", err)
	}
	dir, err := os.MkdirTemp("", "vecmig-bench-")
	if err != nil {
		return nil, fmt.Errorf("create a scratch directory: %w", err)
	}
	b := &bench{cfg: cfg, selfBin: self, workDir: dir, names: map[string]int{}, start: time.Now()}
	if b.cfg.vecmigBin == "" {
		if b.cfg.vecmigBin, err = b.buildVecmig(ctx); err != nil {
			b.close()
			return nil, err
		}
	} else if _, err := os.Stat(b.cfg.vecmigBin); err != nil {
		b.close()
		return nil, fmt.Errorf("--vecmig %s: %w", b.cfg.vecmigBin, err)
	}
	return b, nil
}

// buildVecmig runs `go build ./cmd/vecmig` in the module this benchmark
// belongs to (found with `go env GOMOD` from the current directory).
func (b *bench) buildVecmig(ctx context.Context) (string, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(gomod))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("cannot find the vecmig module to build ./cmd/vecmig (go env GOMOD: %q, %v); run vecmig-bench from inside the repository, or pass --vecmig PATH", mod, err)
	}
	bin := filepath.Join(b.workDir, "vecmig")
	b.logf("building vecmig into %s", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/vecmig")
	cmd.Dir = filepath.Dir(mod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/vecmig in %s failed: %v\n%s", cmd.Dir, err, out)
	}
	return bin, nil
}

func (b *bench) close() {
	if b.workDir != "" {
		os.RemoveAll(b.workDir)
	}
}

// logf prints progress on stderr, stamped with the time since the start.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

// seq returns 1, 2, 3, ... per key: fresh collection names within a run.
func (b *bench) seq(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.names[key]++
	return b.names[key]
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a whole number of at least 1", f)
		}
		out = append(out, n)
	}
	return out, nil
}
