package qdrant

import (
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

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
	if err != nil || !ok || !hasNext || pts.Len() != 2 {
		t.Fatalf("parseScroll = %d points, next %v, ok %v, %v; want 2, true, true, nil", pts.Len(), hasNext, ok, err)
	}
	if pts.ID(0) != adapters.NumID(7) || pts.ID(1) != adapters.MustParseID(u) {
		t.Errorf("ids = %s, %s", pts.ID(0), pts.ID(1))
	}
	// The bytes decode back to the point the server sent.
	var rp qdrant.RetrievedPoint
	if err := proto.Unmarshal(pts.msgs[1], &rp); err != nil || !proto.Equal(&rp, resp.Result[1]) {
		t.Errorf("raw bytes decode to %v, %v; want %v", &rp, err, resp.Result[1])
	}
	if s := pts.Slice(1, 2); s.Len() != 1 || s.ID(0) != pts.ID(1) {
		t.Errorf("Slice(1, 2) = %d points", s.Len())
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

// The field numbers the pass-through encodes by hand are the go-client's:
// a client upgrade that moves or adds one fails here, not in a copy.
func TestWireFieldNumbers(t *testing.T) {
	for _, f := range []struct {
		msg  proto.Message
		name protoreflect.Name
		num  protowire.Number
		kind protoreflect.Kind
	}{
		{&qdrant.ScrollResponse{}, "next_page_offset", scrollNextOffset, protoreflect.MessageKind},
		{&qdrant.ScrollResponse{}, "result", scrollResult, protoreflect.MessageKind},
		{&qdrant.RetrievedPoint{}, "id", retrievedID, protoreflect.MessageKind},
		{&qdrant.RetrievedPoint{}, "payload", retrievedPayload, protoreflect.MessageKind},
		{&qdrant.RetrievedPoint{}, "vectors", retrievedVectors, protoreflect.MessageKind},
		{&qdrant.RetrievedPoint{}, "shard_key", retrievedShardKey, protoreflect.MessageKind},
		{&qdrant.RetrievedPoint{}, "order_value", retrievedOrder, protoreflect.MessageKind},
		{&qdrant.PointStruct{}, "id", retrievedID, protoreflect.MessageKind},
		{&qdrant.PointStruct{}, "payload", pointStructPayload, protoreflect.MessageKind},
		{&qdrant.PointStruct{}, "vectors", retrievedVectors, protoreflect.MessageKind},
		{&qdrant.UpsertPoints{}, "collection_name", upsertCollection, protoreflect.StringKind},
		{&qdrant.UpsertPoints{}, "wait", upsertWait, protoreflect.BoolKind},
		{&qdrant.UpsertPoints{}, "points", upsertPoints, protoreflect.MessageKind},
		{&qdrant.UpsertPoints{}, "shard_key_selector", upsertShardKeySel, protoreflect.MessageKind},
		{&qdrant.PointId{}, "num", pointIDNum, protoreflect.Uint64Kind},
		{&qdrant.PointId{}, "uuid", pointIDUUID, protoreflect.StringKind},
	} {
		md := f.msg.ProtoReflect().Descriptor()
		fd := md.Fields().ByName(f.name)
		if fd == nil {
			t.Errorf("%s.%s: the go-client has no such field; the pass-through (passthrough.go) encodes it as number %d", md.FullName(), f.name, f.num)
			continue
		}
		if fd.Number() != f.num || fd.Kind() != f.kind {
			t.Errorf("%s.%s is field %d of kind %s in the go-client; the pass-through encodes it as %d of kind %s", md.FullName(), f.name, fd.Number(), fd.Kind(), f.num, f.kind)
		}
	}

	// Every field of RetrievedPoint is one the pass-through knows, so that
	// none is dropped on the way.
	rp := (&qdrant.RetrievedPoint{}).ProtoReflect().Descriptor().Fields()
	for i := 0; i < rp.Len(); i++ {
		switch rp.Get(i).Number() {
		case retrievedID, retrievedPayload, retrievedVectors, retrievedShardKey, retrievedOrder:
		default:
			t.Errorf("RetrievedPoint has field %d (%s), which the pass-through does not know: copy it into PointStruct or drop it on purpose", rp.Get(i).Number(), rp.Get(i).Name())
		}
	}
	// Renumbering the payload keeps the message's length.
	if protowire.SizeTag(retrievedPayload) != protowire.SizeTag(pointStructPayload) {
		t.Errorf("the payload's tags differ in length; appendPointStruct sizes the point by the fields it keeps")
	}
	// What a read sends can be read as what a write takes.
	pt := (&qdrant.PointStruct{}).ProtoReflect().Descriptor().Fields()
	for _, name := range []protoreflect.Name{"id", "payload", "vectors"} {
		out, in := rp.ByName(name), pt.ByName(name)
		if in == nil || out.Cardinality() != in.Cardinality() || out.IsMap() != in.IsMap() {
			t.Errorf("RetrievedPoint.%s and PointStruct.%s differ in shape", name, name)
			continue
		}
		messageCompatible(t, "RetrievedPoint."+string(name), out.Message(), in.Message(), map[protoreflect.FullName]bool{})
	}
}

// messageCompatible checks that every message of type out reads the same
// as a message of type in, field by field.
func messageCompatible(t *testing.T, path string, out, in protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) {
	t.Helper()
	if out.FullName() == in.FullName() || seen[out.FullName()] {
		return
	}
	seen[out.FullName()] = true
	for i := 0; i < out.Fields().Len(); i++ {
		of := out.Fields().Get(i)
		wireCompatible(t, path+"."+string(of.Name()), of, in.Fields().ByNumber(of.Number()), seen)
	}
}

// wireCompatible checks that field out of a message read is field in of
// the message written: same number, kind and cardinality, recursively.
func wireCompatible(t *testing.T, path string, out, in protoreflect.FieldDescriptor, seen map[protoreflect.FullName]bool) {
	t.Helper()
	if in == nil {
		t.Errorf("%s has no counterpart in the message written", path)
		return
	}
	if out.Number() != in.Number() || out.Kind() != in.Kind() || out.Cardinality() != in.Cardinality() || out.IsMap() != in.IsMap() {
		t.Errorf("%s: read as field %d %s %s, written as field %d %s %s", path, out.Number(), out.Cardinality(), out.Kind(), in.Number(), in.Cardinality(), in.Kind())
		return
	}
	if out.Kind() == protoreflect.MessageKind || out.Kind() == protoreflect.GroupKind {
		messageCompatible(t, path, out.Message(), in.Message(), seen)
	}
}
