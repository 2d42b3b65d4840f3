package main

import (
	"fmt"
	"io"

	"github.com/vecmig/vecmig/adapters/mapping"
)

// writeMapping prints a translation across engines: the whole of it for
// a plan; for a summary, what was renamed or dropped, and how many
// settings were not carried over (the plan and --json list them).
func writeMapping(w io.Writer, r *mapping.Report, full bool) {
	if r == nil || (!full && len(r.Renames)+len(r.Dropped)+len(r.NotCarried) == 0) {
		return
	}
	fmt.Fprintf(w, "  translated from %s to %s:\n", r.From, r.To)
	if full {
		writeChoices(w, r)
	}
	for _, rn := range r.Renames {
		lines(w, "renamed", fmt.Sprintf("%s %q -> %q", rn.Kind, rn.From, rn.To))
	}
	lines(w, "dropped", r.Dropped...)
	if !full {
		if n := len(r.NotCarried); n > 0 {
			lines(w, "not carried over", fmt.Sprintf("%d settings of the source (listed by vecmig plan and in --json)", n))
		}
		return
	}
	lines(w, "not carried over", r.NotCarried...)
	lines(w, "note", r.Notes...)
}

// writeChoices prints the rules and types a translation applies.
func writeChoices(w io.Writer, r *mapping.Report) {
	lines(w, "ids", r.IDs)
	lines(w, "vector", r.Vectors...)
	for _, f := range r.Types {
		line := fmt.Sprintf("%s -> %s", f.Name, f.Type)
		if f.Why != "" {
			line += " (" + f.Why + ")"
		}
		lines(w, "field", line)
	}
	lines(w, "tenants", r.Tenants)
	if r.Scanned > 0 {
		lines(w, "scanned", fmt.Sprintf("%d points to learn the payload's types", r.Scanned))
	}
}

func lines(w io.Writer, label string, vals ...string) {
	for _, v := range vals {
		if v != "" {
			fmt.Fprintf(w, "    %s: %s\n", label, v)
		}
	}
}
