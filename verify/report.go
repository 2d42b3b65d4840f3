package verify

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// Status is what verification concluded about one id.
type Status string

// The statuses, with their listing marks.
const (
	StatusEqual   Status = "equal"   // "=": same on both sides
	StatusMissing Status = "missing" // "-": on the source only
	StatusExtra   Status = "extra"   // "+": on the target only
	StatusDiffers Status = "differs" // "*": on both, different
	StatusChanged Status = "changed" // "~": differs or missing, but the source wrote it after the copy
)

// Mark is the listing mark of a status.
func (s Status) Mark() string {
	switch s {
	case StatusEqual:
		return "="
	case StatusMissing:
		return "-"
	case StatusExtra:
		return "+"
	case StatusDiffers:
		return "*"
	case StatusChanged:
		return "~"
	}
	return "!"
}

// Mismatch is one id that is not equal on both sides.
type Mismatch struct {
	ID        adapters.ID `json:"id"`
	Partition string      `json:"partition,omitempty"`
	Status    Status      `json:"status"`
	// Diffs says what differs (for StatusDiffers and StatusChanged points
	// present on both sides).
	Diffs []Diff `json:"diffs,omitempty"`
}

// PartitionReport holds one partition's counts.
type PartitionReport struct {
	Name        string `json:"name"`
	SourceCount uint64 `json:"source_count"`
	TargetCount uint64 `json:"target_count"`
	// OnTarget is false when the partition does not exist on the target.
	OnTarget bool   `json:"on_target"`
	Compared uint64 `json:"points_compared"`
}

// Detection is what a clean sample proves.
type Detection struct {
	Sampled uint64 `json:"points_sampled"`
	Total   uint64 `json:"source_total"`
	// Rates maps a damage fraction to the probability that a sample this
	// size contains at least one damaged point: 1-(1-f)^N.
	Rates []DetectionRate `json:"rates"`
	// Fraction99 is the smallest damage fraction caught with probability
	// 99% or more.
	Fraction99 float64 `json:"fraction_caught_at_99_percent"`
}

// DetectionRate is one line of Detection.
type DetectionRate struct {
	DamageFraction float64 `json:"damage_fraction"`
	Probability    float64 `json:"probability"`
}

// ToleranceReport explains how vectors were compared.
type ToleranceReport struct {
	Abs float64 `json:"abs"`
	Rel float64 `json:"rel"`
	// Vectors explains, per vector name, the rule actually applied.
	Vectors map[string]string `json:"vectors"`
}

// Report is the outcome of a verification. It marshals to the --report JSON.
type Report struct {
	Source   string        `json:"source"`
	Target   string        `json:"target"`
	Mode     string        `json:"mode"`
	Sample   string        `json:"sample,omitempty"`
	Seed     uint64        `json:"seed,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`

	Partitions  []PartitionReport `json:"partitions"`
	SourceCount uint64            `json:"source_count"`
	TargetCount uint64            `json:"target_count"`
	CountsMatch bool              `json:"counts_match"`

	// Compared counts ids looked at on both sides (source points, plus
	// target-only points in full mode).
	Compared   uint64 `json:"points_compared"`
	EqualCount uint64 `json:"points_equal"`
	// ByKind counts points per kind of difference (a point with two kinds
	// counts in both). Changed-after-the-copy points are not in it.
	ByKind map[DiffKind]uint64 `json:"mismatches_by_kind"`
	// Mismatches lists every mismatched id, sorted by partition and id (up
	// to Options.MaxIDs; IDsTruncated says when more were found).
	Mismatches   []Mismatch `json:"mismatches"`
	Mismatched   uint64     `json:"points_mismatched"`
	IDsTruncated bool       `json:"ids_truncated,omitempty"`
	// Changed counts points the source wrote after ChangedSince.
	Changed           uint64     `json:"points_changed_after_copy"`
	ChangedSinceField string     `json:"changed_since_field,omitempty"`
	ChangedSince      *time.Time `json:"changed_since,omitempty"`

	Tolerance ToleranceReport `json:"tolerance"`
	Detection *Detection      `json:"detection,omitempty"`
	// Baseline describes the baseline file a target was verified against
	// (verify --baseline), with its probe queries re-run.
	Baseline *BaselineReport `json:"baseline,omitempty"`
	// Search is the search-equivalence check (--search N).
	Search *SearchReport `json:"search,omitempty"`
	Notes  []string      `json:"notes,omitempty"`
	// Incomplete is set when a full read of the source did not return as
	// many points as its exact count: the comparison then proves nothing.
	Incomplete bool   `json:"incomplete,omitempty"`
	Result     string `json:"result"` // "equal" or "different"

	maxIDs, maxExamples int
	partCompared        map[string]uint64
	partSourceSeen      map[string]uint64
	mu                  sync.Mutex
}

