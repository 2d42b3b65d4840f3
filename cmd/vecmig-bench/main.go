// Command vecmig-bench measures vecmig against two references on the same
// data in the same run: a plain sequential client loop (read a page, write
// it as one batch, repeat) and the target's ingest ceiling (the same
// batches, already in memory, written with the best concurrency found). It
// reports points/s, CPU seconds and peak RSS of each, the ratios, and the
// issue's targets with PASS/FAIL.
//
//	go run ./cmd/vecmig-bench                      # every scenario, 100k x 128-d (baseline: 1M)
//	go run ./cmd/vecmig-bench --scenario qdrant --points 20000 --json
//	go run ./cmd/vecmig-bench --scenario weaviate-qdrant,qdrant-weaviate
//	go run ./cmd/vecmig-bench --scenario verify,baseline
//	go run ./cmd/vecmig-bench --scenario sweep,memory --out results/   # plots: results/*.svg
//	make bench
//
// Every measured method runs as its own process: vecmig is the real binary
// (built at start), the plain loop and the ceiling are hidden subcommands of
// this binary (`vecmig-bench child ...`), so wall time, CPU time (user+sys)
// and peak RSS come from the kernel's rusage for that process alone.
//
// Scenarios live in their own files and are listed in scenarios below.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// scenarios is every benchmark, in the order they run. Add a scenario by
// writing it in its own file and listing it here.
var scenarios = []scenario{
	weaviateScenario(),
	tenantsScenario(),
	qdrantScenario(),
	deferScenario(),
	weaviateQdrantScenario(),
	qdrantWeaviateScenario(),
	snapshotScenario(),
	backupScenario(),
	verifyScenario(),
	baselineScenario(),
	sweepScenario(),
	memoryScenario(),
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("vecmig-bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: vecmig-bench [flags]\n\nScenarios:\n")
		for _, s := range scenarios {
			extra := ""
			if s.extra {
				extra = " (not in all: run it by name)"
			}
			fmt.Fprintf(fs.Output(), "  %-10s %s%s\n", s.name, s.about, extra)
		}
		fmt.Fprintf(fs.Output(), "\nFlags:\n")
		fs.PrintDefaults()
	}
	var cfg config
	scen := fs.String("scenario", "all", "scenarios to run, comma-separated (all: "+strings.Join(scenarioNames(), ", ")+")")
	fs.IntVar(&cfg.points, "points", 100_000, "points in the source collection (baseline: 1,000,000 unless given)")
	fs.IntVar(&cfg.dim, "dim", 128, "dimensions of each dense vector")
	fs.IntVar(&cfg.batchSize, "batch-size", 256, "points per page and per batch, for vecmig, the plain loop and the ceiling")
	fs.IntVar(&cfg.workers, "workers", 4, "vecmig --workers")
	fs.IntVar(&cfg.readers, "readers", 4, "vecmig --readers")
	fs.IntVar(&cfg.repeat, "repeat", 1, "run each measurement this many times (each on a fresh target) and keep the fastest")
	fs.IntVar(&cfg.repeatShort, "repeat-short", 3, "run a measurement whose first run took under 10 s at least this many times, and keep the fastest")
	writers := fs.String("ceiling-writers", "1,2,4,8", "concurrencies the ceiling tries, each on a fresh target")
	jsonOut := fs.Bool("json", false, "print the results as JSON on stdout (progress still goes to stderr)")
	out := fs.String("out", "", "also write the results to `DIR` (created): results.md, results.json and the plots (*.svg); a PATH ending in .md is the markdown file, with the rest beside it")
	sweepWorkers := fs.String("sweep-workers", "1,2,4,8", "(sweep) the vecmig --workers values, and ceiling writers, to measure")
	sweepBatch := fs.String("sweep-batch", "64,256,1024", "(sweep) the --batch-size values to measure")
	fs.StringVar(&cfg.sweepEngine, "sweep-engine", "qdrant", "(sweep) qdrant or weaviate: the two servers the sweep copies between")
	sizes := fs.String("sizes", "100000,300000,1000000", "(memory) collection sizes, in points, at which to measure peak RSS")
	fs.StringVar(&cfg.vecmigBin, "vecmig", "", "use this vecmig binary instead of building ./cmd/vecmig")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.points < 1 || cfg.dim < 1 || cfg.batchSize < 1 || cfg.workers < 1 || cfg.readers < 1 || cfg.repeat < 1 || cfg.repeatShort < 1 {
		fmt.Fprintln(os.Stderr, "vecmig-bench: --points, --dim, --batch-size, --workers, --readers, --repeat and --repeat-short must be at least 1")
		return 2
	}
	fs.Visit(func(f *flag.Flag) { cfg.pointsSet = cfg.pointsSet || f.Name == "points" })
	if err := parseLists(&cfg, map[string]string{"ceiling-writers": *writers, "sweep-workers": *sweepWorkers, "sweep-batch": *sweepBatch, "sizes": *sizes}); err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", err)
		return 2
	}
	if cfg.sweepEngine != "qdrant" && cfg.sweepEngine != "weaviate" {
		fmt.Fprintf(os.Stderr, "vecmig-bench: --sweep-engine %q: use qdrant or weaviate\n", cfg.sweepEngine)
		return 2
	}
	dest, err := resultPaths(*out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", err)
		return 2
	}
	chosen, err := pickScenarios(*scen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", err)
		return 2
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	b, err := newBench(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", err)
		return 1
	}
	defer b.close()

	var reports []*report
	failed := false
	for _, s := range chosen {
		b.logf("== scenario %s: %s", s.name, s.about)
		r, err := s.run(ctx, b)
		if r == nil {
			r = &report{Scenario: s.name, About: s.about}
		}
		if err != nil {
			r.Error = err.Error()
			b.logf("scenario %s failed: %v", s.name, err)
		}
		if !r.passed() {
			failed = true
		}
		reports = append(reports, r)
		if !*jsonOut {
			printText(os.Stdout, r)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if *jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", err)
			return 1
		}
	}
	if dest != nil {
		paths, err := dest.write(b.cfg, reports)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vecmig-bench: %v\n", err)
			return 1
		}
		b.logf("wrote %s", strings.Join(paths, ", "))
	}
	if failed {
		return 1
	}
	return 0
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return names
}

func pickScenarios(list string) ([]scenario, error) {
	if list == "" || list == "all" {
		var out []scenario
		for _, s := range scenarios {
			if !s.extra {
				out = append(out, s)
			}
		}
		return out, nil
	}
	var out []scenario
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, s := range scenarios {
			if s.name == name {
				out, found = append(out, s), true
			}
		}
		if !found {
			return nil, fmt.Errorf("--scenario %q: no such scenario; choose from all, %s", name, strings.Join(scenarioNames(), ", "))
		}
	}
	return out, nil
}
