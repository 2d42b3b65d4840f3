package baselinefile

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/fingerprint"
)

// NextPartition starts the next partition's fingerprints and returns its
// name; ok is false once every partition was read.
func (r *Reader) NextPartition() (name string, ok bool, err error) {
	for r.inPart { // skip what the caller left of the previous one
		if _, more, err := r.Next(); err != nil {
			return "", false, err
		} else if !more {
			break
		}
	}
	t, err := r.tag()
	if err != nil {
		return "", false, err
	}
	if t != tagPartition {
		r.peeked = t
		return "", false, nil
	}
	b, err := r.blob()
	if err != nil {
		return "", false, err
	}
	r.part, r.inPart, r.n, r.last = string(b), true, 0, nil
	return r.part, true, nil
}

// Next returns the partition's next fingerprint; ok is false at its end.
func (r *Reader) Next() (rec Record, ok bool, err error) {
	if !r.inPart {
		return rec, false, nil
	}
	t, err := r.tag()
	if err != nil {
		return rec, false, err
	}
	switch {
	case t == tagEnd:
		n, err := r.uvarint()
		if err != nil {
			return rec, false, err
		}
		if n != r.n {
			return rec, false, fmt.Errorf("%w: partition %q ends after %d points but says %d", ErrCorrupt, r.part, r.n, n)
		}
		r.inPart = false
		return rec, false, nil
	case t == tagIntID:
		d, err := r.uvarint()
		if err != nil {
			return rec, false, err
		}
		if r.last != nil && !r.last.IsUUID() {
			d += r.last.Num()
		}
		rec.ID = adapters.NumID(d)
	case t >= 1 && t <= 16:
		b, err := r.read(t)
		if err != nil {
			return rec, false, err
		}
		var d, base [16]byte
		copy(d[16-t:], b)
		if r.last != nil && r.last.IsUUID() {
			base = r.last.UUIDBytes()
		}
		rec.ID = adapters.UUIDID(addUUID(base, d))
	default:
		return rec, false, fmt.Errorf("%w: unexpected record %#x in partition %q", ErrCorrupt, t, r.part)
	}
	b, err := r.read(8)
	if err != nil {
		return rec, false, err
	}
	rec.Sum = fingerprint.Sum{Vectors: binary.LittleEndian.Uint32(b), Payload: binary.LittleEndian.Uint32(b[4:])}
	if r.last != nil && !r.last.Less(rec.ID) {
		return rec, false, fmt.Errorf("%w: ids out of order in partition %q", ErrCorrupt, r.part)
	}
	id := rec.ID
	r.last = &id
	r.n++
	return rec, true, nil
}

// Tail reads what follows the fingerprints (skipping any left unread):
// the kept points and the probes, then checks the checksum and the end.
func (r *Reader) Tail() ([]Kept, []Probe, error) {
	for {
		if _, ok, err := r.NextPartition(); err != nil {
			return nil, nil, err
		} else if !ok {
			break
		}
	}
	var kept []Kept
	var probes []Probe
	for {
		t, err := r.tag()
		if err != nil {
			return nil, nil, err
		}
		switch t {
		case tagKept:
			b, err := r.blob()
			if err != nil {
				return nil, nil, err
			}
			k, err := decodeKept(b)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
			kept = append(kept, k)
		case tagProbes:
			b, err := r.blob()
			if err != nil {
				return nil, nil, err
			}
			if err := json.Unmarshal(b, &probes); err != nil {
				return nil, nil, fmt.Errorf("%w: the probe queries do not decode (%v)", ErrCorrupt, err)
			}
		case tagSum:
			return kept, probes, r.checkSum()
		default:
			return nil, nil, fmt.Errorf("%w: unexpected record %#x after the fingerprints", ErrCorrupt, t)
		}
	}
}

func (r *Reader) checkSum() error {
	want := r.sum.Sum(nil)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r.br, got); err != nil {
		return classify(err)
	}
	if string(got) != string(want) {
		return fmt.Errorf("%w: SHA-256 of the content differs from the one stored: capture the baseline again, or use an intact copy", ErrCorrupt)
	}
	// Reading to the end makes gzip check its own CRC and length.
	if n, err := io.Copy(io.Discard, r.br); err != nil {
		return classify(err)
	} else if n > 0 {
		return fmt.Errorf("%w: %d bytes follow the checksum", ErrCorrupt, n)
	}
	return nil
}

// Summary is a whole file read once: what verification needs before it
// streams the fingerprints again.
type Summary struct {
	Header Header
	// Points counts the fingerprints per partition, in file order.
	Points     map[string]uint64
	Partitions []string
	Kept       []Kept
	Probes     []Probe
}

// ReadSummary reads a whole file, checking it end to end.
func ReadSummary(in io.Reader) (*Summary, error) {
	r, err := NewReader(in)
	if err != nil {
		return nil, err
	}
	s := &Summary{Header: r.Header(), Points: map[string]uint64{}}
	for {
		name, ok, err := r.NextPartition()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		s.Partitions = append(s.Partitions, name)
		for {
			_, more, err := r.Next()
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
			s.Points[name]++
		}
	}
	if s.Kept, s.Probes, err = r.Tail(); err != nil {
		return nil, err
	}
	return s, nil
}
