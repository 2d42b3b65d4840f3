package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// The plain loop's and the ceiling's clients across engines: the source's
// own client reads a page, the page is converted by hand, the target's own
// client writes it. No vecmig code is involved; the id rule is written out
// again here (intToUUID) and checked against adapters/mapping in the tests.

// Cross-engine child --engine values: source engine, then target engine.
const (
	engineWeaviateQdrant = "weaviate-qdrant"
	engineQdrantWeaviate = "qdrant-weaviate"
)

// weaviateQdrantRaw reads a Weaviate class with gRPC Search(after) and
// writes Qdrant points with Upsert(wait=true).
type weaviateQdrantRaw struct {
	src *weaviateClass
	dst *qdrantColl
}

func openWeaviateQdrantRaw(_ context.Context, from, to string) (rawConn, error) {
	src, err := dialWeaviate(from)
	if err != nil {
		return nil, err
	}
	dst, err := dialQdrant(to)
	if err != nil {
		src.close()
		return nil, err
	}
	return &weaviateQdrantRaw{src: src, dst: dst}, nil
}

func (r *weaviateQdrantRaw) client() string {
	return "hand-written: Weaviate gRPC Search(after) -> by-hand conversion -> qdrant go-client Upsert(wait=true)"
}

func (r *weaviateQdrantRaw) close() { r.src.close(); r.dst.close() }

// createTarget creates a Qdrant collection with one unnamed vector: its
// size from the first object (a Weaviate schema has none), the distance and
// the HNSW settings from the class.
func (r *weaviateQdrantRaw) createTarget(ctx context.Context) error {
	def, err := r.src.schema(ctx)
	if err != nil {
		return err
	}
	first, _, err := r.src.page(ctx, nil, 1)
	if err != nil {
		return err
	}
	if len(first) == 0 {
		return fmt.Errorf("weaviate %s: class %s is empty; the vector size cannot be learned from it", r.src.base, r.src.class)
	}
	vec, err := resultVector(first[0].GetMetadata())
	if err != nil {
		return fmt.Errorf("weaviate %s: object %s: %w", r.src.base, first[0].GetMetadata().GetId(), err)
	}
	ic, _ := def["vectorIndexConfig"].(map[string]any)
	dist, err := qdrantDistance(ic["distance"])
	if err != nil {
		return fmt.Errorf("weaviate %s: class %s: %w", r.src.base, r.src.class, err)
	}
	vp := &qdrant.VectorParams{Size: uint64(len(vec) / 4), Distance: dist, HnswConfig: &qdrant.HnswConfigDiff{
		M: jsonUint(ic["maxConnections"]), EfConstruct: jsonUint(ic["efConstruction"]),
	}}
	err = r.dst.client.CreateCollection(ctx, &qdrant.CreateCollection{CollectionName: r.dst.name, VectorsConfig: qdrant.NewVectorsConfig(vp)})
	if err != nil {
		return fmt.Errorf("qdrant %s: create collection: %w", r.dst.url, err)
	}
	return r.indexProperties(ctx, def)
}

// indexProperties gives each property Weaviate indexes a Qdrant payload
// index, as vecmig's translation does for the benchmark's types (a
// searchable text a full-text index, word tokenizer, lower-cased; an int
// lookup and range), so that both write to alike targets.
func (r *weaviateQdrantRaw) indexProperties(ctx context.Context, def map[string]any) error {
	props, _ := def["properties"].([]any)
	for _, p := range props {
		pm, _ := p.(map[string]any)
		name, _ := pm["name"].(string)
		types, _ := pm["dataType"].([]any)
		if len(types) != 1 || !indexFlag(pm, "indexFilterable", true) && !indexFlag(pm, "indexSearchable", types[0] == "text") {
			continue
		}
		req := &qdrant.CreateFieldIndexCollection{CollectionName: r.dst.name, FieldName: name, Wait: ptr(true)}
		switch types[0] {
		case "text":
			req.FieldType = qdrant.FieldType_FieldTypeText.Enum()
			req.FieldIndexParams = qdrant.NewPayloadIndexParamsText(&qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Word, Lowercase: ptr(true)})
		case "int":
			req.FieldType = qdrant.FieldType_FieldTypeInteger.Enum()
			req.FieldIndexParams = qdrant.NewPayloadIndexParamsInt(&qdrant.IntegerIndexParams{Lookup: ptr(true), Range: ptr(true)})
		case "number":
			req.FieldType = qdrant.FieldType_FieldTypeFloat.Enum()
		case "boolean":
			req.FieldType = qdrant.FieldType_FieldTypeBool.Enum()
		default:
			return fmt.Errorf("weaviate %s: property %q of type %v is not handled by the benchmark's plain loop", r.src.base, name, types[0])
		}
		if _, err := r.dst.client.CreateFieldIndex(ctx, req); err != nil {
			return fmt.Errorf("qdrant %s: create the payload index of %q: %w", r.dst.url, name, err)
		}
	}
	return nil
}

