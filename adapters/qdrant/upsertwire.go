package qdrant

import (
	"context"
	"math"
	"unicode/utf8"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/protoraw"
)

// Neutral points are upserted in protobuf's wire format written by hand:
// building a PointStruct per point and marshalling the request cost about
// a third of a W→Q copy's CPU. A point is written by hand when its vectors
// are dense and its payload values are scalars (null, bool, int64,
// float64, UTF-8 string); any other point goes through qdrantPoint and
// proto, as before. Both decode to the same message (upsertwire_test.go).

// Field numbers of points.proto and json_with_int.proto.
const (
	upsertUpdateFilter = 6 // UpsertPoints.update_filter
	pointStructID      = 1
	pointStructVectors = 4
	vectorsVector      = 1 // Vectors.vector
	vectorsNamed       = 2 // Vectors.vectors (NamedVectors)
	// NamedVectors.vectors and DenseVector.data: namedVectorsMap, denseData (vectorcheck.go)
	vectorDense = 101 // Vector.dense
	qvNull      = 1   // Value.null_value
	qvDouble    = 2
	qvInteger   = 3
	qvString    = 4
	qvBool      = 5
)

// upsertWire writes neutral points with wait=true, as upsert did with the
// go-client's messages.
func (c *conn) upsertWire(ctx context.Context, sel *qdrant.ShardKeySelector, tenant *qdrant.Filter, points []adapters.Point) error {
	size := 64 + len(c.coll)
	for i := range points {
		size += pointSizeHint(&points[i])
	}
	buf := make([]byte, 0, size)
	buf = protowire.AppendTag(buf, upsertCollection, protowire.BytesType)
	buf = protowire.AppendString(buf, c.coll)
	buf = protowire.AppendTag(buf, upsertWait, protowire.VarintType)
	buf = protowire.AppendVarint(buf, 1)
	var pt, scratch []byte
	for i := range points {
		var ok bool
		pt, scratch, ok = appendNeutralPoint(pt[:0], scratch[:0], &points[i])
		if !ok {
			ps, err := qdrantPoint(&points[i])
			if err != nil {
				return adapters.Errorf(adapters.KindInvalid, "%s: point %s cannot be written: %w", c.prefix, points[i].ID, err)
			}
			if pt, err = (proto.MarshalOptions{}).MarshalAppend(pt[:0], ps); err != nil {
				return err
			}
		}
		buf = protowire.AppendTag(buf, upsertPoints, protowire.BytesType)
		buf = protowire.AppendBytes(buf, pt)
	}
	for _, m := range []struct {
		num protowire.Number
		msg proto.Message
		set bool
	}{{upsertShardKeySel, sel, sel != nil}, {upsertUpdateFilter, tenant, tenant != nil}} {
		if !m.set {
			continue
		}
		b, err := proto.Marshal(m.msg)
		if err != nil {
			return err
		}
		buf = protowire.AppendTag(buf, m.num, protowire.BytesType)
		buf = protowire.AppendBytes(buf, b)
	}
	req := protoraw.Message(buf)
	return c.client.GetConnection().Invoke(ctx, qdrant.Points_Upsert_FullMethodName, &req, &qdrant.PointsOperationResponse{}, protoraw.Call)
}

