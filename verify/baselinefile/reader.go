package baselinefile

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/fingerprint"
)

// The ways a file can be unreadable; errors wrap one of them.
var (
	ErrNotBaseline = errors.New("not a vecmig baseline file")
	ErrNewer       = errors.New("written by a newer vecmig")
	ErrTruncated   = errors.New("the file ends early (truncated)")
	ErrCorrupt     = errors.New("the file is corrupt (checksum mismatch)")
)

// Record is one point's fingerprint.
type Record struct {
	ID  adapters.ID
	Sum fingerprint.Sum
}

// Reader reads a baseline front to back: the header, each partition's
// fingerprints, then the kept points and probes (Tail).
type Reader struct {
	br     *bufio.Reader
	gz     *gzip.Reader
	sum    hash.Hash
	header Header
	peeked int // a tag read ahead, or -1
	part   string
	inPart bool
	n      uint64
	last   *adapters.ID
	buf    []byte
}

// NewReader checks the magic and version and reads the header.
func NewReader(in io.Reader) (*Reader, error) {
	var pre [len(Magic) + 2]byte
	if _, err := io.ReadFull(in, pre[:]); err != nil {
		return nil, fmt.Errorf("%w: it is shorter than a baseline's first %d bytes", ErrNotBaseline, len(pre))
	}
	if string(pre[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("%w: it does not start with %q; pass a file written by `vecmig baseline capture`", ErrNotBaseline, Magic)
	}
	if v := binary.BigEndian.Uint16(pre[len(Magic):]); v > Version {
		return nil, fmt.Errorf("%w: format version %d, and this vecmig reads up to version %d; verify with a newer vecmig", ErrNewer, v, Version)
	}
	gz, err := gzip.NewReader(in)
	if err != nil {
		return nil, classify(err)
	}
	gz.Multistream(false)
	r := &Reader{br: bufio.NewReaderSize(gz, 1<<16), gz: gz, sum: sha256.New(), peeked: -1}
	if tag, err := r.tag(); err != nil || tag != tagHeader {
		return nil, r.bad(err, "no header")
	}
	b, err := r.blob()
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &r.header); err != nil || r.header.Definition == nil {
		return nil, fmt.Errorf("%w: the header does not decode (%v)", ErrCorrupt, err)
	}
	return r, nil
}

// Header returns the file's header.
func (r *Reader) Header() Header { return r.header }

// classify turns a read error into ErrTruncated or ErrCorrupt.
func classify(err error) error {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: capture the baseline again, or use an intact copy", ErrTruncated)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader), errors.As(err, &ce):
		return fmt.Errorf("%w (%v): capture the baseline again, or use an intact copy", ErrCorrupt, err)
	}
	return err
}

func (r *Reader) bad(err error, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s where the format expects it: capture the baseline again, or use an intact copy", ErrCorrupt, what)
}

func (r *Reader) read(n int) ([]byte, error) {
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, classify(err)
	}
	r.sum.Write(b)
	return b, nil
}

func (r *Reader) tag() (int, error) {
	if r.peeked >= 0 {
		t := r.peeked
		r.peeked = -1
		return t, nil
	}
	b, err := r.read(1)
	if err != nil {
		return 0, err
	}
	return int(b[0]), nil
}

func (r *Reader) uvarint() (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		b, err := r.read(1)
		if err != nil {
			return 0, err
		}
		v |= uint64(b[0]&0x7f) << shift
		if b[0] < 0x80 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: a number is too long", ErrCorrupt)
}

// maxBlob bounds one record, so that a damaged length cannot make the
// reader allocate without bound (probes of 10,000 queries of 4096
// dimensions fit).
const maxBlob = 1 << 30

func (r *Reader) blob() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil {
		return nil, err
	}
	if n > maxBlob {
		return nil, fmt.Errorf("%w: a record claims %d bytes", ErrCorrupt, n)
	}
	b, err := r.read(int(n))
	return append([]byte(nil), b...), err
}
