package baselinefile

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/fingerprint"
	"github.com/vecmig/vecmig/verify/knn"
)

// Magic starts every baseline file; Version is the format this package
// writes and the newest it reads.
const (
	Magic   = "VECMIGBL"
	Version = 1
)

// Record tags (see the package doc).
const (
	tagHeader    = 'H'
	tagPartition = 'P'
	tagIntID     = 0x20
	tagEnd       = 'E'
	tagKept      = 'S'
	tagProbes    = 'Q'
	tagSum       = 'Z'
)

// Header is what a baseline says about the collection as a whole.
type Header struct {
	Version  int       `json:"version"`
	Captured time.Time `json:"captured"`
	// Source names the endpoint captured (never with a secret).
	Source     string               `json:"source"`
	Seed       uint64               `json:"seed"`
	Keep       int                  `json:"keep"`
	Queries    int                  `json:"queries"`
	K          int                  `json:"k"`
	Definition *adapters.Collection `json:"definition"`
	// Counts are the exact counts per partition taken before the scan.
	Counts map[string]uint64 `json:"counts"`
}

// Probe is one k-NN query and its exact top-k on the captured data.
type Probe struct {
	Partition string            `json:"partition,omitempty"`
	Vector    string            `json:"vector"`
	Metric    adapters.Distance `json:"metric"`
	QueryID   adapters.ID       `json:"query_id"` // the point whose vector is the query
	Query     []float32         `json:"query"`
	Hits      []knn.Hit         `json:"hits"`
}

// Kept is one point stored whole, for field-by-field comparison.
type Kept struct {
	Partition string
	Point     adapters.Point
}

// Writer writes one baseline file. Not safe for concurrent use.
type Writer struct {
	out   *countingWriter
	gz    *gzip.Writer
	bw    *bufio.Writer
	sum   hash.Hash
	w     io.Writer // bw and sum together
	part  *string
	n     uint64
	last  *adapters.ID
	buf   []byte
	ended bool
}

// NewWriter writes the magic, the version and h to out.
func NewWriter(out io.Writer, h Header) (*Writer, error) {
	h.Version = Version
	cw := &countingWriter{w: out}
	var pre [len(Magic) + 2]byte
	copy(pre[:], Magic)
	binary.BigEndian.PutUint16(pre[len(Magic):], Version)
	if _, err := cw.Write(pre[:]); err != nil {
		return nil, err
	}
	gz, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	bw := bufio.NewWriterSize(gz, 1<<16)
	sum := sha256.New()
	w := &Writer{out: cw, gz: gz, bw: bw, sum: sum, w: io.MultiWriter(bw, sum)}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode the baseline header: %w", err)
	}
	return w, w.blob(tagHeader, b)
}

func (w *Writer) blob(tag byte, b []byte) error {
	w.buf = append(w.buf[:0], tag)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(b)))
	if _, err := w.w.Write(w.buf); err != nil {
		return err
	}
	_, err := w.w.Write(b)
	return err
}

// BeginPartition starts the fingerprints of a partition ("" when the
// collection is not partitioned).
func (w *Writer) BeginPartition(name string) error {
	if w.part != nil {
		return fmt.Errorf("baseline writer: partition %q not ended", *w.part)
	}
	w.part, w.n, w.last = &name, 0, nil
	return w.blob(tagPartition, []byte(name))
}

// Add writes one point's fingerprint; ids must come in strictly
// increasing order within a partition.
func (w *Writer) Add(id adapters.ID, s fingerprint.Sum) error {
	if w.part == nil {
		return fmt.Errorf("baseline writer: point %s outside a partition", id)
	}
	if w.last != nil && !w.last.Less(id) {
		return fmt.Errorf("point %s came after %s: the source did not read in id order, so the baseline cannot be written (an adapter bug; please report it)", id, w.last)
	}
	w.buf = appendID(w.buf[:0], w.last, id)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, s.Vectors)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, s.Payload)
	w.last = &id
	w.n++
	_, err := w.w.Write(w.buf)
	return err
}

// EndPartition closes the current partition.
func (w *Writer) EndPartition() error {
	if w.part == nil {
		return fmt.Errorf("baseline writer: no partition to end")
	}
	w.part = nil
	w.buf = binary.AppendUvarint(append(w.buf[:0], tagEnd), w.n)
	_, err := w.w.Write(w.buf)
	return err
}

// Finish writes the kept points, the probes and the checksum, and
// flushes. It does not close out.
func (w *Writer) Finish(kept []Kept, probes []Probe) error {
	if w.ended {
		return nil
	}
	w.ended = true
	for i := range kept {
		b, err := encodeKept(&kept[i])
		if err != nil {
			return fmt.Errorf("kept point %s: %w", kept[i].Point.ID, err)
		}
		if err := w.blob(tagKept, b); err != nil {
			return err
		}
	}
	b, err := json.Marshal(probes)
	if err != nil {
		return fmt.Errorf("encode the probe queries: %w", err)
	}
	if err := w.blob(tagProbes, b); err != nil {
		return err
	}
	if _, err := w.w.Write([]byte{tagSum}); err != nil {
		return err
	}
	if _, err := w.bw.Write(w.sum.Sum(nil)); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	return w.gz.Close()
}

// Bytes is how many bytes went to out so far.
func (w *Writer) Bytes() int64 { return w.out.n }

// appendID encodes id after prev (nil: the first of the partition).
func appendID(buf []byte, prev *adapters.ID, id adapters.ID) []byte {
	if !id.IsUUID() {
		d := id.Num()
		if prev != nil && !prev.IsUUID() {
			d -= prev.Num()
		}
		return binary.AppendUvarint(append(buf, tagIntID), d)
	}
	var base [16]byte
	if prev != nil && prev.IsUUID() {
		base = prev.UUIDBytes()
	}
	d := subUUID(id.UUIDBytes(), base)
	i := 0
	for i < 15 && d[i] == 0 {
		i++
	}
	return append(append(buf, byte(16-i)), d[i:]...)
}

// subUUID is a-b as 128-bit big-endian numbers (a >= b).
func subUUID(a, b [16]byte) [16]byte {
	ah, al := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	bh, bl := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	lo := al - bl
	hi := ah - bh
	if al < bl {
		hi--
	}
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], hi)
	binary.BigEndian.PutUint64(out[8:], lo)
	return out
}

// addUUID is a+d as 128-bit big-endian numbers.
func addUUID(a, d [16]byte) [16]byte {
	ah, al := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(a[8:])
	dh, dl := binary.BigEndian.Uint64(d[:8]), binary.BigEndian.Uint64(d[8:])
	lo := al + dl
	hi := ah + dh
	if lo < al {
		hi++
	}
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], hi)
	binary.BigEndian.PutUint64(out[8:], lo)
	return out
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
