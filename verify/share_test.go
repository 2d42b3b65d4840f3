package verify

import (
	"fmt"
	"slices"
	"testing"
)

func TestParseShare(t *testing.T) {
	for in, want := range map[string]Share{"0/4": {0, 4}, "3/4": {3, 4}, " 1 / 2 ": {1, 2}, "0/1": {0, 1}} {
		got, err := ParseShare(in)
		if err != nil || got != want {
			t.Errorf("ParseShare(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"4/4", "0/0", "x/2", "1", "-1/2", "1/-2", "2/1", ""} {
		if s, err := ParseShare(in); err == nil {
			t.Errorf("ParseShare(%q) = %v, want an error", in, s)
		}
	}
}

// Assign gives every partition to exactly one share, whatever order the
// names come in, and deals them evenly.
func TestAssign(t *testing.T) {
	names := []string{"f", "a", "e", "b", "d", "c", "g"}
	got := Assign(names, 3)
	reversed := append([]string(nil), names...)
	slices.Reverse(reversed)
	again := Assign(reversed, 3)
	held := make([]int, 3)
	for _, n := range names {
		if got[n] != again[n] {
			t.Errorf("partition %q: share %d, then %d for the same names in another order", n, got[n], again[n])
		}
		held[got[n]]++
	}
	if fmt.Sprint(held) != "[3 2 2]" || got["a"] != 0 || got["b"] != 1 || got["d"] != 0 {
		t.Errorf("sorted names are dealt in turn: %v (held %v)", got, held)
	}
}
