package main

import (
	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// tlsOptions are the certificate checks the flags ask for.
func tlsOptions(c *cli.Context) adapters.TLSOptions {
	return adapters.TLSOptions{}
}
