package baselinefile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/fingerprint"
	"github.com/vecmig/vecmig/verify/knn"
)

func sampleFile(t *testing.T) ([]byte, []Record, []Kept, []Probe) {
	t.Helper()
	var buf bytes.Buffer
	def := &adapters.Collection{Engine: "qdrant", Name: "c", Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 2, Distance: adapters.Cosine}}}
	w, err := NewWriter(&buf, Header{Captured: time.Unix(1, 0).UTC(), Seed: 7, Definition: def, Counts: map[string]uint64{"": 5}})
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{adapters.NumID(0), fingerprint.Sum{Vectors: 1, Payload: 2}},
		{adapters.NumID(1 << 40), fingerprint.Sum{Vectors: 3, Payload: 4}},
		{adapters.MustParseID("00000000-0000-0000-0000-000000000001"), fingerprint.Sum{Vectors: 5}},
		{adapters.MustParseID("00000000-0000-0000-ffff-ffffffffffff"), fingerprint.Sum{Payload: 6}},
		{adapters.MustParseID("ffffffff-0000-0000-0000-000000000000"), fingerprint.Sum{Vectors: 7, Payload: 8}},
	}
	w.BeginPartition("")
	for _, r := range recs {
		if err := w.Add(r.ID, r.Sum); err != nil {
			t.Fatal(err)
		}
	}
	w.EndPartition()
	kept := []Kept{{Point: adapters.Point{ID: recs[2].ID,
		Vectors: map[string]adapters.Vector{"": {Dense: []float32{0.5, -1}}, "s": {Sparse: &adapters.SparseVector{Indices: []uint32{3}, Values: []float32{2}}}, "m": {Multi: [][]float32{{1}, {2}}}},
		Payload: map[string]any{"f": 2.0, "i": int64(2), "n": nil, "l": []any{"x", true, map[string]any{"y": false}}}}}}
	probes := []Probe{{Vector: "", Metric: adapters.Cosine, QueryID: recs[0].ID, Query: []float32{0.1, 0.2}, Hits: []knn.Hit{{ID: recs[0].ID, Score: 0}}}}
	if err := w.Finish(kept, probes); err != nil {
		t.Fatal(err)
	}
	if w.Bytes() != int64(buf.Len()) {
		t.Errorf("Bytes() = %d, file has %d", w.Bytes(), buf.Len())
	}
	return buf.Bytes(), recs, kept, probes
}

func TestBaselineFileRoundTrip(t *testing.T) {
	b, recs, kept, probes := sampleFile(t)
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); h.Seed != 7 || h.Version != Version || h.Counts[""] != 5 {
		t.Errorf("header = %+v", h)
	}
	name, ok, err := r.NextPartition()
	if err != nil || !ok || name != "" {
		t.Fatalf("partition %q %v %v", name, ok, err)
	}
	var got []Record
	for {
		rec, more, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		got = append(got, rec)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Errorf("records\n got %v\nwant %v", got, recs)
	}
	k, p, err := r.Tail()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(k, kept) || !reflect.DeepEqual(p, probes) {
		t.Errorf("tail\n got %+v %+v\nwant %+v %+v", k, p, kept, probes)
	}
	if f, ok := k[0].Point.Payload["f"].(float64); !ok || f != 2 {
		t.Errorf("float 2.0 read back as %#v", k[0].Point.Payload["f"])
	}
}

func TestBaselineFileDamage(t *testing.T) {
	b, _, _, _ := sampleFile(t)
	newer := append([]byte(nil), b...)
	newer[len(Magic)+1] = Version + 1
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)/2] ^= 0x40
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"truncated":   {b[:len(b)*2/3], ErrTruncated},
		"cut at end":  {b[:len(b)-3], ErrTruncated},
		"flipped bit": {flipped, ErrCorrupt},
		"newer":       {newer, ErrNewer},
		"other file":  {[]byte("PK\x03\x04 a zip file, not a baseline"), ErrNotBaseline},
	} {
		_, err := ReadSummary(bytes.NewReader(c.data))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v; want %v", name, err, c.want)
		}
	}
}

// TestBaselineFileSize writes 100k random UUID fingerprints and reports
// the bytes per point (the budget is 24 for 1M UUID points).
func TestBaselineFileSize(t *testing.T) {
	for _, c := range []struct {
		name string
		id   func(i int) adapters.ID
	}{
		{"uuid", func(int) adapters.ID { var u [16]byte; rand.Read(u[:]); return adapters.UUIDID(u) }},
		{"int", func(i int) adapters.ID { return adapters.NumID(uint64(i)) }},
	} {
		const n = 100_000
		ids := make([]adapters.ID, n)
		for i := range ids {
			ids[i] = c.id(i)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i].Less(ids[j]) })
		var buf bytes.Buffer
		w, err := NewWriter(&buf, Header{Definition: &adapters.Collection{}})
		if err != nil {
			t.Fatal(err)
		}
		w.BeginPartition("")
		var sums [8]byte
		for _, id := range ids {
			rand.Read(sums[:])
			s := fingerprint.Sum{Vectors: uint32(sums[0]) | uint32(sums[1])<<8 | uint32(sums[2])<<16 | uint32(sums[3])<<24,
				Payload: uint32(sums[4]) | uint32(sums[5])<<8 | uint32(sums[6])<<16 | uint32(sums[7])<<24}
			if err := w.Add(id, s); err != nil {
				t.Fatal(err)
			}
		}
		w.EndPartition()
		if err := w.Finish(nil, nil); err != nil {
			t.Fatal(err)
		}
		per := float64(buf.Len()) / n
		t.Logf("%s ids: %d points in %d bytes, %.2f bytes per point", c.name, n, buf.Len(), per)
		if limit := map[string]float64{"uuid": 24, "int": 12}[c.name]; per > limit {
			t.Errorf("%s ids take %.2f bytes per point; the budget is %g", c.name, per, limit)
		}
		s, err := ReadSummary(bytes.NewReader(buf.Bytes()))
		if err != nil || s.Points[""] != n {
			t.Fatalf("read back %v points, %v", s, err)
		}
	}
}
