package file

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// Sink writes a dump. Points arrive in ID order, one batch at a time
// (RequiresOrder); each partition's file is appended to, and only one file
// is open at a time, so a class with thousands of tenants needs one gzip
// compressor, not thousands.
type Sink struct {
	dump
	gzipNew bool // compress the points files this sink creates

	mu       sync.Mutex
	m        *manifest // this session's manifest, from Prepare on
	prepared bool      // between Prepare and Finish
	parts    map[string]*partState

	// The one points file open for writing.
	act    *partState
	f      *os.File
	bw     *bufio.Writer
	gz     *gzip.Writer
	member bool // a gzip member is open in f
	buf    []byte
}

var (
	_ adapters.Sink        = (*Sink)(nil)
	_ adapters.OrderedSink = (*Sink)(nil)
)

// partState is what the sink knows about one points file.
type partState struct {
	e *partEntry
	// open: the fields below describe the file on disk (this session
	// created it, checked it against the manifest, or rewrote its valid
	// prefix). Until then the file is untouched.
	open        bool
	h           hash.Hash // of every byte of the file so far
	size        int64
	count       uint64
	first, last *adapters.ID
}

func (ps *partState) reset() {
	ps.h, ps.size, ps.count, ps.first, ps.last = sha256.New(), 0, 0, nil, nil
}

// fileWriter writes to the active file and hashes what it wrote.
type fileWriter struct {
	f  *os.File
	ps *partState
}

func (w fileWriter) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	w.ps.h.Write(b[:n])
	w.ps.size += int64(n)
	return n, err
}

// OpenSink opens the dump at ep.Name for writing; nothing is created
// before Prepare.
func OpenSink(_ context.Context, ep *adapters.Endpoint) (*Sink, error) {
	d, err := newDump(ep)
	if err != nil {
		return nil, err
	}
	s := &Sink{dump: d}
	switch c := ep.Query.Get("compress"); c {
	case "", "gzip":
		s.gzipNew = true
	case "none":
	default:
		return nil, d.errorf(adapters.KindInvalid, "compress=%q: use compress=gzip (the default) or compress=none", c)
	}
	return s, nil
}

// RequiresOrder is true: a dump's files are written in ID order.
func (s *Sink) RequiresOrder() bool { return true }

// Endpoint names the dump in messages.
func (s *Sink) Endpoint() string { return s.ep }

// Exists reports whether the directory holds a dump (finished or not).
func (s *Sink) Exists(_ context.Context) (bool, error) {
	_, err := os.Lstat(s.path(manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, s.errorf(adapters.KindUnknown, "%w", err)
	}
	return true, nil
}

// Prepare starts a dump of def, or keeps or replaces the one there. With
// append it continues the existing points files: this is how a killed run
// resumes.
func (s *Sink) Prepare(_ context.Context, def *adapters.Collection, onExists adapters.OnExists) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkOnExists(onExists); err != nil {
		return err
	}
	s.closeActive()
	s.prepared, s.m, s.parts = false, nil, nil

	m, err := readManifest(s.dir)
	_, statErr := os.Lstat(s.path(manifestName))
	switch {
	case statErr == nil && onExists == adapters.ExistsFail:
		return s.exists()
	case errors.Is(err, errNoManifest):
		m = nil
	case err != nil:
		return s.untouchable(err)
	}
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return s.errorf(adapters.KindUnknown, "create the dump directory: %w", err)
	}

	if m != nil && onExists == adapters.ExistsRecreate {
		if err := s.remove(m); err != nil {
			return err
		}
		m = nil
	}
	if m != nil {
		if err := s.merge(m, def); err != nil {
			return err
		}
	} else {
		if err := adapters.FindingsError(s.strayFindings(def, nil)); err != nil {
			return err
		}
		m = s.fresh(def)
	}
	if err := writeManifest(s.dir, m); err != nil {
		return s.errorf(adapters.KindUnknown, "write %s: %w", manifestName, err)
	}
	s.m, s.prepared = m, true
	s.parts = map[string]*partState{}
	for _, e := range m.Partitions {
		s.parts[e.Name] = &partState{e: e}
	}
	return nil
}

