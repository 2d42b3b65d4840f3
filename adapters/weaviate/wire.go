package weaviate

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/protoraw"
)

// The raw pass-through writes its batch request in protobuf's wire format
// by hand: building a BatchObject per result and marshalling it cost about
// a third of a W→W copy's CPU. An object is written by hand when the two
// classes lay out their vectors alike, with no multi-vector, and every
// property is a scalar (text, date, uuid, blob, boolean, int, number); any
// other object is transcoded and marshalled as before. Both give the same
// bytes to the server's decoder (the test compares them decoded).

// Field numbers of protocol v1 (batch.proto, base.proto) and of
// google.protobuf.Struct/Value.
const (
	batchReqObjects                     = 1 // BatchObjectsRequest.objects
	objUUID                             = 1 // BatchObject.uuid
	objProperties                       = 3 // BatchObject.properties
	objCollection                       = 4
	objTenant                           = 5
	objVectorBytes                      = 6
	objVectors                          = 23
	propsNonRef                         = 1 // BatchObject.Properties.non_ref_properties
	structFields                        = 1 // Struct.fields (map entries: key 1, value 2)
	valueNumber        protowire.Number = 2 // google.protobuf.Value.number_value
	valueString        protowire.Number = 3
	valueBool          protowire.Number = 4
	vectorsName                         = 1 // Vectors.name
	vectorsVectorBytes                  = 3
)

// batchObjectsMethod is the full name of Weaviate's BatchObjects call
// (weaviate_grpc.pb.go spells it out; no constant is exported).
const batchObjectsMethod = "/weaviate.v1.Weaviate/BatchObjects"

// batchRequest is the BatchObjectsRequest for raw objects b, in wire format.
func (cl *class) batchRequest(className, tenant string, b rawObjects) ([]byte, error) {
	size := 0
	for _, r := range b.res {
		size += rawSize(r) + len(className) + len(tenant)
	}
	buf := make([]byte, 0, size)
	var obj, entries []byte
	fast := sameVectorLayout(b.cl, cl) && !anyMulti(cl)
	for i, r := range b.res {
		ok := false
		if fast {
			var err error
			obj, entries, ok, err = cl.appendObject(obj[:0], entries[:0], className, tenant, b.ids[i], r, b.byHand(i), b.cl)
			if err != nil {
				return nil, fmt.Errorf("object %s: %w", b.ids[i], err)
			}
		}
		if !ok {
			r, err := b.result(i)
			if err != nil {
				return nil, fmt.Errorf("object %s: %w", b.ids[i], err)
			}
			o, err := cl.transcode(className, tenant, b.ids[i], r, b.cl)
			if err != nil {
				return nil, fmt.Errorf("object %s: %w", b.ids[i], err)
			}
			if obj, err = (proto.MarshalOptions{}).MarshalAppend(obj[:0], o); err != nil {
				return nil, fmt.Errorf("object %s: %w", b.ids[i], err)
			}
		}
		buf = protowire.AppendTag(buf, batchReqObjects, protowire.BytesType)
		buf = protowire.AppendBytes(buf, obj)
	}
	return buf, nil
}

func anyMulti(cl *class) bool {
	for _, m := range cl.multi {
		if m {
			return true
		}
	}
	return false
}

// appendObject appends the BatchObject transcode would build for r, in
// wire format; ok is false when r needs transcode (see above). entries is
// scratch space for the properties. w, when not nil, is r read by hand,
// with its properties.
func (cl *class) appendObject(obj, entries []byte, className, tenant string, id adapters.ID, r *pb.SearchResult, w *wireResult, src *class) (_, _ []byte, ok bool, err error) {
	md := r.GetMetadata()
	if !id.IsUUID() || (cl.hasDef && len(md.GetVectorBytes()) == 0 && len(md.GetVector()) > 0) {
		return obj, entries, false, nil
	}
	if w != nil {
		entries, ok, err = appendWireProps(entries, w.props, src, cl)
	} else {
		entries, ok, err = appendProps(entries, r.GetProperties().GetNonRefProps().GetFields(), src, cl)
	}
	if !ok || err != nil {
		return obj, entries, ok, err
	}
	obj = protowire.AppendTag(obj, objUUID, protowire.BytesType)
	obj = protowire.AppendString(obj, id.String())
	if obj, err = cl.appendVectors(obj, md); err != nil {
		return obj, entries, false, err
	}
	obj = appendPropsField(obj, entries)
	obj = protowire.AppendTag(obj, objCollection, protowire.BytesType)
	obj = protowire.AppendString(obj, className)
	if tenant != "" {
		obj = protowire.AppendTag(obj, objTenant, protowire.BytesType)
		obj = protowire.AppendString(obj, tenant)
	}
	return obj, entries, true, nil
}

