package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

func snapshotCommand(reg *adapters.Registry) *cli.Command {
	common := func(extra ...cli.Flag) []cli.Flag {
		return append([]cli.Flag{
			&cli.BoolFlag{Name: "full", Usage: "full-storage snapshots (every collection and the aliases); the URL needs no collection"},
			&cli.StringFlag{Name: "api-key", EnvVars: []string{"VECMIG_API_KEY"}, Usage: "API key of the server (prefer the environment variable: flags show in the process list)"},
			&cli.IntFlag{Name: "retries", Value: 8, Usage: "tries per request on 429/502/503/504 and broken connections"},
			retryTimeoutFlag(),
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors"},
		}, append(tlsFlags(), extra...)...)
	}
	return &cli.Command{
		Name:  "snapshot",
		Usage: "create, list, download, recover, delete, prune and check Qdrant snapshots",
		Description: "URL is qdrant://HOST:6334/COLLECTION (add ?rest_port=6333&tls=true as needed),\n" +
			"or qdrant://HOST:6334 with --full for full-storage snapshots.",
		Subcommands: []*cli.Command{
			{Name: "create", Usage: "create a snapshot and print it", ArgsUsage: "URL", Flags: common(),
				Action: snapshotAction(1, runSnapshotCreate)},
			{Name: "list", Usage: "list snapshots, newest first (name, time, size, checksum)", ArgsUsage: "URL", Flags: common(),
				Action: snapshotAction(1, runSnapshotList)},
			{Name: "download", Usage: "download a snapshot to a file, checking its SHA-256", ArgsUsage: "URL NAME", Flags: common(
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "`PATH` to write (default: NAME in the current directory)"}),
				Action: snapshotAction(2, runSnapshotDownload)},
			{Name: "recover", Aliases: []string{"upload"}, Usage: "recover a collection from a snapshot file (uploaded) or URL (read by the server); with --full, every collection of a full snapshot file and its aliases",
				ArgsUsage: "URL FILE|http(s)://...|file://...", Flags: common(
					&cli.StringFlag{Name: "checksum", Usage: "expected SHA-256 `HEX` of the snapshot (computed for a local file)"},
					&cli.StringFlag{Name: "location-api-key", EnvVars: []string{"VECMIG_FROM_API_KEY"}, Usage: "API key the server sends when it downloads from an http(s) location"},
					&cli.StringFlag{Name: "on-exists", Value: "fail", Usage: "if a collection exists: fail, or recreate (delete it and recover the snapshot in its place; aliases that pointed at it are kept)"},
					&cli.StringFlag{Name: "temp-dir", Usage: "`DIR` to unpack a full snapshot in"}),
				Action: snapshotAction(2, runSnapshotRecover)},
			{Name: "delete", Usage: "delete a snapshot", ArgsUsage: "URL NAME", Flags: common(),
				Action: snapshotAction(2, runSnapshotDelete)},
			{Name: "prune", Usage: "delete all but the newest N snapshots", ArgsUsage: "URL", Flags: common(
				required(&cli.IntFlag{Name: "keep", Usage: "how many of the newest snapshots to keep: `N`, at least 1"}),
				&cli.BoolFlag{Name: "dry-run", Usage: "print what would be deleted; delete nothing"}),
				Action: snapshotAction(1, runSnapshotPrune)},
			{Name: "check", Usage: "exit 1 and say why when the newest snapshot is older than --max-age or there is none (for cron and monitoring)", ArgsUsage: "URL", Flags: common(
				&cli.DurationFlag{Name: "max-age", Value: 24 * time.Hour, Usage: "oldest acceptable age of the newest snapshot"}),
				Action: snapshotAction(1, runSnapshotCheck)},
		},
	}
}

// snapshotCmd is what every snapshot subcommand works with.
type snapshotCmd struct {
	c      *cli.Context
	out    *output
	srv    *qdrant.Snapshots
	ep     *adapters.Endpoint
	coll   string // "" with --full
	args   []string
	ctx    context.Context
	apiKey adapters.Secret
}

