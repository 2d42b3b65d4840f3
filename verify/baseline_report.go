package verify

import (
	"fmt"
	"io"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// BaselineReport is what verify --baseline adds to a Report: the file, how
// much of each point could be compared, and the probe queries re-run.
type BaselineReport struct {
	File     string    `json:"file"`
	Captured time.Time `json:"captured"`
	// CapturedFrom is the endpoint the baseline was taken from.
	CapturedFrom string `json:"captured_from"`
	Seed         uint64 `json:"seed"`
	Points       uint64 `json:"points"`
	// Checked says what was compared for every point: "fingerprints"
	// (vectors and payload), "payload" (vectors only on the kept sample and
	// by the probes: another datatype) or "ids" (another engine).
	Checked string `json:"checked"`
	// ScoreTolerance is the largest probe score shift accepted.
	ScoreTolerance float64       `json:"score_tolerance"`
	Probes         []ProbeReport `json:"probes"`
	Sample         SampleCheck   `json:"sample"`
}

// ProbeReport sums up one vector's probe queries.
type ProbeReport struct {
	Vector        string        `json:"vector"`
	Queries       int           `json:"queries"`
	MeanOverlap   float64       `json:"mean_overlap"`
	MinOverlap    float64       `json:"min_overlap"`
	MaxScoreShift float64       `json:"max_score_shift"`
	Failing       []FailedProbe `json:"failing,omitempty"`
}

// FailedProbe is a probe whose results on the target differ.
type FailedProbe struct {
	Partition  string        `json:"partition,omitempty"`
	QueryID    adapters.ID   `json:"query_id"`
	Overlap    float64       `json:"overlap"`
	ScoreShift float64       `json:"score_shift"`
	Lost       []adapters.ID `json:"lost,omitempty"` // baseline hits not in the target's top-k
	Gained     []adapters.ID `json:"gained,omitempty"`
}

// SampleCheck is the kept sample compared field by field.
type SampleCheck struct {
	Kept     int `json:"kept"`
	Compared int `json:"compared"`
	Equal    int `json:"equal"`
}

// Equal reports whether nothing the baseline checks differs (true for a
// nil report: no baseline was used). Point differences, the sample's
// included, are in the Report's mismatches; this adds the probes.
func (b *BaselineReport) Equal() bool {
	if b == nil {
		return true
	}
	for _, p := range b.Probes {
		if len(p.Failing) > 0 {
			return false
		}
	}
	return true
}

// WriteText prints the baseline part of the summary.
func (b *BaselineReport) WriteText(w io.Writer) {
	if b == nil {
		return
	}
	fmt.Fprintf(w, "  baseline %s: captured %s from %s, %d points, seed %d; every point compared by %s\n",
		b.File, b.Captured.Format(time.RFC3339), b.CapturedFrom, b.Points, b.Seed, b.Checked)
	fmt.Fprintf(w, "  kept sample: %d of %d points compared field by field, %d equal\n", b.Sample.Compared, b.Sample.Kept, b.Sample.Equal)
	for _, p := range b.Probes {
		verdict := "ok"
		if len(p.Failing) > 0 {
			verdict = fmt.Sprintf("%d DIFFERENT", len(p.Failing))
		}
		fmt.Fprintf(w, "  probes %s: %d queries, overlap mean %.3f min %.3f, max score shift %.3g (within %.3g): %s\n",
			vectorLabel(p.Vector), p.Queries, p.MeanOverlap, p.MinOverlap, p.MaxScoreShift, b.ScoreTolerance, verdict)
		for i, f := range p.Failing {
			if i == 5 {
				fmt.Fprintf(w, "    ... %d more (--report FILE lists every one)\n", len(p.Failing)-i)
				break
			}
			fmt.Fprintf(w, "    query %s: overlap %.2f, score shift %.3g, lost %v, gained %v\n", f.QueryID, f.Overlap, f.ScoreShift, f.Lost, f.Gained)
		}
	}
}
