package migrate

import (
	"context"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// Adaptive write batches. Unless --batch-size fixes it, the writers cut
// each page into write requests of an adaptive number of points: halved
// when a write had to be retried (the target was rate limited or
// unavailable: ResourceExhausted, HTTP 429, 503), was refused as too
// large, or took more than half the request timeout; doubled, up to the
// read page size, after a few writes in a row that took under a tenth of
// it. A page is acknowledged once all its requests are written, so the
// watermarks move exactly as with pages written whole.
//
// A retry is seen through the run's retry counter, which reads share: a
// retried read also halves the writes, which costs a little speed until
// they grow back.

// growAfter is how many quick writes in a row let the batch grow.
const growAfter = 3

// batchSizer holds the current write batch size, shared by the writers.
type batchSizer struct {
	mu      sync.Mutex
	size    int
	max     int // the read page size; 0 until first used
	quick   int // quick writes in a row
	timeout time.Duration
}

// writeSize is how many points one write request takes now; the page
// size with a fixed --batch-size.
func (c *copier) writeSize() int {
	if c.opts.FixedBatch {
		return c.opts.BatchSize
	}
	z := &c.batches
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.max == 0 {
		z.max, z.size, z.timeout = c.opts.BatchSize, c.opts.BatchSize, c.opts.RequestTimeout
	}
	return z.size
}

// timedWrite writes b in one request and adapts the batch size to how it
// went.
func (c *copier) timedWrite(ctx context.Context, part string, b batch) error {
	if c.opts.FixedBatch {
		return c.writeOnce(ctx, part, b)
	}
	retries := c.retries()
	start := time.Now()
	err := c.writeOnce(ctx, part, b)
	took := time.Since(start)
	retried := c.retries() > retries
	_, tooLarge := adapters.AsTooLarge(err)
	if ctx.Err() == nil {
		c.adapt(b.len(), took, retried || tooLarge)
	}
	return err
}

// adapt halves the size after a slow, retried or too large write of n
// points, and doubles it after growAfter quick ones.
func (c *copier) adapt(n int, took time.Duration, strained bool) {
	z := &c.batches
	z.mu.Lock()
	defer z.mu.Unlock()
	slow := z.timeout > 0 && took > z.timeout/2
	quick := z.timeout <= 0 || took < z.timeout/10
	switch {
	case strained || slow:
		z.quick = 0
		if next := max(1, min(z.size, n)/2); next < z.size {
			z.size = next
			c.opts.logf("write batches shrink to %d points (a write of %d took %s, retried or refused as too large: %v)", next, n, took.Round(time.Millisecond), strained)
		}
	case quick && n >= z.size:
		if z.quick++; z.quick >= growAfter && z.size < z.max {
			z.size, z.quick = min(z.max, 2*z.size), 0
		}
	}
}

// retries is the run's retry count so far (0 without a policy).
func (c *copier) retries() int64 {
	if c.opts.Retry == nil {
		return 0
	}
	return c.opts.Retry.Retries()
}