func snapshotAction(nargs int, run func(*snapshotCmd) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		out := newOutput(c)
		if c.NArg() != nargs {
			return out.fail(withCode(exitError, fmt.Errorf("vecmig snapshot %s takes %d argument(s): %s", c.Command.Name, nargs, c.Command.ArgsUsage)))
		}
		ep, err := snapshotEndpoint(c.Args().First(), c.Bool("full"))
		if err != nil {
			return out.fail(withCode(exitError, err))
		}
		key := c.String("api-key")
		warnPlainKey(out, ep, key)
		cfg := adapters.Config{APIKey: adapters.NewSecret(key), TLS: tlsOptions(c)}
		srv, err := qdrant.OpenSnapshots(ep, cfg, qdrant.SnapshotOptions{Retry: retryPolicy(c, out)})
		if err != nil {
			return out.fail(withCode(exitError, err))
		}
		defer srv.Close()
		ctx, stop := signalContext(c.Context, out, "stopping")
		defer stop()
		sc := &snapshotCmd{c: c, out: out, srv: srv, ep: ep, args: c.Args().Slice(), ctx: ctx, apiKey: cfg.APIKey}
		if !c.Bool("full") {
			sc.coll = ep.Name
		}
		err = run(sc)
		if err != nil && ctx.Err() != nil {
			return out.fail(withCode(exitInterrupted, err))
		}
		var ce *codeError
		if err != nil && !asCode(err, &ce) {
			err = withCode(exitError, err)
		}
		return out.fail(err)
	}
}

func asCode(err error, ce **codeError) bool {
	e, ok := err.(*codeError)
	if ok {
		*ce = e
	}
	return ok
}

// snapshotEndpoint parses qdrant://HOST[:PORT][/COLLECTION][?query]; the
// collection is required unless full.
func snapshotEndpoint(raw string, full bool) (*adapters.Endpoint, error) {
	ep, err := adapters.ParseServer(raw)
	if err != nil {
		return nil, err
	}
	if ep.Name == "" && !full {
		return nil, fmt.Errorf("%s names no collection; use qdrant://HOST:6334/COLLECTION (for full-storage snapshots add --full and leave the collection out)", ep)
	}
	return qdrantOnly(ep)
}

func qdrantOnly(ep *adapters.Endpoint) (*adapters.Endpoint, error) {
	if ep.Scheme != "qdrant" {
		return nil, fmt.Errorf("%s://%s: snapshots are a Qdrant feature; use qdrant://HOST:6334/COLLECTION (for Weaviate see 'vecmig backup')", ep.Scheme, ep.Host)
	}
	return ep, nil
}

func (s *snapshotCmd) where() string { return s.srv.Prefix(s.coll) }

