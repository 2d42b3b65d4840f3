package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// snapshotMigrateFlags are the migrate flags of --method snapshot.
func snapshotMigrateFlags() []cli.Flag { return nil }

// runSnapshotMigrate migrates a Qdrant collection through a snapshot.
func runSnapshotMigrate(c *cli.Context, reg *adapters.Registry, out *output) error {
	return out.fail(withCode(exitError, fmt.Errorf("--method snapshot is not available yet; use --method live")))
}
