package main

import (
	"context"
	"fmt"
	"math"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"

	"github.com/vecmig/vecmig/adapters"
)

// qdrantColl is one Qdrant collection reached with the go-client directly.
type qdrantColl struct {
	url    string
	name   string
	client *qdrant.Client
}

func dialQdrant(raw string) (*qdrantColl, error) {
	ep, err := adapters.ParseEndpoint(raw)
	if err != nil {
		return nil, err
	}
	if ep.Scheme != "qdrant" {
		return nil, fmt.Errorf("%s is not a qdrant:// endpoint", raw)
	}
	port := ep.Port
	if port == 0 {
		port = 6334
	}
	client, err := qdrant.NewClient(&qdrant.Config{
		Host: ep.Host,
		Port: port,
		GrpcOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32))},
		SkipCompatibilityCheck: true,
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant %s: %w", ep, err)
	}
	return &qdrantColl{url: raw, name: ep.Name, client: client}, nil
}

func (q *qdrantColl) count(ctx context.Context) (uint64, error) {
	n, err := q.client.Count(ctx, &qdrant.CountPoints{CollectionName: q.name, Exact: ptr(true)})
	if err != nil {
		return 0, fmt.Errorf("qdrant %s: count: %w", q.url, err)
	}
	return n, nil
}

func (q *qdrantColl) drop(ctx context.Context) error {
	if err := q.client.DeleteCollection(ctx, q.name); err != nil {
		return fmt.Errorf("qdrant %s: delete collection: %w", q.url, err)
	}
	return nil
}

func (q *qdrantColl) upsert(ctx context.Context, pts []*qdrant.PointStruct) error {
	if _, err := q.client.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: q.name, Wait: ptr(true), Points: pts}); err != nil {
		return fmt.Errorf("qdrant %s: upsert %d points: %w", q.url, len(pts), err)
	}
	return nil
}

func (q *qdrantColl) close() { q.client.Close() }

// qdrantPoint converts a benchmark point for the loader.
func qdrantPoint(p benchPoint) *qdrant.PointStruct {
	return &qdrant.PointStruct{
		Id:      qdrant.NewIDUUID(p.ID.String()),
		Vectors: qdrant.NewVectorsDense(p.Vector),
		Payload: qdrant.NewValueMap(p.payload()),
	}
}

// qdrantRaw is the plain loop's and the ceiling's Qdrant client: Scroll
// with vectors and payload, each RetrievedPoint turned into a PointStruct,
// Upsert with wait=true (as vecmig writes).
type qdrantRaw struct{ src, dst *qdrantColl }

func openQdrantRaw(_ context.Context, from, to string) (rawConn, error) {
	src, err := dialQdrant(from)
	if err != nil {
		return nil, err
	}
	dst, err := dialQdrant(to)
	if err != nil {
		src.close()
		return nil, err
	}
	return &qdrantRaw{src: src, dst: dst}, nil
}

func (r *qdrantRaw) client() string {
	return "hand-written: qdrant go-client Scroll + Upsert(wait=true)"
}

func (r *qdrantRaw) close() { r.src.close(); r.dst.close() }

// createTarget copies the source's vectors configuration; that is all the
// benchmark's collections have.
func (r *qdrantRaw) createTarget(ctx context.Context) error {
	info, err := r.src.client.GetCollectionInfo(ctx, r.src.name)
	if err != nil {
		return fmt.Errorf("qdrant %s: get collection: %w", r.src.url, err)
	}
	p := info.GetConfig().GetParams()
	err = r.dst.client.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName:      r.dst.name,
		VectorsConfig:       p.GetVectorsConfig(),
		SparseVectorsConfig: p.GetSparseVectorsConfig(),
	})
	if err != nil {
		return fmt.Errorf("qdrant %s: create collection: %w", r.dst.url, err)
	}
	return nil
}

type qdrantBatch []*qdrant.PointStruct

func (b qdrantBatch) size() int { return len(b) }

// read scrolls one page; the cursor is Qdrant's inclusive next_page_offset.
func (r *qdrantRaw) read(ctx context.Context, cur any, limit int) (rawBatch, any, bool, error) {
	res, next, err := r.src.scroll(ctx, cur, limit)
	if err != nil {
		return nil, nil, false, err
	}
	out := make(qdrantBatch, len(res))
	for i, rp := range res {
		v, err := qdrantVectors(rp.GetVectors())
		if err != nil {
			return nil, nil, false, fmt.Errorf("qdrant %s: point %v: %w", r.src.url, rp.GetId(), err)
		}
		out[i] = &qdrant.PointStruct{Id: rp.GetId(), Payload: rp.GetPayload(), Vectors: v}
	}
	return out, next, next == nil, nil
}

// scroll reads one page with vectors and payload from the offset cur (nil:
// the first page) and returns the next page's offset (nil after the last).
func (q *qdrantColl) scroll(ctx context.Context, cur any, limit int) ([]*qdrant.RetrievedPoint, *qdrant.PointId, error) {
	req := &qdrant.ScrollPoints{
		CollectionName: q.name,
		Limit:          ptr(uint32(limit)),
		WithPayload:    qdrant.NewWithPayload(true),
		WithVectors:    qdrant.NewWithVectors(true),
	}
	if cur != nil {
		req.Offset = cur.(*qdrant.PointId)
	}
	res, next, err := q.client.ScrollAndOffset(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("qdrant %s: scroll: %w", q.url, err)
	}
	return res, next, nil
}

func (r *qdrantRaw) write(ctx context.Context, b rawBatch) error {
	return r.dst.upsert(ctx, b.(qdrantBatch))
}

// qdrantVectors turns the vectors read back into vectors to write.
func qdrantVectors(vo *qdrant.VectorsOutput) (*qdrant.Vectors, error) {
	if v := vo.GetVector(); v != nil {
		one, err := qdrantVector(v)
		if err != nil {
			return nil, err
		}
		return &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vector{Vector: one}}, nil
	}
	named := vo.GetVectors().GetVectors()
	if len(named) == 0 {
		return nil, fmt.Errorf("no vectors were returned")
	}
	m := make(map[string]*qdrant.Vector, len(named))
	for name, v := range named {
		one, err := qdrantVector(v)
		if err != nil {
			return nil, fmt.Errorf("vector %q: %w", name, err)
		}
		m[name] = one
	}
	return qdrant.NewVectorsMap(m), nil
}

func qdrantVector(v *qdrant.VectorOutput) (*qdrant.Vector, error) {
	switch {
	case v.GetDense() != nil:
		return qdrant.NewVectorDense(v.GetDense().GetData()), nil
	case v.GetSparse() != nil:
		return qdrant.NewVectorSparse(v.GetSparse().GetIndices(), v.GetSparse().GetValues()), nil
	case v.GetMultiDense() != nil:
		var m [][]float32
		for _, d := range v.GetMultiDense().GetVectors() {
			m = append(m, d.GetData())
		}
		return qdrant.NewVectorMulti(m), nil
	case len(v.GetData()) > 0 && v.GetIndices() == nil && v.GetVectorsCount() == 0:
		// Servers that still fill only the deprecated flat field.
		return qdrant.NewVectorDense(v.GetData()), nil
	}
	return nil, fmt.Errorf("vector form not handled by the benchmark's plain loop")
}

func ptr[T any](v T) *T { return &v }
