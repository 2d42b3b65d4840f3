package file

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

// errCutShort marks a points file that ends early: in the middle of a line
// or of a gzip stream, as a killed writer leaves it.
var errCutShort = errors.New("the file ends in the middle of a line or of its gzip stream")

// corruptError is a points file whose content is wrong where it is
// complete: bad gzip data, a line that is not a point, ids out of order.
type corruptError struct {
	line int // the line at fault, 0 when unknown
	err  error
}

func (e *corruptError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %v", e.line, e.err)
	}
	return e.err.Error()
}

func (e *corruptError) Unwrap() error { return e.err }

// scanner reads a points file line by line, checking ID order and hashing
// the file's bytes as they go by.
type scanner struct {
	f       *os.File
	h       hash.Hash
	src     io.Reader // f through h
	gzipped bool
	br      *bufio.Reader
	started bool
	lines   int // complete lines returned
	prev    *adapters.ID
}

func isGzipName(file string) bool { return strings.HasSuffix(file, ".gz") }

func openScanner(path string) (*scanner, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	return &scanner{f: f, h: h, src: io.TeeReader(f, h), gzipped: isGzipName(path)}, nil
}

func (s *scanner) Close() error { return s.f.Close() }

// sum is the hex SHA-256 of the bytes read so far (the whole file once next
// has returned io.EOF).
func (s *scanner) sum() string { return hex.EncodeToString(s.h.Sum(nil)) }

// classify sorts a read error into cut short, corrupt or I/O.
func (s *scanner) classify(err error) error {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w (after line %d)", errCutShort, s.lines)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &ce):
		return &corruptError{line: s.lines + 1, err: fmt.Errorf("gzip: %w", err)}
	}
	return err
}

// next returns the next complete line and its point, or io.EOF at the
// clean end of the file.
func (s *scanner) next() ([]byte, adapters.Point, error) {
	if !s.started {
		s.started = true
		if s.gzipped {
			gz, err := gzip.NewReader(s.src)
			if errors.Is(err, io.EOF) {
				// An empty file: nothing was ever written to it.
				s.br = bufio.NewReader(eofReader{})
			} else if err != nil {
				return nil, adapters.Point{}, s.classify(err)
			} else {
				s.br = bufio.NewReaderSize(gz, 1<<16)
			}
		} else {
			s.br = bufio.NewReaderSize(s.src, 1<<16)
		}
	}
	data, err := s.br.ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			if len(data) > 0 {
				return nil, adapters.Point{}, fmt.Errorf("%w (line %d has no end)", errCutShort, s.lines+1)
			}
			// Hash whatever the decompressor did not need to read.
			if _, err := io.Copy(io.Discard, s.src); err != nil {
				return nil, adapters.Point{}, err
			}
			return nil, adapters.Point{}, io.EOF
		}
		return nil, adapters.Point{}, s.classify(err)
	}
	p, err := decodePoint(data)
	if err != nil {
		return nil, adapters.Point{}, &corruptError{line: s.lines + 1, err: err}
	}
	if s.prev != nil && !s.prev.Less(p.ID) {
		return nil, adapters.Point{}, &corruptError{line: s.lines + 1, err: fmt.Errorf("point %s follows point %s: ids must be strictly ascending", p.ID, s.prev)}
	}
	s.lines++
	id := p.ID
	s.prev = &id
	return data, p, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
