package adapters

import "fmt"

// FindingsError turns the error findings of a check into one error, for a
// Sink's Prepare that runs its own CheckTarget logic (so that a run
// without a plan phase refuses just the same): nil when there is none;
// otherwise the first one's message, with its kind, and how many more
// there are. The plan reports each finding on its own line instead.
func FindingsError(fs []Finding) error {
	var first *Finding
	n := 0
	for i := range fs {
		if fs[i].Level != LevelError {
			continue
		}
		if first == nil {
			first = &fs[i]
		}
		n++
	}
	if first == nil {
		return nil
	}
	msg := first.Message
	if first.Subject != "" {
		msg = first.Subject + ": " + msg
	}
	switch {
	case n == 2:
		msg += " (and 1 more problem; vecmig migrate --dry-run lists them all)"
	case n > 2:
		msg += fmt.Sprintf(" (and %d more problems; vecmig migrate --dry-run lists them all)", n-1)
	}
	return &Error{Kind: first.Kind, Err: fmt.Errorf("%s", msg)}
}

// ErrorFindings returns the error findings of fs.
func ErrorFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Level == LevelError {
			out = append(out, f)
		}
	}
	return out
}