// indexFlag reads a property's index flag, def when the schema omits it.
func indexFlag(prop map[string]any, key string, def bool) bool {
	if b, ok := prop[key].(bool); ok {
		return b
	}
	return def
}

// read converts one Weaviate page into Qdrant points: the UUID stays the
// id, the vector bytes become floats, each property a payload value.
func (r *weaviateQdrantRaw) read(ctx context.Context, cur any, limit int) (rawBatch, any, bool, error) {
	results, last, err := r.src.page(ctx, cur, limit)
	if err != nil {
		return nil, nil, false, err
	}
	out := make(qdrantBatch, len(results))
	for i, res := range results {
		md := res.GetMetadata()
		vec, err := resultVector(md)
		if err != nil {
			return nil, nil, false, fmt.Errorf("weaviate %s: object %s: %w", r.src.base, md.GetId(), err)
		}
		payload, err := payloadOf(res.GetProperties().GetNonRefProps())
		if err != nil {
			return nil, nil, false, fmt.Errorf("weaviate %s: object %s: %w", r.src.base, md.GetId(), err)
		}
		out[i] = &qdrant.PointStruct{Id: qdrant.NewIDUUID(md.GetId()), Vectors: qdrant.NewVectorsDense(floatsOf(vec)), Payload: payload}
	}
	return out, last, len(out) < limit, nil
}

func (r *weaviateQdrantRaw) write(ctx context.Context, b rawBatch) error {
	return r.dst.upsert(ctx, b.(qdrantBatch))
}

// payloadOf converts the scalar properties the benchmark uses.
func payloadOf(p *pb.Properties) (map[string]*qdrant.Value, error) {
	out := make(map[string]*qdrant.Value, len(p.GetFields()))
	for k, v := range p.GetFields() {
		switch x := v.GetKind().(type) {
		case *pb.Value_TextValue:
			out[k] = qdrant.NewValueString(x.TextValue)
		case *pb.Value_StringValue:
			out[k] = qdrant.NewValueString(x.StringValue)
		case *pb.Value_IntValue:
			out[k] = qdrant.NewValueInt(x.IntValue)
		case *pb.Value_NumberValue:
			out[k] = qdrant.NewValueDouble(x.NumberValue)
		case *pb.Value_BoolValue:
			out[k] = qdrant.NewValueBool(x.BoolValue)
		case *pb.Value_NullValue:
		default:
			return nil, fmt.Errorf("property %q of kind %s is not handled by the benchmark's plain loop", k, strings.TrimPrefix(fmt.Sprintf("%T", x), "*v1.Value_"))
		}
	}
	return out, nil
}

// qdrantWeaviateRaw reads a Qdrant collection with Scroll and writes
// Weaviate objects with gRPC BatchObjects.
type qdrantWeaviateRaw struct {
	src *qdrantColl
	dst *weaviateClass
}

func openQdrantWeaviateRaw(_ context.Context, from, to string) (rawConn, error) {
	src, err := dialQdrant(from)
	if err != nil {
		return nil, err
	}
	dst, err := dialWeaviate(to)
	if err != nil {
		src.close()
		return nil, err
	}
	return &qdrantWeaviateRaw{src: src, dst: dst}, nil
}

func (r *qdrantWeaviateRaw) client() string {
	return "hand-written: qdrant go-client Scroll -> by-hand conversion -> Weaviate gRPC BatchObjects (protocol v1)"
}

func (r *qdrantWeaviateRaw) close() { r.src.close(); r.dst.close() }

// createTarget creates the benchmark's class (its properties written by
// hand, as a user who knows the payload would) with the source's distance
// and HNSW settings; a property has Weaviate's inverted indexes only when
// the Qdrant source indexes its key, as in vecmig's translation.
func (r *qdrantWeaviateRaw) createTarget(ctx context.Context) error {
	info, err := r.src.client.GetCollectionInfo(ctx, r.src.name)
	if err != nil {
		return fmt.Errorf("qdrant %s: get collection: %w", r.src.url, err)
	}
	vp := info.GetConfig().GetParams().GetVectorsConfig().GetParams()
	if vp == nil {
		return fmt.Errorf("qdrant %s: the benchmark's plain loop copies one unnamed vector only", r.src.url)
	}
	dist, ok := map[qdrant.Distance]string{qdrant.Distance_Cosine: "cosine", qdrant.Distance_Dot: "dot", qdrant.Distance_Euclid: "l2-squared", qdrant.Distance_Manhattan: "manhattan"}[vp.GetDistance()]
	if !ok {
		return fmt.Errorf("qdrant %s: distance %s has no Weaviate counterpart", r.src.url, vp.GetDistance())
	}
	hnsw := info.GetConfig().GetHnswConfig()
	if d := vp.GetHnswConfig(); d != nil {
		hnsw = d
	}
	def := weaviateClassDef(r.dst.class)
	def["vectorIndexConfig"] = map[string]any{"distance": dist, "maxConnections": hnsw.GetM(), "efConstruction": hnsw.GetEfConstruct()}
	for _, p := range def["properties"].([]any) {
		pm := p.(map[string]any)
		if _, indexed := info.GetPayloadSchema()[pm["name"].(string)]; !indexed {
			pm["indexFilterable"], pm["indexSearchable"], pm["indexRangeFilters"] = false, false, false
		}
	}
	return r.dst.create(ctx, def)
}

