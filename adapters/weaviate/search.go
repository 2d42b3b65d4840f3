package weaviate

import (
	"context"
	"strconv"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

var _ adapters.Searcher = (*Source)(nil)

// Search runs one nearVector query over gRPC, through the vector's index
// (HNSW, or a flat index, which is exact). Weaviate has no switch that
// makes an HNSW search exact, so req.Exact is refused (KindUnsupported):
// verify computes exact results from the vectors themselves instead.
// Weaviate's distances (cosine 1-cos, dot -(a·b), l2-squared, manhattan)
// are already knn's neutral distances.
func (s *Source) Search(ctx context.Context, req adapters.SearchRequest) ([]adapters.SearchHit, error) {
	if req.Exact {
		return nil, s.c.errorf(adapters.KindUnsupported, "Weaviate has no exact search on an HNSW index; compute exact neighbours from the vectors instead")
	}
	cl, err := s.class(ctx)
	if err != nil {
		return nil, err
	}
	spec, ok := cl.vectors()[req.Vector]
	if !ok || spec.Kind != "dense" {
		return nil, s.c.errorf(adapters.KindInvalid, "class %q has no dense vector named %q to search; list its vectors with 'vecmig inspect %s'", s.c.class, req.Vector, s.c.ep)
	}
	sr := &pb.SearchRequest{
		Collection:  s.c.class,
		Tenant:      req.Partition,
		Metadata:    &pb.MetadataRequest{Uuid: true, Distance: true},
		Properties:  &pb.PropertiesRequest{},
		Limit:       uint32(max(req.K, 1)),
		NearVector:  &pb.NearVector{VectorBytes: vectorBytes(req.Query)},
		Uses_127Api: true,
	}
	if req.Vector != adapters.DefaultVector {
		sr.NearVector.Targets = &pb.Targets{TargetVectors: []string{req.Vector}}
	}
	what := "search vector " + strconv.Quote(req.Vector)
	if req.Partition != "" {
		what += " of tenant " + strconv.Quote(req.Partition)
	}
	res, err := s.c.searchResults(ctx, sr, what)
	if err != nil {
		return nil, err
	}
	out := make([]adapters.SearchHit, len(res))
	for i, r := range res {
		id, err := resultID(r.GetMetadata())
		if err != nil {
			return nil, s.c.errorf(adapters.KindUnknown, "%s: %v", what, err)
		}
		if !r.GetMetadata().GetDistancePresent() {
			return nil, s.c.errorf(adapters.KindUnknown, "%s: object %s came without its distance", what, id)
		}
		out[i] = adapters.SearchHit{ID: id, Score: float64(r.GetMetadata().GetDistance())}
	}
	return out, nil
}
