package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/migrate"
	"github.com/vecmig/vecmig/verify"
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
		enc := json.NewEncoder(o.stdout)
		enc.Encode(map[string]any{"error": err.Error(), "kind": kind})
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

func (o *output) summary(r *migrate.Result, rep *verify.Report) {
	if r == nil || (o.quiet && !o.json) {
		return
	}
	if o.json {
		o.printed = true
		enc := json.NewEncoder(o.stdout)
		enc.Encode(struct {
			*migrate.Result
			Seconds         float64        `json:"seconds"`
			PointsPerSecond float64        `json:"points_per_second"`
			Verify          *verify.Report `json:"verify,omitempty"`
		}{r, r.Duration.Seconds(), r.PointsPerSecond(), rep})
		return
	}
	defer func() {
		if rep != nil {
			fmt.Fprintln(o.stdout)
			rep.WriteText(o.stdout)
		}
	}()
	w := o.stdout
	if r.DryRun {
		fmt.Fprintf(w, "dry run: would copy %d points from %s to %s\n", r.SourceCount, r.Source, r.Target)
		for _, p := range r.Partitions {
			if p.Name != "" {
				fmt.Fprintf(w, "  partition %-20s %10d points\n", p.Name, p.SourceCount)
			}
		}
		return
	}
	resumed := ""
	if r.Resumed {
		resumed = " (resumed)"
	}
	fmt.Fprintf(w, "migrated %s -> %s%s\n", r.Source, r.Target, resumed)
	fmt.Fprintf(w, "  points read %d, written %d in %s (%.0f points/s), %d retries\n",
		r.Read, r.Written, r.Duration.Round(time.Millisecond), r.PointsPerSecond(), r.Retries)
	if r.Native != "" {
		fmt.Fprintf(w, "  points copied in the engine's own encoding (%s), without conversion\n", r.Native)
	}
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
