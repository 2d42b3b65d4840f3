package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// The README's command reference is what --help prints, so it cannot drift
// from the code. After changing a command or a flag, rewrite it with
//
//	go test ./cmd/vecmig -run TestREADME -update-readme
var updateREADME = flag.Bool("update-readme", false, "rewrite the command reference in README.md from --help")

const (
	readmePath = "../../README.md"
	refBegin   = "<!-- command reference: written by go test ./cmd/vecmig -run TestREADME -update-readme -->"
	refEnd     = "<!-- end of command reference -->"
)

// command is a command or subcommand with the words that run it
// ("snapshot prune"); the app itself has none.
type command struct {
	words []string
	cmd   *cli.Command
}

func (c command) name() string { return strings.Join(append([]string{"vecmig"}, c.words...), " ") }

// commands lists the app and every command and subcommand, as help lists them.
func commands() []command {
	var out []command
	var walk func(words []string, cmds []*cli.Command)
	walk = func(words []string, cmds []*cli.Command) {
		for _, c := range cmds {
			w := append(append([]string{}, words...), c.Name)
			out = append(out, command{w, c})
			walk(w, c.Subcommands)
		}
	}
	out = append(out, command{})
	walk(nil, newApp(io.Discard, io.Discard).Commands)
	return out
}

// vecmig runs the CLI in-process, as main does.
func vecmig(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"vecmig"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func helpText(t *testing.T, c command) string {
	t.Helper()
	stdout, stderr, code := vecmig(append(c.words, "--help")...)
	if code != exitOK || stderr != "" {
		t.Fatalf("%s --help: exit %d, stderr %q", c.name(), code, stderr)
	}
	return trimLines(stdout)
}

func trimLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n") + "\n"
}

// reference is the README's command reference as --help prints it: one
// block per command, each starting with the command line that prints it.
func reference(t *testing.T) string {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "\n```text\n$ %s --help\n%s```\n", c.name(), helpText(t, c))
	}
	return b.String()
}

// readmeReference returns README.md and the bounds of its command reference.
func readmeReference(t *testing.T) (readme string, begin, end int) {
	t.Helper()
	b, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme = string(b)
	begin = strings.Index(readme, refBegin)
	end = strings.Index(readme, refEnd)
	if begin < 0 || end < begin {
		t.Fatalf("README.md has no command reference between %q and %q", refBegin, refEnd)
	}
	return readme, begin + len(refBegin), end
}

// readmeBlocks splits the README's command reference by command line
// ("vecmig snapshot prune").
func readmeBlocks(t *testing.T) map[string]string {
	readme, begin, end := readmeReference(t)
	blocks := map[string]string{}
	for _, part := range strings.Split(readme[begin:end], "```text\n$ ")[1:] {
		line, rest, _ := strings.Cut(part, "\n")
		blocks[strings.TrimSuffix(line, " --help")] = rest
	}
	return blocks
}

