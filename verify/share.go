package verify

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
)

// Share is the part of a collection that one of Of cooperating runs
// handles (--partition Index/Of, Index from 0, as Kubernetes'
// JOB_COMPLETION_INDEX). The zero value is the whole collection.
//
// Every run computes every share's bounds the same way from what the
// source holds, never from its own position in time, so N runs on N
// machines agree without talking to each other, as long as the source
// does not change: a collection with at least Of partitions is dealt out
// in whole partitions (Assign); otherwise each partition's id space is
// cut into Of ranges (Ranges).
type Share struct {
	Index int `json:"index"`
	Of    int `json:"of"`
}

// ParseShare reads "i/N" with 0 <= i < N.
func ParseShare(s string) (Share, error) {
	bad := fmt.Errorf("--partition %q: use i/N, this run's index i from 0 to N-1 and the number of runs N (for example 0/4 ... 3/4; in a Kubernetes Indexed Job, $(JOB_COMPLETION_INDEX)/N)", s)
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Share{}, bad
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Share{}, bad
	}
	return Share{Index: i, Of: n}, nil
}

// Whole reports whether the share is the whole collection.
func (s Share) Whole() bool { return s.Of <= 1 }

func (s Share) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Of)
}

// ByPartitions reports whether a collection of n partitions is dealt out
// in whole partitions (else each partition is split by id ranges).
func (s Share) ByPartitions(n int) bool { return n >= s.Of }

// Assign gives each partition to one of n shares: the names sorted and
// dealt in turn. Each run computes it on its own from the names alone, not
// from counts, so points written between two runs' plans change nothing;
// a partition added or removed meanwhile would (the source must not change
// during a partitioned copy, and the final whole verify would show it).
func Assign(names []string, n int) map[string]int {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	owner := make(map[string]int, len(sorted))
	for i, name := range sorted {
		owner[name] = i % n
	}
	return owner
}

// Owned returns the sorted names Assign gives to this share.
func (s Share) Owned(names []string) []string {
	var out []string
	for name, i := range Assign(names, s.Of) {
		if i == s.Index {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Ranges is the share's part of a partition whose bounds are b, cut into
// about k ranges (k >= 1); nil when the partition is too small to give
// this share anything. The share's own ends come from b.Split(Of) alone,
// so every run agrees on them whatever its k; k only cuts inside them.
func (s Share) Ranges(b idspace.Bounds, k int) []idspace.Range {
	all := b.Split(s.Of)
	lo, hi := s.Index*len(all)/s.Of, (s.Index+1)*len(all)/s.Of
	if lo == hi {
		return nil
	}
	own := idspace.Range{After: all[lo].After, Upto: all[hi-1].Upto}
	if k <= 1 {
		return []idspace.Range{own}
	}
	var out []idspace.Range
	after := own.After
	for _, r := range b.Split(s.Of * k) {
		if c := r.Upto; c != nil && (after == nil || after.Less(*c)) && (own.Upto == nil || c.Less(*own.Upto)) {
			out = append(out, idspace.Range{After: after, Upto: c})
			after = c
		}
	}
	return append(out, idspace.Range{After: after, Upto: own.Upto})
}

// countPage is how many ids a range count reads at a time.
const countPage = 512

// CountRange counts the points of a partition in r exactly, by reading
// their ids (and payloads, which no Source can leave out; never vectors).
// The partition must be readable (adapters.WithPartition).
func CountRange(ctx context.Context, src adapters.Source, part string, r idspace.Range) (uint64, error) {
	var n uint64
	after := r.After
	for {
		page, err := src.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: countPage, PayloadOnly: true})
		if err != nil {
			return n, fmt.Errorf("count partition %q of %s in ids (%v, %v]: %w", part, src.Endpoint(), after, r.Upto, err)
		}
		for i := range page.Points {
			if !r.NotPast(page.Points[i].ID) {
				return n, nil
			}
			n++
		}
		if page.Done {
			return n, nil
		}
		if len(page.Points) == 0 {
			return n, fmt.Errorf("count partition %q of %s: an empty page that is not the last (an adapter bug; please report it)", part, src.Endpoint())
		}
		last := page.Points[len(page.Points)-1].ID
		after = &last
	}
}

// CountRanges is CountRange summed over rs.
func CountRanges(ctx context.Context, src adapters.Source, part string, rs []idspace.Range) (uint64, error) {
	var total uint64
	for _, r := range rs {
		n, err := CountRange(ctx, src, part, r)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// InactiveErr refuses a share split by id ranges over an inactive tenant:
// every run reads every tenant then, and their activations would race.
func InactiveErr(src adapters.Source, def *adapters.Collection, s Share) error {
	for _, p := range def.Partitions {
		switch strings.ToUpper(p.Status) {
		case "", "HOT", "ACTIVE":
		default:
			return adapters.Errorf(adapters.KindInvalid, "%s: tenant %q is %s; with --partition %s and fewer tenants (%d) than runs (%d), every run reads every tenant and their activations would race: set the tenants HOT on the source first (and back after the copy), or use at most %d runs", src.Endpoint(), p.Name, p.Status, s, len(def.Partitions), s.Of, len(def.Partitions))
		}
	}
	return nil
}

// OnlyPartitions is def with only the partitions named in keep.
func OnlyPartitions(def *adapters.Collection, keep []string) *adapters.Collection {
	if !def.Partitioned {
		return def
	}
	set := make(map[string]bool, len(keep))
	for _, k := range keep {
		set[k] = true
	}
	out := def.Clone()
	out.Partitions = nil
	for _, p := range def.Partitions {
		if set[p.Name] {
			out.Partitions = append(out.Partitions, p)
		}
	}
	return out
}
