package qdrant_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// testPage is one page read neutrally (Read) or raw (ReadRaw), for tests
// that exercise both paths.
type testPage struct {
	points []adapters.Point
	raw    adapters.RawBatch
	done   bool
}

func (p testPage) len() int {
	if p.raw != nil {
		return p.raw.Len()
	}
	return len(p.points)
}

// readPage reads one page, raw when asked; a raw read must not fall back
// to the neutral model.
func readPage(ctx context.Context, src adapters.Source, req adapters.ReadRequest, raw bool) (testPage, error) {
	if !raw {
		page, err := src.Read(ctx, req)
		return testPage{points: page.Points, done: page.Done}, err
	}
	page, err := src.(adapters.RawReader).ReadRaw(ctx, req)
	if len(page.Points) > 0 {
		panic("a raw read fell back to the neutral model")
	}
	return testPage{raw: page.Batch, done: page.Done}, err
}

// writePage writes the first n points of a page the way it was read.
func writePage(ctx context.Context, sink adapters.Sink, p testPage, n int) error {
	if p.raw != nil {
		return sink.(adapters.RawWriter).WriteRaw(ctx, "", p.raw.Slice(0, n))
	}
	return sink.Write(ctx, "", p.points[:n])
}

// A raw batch the target rejects names the point that does not fit,
// decoded for the message.
func TestRawRejectedNamesPoint(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	from, _ := loaded(t, tg, "qdrant_int_dense", 5)
	ctx := adaptertest.Ctx(t)
	page, err := readPage(ctx, openSource(t, from, config(tg)), adapters.ReadRequest{Limit: 5}, true)
	if err != nil || page.len() != 5 {
		t.Fatalf("read raw = %d points, %v; want 5, nil", page.len(), err)
	}
	to, _ := loaded(t, tg, "qdrant_named", 5)
	err = writePage(ctx, openSink(t, to, config(tg)), page, 5)
	if adapters.KindOf(err) != adapters.KindInvalid || !strings.Contains(err.Error(), "point 1: vector (unnamed) is not declared") {
		t.Errorf("write unnamed-vector points into a named-vector collection = %v; want KindInvalid naming point 1", err)
	}
}

// A raw read pages like Read: After is exclusive, the limit holds, and
// the last page says so.
func TestReadRawPages(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, fx := loaded(t, tg, "qdrant_int_dense", 20) // ids 1, 4, 7, ...
	src := openSource(t, url, config(tg))
	ctx := adaptertest.Ctx(t)
	var got []string
	var after *adapters.ID
	for {
		page, err := readPage(ctx, src, adapters.ReadRequest{After: after, Limit: 6}, true)
		if err != nil {
			t.Fatal(err)
		}
		if page.len() > 6 {
			t.Fatalf("raw page of %d points for limit 6", page.len())
		}
		for i := 0; i < page.len(); i++ {
			id := page.raw.ID(i)
			got = append(got, id.String())
			after = &id
		}
		if page.done {
			break
		}
	}
	var want []string
	for _, p := range fx.Points[""] {
		want = append(want, p.ID.String())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("raw pages = [%s]; want [%s]", strings.Join(got, ","), strings.Join(want, ","))
	}
}
