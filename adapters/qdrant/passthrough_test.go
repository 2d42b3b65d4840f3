package qdrant

import (
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
)

func scrollBytes(t *testing.T, resp *qdrant.ScrollResponse) []byte {
	t.Helper()
	b, err := proto.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func retrieved(id *qdrant.PointId) *qdrant.RetrievedPoint {
	return &qdrant.RetrievedPoint{
		Id:       id,
		Payload:  qdrant.NewValueMap(map[string]any{"a": 1, "b": "x"}),
		Vectors:  &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: &qdrant.VectorOutput{Data: []float32{1, 2}}}},
		ShardKey: qdrant.NewShardKey("k"),
	}
}

// A scroll answer splits into points holding their own bytes, with ids
// read and next_page_offset noticed.
func TestParseScroll(t *testing.T) {
	u := "0a1b2c3d-0000-4000-8000-0000000000ff"
	resp := &qdrant.ScrollResponse{
		Result:         []*qdrant.RetrievedPoint{retrieved(qdrant.NewIDNum(7)), retrieved(qdrant.NewIDUUID(u))},
		NextPageOffset: qdrant.NewIDNum(9),
		Time:           0.5,
	}
	pts, hasNext, ok, err := parseScroll(scrollBytes(t, resp))
	if err != nil || !ok || !hasNext || len(pts) != 2 {
		t.Fatalf("parseScroll = %d points, next %v, ok %v, %v; want 2, true, true, nil", len(pts), hasNext, ok, err)
	}
	if pts[0].ID != adapters.NumID(7) || pts[1].ID != adapters.MustParseID(u) {
		t.Errorf("ids = %s, %s", pts[0].ID, pts[1].ID)
	}
	// The bytes decode back to the point the server sent.
	var rp qdrant.RetrievedPoint
	if err := proto.Unmarshal(pts[1].Native.([]byte), &rp); err != nil || !proto.Equal(&rp, resp.Result[1]) {
		t.Errorf("native bytes decode to %v, %v; want %v", &rp, err, resp.Result[1])
	}

	resp.NextPageOffset = nil
	if _, hasNext, _, _ := parseScroll(scrollBytes(t, resp)); hasNext {
		t.Errorf("hasNext without next_page_offset")
	}
}

// A point with a field the pass-through does not know makes the page fall
// back to decoding (ok false), rather than dropping the field.
func TestParseScrollUnknownFieldFallsBack(t *testing.T) {
	rp := retrieved(qdrant.NewIDNum(1))
	rp.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 3))
	_, _, ok, err := parseScroll(scrollBytes(t, &qdrant.ScrollResponse{Result: []*qdrant.RetrievedPoint{rp}}))
	if err != nil || ok {
		t.Errorf("parseScroll with unknown field 9 = ok %v, %v; want false, nil", ok, err)
	}
}

// RetrievedPoint bytes become the PointStruct the go-client would send:
// payload renumbered, shard key dropped.
func TestAppendPointStruct(t *testing.T) {
	rp := retrieved(qdrant.NewIDUUID("0a1b2c3d-0000-4000-8000-0000000000ff"))
	rb, err := proto.Marshal(rp)
	if err != nil {
		t.Fatal(err)
	}
	buf, err := appendPointStruct(nil, rb)
	if err != nil {
		t.Fatal(err)
	}
	var up qdrant.UpsertPoints
	if err := proto.Unmarshal(buf, &up); err != nil || len(up.Points) != 1 {
		t.Fatalf("decode = %v, %v", &up, err)
	}
	want := &qdrant.PointStruct{
		Id:      rp.Id,
		Payload: rp.Payload,
		Vectors: &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vector{Vector: &qdrant.Vector{Data: []float32{1, 2}}}},
	}
	if !proto.Equal(up.Points[0], want) {
		t.Errorf("point struct = %v; want %v", up.Points[0], want)
	}
	if len(up.Points[0].ProtoReflect().GetUnknown()) != 0 {
		t.Errorf("unknown fields left in the point struct")
	}
}