func (s *snapshotCmd) printJSON(v any) {
	enc := json.NewEncoder(s.out.stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *snapshotCmd) human() bool { return !s.out.json && !s.out.quiet }

func runSnapshotCreate(s *snapshotCmd) error {
	info, err := s.srv.Create(s.ctx, s.coll)
	if err != nil {
		return err
	}
	if s.out.json {
		s.printJSON(info)
	} else if s.human() {
		fmt.Fprintf(s.out.stdout, "created %s on %s: %s, %d bytes, sha256 %s\n", info.Name, s.where(), info.CreationTime.Format(time.RFC3339), info.Size, orDash(info.Checksum))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (s *snapshotCmd) printList(list []qdrant.SnapshotInfo) {
	tw := tabwriter.NewWriter(s.out.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED (UTC)\tSIZE\tSHA256")
	for _, i := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", i.Name, i.CreationTime.Format("2006-01-02 15:04:05"), i.Size, orDash(i.Checksum))
	}
	tw.Flush()
}

func runSnapshotList(s *snapshotCmd) error {
	list, err := s.srv.List(s.ctx, s.coll)
	if err != nil {
		return err
	}
	if s.out.json {
		s.printJSON(list)
	} else if !s.out.quiet {
		s.printList(list)
	}
	return nil
}

func runSnapshotDownload(s *snapshotCmd) error {
	name := s.args[1]
	info, err := s.srv.Find(s.ctx, s.coll, name)
	if err != nil {
		return err
	}
	dst := s.c.String("output")
	if dst == "" {
		dst = name
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s exists; remove it or choose another path with --output", dst)
	}
	part := dst + ".part"
	os.Remove(part)
	d, err := s.srv.Download(s.ctx, s.coll, name, part, info.Checksum, nil)
	if err != nil {
		return err
	}
	if err := os.Rename(part, dst); err != nil {
		os.Remove(part)
		return err
	}
	if s.out.json {
		s.printJSON(map[string]any{"path": dst, "name": name, "size": d.Size, "sha256": d.SHA256, "resumed": d.Resumed, "restarted": d.Restart})
	} else if s.human() {
		fmt.Fprintf(s.out.stdout, "downloaded %s to %s: %d bytes, sha256 %s (verified)\n", name, dst, d.Size, d.SHA256)
	}
	return nil
}

func runSnapshotRecover(s *snapshotCmd) error {
	from := s.args[1]
	onExists := adapters.OnExists(s.c.String("on-exists"))
	if onExists != adapters.ExistsFail && onExists != adapters.ExistsRecreate {
		return fmt.Errorf("--on-exists %q: use fail or recreate (recovering a snapshot replaces every point)", onExists)
	}
	if s.c.Bool("full") {
		if qdrant.IsSnapshotURL(from) {
			return fmt.Errorf("recover --full needs a local full snapshot file; download it first with 'vecmig snapshot download --full'")
		}
		res, err := qdrant.RecoverFullSnapshot(s.ctx, s.srv, from, s.c.String("temp-dir"), onExists, s.out.notice)
		if err != nil {
			return err
		}
		if s.out.json {
			s.printJSON(res)
		} else if s.human() {
			fmt.Fprintf(s.out.stdout, "recovered %d collection(s) on %s from %s: %s\n", len(res.Collections), s.where(), from, strings.Join(res.Collections, ", "))
			for a, c := range res.Aliases {
				fmt.Fprintf(s.out.stdout, "  alias %s -> %s\n", a, c)
			}
		}
		return nil
	}
	r := qdrant.SnapshotRecovery{Checksum: s.c.String("checksum"), Replace: onExists == adapters.ExistsRecreate, Logf: s.out.notice}
	if qdrant.IsSnapshotURL(from) {
		r.URL, r.URLKey = from, adapters.NewSecret(s.c.String("location-api-key"))
	} else {
		if _, err := os.Stat(from); err != nil {
			return fmt.Errorf("snapshot file %s: %w", from, err)
		}
		r.File = from
	}
	if err := qdrant.RecoverSnapshot(s.ctx, qdrant.SnapshotSide{Server: s.srv, Collection: s.coll}, r); err != nil {
		return err
	}
	if s.out.json {
		s.printJSON(map[string]any{"recovered": s.coll, "from": from})
	} else if s.human() {
		fmt.Fprintf(s.out.stdout, "recovered %s from %s\n", s.where(), filepath.Clean(from))
	}
	return nil
}

func runSnapshotDelete(s *snapshotCmd) error {
	if err := s.srv.Delete(s.ctx, s.coll, s.args[1]); err != nil {
		return err
	}
	if s.human() {
		fmt.Fprintf(s.out.stdout, "deleted %s on %s\n", s.args[1], s.where())
	} else if s.out.json {
		s.printJSON(map[string]any{"deleted": s.args[1]})
	}
	return nil
}

func runSnapshotPrune(s *snapshotCmd) error {
	keep := s.c.Int("keep")
	if keep < 1 {
		return fmt.Errorf("--keep %d: keep at least 1 snapshot (delete them one by one with 'vecmig snapshot delete' if you mean it)", keep)
	}
	list, err := s.srv.List(s.ctx, s.coll)
	if err != nil {
		return err
	}
	kept, remove := qdrant.PruneSnapshots(list, keep)
	dry := s.c.Bool("dry-run")
	var deleted []string
	for _, r := range remove {
		if !dry {
			if err := s.srv.Delete(s.ctx, s.coll, r.Name); err != nil {
				return fmt.Errorf("%w (deleted before this: %s)", err, strings.Join(deleted, ", "))
			}
		}
		deleted = append(deleted, r.Name)
	}
	if s.out.json {
		names := make([]string, 0, len(kept))
		for _, k := range kept {
			names = append(names, k.Name)
		}
		s.printJSON(map[string]any{"kept": names, "deleted": deleted, "dry_run": dry})
	} else if s.human() {
		verb := "deleted"
		if dry {
			verb = "would delete"
		}
		for _, d := range deleted {
			fmt.Fprintf(s.out.stdout, "%s %s\n", verb, d)
		}
		fmt.Fprintf(s.out.stdout, "%s: kept %d, %s %d\n", s.where(), len(kept), verb, len(deleted))
	}
	return nil
}

func runSnapshotCheck(s *snapshotCmd) error {
	list, err := s.srv.List(s.ctx, s.coll)
	if err != nil {
		return err
	}
	maxAge := s.c.Duration("max-age")
	newest, err := qdrant.CheckSnapshotAge(s.where(), list, maxAge, time.Now())
	if s.out.json {
		v := map[string]any{"ok": err == nil, "max_age": maxAge.String(), "newest": newest}
		if err != nil {
			v["reason"] = err.Error()
		}
		s.printJSON(v)
	}
	if err != nil {
		// 1: the check ran and failed, like a Nagios warning; 2 is "could not check".
		if s.out.json {
			return withCode(exitDiffer, fmt.Errorf("%w: %v", errReported, err))
		}
		return withCode(exitDiffer, err)
	}
	if s.human() {
		fmt.Fprintf(s.out.stdout, "ok: the newest snapshot of %s is %s, made %s ago\n", s.where(), newest.Name, time.Since(newest.CreationTime).Round(time.Second))
	}
	return nil
}
