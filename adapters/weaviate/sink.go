package weaviate

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/structpb"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

// Sink creates a class and writes objects into it.
type Sink struct {
	c *conn

	mu sync.Mutex
	cl *class
	// statuses are the tenants' statuses the definition asks for, applied
	// by Finish (tenants stay HOT while written).
	statuses map[string]string
}

var _ adapters.Sink = (*Sink)(nil)

// Endpoint names the target in messages.
func (s *Sink) Endpoint() string { return s.c.ep.String() }

// Engine says definitions from another engine must be translated first.
func (s *Sink) Engine() string { return Scheme }

// Close releases the connections.
func (s *Sink) Close() error { return s.c.close() }

// Exists reports whether the class exists.
func (s *Sink) Exists(ctx context.Context) (bool, error) {
	if s.c.nameErr() != nil {
		return false, nil // Weaviate holds no class of a name it refuses
	}
	_, err := s.c.getClass(ctx)
	if err == nil {
		return true, nil
	}
	if adapters.KindOf(err) == adapters.KindNotFound {
		return false, nil
	}
	return false, err
}

// Prepare creates the class from def's raw schema (named after the
// endpoint), or keeps or recreates an existing one, then creates def's
// tenants, all HOT for writing.
func (s *Sink) Prepare(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) error {
	c := s.c
	if err := c.nameErr(); err != nil {
		return err
	}
	if err := s.checkDef(def); err != nil {
		return err
	}
	body, err := nativeForCreate(def.Native, c.class)
	if err != nil {
		return c.errorf(adapters.KindInvalid, "the source's class schema is not a JSON object: %v", err)
	}
	existing, err := c.getClass(ctx)
	exists := err == nil
	if err != nil && adapters.KindOf(err) != adapters.KindNotFound {
		return err
	}
	switch {
	case exists && onExists == adapters.ExistsAppend:
		fs, err := s.appendFindings(ctx, existing, def)
		if err == nil {
			err = adapters.FindingsError(fs)
		}
		if err != nil {
			return err
		}
	case exists && onExists == adapters.ExistsRecreate:
		if _, err := c.restAs(ctx, "recreate: delete class "+c.class, http.MethodDelete, "/v1/schema/"+url.PathEscape(c.class), nil, nil); err != nil {
			return err
		}
		exists = false
	case exists:
		return s.existsErr()
	}
	if !exists {
		if _, err := c.restAs(ctx, "create class "+c.class, http.MethodPost, "/v1/schema", json.RawMessage(body), nil); err != nil {
			return err
		}
	}
	cl, err := c.getClass(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cl = cl
	s.statuses = map[string]string{}
	s.mu.Unlock()
	if !def.Partitioned {
		return nil
	}
	return s.prepareTenants(ctx, def.Partitions)
}

func (s *Sink) prepareTenants(ctx context.Context, parts []adapters.Partition) error {
	c := s.c
	var have []tenant
	if _, err := c.rest(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(c.class)+"/tenants", nil, &have); err != nil {
		return err
	}
	cur := map[string]string{}
	for _, t := range have {
		cur[t.Name] = t.ActivityStatus
	}
	var create, activate []tenant
	for _, p := range parts {
		st, ok := cur[p.Name]
		switch {
		case !ok:
			create = append(create, tenant{Name: p.Name, ActivityStatus: "HOT"})
		case !isActive(st):
			activate = append(activate, tenant{Name: p.Name, ActivityStatus: "HOT"})
		}
		want := p.Status
		if want == "" {
			want = "HOT"
		}
		s.mu.Lock()
		s.statuses[p.Name] = want
		s.mu.Unlock()
	}
	for i := 0; i < len(create); i += 100 {
		if _, err := c.restAs(ctx, "create tenants", http.MethodPost, "/v1/schema/"+url.PathEscape(c.class)+"/tenants", create[i:min(i+100, len(create))], nil); err != nil {
			return err
		}
	}
	for i := 0; i < len(activate); i += 100 {
		if _, err := c.restAs(ctx, "activate tenants for writing", http.MethodPut, "/v1/schema/"+url.PathEscape(c.class)+"/tenants", activate[i:min(i+100, len(activate))], nil); err != nil {
			return err
		}
	}
	return nil
}

func displayName(v string) string {
	if v == adapters.DefaultVector {
		return "(class-level)"
	}
	return v
}

func (s *Sink) class(ctx context.Context) (*class, error) {
	s.mu.Lock()
	cl := s.cl
	s.mu.Unlock()
	if cl != nil {
		return cl, nil
	}
	cl, err := s.c.getClass(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cl = cl
	s.mu.Unlock()
	return cl, nil
}

// Write upserts points into a tenant ("" for a class without tenants)
// through gRPC batch and fails, naming the objects, if any is rejected.
func (s *Sink) Write(ctx context.Context, partition string, points []adapters.Point) error {
	if len(points) == 0 {
		return nil
	}
	cl, err := s.class(ctx)
	if err != nil {
		return err
	}
	req, err := cl.pointsRequest(s.c.class, partition, points) // wire.go
	if err != nil {
		return s.c.errorf(adapters.KindInvalid, "%v", err)
	}
	return s.sendRaw(ctx, partition, req, len(points), func(i int) adapters.ID { return points[i].ID })
}

// Finish puts each tenant to the status the definition asked for.
// Weaviate's batch answers only after writing, so nothing else is pending.
func (s *Sink) Finish(ctx context.Context) error {
	s.mu.Lock()
	want := make(map[string]string, len(s.statuses))
	for k, v := range s.statuses {
		want[k] = v
	}
	s.mu.Unlock()
	if len(want) == 0 {
		return nil
	}
	var have []tenant
	if _, err := s.c.rest(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(s.c.class)+"/tenants", nil, &have); err != nil {
		return err
	}
	var change []tenant
	for _, t := range have {
		if w, ok := want[t.Name]; ok && w != t.ActivityStatus {
			change = append(change, tenant{Name: t.Name, ActivityStatus: w})
		}
	}
	for i := 0; i < len(change); i += 100 {
		if _, err := s.c.restAs(ctx, "put tenants back to the source's statuses", http.MethodPut, "/v1/schema/"+url.PathEscape(s.c.class)+"/tenants", change[i:min(i+100, len(change))], nil); err != nil {
			return err
		}
	}
	return nil
}

// Count returns the exact number of objects in a tenant of the target. An
// inactive tenant is activated for the count and put back: the target is
// vecmig's to change.
func (s *Sink) Count(ctx context.Context, partition string) (n uint64, err error) {
	if partition != "" {
		st, err := s.c.tenantStatus(ctx, partition)
		if err != nil {
			return 0, err
		}
		if !isActive(st) {
			undo, err := s.c.activate(ctx, partition)
			if err != nil {
				return 0, err
			}
			defer func() {
				if uerr := undo(context.WithoutCancel(ctx)); uerr != nil && err == nil {
					err = uerr
				}
			}()
		}
	}
	return s.c.count(ctx, partition)
}

// maxExactInt is the largest integer Weaviate keeps exactly: every write
// path (gRPC's struct values, REST's JSON) carries numbers as float64.
const maxExactInt = 1 << 53

// props accumulates one object's (or nested object's) typed properties.
type props struct {
	nonRef  map[string]*structpb.Value
	numArr  []*pb.NumberArrayProperties
	intArr  []*pb.IntArrayProperties
	textArr []*pb.TextArrayProperties
	boolArr []*pb.BooleanArrayProperties
	obj     []*pb.ObjectProperties
	objArr  []*pb.ObjectArrayProperties
	empty   []string
}

func (cl *class) encodeObject(className, tenant string, p *adapters.Point) (*pb.BatchObject, error) {
	if !p.ID.IsUUID() {
		return nil, fmt.Errorf("Weaviate ids are UUIDs, and %s is an integer", p.ID)
	}
	o := &pb.BatchObject{Uuid: p.ID.String(), Collection: className, Tenant: tenant}
	for name, v := range p.Vectors {
		if name == adapters.DefaultVector && cl.hasDef {
			if v.Multi != nil {
				o.Vectors = append(o.Vectors, multiVector("default", v.Multi))
			} else if v.Sparse != nil {
				return nil, fmt.Errorf("Weaviate has no sparse vectors (class-level vector)")
			} else {
				o.VectorBytes = vectorBytes(v.Dense)
			}
			continue
		}
		if _, ok := cl.s.VectorConfig[name]; !ok {
			return nil, fmt.Errorf("vector %q is not declared by class %q", displayName(name), className)
		}
		switch {
		case v.Sparse != nil:
			return nil, fmt.Errorf("vector %q is sparse; Weaviate has no sparse vectors", name)
		case v.Multi != nil:
			o.Vectors = append(o.Vectors, multiVector(name, v.Multi))
		default:
			o.Vectors = append(o.Vectors, &pb.Vectors{Name: name, VectorBytes: vectorBytes(v.Dense)})
		}
	}
	pr, err := encodeProps(p.Payload, cl.props)
	if err != nil {
		return nil, err
	}
	o.Properties = pr.batchProperties()
	return o, nil
}

// batchProperties is a batch object's properties.
func (pr *props) batchProperties() *pb.BatchObject_Properties {
	bp := &pb.BatchObject_Properties{
		NumberArrayProperties:  pr.numArr,
		IntArrayProperties:     pr.intArr,
		TextArrayProperties:    pr.textArr,
		BooleanArrayProperties: pr.boolArr,
		ObjectProperties:       pr.obj,
		ObjectArrayProperties:  pr.objArr,
		EmptyListProps:         pr.empty,
	}
	if len(pr.nonRef) > 0 {
		bp.NonRefProperties = &structpb.Struct{Fields: pr.nonRef}
	}
	return bp
}

func vectorBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[i*4:], math.Float32bits(f))
	}
	return b
}

