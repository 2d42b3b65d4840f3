package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/weaviate"
)

// backupFlags are the flags of every backup subcommand, then extra.
func backupFlags(extra ...cli.Flag) []cli.Flag {
	fs := []cli.Flag{
		required(&cli.StringFlag{Name: "backend", Usage: "backup backend: filesystem, s3, gcs or azure (the server needs module backup-<name>)"}),
		&cli.StringFlag{Name: "api-key", EnvVars: []string{"VECMIG_API_KEY"}, Usage: "API key of the server (prefer the environment variable: flags show in the process list)"},
		&cli.IntFlag{Name: "retries", Value: 8, Usage: "tries per request on transient errors (429, 502, 503, 504, connection errors)"},
		retryTimeoutFlag(),
		&cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "timeout of one request"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
		&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"},
	}
	return concatFlags(fs, tlsFlags(), extra)
}

// backupCommand is `vecmig backup`: Weaviate backups, one command each.
func backupCommand(reg *adapters.Registry) *cli.Command {
	common := backupFlags
	loc := []cli.Flag{
		&cli.StringFlag{Name: "bucket", Usage: "bucket (container) of the backend, if not the server's default; pass it again on status, restore and cancel"},
		&cli.StringFlag{Name: "path", Usage: "path inside the backend, if not the server's default; pass it again on status, restore and cancel"},
	}
	wait := &cli.BoolFlag{Name: "wait", Usage: "poll until the backup or restore ends; exit 2 if it ends FAILED or CANCELED"}
	classes := []cli.Flag{
		&cli.StringSliceFlag{Name: "include", Usage: "only these `CLASSES` (comma-separated)"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "all classes but these `CLASSES`"},
	}
	cpu := &cli.IntFlag{Name: "cpu-percentage", Usage: "share of CPU the server may use (1-80; 0: server default)"}
	return &cli.Command{
		Name:  "backup",
		Usage: "create, follow, list, restore and cancel Weaviate backups",
		Subcommands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "start a backup (of the URL's class, --include or --exclude classes, or everything)",
				ArgsUsage: "weaviate://HOST:8080[/Class]",
				Flags: common(append(append(loc, classes...), wait, cpu,
					&cli.StringFlag{Name: "id", Usage: "backup `ID` (lowercase letters, digits, _ and -; ids are never reusable; default generated)"},
					&cli.StringFlag{Name: "compression", Usage: "DefaultCompression, BestSpeed or BestCompression"})...),
				Action: func(c *cli.Context) error { return runBackupCreate(c) },
			},
			{
				Name:      "status",
				Usage:     "show a backup's status (or its restore's, with --restore)",
				ArgsUsage: "weaviate://HOST:8080 ID",
				Flags:     common(append(loc, wait, &cli.BoolFlag{Name: "restore", Usage: "the status of the restore of this backup on the server"})...),
				Action:    func(c *cli.Context) error { return runBackupStatus(c) },
			},
			{
				Name:      "list",
				Usage:     "list the backups in the backend's default bucket and path, newest first (Weaviate cannot list another --bucket or --path)",
				ArgsUsage: "weaviate://HOST:8080",
				Flags:     common(),
				Action:    func(c *cli.Context) error { return runBackupList(c) },
			},
			{
				Name:      "restore",
				Usage:     "restore a backup onto the server (its classes must not exist there)",
				ArgsUsage: "weaviate://HOST:8080[/Class] ID",
				Flags:     common(append(append(loc, classes...), wait, cpu)...),
				Action:    func(c *cli.Context) error { return runBackupRestore(c) },
			},
			{
				Name:      "cancel",
				Usage:     "cancel a running backup",
				ArgsUsage: "weaviate://HOST:8080 ID",
				Flags:     common(loc...),
				Action:    func(c *cli.Context) error { return runBackupCancel(c) },
			},
		},
	}
}

