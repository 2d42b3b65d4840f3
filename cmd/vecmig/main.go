// Command vecmig moves vector data between Qdrant and Weaviate instances
// (and file dumps) and proves the copy is right.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/all"
)

// Exit codes, documented in the README.
const (
	exitOK          = 0 // done, and the two sides agree
	exitDiffer      = 1 // done, but the target differs from the source
	exitError       = 2 // could not run, or failed: bad input, unreachable, auth, rejected data
	exitInterrupted = 3 // stopped by a signal; the state file says where to resume
)

// exitError carries an exit code through urfave/cli.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string { return e.err.Error() }
func (e *codeError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codeError{code: code, err: err}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	tuneGC()
	stop := startProfile(os.Getenv("VECMIG_CPUPROFILE"))
	code := run(context.Background(), os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile to path (for performance reports);
// nothing when path is empty.
func startProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vecmig: VECMIG_CPUPROFILE=%s: %v\n", path, err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// tuneGC trades a little memory for CPU: vecmig allocates a page of points
// per read and drops it after the write, and the default GC target spends
// about 15% of the CPU collecting them. A soft limit keeps the heap well
// under the memory vecmig promises. GOGC or GOMEMLIMIT in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(120 << 20)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	code := exitError
	var ce *codeError
	if errors.As(err, &ce) {
		code = ce.code
	}
	if code != exitDiffer || !errors.Is(err, errReported) {
		fmt.Fprintf(stderr, "vecmig: %v\n", err)
	}
	return code
}

// errReported marks an outcome already printed in the summary.
var errReported = errors.New("reported above")

func newApp(stdout, stderr io.Writer) *cli.App {
	reg := all.Registry()
	app := &cli.App{
		Name:            "vecmig",
		Usage:           "move vector collections between Qdrant, Weaviate and file dumps, and prove the copy is right",
		Version:         version,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // run() prints errors and picks the exit code
		Commands: []*cli.Command{
			migrateCommand(reg),
			planCommand(reg),
			inspectCommand(reg),
			verifyCommand(reg),
			baselineCommand(reg),
			backupCommand(reg),
			snapshotCommand(reg),
		},
	}
	checkFlags(app.Commands)
	return app
}

// requiredFlag is a flag a command cannot run without. vecmig checks it
// itself (checkFlags) instead of with urfave/cli's Required, which
// prints the command's whole help before its error (on stdout, even with
// --json) or not, depending on the arguments. Its help says "(required)"
// and shows no default: a required flag has none.
type requiredFlag struct{ documentedFlag }

// documentedFlag is what urfave/cli needs of a flag to parse it and list it
// in help; *cli.StringFlag and *cli.IntFlag are.
type documentedFlag interface {
	cli.DocGenerationFlag
	cli.CategorizableFlag
}

// required marks f as required; f must not set urfave/cli's Required.
func required(f documentedFlag) cli.Flag { return requiredFlag{f} }

func (f requiredFlag) GetUsage() string       { return f.documentedFlag.GetUsage() + " (required)" }
func (f requiredFlag) GetDefaultText() string { return "" }
func (f requiredFlag) String() string         { return cli.FlagStringer(f) }

// checkFlags puts the checks every command shares before its action, so
// that a bad flag stops it in one line before anything is opened: a
// missing required flag (named), the API key files (checkAPIKeyFlags) and
// the TLS flags (checkTLS).
func checkFlags(cmds []*cli.Command) {
	for _, cmd := range cmds {
		checkFlags(cmd.Subcommands)
		var req []requiredFlag
		for _, f := range cmd.Flags {
			if r, ok := f.(requiredFlag); ok {
				req = append(req, r)
			}
		}
		if cmd.Action == nil {
			continue
		}
		action := cmd.Action
		cmd.Action = func(c *cli.Context) error {
			for _, r := range req {
				if n := r.Names()[0]; !c.IsSet(n) {
					usage := strings.ReplaceAll(r.documentedFlag.GetUsage(), "`", "")
					return newOutput(c).fail(withCode(exitError, fmt.Errorf("--%s is required: %s (see '%s --help')", n, usage, c.Command.HelpName)))
				}
			}
			if err := checkAPIKeyFlags(c); err != nil {
				return newOutput(c).fail(withCode(exitError, err))
			}
			if err := checkTLS(c); err != nil {
				return newOutput(c).fail(withCode(exitError, err))
			}
			return action(c)
		}
	}
}

// apiKeyFlags are the flags and environment variables for both sides' keys.
func apiKeyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "from-api-key", EnvVars: []string{"VECMIG_FROM_API_KEY"}, Usage: "API key of the source (prefer the environment variable: flags show in the process list)"},
		&cli.StringFlag{Name: "to-api-key", EnvVars: []string{"VECMIG_TO_API_KEY"}, Usage: "API key of the target (prefer the environment variable)"},
		&cli.StringFlag{Name: "from-api-key-file", EnvVars: []string{"VECMIG_FROM_API_KEY_FILE"}, Usage: "read the source's API key from `FILE` (surrounding whitespace is dropped)"},
		&cli.StringFlag{Name: "to-api-key-file", EnvVars: []string{"VECMIG_TO_API_KEY_FILE"}, Usage: "read the target's API key from `FILE` (surrounding whitespace is dropped)"},
	}
}

// config is what an endpoint needs beyond its URL: its side's API key
// (keyFlag names the side's flag), the request timeout and TLS checks.
func config(c *cli.Context, keyFlag string) adapters.Config {
	return adapters.Config{APIKey: apiKey(c, keyFlag), Timeout: c.Duration("timeout"), TLS: tlsOptions(c)}
}
