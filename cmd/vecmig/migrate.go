package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/migrate"
	"github.com/vecmig/vecmig/verify"
)

func migrateCommand(reg *adapters.Registry) *cli.Command {
	flags := []cli.Flag{
		required(&cli.StringFlag{Name: "from", Usage: "source `URL`: qdrant://HOST:6334/COLLECTION, weaviate://HOST:8080/CLASS or file://DIR"}),
		required(&cli.StringFlag{Name: "to", Usage: "target `URL`, same forms"}),
		&cli.StringFlag{Name: "method", Value: "live", Usage: "live: read pages and write batches; snapshot: Qdrant collection snapshot; backup: Weaviate backup and restore"},
		&cli.IntFlag{Name: "batch-size", Value: 256, Usage: "points per read page and per write batch"},
		&cli.IntFlag{Name: "workers", Value: 4, Usage: "concurrent writers"},
		&cli.IntFlag{Name: "readers", Value: 4, Usage: "disjoint id ranges of the source read at once (chosen at the start and kept in the state; a file:// source or target reads one)"},
		&cli.StringFlag{Name: "on-exists", Value: "fail", Usage: "if the target collection exists: fail, append (write into it) or recreate (delete it first)"},
		&cli.StringFlag{Name: "state", Usage: "state `FILE` for resuming (default: vecmig-<hash>.state.json in the current directory, removed after success)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "check both sides and print the plan; write nothing"},
		&cli.Float64Flag{Name: "max-rate", Usage: "read at most `POINTS_PER_S` from the source (0: no limit)"},
		&cli.StringFlag{Name: "verify", Value: verify.ModeSample, Usage: "after the copy: none (exact counts only), count, sample (counts and 1000 points) or full (every point)"},
		&cli.IntFlag{Name: "retries", Value: 8, Usage: "tries per request on transient errors (unavailable, rate limited)"},
		&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "timeout of one request"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
		&cli.BoolFlag{Name: "json", Usage: "print the summary (or the error) as one JSON object on stdout"},
	}
	return &cli.Command{
		Name:  "migrate",
		Usage: "copy a collection with its definition to another instance, resumably",
		Flags: concatFlags(flags, apiKeyFlags(), snapshotMigrateFlags(), backupMigrateFlags()),
		Action: func(c *cli.Context) error {
			return runMigrate(c, reg)
		},
	}
}

// defaultStatePath names a state file after the two endpoints, so the same
// command finds it again.
func defaultStatePath(from, to string) string {
	sum := sha256.Sum256([]byte(from + "\x00" + to))
	return "vecmig-" + hex.EncodeToString(sum[:6]) + ".state.json"
}

func runMigrate(c *cli.Context, reg *adapters.Registry) error {
	out := newOutput(c)
	switch m := c.String("method"); m {
	case "live":
	case "snapshot":
		return runSnapshotMigrate(c, reg, out)
	case "backup":
		return runBackupMigrate(c, reg, out)
	default:
		return out.fail(withCode(exitError, fmt.Errorf("--method %q: use live, snapshot (Qdrant) or backup (Weaviate)", m)))
	}
	onExists := adapters.OnExists(c.String("on-exists"))
	switch onExists {
	case adapters.ExistsFail, adapters.ExistsAppend, adapters.ExistsRecreate:
	default:
		return out.fail(withCode(exitError, fmt.Errorf("--on-exists %q: use fail, append or recreate", onExists)))
	}
	if c.Int("batch-size") < 1 || c.Int("workers") < 1 || c.Int("readers") < 1 || c.Int("retries") < 1 || c.Float64("max-rate") < 0 {
		return out.fail(withCode(exitError, fmt.Errorf("--batch-size, --workers, --readers and --retries must be at least 1, --max-rate not negative")))
	}
	mode, err := verifyMode(c)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	from, to := c.String("from"), c.String("to")
	fromEP, err := adapters.ParseEndpoint(from)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	toEP, err := adapters.ParseEndpoint(to)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if fromEP.String() == toEP.String() {
		return out.fail(withCode(exitError, fmt.Errorf("--from and --to are both %s; a collection cannot be copied onto itself", fromEP)))
	}
	warnPlainKey(out, fromEP, c.String("from-api-key"))
	warnPlainKey(out, toEP, c.String("to-api-key"))
	statePath, autoState := c.String("state"), false
	if statePath == "" {
		statePath, autoState = defaultStatePath(fromEP.String(), toEP.String()), true
	}

	// First signal: stop reading, let in-flight batches land, save state.
	// Second signal: cancel everything.
	ctx, stop, release := interrupts(c.Context, out, "stopping: finishing the batches in flight and saving the state (signal again to abort at once)")
	defer release()

	src, err := reg.OpenSource(ctx, from, config(c, "from-api-key"))
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("source: %w", err)))
	}
	defer src.Close()
	dst, err := reg.OpenSink(ctx, to, config(c, "to-api-key"))
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("target: %w", err)))
	}
	defer dst.Close()

	retry := migrate.DefaultRetry()
	retry.Attempts = c.Int("retries")
	retry.OnRetry = func(op string, attempt int, wait time.Duration, err error) {
		out.notice("retrying %s in %s (attempt %d of %d): %v", op, wait.Round(time.Millisecond), attempt+1, retry.Attempts, err)
	}
	opts := migrate.Options{
		BatchSize: c.Int("batch-size"),
		Workers:   c.Int("workers"),
		Readers:   c.Int("readers"),
		OnExists:  onExists,
		StatePath: statePath,
		DryRun:    c.Bool("dry-run"),
		MaxRate:   c.Float64("max-rate"),
		Retry:     retry,
		Stop:      stop,
		Logf:      out.notice,
	}
	if !opts.DryRun {
		opts.Progress = out.progress()
	}
	res, err := migrate.Run(ctx, src, dst, opts)
	if errors.Is(err, migrate.ErrInterrupted) || (err != nil && ctx.Err() != nil) {
		out.summary(res, nil)
		return out.fail(withCode(exitInterrupted, fmt.Errorf("%w after %d points; the state is saved in %s. Resume with: %s",
			migrate.ErrInterrupted, written(res), statePath, resumeCommand(c, autoState, statePath))))
	}
	if err != nil {
		if res != nil && res.Written > 0 {
			err = fmt.Errorf("%w\n%d points were written before this; fix the cause and run the same command again to resume: %s", err, res.Written, resumeCommand(c, autoState, statePath))
		}
		return out.fail(withCode(exitError, err))
	}
	if opts.DryRun {
		out.summary(res, nil)
		return nil
	}
	var rep *verify.Report
	if res.CountsMatch && (mode == verify.ModeSample || mode == verify.ModeFull) {
		rep, err = verifyCopy(ctx, reg, c, src, mode, retry, out)
		if err != nil {
			out.summary(res, nil)
			return out.fail(withCode(exitError, fmt.Errorf("the copy is complete, but verifying it failed: %w; run 'vecmig verify --from %s --to %s --mode %s' to try again", err, from, to, mode)))
		}
	}
	out.summary(res, rep)
	if !res.CountsMatch {
		return out.fail(withCode(exitDiffer, fmt.Errorf("counts differ after the copy: source %d, target %d points (per partition above); 'vecmig verify --mode full' names the points", res.SourceCount, res.TargetCount)))
	}
	if rep != nil && !rep.Equal() {
		return out.fail(withCode(exitDiffer, fmt.Errorf("verification found differences between source and target (see above); run 'vecmig verify --from %s --to %s --mode full --report FILE' for every id", from, to)))
	}
	if autoState {
		os.Remove(statePath)
	}
	return nil
}

