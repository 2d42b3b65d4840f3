package migrate

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/vecmig/vecmig/adapters"
)

// A batch too large for one request is written in pieces: cut beforehand
// so that each piece's estimated size stays under the target's limit, and
// halved again whenever the server still refuses a piece as too large.
// The batch is acknowledged once every piece is written, so the
// watermarks move exactly as for a batch written whole.

// sizeBudget is the share of the target's limit a piece may fill by
// estimate: the estimate is rough, and the request has its own overhead.
const sizeBudget = 0.75

// sizeLimit is the target's request limit as the copier knows it: the
// adapter's default first, then the smallest limit a server reported.
type sizeLimit struct {
	once  sync.Once
	bytes atomic.Int64 // 0: no known limit
}

func (c *copier) requestLimit() int64 {
	c.sizes.once.Do(func() {
		if l, ok := adapters.As[adapters.RequestLimiter](c.dst); ok {
			c.sizes.bytes.Store(l.MaxRequestBytes())
		}
	})
	return c.sizes.bytes.Load()
}

// learn keeps a limit the server reported when it is smaller.
func (c *copier) learn(limit int64) {
	for {
		cur := c.sizes.bytes.Load()
		if limit <= 0 || (cur > 0 && cur <= limit) || c.sizes.bytes.CompareAndSwap(cur, limit) {
			return
		}
	}
}

// slice is points i to j-1 of b.
func (b batch) slice(i, j int) batch {
	if b.raw != nil {
		b.raw = b.raw.Slice(i, j)
	} else {
		b.points = b.points[i:j]
	}
	return b
}

// pointSize is point i's size in a request, exact for a raw batch that
// knows it, estimated otherwise.
func (b batch) pointSize(i int) int {
	if b.raw != nil {
		if s, ok := b.raw.(adapters.RawSizer); ok {
			return s.PointSize(i)
		}
		return 0
	}
	return adapters.EstimateSize(&b.points[i])
}

// writeSplit writes b in pieces of at most the adaptive write size
// (adaptive.go) whose estimated size fits the target's limit; a point
// alone over it is a piece of its own.
func (c *copier) writeSplit(ctx context.Context, part string, b batch) error {
	budget := int(float64(c.requestLimit()) * sizeBudget) // 0: none
	start, size := 0, 0
	for i := 0; i < b.len(); i++ {
		s := 0
		if budget > 0 {
			s = b.pointSize(i)
		}
		if i > start && (i-start >= c.writeSize() || (budget > 0 && size+s > budget)) {
			if err := c.writeHalving(ctx, part, b.slice(start, i)); err != nil {
				return err
			}
			start, size = i, 0
		}
		size += s
	}
	return c.writeHalving(ctx, part, b.slice(start, b.len()))
}

// writeHalving writes b; when the server refuses it as too large, it
// writes each half the same way. One point too large stops the run.
func (c *copier) writeHalving(ctx context.Context, part string, b batch) error {
	err := c.timedWrite(ctx, part, b)
	tl, ok := adapters.AsTooLarge(err)
	if !ok || ctx.Err() != nil {
		return err
	}
	c.learn(tl.Limit)
	n := b.len()
	if n == 1 {
		return c.pointTooLarge(part, b, tl, err)
	}
	c.opts.logf("%s refused a request of %d points as too large; writing it in halves", c.dst.Endpoint(), n)
	if err := c.writeHalving(ctx, part, b.slice(0, n/2)); err != nil {
		return err
	}
	return c.writeHalving(ctx, part, b.slice(n/2, n))
}

// pointTooLarge is the error for one point alone over the server's limit.
func (c *copier) pointTooLarge(part string, b batch, tl *adapters.TooLargeError, err error) error {
	size := tl.Size
	if size == 0 {
		size = int64(b.pointSize(0))
	}
	limit := "its limit"
	if tl.Limit > 0 {
		limit = "its limit of " + adapters.SizeString(tl.Limit)
	}
	raise := tl.Raise
	if raise == "" {
		raise = "raise the server's request size limit"
	}
	about := ""
	if size > 0 {
		about = " of about " + adapters.SizeString(size)
	}
	return adapters.Errorf(adapters.KindInvalid,
		"%s%s: point %s alone makes a write request%s, over %s, so %s refuses it: %s, or shrink the point in the source; then run the same command again, it resumes where it stopped (%w)",
		c.src.Endpoint(), partitionSuffix(part), b.id(0), about, limit, c.dst.Endpoint(), raise, err)
}
