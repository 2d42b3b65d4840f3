package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/adapters/wrap"
	"github.com/vecmig/vecmig/verify"
)

func verifyCommand(reg *adapters.Registry) *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "from", Usage: "source (reference) `URL`: qdrant://HOST:6334/COLLECTION, weaviate://HOST:8080/CLASS or file://DIR (required, unless --baseline)"},
		&cli.StringFlag{Name: "baseline", Usage: "verify --to against this baseline `FILE` (from 'vecmig baseline capture') instead of a live --from: counts, every point's fingerprint, the kept sample, the k-NN probes"},
		required(&cli.StringFlag{Name: "to", Usage: "target `URL` to check against the source, same forms"}),
		&cli.StringFlag{Name: "mode", Value: verify.ModeSample, Usage: "count: exact counts only; sample: counts and a sample of points; full: every point of both sides; digest: every point, compared by fingerprint first (the same report as full)"},
		&cli.StringFlag{Name: "sample", Value: verify.DefaultSample.String(), Usage: "sample mode: N random points, P% of the points, or i/n (a fixed slice by id hash; 1/n..n/n cover everything)"},
		&cli.Uint64Flag{Name: "seed", DefaultText: "random", Usage: "seed of the random sample, 1 or more (printed in the summary; pass it to repeat a sample)"},
		&cli.StringFlag{Name: "tolerance", Usage: "allowed error per vector component: X (absolute), abs=X, rel=Y or abs=X,rel=Y (default abs=1e-6,rel=1e-6; float16, uint8 and cosine targets widen it automatically)"},
		&cli.StringFlag{Name: "changed-since-field", Usage: "payload `FIELD` holding each point's last update time (RFC 3339 or Unix seconds): points the source rewrote after --since are reported apart, not as damage"},
		&cli.StringFlag{Name: "since", Usage: "`TIME` the copy was taken (RFC 3339 or Unix seconds; default: when verify starts)"},
		&cli.StringFlag{Name: "report", Usage: "write the full report as JSON to `FILE`, with every mismatched id"},
		&cli.StringFlag{Name: "list", Usage: "write one line per id to `FILE` (- for stdout): = equal, - only on the source, + only on the target, * differs, ~ changed after the copy"},
		&cli.IntFlag{Name: "workers", Value: 4, Usage: "id ranges (full) or lookups (sample) at once; each full-mode worker reads both sides concurrently"},
		verifyPartitionFlag(),
		&cli.IntFlag{Name: "page-size", Value: 256, Usage: "points per read"},
		&cli.IntFlag{Name: "max-examples", Value: 10, Usage: "differing points shown in the summary"},
		&cli.IntFlag{Name: "search", Usage: "also run `N` k-NN queries (k=10) per dense vector on both sides: exact top-10 must agree (else exit 1), and the target's approximate recall@10 is measured"},
		&cli.Float64Flag{Name: "min-recall", Value: 0.9, Usage: "with --search: warn (with both sides' index settings) when the target's recall@10 is below `R`"},
		&cli.IntFlag{Name: "retries", Value: 8, Usage: "tries per request on transient errors (unavailable, rate limited)"},
		retryTimeoutFlag(),
		&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "timeout of one request"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors (the exit code tells the outcome)"},
		&cli.BoolFlag{Name: "json", Usage: "print the report as JSON on stdout instead of the summary"},
	}
	return &cli.Command{
		Name:  "verify",
		Usage: "prove two collections hold the same points, or name every difference (exit 0 equal, 1 different, 2 could not verify)",
		Flags: concatFlags(flags, apiKeyFlags(), tlsFlags(), tenantFlags()),
		Action: func(c *cli.Context) error {
			return runVerify(c, reg)
		},
	}
}

func runVerify(c *cli.Context, reg *adapters.Registry) error {
	out := newOutput(c)
	if base, err := baselineReference(c); err != nil || base {
		if err != nil {
			return out.fail(withCode(exitError, err))
		}
		return runBaselineVerify(c, reg)
	}
	opts, err := verifyOptions(c)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	return verifyThen(c, out, opts, func(ctx context.Context, opts verify.Options) (*verify.Report, error) {
		// The same layers migrate puts around the endpoints it verifies.
		layers := wrap.Layers{Retry: retryPolicy(c, out)}
		src, toURL, err := openVerifySource(ctx, c, reg)
		if err != nil {
			return nil, err
		}
		defer src.Close()
		dst, err := reg.OpenSource(ctx, toURL, config(c, "to-api-key"))
		if err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		defer dst.Close()
		return verify.Run(ctx, layers.Source(src), layers.Source(dst), opts)
	})
}

// verifyThen runs one verification (live or against a baseline) the way
// every verify does: a signal ends it at once (it writes nothing and keeps
// no state), the listing goes where --list says, and finishVerify writes
// the outcome and picks the exit code.
func verifyThen(c *cli.Context, out *output, opts verify.Options, run func(context.Context, verify.Options) (*verify.Report, error)) error {
	ctx, cancel := signalContext(c.Context, out, "stopping: verification cancelled")
	defer cancel()
	opts.Logf = out.notice
	list, summaryTo, closeList, err := openListing(c)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	defer closeList()
	if list != nil {
		opts.Listing = list
	}
	r, err := run(ctx, opts)
	if err != nil && ctx.Err() != nil && c.Context.Err() == nil {
		return out.fail(withCode(exitInterrupted, fmt.Errorf("verification interrupted; it writes nothing and keeps no state: run the same command again")))
	}
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	return finishVerify(c, out, r, list, summaryTo)
}

