package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// backupMigrateFlags are the migrate flags of --method backup.
func backupMigrateFlags() []cli.Flag { return nil }

// runBackupMigrate migrates Weaviate classes through a backup and restore.
func runBackupMigrate(c *cli.Context, reg *adapters.Registry, out *output) error {
	return out.fail(withCode(exitError, fmt.Errorf("--method backup is not available yet; use --method live")))
}
