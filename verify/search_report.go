package verify

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/vecmig/vecmig/adapters"
)

// SearchReport is the search-equivalence check's outcome (--search N):
// for each dense vector, N k-NN queries answered exactly on both sides
// (their top-k must agree) and approximately by the target's index (its
// recall against its own exact answers).
type SearchReport struct {
	K         int     `json:"k"`
	Queries   int     `json:"queries_per_vector"`
	MinRecall float64 `json:"min_recall"`
	// SourceExact and TargetExact say how each side's exact neighbours
	// were found: the engine's exact search, or vecmig from the vectors.
	SourceExact string         `json:"source_exact,omitempty"`
	TargetExact string         `json:"target_exact,omitempty"`
	Vectors     []SearchVector `json:"vectors"`
	// Mismatches are queries whose exact results differ (up to 20;
	// Mismatched counts them all).
	Mismatches []SearchMismatch `json:"mismatches,omitempty"`
	Mismatched int              `json:"queries_mismatched"`
	Notes      []string         `json:"notes,omitempty"`

	mu sync.Mutex
}

// SearchVector is one vector's figures.
type SearchVector struct {
	Vector         string            `json:"vector"`        // name on the target
	SourceVector   string            `json:"source_vector"` // name on the source
	SourceDistance adapters.Distance `json:"source_distance"`
	TargetDistance adapters.Distance `json:"target_distance"`
	Queries        int               `json:"queries"`
	// ExactOverlap is the mean share of the source's exact top-k ids that
	// the target's exact top-k holds (1 on a faithful copy).
	ExactOverlap    float64 `json:"exact_overlap"`
	MinExactOverlap float64 `json:"min_exact_overlap"`
	// MaxScoreShift is the largest difference of neutral distances at one
	// rank between the sides' exact results (about 0 on a faithful copy).
	MaxScoreShift float64 `json:"max_score_shift"`
	Differing     int     `json:"queries_differing"`
	// TargetRecall is the mean recall@k of the target's approximate search
	// against its exact results; SourceRecall the same on the source,
	// when it can search.
	TargetRecall    float64  `json:"target_recall"`
	MinTargetRecall float64  `json:"min_target_recall"`
	SourceRecall    *float64 `json:"source_recall,omitempty"`
	LowRecall       bool     `json:"low_recall,omitempty"`
	// SourceIndex and TargetIndex are the index settings of both sides.
	SourceIndex string `json:"source_index"`
	TargetIndex string `json:"target_index"`
}

// SearchMismatch is one query whose exact results differ.
type SearchMismatch struct {
	Vector    string  `json:"vector"`
	Partition string  `json:"partition,omitempty"`
	Query     int     `json:"query"`  // its number among the vector's queries
	Origin    string  `json:"origin"` // "point ID" or "random direction N"
	Overlap   float64 `json:"overlap"`
	// ScoreShift is the largest difference of distances at one rank.
	ScoreShift float64       `json:"score_shift"`
	OnlySource []adapters.ID `json:"only_source,omitempty"` // target ids
	OnlyTarget []adapters.ID `json:"only_target,omitempty"`
}

// Equal reports whether the exact results agree on both sides (true for
// a nil report: the check did not run). Low recall is a warning only.
func (s *SearchReport) Equal() bool { return s == nil || s.Mismatched == 0 }

func (s *SearchReport) record(m SearchMismatch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Mismatched++
	if len(s.Mismatches) < maxSearchExamples {
		s.Mismatches = append(s.Mismatches, m)
	}
}

func (s *SearchReport) note(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

// writeText prints the "search:" section of the summary (nothing for a
// nil report).
func (s *SearchReport) writeText(w io.Writer) {
	if s == nil {
		return
	}
	fmt.Fprintf(w, "  search: %d queries per dense vector, top %d; exact neighbours on the source by %s, on the target by %s\n",
		s.Queries, s.K, orNone(s.SourceExact), orNone(s.TargetExact))
	for _, v := range s.Vectors {
		src := ""
		if v.SourceRecall != nil {
			src = fmt.Sprintf(", source %.3f", *v.SourceRecall)
		}
		low := ""
		if v.LowRecall {
			low = "  LOW RECALL"
		}
		fmt.Fprintf(w, "    %s (%s -> %s): exact overlap %.3f (lowest %.3f), score shift %.2g; recall@%d target %.3f (lowest %.3f)%s%s\n",
			vectorLabel(v.Vector), v.SourceDistance, v.TargetDistance, v.ExactOverlap, v.MinExactOverlap, v.MaxScoreShift, s.K, v.TargetRecall, v.MinTargetRecall, src, low)
		fmt.Fprintf(w, "      index: source %s; target %s\n", v.SourceIndex, v.TargetIndex)
	}
	for _, m := range s.Mismatches {
		where := ""
		if m.Partition != "" {
			where = ", partition " + m.Partition
		}
		fmt.Fprintf(w, "    * query %d (%s, %s%s): exact top %d differ: overlap %.2f, score shift %.3g; only on the source: %s; only on the target: %s\n",
			m.Query, vectorLabel(m.Vector), m.Origin, where, s.K, m.Overlap, m.ScoreShift, idList(m.OnlySource), idList(m.OnlyTarget))
	}
	if s.Mismatched > len(s.Mismatches) {
		fmt.Fprintf(w, "    ... %d more differing queries (--report FILE has the first %d)\n", s.Mismatched-len(s.Mismatches), len(s.Mismatches))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "    note: %s\n", n)
	}
}

func orNone(s string) string {
	if s == "" {
		return "nothing (no query ran)"
	}
	return s
}

func idList(ids []adapters.ID) string {
	if len(ids) == 0 {
		return "none (same ids, different distances)"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return strings.Join(parts, ", ")
}
