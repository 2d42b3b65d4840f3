package qdrant_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// ReadChanged pages through exactly the points stamped at or after the
// moment, in id order: by a datetime key (indexed or not, with a warning
// when not) and by Unix seconds; CheckChangedField refuses a missing key
// and a key of another type; Delete removes points by id.
func TestReadChangedAndDelete(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	q := qdranttest.Instance(t, 1)
	name := q.NewName(t, "changes")
	c := q.Client(t)
	if err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: name,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 2, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{CollectionName: name, FieldName: "indexed",
		FieldType: qc.FieldType_FieldTypeDatetime.Enum(), Wait: qc.PtrOf(true)}); err != nil {
		t.Fatal(err)
	}
	url := q.Endpoint(name)
	cut := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var pts []adapters.Point
	var want []string
	for i := 1; i <= 300; i++ {
		at := cut.Add(time.Duration(i%5-2) * time.Hour)
		stamp := at.Format(time.RFC3339)
		pts = append(pts, adapters.Point{ID: adapters.NumID(uint64(i)), Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, float32(i)}}},
			Payload: map[string]any{"indexed": stamp, "plain": stamp, "unix": at.Unix(), "body": "x",
				"naive": at.Format("2006-01-02T15:04:05"), "spaced": at.Format("2006-01-02 15:04:05")}})
		if !at.Before(cut) {
			want = append(want, fmt.Sprint(i))
		}
	}
	sort.Strings(want)
	cfg := adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}
	sink := adaptertest.OpenSink(t, registry, url, cfg)
	if err := sink.Write(ctx, "", pts); err != nil {
		t.Fatal(err)
	}
	src := adaptertest.OpenSource(t, registry, url, cfg)
	cr, ok := adapters.As[adapters.ChangeReader](src)
	if !ok {
		t.Fatal("the Qdrant source is no ChangeReader")
	}
	// "naive" and "spaced" are dates without an offset that Qdrant reads
	// as UTC. By "unix" (whole seconds) a pass starting half a second
	// after the cut still finds the points stamped at the cut: their write
	// may have landed after it.
	for field, warnings := range map[string]int{"indexed": 0, "plain": 1, "unix": 1, "naive": 1, "spaced": 1} {
		f, fs, err := cr.CheckChangedField(ctx, field)
		if err != nil || len(fs) != warnings || f.Numeric != (field == "unix") || f.Integer != (field == "unix") {
			t.Fatalf("CheckChangedField(%s) = %+v, %v, %v", field, f, fs, err)
		}
		since := cut
		if f.Integer {
			since = cut.Add(500 * time.Millisecond)
		}
		var got []string
		var after *adapters.ID
		for pages := 0; ; pages++ {
			pg, err := cr.ReadChanged(ctx, adapters.ChangedRequest{Field: f, Since: since, After: after, Limit: 7})
			if err != nil || pages > 100 {
				t.Fatalf("ReadChanged by %s: %v (page %d)", field, err, pages)
			}
			for _, p := range pg.Points {
				got = append(got, p.ID.String())
			}
			if pg.Done {
				break
			}
			last := pg.Points[len(pg.Points)-1].ID
			after = &last
		}
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("by %s: %d changed points read, want %d", field, len(got), len(want))
		}
	}
	for _, field := range []string{"body", "nope"} {
		if _, fs, err := cr.CheckChangedField(ctx, field); err != nil || len(fs) != 1 || fs[0].Level != adapters.LevelError {
			t.Errorf("CheckChangedField(%s) = %v, %v; want one error finding", field, fs, err)
		}
	}
	del, _ := adapters.As[adapters.Deleter](sink)
	if err := del.Delete(ctx, "", []adapters.ID{adapters.NumID(1), adapters.NumID(2), adapters.NumID(999)}); err != nil {
		t.Fatal(err)
	}
	if n, err := src.Count(ctx, ""); err != nil || n != 298 {
		t.Errorf("after deleting 2 points (and one missing id) the collection holds %d (%v); want 298", n, err)
	}
}
