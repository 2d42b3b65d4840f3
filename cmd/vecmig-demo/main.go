// Command vecmig-demo runs vecmig's main job end to end on this machine:
// it starts two local Weaviate instances, loads the demo dump
// (testdata/demo) into the first, migrates the class to the second with
// the vecmig binary, prints the summary with both sides' counts, and stops
// the servers. Run it from the repository root: `make demo`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-demo: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dump, err := filepath.Abs("testdata/demo")
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dump, "manifest.json")); err != nil {
		return fmt.Errorf("run the demo from the repository root (testdata/demo/manifest.json not found): %w", err)
	}
	work, err := os.MkdirTemp("", "vecmig-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	bin := filepath.Join(work, "vecmig")
	step("building vecmig")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/vecmig").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	step("starting two Weaviate instances (about 10 s each)")
	var nodes []*weaviatetest.Node
	defer func() {
		step("stopping the Weaviate instances")
		for _, n := range nodes {
			n.Stop()
		}
	}()
	for i := 0; i < 2; i++ {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		n, err := weaviatetest.Launch(lctx, weaviatetest.Options{})
		cancel()
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
		fmt.Printf("  instance %d: %s (gRPC %d)\n", i+1, n.HTTPURL(), n.GRPCPort)
	}
	first, second := nodes[0].Endpoint("Article"), nodes[1].Endpoint("Article")

	steps := [][]string{
		{"migrate", "--from", "file://" + dump, "--to", first},
		{"inspect", first},
		{"migrate", "--from", first, "--to", second, "--workers", "4"},
		{"inspect", second},
	}
	for _, args := range steps {
		step("vecmig " + strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = work, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("vecmig %s: %w", args[0], err)
		}
	}
	step("done: the class was copied and both sides hold the same count")
	return nil
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }
