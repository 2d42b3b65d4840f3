package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/migrate"
)

// output prints for people (stderr: progress and notices; stdout: the
// summary) or for scripts (--json: one object on stdout; --quiet: errors).
type output struct {
	stdout, stderr io.Writer
	quiet, json    bool
	mu             sync.Mutex
	// printed is set once a JSON summary went out, so that an error after
	// it does not add a second object (the summary says what went wrong).
	printed bool
}

func newOutput(c *cli.Context) *output {
	return &output{stdout: c.App.Writer, stderr: c.App.ErrWriter, quiet: c.Bool("quiet"), json: c.Bool("json")}
}

func (o *output) notice(format string, args ...any) {
	if o.quiet || o.json {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.stderr, format+"\n", args...)
}

// fail prints the error as JSON when asked (run() prints it for people)
// and passes it on for the exit code.
func (o *output) fail(err error) error {
	if o.json && err != nil && !o.printed {
		kind := kindName(adapters.KindOf(err))
		var ce *codeError
		switch {
		case errors.As(err, &ce) && ce.code == exitInterrupted:
			kind = "interrupted"
		case errors.As(err, &ce) && ce.code == exitDiffer:
			kind = "differ"
		case kind == "":
			kind = "error"
		}
		body := map[string]any{"error": err.Error(), "kind": kind}
		// The one-line message names three rejected points; --json has all.
		var rej *adapters.RejectedError
		if errors.As(err, &rej) {
			body["rejected"] = rej
		}
		json.NewEncoder(o.stdout).Encode(body)
	}
	return err
}

func kindName(k adapters.Kind) string {
	return map[adapters.Kind]string{
		adapters.KindRetryable: "retryable", adapters.KindUnreachable: "unreachable", adapters.KindAuth: "auth",
		adapters.KindNotFound: "not_found", adapters.KindExists: "exists", adapters.KindInvalid: "invalid",
		adapters.KindIncompatible: "incompatible",
	}[k]
}

func (o *output) summary(r *migrate.Result) {
	if r == nil || (o.quiet && !o.json) {
		return
	}
	if o.json {
		o.printed = true
		json.NewEncoder(o.stdout).Encode(struct {
			*migrate.Result
			Seconds         float64 `json:"seconds"`
			PointsPerSecond float64 `json:"points_per_second"`
		}{r, r.Duration.Seconds(), r.PointsPerSecond()})
		return
	}
	if r.DryRun {
		o.plan(r.Plan)
		return
	}
	w := o.stdout
	resumed := ""
	if r.Resumed {
		resumed = " (resumed)"
	}
	fmt.Fprintf(w, "migrated %s -> %s by %s%s\n", r.Source, r.Target, r.Method, resumed)
	if r.Copy != nil {
		fmt.Fprintf(w, "  %s\n", r.Copy.Summary)
	} else {
		fmt.Fprintf(w, "  points read %d, written %d in %s (%.0f points/s), %d retries\n",
			r.Read, r.Written, r.Duration.Round(time.Millisecond), r.PointsPerSecond(), r.Retries)
	}
	if r.Native != "" {
		fmt.Fprintf(w, "  points copied in the engine's own encoding (%s), without conversion\n", r.Native)
	}
	o.counts(r)
	if r.Plan != nil {
		writeMapping(w, r.Plan.Mapping, false)
	}
	o.findings(r.Plan, adapters.LevelWarning, adapters.LevelNote)
	if r.Verify != nil {
		fmt.Fprintln(w)
		r.Verify.WriteText(w)
	}
}

func (o *output) counts(r *migrate.Result) {
	w := o.stdout
	for _, p := range r.Partitions {
		if p.Name == "" {
			continue
		}
		mark := "ok"
		if p.SourceCount != p.TargetCount {
			mark = "DIFFERENT"
		}
		fmt.Fprintf(w, "  partition %-20s source %10d  target %10d  %s\n", p.Name, p.SourceCount, p.TargetCount, mark)
	}
	if len(r.Partitions) > 0 {
		mark := "equal"
		if !r.CountsMatch {
			mark = "DIFFERENT"
		}
		fmt.Fprintf(w, "  count: source %d, target %d: %s\n", r.SourceCount, r.TargetCount, mark)
	}
}

