package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/snapshot"
	"github.com/vecmig/vecmig/verify"
)

// snapshotMigrateFlags are the migrate flags of --method snapshot. The
// --verify flag is shared with --method backup (method_backup.go).
func snapshotMigrateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "snapshot", Usage: "(--method snapshot) use this existing snapshot `NAME` of the source instead of creating one"},
		&cli.BoolFlag{Name: "keep-snapshot", Usage: "(--method snapshot) keep the snapshot vecmig creates on the source"},
		&cli.StringFlag{Name: "transfer", Value: "download", Usage: "(--method snapshot) download: through vecmig (streamed, checksum verified); direct: the target downloads from the source itself (they must reach each other)"},
		&cli.StringFlag{Name: "temp-dir", Usage: "(--method snapshot) `DIR` for the downloaded snapshot, which needs its size in free space (default: the system temp directory)"},
	}
}

// snapshotEndpoint parses a qdrant:// URL for the snapshot commands.
func qdrantEndpoint(raw, flag string) (*adapters.Endpoint, error) {
	ep, err := adapters.ParseEndpoint(raw)
	if err != nil {
		return nil, err
	}
	if ep.Scheme != "qdrant" {
		return nil, fmt.Errorf("%s %s: snapshots are a Qdrant feature; use qdrant://HOST:6334/COLLECTION (Weaviate: --method backup)", flag, ep)
	}
	return ep, nil
}

// runSnapshotMigrate migrates a Qdrant collection through a snapshot.
func runSnapshotMigrate(c *cli.Context, reg *adapters.Registry, out *output) error {
	fromEP, err := qdrantEndpoint(c.String("from"), "--from")
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	toEP, err := qdrantEndpoint(c.String("to"), "--to")
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	if fromEP.String() == toEP.String() {
		return out.fail(withCode(exitError, fmt.Errorf("--from and --to are both %s; a collection cannot be copied onto itself", fromEP)))
	}
	onExists := adapters.OnExists(c.String("on-exists"))
	switch onExists {
	case adapters.ExistsFail, adapters.ExistsAppend, adapters.ExistsRecreate:
	default:
		return out.fail(withCode(exitError, fmt.Errorf("--on-exists %q: use fail, append or recreate", onExists)))
	}
	var direct bool
	switch t := c.String("transfer"); t {
	case "download":
	case "direct":
		direct = true
	default:
		return out.fail(withCode(exitError, fmt.Errorf("--transfer %q: use download or direct", t)))
	}
	mode, err := copyVerifyMode(c)
	if err != nil {
		return out.fail(withCode(exitError, err))
	}
	warnPlainKey(out, fromEP, c.String("from-api-key"))
	warnPlainKey(out, toEP, c.String("to-api-key"))

	ctx, stop := signalContext(c.Context, out, "stopping: cancelling the transfer and removing its temporary files")
	defer stop()
	sopts := qdrant.SnapshotOptions{Attempts: c.Int("retries"), Notify: out.notice}
	srcCfg, dstCfg := config(c, "from-api-key"), config(c, "to-api-key")
	src, err := qdrant.OpenSnapshots(fromEP, srcCfg, sopts)
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("source: %w", err)))
	}
	defer src.Close()
	dst, err := qdrant.OpenSnapshots(toEP, dstCfg, sopts)
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("target: %w", err)))
	}
	defer dst.Close()

	res, err := snapshot.Migrate(ctx, snapshot.Side{Server: src, Collection: fromEP.Name}, snapshot.Side{Server: dst, Collection: toEP.Name}, snapshot.Options{
		Snapshot:     c.String("snapshot"),
		KeepSnapshot: c.Bool("keep-snapshot"),
		Direct:       direct,
		SourceKey:    srcCfg.APIKey,
		OnExists:     onExists,
		TempDir:      c.String("temp-dir"),
		DryRun:       c.Bool("dry-run"),
		Logf:         out.notice,
	})
	if err != nil {
		if ctx.Err() != nil {
			return out.fail(withCode(exitInterrupted, fmt.Errorf("interrupted: %w; nothing to resume, run the same command again (temporary files and the snapshot vecmig made were removed)", err)))
		}
		return out.fail(withCode(exitError, err))
	}
	if res.DryRun {
		if out.json {
			json.NewEncoder(out.stdout).Encode(map[string]any{"snapshot": res})
		} else if !out.quiet {
			fmt.Fprintf(out.stdout, "dry run: %s -> %s by snapshot is possible (Qdrant %s -> %s)", res.Source, res.Target, res.SourceVersion, res.TargetVersion)
			if res.Replaced {
				fmt.Fprintf(out.stdout, "; the target collection would be replaced")
			}
			fmt.Fprintln(out.stdout)
		}
		return nil
	}
	if !out.json && !out.quiet {
		secs := res.Duration.Seconds()
		fmt.Fprintf(out.stdout, "migrated %s -> %s by snapshot %s (%s)\n", res.Source, res.Target, res.Snapshot.Name, res.Transfer)
		fmt.Fprintf(out.stdout, "  %d bytes in %s (%.1f MB/s)", res.Bytes, res.Duration.Round(time.Millisecond), float64(res.Bytes)/1e6/max(secs, 1e-9))
		if res.Resumed+res.Restarted > 0 {
			fmt.Fprintf(out.stdout, ", download resumed %d and restarted %d times", res.Resumed, res.Restarted)
		}
		fmt.Fprintln(out.stdout)
	}

	// Verify through the live adapters.
	vsrc, err := reg.OpenSource(ctx, c.String("from"), srcCfg)
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("the snapshot was recovered, but verification could not start: source: %w", err)))
	}
	defer vsrc.Close()
	vdst, err := reg.OpenSource(ctx, c.String("to"), dstCfg)
	if err != nil {
		return out.fail(withCode(exitError, fmt.Errorf("the snapshot was recovered, but verification could not start: target: %w", err)))
	}
	defer vdst.Close()
	rep, err := verify.Run(ctx, vsrc, vdst, verify.Options{Mode: mode, Logf: out.notice})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return out.fail(withCode(exitInterrupted, fmt.Errorf("the snapshot was recovered; verification was interrupted: %w; run 'vecmig verify --from %s --to %s'", err, c.String("from"), c.String("to"))))
		}
		return out.fail(withCode(exitError, fmt.Errorf("the snapshot was recovered, but verification failed: %w", err)))
	}
	if out.json {
		json.NewEncoder(out.stdout).Encode(map[string]any{"snapshot": res, "verify": rep})
	} else if !out.quiet {
		rep.WriteText(out.stdout)
	}
	if !rep.Equal() {
		return out.fail(withCode(exitDiffer, fmt.Errorf("%w: the target differs from the source after the snapshot copy (details above)", errReported)))
	}
	return nil
}