// multiVector encodes a multi-vector. The v1.27 protocol package vecmig
// compiles against predates the Vectors.type field (number 4); it is
// added as an unknown field with VECTOR_TYPE_MULTI_FP32 (2), which newer
// servers read like any other field.
func multiVector(name string, m [][]float32) *pb.Vectors {
	dim := 0
	if len(m) > 0 {
		dim = len(m[0])
	}
	b := make([]byte, 2, 2+4*dim*len(m))
	binary.LittleEndian.PutUint16(b, uint16(dim))
	for _, v := range m {
		b = append(b, vectorBytes(v)...)
	}
	return multiVectorBytes(name, b)
}

// Vectors.type and its VECTOR_TYPE_MULTI_FP32, sent by hand (see
// multiVector); TestMultiVectorTypeField holds them against the package.
const (
	multiVectorTypeField = 4
	multiFP32            = 2
)

// multiVectorBytes is a multi-vector already in its wire form.
func multiVectorBytes(name string, b []byte) *pb.Vectors {
	v := &pb.Vectors{Name: name, VectorBytes: b}
	v.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, multiVectorTypeField, protowire.VarintType), multiFP32))
	return v
}

func encodeProps(payload map[string]any, schema map[string]*propSchema) (*props, error) {
	pr := &props{nonRef: map[string]*structpb.Value{}}
	for k, v := range payload {
		if v == nil {
			continue // Weaviate stores no nulls: absent is the same
		}
		if err := pr.add(k, v, schema[k]); err != nil {
			return nil, fmt.Errorf("property %q: %w", k, err)
		}
	}
	return pr, nil
}

