package qdrant

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

var _ adapters.Searcher = (*Source)(nil)

// Search runs one k-NN query through the Query API on a dense vector of a
// partition: exact (a full scan, quantization ignored) when req.Exact,
// otherwise as the collection's users search, through its HNSW index.
func (s *Source) Search(ctx context.Context, req adapters.SearchRequest) ([]adapters.SearchHit, error) {
	src, part, err := s.tenant(req.Partition)
	if err != nil {
		return nil, err
	}
	return src.search(ctx, part, req)
}

func (s *Source) search(ctx context.Context, part string, req adapters.SearchRequest) ([]adapters.SearchHit, error) {
	what := partitionWhat(fmt.Sprintf("search vector %q", req.Vector), part)
	dist := req.Distance
	if dist == "" {
		var err error
		if dist, err = s.c.vectorDistance(ctx, req.Vector); err != nil {
			return nil, err
		}
	}
	sel, err := s.c.selector(part)
	if err != nil {
		return nil, err
	}
	q := &qdrant.QueryPoints{
		CollectionName:   s.c.coll,
		Query:            qdrant.NewQueryDense(req.Query),
		Limit:            ptr(uint64(max(req.K, 1))),
		WithPayload:      qdrant.NewWithPayload(false),
		WithVectors:      qdrant.NewWithVectors(false),
		ShardKeySelector: sel,
		Filter:           s.c.tenantFilter(part),
	}
	if req.Vector != adapters.DefaultVector {
		q.Using = ptr(req.Vector)
	}
	if req.Exact {
		q.Params = &qdrant.SearchParams{Exact: ptr(true), Quantization: &qdrant.QuantizationSearchParams{Ignore: ptr(true)}}
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	res, err := s.c.client.Query(cctx, q)
	if err != nil {
		return nil, s.c.readError(ctx, err, what, part)
	}
	out := make([]adapters.SearchHit, len(res))
	for i, sp := range res {
		id, err := neutralID(sp.GetId())
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.c.prefix, what, err)
		}
		out[i] = adapters.SearchHit{ID: id, Score: neutralScore(dist, float64(sp.GetScore()))}
	}
	return out, nil
}

// neutralScore turns Qdrant's score into knn's neutral distance: Qdrant
// returns a similarity for Cosine and Dot (larger is closer) and a
// distance for Euclid (its square root) and Manhattan.
func neutralScore(d adapters.Distance, score float64) float64 {
	switch d {
	case adapters.Cosine:
		return 1 - score
	case adapters.Dot:
		return -score
	case adapters.Euclid:
		return score * score
	}
	return score
}

// vectorDistance looks up the distance of a named vector (GetCollectionInfo
// only: no shard keys, no aliases).
func (c *conn) vectorDistance(ctx context.Context, name string) (adapters.Distance, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	info, err := c.client.GetCollectionInfo(cctx, c.coll)
	if err != nil {
		return "", c.readError(ctx, err, "describe the collection", "")
	}
	vs, err := neutralVectors(info.GetConfig().GetParams())
	if err != nil {
		return "", adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("%s: %w", c.prefix, err))
	}
	spec, ok := vs[name]
	if !ok || spec.Kind != "dense" {
		return "", adapters.Errorf(adapters.KindInvalid, "%s: collection %q has no dense vector named %q to search; list its vectors with 'vecmig inspect %s'", c.prefix, c.coll, name, c.ep)
	}
	return spec.Distance, nil
}
