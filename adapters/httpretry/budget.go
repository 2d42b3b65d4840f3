package httpretry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// BudgetCheck returns a go-retryablehttp CheckRetry for the REST clients
// (Qdrant snapshots, Weaviate backups). CheckRetry says whether an answer
// is worth another try; the request's budget (adapters.WithBudget) says how
// long, and the check waits itself: the server's Retry-After (capped at
// maxAfter, 0: no cap), else the policy's backoff. Once --retries or
// --retry-timeout is spent it stops with the budget's GaveUpError, as the
// live path does. A request without a budget is not retried at all:
// nothing else bounds its tries.
func BudgetCheck(maxAfter time.Duration) func(context.Context, *http.Response, error) (bool, error) {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := CheckRetry(ctx, resp, err)
		b := adapters.BudgetFrom(ctx)
		if !retry || b == nil {
			return false, cerr
		}
		why, after := err, time.Duration(0)
		if resp != nil {
			why = fmt.Errorf("answered %s", resp.Status)
			after = After(resp.Header.Get("Retry-After"))
			if maxAfter > 0 {
				after = min(after, maxAfter)
			}
		}
		d, gaveUp := b.Next(why, after)
		if gaveUp != nil {
			return false, gaveUp
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		return wait(ctx, d)
	}
}

func wait(ctx context.Context, d time.Duration) (bool, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return true, nil
	}
}
