package qdrant_test

// Behaviour of a real Qdrant that the adapter depends on, pinned so that a
// server upgrade that changes it fails here first.

import (
	"fmt"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// Scroll returns integer ids ascending, then UUIDs in byte order, across
// several shards, page after page; and the exact count is right at once
// after writes that waited.
func TestScrollOrderAcrossShards(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	name := tg.NewName(t, "order")
	err := tg.Client(t).CreateCollection(ctx, &qc.CreateCollection{CollectionName: name, ShardNumber: qc.PtrOf(uint32(3)),
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 2, Distance: qc.Distance_Dot})})
	if err != nil {
		t.Fatal(err)
	}
	const n = 600
	pts := make([]adapters.Point, n)
	for i := range pts {
		id := adapters.NumID(uint64((i * 7919) % 100_003))
		if i%2 == 1 {
			id = adaptertest.UUIDFor("order", i)
		}
		pts[i] = adapters.Point{ID: id, Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, float32(i)}}}}
	}
	sink := openSink(t, tg.Endpoint(name), config(tg))
	for lo := 0; lo < n; lo += 100 {
		if err := sink.Write(ctx, "", pts[lo:lo+100]); err != nil {
			t.Fatal(err)
		}
		if c, err := sink.Count(ctx, ""); err != nil || c != uint64(lo+100) {
			t.Fatalf("exact count right after a waited write = %d, %v; want %d", c, err, lo+100)
		}
	}
	adaptertest.SortPoints(pts)
	got, err := adaptertest.ReadAll(ctx, openSource(t, tg.Endpoint(name), config(tg)), "", 37)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("read %d points, want %d", len(got), n)
	}
	for i := range got {
		if got[i].ID != pts[i].ID {
			t.Fatalf("point %d is %s, want %s: scroll order is not ints ascending then UUID bytes", i, got[i].ID, pts[i].ID)
		}
	}
}

// Pages and batches past gRPC's 4 MiB default go through both ways.
func TestMessagesOverFourMiB(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	name := tg.NewName(t, "big")
	const dim, n = 4096, 400 // 16 KiB a point: 6.4 MiB a message
	err := tg.Client(t).CreateCollection(ctx, &qc.CreateCollection{CollectionName: name,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: dim, Distance: qc.Distance_Dot})})
	if err != nil {
		t.Fatal(err)
	}
	pts := make([]adapters.Point, n)
	for i := range pts {
		pts[i] = adapters.Point{ID: adapters.NumID(uint64(i)), Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(9, i, dim)}}}
	}
	if err := openSink(t, tg.Endpoint(name), config(tg)).Write(ctx, "", pts); err != nil {
		t.Fatalf("write one %d-point batch of %d-d vectors: %v", n, dim, err)
	}
	for _, raw := range []bool{false, true} {
		page, err := readPage(ctx, openSource(t, tg.Endpoint(name), config(tg)), adapters.ReadRequest{Limit: n}, raw)
		if err != nil || page.len() != n {
			t.Fatalf("read one page of %d (raw %v) = %d points, %v", n, raw, page.len(), err)
		}
	}
}

// A point with a vector of the wrong size is InvalidArgument on a real
// server, and the adapter names the point.
func TestBadVectorNamesPoint(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, _ := loaded(t, tg, "qdrant_int_dense", 5)
	bad := []adapters.Point{{ID: adapters.NumID(77), Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, 2, 3}}}}}
	err := openSink(t, url, config(tg)).Write(adaptertest.Ctx(t), "", bad)
	if adapters.KindOf(err) != adapters.KindInvalid {
		t.Fatalf("write a 3-d vector into 32-d = %v; want KindInvalid", err)
	}
	if want := fmt.Sprint(77); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not name point %s", err, want)
	}
}
