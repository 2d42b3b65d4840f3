// Package verify compares two collections point by point.
package verify

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

// Tolerance bounds the difference allowed per vector component: a component
// pair (a, b) is equal when |a-b| <= Abs + Rel*max(|a|,|b|).
type Tolerance struct {
	Abs float64 `json:"abs"`
	Rel float64 `json:"rel"`
}

// DefaultTolerance allows float32 rounding and nothing more.
var DefaultTolerance = Tolerance{Abs: 1e-6, Rel: 1e-6}

// Precision widens t for a stored datatype: float16 keeps 11 significant
// bits (rounding error up to 2^-11 relative; 2^-10 is allowed, because a
// normalising target rescales after rounding), uint8 keeps whole numbers.
func (t Tolerance) Precision(datatype string) Tolerance {
	switch strings.ToLower(datatype) {
	case "float16":
		return Tolerance{Abs: math.Max(t.Abs, 1e-6), Rel: math.Max(t.Rel, 1.0/1024)}
	case "uint8":
		return Tolerance{Abs: math.Max(t.Abs, 0.5), Rel: t.Rel}
	}
	return t
}

// DiffKind names what differs about a point.
type DiffKind string

// The kinds of difference, as reported.
const (
	Missing        DiffKind = "missing"         // on the source only
	Extra          DiffKind = "extra"           // on the target only
	VectorMissing  DiffKind = "vector-missing"  // a named vector absent on the target
	VectorExtra    DiffKind = "vector-extra"    // a named vector absent on the source
	VectorDiffers  DiffKind = "vector-differs"  // values beyond tolerance, or shape
	PayloadDiffers DiffKind = "payload-differs" // a field's value differs
	PayloadMissing DiffKind = "payload-missing" // a field absent on the target
	PayloadExtra   DiffKind = "payload-extra"   // a field absent on the source
	PayloadType    DiffKind = "payload-type"    // same number, integer on one side and float on the other
	Untranslatable DiffKind = "untranslatable"  // the source point has no form on the target's engine
)

// Diff is one difference found on one point.
type Diff struct {
	Kind   DiffKind `json:"kind"`
	Field  string   `json:"field,omitempty"` // vector name or payload path
	Detail string   `json:"detail,omitempty"`
}

func (d Diff) String() string {
	s := string(d.Kind)
	if d.Field != "" || d.Kind == VectorDiffers || d.Kind == VectorMissing || d.Kind == VectorExtra {
		s += fmt.Sprintf(" %q", d.Field)
	}
	if d.Detail != "" {
		s += ": " + d.Detail
	}
	return s
}

// Comparer compares points of a source and a target collection.
type Comparer struct {
	Src, Dst *adapters.Collection
	Tol      Tolerance
}

// Compare lists how b (target) differs from a (source); nil when equal.
func (c *Comparer) Compare(a, b *adapters.Point) []Diff {
	var diffs []Diff
	for _, name := range a.VectorNames() {
		va := a.Vectors[name]
		vb, ok := b.Vectors[name]
		if !ok {
			diffs = append(diffs, Diff{Kind: VectorMissing, Field: name, Detail: va.Kind() + " vector absent on the target"})
			continue
		}
		if d := c.compareVector(name, va, vb); d != "" {
			diffs = append(diffs, Diff{Kind: VectorDiffers, Field: name, Detail: d})
		}
	}
	for _, name := range b.VectorNames() {
		if _, ok := a.Vectors[name]; !ok {
			diffs = append(diffs, Diff{Kind: VectorExtra, Field: name, Detail: b.Vectors[name].Kind() + " vector absent on the source"})
		}
	}
	comparePayload("", a.Payload, b.Payload, &diffs)
	return diffs
}

func (c *Comparer) spec(col *adapters.Collection, name string) adapters.VectorSpec {
	if col == nil {
		return adapters.VectorSpec{}
	}
	return col.Vectors[name]
}

