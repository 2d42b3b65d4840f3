package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// retryPolicy is a command's one retry policy, from --retries: live reads
// and writes, verification, snapshot transfers and backup polling all
// retry by it, and each retry is a notice.
func retryPolicy(c *cli.Context, out *output) *adapters.RetryPolicy {
	p := adapters.DefaultRetry()
	p.Attempts = max(c.Int("retries"), 1)
	p.OnRetry = func(op string, attempt int, wait time.Duration, err error) {
		out.notice("retrying %s in %s (attempt %d of %d): %v", op, wait.Round(time.Millisecond), attempt+1, p.Attempts, err)
	}
	return p
}
