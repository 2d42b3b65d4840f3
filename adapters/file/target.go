package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

var _ adapters.TargetChecker = (*Sink)(nil)

// CheckTarget tells, writing nothing, what Prepare would do with def under
// onExists: refuse an existing dump under fail, a directory whose manifest
// is not a vecmig dump's, or points files no manifest accounts for; under
// append, refuse a dump of another engine, partitioning or vectors (each
// difference its own finding) or one whose points files are missing;
// under recreate, note what will be deleted.
func (s *Sink) CheckTarget(_ context.Context, def *adapters.Collection, onExists adapters.OnExists) ([]adapters.Finding, error) {
	if err := s.checkOnExists(onExists); err != nil {
		return []adapters.Finding{s.finding(err)}, nil
	}
	m, err := readManifest(s.dir)
	_, statErr := os.Lstat(s.path(manifestName))
	switch {
	case statErr == nil && onExists == adapters.ExistsFail:
		return []adapters.Finding{s.finding(s.exists())}, nil
	case errors.Is(err, errNoManifest):
		return s.strayFindings(def, nil), nil
	case err != nil:
		return []adapters.Finding{s.finding(s.untouchable(err))}, nil
	}
	state := "finished"
	if !m.Complete {
		state = "unfinished"
	}
	if onExists == adapters.ExistsRecreate {
		listed := map[string]bool{}
		for _, e := range m.Partitions {
			listed[e.File] = true
		}
		out := []adapters.Finding{adapters.NoteFinding(s.subject(), "the %s dump here (%s) will be deleted first; other files in the directory stay", state, m.summary())}
		return append(out, s.strayFindings(def, listed)...), nil
	}
	out := s.appendFindings(m, def)
	if len(adapters.ErrorFindings(out)) == 0 {
		out = append(out, adapters.NoteFinding(s.subject(), "the %s dump here (%s) is continued", state, m.summary()))
	}
	return out, nil
}

func (d dump) subject() string { return "file " + d.dir }

func (d dump) checkOnExists(onExists adapters.OnExists) error {
	switch onExists {
	case adapters.ExistsFail, adapters.ExistsAppend, adapters.ExistsRecreate:
		return nil
	}
	return d.errorf(adapters.KindInvalid, "on-exists %q: use fail, append or recreate", onExists)
}

func (d dump) exists() error {
	return d.errorf(adapters.KindExists, "a dump already exists here (%s); use --on-exists append to continue it or recreate to replace it, or pick another directory", manifestName)
}

// untouchable is the error for a directory whose manifest is not a
// readable vecmig dump's.
func (d dump) untouchable(err error) error {
	return d.errorf(adapters.KindInvalid, "%v; vecmig will not touch this directory: move it away or pick another one", err)
}

// strayFindings lists the points files a new dump of def would write over
// although no manifest accounts for them (except those in skip, which a
// recreate deletes first).
func (s *Sink) strayFindings(def *adapters.Collection, skip map[string]bool) []adapters.Finding {
	var out []adapters.Finding
	for _, e := range s.fresh(def).Partitions {
		if skip[e.File] {
			continue
		}
		if _, err := os.Lstat(s.path(e.File)); err == nil {
			out = append(out, s.finding(s.errorf(adapters.KindExists, "%s exists but no %s accounts for it; move it away or pick another directory", e.File, manifestName)))
		}
	}
	return out
}

// appendFindings tells whether the dump m can be continued with def's
// points: the same engine, partitioning and vectors, and its points files
// present.
func (s *Sink) appendFindings(m *manifest, def *adapters.Collection) []adapters.Finding {
	old := m.Collection
	var out []adapters.Finding
	add := func(format string, args ...any) {
		out = append(out, adapters.ErrorFinding(adapters.KindIncompatible, s.subject(),
			format+"; use --on-exists recreate to replace the dump, or another directory", args...))
	}
	if old.Engine != def.Engine {
		add("the dump holds %s collection %q and the source is %s; a dump holds one engine's definition", old.Engine, old.Name, def.Engine)
	}
	if old.Partitioned != def.Partitioned {
		add("the dump's collection %q is %s and the source's is %s", old.Name, partitioned(old.Partitioned), partitioned(def.Partitioned))
	}
	out = append(out, adapters.CompareVectors(s.subject(), def, old)...)
	for _, e := range m.Partitions {
		if e.Count == 0 {
			continue
		}
		if _, err := os.Lstat(s.path(e.File)); err != nil {
			out = append(out, adapters.ErrorFinding(adapters.KindInvalid, s.subject(),
				"points file %s of partition %q is missing though %s records %d points in it; use --on-exists recreate to write the dump again", e.File, e.Name, manifestName, e.Count))
		}
	}
	return out
}

func partitioned(p bool) string {
	if p {
		return "partitioned (tenants or shard keys)"
	}
	return "not partitioned"
}

// summary says what a manifest holds, for notes.
func (m *manifest) summary() string {
	var n uint64
	for _, e := range m.Partitions {
		n += e.Count
	}
	s := fmt.Sprintf("%s collection %q, %d points", m.Collection.Engine, m.Collection.Name, n)
	if len(m.Partitions) > 1 {
		s += fmt.Sprintf(" in %d partitions", len(m.Partitions))
	}
	if !m.Complete {
		s += " when last saved"
	}
	return strings.TrimSpace(s)
}
