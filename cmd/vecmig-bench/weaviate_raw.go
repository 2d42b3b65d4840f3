package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vecmig/vecmig/adapters"
)

// weaviateClass is one Weaviate class reached directly: REST for the
// schema and counts, the gRPC API (protocol v1 from
// github.com/weaviate/weaviate v1.27.0) for Search and BatchObjects.
type weaviateClass struct {
	url   string
	base  string // http://host:port
	class string
	http  *http.Client
	conn  *grpc.ClientConn
	rpc   pb.WeaviateClient
}

func dialWeaviate(raw string) (*weaviateClass, error) {
	ep, err := adapters.ParseEndpoint(raw)
	if err != nil {
		return nil, err
	}
	if ep.Scheme != "weaviate" {
		return nil, fmt.Errorf("%s is not a weaviate:// endpoint", raw)
	}
	grpcPort, err := ep.QueryInt("grpc_port", 50051)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(net.JoinHostPort(ep.Host, strconv.Itoa(grpcPort)),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32)))
	if err != nil {
		return nil, fmt.Errorf("weaviate %s: %w", ep, err)
	}
	return &weaviateClass{
		url:   raw,
		base:  "http://" + ep.HostPort(8080),
		class: ep.Name,
		http:  &http.Client{Timeout: 5 * time.Minute},
		conn:  conn,
		rpc:   pb.NewWeaviateClient(conn),
	}, nil
}

func (w *weaviateClass) close() { w.conn.Close() }

// rest sends a JSON request and decodes a JSON answer into out (when not nil).
func (w *weaviateClass) rest(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("weaviate %s: %s %s: %w", w.base, method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("weaviate %s: %s %s: HTTP %d: %s", w.base, method, path, resp.StatusCode, tail(string(data), 500))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("weaviate %s: %s %s: %w", w.base, method, path, err)
		}
	}
	return nil
}

// schema returns the class definition as raw JSON fields.
func (w *weaviateClass) schema(ctx context.Context) (map[string]any, error) {
	var s map[string]any
	err := w.rest(ctx, http.MethodGet, "/v1/schema/"+w.class, nil, &s)
	return s, err
}

func (w *weaviateClass) create(ctx context.Context, def map[string]any) error {
	return w.rest(ctx, http.MethodPost, "/v1/schema", def, nil)
}

func (w *weaviateClass) drop(ctx context.Context) error {
	return w.rest(ctx, http.MethodDelete, "/v1/schema/"+w.class, nil, nil)
}

// count is the exact Aggregate meta count.
func (w *weaviateClass) count(ctx context.Context) (uint64, error) {
	var out struct {
		Data   map[string]map[string][]struct{ Meta struct{ Count uint64 } }
		Errors []struct{ Message string }
	}
	q := map[string]string{"query": fmt.Sprintf("{ Aggregate { %s { meta { count } } } }", w.class)}
	if err := w.rest(ctx, http.MethodPost, "/v1/graphql", q, &out); err != nil {
		return 0, err
	}
	if len(out.Errors) > 0 {
		return 0, fmt.Errorf("weaviate %s: count %s: %s", w.base, w.class, out.Errors[0].Message)
	}
	rows := out.Data["Aggregate"][w.class]
	if len(rows) != 1 {
		return 0, fmt.Errorf("weaviate %s: count %s: unexpected answer", w.base, w.class)
	}
	return rows[0].Meta.Count, nil
}

// batch writes objects with gRPC BatchObjects; any per-object error fails it.
func (w *weaviateClass) batch(ctx context.Context, objs []*pb.BatchObject) error {
	reply, err := w.rpc.BatchObjects(ctx, &pb.BatchObjectsRequest{Objects: objs})
	if err != nil {
		return fmt.Errorf("weaviate %s: batch of %d objects: %w", w.base, len(objs), err)
	}
	if errs := reply.GetErrors(); len(errs) > 0 {
		return fmt.Errorf("weaviate %s: batch of %d objects: %d rejected, first (object %d): %s",
			w.base, len(objs), len(errs), errs[0].GetIndex(), errs[0].GetError())
	}
	return nil
}

// weaviateObject converts a benchmark point for the loader.
func weaviateObject(class string, p benchPoint) *pb.BatchObject {
	props, _ := structpb.NewStruct(map[string]any{
		"title": p.Title, "num": float64(p.Num), "score": p.Score, "flag": p.Flag, "category": p.Category,
	})
	return &pb.BatchObject{
		Uuid:        p.ID.String(),
		Collection:  class,
		VectorBytes: vectorBytes(p.Vector),
		Properties:  &pb.BatchObject_Properties{NonRefProperties: props},
	}
}

// weaviateClassDef is the benchmark's class: its own vectors, cosine HNSW.
func weaviateClassDef(class string) map[string]any {
	prop := func(name, typ string) map[string]any {
		return map[string]any{"name": name, "dataType": []string{typ}}
	}
	return map[string]any{
		"class":             class,
		"vectorizer":        "none",
		"vectorIndexType":   "hnsw",
		"vectorIndexConfig": map[string]any{"distance": "cosine"},
		"properties": []any{
			prop("title", "text"), prop("num", "int"), prop("score", "number"),
			prop("flag", "boolean"), prop("category", "text"),
		},
	}
}

func vectorBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

