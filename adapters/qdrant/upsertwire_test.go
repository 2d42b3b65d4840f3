package qdrant

import (
	"math"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
)

// A point written by hand decodes to the PointStruct qdrantPoint builds,
// for every form appendNeutralPoint writes itself; other points are left
// to qdrantPoint.
func TestNeutralPointWire(t *testing.T) {
	uuid, err := adapters.ParseID("0a010203-0405-4007-8009-0a0b0c0d0e0f")
	if err != nil {
		t.Fatal(err)
	}
	payload := map[string]any{"s": "naïve", "i": int64(-3), "big": int64(math.MaxInt64), "f": 0.25, "nan": math.NaN(), "b": false, "t": true, "null": nil}
	dense := func(v ...float32) adapters.Vector { return adapters.Vector{Dense: v} }
	for _, tc := range []struct {
		name string
		p    adapters.Point
		hand bool
	}{
		{"unnamed vector, uuid", adapters.Point{ID: uuid, Vectors: map[string]adapters.Vector{adapters.DefaultVector: dense(1, -2.5, float32(math.Inf(1)))}, Payload: payload}, true},
		{"named vectors, integer id", adapters.Point{ID: adapters.NumID(1 << 40), Vectors: map[string]adapters.Vector{"a": dense(1), "b": dense(2, 3), adapters.DefaultVector: dense(4)}, Payload: payload}, true},
		{"no vector, no payload", adapters.Point{ID: adapters.NumID(0)}, true},
		{"empty dense vector", adapters.Point{ID: adapters.NumID(7), Vectors: map[string]adapters.Vector{"a": {Dense: []float32{}}}}, true},
		{"sparse vector", adapters.Point{ID: adapters.NumID(1), Vectors: map[string]adapters.Vector{"s": {Sparse: &adapters.SparseVector{Indices: []uint32{1}, Values: []float32{2}}}}}, false},
		{"nested payload", adapters.Point{ID: adapters.NumID(1), Payload: map[string]any{"m": map[string]any{"a": int64(1)}, "l": []any{"x"}}}, false},
		{"int payload", adapters.Point{ID: adapters.NumID(1), Payload: map[string]any{"i": 3}}, false},
		{"invalid UTF-8", adapters.Point{ID: adapters.NumID(1), Payload: map[string]any{"s": "\xff"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, ok := appendNeutralPoint(nil, nil, &tc.p)
			if ok != tc.hand {
				t.Fatalf("written by hand: %v, want %v", ok, tc.hand)
			}
			if !ok {
				return
			}
			var got qdrant.PointStruct
			if err := proto.Unmarshal(b, &got); err != nil {
				t.Fatalf("the point does not decode: %v", err)
			}
			want, err := qdrantPoint(&tc.p)
			if err != nil {
				t.Fatal(err)
			}
			// NaN != NaN: compare the encodings of both, deterministically.
			gb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(&got)
			wb, _ := proto.MarshalOptions{Deterministic: true}.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("by hand %v\nproto   %v", &got, want)
			}
		})
	}
}

// The request's fields around the points: collection, wait, shard key
// selector and tenant filter.
func TestUpsertWireHeader(t *testing.T) {
	b := protowire.AppendTag(nil, upsertUpdateFilter, protowire.BytesType)
	f, _ := proto.Marshal(&qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatch("tenant", "a")}})
	b = protowire.AppendBytes(b, f)
	var req qdrant.UpsertPoints
	if err := proto.Unmarshal(b, &req); err != nil || req.GetUpdateFilter() == nil {
		t.Fatalf("update_filter is not field %d of UpsertPoints: %v", upsertUpdateFilter, err)
	}
}
