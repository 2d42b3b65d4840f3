package main

import "github.com/urfave/cli/v2"

// The flags of the snapshot and backup methods of vecmig migrate; migrate
// runs both through the source adapter's adapters.ServerCopier.

// snapshotMigrateFlags are the migrate flags of --method snapshot, which
// migrate runs through the source's adapters.ServerCopier (Qdrant's).
func snapshotMigrateFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "snapshot", Usage: "(--method snapshot) use this existing snapshot `NAME` of the source instead of creating one"},
		&cli.BoolFlag{Name: "keep-snapshot", Usage: "(--method snapshot) keep the snapshot vecmig creates on the source"},
		&cli.StringFlag{Name: "transfer", Value: "download", Usage: "(--method snapshot) download: through vecmig (streamed, checksum verified); direct: the target downloads from the source itself (they must reach each other)"},
		&cli.StringFlag{Name: "temp-dir", Usage: "(--method snapshot) `DIR` for the downloaded snapshot, which needs its size in free space (default: the system temp directory)"},
	}
}

// backupMigrateFlags are the migrate flags of --method backup, which
// migrate runs through the source's adapters.ServerCopier (Weaviate's). A
// flag that --method snapshot already defines (same name) is left to it
// and shared.
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

// workersFlag is --workers, whose default comes from the target.
func workersFlag() cli.Flag {
	return &cli.IntFlag{Name: "workers", DefaultText: "from the target, else 4", Usage: "concurrent writers (a Qdrant target suggests one per shard on each node, at least 2; a Weaviate target 4 per node holding the class; the plan says which number is used and why)"}
}

// workers is --workers when given, else 0: the target's suggestion.
func workers(c *cli.Context) int {
	if !c.IsSet("workers") {
		return 0
	}
	return c.Int("workers")
}

// bulkLoadFlags are the flags of writing a whole copy as one bulk load.
func bulkLoadFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "defer-indexing", Usage: "(--method live, Qdrant target created by vecmig) create the collection with HNSW indexing deferred (m 0), build the index after the last write and wait until the collection is green; a note says when it does not apply"},
	}
}
