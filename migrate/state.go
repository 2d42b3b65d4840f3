package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
)

// StateVersion is the format of the state file; a newer file is refused.
const StateVersion = 1

// State is a migration's progress, kept in a local file (never in the
// target). It is rewritten atomically, and only ever records a watermark
// below which the target has acknowledged every point, so a run killed at
// any instant and started again ends with the same target.
type State struct {
	Version     int    `json:"version"`
	Source      string `json:"source"`
	Target      string `json:"target"`
	Method      string `json:"method"`
	Fingerprint string `json:"fingerprint"` // of the source definition
	// Prepared is true once the target collection was created (or accepted)
	// for this migration; a resumed run then appends to it.
	Prepared   bool                       `json:"prepared"`
	Finished   bool                       `json:"finished"`
	Started    time.Time                  `json:"started"`
	Updated    time.Time                  `json:"updated"`
	Partitions map[string]*PartitionState `json:"partitions"`
	// Mapping is the translation across engines (renames, drops, types),
	// nil between two endpoints of one engine.
	Mapping *mapping.Report `json:"mapping,omitempty"`
	// Share is the part of the collection this run copies (--partition
	// i/N, share.go); nil: all of it. A state is resumed only by a run of
	// the same share.
	Share *ShareState `json:"share,omitempty"`
	// CatchUpStarted is when the last finished catch-up pass (--catch-up)
	// started; the next one re-copies what changed since then. nil: none
	// yet, the next starts from Started. Older vecmigs ignore it.
	CatchUpStarted *time.Time `json:"catch_up_started,omitempty"`
	// TargetCreated is whether this migration created the target (it did
	// not exist, or --on-exists recreate): only then may a catch-up delete
	// the target's points the source lacks without --catch-up-delete. nil:
	// unknown (a state of an older vecmig, or one a --since catch-up made).
	TargetCreated *bool `json:"target_created,omitempty"`
	// Bulk is what the target was created without, to be put back after
	// the last write (defer.go); nil when nothing was held back.
	Bulk *BulkState `json:"bulk,omitempty"`
}

// PartitionState is the progress of one partition ("" when the collection
// is not partitioned).
type PartitionState struct {
	// Ranges splits the partition's id space. Today a partition has one
	// range covering everything; parallel range readers will record their
	// boundaries here, so that a resumed run uses exactly the same ones.
	Ranges []*RangeState `json:"ranges"`
}

// RangeState is the progress through the ids in (From, To].
type RangeState struct {
	From *adapters.ID `json:"from,omitempty"` // exclusive; nil: from the first id
	To   *adapters.ID `json:"to,omitempty"`   // inclusive; nil: to the last id
	// Watermark: every source point of this range with an id <= Watermark
	// has been acknowledged by the target. nil: nothing yet.
	Watermark *adapters.ID `json:"watermark,omitempty"`
	Written   uint64       `json:"written"`
	Done      bool         `json:"done"`
}

// Done reports whether every range of the partition is copied.
func (p *PartitionState) Done() bool {
	for _, r := range p.Ranges {
		if !r.Done {
			return false
		}
	}
	return true
}

// Written is the number of points written over all ranges.
func (p *PartitionState) Written() uint64 {
	var n uint64
	for _, r := range p.Ranges {
		n += r.Written
	}
	return n
}

// NewState starts the state of a migration.
func NewState(source, target, method, fingerprint string, partitions []string) *State {
	s := &State{
		Version: StateVersion, Source: source, Target: target, Method: method,
		Fingerprint: fingerprint, Started: time.Now().UTC(),
		Partitions: map[string]*PartitionState{},
	}
	for _, p := range partitions {
		s.Partitions[p] = &PartitionState{Ranges: []*RangeState{{}}}
	}
	return s
}

// ErrNoState is returned by LoadState when the file does not exist.
var ErrNoState = errors.New("no state file")

// LoadState reads a state file.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoState
	}
	if err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("state file %s is not a vecmig state file (%v); move it away to start afresh", path, err)
	}
	switch {
	case s.Version > StateVersion:
		return nil, fmt.Errorf("state file %s has format version %d, written by a newer vecmig (this one reads version %d); resume with that newer vecmig, or move the file away to start afresh", path, s.Version, StateVersion)
	case s.Version != StateVersion:
		return nil, fmt.Errorf("state file %s has format version %d; this vecmig reads version %d; move it away to start afresh", path, s.Version, StateVersion)
	}
	for name, p := range s.Partitions {
		if p == nil || len(p.Ranges) == 0 {
			return nil, fmt.Errorf("state file %s: partition %q has no ranges; the file is damaged, move it away to start afresh", path, name)
		}
	}
	return &s, nil
}

// Save writes the state atomically: a temporary file in the same
// directory, synced, then renamed over the old one. The file is 0600
// (CreateTemp's mode, kept by the rename): it names the endpoints.
func (s *State) Save(path string) error {
	s.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".vecmig-state-*")
	if err != nil {
		return fmt.Errorf("save state in %s: %w", dir, err)
	}
	tmp := f.Name()
	_, werr := f.Write(append(b, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save state %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save state %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Matches explains why s cannot be resumed by a run from source to target
// of a definition with this fingerprint; nil when it can.
func (s *State) Matches(source, target, method, fingerprint string) error {
	switch {
	case s.Source != source:
		return fmt.Errorf("it records a migration from %s, not from %s", s.Source, source)
	case s.Target != target:
		return fmt.Errorf("it records a migration to %s, not to %s", s.Target, target)
	case s.Method != method:
		return fmt.Errorf("it records a %s migration, not %s", s.Method, method)
	case s.Fingerprint != fingerprint:
		return fmt.Errorf("the source's definition changed since that run (fingerprint %s, now %s)", s.Fingerprint, fingerprint)
	}
	return nil
}