// plan prints the plan phase's outcome: for --dry-run all of it, for a
// plan that stopped the run its warnings and notes (the errors are the
// error message).
func (o *output) plan(p *migrate.Plan) {
	if p == nil || o.quiet || o.json {
		if p != nil && o.json && !o.printed {
			o.printed = true
			json.NewEncoder(o.stdout).Encode(map[string]any{"plan": p, "error": planErrorText(p), "kind": planKind(p)})
		}
		return
	}
	if len(p.Errors()) > 0 {
		writeMapping(o.stdout, p.Mapping, true)
		o.findings(p, adapters.LevelWarning, adapters.LevelNote)
		return
	}
	w := o.stdout
	fmt.Fprintf(w, "dry run: would copy %d points from %s to %s by %s\n", p.Points, p.Source, p.Target, p.Method)
	for _, v := range p.Vectors {
		fmt.Fprintf(w, "  vector %s\n", v)
	}
	for _, part := range p.Partitions {
		if part.Name != "" {
			fmt.Fprintf(w, "  partition %-20s %10d points\n", part.Name, part.SourceCount)
		}
	}
	fmt.Fprintf(w, "  if the target exists: %s; verify after the copy: %s\n", p.OnExists, p.Verify)
	if p.Resume {
		fmt.Fprintf(w, "  resumes the interrupted run recorded in %s\n", p.StatePath)
	}
	writeMapping(w, p.Mapping, true)
	o.findings(p, adapters.LevelWarning, adapters.LevelNote)
}

// findings prints the plan's findings of these levels, one a line.
func (o *output) findings(p *migrate.Plan, levels ...adapters.Level) {
	if p == nil {
		return
	}
	for _, f := range p.Findings {
		if slices.Contains(levels, f.Level) {
			fmt.Fprintf(o.stdout, "  %s\n", f)
		}
	}
}

func planErrorText(p *migrate.Plan) string {
	if err := p.Err(); err != nil {
		return err.Error()
	}
	return ""
}

func planKind(p *migrate.Plan) string {
	if errs := p.Errors(); len(errs) > 0 {
		if k := kindName(errs[0].Kind); k != "" {
			return k
		}
		return "invalid"
	}
	return ""
}

// progress returns a bar on a terminal, periodic lines otherwise, and
// nothing with --quiet or --json.
func (o *output) progress() migrate.Progress {
	if o.quiet || o.json {
		return nil
	}
	if f, ok := o.stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return &barProgress{w: f}
		}
	}
	return &lineProgress{o: o, every: 10 * time.Second}
}

type barProgress struct {
	w   io.Writer
	bar *pb.ProgressBar
}

func (b *barProgress) Start(total, done uint64) {
	b.bar = pb.New64(int64(total))
	b.bar.SetWriter(b.w)
	b.bar.SetTemplateString(`{{counters . }} points {{bar . }} {{percent . }} {{speed . "%s points/s" }} {{rtime . "ETA %s"}}`)
	b.bar.SetCurrent(int64(done))
	b.bar.Start()
}
func (b *barProgress) Add(n int) { b.bar.Add(n) }
func (b *barProgress) Finish()   { b.bar.Finish() }

type lineProgress struct {
	o            *output
	every        time.Duration
	total, start uint64
	done         atomic.Uint64
	began, last  time.Time
	mu           sync.Mutex
}

func (l *lineProgress) Start(total, done uint64) {
	l.total, l.start, l.began, l.last = total, done, time.Now(), time.Now()
	l.done.Store(done)
}

func (l *lineProgress) Add(n int) {
	d := l.done.Add(uint64(n))
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.last) < l.every {
		return
	}
	l.last = time.Now()
	l.line(d)
}

func (l *lineProgress) line(d uint64) {
	el := time.Since(l.began).Seconds()
	rate := float64(d-l.start) / max(el, 1e-9)
	pct := 100.0
	if l.total > 0 {
		pct = 100 * float64(d) / float64(l.total)
	}
	eta := "-"
	if rate > 0 && l.total > d {
		eta = (time.Duration(float64(l.total-d)/rate) * time.Second).Round(time.Second).String()
	}
	l.o.notice("copied %d/%d points (%.1f%%), %.0f points/s, ETA %s", d, l.total, pct, rate, eta)
}

func (l *lineProgress) Finish() {}
