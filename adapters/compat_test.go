package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

func TestCompareVectorsOneFindingPerDifference(t *testing.T) {
	want := &adapters.Collection{Vectors: map[string]adapters.VectorSpec{
		"text":  {Kind: "dense", Size: 8, Distance: adapters.Cosine, Datatype: "float32"},
		"image": {Kind: "dense", Size: 4, Distance: adapters.Dot, Datatype: "float32"},
		"kw":    {Kind: "sparse"},
		"only":  {Kind: "dense", Size: 2, Distance: adapters.Dot},
		"open":  {Kind: "dense", Distance: adapters.Dot}, // Weaviate: no size in the schema
	}}
	have := &adapters.Collection{Vectors: map[string]adapters.VectorSpec{
		"text":  {Kind: "dense", Size: 16, Distance: adapters.Euclid, Datatype: "float16"},
		"image": {Kind: "dense", Size: 4, Distance: adapters.Dot, Datatype: "float32"},
		"kw":    {Kind: "dense", Size: 3, Distance: adapters.Dot},
		"extra": {Kind: "multi", Size: 2, Distance: adapters.Cosine},
		"open":  {Kind: "dense", Size: 99, Distance: adapters.Dot},
	}}
	fs := adapters.CompareVectors("qdrant 127.0.0.1:6334/docs", want, have)
	var got []string
	for _, f := range fs {
		if f.Level != adapters.LevelError || f.Kind != adapters.KindIncompatible || f.Subject != "qdrant 127.0.0.1:6334/docs" {
			t.Errorf("finding %+v: want an error of KindIncompatible about the target", f)
		}
		if strings.Contains(f.Message, "\n") || !strings.HasSuffix(f.Message, "use --on-exists recreate to replace the target, or another target name") {
			t.Errorf("finding %q: want one line ending with what to do", f.Message)
		}
		got = append(got, f.Message)
	}
	for _, w := range []string{
		`the target's vector "extra" (multi, 2-d, cosine) does not exist on the source`,
		`vector "kw" is dense on the target and sparse on the source`,
		`the source's vector "only" (dense, 2-d, dot) does not exist on the target`,
		`vector "text" has 16 dimensions on the target and 8 on the source`,
		`vector "text" uses distance euclid on the target and cosine on the source`,
		`vector "text" stores float16 on the target and float32 on the source`,
	} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("no finding starts with %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(fs) != 6 {
		t.Errorf("%d findings, want 6 (image agrees, open's size is not fixed on the source):\n%s", len(fs), strings.Join(got, "\n"))
	}
	if fs := adapters.CompareVectors("t", want, want); len(fs) != 0 {
		t.Errorf("a definition against itself: %v", fs)
	}
}

// sampleSource serves one page of points for SampleSizes.
type sampleSource struct {
	adapters.Source
	pages map[string][]adapters.Point
	reads int
}

func (s *sampleSource) Read(_ context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	s.reads++
	pts, ok := s.pages[req.Partition]
	if !ok {
		return adapters.Page{}, errors.New("tenant not active")
	}
	return adapters.Page{Points: pts[:min(req.Limit, len(pts))], Done: true}, nil
}

func TestSampleSizesFillsOpenDimensions(t *testing.T) {
	def := &adapters.Collection{Partitioned: true,
		Partitions: []adapters.Partition{{Name: "a"}, {Name: "b"}},
		Vectors: map[string]adapters.VectorSpec{
			"title":   {Kind: "dense", Distance: adapters.Cosine},
			"colbert": {Kind: "multi", Distance: adapters.Cosine},
			"fixed":   {Kind: "dense", Size: 3},
		}}
	src := &sampleSource{pages: map[string][]adapters.Point{
		// "a" cannot be read (an inactive tenant); "b" holds a point
		// without colbert, then one with it.
		"b": {
			{Vectors: map[string]adapters.Vector{"title": {Dense: make([]float32, 12)}}},
			{Vectors: map[string]adapters.Vector{"colbert": {Multi: [][]float32{make([]float32, 5)}}}},
		},
	}}
	got, err := adapters.SampleSizes(context.Background(), src, def)
	if err != nil {
		t.Fatal(err)
	}
	if got.Vectors["title"].Size != 12 || got.Vectors["colbert"].Size != 5 || got.Vectors["fixed"].Size != 3 {
		t.Errorf("sizes %+v; want title 12, colbert 5, fixed 3", got.Vectors)
	}
	if def.Vectors["title"].Size != 0 {
		t.Error("SampleSizes changed its argument")
	}
	fixed := &adapters.Collection{Vectors: map[string]adapters.VectorSpec{"x": {Kind: "dense", Size: 3}}}
	src.reads = 0
	if got, _ := adapters.SampleSizes(context.Background(), src, fixed); got != fixed || src.reads != 0 {
		t.Errorf("every size fixed: read %d times; want none", src.reads)
	}
}

