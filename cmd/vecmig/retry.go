package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// retryTimeoutUsage documents the rule of adapters.RetryPolicy exactly.
const retryTimeoutUsage = "stop retrying a request once its transient errors have lasted `D` since its first failure; " +
	"a request is tried again only while it has had fewer than --retries tries AND less than --retry-timeout has passed (0: no time limit); " +
	"it binds live reads and writes, verification, and the requests of snapshot and backup transfers alike"

// retryTimeoutFlag sits next to --retries in every command that retries
// requests: migrate, verify, baseline, snapshot and backup.
func retryTimeoutFlag() cli.Flag {
	return &cli.DurationFlag{Name: "retry-timeout", Value: adapters.DefaultRetry().Timeout, Usage: retryTimeoutUsage}
}

// retryPolicy is a command's one retry policy, from --retries and
// --retry-timeout: live reads and writes, verification, snapshot transfers
// and backup polling all retry by it, and each retry is a notice.
func retryPolicy(c *cli.Context, out *output) *adapters.RetryPolicy {
	p := adapters.DefaultRetry()
	p.Attempts = max(c.Int("retries"), 1)
	p.Timeout = max(c.Duration("retry-timeout"), 0)
	p.Hint = fmt.Sprintf("the server was unavailable or overloaded that long; if its outages last longer, "+
		"raise --retry-timeout (now %s) and --retries (now %d)", p.Timeout, p.Attempts)
	p.OnRetry = func(op string, attempt int, wait time.Duration, err error) {
		out.notice("retrying %s in %s (attempt %d of %d): %v", op, wait.Round(time.Millisecond), attempt+1, p.Attempts, err)
	}
	return p
}
