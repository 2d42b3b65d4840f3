package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/wrap"
	"github.com/vecmig/vecmig/verify"
)

func baselineCommand(reg *adapters.Registry) *cli.Command {
	flags := []cli.Flag{
		required(&cli.StringFlag{Name: "from", Usage: "collection to record: qdrant://HOST:6334/COLLECTION, weaviate://HOST:8080/CLASS or file://DIR"}),
		required(&cli.StringFlag{Name: "out", Usage: "baseline `FILE` to write (replaced only once complete)"}),
		&cli.IntFlag{Name: "keep", Value: 1000, Usage: "points stored whole, for field-by-field differences later (chosen by a seeded hash of the id)"},
		&cli.IntFlag{Name: "queries", Value: 100, Usage: "k-NN probe queries per dense vector, with their exact top-10 (computed by vecmig)"},
		&cli.Uint64Flag{Name: "seed", DefaultText: "random", Usage: "seed choosing the kept points and the probe queries, 1 or more (printed; pass it to repeat a capture)"},
		&cli.IntFlag{Name: "page-size", Value: 256, Usage: "points per read"},
		&cli.IntFlag{Name: "retries", Value: 8, Usage: "tries per request on transient errors (unavailable, rate limited)"},
		retryTimeoutFlag(),
		&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "timeout of one request"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
		&cli.BoolFlag{Name: "json", Usage: "print the summary as JSON on stdout"},
	}
	return &cli.Command{
		Name:  "baseline",
		Usage: "record a collection in a small file, to verify a restore later without the source (verify --baseline FILE --to URL)",
		Subcommands: []*cli.Command{{
			Name:   "capture",
			Usage:  "read a collection once and write its baseline: definition, counts, a fingerprint per point, a kept sample and exact k-NN probes",
			Flags:  concatFlags(flags, sourceKeyFlags(), tlsFlags()),
			Action: func(c *cli.Context) error { return runCapture(c, reg) },
		}},
	}
}

// captureSummary is what `baseline capture` prints.
type captureSummary struct {
	*verify.CaptureSummary
	File          string        `json:"file"`
	BytesPerPoint float64       `json:"bytes_per_point"`
	Duration      time.Duration `json:"duration_ns"`
}

func runCapture(c *cli.Context, reg *adapters.Registry) error {
	out := newOutput(c)
	start := time.Now()
	opts := verify.CaptureOptions{Keep: c.Int("keep"), Queries: c.Int("queries"), Seed: c.Uint64("seed"), PageSize: c.Int("page-size"), Logf: out.notice}
	if c.IsSet("seed") && opts.Seed == 0 {
		return out.fail(withCode(exitError, fmt.Errorf("--seed 0: seeds start at 1; leave --seed out for a random one")))
	}
	if opts.PageSize < 1 {
		return out.fail(withCode(exitError, fmt.Errorf("--page-size %d: use 1 or more", opts.PageSize)))
	}
	ctx := c.Context
	src, err := reg.OpenSource(ctx, c.String("from"), config(c, "from-api-key"))
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("--from: %w", err)))
	}
	defer src.Close()
	path := c.String("out")
	// CreateTemp makes the file 0600, and the rename keeps the mode: a
	// baseline holds sample points of the collection, for its owner only.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part-*")
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("--out %s: %w; pick a writable directory", path, err)))
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	layers := wrap.Layers{Retry: retryPolicy(c, out)}
	sum, err := verify.Capture(ctx, layers.Source(src), tmp, opts)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--out %s: %w", path, cerr)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	s := captureSummary{CaptureSummary: sum, File: path, Duration: time.Since(start)}
	if sum.Points > 0 {
		s.BytesPerPoint = float64(sum.Bytes) / float64(sum.Points)
	}
	printCapture(c, s)
	return nil
}

func printCapture(c *cli.Context, s captureSummary) {
	switch {
	case c.Bool("json"):
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.Encode(s)
	case !c.Bool("quiet"):
		w := c.App.Writer
		fmt.Fprintf(w, "captured %s -> %s in %s: %d points, %d bytes on disk (%.1f bytes per point)\n",
			c.String("from"), s.File, s.Duration.Round(time.Millisecond), s.Points, s.Bytes, s.BytesPerPoint)
		fmt.Fprintf(w, "  seed %d (repeat this capture's choices with --seed %d)\n", s.Seed, s.Seed)
		fmt.Fprintf(w, "  kept %d points whole; %d probe queries over %d dense vectors\n", s.Kept, s.Probes, len(s.Vectors))
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
	}
}

// runBaselineVerify is `vecmig verify --baseline FILE --to URL`: the
// target against a baseline file, with verify's flags and exit codes.
func runBaselineVerify(c *cli.Context, reg *adapters.Registry) error {
	out := newOutput(c)
	opts, err := verifyOptions(c)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if !c.IsSet("mode") {
		opts.Mode = verify.ModeFull // a baseline is read whole anyway
	}
	file := c.String("baseline")
	open := func() (io.ReadCloser, error) { return os.Open(file) }
	return verifyThen(c, out, opts, func(ctx context.Context, opts verify.Options) (*verify.Report, error) {
		dst, err := reg.OpenSource(ctx, c.String("to"), config(c, "to-api-key"))
		if err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		defer dst.Close()
		layers := wrap.Layers{Retry: retryPolicy(c, out)}
		return verify.RunBaseline(ctx, file, open, layers.Source(dst), opts)
	})
}

// sourceKeyFlags are the API key flags of the source alone: a capture reads
// one collection.
func sourceKeyFlags() []cli.Flag {
	var fs []cli.Flag
	for _, f := range apiKeyFlags() {
		if strings.HasPrefix(f.Names()[0], "from-") {
			fs = append(fs, f)
		}
	}
	return fs
}
