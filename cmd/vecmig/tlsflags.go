package main

import (
	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
)

// tlsFlags are the certificate checks of endpoints with tls=true, for every
// command that opens endpoints.
func tlsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ca-cert", EnvVars: []string{"VECMIG_CA_CERT"}, Usage: "trust the CA certificates in PEM `FILE` besides the system's, for endpoints with tls=true"},
		&cli.BoolFlag{Name: "insecure-skip-verify", Usage: "accept any server certificate on tls=true endpoints: still encrypted, but an impostor server goes unnoticed (prints a warning on every run)"},
	}
}

// tlsOptions are the certificate checks the flags ask for.
func tlsOptions(c *cli.Context) adapters.TLSOptions {
	return adapters.TLSOptions{CACertFile: c.String("ca-cert"), InsecureSkipVerify: c.Bool("insecure-skip-verify")}
}

// hasTLSFlags reports whether a command takes tlsFlags.
func hasTLSFlags(cmd *cli.Command) bool {
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == "insecure-skip-verify" {
				return true
			}
		}
	}
	return false
}

// checkTLS runs before a command with tlsFlags: it refuses an unreadable
// --ca-cert file before anything is opened, and warns on every run with
// --insecure-skip-verify.
func checkTLS(c *cli.Context) error {
	if !hasTLSFlags(c.Command) {
		return nil
	}
	o := tlsOptions(c)
	if o.InsecureSkipVerify {
		if o.CACertFile != "" {
			newOutput(c).notice("warning: --ca-cert %s is ignored: --insecure-skip-verify checks no certificate", o.CACertFile)
		}
		newOutput(c).notice("warning: --insecure-skip-verify: server certificates are not checked; anyone between vecmig and a tls=true endpoint can read and change the data and API keys")
		return nil
	}
	if o.CACertFile != "" {
		if _, err := o.Config(); err != nil {
			return err
		}
	}
	return nil
}