// appendVectors writes the vectors as transcode does for single vectors:
// the class-level one (which may come back named "default") as
// vector_bytes, the named ones the target declares as vectors.
func (cl *class) appendVectors(obj []byte, md *pb.MetadataResult) ([]byte, error) {
	haveDef := false
	setDef := func(b []byte) error {
		if err := checkVectorBytes(b, false); err != nil {
			return fmt.Errorf("class-level vector: %v", err)
		}
		obj = protowire.AppendTag(obj, objVectorBytes, protowire.BytesType)
		obj = protowire.AppendBytes(obj, b)
		haveDef = true
		return nil
	}
	if b := md.GetVectorBytes(); cl.hasDef && len(b) > 0 {
		if err := setDef(b); err != nil {
			return obj, err
		}
	}
	for _, nv := range md.GetVectors() {
		b, name := nv.GetVectorBytes(), nv.GetName()
		if len(b) == 0 {
			continue
		}
		if _, ok := cl.s.VectorConfig[name]; !ok {
			if cl.hasDef && name == "default" && !haveDef {
				if err := setDef(b); err != nil {
					return obj, err
				}
			}
			continue
		}
		if err := checkVectorBytes(b, false); err != nil {
			return obj, fmt.Errorf("vector %q: %v", name, err)
		}
		obj = protowire.AppendTag(obj, objVectors, protowire.BytesType)
		obj = protowire.AppendVarint(obj, uint64(protowire.SizeTag(vectorsName)+protowire.SizeBytes(len(name))+protowire.SizeTag(vectorsVectorBytes)+protowire.SizeBytes(len(b))))
		obj = protowire.AppendTag(obj, vectorsName, protowire.BytesType)
		obj = protowire.AppendString(obj, name)
		obj = protowire.AppendTag(obj, vectorsVectorBytes, protowire.BytesType)
		obj = protowire.AppendBytes(obj, b)
	}
	return obj, nil
}

// appendProps writes the Struct entries scalarValue would give; ok is
// false at the first value that is not a scalar (or goes to a target
// property of type object).
func appendProps(buf []byte, fields map[string]*pb.Value, src, dst *class) ([]byte, bool, error) {
	for k, v := range fields {
		if bt, isArr := baseType(dst.props[k]); !isArr && bt == "object" {
			return buf, false, nil
		}
		var s string
		var num float64
		field := valueString
		switch x := v.GetKind().(type) {
		case *pb.Value_TextValue:
			s = x.TextValue
		case *pb.Value_StringValue:
			s = x.StringValue
		case *pb.Value_DateValue:
			s = x.DateValue
		case *pb.Value_UuidValue:
			s = x.UuidValue
		case *pb.Value_BlobValue:
			s = x.BlobValue
		case *pb.Value_BoolValue:
			field = valueBool
			if x.BoolValue {
				num = 1
			}
		case *pb.Value_IntValue, *pb.Value_NumberValue:
			field = valueNumber
			var err error
			if num, err = numberOf(v, src.props[k]); err != nil {
				return buf, true, fmt.Errorf("property %q: %w", k, err)
			}
		case *pb.Value_NullValue, nil:
			continue // Weaviate stores no nulls: absent is the same
		default:
			return buf, false, nil
		}
		buf = appendEntry(buf, k, field, s, num)
	}
	return buf, true, nil
}

// appendWireProps is appendProps for properties read by hand.
func appendWireProps(buf []byte, props []wireProp, src, dst *class) ([]byte, bool, error) {
	for i := range props {
		p := &props[i]
		if bt, isArr := baseType(dst.props[p.key]); !isArr && bt == "object" {
			return buf, false, nil
		}
		switch p.kind {
		case pvNull:
			continue // Weaviate stores no nulls: absent is the same
		case pvBool:
			buf = appendEntry(buf, p.key, valueBool, "", float64(min(p.n, 1)))
		case pvInt, pvNumber:
			num, err := exactNumber(p.value(src.props[p.key]))
			if err != nil {
				return buf, true, fmt.Errorf("property %q: %w", p.key, err)
			}
			buf = appendEntry(buf, p.key, valueNumber, "", num)
		default:
			buf = appendEntry(buf, p.key, valueString, p.s, 0)
		}
	}
	return buf, true, nil
}