// Equal reports whether the target holds the same data: counts agree (or,
// in full mode with a changed-since field, every point was accounted for)
// and no compared point differs. Points changed after the copy are not
// differences.
func (r *Report) Equal() bool {
	if r.Mismatched > 0 || r.Incomplete || !r.Baseline.Equal() || !r.Search.Equal() {
		return false
	}
	if !r.CountsMatch && !(r.streams() && r.ChangedSinceField != "") {
		return false
	}
	return true
}

// streams reports whether the mode read every point of both sides.
func (r *Report) streams() bool { return r.Mode == ModeFull || r.Mode == ModeDigest }

// record adds one decided id to the report.
func (r *Report) record(m Mismatch) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Compared++
	r.partCompared[m.Partition]++
	if m.Status != StatusExtra {
		r.partSourceSeen[m.Partition]++
	}
	switch m.Status {
	case StatusEqual:
		r.EqualCount++
		return
	case StatusChanged:
		r.Changed++
	case StatusMissing:
		r.Mismatched++
		r.ByKind[Missing]++
	case StatusExtra:
		r.Mismatched++
		r.ByKind[Extra]++
	case StatusDiffers:
		r.Mismatched++
		seen := map[DiffKind]bool{}
		for _, d := range m.Diffs {
			if !seen[d.Kind] {
				seen[d.Kind] = true
				r.ByKind[d.Kind]++
			}
		}
	}
	if len(r.Mismatches) >= r.maxIDs {
		r.IDsTruncated = true
		return
	}
	r.Mismatches = append(r.Mismatches, m)
}

func (r *Report) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Report) finish(start time.Time) {
	sort.SliceStable(r.Mismatches, func(i, j int) bool {
		a, b := r.Mismatches[i], r.Mismatches[j]
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.ID.Less(b.ID)
	})
	for i := range r.Partitions {
		r.Partitions[i].Compared = r.partCompared[r.Partitions[i].Name]
	}
	r.Duration = time.Since(start)
	r.Result = "equal"
	if !r.Equal() {
		r.Result = "different"
	}
}

// detection computes 1-(1-f)^n for a few damage fractions.
func detection(n, total uint64) *Detection {
	d := &Detection{Sampled: n, Total: total}
	for _, f := range []float64{0.1, 0.01, 0.001, 0.0001} {
		d.Rates = append(d.Rates, DetectionRate{DamageFraction: f, Probability: caught(f, n)})
	}
	if n > 0 {
		d.Fraction99 = -math.Expm1(math.Log(0.01) / float64(n))
	}
	return d
}

// caught is 1-(1-f)^n, computed without losing digits for small f.
func caught(f float64, n uint64) float64 {
	if f >= 1 {
		return 1
	}
	return -math.Expm1(float64(n) * math.Log1p(-f))
}

// pct prints a probability as a percentage with enough digits to show how
// close to certain it is, never rounding up to 100%.
func pct(p float64) string {
	d := 1
	if q := 1 - p; q < 0.01 && q > 0 {
		d = int(math.Ceil(-math.Log10(q))) - 2
	}
	for ; d <= 12; d++ {
		if s := fmt.Sprintf("%.*f", d, p*100); !strings.HasPrefix(s, "100") {
			return s + "%"
		}
	}
	return "more than 99.999999999999%"
}

func fraction(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", f*100), "0"), ".") + "%"
}