// finishVerify writes a completed verification where the flags say (the
// listing, --report, the summary or --json) and picks the exit code.
func finishVerify(c *cli.Context, out *output, r *verify.Report, list *bufio.Writer, summaryTo io.Writer) error {
	if list != nil {
		if err := list.Flush(); err != nil {
			return out.fail(withCode(exitError, fmt.Errorf("--list %s: %w", c.String("list"), err)))
		}
	}
	if p := c.String("report"); p != "" {
		if err := writeReport(p, r); err != nil {
			return out.fail(withCode(exitError, err))
		}
	}
	switch {
	case c.Bool("json"):
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		enc.Encode(r)
	case !c.Bool("quiet"):
		r.WriteText(summaryTo)
		r.Baseline.WriteText(summaryTo)
	}
	if !r.Equal() {
		return withCode(exitDiffer, errReported)
	}
	return nil
}

// baselineReference says whether verify compares with a baseline file (true) or a
// live --from; exactly one must be given.
func baselineReference(c *cli.Context) (baseline bool, err error) {
	switch from, base := c.String("from"), c.String("baseline"); {
	case from != "" && base != "":
		return false, fmt.Errorf("--from and --baseline both name a reference; give one: --from for a live source, --baseline for a file from 'vecmig baseline capture'")
	case base == "" && from == "":
		return false, fmt.Errorf("--from is required (or --baseline FILE to verify against a baseline)")
	}
	return c.String("baseline") != "", nil
}

// openVerifySource opens the reference side and says how to open the
// other, in the tenant layout --tenants-as gives (as migrate does).
func openVerifySource(ctx context.Context, c *cli.Context, reg *adapters.Registry) (adapters.Source, string, error) {
	as, field, err := readTenantFlags(c)
	if err != nil {
		return nil, "", err
	}
	from, err := adapters.ParseEndpoint(c.String("from"))
	if err != nil {
		return nil, "", fmt.Errorf("--from: %w", err)
	}
	to, err := adapters.ParseEndpoint(c.String("to"))
	if err != nil {
		return nil, "", fmt.Errorf("--to: %w", err)
	}
	return openSourceFor(ctx, c, reg, from, to, mapping.Options{TenantsAs: as, TenantField: field})
}

// openListing opens --list (nil when not asked for) and says where the
// summary goes: stdout, unless the listing takes it.
func openListing(c *cli.Context) (list *bufio.Writer, summaryTo io.Writer, closeList func(), err error) {
	p := c.String("list")
	switch p {
	case "":
		return nil, c.App.Writer, func() {}, nil
	case "-":
		return bufio.NewWriterSize(c.App.Writer, 1<<16), c.App.ErrWriter, func() {}, nil
	}
	// 0600, also over an older file: a listing names the points of a
	// collection, for its owner only.
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		if err = f.Chmod(0o600); err != nil {
			f.Close()
		}
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("--list %s: %w", p, err)
	}
	return bufio.NewWriterSize(f, 1<<16), c.App.Writer, func() { f.Close() }, nil
}

func verifyOptions(c *cli.Context) (verify.Options, error) {
	opts := verify.Options{
		Mode:              c.String("mode"),
		Seed:              c.Uint64("seed"),
		Workers:           c.Int("workers"),
		PageSize:          c.Int("page-size"),
		MaxExamples:       c.Int("max-examples"),
		ChangedSinceField: c.String("changed-since-field"),
		Search:            c.Int("search"),
		MinRecall:         c.Float64("min-recall"),
	}
	switch opts.Mode {
	case verify.ModeCount, verify.ModeSample, verify.ModeFull, verify.ModeDigest:
	default:
		return opts, fmt.Errorf("--mode %q: use count, sample, full or digest", opts.Mode)
	}
	if opts.Workers < 1 || opts.PageSize < 1 || opts.MaxExamples < 0 {
		return opts, fmt.Errorf("--workers and --page-size must be at least 1, --max-examples not negative")
	}
	// verify.Options takes seed 0 as "pick one", so an explicit --seed 0
	// would silently draw a random sample; the seeds it prints are never 0.
	if c.IsSet("seed") && opts.Seed == 0 {
		return opts, fmt.Errorf("--seed 0: seeds start at 1; pass a seed a summary printed to repeat its sample, or leave --seed out for a random one")
	}
	var err error
	if opts.Share, err = readVerifyPartition(c); err != nil {
		return opts, err
	}
	if opts.Sample, err = verify.ParseSample(c.String("sample")); err != nil {
		return opts, err
	}
	if t := c.String("tolerance"); t != "" {
		if opts.Tolerance, err = verify.ParseTolerance(t); err != nil {
			return opts, err
		}
	}
	if s := c.String("since"); s != "" {
		if opts.ChangedSince, err = parseTime(s); err != nil {
			return opts, fmt.Errorf("--since %q: use RFC 3339 (2024-03-01T12:00:00Z) or Unix seconds", s)
		}
		if opts.ChangedSinceField == "" {
			return opts, fmt.Errorf("--since needs --changed-since-field, the payload field holding each point's update time")
		}
	}
	return opts, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, err
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}

func writeReport(path string, r *verify.Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	// 0600, also over an older file: a report quotes points of the
	// collection, for its owner only.
	err = os.WriteFile(path, append(b, '\n'), 0o600)
	if err == nil {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		return fmt.Errorf("--report %s: %w", path, err)
	}
	return nil
}