// backupArgs opens the client for the first argument and returns the
// class of the URL and the ID argument (when wantID).
func backupArgs(c *cli.Context, wantID bool) (*weaviate.BackupClient, string, string, error) {
	n := 1
	usage := "weaviate://HOST:8080"
	if wantID {
		n, usage = 2, usage+" ID"
	}
	if c.NArg() != n {
		return nil, "", "", fmt.Errorf("vecmig backup %s takes %s (got %d arguments; flags go before them)", c.Command.Name, usage, c.NArg())
	}
	if err := weaviate.ValidBackend(c.String("backend")); err != nil {
		return nil, "", "", err
	}
	out := newOutput(c)
	b, class, err := weaviate.NewBackupClient(c.Args().Get(0), weaviate.BackupOptions{
		APIKey: adapters.NewSecret(c.String("api-key")), Timeout: c.Duration("timeout"), Retry: retryPolicy(c, out), TLS: tlsOptions(c),
	})
	if err != nil {
		return nil, "", "", err
	}
	id := ""
	if wantID {
		id = c.Args().Get(1)
		if err := weaviate.ValidBackupID(id); err != nil {
			return nil, "", "", err
		}
	}
	return b, class, id, nil
}

func location(c *cli.Context) weaviate.Location {
	return weaviate.Location{Bucket: c.String("bucket"), Path: c.String("path")}
}

// printStatus prints one status for people or as JSON.
func printStatus(out *output, st *weaviate.BackupStatus) {
	if out.quiet {
		return
	}
	if out.json {
		json.NewEncoder(out.stdout).Encode(st)
		return
	}
	fmt.Fprintf(out.stdout, "%s\t%s", st.ID, st.Status)
	if len(st.Classes) > 0 {
		fmt.Fprintf(out.stdout, "\tclasses %s", strings.Join(st.Classes, ","))
	}
	if st.Path != "" {
		fmt.Fprintf(out.stdout, "\t%s", st.Path)
	}
	if st.Error != "" {
		fmt.Fprintf(out.stdout, "\terror: %s", st.Error)
	}
	fmt.Fprintln(out.stdout)
}

func backupWait(ctx context.Context, out *output, phase string, wait func(context.Context, weaviate.WaitOptions) (*weaviate.BackupStatus, error)) error {
	pp := newPollPrinter(out)
	st, err := wait(ctx, weaviate.WaitOptions{OnStatus: func(st *weaviate.BackupStatus, el time.Duration) { pp.print(phase, st, el) }})
	if st != nil {
		printStatus(out, st)
	}
	if err != nil {
		return out.fail(withCode(exitFor(ctx, err), err))
	}
	return nil
}

func runBackupCreate(c *cli.Context) error {
	out := newOutput(c)
	b, class, _, err := backupArgs(c, false)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	ctx, cancel := signalContext(c.Context, out, backupStopNote)
	defer cancel()
	backend := c.String("backend")
	include, exclude, id, err := createRequest(ctx, c, b, class)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	putBack, err := activateForCreate(ctx, c, out, b, include)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	defer putBack()
	st, err := b.Create(ctx, backend, weaviate.BackupRequest{ID: id, Include: include, Exclude: exclude, Location: location(c),
		CPUPercentage: c.Int("cpu-percentage"), CompressionLevel: c.String("compression")})
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if !c.Bool("wait") {
		printStatus(out, st)
		out.notice("follow it with: vecmig backup status %s %s --backend %s%s --wait", b.URL(), id, backend, locFlags(c))
		return nil
	}
	err = backupWait(ctx, out, "backup", func(ctx context.Context, wo weaviate.WaitOptions) (*weaviate.BackupStatus, error) {
		return b.WaitBackup(ctx, backend, id, location(c), wo)
	})
	if err != nil && ctx.Err() != nil {
		cctx, cc := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if cerr := b.Cancel(cctx, backend, id, location(c)); cerr == nil {
			out.notice("cancelled backup %s", id)
		}
		cc()
	}
	return err
}

