package weaviate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

func changesClass(t *testing.T, n *weaviatetest.Node) string {
	t.Helper()
	class := weaviatetest.NewClassName("Changes")
	body, _ := json.Marshal(map[string]any{"class": class, "vectorizer": "none",
		"properties": []map[string]any{
			{"name": "updated_at", "dataType": []string{"date"}},
			{"name": "stamp", "dataType": []string{"int"}},
			{"name": "body", "dataType": []string{"text"}},
		}})
	resp, err := http.Post(n.HTTPURL()+"/v1/schema", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("create class %s: status %d", class, resp.StatusCode)
	}
	t.Cleanup(func() {
		req, _ := http.NewRequest(http.MethodDelete, n.HTTPURL()+"/v1/schema/"+class, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	return class
}

func changesID(i int) adapters.ID {
	b := sha256.Sum256([]byte(fmt.Sprint("changes", i)))
	var u [16]byte
	copy(u[:], b[:16])
	return adapters.UUIDID(u)
}

// ReadChanged pages through exactly the objects stamped at or after the
// moment, in UUID order, by a date or an int property; Delete removes
// objects by id and ignores ids that do not exist.
func TestReadChangedAndDelete(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	node := weaviatetest.Shared(t)
	url := node.Endpoint(changesClass(t, node))
	cut := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var pts []adapters.Point
	var want []adapters.ID
	for i := 0; i < 300; i++ {
		at := cut.Add(time.Duration(i%5-2) * time.Hour) // 2 of 5 before the cut
		pts = append(pts, adapters.Point{ID: changesID(i), Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, float32(i)}}},
			Payload: map[string]any{"updated_at": at.Format(time.RFC3339Nano), "stamp": at.Unix(), "body": "x"}})
		if !at.Before(cut) {
			want = append(want, changesID(i))
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Less(want[j]) })
	sink := adaptertest.OpenSink(t, registry, url, adapters.Config{})
	if err := sink.Write(ctx, "", pts); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, url, adapters.Config{})
	cr, ok := adapters.As[adapters.ChangeReader](src)
	if !ok {
		t.Fatal("the Weaviate source is no ChangeReader")
	}
	for _, field := range []string{"updated_at", "stamp"} {
		f, fs, err := cr.CheckChangedField(ctx, field)
		if err != nil || len(fs) != 0 || f.Numeric != (field == "stamp") {
			t.Fatalf("CheckChangedField(%s) = %+v, %v, %v", field, f, fs, err)
		}
		if got := readChanged(t, ctx, cr, f, cut); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("by %s: %d changed objects read, want %d:\n got %v\nwant %v", field, len(got), len(want), got, want)
		}
	}
	for _, field := range []string{"body", "nope"} {
		if _, fs, err := cr.CheckChangedField(ctx, field); err != nil || len(fs) != 1 || fs[0].Level != adapters.LevelError {
			t.Errorf("CheckChangedField(%s) = %v, %v; want one error finding", field, fs, err)
		}
	}
	del, _ := adapters.As[adapters.Deleter](sink)
	if err := del.Delete(ctx, "", []adapters.ID{changesID(0), changesID(1), changesID(999)}); err != nil {
		t.Fatal(err)
	}
	if n, err := src.Count(ctx, ""); err != nil || n != 298 {
		t.Errorf("after deleting 2 objects (and one missing id) the class holds %d (%v); want 298", n, err)
	}
}

func readChanged(t *testing.T, ctx context.Context, cr adapters.ChangeReader, f adapters.ChangedField, since time.Time) []adapters.ID {
	var got []adapters.ID
	var after *adapters.ID
	for pages := 0; pages < 100; pages++ {
		pg, err := cr.ReadChanged(ctx, adapters.ChangedRequest{Field: f, Since: since, After: after, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pg.Points {
			got = append(got, p.ID)
		}
		if pg.Done {
			return got
		}
		last := pg.Points[len(pg.Points)-1].ID
		after = &last
	}
	t.Fatal("ReadChanged never ended")
	return nil
}

// Objects deleted while ReadChanged narrows its id range can leave the
// narrowed range empty: the page then continues after it, instead of
// coming back empty and not done.
func TestReadChangedRangeEmptiedMeanwhile(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	node := weaviatetest.Shared(t)
	url := node.Endpoint(changesClass(t, node))
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var pts []adapters.Point
	var ids []adapters.ID
	for i := 0; i < 20; i++ {
		pts = append(pts, adapters.Point{ID: changesID(i), Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, float32(i)}}},
			Payload: map[string]any{"updated_at": at.Format(time.RFC3339Nano), "stamp": at.Unix(), "body": "x"}})
		ids = append(ids, changesID(i))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Less(ids[j]) })
	sink := adaptertest.OpenSink(t, registry, url, adapters.Config{})
	if err := sink.Write(ctx, "", pts); err != nil {
		t.Fatal(err)
	}
	del, _ := adapters.As[adapters.Deleter](sink)
	var want []adapters.ID // what is left after the hook's delete
	narrowed, emptied := 0, 0
	weaviate.SetReadChangedHooks(t, func(hi adapters.ID) {
		if narrowed++; narrowed > 1 {
			return
		}
		var gone []adapters.ID
		for _, id := range ids {
			if !hi.Less(id) {
				gone = append(gone, id)
			} else {
				want = append(want, id)
			}
		}
		if err := del.Delete(ctx, "", gone); err != nil {
			t.Error(err)
		}
	}, func() { emptied++ })
	src := openSource(t, url, adapters.Config{})
	cr, _ := adapters.As[adapters.ChangeReader](src)
	f, _, err := cr.CheckChangedField(ctx, "updated_at")
	if err != nil {
		t.Fatal(err)
	}
	var got []adapters.Point
	var after *adapters.ID
	for pages := 0; pages < 20; pages++ {
		pg, err := cr.ReadChanged(ctx, adapters.ChangedRequest{Field: f, Since: at, After: after, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg.Points...)
		if pg.Done {
			break
		}
		if len(pg.Points) == 0 {
			t.Fatalf("page %d: no points, and not done", pages)
		}
		last := pg.Points[len(pg.Points)-1].ID
		after = &last
	}
	if emptied == 0 {
		t.Fatalf("the narrowed range was never found empty (narrowed %d times); the test did not test it", narrowed)
	}
	if fmt.Sprint(pointIDs(got)) != fmt.Sprint(want) {
		t.Errorf("read %v\nwant %v (the objects left after the delete)", pointIDs(got), want)
	}
}

func pointIDs(pts []adapters.Point) []adapters.ID {
	ids := make([]adapters.ID, len(pts))
	for i, p := range pts {
		ids[i] = p.ID
	}
	return ids
}