// weaviateRaw is the plain loop's and the ceiling's Weaviate client: gRPC
// Search with the `after` cursor, each result turned into a BatchObject,
// gRPC BatchObjects.
type weaviateRaw struct{ src, dst *weaviateClass }

func openWeaviateRaw(_ context.Context, from, to string) (rawConn, error) {
	src, err := dialWeaviate(from)
	if err != nil {
		return nil, err
	}
	dst, err := dialWeaviate(to)
	if err != nil {
		src.close()
		return nil, err
	}
	return &weaviateRaw{src: src, dst: dst}, nil
}

func (r *weaviateRaw) client() string {
	return "hand-written: Weaviate gRPC Search(after) + BatchObjects (protocol v1)"
}

func (r *weaviateRaw) close() { r.src.close(); r.dst.close() }

// createTarget posts the source's raw schema back under the target's name.
func (r *weaviateRaw) createTarget(ctx context.Context) error {
	def, err := r.src.schema(ctx)
	if err != nil {
		return err
	}
	def["class"] = r.dst.class
	return r.dst.create(ctx, def)
}

type weaviateBatch []*pb.BatchObject

func (b weaviateBatch) size() int { return len(b) }

// read fetches the page after the UUID cur; a short page is the last.
func (r *weaviateRaw) read(ctx context.Context, cur any, limit int) (rawBatch, any, bool, error) {
	results, last, err := r.src.page(ctx, cur, limit)
	if err != nil {
		return nil, nil, false, err
	}
	out := make(weaviateBatch, len(results))
	for i, res := range results {
		md := res.GetMetadata()
		vec, err := resultVector(md)
		if err != nil {
			return nil, nil, false, fmt.Errorf("weaviate %s: object %s: %w", r.src.base, md.GetId(), err)
		}
		props, err := structOf(res.GetProperties().GetNonRefProps())
		if err != nil {
			return nil, nil, false, fmt.Errorf("weaviate %s: object %s: %w", r.src.base, md.GetId(), err)
		}
		out[i] = &pb.BatchObject{
			Uuid:        md.GetId(),
			Collection:  r.dst.class,
			VectorBytes: vec,
			Properties:  &pb.BatchObject_Properties{NonRefProperties: props},
		}
	}
	return out, last, len(out) < limit, nil
}

// page is one gRPC Search page after the UUID cur (nil: the first), with
// vectors and every non-reference property, and the last UUID in it.
func (w *weaviateClass) page(ctx context.Context, cur any, limit int) ([]*pb.SearchResult, string, error) {
	req := &pb.SearchRequest{
		Collection:  w.class,
		Limit:       uint32(limit),
		Metadata:    &pb.MetadataRequest{Uuid: true, Vector: true},
		Properties:  &pb.PropertiesRequest{ReturnAllNonrefProperties: true},
		Uses_123Api: true,
		Uses_125Api: true,
		Uses_127Api: true,
	}
	if cur != nil {
		req.After = cur.(string)
	}
	reply, err := w.rpc.Search(ctx, req)
	if err != nil {
		return nil, "", fmt.Errorf("weaviate %s: search after %v: %w", w.base, cur, err)
	}
	results := reply.GetResults()
	var last string
	if len(results) > 0 {
		last = results[len(results)-1].GetMetadata().GetId()
	}
	return results, last, nil
}

func (r *weaviateRaw) write(ctx context.Context, b rawBatch) error {
	return r.dst.batch(ctx, b.(weaviateBatch))
}

// resultVector returns the class vector as little-endian float32 bytes,
// wherever the server put it.
func resultVector(md *pb.MetadataResult) ([]byte, error) {
	if b := md.GetVectorBytes(); len(b) > 0 {
		return b, nil
	}
	if v := md.GetVector(); len(v) > 0 {
		return vectorBytes(v), nil
	}
	for _, v := range md.GetVectors() {
		if v.GetName() == "default" || v.GetName() == "" {
			return v.GetVectorBytes(), nil
		}
	}
	return nil, fmt.Errorf("no vector was returned")
}

// structOf converts the scalar properties the benchmark uses; anything
// else is refused rather than copied wrong.
func structOf(p *pb.Properties) (*structpb.Struct, error) {
	s := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(p.GetFields()))}
	for k, v := range p.GetFields() {
		switch x := v.GetKind().(type) {
		case *pb.Value_TextValue:
			s.Fields[k] = structpb.NewStringValue(x.TextValue)
		case *pb.Value_StringValue:
			s.Fields[k] = structpb.NewStringValue(x.StringValue)
		case *pb.Value_DateValue:
			s.Fields[k] = structpb.NewStringValue(x.DateValue)
		case *pb.Value_UuidValue:
			s.Fields[k] = structpb.NewStringValue(x.UuidValue)
		case *pb.Value_IntValue:
			s.Fields[k] = structpb.NewNumberValue(float64(x.IntValue))
		case *pb.Value_NumberValue:
			s.Fields[k] = structpb.NewNumberValue(x.NumberValue)
		case *pb.Value_BoolValue:
			s.Fields[k] = structpb.NewBoolValue(x.BoolValue)
		case *pb.Value_NullValue:
		default:
			return nil, fmt.Errorf("property %q of kind %s is not handled by the benchmark's plain loop", k, strings.TrimPrefix(fmt.Sprintf("%T", x), "*v1.Value_"))
		}
	}
	return s, nil
}
