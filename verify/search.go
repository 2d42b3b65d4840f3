package verify

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/knn"
)

// searchK is the k of the search check: recall@10, as Qdrant's guidance
// measures it.
const searchK = 10

// The two sides, as indexes into searchRun's arrays.
const (
	srcSide = 0
	dstSide = 1
)

// searchRun is one run of the search check.
type searchRun struct {
	v          *verifier
	rep        *SearchReport
	defs       [2]*adapters.Collection
	sides      [2]adapters.Source
	searchers  [2]adapters.Searcher // nil where the side cannot search
	dense      []string             // the source's dense vectors, sorted
	names      map[string]string    // source vector name -> target name
	unmappable map[string]bool      // source vectors the mapping leaves out
	stats      map[string]*vectorStats
	order      []string  // target vector names, as first searched
	exactBy    [2]string // how each side's exact results were found
}

// searchVector is one dense vector's queries in one partition, and what
// each side answered.
type searchVector struct {
	names   [2]string
	dists   [2]adapters.Distance
	queries [][]float32
	origins []string
	exact   [2][][]knn.Hit // ids in the target's id space
	approx  [2][][]knn.Hit // nil where a side cannot search
	stats   *vectorStats
}

// search runs the search-equivalence check: Options.Search k-NN queries
// per dense vector, spread over the partitions, answered exactly and
// approximately by both sides.
func (v *verifier) search(ctx context.Context, parts []partition) error {
	rep := &SearchReport{K: searchK, Queries: v.opts.Search, MinRecall: v.opts.MinRecall}
	v.report.Search = rep
	s, err := v.newSearchRun(ctx, rep)
	if err != nil || s == nil {
		return err
	}
	var common []partition
	for _, p := range parts {
		if p.onSource && p.onTarget && p.srcN > 0 {
			common = append(common, p)
		}
	}
	rnd := v.newRand()
	shares := apportion(uint64(v.opts.Search), common)
	for i, p := range common {
		if shares[i] == 0 {
			continue
		}
		err := activatedBoth(ctx, v, p, func(ctx context.Context) error {
			return s.partition(ctx, p, int(shares[i]), rnd)
		})
		if err != nil {
			return err
		}
	}
	s.finish()
	return nil
}

