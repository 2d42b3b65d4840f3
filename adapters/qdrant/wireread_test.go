package qdrant

import (
	"reflect"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"
)

// A point read by hand is the point neutralPoint makes of the decoded
// message; points with other forms are left to proto.
func TestDecodeRetrievedEqualsNeutralPoint(t *testing.T) {
	payload := map[string]*qdrant.Value{
		"s": qdrant.NewValueString("naïve"), "i": qdrant.NewValueInt(-3), "f": qdrant.NewValueDouble(0.5),
		"b": qdrant.NewValueBool(false), "n": qdrant.NewValueNull(), "e": {},
	}
	dense := func(v ...float32) *qdrant.VectorOutput {
		return &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: v}}}
	}
	unnamed := func(vo *qdrant.VectorOutput) *qdrant.VectorsOutput {
		return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: vo}}
	}
	named := func(m map[string]*qdrant.VectorOutput) *qdrant.VectorsOutput {
		return &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: m}}}
	}
	for _, tc := range []struct {
		name string
		rp   *qdrant.RetrievedPoint
		hand bool
	}{
		{"dense, uuid", &qdrant.RetrievedPoint{Id: qdrant.NewIDUUID("0a010203-0405-4007-8009-0a0b0c0d0e0f"), Payload: payload, Vectors: unnamed(dense(1, -2.5, 3))}, true},
		{"flat data and dense", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(7), Vectors: unnamed(&qdrant.VectorOutput{Data: []float32{9}, Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: []float32{1, 2}}}})}, true},
		{"flat data only", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(8), Vectors: unnamed(&qdrant.VectorOutput{Data: []float32{4, 5}})}, true},
		{"named", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(1 << 40), Payload: payload, Vectors: named(map[string]*qdrant.VectorOutput{"a": dense(1), "b": dense(), "c": nil})}, true},
		{"no named vectors", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(2), Vectors: named(nil)}, true},
		{"nothing", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(3), ShardKey: qdrant.NewShardKey("k")}, true},
		{"sparse", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(4), Vectors: named(map[string]*qdrant.VectorOutput{"s": {Vector: &qdrant.VectorOutput_Sparse{Sparse: &qdrant.SparseVector{Indices: []uint32{1}, Values: []float32{2}}}}})}, false},
		{"multi", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(5), Vectors: unnamed(&qdrant.VectorOutput{Vector: &qdrant.VectorOutput_MultiDense{MultiDense: &qdrant.MultiDenseVector{Vectors: []*qdrant.DenseVector{{Data: []float32{1}}}}}})}, false},
		{"nested payload", &qdrant.RetrievedPoint{Id: qdrant.NewIDNum(6), Payload: map[string]*qdrant.Value{"m": qdrant.NewValueStruct(&qdrant.Struct{Fields: payload}), "l": qdrant.NewValueList(&qdrant.ListValue{Values: []*qdrant.Value{qdrant.NewValueInt(1)}})}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := proto.Marshal(tc.rp)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := handPoint(b); ok != tc.hand {
				t.Errorf("read by hand: %v, want %v", ok, tc.hand)
			}
			got, err := decodeRetrieved(b)
			if err != nil {
				t.Fatal(err)
			}
			var rp qdrant.RetrievedPoint
			if err := proto.Unmarshal(b, &rp); err != nil {
				t.Fatal(err)
			}
			want, err := neutralPoint(&rp)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("by hand %#v\nproto   %#v", got, want)
			}
		})
	}
}

// A scroll answer's points come in order, and next_page_offset says
// whether more follow.
func TestDecodeScroll(t *testing.T) {
	for _, next := range []*qdrant.PointId{nil, qdrant.NewIDNum(9)} {
		b, err := proto.Marshal(&qdrant.ScrollResponse{NextPageOffset: next, Time: 0.5, Result: []*qdrant.RetrievedPoint{{Id: qdrant.NewIDNum(1)}, {Id: qdrant.NewIDNum(2)}}})
		if err != nil {
			t.Fatal(err)
		}
		pts, last, err := decodeScroll(b)
		if err != nil || len(pts) != 2 || pts[0].ID.Num() != 1 || pts[1].ID.Num() != 2 || last != (next == nil) {
			t.Errorf("next %v: %d points, last %v, %v", next, len(pts), last, err)
		}
	}
	if _, _, err := decodeScroll([]byte{0x12, 0x09, 0x0a}); err == nil {
		t.Error("a truncated answer was read without an error")
	}
}
