package adapters

import (
	"context"
	"fmt"
	"time"
)

// Optional abilities are discovered with As, never with a bare type
// assertion: a wrapper (retry, rate limit, dry run) exposes what it wraps
// through Unwrap, so an ability an adapter has stays visible however many
// layers are around it, and a new ability cannot silently vanish.

// Unwrapper is a wrapper around a Source or a Sink.
type Unwrapper interface {
	Unwrap() any
}

// AbilityWrapper is a wrapper that adds its behaviour to some abilities of
// what it wraps (the retry layer retries ReadRaw). Such a wrapper does not
// implement the ability interfaces itself: it would then claim them
// whether or not the wrapped value has them. Instead As asks it first:
// WrapAbility, given a pointer to an ability interface (a *RawReader), sets
// it to the wrapper's version and reports true only when what it wraps has
// the ability (found with As, so that layers compose).
type AbilityWrapper interface {
	Unwrapper
	WrapAbility(target any) bool
}

// As finds ability T of v (a Source, a Sink, or a wrapper of either),
// following Unwrap from the outermost layer in: a layer that wraps T
// (AbilityWrapper) or implements T answers first, so a retry layer's
// retrying ReadRaw is found before the one it wraps. A wrapper never
// gains an ability that what it wraps lacks.
func As[T any](v any) (T, bool) {
	for v != nil {
		if w, ok := v.(AbilityWrapper); ok {
			var t T
			if w.WrapAbility(&t) {
				return t, true
			}
		}
		if t, ok := v.(T); ok {
			return t, true
		}
		u, ok := v.(Unwrapper)
		if !ok {
			break
		}
		v = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Level says how much a Finding matters.
type Level string

// Finding levels: an error blocks the run before anything is written; a
// warning or a note is reported in the plan and the summary.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNote    Level = "note"
)

// Finding is one thing learned before anything is written.
type Finding struct {
	Level Level `json:"level"`
	// Subject names what it is about: "source", "target", a file, a class.
	Subject string `json:"subject"`
	Message string `json:"message"`
	// Kind classifies an error finding (exit codes, retries); KindUnknown
	// for warnings and notes.
	Kind Kind `json:"-"`
}

func (f Finding) String() string {
	if f.Subject == "" {
		return fmt.Sprintf("%s: %s", f.Level, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s", f.Level, f.Subject, f.Message)
}

// ErrorFinding is an error Finding.
func ErrorFinding(kind Kind, subject, format string, args ...any) Finding {
	return Finding{Level: LevelError, Kind: kind, Subject: subject, Message: fmt.Sprintf(format, args...)}
}

// NoteFinding is a note Finding.
func NoteFinding(subject, format string, args ...any) Finding {
	return Finding{Level: LevelNote, Subject: subject, Message: fmt.Sprintf(format, args...)}
}

// SourceChecker is a Source that can prove before any write that it can be
// read in full: a dump reads its manifest and checks every file's checksum.
// A problem is an error Finding; the returned error is for a check that
// could not run.
type SourceChecker interface {
	CheckSource(ctx context.Context) ([]Finding, error)
}

// TargetChecker is a Sink that can tell before any write whether def can
// be written into it under onExists: its naming rules (with the name it
// will really use), an existing target's compatibility under append
// (dimensions, distances, vector names, datatypes, multi-tenancy, property
// types), an existing target under fail.
type TargetChecker interface {
	CheckTarget(ctx context.Context, def *Collection, onExists OnExists) ([]Finding, error)
}

// ServerCopier is a Source whose engine copies a whole collection on the
// servers' side to a Sink of the same engine: a Qdrant snapshot, a
// Weaviate backup. migrate runs it as the method CopyMethod names.
type ServerCopier interface {
	// CopyMethod is the --method value: "snapshot" or "backup".
	CopyMethod() string
	// PlanCopy checks the method's preconditions against dst (versions,
	// cluster layout, modules, free disk, an existing target) and writes
	// nothing.
	PlanCopy(ctx context.Context, dst Sink, req CopyRequest) ([]Finding, error)
	// CopyTo copies. It removes what it created on the way (a snapshot, a
	// temporary file) unless req says to keep it.
	CopyTo(ctx context.Context, dst Sink, req CopyRequest) (*CopyReport, error)
}

// CopyRequest carries the options of a server-side copy.
type CopyRequest struct {
	OnExists OnExists
	Snapshot SnapshotParams
	Backup   BackupParams
	// Retry is the run's one retry policy (from --retries): its Attempts
	// and backoff bounds drive the method's HTTP clients, and it counts
	// their retries. nil: DefaultRetry.
	Retry *RetryPolicy
	// Timeout bounds one request; 0: the adapter's default.
	Timeout time.Duration
	Logf    func(format string, args ...any)
	// Progress hears of bytes moved (total -1 when unknown); may be nil.
	Progress func(done, total int64)
}

// SnapshotParams are the options of the snapshot method.
type SnapshotParams struct {
	Name    string // an existing snapshot to use; "" creates one
	Keep    bool   // keep the snapshot created on the source
	Direct  bool   // the target fetches from the source itself
	TempDir string // where a download goes
}

// BackupParams are the options of the backup method.
type BackupParams struct {
	Backend, Bucket, Path, ID string
	Include, Exclude          []string
	CPUPercentage             int
}

// CopyReport tells what a server-side copy did.
type CopyReport struct {
	Method string `json:"method"`
	// Summary is one line for people: what was copied and how.
	Summary  string        `json:"summary"`
	Bytes    int64         `json:"bytes,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Detail is the method's own result, for --json.
	Detail any `json:"detail,omitempty"`
}
