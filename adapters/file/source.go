package file

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"sync"

	"github.com/vecmig/vecmig/adapters"
)

// Source reads a finished dump. It is safe for concurrent use (one mutex:
// a dump is read from one disk).
type Source struct {
	dump
	mu      sync.Mutex
	m       *manifest
	readers map[string]*partReader
}

var _ adapters.Source = (*Source)(nil)

// OpenSource opens the dump at ep.Name for reading. It reads nothing yet: a
// missing or unfinished dump is reported by the first call that needs it.
func OpenSource(_ context.Context, ep *adapters.Endpoint) (*Source, error) {
	d, err := newDump(ep)
	if err != nil {
		return nil, err
	}
	return &Source{dump: d, readers: map[string]*partReader{}}, nil
}

// Endpoint names the dump in messages.
func (s *Source) Endpoint() string { return s.ep }

// Close releases open files.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, r := range s.readers {
		r.close()
		delete(s.readers, name)
	}
	return nil
}

// manifest loads the manifest once and refuses an unfinished dump.
// s.mu is held.
func (s *Source) manifest() (*manifest, error) {
	if s.m != nil {
		return s.m, nil
	}
	m, err := s.load()
	if err != nil {
		return nil, err
	}
	if !m.Complete {
		return nil, s.notFinished()
	}
	s.m = m
	return m, nil
}

// Describe returns the collection definition stored in the dump.
func (s *Source) Describe(_ context.Context) (*adapters.Collection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.manifest()
	if err != nil {
		return nil, err
	}
	return cloneCollection(m.Collection), nil
}

// Count returns a partition's point count from the manifest.
func (s *Source) Count(_ context.Context, partition string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.manifest()
	if err != nil {
		return 0, err
	}
	e := m.entry(partition)
	if e == nil {
		return 0, s.noPartition(m, partition)
	}
	return e.Count, nil
}

// Read returns the points after req.After. A reader stays open per
// partition, so reading page after page streams the file once; any other
// After reopens it and skips ahead.
func (s *Source) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.manifest()
	if err != nil {
		return adapters.Page{}, err
	}
	e := m.entry(req.Partition)
	if e == nil {
		return adapters.Page{}, s.noPartition(m, req.Partition)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 256
	}
	r := s.readers[req.Partition]
	if r != nil && !r.canServe(req.After) {
		r.close()
		r = nil
	}
	if r == nil {
		if r, err = s.openReader(e); err != nil {
			return adapters.Page{}, err
		}
		s.readers[req.Partition] = r
	}
	page, err := r.read(ctx, req.After, limit)
	if err != nil {
		r.close()
		delete(s.readers, req.Partition)
		return adapters.Page{}, err
	}
	return page, nil
}

// Get scans the partition for ids (meant for samples, not bulk reads).
func (s *Source) Get(ctx context.Context, partition string, ids []adapters.ID) ([]adapters.Point, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.manifest()
	if err != nil {
		return nil, err
	}
	e := m.entry(partition)
	if e == nil {
		return nil, s.noPartition(m, partition)
	}
	want := sortIDs(ids)
	if len(want) == 0 {
		return nil, nil
	}
	r, err := s.openReader(e)
	if err != nil {
		return nil, err
	}
	defer r.close()
	var out []adapters.Point
	j := 0
	for j < len(want) {
		p, ok, err := r.peekNext(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		r.peek = nil
		for j < len(want) && want[j].Less(p.ID) {
			j++
		}
		if j < len(want) && want[j].Compare(p.ID) == 0 {
			out = append(out, p)
			j++
		}
	}
	return out, nil
}

func (s *Source) openReader(e *partEntry) (*partReader, error) {
	sc, err := openScanner(s.path(e.File))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, s.damaged(e, missingFact())
	}
	if err != nil {
		return nil, s.errorf(adapters.KindUnknown, "open points file: %w", err)
	}
	return &partReader{d: s.dump, e: e, sc: sc}, nil
}

// partReader streams one points file.
type partReader struct {
	d  dump
	e  *partEntry
	sc *scanner
	// pos: every point with an id <= pos was returned or skipped; nil when
	// nothing was.
	pos  *adapters.ID
	peek *adapters.Point // the next point, read ahead to know whether a page is the last
	done bool            // the whole file was read and checked
}

func (r *partReader) close() { r.sc.Close() }

// canServe reports whether this reader can answer a read after `after`
// without going back.
func (r *partReader) canServe(after *adapters.ID) bool {
	if after == nil {
		return r.pos == nil
	}
	return r.pos == nil || !after.Less(*r.pos)
}

func (r *partReader) read(ctx context.Context, after *adapters.ID, limit int) (adapters.Page, error) {
	if after != nil {
		for {
			p, ok, err := r.peekNext(ctx)
			if err != nil {
				return adapters.Page{}, err
			}
			if !ok || after.Less(p.ID) {
				break
			}
			r.peek = nil
		}
		if r.pos == nil || r.pos.Less(*after) {
			a := *after
			r.pos = &a
		}
	}
	var page adapters.Page
	for len(page.Points) < limit {
		p, ok, err := r.peekNext(ctx)
		if err != nil {
			return adapters.Page{}, err
		}
		if !ok {
			break
		}
		r.peek = nil
		id := p.ID
		r.pos = &id
		page.Points = append(page.Points, p)
	}
	_, more, err := r.peekNext(ctx)
	if err != nil {
		return adapters.Page{}, err
	}
	page.Done = !more
	return page, nil
}

// peekNext returns the next point without consuming it (set r.peek = nil
// to consume), or false at the end, once the file's checksum and count
// have been checked against the manifest.
func (r *partReader) peekNext(ctx context.Context) (adapters.Point, bool, error) {
	if r.peek != nil {
		return *r.peek, true, nil
	}
	if r.done {
		return adapters.Point{}, false, nil
	}
	if r.sc.lines%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return adapters.Point{}, false, err
		}
	}
	_, p, err := r.sc.next()
	switch {
	case errors.Is(err, io.EOF):
		if facts := endFacts(r.e, r.sc, ""); len(facts) > 0 {
			return adapters.Point{}, false, r.d.damaged(r.e, facts...)
		}
		r.done = true
		return adapters.Point{}, false, nil
	case err != nil:
		return adapters.Point{}, false, r.fileError(err)
	}
	r.peek = &p
	return p, true, nil
}

// fileError words a failed read. A damaged file is reported as
// CheckSource reports it.
func (r *partReader) fileError(err error) error {
	broken, ok := brokenFact(r.sc, r.e, err)
	if !ok {
		return r.d.errorf(adapters.KindUnknown, "read dump file %s: %w", r.e.File, err)
	}
	return r.d.damaged(r.e, restFacts(r.e, r.sc, broken)...)
}

// cloneCollection copies a definition so callers cannot change ours.
func cloneCollection(c *adapters.Collection) *adapters.Collection {
	cp := *c
	cp.Vectors = make(map[string]adapters.VectorSpec, len(c.Vectors))
	for k, v := range c.Vectors {
		cp.Vectors[k] = v
	}
	cp.Partitions = append([]adapters.Partition(nil), c.Partitions...)
	cp.Native = append([]byte(nil), c.Native...)
	if c.Native == nil {
		cp.Native = nil
	}
	return &cp
}

// ReadsSequentially tells verification to read a dump front to back: a
// position inside it is reached only by scanning up to it.
func (s *Source) ReadsSequentially() bool { return true }