// fresh plans a new dump of def (strayFindings says whether its files
// would overwrite others).
func (s *Sink) fresh(def *adapters.Collection) *manifest {
	m := &manifest{
		Format:     formatName,
		Version:    formatVersion,
		Created:    time.Now().UTC().Format(time.RFC3339),
		Collection: cloneCollection(def),
	}
	taken := map[string]bool{}
	status := partitionStatuses(def)
	for _, name := range def.PartitionNames() {
		file := pointsFileName(def.Partitioned, name, s.gzipNew, taken)
		m.Partitions = append(m.Partitions, &partEntry{Name: name, Status: status[name], File: file})
	}
	return m
}

// merge makes the existing manifest m ready to continue with def: the same
// vectors, partitions added for def's new ones, statuses from def.
func (s *Sink) merge(m *manifest, def *adapters.Collection) error {
	if err := adapters.FindingsError(s.appendFindings(m, def)); err != nil {
		return err
	}
	old := m.Collection
	merged := cloneCollection(def)
	inDef := map[string]bool{}
	for _, p := range def.Partitions {
		inDef[p.Name] = true
	}
	for _, p := range old.Partitions {
		if !inDef[p.Name] {
			merged.Partitions = append(merged.Partitions, p)
		}
	}
	taken := map[string]bool{}
	for _, e := range m.Partitions {
		taken[strings.ToLower(e.File)] = true
	}
	status := partitionStatuses(merged)
	for _, name := range merged.PartitionNames() {
		e := m.entry(name)
		if e == nil {
			e = &partEntry{Name: name, File: pointsFileName(merged.Partitioned, name, s.gzipNew, taken)}
			m.Partitions = append(m.Partitions, e)
		}
		e.Status = status[name]
	}
	m.Collection = merged
	m.Complete = false
	return nil
}

// remove deletes the files of the dump m names, then its manifest; other
// files in the directory are left alone.
func (s *Sink) remove(m *manifest) error {
	var names []string
	for _, e := range m.Partitions {
		names = append(names, e.File, e.File+".tmp")
	}
	names = append(names, manifestName+".tmp", manifestName)
	for _, n := range names {
		if err := os.Remove(s.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return s.errorf(adapters.KindUnknown, "remove %s of the old dump: %w", n, err)
		}
	}
	if err := syncDir(s.dir); err != nil {
		return s.errorf(adapters.KindUnknown, "%w", err)
	}
	return nil
}

// Write appends points to a partition's file. Points whose id is not above
// the last one in the file are skipped: a resumed run re-sends from its
// saved watermark. The batch is on disk (flushed and fsynced) on return.
func (s *Sink) Write(ctx context.Context, partition string, points []adapters.Point) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.prepared {
		return s.errorf(adapters.KindInvalid, "write before Prepare (or after Finish)")
	}
	ps := s.parts[partition]
	if ps == nil {
		return s.errorf(adapters.KindInvalid, "partition %q is not in the collection definition given to Prepare; the dump has %s", partition, s.m.partitionNames())
	}
	for i := 1; i < len(points); i++ {
		if !points[i-1].ID.Less(points[i].ID) {
			return s.errorf(adapters.KindInvalid, "points %s and %s of partition %q arrive out of ID order; a dump is written in ascending ID order, one batch at a time",
				points[i-1].ID, points[i].ID, partition)
		}
	}
	if err := s.use(ps); err != nil {
		return err
	}
	s.buf = s.buf[:0]
	var first, last *adapters.ID
	var n uint64
	for i := range points {
		p := &points[i]
		if ps.last != nil && !ps.last.Less(p.ID) {
			continue
		}
		var err error
		if s.buf, err = appendPoint(s.buf, p); err != nil {
			return s.errorf(adapters.KindInvalid, "point %s of partition %q: %v; nothing of this batch was written", p.ID, partition, err)
		}
		if first == nil {
			first = &p.ID
		}
		last = &p.ID
		n++
	}
	if n == 0 {
		return nil
	}
	if err := s.writeSync(s.buf); err != nil {
		s.abandon()
		return s.errorf(adapters.KindUnknown, "write %s: %w", ps.e.File, err)
	}
	if ps.first == nil {
		id := *first
		ps.first = &id
	}
	id := *last
	ps.last = &id
	ps.count += n
	return nil
}

// Finish closes every points file, checksums it and writes the manifest
// with complete=true.
func (s *Sink) Finish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.prepared {
		return s.errorf(adapters.KindInvalid, "finish before Prepare")
	}
	if err := s.deactivate(false); err != nil {
		return err
	}
	for _, e := range s.m.Partitions {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ps := s.parts[e.Name]; !ps.open {
			if err := s.use(ps); err != nil {
				return err
			}
			if err := s.deactivate(false); err != nil {
				return err
			}
		}
	}
	s.m.Complete = true
	if err := writeManifest(s.dir, s.m); err != nil {
		return s.errorf(adapters.KindUnknown, "write %s: %w", manifestName, err)
	}
	s.prepared = false
	return nil
}