// createRequest resolves the classes of a backup (the URL's class and
// --include, or all but --exclude, always sent as include) and its id.
func createRequest(ctx context.Context, c *cli.Context, b *weaviate.BackupClient, class string) (include, exclude []string, id string, err error) {
	include, exclude = splitList(c.StringSlice("include")), splitList(c.StringSlice("exclude"))
	if class != "" || len(exclude) > 0 {
		if include, err = weaviate.ResolveClasses(ctx, b, class, include, exclude); err != nil {
			return nil, nil, "", err
		}
		exclude = nil
	}
	if id = c.String("id"); id == "" {
		hint := ""
		if len(include) == 1 {
			hint = include[0]
		}
		id = weaviate.NewBackupID(hint)
	}
	return include, exclude, id, nil
}

// activateForCreate deals with inactive tenants, whose data a backup
// silently leaves out: with --wait they are activated meanwhile, and the
// returned function puts them back; without, the user is warned.
func activateForCreate(ctx context.Context, c *cli.Context, out *output, b *weaviate.BackupClient, include []string) (func(), error) {
	classes := include
	var err error
	if len(classes) == 0 {
		if classes, err = b.ClassNames(ctx); err != nil {
			return nil, err
		}
	}
	inactive, err := b.InactiveTenants(ctx, classes)
	if err != nil || len(inactive) == 0 {
		return func() {}, err
	}
	if !c.Bool("wait") {
		for _, cl := range classes {
			if ts := inactive[cl]; len(ts) > 0 {
				out.notice("warning: class %s has %d inactive tenants; a backup leaves their data out. Use --wait, and vecmig activates them for the backup and puts them back", cl, len(ts))
			}
		}
		return func() {}, nil
	}
	putBack, err := b.ActivateTenants(ctx, inactive, out.notice)
	if err != nil {
		return nil, err
	}
	return func() {
		if err := putBack(ctx); err != nil {
			out.notice("warning: %v", err)
		}
	}, nil
}

func locFlags(c *cli.Context) string {
	s := ""
	if v := c.String("bucket"); v != "" {
		s += " --bucket " + shellQuote(v)
	}
	if v := c.String("path"); v != "" {
		s += " --path " + shellQuote(v)
	}
	return s
}

func runBackupStatus(c *cli.Context) error {
	out := newOutput(c)
	b, _, id, err := backupArgs(c, true)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	ctx, cancel := signalContext(c.Context, out, backupStopNote)
	defer cancel()
	backend := c.String("backend")
	phase, get := "backup", b.Status
	if c.Bool("restore") {
		phase, get = "restore", b.RestoreStatus
	}
	if c.Bool("wait") {
		return backupWait(ctx, out, phase, func(ctx context.Context, wo weaviate.WaitOptions) (*weaviate.BackupStatus, error) {
			return b.Wait(ctx, phase, id, func(ctx context.Context) (*weaviate.BackupStatus, error) { return get(ctx, backend, id, location(c)) }, wo)
		})
	}
	st, err := get(ctx, backend, id, location(c))
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	printStatus(out, st)
	return nil
}

func runBackupList(c *cli.Context) error {
	out := newOutput(c)
	b, _, _, err := backupArgs(c, false)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	list, err := b.List(c.Context, c.String("backend"))
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	switch {
	case out.json:
		if list == nil {
			list = []weaviate.BackupStatus{}
		}
		json.NewEncoder(out.stdout).Encode(list)
	case !out.quiet:
		fmt.Fprintf(out.stdout, "%-44s %-12s %-24s %-24s %s\n", "ID", "STATUS", "STARTED", "COMPLETED", "CLASSES")
		for _, s := range list {
			fmt.Fprintf(out.stdout, "%-44s %-12s %-24s %-24s %s\n", s.ID, s.Status, s.StartedAt, s.CompletedAt, strings.Join(s.Classes, ","))
		}
	}
	return nil
}

