package qdranttest

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/qdrant/go-client/qdrant"
)

// Query serves the two forms useful without vector search: no query (points
// in id order, offset counting points) and Sample_Random (random points,
// used to pick range boundaries). Everything else is InvalidArgument.
func (ps *pointsService) Query(_ context.Context, req *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	start := time.Now()
	c, err := ps.s.lookup(req.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if len(req.GetPrefetch()) > 0 || req.LookupFrom != nil {
		return nil, unsupported("query prefetch/lookup_from")
	}
	random := false
	switch q := req.GetQuery().GetVariant().(type) {
	case nil:
	case *qdrant.Query_Sample:
		if q.Sample != qdrant.Sample_Random {
			return nil, unsupported("query sample other than random")
		}
		random = true
	default:
		return nil, unsupported("query variant (only none and sample random, no vector search)")
	}
	match, err := compileFilter(req.GetFilter())
	if err != nil {
		return nil, err
	}
	limit := 10
	if req.Limit != nil {
		limit = int(*req.Limit)
	}
	skip := int(req.GetOffset())
	pr := makeProjection(req.GetWithPayload(), req.WithVectors)
	c.rlock()
	defer c.mu.RUnlock()
	shards, err := c.readShards(req.GetShardKeySelector())
	if err != nil {
		return nil, err
	}
	var picked []pointKey
	if random {
		var all []pointKey
		for _, k := range c.keys {
			if p := c.points[k]; shards.allows(p) && match(k, p) {
				all = append(all, k)
			}
		}
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		picked = all[:min(limit, len(all))]
	} else {
		for _, k := range c.keys {
			if len(picked) == limit {
				break
			}
			if p := c.points[k]; shards.allows(p) && match(k, p) {
				if skip > 0 {
					skip--
					continue
				}
				picked = append(picked, k)
			}
		}
	}
	resp := &qdrant.QueryResponse{}
	for _, k := range picked {
		rp := c.retrieved(k, c.points[k], pr)
		resp.Result = append(resp.Result, &qdrant.ScoredPoint{Id: rp.Id, Payload: rp.Payload, Vectors: rp.Vectors, ShardKey: rp.ShardKey})
	}
	resp.Time = elapsed(start)
	return resp, nil
}