func (pr *props) add(k string, v any, ps *propSchema) error {
	bt, isArr := baseType(ps)
	if ps == nil || (isArr != isList(v)) {
		// Unknown to the schema, or shaped unlike it: send it as is and
		// let the server accept (auto-schema) or reject it by name.
		sv, err := structValue(v)
		if err != nil {
			return err
		}
		pr.nonRef[k] = sv
		return nil
	}
	if !isArr {
		if bt == "object" {
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("data type object, value %T", v)
			}
			sub, err := encodeProps(m, nested(ps))
			if err != nil {
				return err
			}
			pr.obj = append(pr.obj, &pb.ObjectProperties{PropName: k, Value: sub.value()})
			return nil
		}
		sv, err := structValue(v)
		if err != nil {
			return err
		}
		pr.nonRef[k] = sv
		return nil
	}
	list := v.([]any)
	if len(list) == 0 {
		pr.empty = append(pr.empty, k)
		return nil
	}
	switch bt {
	case "int":
		vals := make([]int64, len(list))
		for i, e := range list {
			n, ok := asInt(e)
			if !ok {
				return pr.fallback(k, v)
			}
			vals[i] = n
		}
		pr.intArr = append(pr.intArr, &pb.IntArrayProperties{PropName: k, Values: vals})
	case "number":
		b := make([]byte, 8*len(list))
		for i, e := range list {
			f, ok := asFloat(e)
			if !ok {
				return pr.fallback(k, v)
			}
			binary.LittleEndian.PutUint64(b[i*8:], math.Float64bits(f))
		}
		pr.numArr = append(pr.numArr, &pb.NumberArrayProperties{PropName: k, ValuesBytes: b})
	case "text", "string", "date", "uuid":
		vals := make([]string, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok {
				return pr.fallback(k, v)
			}
			vals[i] = s
		}
		pr.textArr = append(pr.textArr, &pb.TextArrayProperties{PropName: k, Values: vals})
	case "boolean":
		vals := make([]bool, len(list))
		for i, e := range list {
			b, ok := e.(bool)
			if !ok {
				return pr.fallback(k, v)
			}
			vals[i] = b
		}
		pr.boolArr = append(pr.boolArr, &pb.BooleanArrayProperties{PropName: k, Values: vals})
	case "object":
		sch := nested(ps)
		vals := make([]*pb.ObjectPropertiesValue, len(list))
		for i, e := range list {
			m, ok := e.(map[string]any)
			if !ok {
				return fmt.Errorf("data type object[], element %d is %T", i, e)
			}
			sub, err := encodeProps(m, sch)
			if err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
			vals[i] = sub.value()
		}
		pr.objArr = append(pr.objArr, &pb.ObjectArrayProperties{PropName: k, Values: vals})
	default:
		return pr.fallback(k, v)
	}
	return nil
}