// newSearchRun describes both sides and finds their Searchers; nil when
// the target cannot search (the report says so).
func (v *verifier) newSearchRun(ctx context.Context, rep *SearchReport) (*searchRun, error) {
	s := &searchRun{v: v, rep: rep, sides: [2]adapters.Source{v.src, v.dst}, names: map[string]string{}, unmappable: map[string]bool{}, stats: map[string]*vectorStats{}}
	err := both(ctx, func(ctx context.Context) (err error) {
		s.defs[srcSide], err = v.src.Describe(ctx)
		return err
	}, func(ctx context.Context) (err error) {
		s.defs[dstSide], err = v.dst.Describe(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, side := range s.sides {
		if a, ok := adapters.As[adapters.Searcher](side); ok {
			s.searchers[i] = a
		}
	}
	if s.searchers[dstSide] == nil {
		rep.note("the target %s cannot run searches (a file dump?): the search check did not run", v.dst.Endpoint())
		return nil, nil
	}
	if s.searchers[srcSide] == nil {
		rep.note("the source %s cannot run searches: its exact neighbours are computed by vecmig, and its own recall is not measured", v.src.Endpoint())
	}
	for _, name := range sortedVectors(s.defs[srcSide]) {
		spec := s.defs[srcSide].Vectors[name]
		if spec.Kind != "dense" {
			rep.note("%s is %s: only dense vectors are searched", vectorLabel(name), spec.Kind)
			continue
		}
		s.dense = append(s.dense, name)
	}
	return s, nil
}

func sortedVectors(def *adapters.Collection) []string {
	names := make([]string, 0, len(def.Vectors))
	for n := range def.Vectors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// partition runs n queries per dense vector in one partition: half drawn
// from the source's points, the rest random directions.
func (s *searchRun) partition(ctx context.Context, p partition, n int, rnd *rand.Rand) error {
	picks, err := s.v.pick(ctx, p, uint64((n+1)/2), rnd)
	if err != nil {
		return err
	}
	var vecs []*searchVector
	for _, name := range s.dense {
		if sv := s.plan(name, picks, n, rnd); sv != nil {
			vecs = append(vecs, sv)
		}
	}
	if len(vecs) == 0 {
		return nil
	}
	for side := range s.sides {
		if err := s.exact(ctx, side, p.name, vecs); err != nil {
			return err
		}
		if err := s.approximate(ctx, side, p.name, vecs); err != nil {
			return err
		}
	}
	for _, sv := range vecs {
		s.compare(p.name, sv)
	}
	return nil
}

// plan builds one vector's queries; nil when the vector cannot be
// searched on both sides (the report says why, once).
func (s *searchRun) plan(name string, picks []adapters.Point, n int, rnd *rand.Rand) *searchVector {
	dst, ok := s.targetName(name, picks)
	if !ok {
		return nil
	}
	sv := &searchVector{names: [2]string{name, dst}}
	sv.dists = [2]adapters.Distance{s.defs[srcSide].Vectors[name].Distance, s.defs[dstSide].Vectors[dst].Distance}
	for _, d := range sv.dists {
		if _, err := knn.Distance(d, nil, nil); err != nil {
			s.noteOnce(name, "%s: %v; not searched", vectorLabel(name), err)
			return nil
		}
	}
	var norm float64
	for _, pt := range picks {
		if vec := pt.Vectors[name].Dense; len(vec) > 0 {
			sv.queries = append(sv.queries, vec)
			sv.origins = append(sv.origins, "point "+s.v.mapping.TargetID(pt.ID).String())
			norm += l2(vec)
		}
	}
	dim := s.defs[srcSide].Vectors[name].Size
	if len(sv.queries) > 0 {
		dim, norm = len(sv.queries[0]), norm/float64(len(sv.queries))
	}
	if dim == 0 {
		s.noteOnce(name, "%s: no point of the sample has it, and its size is not declared; not searched", vectorLabel(name))
		return nil
	}
	if norm == 0 {
		norm = 1
	}
	for i := 1; len(sv.queries) < n; i++ {
		sv.queries = append(sv.queries, randomDirection(rnd, dim, norm))
		sv.origins = append(sv.origins, "random direction "+strconv.Itoa(i))
	}
	sv.stats = s.statsOf(sv)
	return sv
}

// targetName is the name a source vector has on the target, found by
// translating a point that carries only that vector.
func (s *searchRun) targetName(name string, picks []adapters.Point) (string, bool) {
	if t, ok := s.names[name]; ok {
		return t, true
	}
	if s.unmappable[name] {
		return "", false
	}
	t, found := name, s.v.mapping.Identity()
	for _, pt := range picks {
		if found {
			break
		}
		vec, ok := pt.Vectors[name]
		if !ok {
			continue
		}
		m, err := s.v.mapping.ToTarget(adapters.Point{ID: pt.ID, Vectors: map[string]adapters.Vector{name: vec}})
		if err != nil || len(m.Vectors) != 1 {
			s.unmappable[name] = true
			s.rep.note("%s is not carried to the target as one vector: not searched", vectorLabel(name))
			return "", false
		}
		for t = range m.Vectors {
		}
		found = true
	}
	if !found {
		return "", false // no point of this partition's sample has it
	}
	if spec, ok := s.defs[dstSide].Vectors[t]; !ok || spec.Kind != "dense" {
		s.unmappable[name] = true
		s.rep.note("%s: the target has no dense vector %q: not searched", vectorLabel(name), t)
		return "", false
	}
	s.names[name] = t
	return t, true
}

// noteOnce notes a vector that is skipped, once per run.
func (s *searchRun) noteOnce(name, format string, args ...any) {
	if !s.unmappable[name] {
		s.unmappable[name] = true
		s.rep.note(format, args...)
	}
}

func l2(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// randomDirection is a uniformly random direction of the given length.
func randomDirection(rnd *rand.Rand, dim int, length float64) []float32 {
	v := make([]float64, dim)
	var s float64
	for i := range v {
		v[i] = rnd.NormFloat64()
		s += v[i] * v[i]
	}
	f := length / math.Sqrt(s)
	out := make([]float32, dim)
	for i := range v {
		out[i] = float32(v[i] * f)
	}
	return out
}
