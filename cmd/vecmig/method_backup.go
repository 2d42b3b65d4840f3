package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/migrate"
	"github.com/vecmig/vecmig/verify"
)

// backupMigrateFlags are the migrate flags of --method backup. A flag that
// --method snapshot already defines (same name) is left to it and shared.
func backupMigrateFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "backend", Usage: "(--method backup) backup backend of both servers, required with that method: filesystem, s3, gcs or azure (module backup-<name> on both)"},
		&cli.StringFlag{Name: "bucket", Usage: "(--method backup) bucket (container) of the backend, if not the servers' default"},
		&cli.StringFlag{Name: "path", Usage: "(--method backup) path inside the backend, if not the servers' default"},
		&cli.StringSliceFlag{Name: "include", Usage: "(--method backup) more `CLASSES` to copy with the URL's one (comma-separated)"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "(--method backup) copy every source class except these `CLASSES`"},
		&cli.StringFlag{Name: "backup-id", Usage: "(--method backup) backup `ID` (lowercase, digits, _ and -; never reused; default generated)"},
		&cli.IntFlag{Name: "cpu-percentage", Usage: "(--method backup) share of CPU the servers may use for backup and restore (1-80; 0: server default)"},
	}
	taken := map[string]bool{}
	for _, f := range snapshotMigrateFlags() {
		for _, n := range f.Names() {
			taken[n] = true
		}
	}
	var out []cli.Flag
	for _, f := range flags {
		if !taken[f.Names()[0]] {
			out = append(out, f)
		}
	}
	return out
}

// backupFlagString reads a flag that may be defined by either method.
func backupFlagString(c *cli.Context, name string) string {
	if !c.IsSet(name) && c.Value(name) == nil {
		return ""
	}
	return c.String(name)
}

