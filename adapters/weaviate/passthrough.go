package weaviate

import (
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

// The native pass-through between two Weaviate servers.
//
// A point read natively keeps the gRPC search result the source sent, and
// the sink turns it into a batch object directly: vectors keep the bytes
// they came in, and each property value is converted once, with the same
// rules as the neutral path (decodeValue with the source's schema, then
// props.add with the target's). When the two classes lay out their vectors
// differently, a point goes through the neutral model instead.

// PointFormat names the encoding of a Weaviate object's Point.Native.
const PointFormat = "weaviate.SearchResult"

// nativeObject is a Weaviate object read natively: the search result as
// the server sent it, with the source class that says how to read it.
type nativeObject struct {
	res *pb.SearchResult
	cl  *class
}

// NativeFormat tells migrate that objects can be read in Weaviate's encoding.
func (s *Source) NativeFormat() string { return PointFormat }

// AcceptsNative tells migrate that the sink writes Weaviate-encoded objects.
func (s *Sink) AcceptsNative(format string) bool { return format == PointFormat }

// transcode builds the batch object for a natively read object.
func (cl *class) transcode(className, tenant string, p *adapters.Point, n *nativeObject) (*pb.BatchObject, error) {
	if !sameVectorLayout(n.cl, cl) {
		q, err := n.cl.decodeResult(n.res)
		if err != nil {
			return nil, err
		}
		return cl.encodeObject(className, tenant, &q)
	}
	if !p.ID.IsUUID() {
		return nil, fmt.Errorf("Weaviate ids are UUIDs, and %s is an integer", p.ID)
	}
	o := &pb.BatchObject{Uuid: p.ID.String(), Collection: className, Tenant: tenant}
	md := n.res.GetMetadata()
	haveDef := false
	if cl.hasDef {
		b := md.GetVectorBytes()
		if len(b) == 0 && len(md.GetVector()) > 0 {
			b = vectorBytes(md.GetVector())
		}
		if len(b) > 0 {
			if err := cl.setClassVector(o, b); err != nil {
				return nil, err
			}
			haveDef = true
		}
	}
	for _, nv := range md.GetVectors() {
		b, name := nv.GetVectorBytes(), nv.GetName()
		if len(b) == 0 {
			continue
		}
		if _, ok := cl.s.VectorConfig[name]; !ok {
			// The class-level vector may come back named "default".
			if cl.hasDef && name == "default" && !haveDef {
				if err := cl.setClassVector(o, b); err != nil {
					return nil, err
				}
				haveDef = true
			}
			continue
		}
		if err := checkVectorBytes(b, cl.multi[name]); err != nil {
			return nil, fmt.Errorf("vector %q: %v", name, err)
		}
		if cl.multi[name] {
			o.Vectors = append(o.Vectors, multiVectorBytes(name, b))
		} else {
			o.Vectors = append(o.Vectors, &pb.Vectors{Name: name, VectorBytes: b})
		}
	}
	pr := &props{nonRef: map[string]*structpb.Value{}}
	for k, v := range n.res.GetProperties().GetNonRefProps().GetFields() {
		if sv, ok, err := scalarValue(v, n.cl.props[k], cl.props[k]); ok {
			if err != nil {
				return nil, fmt.Errorf("property %q: %w", k, err)
			}
			pr.nonRef[k] = sv
			continue
		}
		x, err := decodeValue(v, n.cl.props[k])
		if err != nil {
			return nil, fmt.Errorf("property %q: %v", k, err)
		}
		if x == nil {
			continue // Weaviate stores no nulls: absent is the same
		}
		if err := pr.add(k, x, cl.props[k]); err != nil {
			return nil, fmt.Errorf("property %q: %w", k, err)
		}
	}
	o.Properties = pr.batchProperties()
	return o, nil
}

// scalarValue converts a scalar property value straight into the struct
// value props.add sends for it, without a neutral value in between: the
// hot path of a copy. Numbers still go through decodeValue and structValue,
// which tell int from number by the source's schema and refuse integers
// beyond 2^53. ok is false for what takes the general path: objects,
// lists, geo coordinates, phone numbers, nulls, and any value for a target
// property of data type object.
func scalarValue(v *pb.Value, src, dst *propSchema) (sv *structpb.Value, ok bool, err error) {
	if bt, isArr := baseType(dst); !isArr && bt == "object" {
		return nil, false, nil
	}
	switch k := v.GetKind().(type) {
	case *pb.Value_TextValue:
		return structpb.NewStringValue(k.TextValue), true, nil
	case *pb.Value_StringValue:
		return structpb.NewStringValue(k.StringValue), true, nil
	case *pb.Value_DateValue:
		return structpb.NewStringValue(k.DateValue), true, nil
	case *pb.Value_UuidValue:
		return structpb.NewStringValue(k.UuidValue), true, nil
	case *pb.Value_BlobValue:
		return structpb.NewStringValue(k.BlobValue), true, nil
	case *pb.Value_BoolValue:
		return structpb.NewBoolValue(k.BoolValue), true, nil
	case *pb.Value_IntValue, *pb.Value_NumberValue:
		x, err := decodeValue(v, src)
		if err != nil {
			return nil, true, err
		}
		sv, err := structValue(x)
		return sv, true, err
	}
	return nil, false, nil
}

// setClassVector sets the class-level vector from its wire bytes.
func (cl *class) setClassVector(o *pb.BatchObject, b []byte) error {
	multi := cl.multi[adapters.DefaultVector]
	if err := checkVectorBytes(b, multi); err != nil {
		return fmt.Errorf("class-level vector: %v", err)
	}
	if multi {
		o.Vectors = append(o.Vectors, multiVectorBytes("default", b))
	} else {
		o.VectorBytes = b
	}
	return nil
}

// sameVectorLayout reports whether two classes declare the same vectors
// with the same forms, so that vector bytes mean the same on both.
func sameVectorLayout(a, b *class) bool {
	return a.hasDef == b.hasDef && slices.Equal(a.named, b.named) && maps.Equal(a.multi, b.multi)
}
