package weaviate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

// The raw pass-through between two Weaviate servers (adapters.RawReader,
// adapters.RawWriter).
//
// A raw page keeps the gRPC search results the source sent (rawObjects),
// and the sink turns each into a batch object directly: vectors keep the
// bytes they came in, and each property value is converted once, with the
// same rules as the neutral path (decodeValue with the source's schema,
// then props.add with the target's). When the two classes lay out their
// vectors differently, an object goes through the neutral model instead.

// PointFormat names the raw encoding of Weaviate objects.
const PointFormat = "weaviate.SearchResult"

// RawFormat tells migrate that pages can be read in Weaviate's encoding.
func (s *Source) RawFormat() string { return PointFormat }

// AcceptsRaw tells migrate that the sink writes Weaviate-encoded objects.
func (s *Sink) AcceptsRaw(format string) bool { return format == PointFormat }

// rawObjects is a batch in PointFormat: search results as the server sent
// them, with their ids, and the source class that says how to read them.
// A result read by hand (wire[i].ok, wireread.go) has only its metadata in
// res[i]; result(i) decodes all of it.
type rawObjects struct {
	ids  []adapters.ID
	res  []*pb.SearchResult
	wire []wireResult // nil, or one per result
	cl   *class
}

func (b rawObjects) Len() int             { return len(b.ids) }
func (b rawObjects) ID(i int) adapters.ID { return b.ids[i] }
func (b rawObjects) Slice(i, j int) adapters.RawBatch {
	s := rawObjects{ids: b.ids[i:j], res: b.res[i:j], cl: b.cl}
	if b.wire != nil {
		s.wire = b.wire[i:j]
	}
	return s
}

// byHand returns result i as read by hand (nil when proto decoded it).
func (b rawObjects) byHand(i int) *wireResult {
	if b.wire == nil || !b.wire[i].ok {
		return nil
	}
	return &b.wire[i]
}

// result is search result i, whole.
func (b rawObjects) result(i int) (*pb.SearchResult, error) {
	if w := b.byHand(i); w != nil {
		return w.full()
	}
	return b.res[i], nil
}

// pointSize is PointSize (size.go).
func (b rawObjects) pointSize(i int) int {
	n := rawSize(b.res[i])
	if w := b.byHand(i); w != nil {
		for _, p := range w.props {
			n += 28 + len(p.key) + len(p.s)
		}
	}
	return n
}

// ReadRaw reads the page Read would return, as the search results.
func (s *Source) ReadRaw(ctx context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	cl, err := s.class(ctx)
	if err != nil {
		return adapters.RawPage{}, err
	}
	sr, err := s.c.pageRequest(cl, req)
	if err != nil {
		return adapters.RawPage{}, err
	}
	what := "read tenant " + strconv.Quote(req.Partition)
	res, err := s.c.searchWire(ctx, sr, what)
	if err != nil {
		return adapters.RawPage{}, err
	}
	b, err := newRawObjects(cl, res)
	if err != nil {
		return adapters.RawPage{}, s.c.errorf(adapters.KindUnknown, "%s: %v", what, err)
	}
	return adapters.RawPage{Batch: b, Done: len(res) < int(sr.Limit)}, nil
}

// newRawObjects is a batch of results of class cl read from the wire.
func newRawObjects(cl *class, res []wireResult) (rawObjects, error) {
	b := rawObjects{ids: make([]adapters.ID, len(res)), res: make([]*pb.SearchResult, len(res)), wire: res, cl: cl}
	for i := range res {
		r := &pb.SearchResult{Metadata: res[i].md}
		var err error
		if !res[i].ok {
			if r, err = res[i].full(); err != nil {
				return b, err
			}
		}
		b.res[i] = r
		if b.ids[i], err = resultID(r.GetMetadata()); err != nil {
			return b, err
		}
	}
	return b, nil
}

// WriteRaw writes a batch read by ReadRaw, as Write writes points.
func (s *Sink) WriteRaw(ctx context.Context, partition string, batch adapters.RawBatch) error {
	b, ok := batch.(rawObjects)
	if !ok {
		return s.c.errorf(adapters.KindInvalid, "a batch of %T is not in %s; this is a bug in the caller", batch, PointFormat)
	}
	if b.Len() == 0 {
		return nil
	}
	cl, err := s.class(ctx)
	if err != nil {
		return err
	}
	req, err := cl.batchRequest(s.c.class, partition, b)
	if err != nil {
		return s.c.errorf(adapters.KindInvalid, "%v", err)
	}
	return s.sendRaw(ctx, partition, req, b.Len(), b.ID)
}

// transcode builds the batch object for search result r of class src.
func (cl *class) transcode(className, tenant string, id adapters.ID, r *pb.SearchResult, src *class) (*pb.BatchObject, error) {
	if !sameVectorLayout(src, cl) {
		q, err := src.decodeResult(r)
		if err != nil {
			return nil, err
		}
		return cl.encodeObject(className, tenant, &q)
	}
	if !id.IsUUID() {
		return nil, fmt.Errorf("Weaviate ids are UUIDs, and %s is an integer", id)
	}
	o := &pb.BatchObject{Uuid: id.String(), Collection: className, Tenant: tenant}
	md := r.GetMetadata()
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
	for k, v := range r.GetProperties().GetNonRefProps().GetFields() {
		if sv, ok, err := scalarValue(v, src.props[k], cl.props[k]); ok {
			if err != nil {
				return nil, fmt.Errorf("property %q: %w", k, err)
			}
			pr.nonRef[k] = sv
			continue
		}
		x, err := decodeValue(v, src.props[k])
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

// rawSize estimates a search result's size in a batch request from the
// lengths of its parts, without walking it as proto.Size does (which cost
// about a tenth of a copy's CPU). It errs large: each field is counted with
// room for its tags and length prefixes; values other than scalars are
// sized exactly.
func rawSize(r *pb.SearchResult) int {
	md := r.GetMetadata()
	n := 64 + len(md.GetVectorBytes()) + 4*len(md.GetVector())
	for _, nv := range md.GetVectors() {
		n += 16 + len(nv.GetName()) + len(nv.GetVectorBytes())
	}
	for k, v := range r.GetProperties().GetNonRefProps().GetFields() {
		n += 16 + len(k) + valueSize(v)
	}
	return n
}

// valueSize is a property value's size, estimated for scalars.
func valueSize(v *pb.Value) int {
	switch k := v.GetKind().(type) {
	case *pb.Value_TextValue:
		return len(k.TextValue)
	case *pb.Value_StringValue:
		return len(k.StringValue)
	case *pb.Value_DateValue:
		return len(k.DateValue)
	case *pb.Value_UuidValue:
		return len(k.UuidValue)
	case *pb.Value_BlobValue:
		return len(k.BlobValue)
	case *pb.Value_IntValue, *pb.Value_NumberValue, *pb.Value_BoolValue, *pb.Value_NullValue, nil:
		return 12
	}
	return proto.Size(v)
}
