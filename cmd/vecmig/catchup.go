package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/migrate"
)

// catchUpFlags are the migrate flags of a catch-up pass (migrate.CatchUp).
func catchUpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "catch-up", Usage: "after a finished live copy of a source that kept taking writes: re-copy the points changed since it started and, when that copy created the target, delete on the target the points the source no longer holds (same --from, --to and --state as that copy; needs --changed-since-field)"},
		&cli.StringFlag{Name: "changed-since-field", Usage: "(--catch-up) source payload field or property `FIELD` holding each point's update time: a date (RFC 3339) or a number (Unix seconds)"},
		&cli.StringFlag{Name: "since", Usage: "(--catch-up) start from `TIME` (RFC 3339, e.g. 2026-05-01T10:00:00Z) instead of the start recorded in --state, which is then optional: for copies that kept no state of their own, such as the shares of --partition i/N (give the earliest start of them)"},
		&cli.BoolFlag{Name: "catch-up-delete", Usage: "(--catch-up) delete every target point the source lacks even when the first pass did not create the target (it used --on-exists append into an existing one, or there is no --state to tell): the target's own points are deleted too"},
		&cli.DurationFlag{Name: "catch-up-margin", Value: migrate.DefaultCatchUpMargin, Usage: "(--catch-up) also re-copy points stamped this long before the last pass started, for clock skew between writers and vecmig"},
	}
}

// readCatchUp checks the catch-up flags against each other and the method.
func readCatchUp(c *cli.Context, method string) (migrate.CatchUp, error) {
	cu := migrate.CatchUp{Field: c.String("changed-since-field"), Margin: c.Duration("catch-up-margin"), Delete: c.Bool("catch-up-delete")}
	switch {
	case !c.Bool("catch-up"):
		if cu.Field != "" || c.IsSet("catch-up-margin") || c.IsSet("since") || cu.Delete {
			return migrate.CatchUp{}, fmt.Errorf("--changed-since-field, --since, --catch-up-margin and --catch-up-delete belong to a catch-up pass: add --catch-up (after a finished live copy), or drop them")
		}
		return migrate.CatchUp{}, nil
	case cu.Field == "":
		return cu, fmt.Errorf("--catch-up needs --changed-since-field FIELD, the source field holding each point's update time")
	case method != migrate.MethodLive:
		return cu, fmt.Errorf("--catch-up follows a live copy; --method %s copies the source as of one moment already, so there is nothing to catch up: run --method %s again for a newer copy", method, method)
	case c.String("partition") != "":
		return cu, fmt.Errorf("--catch-up with --partition %s: a catch-up pass covers the whole collection and runs once, not per share; run it without --partition, with --since the earliest start of the shares' runs", c.String("partition"))
	case cu.Margin < 0:
		return cu, fmt.Errorf("--catch-up-margin %s: give a duration of 0 or more, e.g. 1m", cu.Margin)
	}
	if s := c.String("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return cu, fmt.Errorf("--since %q: give a time in RFC 3339, with its offset, e.g. 2026-05-01T10:00:00Z", s)
		}
		cu.Since = t.UTC()
	}
	return cu, nil
}

// catchUpStatePath is the state file of a catch-up with --since and no
// --state: none (the default one names no earlier run). autoState stays
// true, so that a repeated command names no --state either.
func catchUpStatePath(f *migrateFlags) {
	if f.autoState && !f.catchUp.Since.IsZero() {
		f.statePath = ""
	}
}

// catchUpArgs are the catch-up flags of a resume command.
func catchUpArgs(c *cli.Context) []string {
	if !c.Bool("catch-up") {
		return nil
	}
	args := []string{"--catch-up", "--changed-since-field " + shellQuote(c.String("changed-since-field"))}
	if c.IsSet("since") {
		args = append(args, "--since "+shellQuote(c.String("since")))
	}
	if c.Bool("catch-up-delete") {
		args = append(args, "--catch-up-delete")
	}
	if c.IsSet("catch-up-margin") {
		args = append(args, "--catch-up-margin "+c.Duration("catch-up-margin").String())
	}
	return args
}

// stateSaved is how a failed or stopped run's message names its state
// file; a catch-up with --since and no --state keeps none.
func stateSaved(f *migrateFlags) string {
	if f.statePath == "" {
		return "no state file is kept (--since without --state), and a catch-up records nothing until it ends"
	}
	return "the state is saved in " + f.statePath
}
