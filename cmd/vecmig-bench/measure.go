package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// procStats is what the kernel says about one measured process.
type procStats struct {
	Wall    time.Duration
	CPU     time.Duration // user + system
	PeakRSS int64         // bytes
	Stdout  []byte        `json:"-"`
}

// measure runs a program to its end and returns its wall time, CPU time and
// peak RSS. A non-zero exit is an error carrying the end of its stderr.
//
// The program is started through a launcher (`vecmig-bench child exec`), a
// fresh small process that starts it and reads its rusage. Started directly,
// its peak RSS would be wrong: Linux starts a child's ru_maxrss at the
// high-water RSS of the process that forked it (the fork shares the
// parent's memory until exec), which is this benchmark's, not the program's.
func (b *bench) measure(ctx context.Context, bin string, args ...string) (*procStats, error) {
	stats, err := os.CreateTemp(b.workDir, "stats-*.json")
	if err != nil {
		return nil, err
	}
	stats.Close()
	defer os.Remove(stats.Name())
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.selfBin, append([]string{childCommand, "exec", "--stats", stats.Name(), "--", bin}, args...)...)
	cmd.Dir = b.workDir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// On cancel, ask the launcher to stop (it passes the signal on, so the
	// measured program is not orphaned); kill it only if that fails.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s%s", bin, strings.Join(args, " "), err, tail(stderr.String(), 2000), tail(stdout.String(), 1000))
	}
	data, err := os.ReadFile(stats.Name())
	if err != nil {
		return nil, err
	}
	var st procStats
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("the launcher of %s wrote no statistics: %v", bin, err)
	}
	st.Stdout = stdout.Bytes()
	return &st, nil
}

// launch is `vecmig-bench child exec --stats FILE -- BIN ARGS...`: it runs
// BIN with this process's stdio, writes BIN's procStats to FILE, and exits
// with BIN's status.
func launch(args []string) int {
	fs := flag.NewFlagSet("vecmig-bench child exec", flag.ContinueOnError)
	statsPath := fs.String("stats", "", "write the statistics to this file")
	if err := fs.Parse(args); err != nil || fs.NArg() < 1 || *statsPath == "" {
		fmt.Fprintln(os.Stderr, "usage: vecmig-bench child exec --stats FILE -- BIN [ARGS...]")
		return 2
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Pass SIGINT and SIGTERM on: the measured program stops cleanly and
	// the launcher still reports and exits after it.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench: start %s: %v\n", fs.Arg(0), err)
		return 1
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	cpu, rss := childUsage(cmd.ProcessState)
	data, _ := json.Marshal(procStats{Wall: wall, CPU: cpu, PeakRSS: rss})
	if werr := os.WriteFile(*statsPath, data, 0o644); werr != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", werr)
		return 1
	}
	if err != nil {
		return max(cmd.ProcessState.ExitCode(), 1)
	}
	return 0
}

// vecmig runs the vecmig binary with args, measured.
func (b *bench) vecmig(ctx context.Context, args ...string) (*procStats, error) {
	return b.measure(ctx, b.cfg.vecmigBin, args...)
}

// child runs `vecmig-bench child args...`, measured.
func (b *bench) child(ctx context.Context, args ...string) (*procStats, error) {
	return b.measure(ctx, b.selfBin, append([]string{childCommand}, args...)...)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