func TestREADMEReferenceIsHelp(t *testing.T) {
	readme, begin, end := readmeReference(t)
	want := reference(t)
	if readme[begin:end] == want {
		return
	}
	if *updateREADME {
		if err := os.WriteFile(readmePath, []byte(readme[:begin]+want+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the command reference in README.md")
		return
	}
	blocks := readmeBlocks(t)
	for _, c := range commands() {
		got, ok := blocks[c.name()]
		if !ok {
			t.Errorf("README.md's command reference has no block for %s --help", c.name())
			continue
		}
		got, _, _ = strings.Cut(got, "```")
		if w := helpText(t, c); got != w {
			gl, wl := strings.Split(got, "\n"), strings.Split(w, "\n")
			for i := range max(len(gl), len(wl)) {
				g, x := lineAt(gl, i), lineAt(wl, i)
				if g != x {
					t.Errorf("README.md's block for %s --help differs from --help at line %d:\nREADME: %q\n--help: %q", c.name(), i+1, g, x)
					break
				}
			}
		}
	}
	if !t.Failed() {
		t.Errorf("README.md's command reference differs from --help outside the command blocks")
	}
	t.Logf("rewrite it with: go test ./cmd/vecmig -run TestREADME -update-readme")
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(none)"
}

// TestREADMEListsEveryFlag checks each command's block in the README names
// every flag of that command, aliases included.
func TestREADMEListsEveryFlag(t *testing.T) {
	blocks := readmeBlocks(t)
	for _, c := range commands()[1:] {
		block, ok := blocks[c.name()]
		if !ok {
			t.Errorf("README.md's command reference has no block for %s --help", c.name())
			continue
		}
		for _, f := range c.cmd.Flags {
			for _, n := range f.Names() {
				opt := "--" + n
				if len(n) == 1 {
					opt = "-" + n
				}
				if !regexp.MustCompile(`(^|[\s,\[])` + regexp.QuoteMeta(opt) + `($|[\s,=])`).MatchString(block) {
					t.Errorf("README.md's command reference lacks %s of %s; rewrite it with: go test ./cmd/vecmig -run TestREADME -update-readme", opt, c.name())
				}
			}
		}
	}
}

// TestHelpRequiredFlags checks required flags say so in help, show no
// default, and are refused in one line when missing, nothing on stdout.
func TestHelpRequiredFlags(t *testing.T) {
	for _, c := range commands()[1:] {
		var req []string
		for _, f := range c.cmd.Flags {
			if r, ok := f.(cli.RequiredFlag); ok && r.IsRequired() {
				t.Errorf("%s --%s sets urfave/cli's Required; wrap it in required() instead, which refuses it in one line", c.name(), f.Names()[0])
			}
			if _, ok := f.(requiredFlag); !ok {
				continue
			}
			req = append(req, f.Names()[0])
			if s := f.String(); !strings.HasSuffix(s, "(required)") || strings.Contains(s, "(default:") {
				t.Errorf("%s --help shows a required flag as %q; want it to end in (required), with no default", c.name(), s)
			}
		}
		if len(req) == 0 {
			continue
		}
		stdout, stderr, code := vecmig(c.words...)
		want := "vecmig: --" + req[0] + " is required: "
		if code != exitError || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, want) {
			t.Errorf("%s without --%s: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout and one line starting %q", c.name(), req[0], code, stdout, stderr, want)
		}
	}

	stdout, stderr, code := vecmig("snapshot", "prune", "--json", "qdrant://127.0.0.1:1/docs")
	if code != exitError || !strings.HasPrefix(stdout, `{"error":"--keep is required`) || strings.Count(stdout, "\n") != 1 || strings.Count(stderr, "\n") != 1 {
		t.Errorf("snapshot prune --json without --keep: exit %d, stdout %q, stderr %q; want exit 2 and the error as one JSON line", code, stdout, stderr)
	}
}

// TestHelpDefaults checks a default that is not the flag's zero value says
// what really happens: verify draws a random seed unless given one.
func TestHelpDefaults(t *testing.T) {
	verify := command{words: []string{"verify"}}
	if line := helpLine(helpText(t, verify), "--seed"); !strings.HasSuffix(line, "(default: random)") {
		t.Errorf("vecmig verify --help shows %q; want it to end in (default: random)", line)
	}
	_, stderr, code := vecmig("verify", "--seed", "0", "--from", "file:///nonexistent/a", "--to", "file:///nonexistent/b")
	if code != exitError || !strings.HasPrefix(stderr, "vecmig: --seed 0: ") {
		t.Errorf("verify --seed 0: exit %d, stderr %q; want it refused (verify.Options takes seed 0 as random)", code, stderr)
	}
}

// helpLine returns the line of help that lists the flag opt.
func helpLine(help, opt string) string {
	for _, l := range strings.Split(help, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, opt+" ") || strings.HasPrefix(l, opt+",") {
			return l
		}
	}
	return ""
}
