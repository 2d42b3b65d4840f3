package mapping

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// The quick test before time.Parse never rules out a date it parses.
func TestMaybeDate(t *testing.T) {
	for _, s := range []string{"2006-01-02T15:04:05Z", "2024-02-29T23:59:59.123456789+05:30", "0001-01-01T00:00:00Z", "9999-12-31t23:59:59z"} {
		_, err := time.Parse(time.RFC3339Nano, s)
		if err == nil && !maybeDate(s) {
			t.Errorf("maybeDate(%q) = false, but it parses", s)
		}
	}
	for _, s := range []string{"", "2006", "2006-01-02", "06-01-02T15:04:05Z0000", "a title of some length"} {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t.Errorf("%q parses as a date; the test's premise is wrong", s)
		}
		if maybeDate(s) && len(s) < 20 {
			t.Errorf("maybeDate(%q) = true", s)
		}
	}
}

// A payload whose keys keep their names and whose values are scalars is
// carried as it is; a renamed key or a nested value is copied.
func TestKeptAsIs(t *testing.T) {
	props := map[string]*wqProp{"a": {key: "a"}, "renamed": {key: "orig"}}
	for _, tc := range []struct {
		in   map[string]any
		want bool
	}{
		{map[string]any{"a": "x", "b": int64(1), "c": 0.5, "d": true, "e": nil}, true},
		{map[string]any{"renamed": "x"}, false},
		{map[string]any{"a": []any{"x"}}, false},
		{map[string]any{"a": map[string]any{"latitude": 1.0, "longitude": 2.0}}, false},
		{map[string]any{"a": 3}, false}, // an int is normalised to int64
	} {
		if got := keptAsIs(tc.in, props); got != tc.want {
			t.Errorf("keptAsIs(%v) = %v, want %v", tc.in, got, tc.want)
		}
		out, err := wqPayload(tc.in, props, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, renamed := tc.in["renamed"]; renamed {
			if _, ok := out["orig"]; !ok || len(out) != len(tc.in) {
				t.Errorf("wqPayload(%v) = %v; want the key renamed to orig", tc.in, out)
			}
		} else if !reflect.DeepEqual(fmt.Sprint(out), fmt.Sprint(normalised(tc.in))) {
			t.Errorf("wqPayload(%v) = %v", tc.in, out)
		}
	}
}

func normalised(in map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range in {
		if n, ok := v.(int); ok {
			v = int64(n)
		}
		out[k] = v
	}
	return out
}
