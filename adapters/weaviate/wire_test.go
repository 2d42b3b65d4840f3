package weaviate

import (
	"reflect"
	"strings"
	"testing"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
)

const singleSchema = `{"class": "S", %s,
  "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}, {"name": "r", "dataType": ["number"]},
    {"name": "when", "dataType": ["date"]}, {"name": "ok", "dataType": ["boolean"]}, {"name": "whole", "dataType": ["int"]},
    {"name": "blob", "dataType": ["blob"]}, {"name": "id2", "dataType": ["uuid"]}, {"name": "tags", "dataType": ["text[]"]},
    {"name": "nested", "dataType": ["object"], "nestedProperties": [{"name": "a", "dataType": ["text"]}]}]}`

const (
	classLevel = `"vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"}`
	twoNamed   = `"vectorConfig": {
    "title": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"}},
    "body": {"vectorizer": {"none": {}}, "vectorIndexType": "flat", "vectorIndexConfig": {"distance": "dot"}}}`
	threeNamed = `"vectorConfig": {
    "title": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"}},
    "extra": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"}},
    "body": {"vectorizer": {"none": {}}, "vectorIndexType": "flat", "vectorIndexConfig": {"distance": "dot"}}}`
)

func scalarResult(i int, md *pb.MetadataResult) *pb.SearchResult {
	id := []byte{0x0a, 1, 2, 3, 4, 5, 0x40, 7, 0x80, 9, 10, 11, 12, 13, 14, byte(i)}
	md.IdAsBytes = id
	return &pb.SearchResult{
		Metadata: md,
		Properties: &pb.PropertiesResult{NonRefProps: &pb.Properties{Fields: map[string]*pb.Value{
			"title": {Kind: &pb.Value_TextValue{TextValue: strings.Repeat("naïve ", i*40)}},
			"n":     {Kind: &pb.Value_IntValue{IntValue: int64(i - 1)}},
			"r":     {Kind: &pb.Value_NumberValue{NumberValue: 0.25 * float64(i)}},
			"when":  {Kind: &pb.Value_DateValue{DateValue: "2024-01-02T03:04:05Z"}},
			"ok":    {Kind: &pb.Value_BoolValue{BoolValue: i%2 == 0}},
			"whole": {Kind: &pb.Value_NumberValue{NumberValue: 7}},
			"blob":  {Kind: &pb.Value_BlobValue{BlobValue: "aGVsbG8="}},
			"id2":   {Kind: &pb.Value_UuidValue{UuidValue: "0a010203-0405-4007-8009-0a0b0c0d0e0f"}},
			"gone":  {Kind: &pb.Value_NullValue{}},
			"extra": {Kind: &pb.Value_StringValue{StringValue: "not in the schema"}},
		}}},
	}
}

// batchObjects decodes a request written by batchRequest.
func batchObjects(t *testing.T, cl, src *class, tenant string, b rawObjects) []*pb.BatchObject {
	t.Helper()
	req, err := cl.batchRequest("S", tenant, b)
	if err != nil {
		t.Fatal(err)
	}
	var got pb.BatchObjectsRequest
	if err := proto.Unmarshal(req, &got); err != nil {
		t.Fatalf("the request does not decode: %v", err)
	}
	return got.Objects
}

func rawOf(t *testing.T, src *class, res ...*pb.SearchResult) rawObjects {
	t.Helper()
	b := rawObjects{res: res, cl: src}
	for _, r := range res {
		id, err := resultID(r.GetMetadata())
		if err != nil {
			t.Fatal(err)
		}
		b.ids = append(b.ids, id)
	}
	return b
}

// The batch request written by hand decodes to the objects transcode
// builds, for objects it writes itself (scalars, single vectors) and for
// those it hands to transcode (lists, objects, multi-vectors, other
// layouts).
func TestBatchRequestEqualsTranscode(t *testing.T) {
	vec := f32bytes(nil, 1, -2.5, 3)
	named := func() *pb.MetadataResult {
		return &pb.MetadataResult{Vectors: []*pb.Vectors{{Name: "title", VectorBytes: vec}, {Name: "body", VectorBytes: f32bytes(nil, 4, 5)}, {Name: "gone", VectorBytes: vec}}}
	}
	withList := func(r *pb.SearchResult) *pb.SearchResult {
		r.Properties.NonRefProps.Fields["tags"] = &pb.Value{Kind: &pb.Value_ListValue{ListValue: &pb.ListValue{Kind: &pb.ListValue_TextValues{TextValues: &pb.TextValues{Values: []string{"a"}}}}}}
		return r
	}
	withObject := func(r *pb.SearchResult) *pb.SearchResult {
		r.Properties.NonRefProps.Fields["nested"] = &pb.Value{Kind: &pb.Value_ObjectValue{ObjectValue: &pb.Properties{Fields: map[string]*pb.Value{"a": {Kind: &pb.Value_TextValue{TextValue: "x"}}}}}}
		return r
	}
	noProps := func(r *pb.SearchResult) *pb.SearchResult { r.Properties = nil; return r }
	for _, tc := range []struct {
		name     string
		src, dst string
		results  []*pb.SearchResult
		fast     bool // the first result is written by hand
	}{
		{"class-level vector", classLevel, classLevel, []*pb.SearchResult{scalarResult(1, &pb.MetadataResult{VectorBytes: vec}), scalarResult(2, &pb.MetadataResult{VectorBytes: vec})}, true},
		{"class-level vector named default", classLevel, classLevel, []*pb.SearchResult{scalarResult(3, &pb.MetadataResult{Vectors: []*pb.Vectors{{Name: "default", VectorBytes: vec}}})}, true},
		{"named vectors", twoNamed, twoNamed, []*pb.SearchResult{scalarResult(4, named()), scalarResult(0, named())}, true},
		{"no properties, no vector", classLevel, classLevel, []*pb.SearchResult{noProps(scalarResult(5, &pb.MetadataResult{}))}, true},
		{"a list", twoNamed, twoNamed, []*pb.SearchResult{withList(scalarResult(6, named())), scalarResult(7, named())}, false},
		{"an object", classLevel, classLevel, []*pb.SearchResult{withObject(scalarResult(8, &pb.MetadataResult{VectorBytes: vec}))}, false},
		{"deprecated float vector only", classLevel, classLevel, []*pb.SearchResult{scalarResult(9, &pb.MetadataResult{Vector: []float32{1, 2, 3}})}, false},
		{"float vector beside its bytes", classLevel, classLevel, []*pb.SearchResult{scalarResult(11, &pb.MetadataResult{Vector: []float32{1, -2.5, 3}, VectorBytes: vec})}, true},
		{"other layout", twoNamed, threeNamed, []*pb.SearchResult{scalarResult(10, named())}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := parseClass([]byte(strings.Replace(singleSchema, "%s", tc.src, 1)))
			if err != nil {
				t.Fatal(err)
			}
			dst, err := parseClass([]byte(strings.Replace(singleSchema, "%s", tc.dst, 1)))
			if err != nil {
				t.Fatal(err)
			}
			b := rawOf(t, src, tc.results...)
			wb := wireOf(t, src, tc.results...)
			for _, tenant := range []string{"", "t1"} {
				got := batchObjects(t, dst, src, tenant, b)
				gotWire := batchObjects(t, dst, src, tenant, wb)
				if len(got) != len(tc.results) {
					t.Fatalf("%d objects in the request, want %d", len(got), len(tc.results))
				}
				for i, r := range tc.results {
					want, err := dst.transcode("S", tenant, b.ids[i], r, src)
					if err != nil {
						t.Fatal(err)
					}
					sortVectors(want)
					sortVectors(got[i])
					sortVectors(gotWire[i])
					if !proto.Equal(got[i], want) {
						t.Errorf("object %d, tenant %q:\nby hand   %v\ntranscode %v", i, tenant, got[i], want)
					}
					if !proto.Equal(gotWire[i], want) {
						t.Errorf("object %d, tenant %q, read by hand:\nby hand   %v\ntranscode %v", i, tenant, gotWire[i], want)
					}
				}
			}
			fast := sameVectorLayout(src, dst) && !anyMulti(dst)
			if fast {
				_, _, fast, _ = dst.appendObject(nil, nil, "S", "", b.ids[0], tc.results[0], nil, src)
			}
			if fast != tc.fast {
				t.Errorf("written by hand: %v, want %v", fast, tc.fast)
			}
		})
	}
}

// The hand-written path refuses what transcode refuses: an integer beyond
// ±2^53 and a vector that is not whole float32s.
func TestBatchRequestRefuses(t *testing.T) {
	cl, err := parseClass([]byte(strings.Replace(singleSchema, "%s", classLevel, 1)))
	if err != nil {
		t.Fatal(err)
	}
	big := scalarResult(1, &pb.MetadataResult{VectorBytes: f32bytes(nil, 1)})
	big.Properties.NonRefProps.Fields["n"] = &pb.Value{Kind: &pb.Value_IntValue{IntValue: 1 << 60}}
	torn := scalarResult(2, &pb.MetadataResult{VectorBytes: f32bytes(nil, 1, 2)[:7]})
	for name, r := range map[string]*pb.SearchResult{"int 2^60": big, "7-byte vector": torn} {
		b := rawOf(t, cl, r)
		_, err := cl.batchRequest("S", "", b)
		_, terr := cl.transcode("S", "", b.ids[0], r, cl)
		if err == nil || terr == nil {
			t.Errorf("%s: by hand %v, transcode %v; want both refused", name, err, terr)
		}
	}
}

// wireOf is a batch of results as ReadRaw makes it from the server's
// answer, each result also checked to decode as decodeResult does.
func wireOf(t *testing.T, src *class, res ...*pb.SearchResult) rawObjects {
	t.Helper()
	reply, err := proto.Marshal(&pb.SearchReply{Took: 1.5, Results: res})
	if err != nil {
		t.Fatal(err)
	}
	wr, err := parseSearchReply(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(wr) != len(res) {
		t.Fatalf("%d results read by hand, want %d", len(wr), len(res))
	}
	for i := range wr {
		got, gerr := src.decodeWire(&wr[i])
		want, werr := src.decodeResult(res[i])
		if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("result %d read by hand (ok %v): %+v, %v\nproto: %+v, %v", i, wr[i].ok, got, gerr, want, werr)
		}
	}
	b, err := newRawObjects(src, wr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A result with values proto must read is left to proto; a scalar one is
// read by hand.
func TestParseSearchReplyFallsBack(t *testing.T) {
	src, err := parseClass([]byte(strings.Replace(singleSchema, "%s", classLevel, 1)))
	if err != nil {
		t.Fatal(err)
	}
	vec := f32bytes(nil, 1, 2)
	list := scalarResult(1, &pb.MetadataResult{VectorBytes: vec, Vector: []float32{1, 2}})
	list.Properties.NonRefProps.Fields["tags"] = &pb.Value{Kind: &pb.Value_ListValue{ListValue: &pb.ListValue{Kind: &pb.ListValue_TextValues{TextValues: &pb.TextValues{Values: []string{"a"}}}}}}
	extra := scalarResult(2, &pb.MetadataResult{VectorBytes: vec, CreationTimeUnix: 5})
	multi := scalarResult(3, &pb.MetadataResult{Vectors: []*pb.Vectors{{Name: "c", Index: 1, VectorBytes: vec}}})
	plain := scalarResult(4, &pb.MetadataResult{VectorBytes: vec, Vector: []float32{1, 2}})
	b := wireOf(t, src, list, extra, multi, plain)
	for i, want := range []bool{false, false, false, true} {
		if b.wire[i].ok != want {
			t.Errorf("result %d read by hand: %v, want %v", i, b.wire[i].ok, want)
		}
	}
	if _, err := parseSearchReply([]byte{0x12, 0x05, 0x01}); err == nil {
		t.Error("a truncated answer was read without an error")
	}
}

// Neutral points written by hand decode to the objects encodeObject
// builds; points it cannot write are left to encodeObject.
func TestPointsRequestEqualsEncodeObject(t *testing.T) {
	uuid := adapters.MustParseID("0a010203-0405-4007-8009-0a0b0c0d0e0f")
	payload := map[string]any{"title": "naïve", "n": int64(-3), "r": 0.5, "ok": false, "when": "2024-01-02T03:04:05Z", "gone": nil, "extra": "x"}
	for _, tc := range []struct {
		name   string
		schema string
		p      adapters.Point
		hand   bool
	}{
		{"class-level", classLevel, adapters.Point{ID: uuid, Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: []float32{1, -2.5}}}, Payload: payload}, true},
		{"named", twoNamed, adapters.Point{ID: uuid, Vectors: map[string]adapters.Vector{"title": {Dense: []float32{1}}, "body": {Dense: []float32{2, 3}}}, Payload: payload}, true},
		{"no payload", twoNamed, adapters.Point{ID: uuid, Vectors: map[string]adapters.Vector{"title": {Dense: []float32{1}}}}, true},
		{"object value", classLevel, adapters.Point{ID: uuid, Payload: map[string]any{"nested": map[string]any{"a": "x"}}}, false},
		{"list value", classLevel, adapters.Point{ID: uuid, Payload: map[string]any{"tags": []any{"x"}}}, false},
		{"int beyond 2^53", classLevel, adapters.Point{ID: uuid, Payload: map[string]any{"n": int64(1) << 60}}, false},
		{"integer id", classLevel, adapters.Point{ID: adapters.NumID(1)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := parseClass([]byte(strings.Replace(singleSchema, "%s", tc.schema, 1)))
			if err != nil {
				t.Fatal(err)
			}
			_, _, hand := cl.appendPoint(nil, nil, "S", "t", &tc.p)
			if hand != tc.hand {
				t.Fatalf("written by hand: %v, want %v", hand, tc.hand)
			}
			want, werr := cl.encodeObject("S", "t", &tc.p)
			req, err := cl.pointsRequest("S", "t", []adapters.Point{tc.p})
			if (err == nil) != (werr == nil) {
				t.Fatalf("pointsRequest: %v; encodeObject: %v", err, werr)
			}
			if err != nil {
				return
			}
			var got pb.BatchObjectsRequest
			if err := proto.Unmarshal(req, &got); err != nil || len(got.Objects) != 1 {
				t.Fatalf("the request does not decode to one object: %v", err)
			}
			sortVectors(want)
			sortVectors(got.Objects[0])
			if !proto.Equal(got.Objects[0], want) {
				t.Errorf("by hand      %v\nencodeObject %v", got.Objects[0], want)
			}
		})
	}
}
