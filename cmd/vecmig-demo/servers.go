package main

import (
	"context"
	"time"

	"github.com/vecmig/vecmig/adapters/testserver"
)

// launchTwo starts two servers side by side within two minutes; the
// caller stops both.
func launchTwo[N any](ctx context.Context, launch func(context.Context) (N, error), stop func(N)) ([2]N, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return testserver.LaunchTwo(ctx, launch, stop)
}