// Count returns the points written to a partition so far (after Finish,
// or for a dump this sink did not prepare, the manifest's count).
func (s *Sink) Count(ctx context.Context, partition string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	if m == nil {
		var err error
		if m, err = s.load(); err != nil {
			return 0, err
		}
	}
	e := m.entry(partition)
	if e == nil {
		return 0, s.noPartition(m, partition)
	}
	if s.prepared {
		if ps := s.parts[partition]; ps.open {
			return ps.count, nil
		}
	} else if m.Complete {
		return e.Count, nil
	}
	n, err := countLines(ctx, s.path(e.File))
	if err != nil {
		return 0, s.errorf(adapters.KindInvalid, "count points file %s: %w", e.File, err)
	}
	return n, nil
}

// Close releases the open file without finishing it: the dump stays
// incomplete, as after a killed run, and can be continued with append.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeActive()
	s.prepared = false
	return nil
}

// use makes ps the file being written, opening it the first time: created
// when new, appended to when it matches the manifest, otherwise (a killed
// run's file) rewritten from its valid prefix.
func (s *Sink) use(ps *partState) error {
	if s.act == ps {
		return nil
	}
	if err := s.deactivate(true); err != nil {
		return err
	}
	path := s.path(ps.e.File)
	if ps.open {
		return s.activate(ps, os.O_WRONLY|os.O_APPEND)
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if ps.e.Count > 0 {
			return s.errorf(adapters.KindInvalid, "points file %s of partition %q is missing though %s says it holds %d points; write the dump again with --on-exists recreate",
				ps.e.File, ps.e.Name, manifestName, ps.e.Count)
		}
		ps.reset()
		if err := s.activate(ps, os.O_WRONLY|os.O_CREATE|os.O_EXCL); err != nil {
			return err
		}
		if err := syncDir(s.dir); err != nil {
			return s.errorf(adapters.KindUnknown, "%w", err)
		}
		return nil
	}
	if ps.e.SHA256 != "" {
		h := sha256.New()
		size, err := hashInto(h, path)
		if err != nil {
			return s.errorf(adapters.KindUnknown, "read %s: %w", ps.e.File, err)
		}
		if hex.EncodeToString(h.Sum(nil)) == ps.e.SHA256 {
			// The file is as its writer closed it: continue it with a new
			// gzip member.
			ps.h, ps.size, ps.count, ps.first, ps.last = h, size, ps.e.Count, ps.e.FirstID, ps.e.LastID
			return s.activate(ps, os.O_WRONLY|os.O_APPEND)
		}
	}
	return s.recover(ps)
}

func hashInto(h hash.Hash, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(h, f)
}

// activate opens ps's file for writing with flag.
func (s *Sink) activate(ps *partState, flag int) error {
	f, err := os.OpenFile(s.path(ps.e.File), flag, fileMode)
	if err != nil {
		return s.errorf(adapters.KindUnknown, "open %s for writing: %w", ps.e.File, err)
	}
	s.setActive(ps, f)
	return nil
}

func (s *Sink) setActive(ps *partState, f *os.File) {
	w := fileWriter{f: f, ps: ps}
	if s.bw == nil {
		s.bw = bufio.NewWriterSize(w, 1<<18)
	} else {
		s.bw.Reset(w)
	}
	s.act, s.f, s.member = ps, f, false
	ps.open = true
}

// out returns the writer for lines, starting a gzip member if needed.
func (s *Sink) out() io.Writer {
	if !isGzipName(s.act.e.File) {
		return s.bw
	}
	if !s.member {
		if s.gz == nil {
			s.gz, _ = gzip.NewWriterLevel(s.bw, gzip.BestSpeed) // 3x faster than the default level, 15% bigger
		} else {
			s.gz.Reset(s.bw)
		}
		s.member = true
	}
	return s.gz
}

// writeSync writes lines and makes them durable, with the gzip stream
// flushed so that every complete line can be read back from the file.
func (s *Sink) writeSync(b []byte) error {
	if _, err := s.out().Write(b); err != nil {
		return err
	}
	return s.sync()
}