// read converts one Qdrant page into Weaviate objects: an integer id
// becomes a UUID (intToUUID), a UUID stays, the payload becomes properties.
func (r *qdrantWeaviateRaw) read(ctx context.Context, cur any, limit int) (rawBatch, any, bool, error) {
	res, next, err := r.src.scroll(ctx, cur, limit)
	if err != nil {
		return nil, nil, false, err
	}
	out := make(weaviateBatch, len(res))
	for i, rp := range res {
		vec := rp.GetVectors().GetVector()
		data := vec.GetDense().GetData()
		if data == nil {
			data = vec.GetData() // servers that fill only the deprecated flat field
		}
		if len(data) == 0 {
			return nil, nil, false, fmt.Errorf("qdrant %s: point %v: no unnamed dense vector was returned", r.src.url, rp.GetId())
		}
		props, err := propertiesOf(rp.GetPayload())
		if err != nil {
			return nil, nil, false, fmt.Errorf("qdrant %s: point %v: %w", r.src.url, rp.GetId(), err)
		}
		out[i] = &pb.BatchObject{
			Uuid:        weaviateUUID(rp.GetId()),
			Collection:  r.dst.class,
			VectorBytes: vectorBytes(data),
			Properties:  &pb.BatchObject_Properties{NonRefProperties: props},
		}
	}
	return out, next, next == nil, nil
}

func (r *qdrantWeaviateRaw) write(ctx context.Context, b rawBatch) error {
	return r.dst.batch(ctx, b.(weaviateBatch))
}

// propertiesOf converts the scalar payload values the benchmark uses.
func propertiesOf(payload map[string]*qdrant.Value) (*structpb.Struct, error) {
	s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(payload))}
	for k, v := range payload {
		switch x := v.GetKind().(type) {
		case *qdrant.Value_StringValue:
			s.Fields[k] = structpb.NewStringValue(x.StringValue)
		case *qdrant.Value_IntegerValue:
			s.Fields[k] = structpb.NewNumberValue(float64(x.IntegerValue))
		case *qdrant.Value_DoubleValue:
			s.Fields[k] = structpb.NewNumberValue(x.DoubleValue)
		case *qdrant.Value_BoolValue:
			s.Fields[k] = structpb.NewBoolValue(x.BoolValue)
		case *qdrant.Value_NullValue:
		default:
			return nil, fmt.Errorf("payload key %q of kind %T is not handled by the benchmark's plain loop", k, x)
		}
	}
	return s, nil
}

// weaviateUUID is a Qdrant id as a Weaviate UUID.
func weaviateUUID(id *qdrant.PointId) string {
	if u, ok := id.GetPointIdOptions().(*qdrant.PointId_Uuid); ok {
		return u.Uuid
	}
	return intToUUID(id.GetNum())
}

// intToUUID is vecmig's id rule for an integer id, by hand: the integer
// big-endian in the low 64 bits, the high 64 bits zero.
func intToUUID(n uint64) string {
	return fmt.Sprintf("00000000-0000-0000-%04x-%012x", n>>48, n&(1<<48-1))
}

// floatsOf decodes little-endian float32 vector bytes.
func floatsOf(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// qdrantDistance is a Weaviate distance name as Qdrant's (Weaviate's
// default is cosine).
func qdrantDistance(d any) (qdrant.Distance, error) {
	switch d {
	case nil, "cosine":
		return qdrant.Distance_Cosine, nil
	case "dot":
		return qdrant.Distance_Dot, nil
	case "l2-squared":
		return qdrant.Distance_Euclid, nil
	case "manhattan":
		return qdrant.Distance_Manhattan, nil
	}
	return 0, fmt.Errorf("distance %v has no Qdrant counterpart", d)
}

// jsonUint reads a whole number decoded from JSON (nil when absent).
func jsonUint(v any) *uint64 {
	if f, ok := v.(float64); ok && f >= 0 {
		return ptr(uint64(f))
	}
	return nil
}
