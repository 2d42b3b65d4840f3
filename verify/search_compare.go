package verify

import (
	"fmt"
	"math"
	"strconv"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/knn"
)

// Two exact scores are the same when they differ by no more than
// scoreAbs + scoreRel × the larger: engines compute in float32, vecmig in
// float64, and Qdrant returns float32 scores.
const (
	scoreAbs = 1e-4
	scoreRel = 1e-3
)

// maxSearchExamples bounds the differing queries a report keeps.
const maxSearchExamples = 20

// vectorStats accumulates one vector's figures over partitions.
type vectorStats struct {
	out                 SearchVector
	overlap, dstRecall  float64
	srcRecall           float64
	srcRecallN, queries int
}

func (s *searchRun) statsOf(sv *searchVector) *vectorStats {
	st, ok := s.stats[sv.names[dstSide]]
	if !ok {
		st = &vectorStats{out: SearchVector{
			Vector: sv.names[dstSide], SourceVector: sv.names[srcSide],
			SourceDistance: sv.dists[srcSide], TargetDistance: sv.dists[dstSide],
			MinExactOverlap: 1, MinTargetRecall: 1,
			SourceIndex: indexSettings(s.defs[srcSide], sv.names[srcSide]),
			TargetIndex: indexSettings(s.defs[dstSide], sv.names[dstSide]),
		}}
		s.stats[sv.names[dstSide]] = st
		s.order = append(s.order, sv.names[dstSide])
	}
	return st
}

// compare checks each query's exact results agree on both sides, and
// measures each side's recall against its own exact results.
func (s *searchRun) compare(part string, sv *searchVector) {
	st := sv.stats
	for i := range sv.queries {
		want, got := sv.exact[srcSide][i], sv.exact[dstSide][i]
		ov, shift := knn.Overlap(want, got), knn.ScoreShift(want, got)
		st.queries++
		st.overlap += ov
		st.out.MinExactOverlap = math.Min(st.out.MinExactOverlap, ov)
		st.out.MaxScoreShift = math.Max(st.out.MaxScoreShift, shift)
		if !sameResults(want, got) {
			st.out.Differing++
			s.rep.record(SearchMismatch{
				Vector: sv.names[dstSide], Partition: part, Query: st.queries, Origin: sv.origins[i],
				Overlap: ov, ScoreShift: shift, OnlySource: missingFrom(want, got), OnlyTarget: missingFrom(got, want),
			})
		}
		r := knn.Overlap(got, sv.approx[dstSide][i])
		st.dstRecall += r
		st.out.MinTargetRecall = math.Min(st.out.MinTargetRecall, r)
		if sv.approx[srcSide] != nil {
			st.srcRecall += knn.Overlap(want, sv.approx[srcSide][i])
			st.srcRecallN++
		}
	}
}

// sameResults reports whether two exact top-k lists agree: the same ids
// with the same scores, rank by rank, within the scores' precision. Ids
// may differ only where their scores tie with the last kept one (the
// k-th and k+1-th point are equally near, and either side may keep
// either).
func sameResults(a, b []knn.Hit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !closeScore(a[i].Score, b[i].Score) {
			return false
		}
	}
	if len(a) == 0 {
		return true
	}
	last := a[len(a)-1].Score
	for _, id := range append(missingFrom(a, b), missingFrom(b, a)...) {
		sc := scoreOf(a, id)
		if math.IsNaN(sc) {
			sc = scoreOf(b, id)
		}
		if !closeScore(sc, last) {
			return false
		}
	}
	return true
}

func closeScore(a, b float64) bool {
	return math.Abs(a-b) <= scoreAbs+scoreRel*math.Max(math.Abs(a), math.Abs(b))
}

func scoreOf(hits []knn.Hit, id adapters.ID) float64 {
	for _, h := range hits {
		if h.ID == id {
			return h.Score
		}
	}
	return math.NaN()
}

// missingFrom lists the ids of a that b lacks, in a's order.
func missingFrom(a, b []knn.Hit) []adapters.ID {
	have := make(map[adapters.ID]bool, len(b))
	for _, h := range b {
		have[h.ID] = true
	}
	var out []adapters.ID
	for _, h := range a {
		if !have[h.ID] {
			out = append(out, h.ID)
		}
	}
	return out
}

// finish turns the sums into the report's figures and warns of low
// recall.
func (s *searchRun) finish() {
	s.rep.SourceExact, s.rep.TargetExact = s.exactBy[srcSide], s.exactBy[dstSide]
	for _, name := range s.order {
		st := s.stats[name]
		out := st.out
		out.Queries = st.queries
		if st.queries > 0 {
			out.ExactOverlap = st.overlap / float64(st.queries)
			out.TargetRecall = st.dstRecall / float64(st.queries)
		}
		if st.srcRecallN > 0 {
			r := st.srcRecall / float64(st.srcRecallN)
			out.SourceRecall = &r
		}
		out.LowRecall = st.queries > 0 && out.TargetRecall < s.rep.MinRecall
		s.rep.Vectors = append(s.rep.Vectors, out)
		if out.LowRecall {
			s.v.report.note("%s", out.recallWarning(s.rep.K, s.rep.MinRecall))
		}
	}
}

// recallWarning is the note of a vector whose target recall is low.
func (sv SearchVector) recallWarning(k int, min float64) string {
	src := ""
	if sv.SourceRecall != nil {
		src = fmt.Sprintf(" (the source's own: %.3f)", *sv.SourceRecall)
	}
	return fmt.Sprintf("search: %s: the target's approximate search found on average %.3f of the exact %d nearest neighbours (lowest %.3f)%s, below --min-recall %s: an index-settings mismatch or too weak an index; source index: %s; target index: %s; rebuild the target's index with the source's settings, or raise its ef",
		vectorLabel(sv.Vector), sv.TargetRecall, k, sv.MinTargetRecall, src, strconv.FormatFloat(min, 'g', -1, 64), sv.SourceIndex, sv.TargetIndex)
}
