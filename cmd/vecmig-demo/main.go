// Command vecmig-demo runs vecmig's main jobs end to end on this machine,
// on both engines, as a user would run them:
//
//   - Qdrant: it starts two real Qdrant nodes, loads the Qdrant demo dump
//     (testdata/demo-qdrant) into the first, copies the collection to the
//     second twice (live, and by snapshot), verifies both copies point for
//     point, and shows the counts of every side.
//   - Weaviate: it starts two Weaviate instances, loads the Weaviate demo
//     dump (testdata/demo) into the first, migrates the class to the second,
//     and shows both sides' counts.
//   - Across engines: it prints the plan of the Qdrant collection's copy into
//     Weaviate, copies it (the definition translated, integer ids turned
//     into UUIDs) and the Weaviate class into Qdrant, verifying both in
//     full.
//
// Every step is the vecmig binary (built at start) run as a child, and the
// command is printed first so that it can be pasted. Every server is
// stopped at the end, also after a failure or Ctrl-C. Run it from the
// repository root: `make demo`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

func main() {
	start := time.Now()
	err := run()
	fmt.Printf("\n(demo took %s)\n", time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-demo: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	// A cancelled context stops the running vecmig and the server launches;
	// the deferred stops then end every server that was started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dumps := map[string]string{}
	for _, dump := range []string{qdrantDump, weaviateDump} {
		if _, err := os.Stat(filepath.Join(dump, "manifest.json")); err != nil {
			return fmt.Errorf("run the demo from the repository root (%s/manifest.json not found): %w", dump, err)
		}
		abs, err := filepath.Abs(dump)
		if err != nil {
			return err
		}
		dumps[dump] = "file://" + abs
	}
	work, err := os.MkdirTemp("", "vecmig-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	bin := filepath.Join(work, "vecmig")
	step("building vecmig (the commands below call it vecmig; `make build` writes it to bin/vecmig)")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/vecmig").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/vecmig: %v\n%s", err, out)
	}
	d := &demo{bin: bin, work: work, dumps: dumps}
	defer d.stopQdrant()
	err = d.qdrant(ctx)
	if err == nil {
		err = d.weaviate(ctx)
	}
	if ctx.Err() != nil {
		return errors.New("interrupted; every server was stopped")
	}
	if err != nil {
		return err
	}
	step("counts")
	for _, c := range d.counts {
		fmt.Printf("  %-9s %-44s %6d points\n", c.engine, c.what, c.n)
	}
	fmt.Println("\nBoth engines: every copy holds as many points as its source; the Qdrant copies and the copies across engines were verified point for point.")
	return nil
}

// demo is the vecmig binary, where it runs, and the counts gathered so far.
type demo struct {
	bin    string
	work   string            // scratch directory, vecmig's working directory
	dumps  map[string]string // dump directory -> its file:// URL (absolute)
	counts []count
	qnode  *qdranttest.Node // Qdrant node 1, kept for the copies across engines
}

func (d *demo) stopQdrant() {
	if d.qnode != nil {
		step("Qdrant: stopping node 1")
		stopQdrant(d.qnode)
	}
}

type count struct {
	engine, what string
	n            uint64
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }
