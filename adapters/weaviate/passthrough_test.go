package weaviate

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

const namedSchema = `{"class": "N",
  "vectorConfig": {
    "title": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"}},
    "colbert": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine", "multivector": {"enabled": true}}}%s
  },
  "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}, {"name": "r", "dataType": ["number"]},
    {"name": "tags", "dataType": ["text[]"]}, {"name": "when", "dataType": ["date"]}, {"name": "ok", "dataType": ["boolean"]},
    {"name": "whole", "dataType": ["int"]}, {"name": "blob", "dataType": ["blob"]}, {"name": "geo", "dataType": ["geoCoordinates"]}]}`

func mustClass(t *testing.T, extraVector string) *class {
	t.Helper()
	cl, err := parseClass([]byte(fmt.Sprintf(namedSchema, extraVector)))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func f32bytes(prefix []byte, vs ...float32) []byte {
	b := append([]byte{}, prefix...)
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// searchResult is an object as a Weaviate server sends it.
func searchResult() *pb.SearchResult {
	return &pb.SearchResult{
		Metadata: &pb.MetadataResult{
			IdAsBytes: []byte{0x0a, 1, 2, 3, 4, 5, 0x40, 7, 0x80, 9, 10, 11, 12, 13, 14, 15},
			Vectors: []*pb.Vectors{
				{Name: "title", VectorBytes: f32bytes(nil, 1, 2, 3)},
				{Name: "colbert", VectorBytes: f32bytes([]byte{2, 0}, 1, 2, 3, 4)},
			},
		},
		Properties: &pb.PropertiesResult{NonRefProps: &pb.Properties{Fields: map[string]*pb.Value{
			"title": {Kind: &pb.Value_TextValue{TextValue: "naïve"}},
			"n":     {Kind: &pb.Value_IntValue{IntValue: 42}},
			"r":     {Kind: &pb.Value_NumberValue{NumberValue: 0.25}},
			"tags":  {Kind: &pb.Value_ListValue{ListValue: &pb.ListValue{Kind: &pb.ListValue_TextValues{TextValues: &pb.TextValues{Values: []string{"a", "b"}}}}}},
			"gone":  {Kind: &pb.Value_NullValue{}},
			"when":  {Kind: &pb.Value_DateValue{DateValue: "2024-01-02T03:04:05Z"}},
			"ok":    {Kind: &pb.Value_BoolValue{BoolValue: true}},
			"whole": {Kind: &pb.Value_NumberValue{NumberValue: 7}},
			"blob":  {Kind: &pb.Value_BlobValue{BlobValue: "aGVsbG8="}},
			"geo":   {Kind: &pb.Value_GeoValue{GeoValue: &pb.GeoCoordinate{Latitude: 1.5, Longitude: -2}}},
		}}},
	}
}

func sortVectors(o *pb.BatchObject) {
	sort.Slice(o.Vectors, func(i, j int) bool { return o.Vectors[i].Name < o.Vectors[j].Name })
}

// The pass-through writes what the neutral path writes, byte for byte;
// with vectors laid out differently on the target it takes the neutral
// path itself.
func TestTranscodeEqualsNeutralPath(t *testing.T) {
	src := mustClass(t, "")
	for _, tc := range []struct {
		name string
		dst  *class
		same bool
	}{
		{"same layout", mustClass(t, ""), true},
		{"target has another vector", mustClass(t, `, "extra": {"vectorizer": {"none": {}}, "vectorIndexType": "flat", "vectorIndexConfig": {"distance": "dot"}}`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameVectorLayout(src, tc.dst); got != tc.same {
				t.Fatalf("sameVectorLayout = %v, want %v", got, tc.same)
			}
			r := searchResult()
			p, err := src.decodeResult(r)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tc.dst.encodeObject("N", "tenant", &p)
			if err != nil {
				t.Fatal(err)
			}
			id := p.ID
			got, err := tc.dst.transcode("N", "tenant", id, r, src)
			if err != nil {
				t.Fatal(err)
			}
			sortVectors(want)
			sortVectors(got)
			if !proto.Equal(got, want) {
				t.Errorf("object %s:\nraw     %v\nneutral %v", id, got, want)
			}
		})
	}
}

// A vector whose bytes are not a whole vector is refused, not passed on.
func TestTranscodeChecksVectorBytes(t *testing.T) {
	cl := mustClass(t, "")
	r := searchResult()
	r.Metadata.Vectors[1].VectorBytes = r.Metadata.Vectors[1].VectorBytes[:7]
	p, _ := cl.decodeResult(searchResult())
	if _, err := cl.transcode("N", "", p.ID, r, cl); err == nil {
		t.Errorf("a 7-byte multi-vector was transcoded; want an error")
	}
}

// An integer Weaviate cannot hold exactly is refused by the pass-through
// as by the neutral path.
func TestTranscodeRefusesInexactInt(t *testing.T) {
	cl := mustClass(t, "")
	r := searchResult()
	r.Properties.NonRefProps.Fields["n"] = &pb.Value{Kind: &pb.Value_IntValue{IntValue: 1 << 60}}
	p, err := cl.decodeResult(r)
	if err != nil {
		t.Fatal(err)
	}
	_, nerr := cl.encodeObject("N", "", &p)
	_, terr := cl.transcode("N", "", p.ID, r, cl)
	if nerr == nil || terr == nil || !strings.Contains(terr.Error(), "beyond ±2^53") {
		t.Errorf("2^60 in an int property: neutral path %v, pass-through %v; want both refused (beyond ±2^53)", nerr, terr)
	}
}

// A multi-vector's type is sent as field 4 of Vectors, which the protocol
// package vecmig compiles against may not know (multiVectorBytes): it must
// be VECTOR_TYPE_MULTI_FP32 (2) wherever a newer package declares it, and
// no other field may take number 4.
func TestMultiVectorTypeField(t *testing.T) {
	b, err := proto.Marshal(multiVectorBytes("colbert", f32bytes([]byte{2, 0}, 1, 2, 3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	var v pb.Vectors
	if err := proto.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	fd := v.ProtoReflect().Descriptor().Fields().ByNumber(multiVectorTypeField)
	if fd == nil {
		// Unknown to this package: the bytes carry it as they are.
		num, typ, n := protowire.ConsumeTag(v.ProtoReflect().GetUnknown())
		val, m := protowire.ConsumeVarint(v.ProtoReflect().GetUnknown()[max(n, 0):])
		if n < 0 || m < 0 || num != multiVectorTypeField || typ != protowire.VarintType || val != multiFP32 {
			t.Errorf("unknown fields of a multi-vector = %x; want field %d = %d", v.ProtoReflect().GetUnknown(), multiVectorTypeField, multiFP32)
		}
		return
	}
	if fd.Name() != "type" || fd.Kind() != protoreflect.EnumKind {
		t.Fatalf("Vectors field %d is %s (%s) in the protocol package; multiVectorBytes sends a vector type there", multiVectorTypeField, fd.Name(), fd.Kind())
	}
	ev := fd.Enum().Values().ByName("VECTOR_TYPE_MULTI_FP32")
	if ev == nil || ev.Number() != multiFP32 {
		t.Errorf("VECTOR_TYPE_MULTI_FP32 is %v in the protocol package; multiVectorBytes sends %d", ev, multiFP32)
	}
	if got := v.ProtoReflect().Get(fd).Enum(); got != multiFP32 {
		t.Errorf("a multi-vector's type decodes as %d; want VECTOR_TYPE_MULTI_FP32 (%d)", got, multiFP32)
	}
}