// appendEntry writes one Struct map entry: key k, and a Value holding s
// (field valueString), a bool (valueBool: num is 0 or 1) or num.
func appendEntry(buf []byte, k string, field protowire.Number, s string, num float64) []byte {
	var vlen int
	switch field {
	case valueString:
		vlen = protowire.SizeTag(field) + protowire.SizeBytes(len(s))
	case valueBool:
		vlen = protowire.SizeTag(field) + 1
	default:
		vlen = protowire.SizeTag(field) + 8
	}
	elen := protowire.SizeTag(1) + protowire.SizeBytes(len(k)) + protowire.SizeTag(2) + protowire.SizeBytes(vlen)
	buf = protowire.AppendTag(buf, structFields, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(elen))
	buf = protowire.AppendTag(buf, 1, protowire.BytesType)
	buf = protowire.AppendString(buf, k)
	buf = protowire.AppendTag(buf, 2, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(vlen))
	switch field {
	case valueString:
		buf = protowire.AppendTag(buf, valueString, protowire.BytesType)
		buf = protowire.AppendString(buf, s)
	case valueBool:
		buf = protowire.AppendTag(buf, valueBool, protowire.VarintType)
		buf = protowire.AppendVarint(buf, uint64(num))
	default:
		buf = protowire.AppendTag(buf, valueNumber, protowire.Fixed64Type)
		buf = protowire.AppendFixed64(buf, math.Float64bits(num))
	}
	return buf
}

// numberOf is the number structValue sends for an int or number value
// read by the source's schema, with the same refusals.
func numberOf(v *pb.Value, src *propSchema) (float64, error) {
	x, err := decodeValue(v, src)
	if err != nil {
		return 0, err
	}
	return exactNumber(x)
}

// exactNumber is the number structValue sends for x (int64 or float64).
func exactNumber(x any) (float64, error) {
	switch n := x.(type) {
	case float64:
		return n, nil
	case int64:
		if n <= maxExactInt && n >= -maxExactInt {
			return float64(n), nil
		}
	}
	sv, err := structValue(x)
	if err != nil {
		return 0, err
	}
	return sv.GetNumberValue(), nil
}

// sendRaw writes a batch request in wire format of n objects (id(i) the
// id of object i) and fails, naming the objects, if any is rejected.
func (s *Sink) sendRaw(ctx context.Context, partition string, req []byte, n int, id func(i int) adapters.ID) error {
	gctx, cancel := s.c.grpcCtx(ctx)
	defer cancel()
	raw := protoraw.Message(req)
	reply := &pb.BatchObjectsReply{}
	if err := s.c.gc.Invoke(gctx, batchObjectsMethod, &raw, reply, protoraw.Call); err != nil {
		return s.c.grpcErr(fmt.Sprintf("write %d objects to tenant %q (ids %s to %s)", n, partition, id(0), id(n-1)), err)
	}
	if errs := reply.GetErrors(); len(errs) > 0 {
		return s.c.rejected(partition, n, id, errs)
	}
	return nil
}

// pointsRequest is the BatchObjectsRequest for neutral points, in wire
// format: each point written by hand when appendPoint can, else built by
// encodeObject and marshalled.
func (cl *class) pointsRequest(className, tenant string, points []adapters.Point) ([]byte, error) {
	size := 0
	for i := range points {
		size += 96 + len(className) + len(tenant)
		for _, v := range points[i].Vectors {
			size += 24 + 4*len(v.Dense)
		}
		for k, v := range points[i].Payload {
			size += 28 + len(k)
			if s, ok := v.(string); ok {
				size += len(s)
			}
		}
	}
	buf := make([]byte, 0, size)
	var obj, entries []byte
	for i := range points {
		var ok bool
		obj, entries, ok = cl.appendPoint(obj[:0], entries[:0], className, tenant, &points[i])
		if !ok {
			o, err := cl.encodeObject(className, tenant, &points[i])
			if err != nil {
				return nil, fmt.Errorf("object %s: %v", points[i].ID, err)
			}
			if obj, err = (proto.MarshalOptions{}).MarshalAppend(obj[:0], o); err != nil {
				return nil, fmt.Errorf("object %s: %v", points[i].ID, err)
			}
		}
		buf = protowire.AppendTag(buf, batchReqObjects, protowire.BytesType)
		buf = protowire.AppendBytes(buf, obj)
	}
	return buf, nil
}