// runBackupMigrate migrates Weaviate classes through a backup and restore.
func runBackupMigrate(c *cli.Context, reg *adapters.Registry, out *output) error {
	fail := func(err error) error { return out.fail(withCode(exitError, err)) }
	from, to := c.String("from"), c.String("to")
	fromEP, err := adapters.ParseEndpoint(from)
	if err != nil {
		return fail(err)
	}
	toEP, err := adapters.ParseEndpoint(to)
	if err != nil {
		return fail(err)
	}
	if fromEP.Scheme != weaviate.Scheme || toEP.Scheme != weaviate.Scheme {
		return fail(fmt.Errorf("--method backup copies between Weaviate servers (weaviate://HOST:8080/Class on both sides); for %s -> %s use --method live", fromEP.Scheme, toEP.Scheme))
	}
	if fromEP.Name != toEP.Name {
		return fail(fmt.Errorf("--method backup restores class %q under the same name, but --to names %q; use the same class name in --to, or --method live to copy under another name", fromEP.Name, toEP.Name))
	}
	if len(fromEP.QueryList("tenant")) > 0 || len(toEP.QueryList("tenant")) > 0 {
		return fail(fmt.Errorf("--method backup copies whole classes; ?tenant= cannot be used with it (use --method live to copy some tenants)"))
	}
	backend := backupFlagString(c, "backend")
	if backend == "" {
		return fail(fmt.Errorf("--method backup needs --backend: filesystem, s3, gcs or azure (the backup module both servers have)"))
	}
	mode, err := copyVerifyMode(c)
	if err != nil {
		return fail(err)
	}
	warnPlainKey(out, fromEP, c.String("from-api-key"))
	warnPlainKey(out, toEP, c.String("to-api-key"))

	ctx, cancel := signalContext(c.Context, out, backupStopNote)
	defer cancel()

	retries := max(c.Int("retries"), 1)
	onRetry := func(what string, attempt int) {
		out.notice("retrying %s (attempt %d of %d)", what, attempt+1, retries)
	}
	src, _, err := weaviate.NewBackupClient(from, weaviate.BackupOptions{APIKey: adapters.NewSecret(c.String("from-api-key")), Timeout: c.Duration("timeout"), Retries: retries, OnRetry: onRetry})
	if err != nil {
		return fail(fmt.Errorf("source: %w", err))
	}
	dst, _, err := weaviate.NewBackupClient(to, weaviate.BackupOptions{APIKey: adapters.NewSecret(c.String("to-api-key")), Timeout: c.Duration("timeout"), Retries: retries, OnRetry: onRetry})
	if err != nil {
		return fail(fmt.Errorf("target: %w", err))
	}
	classes, err := weaviate.ResolveClasses(ctx, src, fromEP.Name, splitList(c.StringSlice("include")), splitList(c.StringSlice("exclude")))
	if err != nil {
		return fail(err)
	}
	m := &weaviate.BackupMigration{
		Source: src, Target: dst, Backend: backend,
		Location:      weaviate.Location{Bucket: c.String("bucket"), Path: c.String("path")},
		Classes:       classes,
		ID:            c.String("backup-id"),
		CPUPercentage: c.Int("cpu-percentage"),
		Logf:          out.notice,
	}
	pp := newPollPrinter(out)
	m.OnStatus = pp.print
	if err := m.Check(ctx); err != nil {
		return fail(err)
	}
	if c.Bool("dry-run") {
		out.notice("dry run: would back up %s on %s (%s) and restore it on %s; all checks passed", strings.Join(classes, ", "), src.Where(), backend, dst.Where())
		return nil
	}
	res, err := m.Run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return out.fail(withCode(exitInterrupted, fmt.Errorf("interrupted: %w", err)))
		}
		return fail(err)
	}

	// Verify each class with the adapters.
	retry := migrate.DefaultRetry()
	retry.Attempts = retries
	var reports []*verify.Report
	equal := true
	for _, class := range classes {
		r, err := verifyClass(ctx, reg, c, withClass(from, class), withClass(to, class), mode, retry, out)
		if err != nil {
			return fail(fmt.Errorf("backup %s was restored, but verifying class %s failed: %w; run 'vecmig verify --from %s --to %s --mode %s' again", res.ID, class, err, withClass(from, class), withClass(to, class), mode))
		}
		reports = append(reports, r)
		equal = equal && r.Equal()
	}
	switch {
	case out.json:
		enc := json.NewEncoder(out.stdout)
		enc.Encode(struct {
			*weaviate.BackupResult
			Seconds float64          `json:"seconds"`
			Verify  []*verify.Report `json:"verify"`
			Equal   bool             `json:"equal"`
		}{res, res.Duration.Seconds(), reports, equal})
	case !out.quiet:
		fmt.Fprintf(out.stdout, "migrated by backup %s (%s): %s -> %s, classes %s\n", res.ID, res.Backend, src.Where(), dst.Where(), strings.Join(res.Classes, ", "))
		fmt.Fprintf(out.stdout, "  backup %s, restore %s, total %s\n", res.Backup.Round(time.Millisecond), res.Restore.Round(time.Millisecond), res.Duration.Round(time.Millisecond))
		for class, ts := range res.Tenants {
			fmt.Fprintf(out.stdout, "  class %s: %d inactive tenants were activated for the backup and have their statuses again on both sides\n", class, len(ts))
		}
		for _, r := range reports {
			r.WriteText(out.stdout)
		}
	}
	if !equal {
		return withCode(exitDiffer, errReported)
	}
	return nil
}

func verifyClass(ctx context.Context, reg *adapters.Registry, c *cli.Context, from, to, mode string, retry *migrate.RetryPolicy, out *output) (*verify.Report, error) {
	s, err := reg.OpenSource(ctx, from, config(c, "from-api-key"))
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer s.Close()
	d, err := reg.OpenSource(ctx, to, config(c, "to-api-key"))
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer d.Close()
	return verify.Run(ctx, migrate.WithRetry(s, retry), migrate.WithRetry(d, retry), verify.Options{Mode: mode, Logf: out.notice})
}

// withClass replaces the class of an endpoint URL, keeping its query.
func withClass(raw, class string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + class
	return u.String()
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// pollPrinter prints status changes while polling (no bar: the server
// gives no totals), and a reminder line every 30 s without a change.
type pollPrinter struct {
	out  *output
	mu   sync.Mutex
	last string
	at   time.Duration
}

func newPollPrinter(out *output) *pollPrinter { return &pollPrinter{out: out} }

func (p *pollPrinter) print(phase string, st *weaviate.BackupStatus, el time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := phase + " " + st.ID + " " + st.Status
	if key == p.last && el-p.at < 30*time.Second {
		return
	}
	if key != p.last {
		p.at = el
	} else {
		p.at = el
	}
	p.last = key
	p.out.notice("%s %s: %s (%s)", phase, st.ID, st.Status, el.Round(100*time.Millisecond))
}

// exitFor maps a backup error to an exit code.
func exitFor(ctx context.Context, err error) int {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	return exitError
}

const backupStopNote = "stopping: cancelling what runs and putting tenant statuses back"
