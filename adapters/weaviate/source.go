package weaviate

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

// Source reads one class. It never writes objects or schema; the only
// change it can make is ActivatePartition, which migrate undoes.
type Source struct {
	c *conn

	mu sync.Mutex
	cl *class // schema, fetched once
}

var (
	_ adapters.Source             = (*Source)(nil)
	_ adapters.PartitionActivator = (*Source)(nil)
)

// Endpoint names the source in messages.
func (s *Source) Endpoint() string { return s.c.ep.String() }

// Close releases the connections.
func (s *Source) Close() error { return s.c.close() }

// Describe returns the class definition with its tenants and their real
// statuses.
func (s *Source) Describe(ctx context.Context) (*adapters.Collection, error) {
	col, cl, err := s.c.describe(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cl = cl
	s.mu.Unlock()
	return col, nil
}

func (s *Source) class(ctx context.Context) (*class, error) {
	s.mu.Lock()
	cl := s.cl
	s.mu.Unlock()
	if cl != nil {
		return cl, nil
	}
	_, cl, err := s.c.describe(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cl = cl
	s.mu.Unlock()
	return cl, nil
}

// Count returns the exact number of objects in a tenant ("" when the class
// is not multi-tenant).
func (s *Source) Count(ctx context.Context, partition string) (uint64, error) {
	return s.c.count(ctx, partition)
}

// count runs an Aggregate meta count through GraphQL.
func (c *conn) count(ctx context.Context, tenant string) (uint64, error) {
	args := ""
	if tenant != "" {
		args = "(tenant:" + strconv.Quote(tenant) + ")"
	}
	q := map[string]string{"query": "{Aggregate{" + c.class + args + "{meta{count}}}}"}
	var resp struct {
		Data struct {
			Aggregate map[string][]struct {
				Meta struct {
					Count json.Number `json:"count"`
				} `json:"meta"`
			} `json:"Aggregate"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if _, err := c.rest(ctx, http.MethodPost, "/v1/graphql", q, &resp); err != nil {
		return 0, err
	}
	if len(resp.Errors) > 0 {
		var ms []string
		for _, e := range resp.Errors {
			ms = append(ms, e.Message)
		}
		// GraphQL answers 200 with errors: look at the schema for the cause.
		return 0, c.countErr(ctx, tenant, strings.Join(ms, "; "))
	}
	rows := resp.Data.Aggregate[c.class]
	if len(rows) != 1 {
		return 0, c.errorf(adapters.KindUnknown, "count of tenant %q: unexpected Aggregate answer with %d rows", tenant, len(rows))
	}
	n, err := strconv.ParseUint(rows[0].Meta.Count.String(), 10, 64)
	if err != nil {
		return 0, c.errorf(adapters.KindUnknown, "count of tenant %q: %q is not a count", tenant, rows[0].Meta.Count)
	}
	return n, nil
}

// countErr classifies a GraphQL error from what the schema says, not from
// the message: a missing class or tenant, an inactive tenant.
func (c *conn) countErr(ctx context.Context, tenant, msg string) error {
	if _, err := c.getClass(ctx); err != nil {
		return err
	}
	if tenant != "" {
		st, err := c.tenantStatus(ctx, tenant)
		if err != nil {
			return err
		}
		if !isActive(st) {
			return c.errorf(adapters.KindInvalid, "tenant %q is %s (inactive) and cannot be counted: %s; migrate activates it while copying", tenant, st, msg)
		}
	}
	return c.errorf(adapters.KindUnknown, "count of tenant %q: %s", tenant, msg)
}

// ActivatePartition sets an inactive tenant HOT so it can be read, and
// returns the function that puts its status back (a no-op when it was
// already active).
func (s *Source) ActivatePartition(ctx context.Context, partition string) (func(context.Context) error, error) {
	return s.c.activate(ctx, partition)
}

func (c *conn) activate(ctx context.Context, tenant string) (func(context.Context) error, error) {
	noop := func(context.Context) error { return nil }
	if tenant == "" {
		return noop, nil
	}
	st, err := c.tenantStatus(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if isActive(st) {
		return noop, nil
	}
	if err := c.setTenantStatus(ctx, tenant, "HOT"); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return c.setTenantStatus(ctx, tenant, st) }, nil
}

// Read returns the next page of objects after req.After, in UUID order.
func (s *Source) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	cl, err := s.class(ctx)
	if err != nil {
		return adapters.Page{}, err
	}
	sr, err := s.c.pageRequest(cl, req)
	if err != nil {
		return adapters.Page{}, err
	}
	pts, err := s.c.search(ctx, cl, sr, "read tenant "+strconv.Quote(req.Partition))
	if err != nil {
		return adapters.Page{}, err
	}
	return adapters.Page{Points: pts, Done: len(pts) < int(sr.Limit)}, nil
}

// pageRequest asks for the page after req.After.
func (c *conn) pageRequest(cl *class, req adapters.ReadRequest) (*pb.SearchRequest, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = 100
	}
	sr := c.searchRequest(cl, req.Partition)
	sr.Limit = uint32(min(limit, maxLimit))
	if req.After != nil {
		if !req.After.IsUUID() {
			return nil, c.errorf(adapters.KindInvalid, "read after id %s: Weaviate ids are UUIDs", req.After)
		}
		sr.After = req.After.String()
	}
	return sr, nil
}

// Get returns the objects with these ids that exist, in UUID order.
func (s *Source) Get(ctx context.Context, partition string, ids []adapters.ID) ([]adapters.Point, error) {
	cl, err := s.class(ctx)
	if err != nil {
		return nil, err
	}
	var want []string
	for _, id := range ids {
		if id.IsUUID() { // an integer id cannot exist in Weaviate
			want = append(want, id.String())
		}
	}
	var out []adapters.Point
	for i := 0; i < len(want); i += maxLimit {
		chunk := want[i:min(i+maxLimit, len(want))]
		sr := s.c.searchRequest(cl, partition)
		sr.Limit = uint32(len(chunk))
		sr.Filters = &pb.Filters{
			Operator:  pb.Filters_OPERATOR_CONTAINS_ANY,
			On:        []string{"_id"},
			TestValue: &pb.Filters_ValueTextArray{ValueTextArray: &pb.TextArray{Values: chunk}},
		}
		pts, err := s.c.search(ctx, cl, sr, "get objects by id")
		if err != nil {
			return nil, err
		}
		out = append(out, pts...)
	}
	sortPoints(out)
	return out, nil
}

func (c *conn) searchRequest(cl *class, tenant string) *pb.SearchRequest {
	return &pb.SearchRequest{
		Collection:  c.class,
		Tenant:      tenant,
		Metadata:    &pb.MetadataRequest{Uuid: true, Vector: cl.hasDef, Vectors: cl.named},
		Properties:  &pb.PropertiesRequest{ReturnAllNonrefProperties: true},
		Uses_127Api: true,
	}
}

// search runs a Search and returns its objects in the neutral model.
func (c *conn) search(ctx context.Context, cl *class, sr *pb.SearchRequest, what string) ([]adapters.Point, error) {
	res, err := c.searchWire(ctx, sr, what)
	if err != nil {
		return nil, err
	}
	out := make([]adapters.Point, len(res))
	for i := range res {
		if out[i], err = cl.decodeWire(&res[i]); err != nil {
			return nil, c.errorf(adapters.KindUnknown, "%s: %v", what, err)
		}
	}
	return out, nil
}

// searchResults runs a Search and returns its results as the server sent
// them.
func (c *conn) searchResults(ctx context.Context, sr *pb.SearchRequest, what string) ([]*pb.SearchResult, error) {
	gctx, cancel := c.grpcCtx(ctx)
	defer cancel()
	reply, err := c.rpc.Search(gctx, sr)
	if err != nil {
		return nil, c.searchErr(ctx, sr, what, err)
	}
	return reply.Results, nil
}

// searchErr explains a failed Search: an inactive tenant says so.
func (c *conn) searchErr(ctx context.Context, sr *pb.SearchRequest, what string, err error) error {
	err = c.grpcErr(what, err)
	if sr.Tenant != "" && adapters.KindOf(err) != adapters.KindRetryable && adapters.KindOf(err) != adapters.KindAuth {
		if st, serr := c.tenantStatus(ctx, sr.Tenant); serr == nil && !isActive(st) {
			return c.errorf(adapters.KindInvalid, "tenant %q is %s (inactive) and cannot be read; vecmig migrate activates it while copying and puts it back: %w", sr.Tenant, st, err)
		} else if adapters.KindOf(serr) == adapters.KindNotFound {
			return serr
		}
	}
	return err
}

func (cl *class) decodeResult(r *pb.SearchResult) (adapters.Point, error) {
	var p adapters.Point
	md := r.GetMetadata()
	var err error
	if p.ID, err = resultID(md); err != nil {
		return p, err
	}
	p.Vectors = map[string]adapters.Vector{}
	if cl.hasDef {
		if b := md.GetVectorBytes(); len(b) > 0 {
			v, err := decodeVector(b, cl.multi[adapters.DefaultVector])
			if err != nil {
				return p, fmt.Errorf("object %s: vector: %v", p.ID, err)
			}
			p.Vectors[adapters.DefaultVector] = v
		} else if len(md.GetVector()) > 0 {
			p.Vectors[adapters.DefaultVector] = adapters.Vector{Dense: md.GetVector()}
		}
	}
	for _, nv := range md.GetVectors() {
		if len(nv.GetVectorBytes()) == 0 {
			continue
		}
		name := nv.GetName()
		if _, ok := cl.s.VectorConfig[name]; !ok {
			if cl.hasDef && name == "default" {
				if _, have := p.Vectors[adapters.DefaultVector]; !have {
					name = adapters.DefaultVector
				} else {
					continue
				}
			} else {
				continue
			}
		}
		v, err := decodeVector(nv.GetVectorBytes(), cl.multi[name])
		if err != nil {
			return p, fmt.Errorf("object %s: vector %q: %v", p.ID, name, err)
		}
		p.Vectors[name] = v
	}
	if len(p.Vectors) == 0 {
		p.Vectors = nil
	}
	if props := r.GetProperties().GetNonRefProps(); props != nil && len(props.Fields) > 0 {
		p.Payload = make(map[string]any, len(props.Fields))
		for k, v := range props.Fields {
			x, err := decodeValue(v, cl.props[k])
			if err != nil {
				return p, fmt.Errorf("object %s: property %q: %v", p.ID, k, err)
			}
			if x != nil {
				p.Payload[k] = x
			}
		}
		if len(p.Payload) == 0 {
			p.Payload = nil
		}
	}
	return p, nil
}

// resultID is a search result's object id.
func resultID(md *pb.MetadataResult) (adapters.ID, error) {
	if md == nil {
		return adapters.ID{}, fmt.Errorf("an object came without metadata")
	}
	if b := md.GetIdAsBytes(); len(b) == 16 {
		return adapters.UUIDID([16]byte(b)), nil
	}
	id, err := adapters.ParseID(md.GetId())
	if err != nil {
		return id, fmt.Errorf("object id: %v", err)
	}
	return id, nil
}

// decodeVector reads little-endian float32s; a multi-vector starts with
// its sub-vectors' dimension as a uint16.
func decodeVector(b []byte, multi bool) (adapters.Vector, error) {
	if err := checkVectorBytes(b, multi); err != nil {
		return adapters.Vector{}, err
	}
	if !multi {
		return adapters.Vector{Dense: floats(b)}, nil
	}
	dim := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	n := len(b) / (4 * dim)
	all := floats(b)
	m := make([][]float32, n)
	for i := range m {
		m[i] = all[i*dim : (i+1)*dim : (i+1)*dim]
	}
	return adapters.Vector{Multi: m}, nil
}

// checkVectorBytes checks b is a whole vector of its form.
func checkVectorBytes(b []byte, multi bool) error {
	if !multi {
		if len(b)%4 != 0 {
			return fmt.Errorf("%d bytes is not a whole number of float32s", len(b))
		}
		return nil
	}
	if len(b) < 2 {
		return fmt.Errorf("multi-vector of %d bytes", len(b))
	}
	dim := int(binary.LittleEndian.Uint16(b))
	if dim == 0 || (len(b)-2)%(4*dim) != 0 {
		return fmt.Errorf("multi-vector of dimension %d with %d bytes", dim, len(b)-2)
	}
	return nil
}

func floats(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
	}
	return v
}

// baseType is a property's data type without the array suffix.
func baseType(p *propSchema) (string, bool) {
	if p == nil || len(p.DataType) == 0 {
		return "", false
	}
	dt := p.DataType[0]
	if strings.HasSuffix(dt, "[]") {
		return strings.TrimSuffix(dt, "[]"), true
	}
	return dt, false
}

// decodeValue turns a gRPC value into a neutral payload value, using the
// schema's data type to tell int from number.
func decodeValue(v *pb.Value, ps *propSchema) (any, error) {
	bt, _ := baseType(ps)
	switch k := v.GetKind().(type) {
	case nil, *pb.Value_NullValue:
		return nil, nil
	case *pb.Value_IntValue:
		if bt == "number" {
			return float64(k.IntValue), nil
		}
		return k.IntValue, nil
	case *pb.Value_NumberValue:
		if bt == "int" {
			f := k.NumberValue
			if f == math.Trunc(f) && math.Abs(f) <= 1<<63 {
				return int64(f), nil
			}
		}
		return k.NumberValue, nil
	case *pb.Value_StringValue:
		return k.StringValue, nil
	case *pb.Value_TextValue:
		return k.TextValue, nil
	case *pb.Value_DateValue:
		return k.DateValue, nil
	case *pb.Value_UuidValue:
		return k.UuidValue, nil
	case *pb.Value_BlobValue:
		return k.BlobValue, nil
	case *pb.Value_BoolValue:
		return k.BoolValue, nil
	case *pb.Value_GeoValue:
		return map[string]any{"latitude": float64(k.GeoValue.GetLatitude()), "longitude": float64(k.GeoValue.GetLongitude())}, nil
	case *pb.Value_PhoneValue:
		ph := k.PhoneValue
		m := map[string]any{"input": ph.GetInput()}
		if ph.GetDefaultCountry() != "" {
			m["defaultCountry"] = ph.GetDefaultCountry()
		}
		return m, nil
	case *pb.Value_ObjectValue:
		return decodeObject(k.ObjectValue, nested(ps))
	case *pb.Value_ListValue:
		return decodeList(k.ListValue, ps)
	}
	return nil, fmt.Errorf("value of unknown kind %T", v.GetKind())
}

func nested(ps *propSchema) map[string]*propSchema {
	if ps == nil {
		return nil
	}
	m := make(map[string]*propSchema, len(ps.NestedProperties))
	for i := range ps.NestedProperties {
		m[ps.NestedProperties[i].Name] = &ps.NestedProperties[i]
	}
	return m
}

func decodeObject(o *pb.Properties, schema map[string]*propSchema) (map[string]any, error) {
	out := make(map[string]any, len(o.GetFields()))
	for k, v := range o.GetFields() {
		x, err := decodeValue(v, schema[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		if x != nil {
			out[k] = x
		}
	}
	return out, nil
}

func decodeList(l *pb.ListValue, ps *propSchema) (any, error) {
	bt, _ := baseType(ps)
	switch k := l.GetKind().(type) {
	case *pb.ListValue_IntValues:
		b := k.IntValues.GetValues()
		out := make([]any, len(b)/8)
		for i := range out {
			n := int64(binary.LittleEndian.Uint64(b[i*8:]))
			if bt == "number" {
				out[i] = float64(n)
			} else {
				out[i] = n
			}
		}
		return out, nil
	case *pb.ListValue_NumberValues:
		b := k.NumberValues.GetValues()
		out := make([]any, len(b)/8)
		for i := range out {
			f := math.Float64frombits(binary.LittleEndian.Uint64(b[i*8:]))
			if bt == "int" && f == math.Trunc(f) {
				out[i] = int64(f)
			} else {
				out[i] = f
			}
		}
		return out, nil
	case *pb.ListValue_TextValues:
		return strs(k.TextValues.GetValues()), nil
	case *pb.ListValue_DateValues:
		return strs(k.DateValues.GetValues()), nil
	case *pb.ListValue_UuidValues:
		return strs(k.UuidValues.GetValues()), nil
	case *pb.ListValue_BoolValues:
		vs := k.BoolValues.GetValues()
		out := make([]any, len(vs))
		for i, b := range vs {
			out[i] = b
		}
		return out, nil
	case *pb.ListValue_ObjectValues:
		sch := nested(ps)
		vs := k.ObjectValues.GetValues()
		out := make([]any, len(vs))
		for i, o := range vs {
			m, err := decodeObject(o, sch)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = m
		}
		return out, nil
	case nil:
		// Older servers list generic values.
		out := make([]any, len(l.GetValues()))
		for i, v := range l.GetValues() {
			x, err := decodeValue(v, ps)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("list of unknown kind %T", l.GetKind())
}

func strs(vs []string) []any {
	out := make([]any, len(vs))
	for i, s := range vs {
		out[i] = s
	}
	return out
}

func sortPoints(ps []adapters.Point) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID.Less(ps[j].ID) })
}
