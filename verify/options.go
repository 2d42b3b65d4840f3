package verify

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters/mapping"
)

// The verification modes.
const (
	ModeCount  = "count"  // exact counts per partition on both sides
	ModeSample = "sample" // counts, and a sample of source points looked up on the target
	ModeFull   = "full"   // counts, and every point of both sides compared
	// ModeDigest reads every point of both sides as full does, but
	// compares their fingerprints (verify/fingerprint) and looks at the
	// fields only of points whose fingerprints differ: the same report as
	// full, with less work per equal point.
	ModeDigest = "digest"
)

// SampleSpec is what --sample asks for: exactly one of the forms is set.
type SampleSpec struct {
	N       int     `json:"n,omitempty"`       // N uniformly random points
	Percent float64 `json:"percent,omitempty"` // P% of the source's points, drawn like N
	Slice   int     `json:"slice,omitempty"`   // i of i/n: the ids whose hash falls in slice i
	Slices  int     `json:"slices,omitempty"`  // n of i/n
}

// DefaultSample is the sample a careful user accepts after a migration.
var DefaultSample = SampleSpec{N: 1000}

// ParseSample reads "1000", "5%" or "3/7".
func ParseSample(s string) (SampleSpec, error) {
	s = strings.TrimSpace(s)
	bad := func() (SampleSpec, error) {
		return SampleSpec{}, fmt.Errorf("--sample %q: use a number of points (1000), a percentage (5%%) or a slice i/n (3/7, 1 <= i <= n)", s)
	}
	switch {
	case strings.HasSuffix(s, "%"):
		p, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil || !(p > 0 && p <= 100) {
			return bad()
		}
		return SampleSpec{Percent: p}, nil
	case strings.Contains(s, "/"):
		a, b, _ := strings.Cut(s, "/")
		i, err1 := strconv.Atoi(strings.TrimSpace(a))
		n, err2 := strconv.Atoi(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
			return bad()
		}
		return SampleSpec{Slice: i, Slices: n}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return bad()
	}
	return SampleSpec{N: n}, nil
}

func (s SampleSpec) String() string {
	switch {
	case s.Slices > 0:
		return fmt.Sprintf("%d/%d", s.Slice, s.Slices)
	case s.Percent > 0:
		return strconv.FormatFloat(s.Percent, 'g', -1, 64) + "%"
	case s.N > 0:
		return strconv.Itoa(s.N)
	}
	return ""
}

// Options tune a verification. The zero value (with a Mode) is usable.
type Options struct {
	Mode   string     // count, sample or full; default sample
	Sample SampleSpec // for sample mode; default DefaultSample
	// Tolerance per vector component; zero means DefaultTolerance. The
	// target's datatype and normalisation widen it automatically.
	Tolerance Tolerance
	// Seed makes a random sample repeatable; 0 picks one (it is in the report).
	Seed uint64
	// Workers is how many id ranges (full) or lookups (sample) run at once;
	// each full-mode worker reads both sides concurrently. Default 4.
	Workers  int
	PageSize int // points per read; default 256
	// ChangedSinceField names a payload field holding the time a point was
	// last written (RFC 3339 string or Unix seconds). A point whose source
	// value is after ChangedSince is reported as changed after the copy,
	// not as damage.
	ChangedSinceField string
	ChangedSince      time.Time // default: the time Run starts
	// MaxExamples is how many differing points the text summary shows
	// (default 10). MaxIDs caps the mismatched ids kept in the Report
	// (default 1,000,000; Listing always gets every one).
	MaxExamples int
	MaxIDs      int
	// Listing, when set, receives one line per compared or missing id as
	// it is decided ("= id", "- id", "+ id", "* id", "~ id"), grouped by id
	// range in full mode.
	Listing io.Writer
	// Mapping turns source points into what the target should hold; nil
	// picks mapping.For(source, target), from the two definitions.
	Mapping mapping.Mapping
	// Logf receives notices; nil discards them.
	Logf func(format string, args ...any)
	// Search is how many k-NN queries per dense vector the search check
	// runs on both sides (verify/search.go); 0 leaves it out.
	Search int
	// MinRecall is the target's recall@10 below which the search check
	// warns of an index-settings mismatch; default 0.9.
	MinRecall float64
	// Share limits the verification to one run's part of a partitioned
	// copy (--partition i/N, share.go); the zero value verifies everything.
	Share Share
}

func (o *Options) defaults() error {
	if o.Mode == "" {
		o.Mode = ModeSample
	}
	switch o.Mode {
	case ModeCount, ModeSample, ModeFull, ModeDigest:
	default:
		return fmt.Errorf("verify mode %q: use count, sample, full or digest", o.Mode)
	}
	if o.Sample == (SampleSpec{}) {
		o.Sample = DefaultSample
	}
	if o.Tolerance == (Tolerance{}) {
		o.Tolerance = DefaultTolerance
	}
	if o.Tolerance.Abs < 0 || o.Tolerance.Rel < 0 {
		return fmt.Errorf("tolerance abs=%g rel=%g: neither may be negative", o.Tolerance.Abs, o.Tolerance.Rel)
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PageSize <= 0 {
		o.PageSize = 256
	}
	if o.MaxExamples <= 0 {
		o.MaxExamples = 10
	}
	if o.MaxIDs <= 0 {
		o.MaxIDs = 1_000_000
	}
	if o.Search < 0 || o.MinRecall < 0 || o.MinRecall > 1 {
		return fmt.Errorf("search check: %d queries with --min-recall %g: use 0 or more queries and a recall between 0 and 1", o.Search, o.MinRecall)
	}
	if !o.Share.Whole() && (o.Share.Index < 0 || o.Share.Index >= o.Share.Of) {
		return fmt.Errorf("--partition %d/%d: the index must be from 0 to %d", o.Share.Index, o.Share.Of, o.Share.Of-1)
	}
	if o.MinRecall == 0 {
		o.MinRecall = 0.9
	}
	return nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// ParseTolerance reads --tolerance: "1e-4" (absolute), "abs=1e-4",
// "rel=1e-3" or "abs=1e-4,rel=1e-3". Parts not given stay at the default.
func ParseTolerance(s string) (Tolerance, error) {
	t := DefaultTolerance
	bad := fmt.Errorf("--tolerance %q: use a number (absolute error per component), abs=X, rel=X or abs=X,rel=Y", s)
	if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
		if v < 0 {
			return t, bad
		}
		t.Abs = v
		return t, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || f < 0 {
			return t, bad
		}
		switch strings.TrimSpace(k) {
		case "abs":
			t.Abs = f
		case "rel":
			t.Rel = f
		default:
			return t, bad
		}
	}
	return t, nil
}
