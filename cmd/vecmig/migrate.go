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
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/migrate"
	"github.com/vecmig/vecmig/verify"
)

func migrateCommand(reg *adapters.Registry) *cli.Command {
	flags := []cli.Flag{
		required(&cli.StringFlag{Name: "from", Usage: "source `URL`: qdrant://HOST:6334/COLLECTION, weaviate://HOST:8080/CLASS or file://DIR"}),
		required(&cli.StringFlag{Name: "to", Usage: "target `URL`, same forms"}),
		&cli.StringFlag{Name: "method", Value: "live", Usage: "live: read pages and write batches; snapshot: Qdrant collection snapshot; backup: Weaviate backup and restore"},
		&cli.IntFlag{Name: "batch-size", Value: 256, Usage: "points per read page; given, also per write request (otherwise writes adapt to the target, up to the page)"},
		workersFlag(),
		&cli.IntFlag{Name: "readers", Value: 4, Usage: "disjoint id ranges of the source read at once (chosen at the start and kept in the state; a file:// source or target reads one)"},
		&cli.StringFlag{Name: "on-exists", Value: "fail", Usage: "if the target collection exists: fail, append (write into it) or recreate (delete it first)"},
		&cli.StringFlag{Name: "state", Usage: "state `FILE` for resuming (default: vecmig-<hash>.state.json in the current directory, removed after success)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "check both sides and print the plan; write nothing"},
		migratePartitionFlag(),
		&cli.Float64Flag{Name: "max-rate", Usage: "read at most `POINTS_PER_S` from the source (0: no limit)"},
		&cli.StringFlag{Name: "verify", Value: verify.ModeSample, Usage: "after the copy: none (exact counts only), count, sample (counts and 1000 points), full (every point) or digest (every point, by fingerprint first)"},
		&cli.IntFlag{Name: "verify-search", Usage: "with --verify sample, full or digest: also run `N` k-NN queries (k=10) per dense vector on both sides and compare the results (see vecmig verify --search)"},
		&cli.IntFlag{Name: "retries", Value: 8, Usage: "tries per request on transient errors (unavailable, rate limited)"},
		retryTimeoutFlag(),
		&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "timeout of one request"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
		&cli.BoolFlag{Name: "json", Usage: "print the summary (or the error) as one JSON object on stdout"},
	}
	return &cli.Command{
		Name:  "migrate",
		Usage: "copy a collection with its definition to another instance, resumably",
		Flags: concatFlags(flags, apiKeyFlags(), tlsFlags(), mappingFlags(), snapshotMigrateFlags(), backupMigrateFlags(), catchUpFlags(), bulkLoadFlags()),
		Action: func(c *cli.Context) error {
			return runMigrate(c, reg)
		},
	}
}

// planCommand is migrate --dry-run under a name of its own: the plan,
// with the full translation across engines, and nothing written.
func planCommand(reg *adapters.Registry) *cli.Command {
	var flags []cli.Flag
	for _, f := range migrateCommand(reg).Flags {
		switch f.Names()[0] {
		case "dry-run":
		default:
			flags = append(flags, f)
		}
	}
	return &cli.Command{
		Name:  "plan",
		Usage: "print what 'vecmig migrate' with the same flags would do (the definition to create, the translation across engines, every problem); writes nothing",
		Flags: flags,
		Action: func(c *cli.Context) error {
			return runMigrate(c, reg)
		},
	}
}

// dryRun reports whether the command only plans.
func dryRun(c *cli.Context) bool { return c.Command.Name == "plan" || c.Bool("dry-run") }

// defaultStatePath names a state file after the two endpoints, so the same
// command finds it again.
func defaultStatePath(from, to string) string {
	sum := sha256.Sum256([]byte(from + "\x00" + to))
	return "vecmig-" + hex.EncodeToString(sum[:6]) + ".state.json"
}

func runMigrate(c *cli.Context, reg *adapters.Registry) error {
	out := newOutput(c)
	flags, err := readMigrateFlags(c)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	warnPlainKey(out, flags.from, c.String("from-api-key"))
	warnPlainKey(out, flags.to, c.String("to-api-key"))

	// Live, first signal: stop reading, let in-flight batches land, save
	// the state; second signal: cancel everything. Snapshot and backup
	// stop at the first signal.
	ctx, stop, release := interrupts(c.Context, out, "stopping: finishing the batches in flight and saving the state (signal again to abort at once)")
	defer release()
	if flags.method != migrate.MethodLive {
		release()
		var cancel context.CancelFunc
		ctx, cancel = signalContext(c.Context, out, "stopping: cancelling the transfer and removing its temporary files")
		defer cancel()
	}
	job, closeAll, err := openJob(ctx, c, reg, flags, out)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	defer closeAll()
	job.Options.Stop = stop
	res, err := migrate.Execute(ctx, job)
	return finishMigrate(c, out, flags, res, err, ctx.Err() != nil)
}

// migrateFlags are the checked flags of a migration.
type migrateFlags struct {
	from, to  *adapters.Endpoint
	method    string
	onExists  adapters.OnExists
	verify    string
	statePath string
	autoState bool
	copy      adapters.CopyRequest
	mapping   mapping.Options
	catchUp   migrate.CatchUp
	share     verify.Share // --partition
}

// readMigrateFlags checks every flag before anything is opened.
func readMigrateFlags(c *cli.Context) (*migrateFlags, error) {
	f := &migrateFlags{method: c.String("method"), onExists: adapters.OnExists(c.String("on-exists"))}
	switch f.method {
	case migrate.MethodLive, "snapshot", "backup":
	default:
		return nil, fmt.Errorf("--method %q: use live, snapshot (Qdrant) or backup (Weaviate)", f.method)
	}
	switch f.onExists {
	case adapters.ExistsFail, adapters.ExistsAppend, adapters.ExistsRecreate:
	default:
		return nil, fmt.Errorf("--on-exists %q: use fail, append or recreate", f.onExists)
	}
	if c.Int("batch-size") < 1 || (c.IsSet("workers") && c.Int("workers") < 1) || c.Int("readers") < 1 || c.Int("retries") < 1 || c.Float64("max-rate") < 0 {
		return nil, fmt.Errorf("--batch-size, --workers, --readers and --retries must be at least 1, --max-rate not negative")
	}
	var err error
	if f.verify, err = verifyMode(c); err != nil {
		return nil, err
	}
	if f.from, err = adapters.ParseEndpoint(c.String("from")); err != nil {
		return nil, err
	}
	if f.to, err = adapters.ParseEndpoint(c.String("to")); err != nil {
		return nil, err
	}
	if sameEndpoint(f.from, f.to) {
		return nil, fmt.Errorf("--from %s and --to %s are the same collection (%s); a collection cannot be copied onto itself, give another --to", f.from, f.to, canonicalEndpoint(f.to))
	}
	if f.share, err = readPartition(c, f.method, f.onExists); err != nil {
		return nil, err
	}
	if f.statePath = c.String("state"); f.statePath == "" {
		f.statePath, f.autoState = defaultStatePath(f.from.String(), f.to.String()), true
		f.statePath = strings.TrimSuffix(f.statePath, ".state.json") + shareStateSuffix(f.share) + ".state.json"
	}
	if f.mapping, err = readMapping(c); err != nil {
		return nil, err
	}
	if f.catchUp, err = readCatchUp(c, f.method); err != nil {
		return nil, err
	}
	catchUpStatePath(f)
	f.copy, err = copyRequest(c, f.method)
	return f, err
}

// copyRequest reads the snapshot and backup methods' flags.
func copyRequest(c *cli.Context, method string) (adapters.CopyRequest, error) {
	req := adapters.CopyRequest{Timeout: c.Duration("timeout")}
	switch t := c.String("transfer"); t {
	case "download":
	case "direct":
		req.Snapshot.Direct = true
	default:
		return req, fmt.Errorf("--transfer %q: use download or direct", t)
	}
	req.Snapshot.Name, req.Snapshot.Keep, req.Snapshot.TempDir = c.String("snapshot"), c.Bool("keep-snapshot"), c.String("temp-dir")
	req.Backup = adapters.BackupParams{
		Backend: backupFlagString(c, "backend"), Bucket: backupFlagString(c, "bucket"), Path: backupFlagString(c, "path"),
		ID: c.String("backup-id"), Include: c.StringSlice("include"), Exclude: c.StringSlice("exclude"),
		CPUPercentage: c.Int("cpu-percentage"),
	}
	if method == "backup" && req.Backup.Backend == "" {
		return req, fmt.Errorf("--method backup needs --backend: filesystem, s3, gcs or azure (the backup module both servers have)")
	}
	return req, nil
}

// openJob opens both endpoints and builds the job.
func openJob(ctx context.Context, c *cli.Context, reg *adapters.Registry, f *migrateFlags, out *output) (migrate.Job, func(), error) {
	src, toURL, err := openSourceFor(ctx, c, reg, f.from, f.to, f.mapping)
	if err != nil {
		return migrate.Job{}, nil, err
	}
	dst, err := reg.OpenSink(ctx, toURL, config(c, "to-api-key"))
	if err != nil {
		src.Close()
		return migrate.Job{}, nil, fmt.Errorf("target: %w", err)
	}
	f.copy.Logf = out.notice
	job := migrate.Job{
		Source: src, Target: dst, Method: f.method, Verify: f.verify, Copy: f.copy,
		VerifySearch: c.Int("verify-search"),
		ReadTarget: func(ctx context.Context) (adapters.Source, error) {
			return reg.OpenSource(ctx, toURL, config(c, "to-api-key"))
		},
		Options: migrate.Options{
			BatchSize: c.Int("batch-size"), Workers: workers(c), Readers: c.Int("readers"),
			FixedBatch: c.IsSet("batch-size"), RequestTimeout: c.Duration("timeout"),
			OnExists: f.onExists, StatePath: f.statePath, DryRun: dryRun(c),
			MaxRate: c.Float64("max-rate"), Retry: retryPolicy(c, out), Logf: out.notice,
			Mapping: f.mapping, CatchUp: f.catchUp, Share: f.share, DeferIndexing: c.Bool("defer-indexing"),
		},
	}
	if !job.Options.DryRun && f.method == migrate.MethodLive {
		job.Options.Progress = out.progress()
	}
	return job, func() { dst.Close(); src.Close() }, nil
}

// finishMigrate prints the outcome and picks the exit code.
func finishMigrate(c *cli.Context, out *output, f *migrateFlags, res *migrate.Result, err error, stopped bool) error {
	var planErr *migrate.PlanError
	var verifyErr *migrate.VerifyError
	switch {
	case errors.As(err, &planErr):
		out.plan(planErr.Plan)
		return out.fail(withCode(exitError, err))
	case errors.Is(err, migrate.ErrPlanInterrupted):
		return out.fail(withCode(exitInterrupted, err))
	case f.method == migrate.MethodLive && (errors.Is(err, migrate.ErrInterrupted) || (err != nil && stopped)):
		out.summary(res)
		return out.fail(withCode(exitInterrupted, fmt.Errorf("%w after %d points; %s. Resume with: %s",
			migrate.ErrInterrupted, written(res), stateSaved(f), resumeCommand(c, f.autoState, f.statePath))))
	case err != nil && stopped:
		return out.fail(withCode(exitInterrupted, fmt.Errorf("interrupted: %w; nothing to resume, run the same command again (a snapshot: its temporary files and the snapshot vecmig made were removed; a backup: the backup vecmig started was cancelled)", err)))
	case errors.As(err, &verifyErr):
		out.summary(res)
		return out.fail(withCode(exitError, fmt.Errorf("%w; run 'vecmig verify --from %s --to %s --mode %s' to try again", err, f.from, f.to, f.verify)))
	case err != nil:
		if res != nil && res.Written > 0 {
			err = fmt.Errorf("%w\n%d points were written before this and %s; fix the cause and run the same command again to resume: %s", err, res.Written, stateSaved(f), resumeCommand(c, f.autoState, f.statePath))
		}
		return out.fail(withCode(exitError, err))
	}
	out.summary(res)
	return differences(out, f, res)
}

// differences turns a complete run's comparison into the exit code.
func differences(out *output, f *migrateFlags, res *migrate.Result) error {
	if res.DryRun {
		return nil
	}
	if !res.CountsMatch {
		return out.fail(withCode(exitDiffer, fmt.Errorf("counts differ after the copy: source %d, target %d points (per partition above); 'vecmig verify --mode full' names the points", res.SourceCount, res.TargetCount)))
	}
	if !res.Equal() {
		return out.fail(withCode(exitDiffer, fmt.Errorf("verification found differences between source and target (see above); run 'vecmig verify --from %s --to %s --mode full --report FILE' for every id", f.from, f.to)))
	}
	if f.autoState && f.method == migrate.MethodLive && f.catchUp.Field == "" {
		os.Remove(f.statePath)
	}
	return nil
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
	for _, f := range []string{"batch-size", "workers", "readers", "max-rate", "retries", "retry-timeout", "tenants-as", "tenant-field", "on-exists", "partition"} {
		if c.IsSet(f) {
			parts = append(parts, fmt.Sprintf("--%s %v", f, shellQuote(fmt.Sprint(c.Value(f)))))
		}
	}
	for _, f := range []string{"drop-vector", "coerce"} {
		for _, v := range c.StringSlice(f) {
			parts = append(parts, fmt.Sprintf("--%s %s", f, shellQuote(v)))
		}
	}
	if c.Bool("drop-references") {
		parts = append(parts, "--drop-references")
	}
	parts = append(parts, catchUpArgs(c)...)
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
	case "none", verify.ModeCount, verify.ModeSample, verify.ModeFull, verify.ModeDigest:
		return m, nil
	default:
		return "", fmt.Errorf("--verify %q: use none, count, sample, full or digest", m)
	}
}