// fallback sends a value whose elements do not fit the schema as a plain
// value, for the server to reject with its own message.
func (pr *props) fallback(k string, v any) error {
	sv, err := structValue(v)
	if err != nil {
		return err
	}
	pr.nonRef[k] = sv
	return nil
}

func (pr *props) value() *pb.ObjectPropertiesValue {
	v := &pb.ObjectPropertiesValue{
		NumberArrayProperties:  pr.numArr,
		IntArrayProperties:     pr.intArr,
		TextArrayProperties:    pr.textArr,
		BooleanArrayProperties: pr.boolArr,
		ObjectProperties:       pr.obj,
		ObjectArrayProperties:  pr.objArr,
		EmptyListProps:         pr.empty,
	}
	if len(pr.nonRef) > 0 {
		v.NonRefProperties = &structpb.Struct{Fields: pr.nonRef}
	}
	return v
}

func isList(v any) bool {
	_, ok := v.([]any)
	return ok
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// structValue converts a neutral value for the struct part of a batch
// object, refusing integers that would lose precision on the way.
func structValue(v any) (*structpb.Value, error) {
	switch x := v.(type) {
	case nil:
		return structpb.NewNullValue(), nil
	case bool:
		return structpb.NewBoolValue(x), nil
	case string:
		return structpb.NewStringValue(x), nil
	case float64:
		return structpb.NewNumberValue(x), nil
	case int64:
		if x > maxExactInt || x < -maxExactInt {
			return nil, fmt.Errorf("integer %d is beyond ±2^53, which Weaviate cannot store exactly (it carries numbers as float64)", x)
		}
		return structpb.NewNumberValue(float64(x)), nil
	case []any:
		l := &structpb.ListValue{Values: make([]*structpb.Value, len(x))}
		for i, e := range x {
			sv, err := structValue(e)
			if err != nil {
				return nil, err
			}
			l.Values[i] = sv
		}
		return structpb.NewListValue(l), nil
	case map[string]any:
		s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(x))}
		for k, e := range x {
			sv, err := structValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			s.Fields[k] = sv
		}
		return structpb.NewStructValue(s), nil
	}
	n, err := adapters.NormalizeValue(v)
	if err != nil {
		return nil, err
	}
	return structValue(n)
}