// pointSizeHint is about a point's size on the wire.
func pointSizeHint(p *adapters.Point) int {
	n := 64
	for name, v := range p.Vectors {
		n += 16 + len(name) + 4*len(v.Dense)
	}
	for k, v := range p.Payload {
		n += 16 + len(k)
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	return n
}

// appendNeutralPoint appends p as a PointStruct; ok is false when p has a
// vector that is not dense or a payload value that is not a scalar.
// scratch is space for the payload.
func appendNeutralPoint(buf, scratch []byte, p *adapters.Point) (_, _ []byte, ok bool) {
	for _, v := range p.Vectors {
		if v.Dense == nil || v.Sparse != nil || v.Multi != nil {
			return buf, scratch, false
		}
	}
	buf = protowire.AppendTag(buf, pointStructID, protowire.BytesType)
	if p.ID.IsUUID() {
		s := p.ID.String()
		buf = protowire.AppendVarint(buf, uint64(protowire.SizeTag(pointIDUUID)+protowire.SizeBytes(len(s))))
		buf = protowire.AppendTag(buf, pointIDUUID, protowire.BytesType)
		buf = protowire.AppendString(buf, s)
	} else {
		n := p.ID.Num()
		buf = protowire.AppendVarint(buf, uint64(protowire.SizeTag(pointIDNum)+protowire.SizeVarint(n)))
		buf = protowire.AppendTag(buf, pointIDNum, protowire.VarintType)
		buf = protowire.AppendVarint(buf, n)
	}
	for k, v := range p.Payload {
		var ok bool
		if scratch, ok = appendScalar(scratch[:0], v); !ok {
			return buf, scratch, false
		}
		buf = protowire.AppendTag(buf, pointStructPayload, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(protowire.SizeTag(1)+protowire.SizeBytes(len(k))+protowire.SizeTag(2)+protowire.SizeBytes(len(scratch))))
		buf = protowire.AppendTag(buf, 1, protowire.BytesType)
		buf = protowire.AppendString(buf, k)
		buf = protowire.AppendTag(buf, 2, protowire.BytesType)
		buf = protowire.AppendBytes(buf, scratch)
	}
	return appendVectors(buf, p.Vectors), scratch, true
}

// appendScalar appends a scalar payload value as a Value's fields.
func appendScalar(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		b = protowire.AppendTag(b, qvNull, protowire.VarintType)
		return protowire.AppendVarint(b, 0), true
	case bool:
		b = protowire.AppendTag(b, qvBool, protowire.VarintType)
		return protowire.AppendVarint(b, protowire.EncodeBool(x)), true
	case int64:
		b = protowire.AppendTag(b, qvInteger, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(x)), true
	case float64:
		b = protowire.AppendTag(b, qvDouble, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(x)), true
	case string:
		if !utf8.ValidString(x) {
			return b, false // qdrantPoint says why
		}
		b = protowire.AppendTag(b, qvString, protowire.BytesType)
		return protowire.AppendString(b, x), true
	}
	return b, false
}

// appendVectors appends dense vectors as qdrantPoint sets them: the lone
// unnamed vector as Vectors.vector, any others by name.
func appendVectors(buf []byte, vs map[string]adapters.Vector) []byte {
	if v, ok := vs[adapters.DefaultVector]; ok && len(vs) == 1 {
		vlen := denseSize(v.Dense)
		buf = protowire.AppendTag(buf, pointStructVectors, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(protowire.SizeTag(vectorsVector)+protowire.SizeBytes(vlen)))
		buf = protowire.AppendTag(buf, vectorsVector, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(vlen))
		return appendDense(buf, v.Dense)
	}
	named := 0
	for name, v := range vs {
		vlen := denseSize(v.Dense)
		named += protowire.SizeTag(namedVectorsMap) + protowire.SizeBytes(protowire.SizeTag(1)+protowire.SizeBytes(len(name))+protowire.SizeTag(2)+protowire.SizeBytes(vlen))
	}
	buf = protowire.AppendTag(buf, pointStructVectors, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(protowire.SizeTag(vectorsNamed)+protowire.SizeBytes(named)))
	buf = protowire.AppendTag(buf, vectorsNamed, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(named))
	for name, v := range vs {
		vlen := denseSize(v.Dense)
		buf = protowire.AppendTag(buf, namedVectorsMap, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(protowire.SizeTag(1)+protowire.SizeBytes(len(name))+protowire.SizeTag(2)+protowire.SizeBytes(vlen)))
		buf = protowire.AppendTag(buf, 1, protowire.BytesType)
		buf = protowire.AppendString(buf, name)
		buf = protowire.AppendTag(buf, 2, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(vlen))
		buf = appendDense(buf, v.Dense)
	}
	return buf
}

// denseSize is the size of a Vector holding dense data d.
func denseSize(d []float32) int {
	inner := 0
	if len(d) > 0 {
		inner = protowire.SizeTag(denseData) + protowire.SizeBytes(4*len(d))
	}
	return protowire.SizeTag(vectorDense) + protowire.SizeBytes(inner)
}

// appendDense appends Vector.dense holding d (packed float32s).
func appendDense(buf []byte, d []float32) []byte {
	inner := 0
	if len(d) > 0 {
		inner = protowire.SizeTag(denseData) + protowire.SizeBytes(4*len(d))
	}
	buf = protowire.AppendTag(buf, vectorDense, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(inner))
	if len(d) == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, denseData, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(4*len(d)))
	for _, f := range d {
		buf = protowire.AppendFixed32(buf, math.Float32bits(f))
	}
	return buf
}