// WriteText prints the human summary.
func (r *Report) WriteText(w io.Writer) {
	verdict := "EQUAL"
	if !r.Equal() {
		verdict = "DIFFERENT"
	}
	what := r.Mode
	if r.Mode == ModeSample {
		what += " " + r.Sample
	}
	fmt.Fprintf(w, "verified %s -> %s (%s) in %s: %s\n", r.Source, r.Target, what, r.Duration.Round(time.Millisecond), verdict)
	mark := "equal"
	if !r.CountsMatch {
		mark = "DIFFERENT"
	}
	for _, p := range r.Partitions {
		if p.Name == "" {
			continue
		}
		pm := "ok"
		switch {
		case !p.OnTarget:
			pm = "MISSING ON TARGET"
		case p.SourceCount != p.TargetCount:
			pm = "DIFFERENT"
		}
		fmt.Fprintf(w, "  partition %-20s source %10d  target %10d  %s\n", p.Name, p.SourceCount, p.TargetCount, pm)
	}
	fmt.Fprintf(w, "  count: source %d, target %d: %s\n", r.SourceCount, r.TargetCount, mark)
	if r.Mode != ModeCount {
		fmt.Fprintf(w, "  points compared %d: %d equal, %d different", r.Compared, r.EqualCount, r.Mismatched)
		if r.ChangedSinceField != "" {
			fmt.Fprintf(w, ", %d changed after the copy (%s after %s)", r.Changed, r.ChangedSinceField, r.ChangedSince.Format(time.RFC3339))
		}
		fmt.Fprintln(w)
		if r.Mode == ModeSample && r.Seed != 0 {
			fmt.Fprintf(w, "  seed %d (repeat this sample with --seed %d)\n", r.Seed, r.Seed)
		}
	}
	if len(r.ByKind) > 0 {
		kinds := make([]string, 0, len(r.ByKind))
		for k := range r.ByKind {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		fmt.Fprintf(w, "  mismatches by kind:")
		for _, k := range kinds {
			fmt.Fprintf(w, " %s %d;", k, r.ByKind[DiffKind(k)])
		}
		fmt.Fprintln(w)
	}
	shown := 0
	for _, m := range r.Mismatches {
		if m.Status == StatusChanged {
			continue
		}
		if shown == r.maxExamples {
			fmt.Fprintf(w, "  ... %d more (--report FILE or --list FILE names every one)\n", r.Mismatched-uint64(shown))
			break
		}
		shown++
		where := ""
		if m.Partition != "" {
			where = " (partition " + m.Partition + ")"
		}
		switch m.Status {
		case StatusMissing:
			fmt.Fprintf(w, "  - %s%s: missing on the target\n", m.ID, where)
		case StatusExtra:
			fmt.Fprintf(w, "  + %s%s: only on the target\n", m.ID, where)
		default:
			parts := make([]string, len(m.Diffs))
			for i, d := range m.Diffs {
				parts[i] = d.Human()
			}
			fmt.Fprintf(w, "  * %s%s: %s\n", m.ID, where, strings.Join(parts, "; "))
		}
	}
	if r.Mode != ModeCount && len(r.Tolerance.Vectors) > 0 {
		fmt.Fprintf(w, "  vectors compared per component within:\n")
		names := make([]string, 0, len(r.Tolerance.Vectors))
		for n := range r.Tolerance.Vectors {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "    %s: %s\n", vectorLabel(n), r.Tolerance.Vectors[n])
		}
	}
	if d := r.Detection; d != nil && d.Sampled > 0 {
		clean := "a clean sample"
		if r.Mismatched > 0 {
			clean = "a sample"
		}
		fmt.Fprintf(w, "  %s of %d points means: if 1%% of points were damaged, this check would have caught it with probability %s; if 0.1%%, with probability %s; damage of %s of the points or more is caught with probability 99%%\n",
			clean, d.Sampled, pct(caught(0.01, d.Sampled)), pct(caught(0.001, d.Sampled)), fraction(d.Fraction99))
	}
	r.Search.writeText(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

func vectorLabel(name string) string {
	if name == adapters.DefaultVector {
		return "default vector"
	}
	return "vector `" + name + "`"
}

// Human phrases a difference for the summary, e.g.
// vector `text` max abs diff 0.01 at dim 0; payload `title` "doc 5" ≠ "tampered".
func (d Diff) Human() string {
	switch d.Kind {
	case VectorDiffers, VectorMissing, VectorExtra:
		s := vectorLabel(d.Field)
		if d.Detail != "" {
			s += " " + d.Detail
		}
		return s
	case PayloadDiffers, PayloadMissing, PayloadExtra, PayloadType:
		s := "payload `" + d.Field + "`"
		switch d.Kind {
		case PayloadMissing:
			s += " absent on the target (" + d.Detail + ")"
		case PayloadExtra:
			s += " only on the target (" + d.Detail + ")"
		default:
			s += " " + d.Detail
		}
		return s
	}
	return d.String()
}

// WriteListing writes one line per mismatched id, sorted: "- id" only on
// the source, "+ id" only on the target, "* id" differs, "~ id" changed on
// the source after the copy; a partition name follows a tab. Equal ids
// ("= id") go only to Options.Listing, which streams every id.
func (r *Report) WriteListing(w io.Writer) error {
	for _, m := range r.Mismatches {
		if err := writeLine(w, m.Status, m.Partition, m.ID); err != nil {
			return err
		}
	}
	return nil
}

func writeLine(w io.Writer, s Status, part string, id adapters.ID) error {
	var err error
	if part != "" {
		_, err = fmt.Fprintf(w, "%s %s\t%s\n", s.Mark(), id, part)
	} else {
		_, err = fmt.Fprintf(w, "%s %s\n", s.Mark(), id)
	}
	return err
}