// appendPoint appends the BatchObject encodeObject builds for p when its
// vectors are dense and declared and its payload values are scalars; ok is
// false otherwise (encodeObject then builds it, or says what is wrong).
func (cl *class) appendPoint(obj, entries []byte, className, tenant string, p *adapters.Point) (_, _ []byte, ok bool) {
	if !p.ID.IsUUID() {
		return obj, entries, false
	}
	for name, v := range p.Vectors {
		if v.Multi != nil || v.Sparse != nil || len(v.Dense) == 0 {
			return obj, entries, false
		}
		if _, ok := cl.s.VectorConfig[name]; !ok && (name != adapters.DefaultVector || !cl.hasDef) {
			return obj, entries, false
		}
	}
	for k, v := range p.Payload {
		if bt, isArr := baseType(cl.props[k]); !isArr && bt == "object" && cl.props[k] != nil {
			return obj, entries, false
		}
		switch x := v.(type) {
		case nil:
		case string:
			entries = appendEntry(entries, k, valueString, x, 0)
		case bool:
			entries = appendEntry(entries, k, valueBool, "", float64(boolNum(x)))
		case float64:
			entries = appendEntry(entries, k, valueNumber, "", x)
		case int64:
			if x > maxExactInt || x < -maxExactInt {
				return obj, entries, false
			}
			entries = appendEntry(entries, k, valueNumber, "", float64(x))
		default:
			return obj, entries, false
		}
	}
	obj = protowire.AppendTag(obj, objUUID, protowire.BytesType)
	obj = protowire.AppendString(obj, p.ID.String())
	for name, v := range p.Vectors {
		if name == adapters.DefaultVector && cl.hasDef {
			obj = protowire.AppendTag(obj, objVectorBytes, protowire.BytesType)
			obj = appendFloats(obj, v.Dense)
			continue
		}
		obj = protowire.AppendTag(obj, objVectors, protowire.BytesType)
		obj = protowire.AppendVarint(obj, uint64(protowire.SizeTag(vectorsName)+protowire.SizeBytes(len(name))+protowire.SizeTag(vectorsVectorBytes)+protowire.SizeBytes(4*len(v.Dense))))
		obj = protowire.AppendTag(obj, vectorsName, protowire.BytesType)
		obj = protowire.AppendString(obj, name)
		obj = protowire.AppendTag(obj, vectorsVectorBytes, protowire.BytesType)
		obj = appendFloats(obj, v.Dense)
	}
	obj = appendPropsField(obj, entries)
	obj = protowire.AppendTag(obj, objCollection, protowire.BytesType)
	obj = protowire.AppendString(obj, className)
	if tenant != "" {
		obj = protowire.AppendTag(obj, objTenant, protowire.BytesType)
		obj = protowire.AppendString(obj, tenant)
	}
	return obj, entries, true
}

func boolNum(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appendFloats appends a bytes field's length and content: little-endian
// float32s, as vectorBytes makes them.
func appendFloats(b []byte, v []float32) []byte {
	b = protowire.AppendVarint(b, uint64(4*len(v)))
	for _, f := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	return b
}

// appendPropsField appends BatchObject.properties holding the Struct
// entries (none: an empty message, as batchProperties gives).
func appendPropsField(obj, entries []byte) []byte {
	obj = protowire.AppendTag(obj, objProperties, protowire.BytesType)
	if len(entries) == 0 {
		return protowire.AppendVarint(obj, 0)
	}
	obj = protowire.AppendVarint(obj, uint64(protowire.SizeTag(propsNonRef)+protowire.SizeBytes(len(entries))))
	obj = protowire.AppendTag(obj, propsNonRef, protowire.BytesType)
	return protowire.AppendBytes(obj, entries)
}
