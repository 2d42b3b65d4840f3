package verify

import (
	"context"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/knn"
)

// How a side's exact neighbours were found, for the report.
const (
	exactByEngine = "the engine's exact search"
	exactByVecmig = "vecmig, from every vector (the engine has no exact search)"
)

// exact fills one side's exact results for every vector: from the
// engine's exact search where it has one, otherwise by brute force over
// one read of the partition for all vectors and queries at once.
func (s *searchRun) exact(ctx context.Context, side int, part string, vecs []*searchVector) error {
	var brute []*searchVector
	for _, sv := range vecs {
		ok, err := s.engineExact(ctx, side, part, sv)
		if err != nil {
			return err
		}
		if !ok {
			brute = append(brute, sv)
		}
	}
	if len(brute) == 0 {
		return nil
	}
	return s.bruteForce(ctx, side, part, brute)
}

// engineExact asks the side's engine for exact results; false when it
// cannot search exactly.
func (s *searchRun) engineExact(ctx context.Context, side int, part string, sv *searchVector) (bool, error) {
	if s.searchers[side] == nil || s.exactBy[side] == exactByVecmig {
		return false, nil
	}
	res := make([][]knn.Hit, len(sv.queries))
	for i, q := range sv.queries {
		hits, err := s.query(ctx, side, part, sv, q, true)
		if adapters.KindOf(err) == adapters.KindUnsupported {
			s.exactBy[side] = exactByVecmig
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("search check, exact query %d (%s) on %s: %w", i+1, sv.origins[i], s.sides[side].Endpoint(), err)
		}
		res[i] = hits
	}
	s.exactBy[side] = exactByEngine
	sv.exact[side] = res
	return true, nil
}

// approximate runs every query through the side's own index, as its users
// search.
func (s *searchRun) approximate(ctx context.Context, side int, part string, vecs []*searchVector) error {
	if s.searchers[side] == nil {
		return nil
	}
	for _, sv := range vecs {
		sv.approx[side] = make([][]knn.Hit, len(sv.queries))
		for i, q := range sv.queries {
			hits, err := s.query(ctx, side, part, sv, q, false)
			if err != nil {
				return fmt.Errorf("search check, query %d (%s) on %s: %w", i+1, sv.origins[i], s.sides[side].Endpoint(), err)
			}
			sv.approx[side][i] = hits
		}
	}
	return nil
}

// query runs one search on a side, with ids in the target's id space.
func (s *searchRun) query(ctx context.Context, side int, part string, sv *searchVector, q []float32, exact bool) ([]knn.Hit, error) {
	hits, err := s.searchers[side].Search(ctx, adapters.SearchRequest{
		Partition: part, Vector: sv.names[side], Query: q, K: searchK, Exact: exact, Distance: sv.dists[side],
	})
	if err != nil {
		return nil, err
	}
	out := make([]knn.Hit, len(hits))
	for i, h := range hits {
		out[i] = knn.Hit{ID: h.ID, Score: h.Score}
		if side == srcSide {
			out[i].ID = s.v.mapping.TargetID(h.ID)
		}
	}
	knn.Sort(out) // the engine's order, with ties put as knn puts them
	return out, nil
}

// bruteForce reads the partition once and keeps every query's exact top k
// for each vector.
func (s *searchRun) bruteForce(ctx context.Context, side int, part string, vecs []*searchVector) error {
	tops := make([]*knn.TopK, len(vecs))
	for i, sv := range vecs {
		var err error
		if tops[i], err = knn.NewTopK(sv.dists[side], sv.queries, searchK); err != nil {
			return err
		}
	}
	if s.exactBy[side] == "" {
		s.exactBy[side] = exactByVecmig
	}
	err := s.v.scan(ctx, s.sides[side], part, func(pts []adapters.Point) error {
		for _, pt := range pts {
			id := pt.ID
			if side == srcSide {
				id = s.v.mapping.TargetID(id)
			}
			for i, sv := range vecs {
				vec := pt.Vectors[sv.names[side]].Dense
				if len(vec) == 0 {
					continue
				}
				if err := tops[i].Add(id, vec); err != nil {
					return fmt.Errorf("search check on %s, %s: %w", s.sides[side].Endpoint(), vectorLabel(sv.names[side]), err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, sv := range vecs {
		sv.exact[side] = tops[i].Results()
	}
	return nil
}