// verifyCopy compares the source with the target just written, reading the
// target through its Source side.
func verifyCopy(ctx context.Context, reg *adapters.Registry, c *cli.Context, src adapters.Source, mode string, retry *migrate.RetryPolicy, out *output) (*verify.Report, error) {
	dst, err := reg.OpenSource(ctx, c.String("to"), config(c, "to-api-key"))
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	out.notice("verifying (%s)...", mode)
	return verify.Run(ctx, migrate.WithRetry(src, retry), migrate.WithRetry(dst, retry), verify.Options{Mode: mode, Logf: out.notice})
}

func written(r *migrate.Result) uint64 {
	if r == nil {
		return 0
	}
	return r.Written
}

// resumeCommand rebuilds the command line without any API key.
func resumeCommand(c *cli.Context, autoState bool, statePath string) string {
	parts := []string{"vecmig migrate", "--from " + shellQuote(c.String("from")), "--to " + shellQuote(c.String("to"))}
	for _, f := range []string{"batch-size", "workers", "readers", "max-rate", "retries"} {
		if c.IsSet(f) {
			parts = append(parts, fmt.Sprintf("--%s %v", f, c.Value(f)))
		}
	}
	if !autoState {
		parts = append(parts, "--state "+shellQuote(statePath))
	}
	s := strings.Join(parts, " ")
	if c.IsSet("from-api-key") || c.IsSet("to-api-key") {
		s += " (with the same API keys)"
	}
	return s
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"&;|$`\\?*") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// warnPlainKey warns when an API key would cross the network unencrypted.
func warnPlainKey(out *output, ep *adapters.Endpoint, key string) {
	if key == "" || ep.Scheme == "file" {
		return
	}
	if tls, _ := ep.QueryBool("tls", false); tls {
		return
	}
	if ip := net.ParseIP(ep.Host); ep.Host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	out.notice("warning: the API key for %s is sent without TLS; add ?tls=true to the URL if the server offers it", ep)
}

func concatFlags(lists ...[]cli.Flag) []cli.Flag {
	var out []cli.Flag
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// verifyMode validates --verify: none, count, sample or full.
func verifyMode(c *cli.Context) (string, error) {
	switch m := c.String("verify"); m {
	case "none", verify.ModeCount, verify.ModeSample, verify.ModeFull:
		return m, nil
	default:
		return "", fmt.Errorf("--verify %q: use none, count, sample or full", m)
	}
}

// copyVerifyMode is verifyMode for the snapshot and backup methods, which
// always compare exact counts at least: none means count there.
func copyVerifyMode(c *cli.Context) (string, error) {
	m, err := verifyMode(c)
	if m == "none" {
		m = verify.ModeCount
	}
	return m, err
}
