package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// vecmig prints a command as a user would type it, runs it with the built
// binary and returns its standard output, which is also shown. It runs in
// the demo's scratch directory, so that a state file left by a failed or
// interrupted run goes away with it.
func (d *demo) vecmig(ctx context.Context, args ...string) (string, error) {
	fmt.Printf("\n$ vecmig %s\n", shellJoin(args))
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, d.bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = d.work, io.MultiWriter(os.Stdout, &out), os.Stderr
	// On Ctrl-C vecmig stops cleanly by itself (exit 3); a cancel from
	// elsewhere asks it the same way before killing it.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("vecmig %s: %w", args[0], err)
	}
	return out.String(), nil
}

var pointsLine = regexp.MustCompile(`(?m)^points:\s+(\d+) \(exact\)`)

// inspect runs `vecmig inspect URL` and records the exact count it prints.
func (d *demo) inspect(ctx context.Context, engine, what, url string) error {
	out, err := d.vecmig(ctx, "inspect", url)
	if err != nil {
		return err
	}
	m := pointsLine.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("vecmig inspect %s printed no \"points: N (exact)\" line", url)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	d.counts = append(d.counts, count{engine, what, n})
	return nil
}

// sameCounts checks the counts recorded since index from are all equal.
func (d *demo) sameCounts(from int) error {
	for _, c := range d.counts[from:] {
		if c.n != d.counts[from].n {
			return fmt.Errorf("%s %s holds %d points, %s %d", c.engine, c.what, c.n, d.counts[from].what, d.counts[from].n)
		}
	}
	return nil
}

// shellJoin quotes the arguments for a POSIX shell where needed (a URL's
// ? and & would otherwise be read by the shell).
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@%+") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
