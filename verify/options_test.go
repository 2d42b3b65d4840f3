package verify_test

import (
	"testing"

	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/verify"
)

func TestParseSample(t *testing.T) {
	for in, want := range map[string]verify.SampleSpec{
		"1000": {N: 1000}, "5%": {Percent: 5}, "0.5%": {Percent: 0.5}, "3/7": {Slice: 3, Slices: 7}, "1/1": {Slice: 1, Slices: 1},
	} {
		got, err := verify.ParseSample(in)
		if err != nil || got != want {
			t.Errorf("ParseSample(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("%+v prints as %q; want %q", got, got.String(), in)
		}
	}
	for _, in := range []string{"", "0", "-3", "0%", "101%", "0/3", "4/3", "1/0", "x", "1/x"} {
		if _, err := verify.ParseSample(in); err == nil {
			t.Errorf("ParseSample(%q) accepted", in)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	for in, want := range map[string]verify.Tolerance{
		"1e-4": {Abs: 1e-4, Rel: verify.DefaultTolerance.Rel}, "rel=1e-3": {Abs: verify.DefaultTolerance.Abs, Rel: 1e-3},
		"abs=0.01,rel=0": {Abs: 0.01, Rel: 0},
	} {
		got, err := verify.ParseTolerance(in)
		if err != nil || got != want {
			t.Errorf("ParseTolerance(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "abs=-1", "foo=1", "abs", ""} {
		if _, err := verify.ParseTolerance(in); err == nil {
			t.Errorf("ParseTolerance(%q) accepted", in)
		}
	}
}

// TestSliceOf: slices are stable and about even.
func TestSliceOf(t *testing.T) {
	counts := make([]int, 8)
	for i := 0; i < 80000; i++ {
		s := verify.SliceOf(adaptertest.UUIDFor("slice", i), 8)
		if s < 1 || s > 8 {
			t.Fatalf("slice %d out of 1..8", s)
		}
		counts[s-1]++
	}
	for i, c := range counts {
		if c < 9500 || c > 10500 {
			t.Errorf("slice %d/8 holds %d of 80000 ids; want about 10000", i+1, c)
		}
	}
}