func runBackupRestore(c *cli.Context) error {
	out := newOutput(c)
	b, class, id, err := backupArgs(c, true)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	ctx, cancel := signalContext(c.Context, out, backupStopNote)
	defer cancel()
	backend := c.String("backend")
	include, exclude := splitList(c.StringSlice("include")), splitList(c.StringSlice("exclude"))
	if class != "" {
		include = append(include, class)
	}
	if len(include) > 0 && len(exclude) > 0 {
		return out.fail(withCode(exitError, fmt.Errorf("give --include or --exclude, not both")))
	}
	// The server fails a restore only at the end when a class exists:
	// check the backup's classes first.
	st, err := b.Status(ctx, backend, id, location(c))
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if st.Status != weaviate.BackupSuccess {
		return out.fail(withCode(exitError, fmt.Errorf("%s: backup %q is %s, not SUCCESS; only a finished backup can be restored", b.Where(), id, st.Status)))
	}
	exists, err := existingClasses(ctx, b, backend, id, st.Classes, include, exclude)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if len(exists) > 0 {
		return out.fail(withCode(exitError, adapters.Errorf(adapters.KindExists, "%s: class %s already exists on this server; the restore would fail at its end. Delete it first, or leave it out with --exclude %s", b.Where(), strings.Join(exists, ", "), strings.Join(exists, ","))))
	}
	rs, err := b.Restore(ctx, backend, id, weaviate.RestoreRequest{Include: include, Exclude: exclude, Location: location(c), CPUPercentage: c.Int("cpu-percentage")})
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if !c.Bool("wait") {
		printStatus(out, rs)
		out.notice("follow it with: vecmig backup status %s %s --restore --backend %s%s --wait", b.URL(), id, backend, locFlags(c))
		return nil
	}
	return backupWait(ctx, out, "restore", func(ctx context.Context, wo weaviate.WaitOptions) (*weaviate.BackupStatus, error) {
		return b.WaitRestore(ctx, backend, id, location(c), wo)
	})
}

// existingClasses returns the classes a restore of backup id would create
// that exist on b's server already. classes are the backup's (from its
// status; listed when the status has none).
func existingClasses(ctx context.Context, b *weaviate.BackupClient, backend, id string, classes, include, exclude []string) ([]string, error) {
	want := classes
	if len(want) == 0 {
		if list, err := b.List(ctx, backend); err == nil {
			for _, s := range list {
				if s.ID == id {
					want = s.Classes
				}
			}
		}
	}
	if len(include) > 0 {
		want = include
	}
	ex := map[string]bool{}
	for _, e := range exclude {
		ex[e] = true
	}
	var exists []string
	for _, cl := range want {
		if ex[cl] {
			continue
		}
		ci, err := b.Class(ctx, cl)
		if err != nil {
			return nil, err
		}
		if ci != nil {
			exists = append(exists, cl)
		}
	}
	return exists, nil
}

func runBackupCancel(c *cli.Context) error {
	out := newOutput(c)
	b, _, id, err := backupArgs(c, true)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if err := b.Cancel(c.Context, c.String("backend"), id, location(c)); err != nil {
		if adapters.KindOf(err) == adapters.KindInvalid {
			err = fmt.Errorf("%w (a backup can be cancelled only while it runs)", err)
		}
		return out.fail(withCode(exitError, err))
	}
	switch {
	case out.json:
		json.NewEncoder(out.stdout).Encode(map[string]string{"id": id, "cancel": "requested"})
	case !out.quiet:
		fmt.Fprintf(out.stdout, "cancel of backup %s requested; it ends CANCELED unless it was about to finish (check with 'vecmig backup status %s %s --backend %s%s')\n", id, b.URL(), id, c.String("backend"), locFlags(c))
	}
	return nil
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
	p.last, p.at = key, el
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