func TestRejectedErrorIsOneLine(t *testing.T) {
	long := "vector lengths don't match: 4 vs 8\n" + strings.Repeat("detail ", 500)
	e := &adapters.RejectedError{Endpoint: "weaviate 127.0.0.1:8080/Probe", Noun: "objects", Total: 512}
	for i := 0; i < 512; i++ {
		e.Rejected = append(e.Rejected, adapters.Rejection{ID: adapters.NumID(uint64(i)), Message: adapters.ShortMessage(long)})
	}
	err := fmt.Errorf("write: %w", adapters.Rejected(e))
	want := "write: weaviate 127.0.0.1:8080/Probe: 512 of 512 objects rejected; first: object 0: vector lengths don't match: 4 vs 8 (also objects 1, 2); and 509 more"
	if err.Error() != want {
		t.Errorf("message\n %q\nwant\n %q", err, want)
	}
	var re *adapters.RejectedError
	if !errors.As(err, &re) || len(re.Rejected) != 512 || adapters.KindOf(err) != adapters.KindInvalid {
		t.Errorf("the error value does not carry the full list with KindInvalid: %#v", err)
	}

	e.Rejected[1].Message = "other"
	e.Rejected = e.Rejected[:3]
	e.Total = 10
	if got := e.Error(); got != "weaviate 127.0.0.1:8080/Probe: 3 of 10 objects rejected; first: object 0: vector lengths don't match: 4 vs 8 (also object 2); object 1: other" {
		t.Errorf("different reasons: %q", got)
	}

	whole := &adapters.RejectedError{Endpoint: "qdrant 127.0.0.1:6334/docs", Total: 3, Whole: true,
		First: adapters.NumID(9001), Last: adapters.NumID(9003), Reason: "Wrong input: Vector dimension error: expected dim: 32, got 31",
		Rejected: []adapters.Rejection{{ID: adapters.NumID(9002), Message: "the unnamed vector has 31 dimensions, the collection 32"}}}
	if got := whole.Error(); got != "qdrant 127.0.0.1:6334/docs: a batch of 3 points (ids 9001 to 9003) was rejected, none written; first: point 9002: the unnamed vector has 31 dimensions, the collection 32 (server: Wrong input: Vector dimension error: expected dim: 32, got 31)" {
		t.Errorf("whole batch: %q", got)
	}
	whole.Rejected = nil
	if got := whole.Error(); !strings.HasSuffix(got, "none written: Wrong input: Vector dimension error: expected dim: 32, got 31") {
		t.Errorf("whole batch, no culprit: %q", got)
	}
}

func TestShortMessage(t *testing.T) {
	if got := adapters.ShortMessage("  first line  \r\nsecond"); got != "first line" {
		t.Errorf("got %q", got)
	}
	got := adapters.ShortMessage(strings.Repeat("é", 300))
	if len(got) > adapters.MaxMessage || !strings.HasSuffix(got, "...") || !strings.HasPrefix(got, "éé") {
		t.Errorf("cut message %q (%d bytes)", got, len(got))
	}
	for _, r := range strings.TrimSuffix(got, "...") {
		if r != 'é' {
			t.Fatalf("cut inside a character: %q", got)
		}
	}
}

func TestFindingsError(t *testing.T) {
	if err := adapters.FindingsError([]adapters.Finding{adapters.NoteFinding("x", "fine")}); err != nil {
		t.Errorf("notes only: %v", err)
	}
	err := adapters.FindingsError([]adapters.Finding{
		adapters.NoteFinding("x", "fine"),
		adapters.ErrorFinding(adapters.KindIncompatible, "qdrant h/c", "vector %q differs", "a"),
		adapters.ErrorFinding(adapters.KindInvalid, "qdrant h/c", "second"),
	})
	if adapters.KindOf(err) != adapters.KindIncompatible || !strings.HasPrefix(err.Error(), `qdrant h/c: vector "a" differs (and 1 more problem;`) {
		t.Errorf("FindingsError = %v (kind %d)", err, adapters.KindOf(err))
	}
}