// compareVector returns "" when equal, or what differs.
func (c *Comparer) compareVector(name string, a, b adapters.Vector) string {
	sa, sb := c.spec(c.Src, name), c.spec(c.Dst, name)
	tol := c.Tol.Precision(sa.Datatype).Precision(sb.Datatype)
	normalize := sa.Normalized || sb.Normalized
	if a.Kind() != b.Kind() {
		return fmt.Sprintf("%s on the source, %s on the target", a.Kind(), b.Kind())
	}
	switch a.Kind() {
	case "sparse":
		if len(a.Sparse.Indices) != len(b.Sparse.Indices) {
			return fmt.Sprintf("%d non-zero components on the source, %d on the target", len(a.Sparse.Indices), len(b.Sparse.Indices))
		}
		ia, ib := a.Sparse.Sorted(), b.Sparse.Sorted()
		for i := range ia.Indices {
			if ia.Indices[i] != ib.Indices[i] {
				return fmt.Sprintf("index %d on the source, %d on the target (position %d)", ia.Indices[i], ib.Indices[i], i)
			}
		}
		return denseDiff(ia.Values, ib.Values, tol, false, "value ")
	case "multi":
		if len(a.Multi) != len(b.Multi) {
			return fmt.Sprintf("%d sub-vectors on the source, %d on the target", len(a.Multi), len(b.Multi))
		}
		for i := range a.Multi {
			if d := denseDiff(a.Multi[i], b.Multi[i], tol, normalize, ""); d != "" {
				return fmt.Sprintf("sub-vector %d: %s", i, d)
			}
		}
		return ""
	}
	return denseDiff(a.Dense, b.Dense, tol, normalize, "")
}

// denseDiff compares component by component. With normalize, both sides
// are scaled to unit length first (a target that stores unit vectors).
func denseDiff(a, b []float32, tol Tolerance, normalize bool, what string) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d dimensions on the source, %d on the target", len(a), len(b))
	}
	na, nb := 1.0, 1.0
	if normalize {
		na, nb = norm(a), norm(b)
	}
	worst, at := 0.0, -1
	for i := range a {
		x, y := float64(a[i])/na, float64(b[i])/nb
		d := math.Abs(x - y)
		if d > tol.Abs+tol.Rel*math.Max(math.Abs(x), math.Abs(y)) && d > worst {
			worst, at = d, i
		}
	}
	if at < 0 {
		return ""
	}
	s := fmt.Sprintf("max abs diff %.3g at %sdim %d (%g vs %g)", worst, what, at, a[at], b[at])
	if normalize {
		s += " after scaling both to unit length"
	}
	return s
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return 1
	}
	return math.Sqrt(s)
}

// comparePayload walks two payload objects; key order never matters.
func comparePayload(path string, a, b map[string]any, diffs *[]Diff) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		p := k
		if path != "" {
			p = path + "." + k
		}
		va, ina := a[k]
		vb, inb := b[k]
		switch {
		case !inb:
			*diffs = append(*diffs, Diff{Kind: PayloadMissing, Field: p, Detail: "source has " + short(va)})
		case !ina:
			*diffs = append(*diffs, Diff{Kind: PayloadExtra, Field: p, Detail: "target has " + short(vb)})
		default:
			compareValue(p, va, vb, diffs)
		}
	}
}

func compareValue(path string, a, b any, diffs *[]Diff) {
	if ma, ok := a.(map[string]any); ok {
		if mb, ok := b.(map[string]any); ok {
			comparePayload(path, ma, mb, diffs)
			return
		}
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			if ia != ib {
				*diffs = append(*diffs, Diff{Kind: PayloadDiffers, Field: path, Detail: short(a) + " ≠ " + short(b)})
			}
			return
		}
	}
	if fa, ka := number(a); ka != "" {
		if fb, kb := number(b); kb != "" {
			if fa != fb {
				*diffs = append(*diffs, Diff{Kind: PayloadDiffers, Field: path, Detail: short(a) + " ≠ " + short(b)})
			} else if ka != kb {
				*diffs = append(*diffs, Diff{Kind: PayloadType, Field: path, Detail: fmt.Sprintf("%s on the source, %s on the target (same value %s)", ka, kb, short(a))})
			}
			return
		}
	}
	if la, ok := a.([]any); ok {
		if lb, ok := b.([]any); ok && len(la) == len(lb) {
			for i := range la {
				compareValue(fmt.Sprintf("%s[%d]", path, i), la[i], lb[i], diffs)
			}
			return
		}
	}
	if !reflect.DeepEqual(a, b) {
		*diffs = append(*diffs, Diff{Kind: PayloadDiffers, Field: path, Detail: short(a) + " ≠ " + short(b)})
	}
}

// number returns a numeric value and "integer" or "float", or "" when v is
// not a number.
func number(v any) (float64, string) {
	switch x := v.(type) {
	case int64:
		return float64(x), "integer"
	case float64:
		return x, "float"
	}
	return 0, ""
}

func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	switch x := v.(type) {
	case string:
		s = fmt.Sprintf("%q", x)
	case nil:
		s = "null"
	case int64, float64, bool:
		s = fmt.Sprint(x)
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
