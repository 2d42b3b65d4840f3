package main

import (
	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// apiKey is the API key of one side, from its flag (or environment
// variable).
func apiKey(c *cli.Context, keyFlag string) adapters.Secret {
	return adapters.NewSecret(c.String(keyFlag))
}
