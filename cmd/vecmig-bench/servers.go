package main

import (
	"context"

	"github.com/vecmig/vecmig/adapters/testserver"
)

// launchTwo starts a scenario's two servers side by side; the caller stops
// both.
func launchTwo[N any](ctx context.Context, launch func(context.Context) (N, error), stop func(N)) (src, dst N, err error) {
	nodes, err := testserver.LaunchTwo(ctx, launch, stop)
	return nodes[0], nodes[1], err
}
