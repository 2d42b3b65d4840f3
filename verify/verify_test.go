package verify_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/verify"
)

// run verifies and fails the test when verification could not be done.
func run(t *testing.T, src, dst adapters.Source, opts verify.Options) *verify.Report {
	t.Helper()
	r, err := verify.Run(adaptertest.Ctx(t), src, dst, opts)
	if err != nil {
		t.Fatalf("verify %s: %v", opts.Mode, err)
	}
	return r
}

// want is the expected outcome for one id: its status and, for points on
// both sides, the kinds of difference (by vector or payload field).
type want struct {
	status verify.Status
	diffs  []string // "kind field", sorted
}

func got(m verify.Mismatch) want {
	w := want{status: m.Status}
	for _, d := range m.Diffs {
		w.diffs = append(w.diffs, string(d.Kind)+" "+d.Field)
	}
	sort.Strings(w.diffs)
	return w
}

// assertExactly checks the report names exactly these ids with exactly
// these statuses and kinds: every injected difference found, nothing else.
func assertExactly(t *testing.T, r *verify.Report, exp map[adapters.ID]want) {
	t.Helper()
	seen := map[adapters.ID]bool{}
	for _, m := range r.Mismatches {
		seen[m.ID] = true
		w, ok := exp[m.ID]
		g := got(m)
		if !ok {
			t.Errorf("point %s reported %s %v, but it was not damaged", m.ID, g.status, m.Diffs)
			continue
		}
		sort.Strings(w.diffs)
		if g.status != w.status || strings.Join(g.diffs, ",") != strings.Join(w.diffs, ",") {
			t.Errorf("point %s: reported %s %v; want %s %v", m.ID, g.status, g.diffs, w.status, w.diffs)
		}
	}
	for id, w := range exp {
		if !seen[id] {
			t.Errorf("point %s: damage %s %v not reported", id, w.status, w.diffs)
		}
	}
	if t.Failed() {
		var b bytes.Buffer
		r.WriteText(&b)
		t.Logf("summary:\n%s", b.String())
	}
}

// assertSameReport checks two reports found the same: counts, kinds and
// every mismatch with its differences.
func assertSameReport(t *testing.T, a, b *verify.Report) {
	t.Helper()
	if a.Compared != b.Compared || a.EqualCount != b.EqualCount || a.Mismatched != b.Mismatched || a.CountsMatch != b.CountsMatch {
		t.Errorf("%s: compared %d, equal %d, mismatched %d; %s: %d, %d, %d", a.Mode, a.Compared, a.EqualCount, a.Mismatched, b.Mode, b.Compared, b.EqualCount, b.Mismatched)
	}
	if fmt.Sprint(a.ByKind) != fmt.Sprint(b.ByKind) {
		t.Errorf("%s by kind %v, %s %v", a.Mode, a.ByKind, b.Mode, b.ByKind)
	}
	if fmt.Sprint(a.Mismatches) != fmt.Sprint(b.Mismatches) {
		t.Errorf("%s mismatches\n%v\n%s mismatches\n%v", a.Mode, a.Mismatches, b.Mode, b.Mismatches)
	}
}

// sortedLines is s's lines in sorted order (ranges are listed as they
// finish, in any order).
func sortedLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func assertEqual(t *testing.T, r *verify.Report) {
	t.Helper()
	if !r.Equal() || r.Mismatched != 0 || r.Result != "equal" {
		var b bytes.Buffer
		r.WriteText(&b)
		t.Fatalf("a clean copy was reported different:\n%s", b.String())
	}
}

func summary(r *verify.Report) string {
	var b bytes.Buffer
	r.WriteText(&b)
	return b.String()
}

func open(t testing.TB, reg *adapters.Registry, cfg adapters.Config, url string) adapters.Source {
	return adaptertest.OpenSource(t, reg, url, cfg)
}

func ids(ps []adapters.Point, idx ...int) []adapters.ID {
	out := make([]adapters.ID, len(idx))
	for i, k := range idx {
		out[i] = ps[k].ID
	}
	return out
}

var _ = fmt.Sprint