func (s *Sink) sync() error {
	if s.member {
		if err := s.gz.Flush(); err != nil {
			return err
		}
	}
	if err := s.bw.Flush(); err != nil {
		return err
	}
	return s.f.Sync()
}

// deactivate finishes the active file: closes its gzip member (a new file
// gets an empty one, so that it is valid gzip), syncs it and records its
// count and checksum in the manifest entry (on disk at Finish).
func (s *Sink) deactivate(save bool) error {
	ps := s.act
	if ps == nil {
		return nil
	}
	err := func() error {
		if isGzipName(ps.e.File) && (s.member || ps.size == 0) {
			s.out()
			if err := s.gz.Close(); err != nil {
				return err
			}
			s.member = false
		}
		if err := s.bw.Flush(); err != nil {
			return err
		}
		if err := s.f.Sync(); err != nil {
			return err
		}
		return s.f.Close()
	}()
	if err != nil {
		s.abandon()
		return s.errorf(adapters.KindUnknown, "close %s: %w", ps.e.File, err)
	}
	s.act, s.f = nil, nil
	ps.e.Count, ps.e.SHA256, ps.e.Size, ps.e.FirstID, ps.e.LastID = ps.count, hex.EncodeToString(ps.h.Sum(nil)), ps.size, ps.first, ps.last
	// Saving the checksum now spares a resumed run from rewriting this
	// file; skip it when the manifest is bigger than the file.
	if save && ps.size >= int64(len(s.m.Partitions))*256 {
		if err := writeManifest(s.dir, s.m); err != nil {
			return s.errorf(adapters.KindUnknown, "write %s: %w", manifestName, err)
		}
	}
	return nil
}

// abandon drops the active file after an error: its state on disk is
// unknown, so the next use rewrites it from its valid prefix.
func (s *Sink) abandon() {
	if s.act == nil {
		return
	}
	s.f.Close()
	s.act.open = false
	s.act, s.f, s.member = nil, nil, false
}

// closeActive closes the active file without finishing its gzip member
// (what a killed run leaves; the next use recovers it).
func (s *Sink) closeActive() {
	if s.act == nil {
		return
	}
	if s.member {
		s.gz.Flush()
	}
	s.bw.Flush()
	s.f.Sync()
	s.abandon()
}

// recover rewrites the complete lines of a points file that a killed run
// left unfinished to a new file, renames it into place and keeps it open
// for the points that follow.
func (s *Sink) recover(ps *partState) error {
	path := s.path(ps.e.File)
	sc, err := openScanner(path)
	if err != nil {
		return s.errorf(adapters.KindUnknown, "open %s: %w", ps.e.File, err)
	}
	defer sc.Close()
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return s.errorf(adapters.KindUnknown, "create %s: %w", ps.e.File+".tmp", err)
	}
	ps.reset()
	s.setActive(ps, f)
	fail := func(err error) error {
		s.abandon()
		os.Remove(tmp)
		return err
	}
	for {
		raw, p, err := sc.next()
		if errors.Is(err, io.EOF) || errors.Is(err, errCutShort) {
			break
		}
		var ce *corruptError
		if errors.As(err, &ce) {
			return fail(s.errorf(adapters.KindInvalid, "points file %s is corrupt (%v), so the dump cannot be continued; write it again with --on-exists recreate", ps.e.File, err))
		}
		if err != nil {
			return fail(s.errorf(adapters.KindUnknown, "read %s: %w", ps.e.File, err))
		}
		if _, err := s.out().Write(raw); err != nil {
			return fail(s.errorf(adapters.KindUnknown, "write %s: %w", ps.e.File+".tmp", err))
		}
		if ps.first == nil {
			id := p.ID
			ps.first = &id
		}
		id := p.ID
		ps.last = &id
		ps.count++
	}
	if err := s.sync(); err != nil {
		return fail(s.errorf(adapters.KindUnknown, "write %s: %w", ps.e.File+".tmp", err))
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(s.errorf(adapters.KindUnknown, "replace %s: %w", ps.e.File, err))
	}
	if err := syncDir(s.dir); err != nil {
		return fail(s.errorf(adapters.KindUnknown, "%w", err))
	}
	return nil
}

func partitionStatuses(c *adapters.Collection) map[string]string {
	m := map[string]string{}
	for _, p := range c.Partitions {
		m[p.Name] = p.Status
	}
	return m
}
