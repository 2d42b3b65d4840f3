package verify

import (
	"context"
	"strings"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
)

// applyShare narrows a verification to Options.Share: the definitions to
// the share's partitions, or, for a share of id ranges, v.shareRanges to
// each partition's ranges (source ids).
func (v *verifier) applyShare(ctx context.Context, sdef, ddef *adapters.Collection) (*adapters.Collection, *adapters.Collection, error) {
	s := v.opts.Share
	if s.Whole() {
		return sdef, ddef, nil
	}
	names := sdef.PartitionNames()
	if s.ByPartitions(len(names)) {
		owned := s.Owned(names)
		v.report.note("--partition %s: this verification covers %d of the %d partitions (%s); run it without --partition once every run is done to verify the whole collection", s, len(owned), len(names), strings.Join(owned, ", "))
		return OnlyPartitions(sdef, owned), OnlyPartitions(ddef, owned), nil
	}
	if err := InactiveErr(v.src, sdef, s); err != nil {
		return nil, nil, err
	}
	if !v.mapping.OrderPreserving() {
		return nil, nil, adapters.Errorf(adapters.KindIncompatible, "%s -> %s: the id mapping between these engines does not keep id order, so a share of id ranges cannot be found on the target; verify without --partition", v.src.Endpoint(), v.dst.Endpoint())
	}
	v.shareRanges = map[string][]idspace.Range{}
	for _, p := range names {
		b, err := idspace.Find(ctx, v.src, p)
		if err != nil {
			return nil, nil, err
		}
		v.shareRanges[p] = s.Ranges(b, v.opts.Workers)
	}
	v.report.note("--partition %s: this verification covers share %d of %d of each partition's id range; run it without --partition once every run is done to verify the whole collection", s, s.Index, s.Of)
	return sdef, ddef, nil
}

// rangeCounts counts the share's ranges of every source partition on both
// sides, by reading their ids.
func (v *verifier) rangeCounts(ctx context.Context, sdef, ddef *adapters.Collection) ([]partition, error) {
	onDst := map[string]bool{}
	for _, p := range ddef.PartitionNames() {
		onDst[p] = true
	}
	r := v.report
	r.CountsMatch = true
	var parts []partition
	for _, name := range sdef.PartitionNames() {
		rs := v.shareRanges[name]
		if len(rs) == 0 {
			continue
		}
		p := partition{name: name, onSource: true, onTarget: onDst[name]}
		err := both(ctx, func(ctx context.Context) (err error) {
			p.srcN, err = CountRanges(ctx, v.src, name, rs)
			return err
		}, func(ctx context.Context) (err error) {
			if p.onTarget {
				p.dstN, err = CountRanges(ctx, v.dst, name, v.targetRanges(rs))
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		r.addCounts(&p)
		parts = append(parts, p)
	}
	return parts, nil
}

func (v *verifier) targetRanges(rs []idspace.Range) []idspace.Range {
	out := make([]idspace.Range, len(rs))
	for i, r := range rs {
		out[i] = v.targetRange(r)
	}
	return out
}

// fullShare is full over the share's ranges only.
func (v *verifier) fullShare(ctx context.Context, parts []partition) error {
	for _, p := range parts {
		rs := v.shareRanges[p.name]
		err := v.parallel(ctx, len(rs), func(ctx context.Context, i int) error {
			return v.mergeRange(ctx, p, rs[i])
		})
		if err != nil {
			return err
		}
		r := v.report
		if seen := r.partSourceSeen[p.name]; seen != p.srcN && r.ChangedSinceField == "" {
			r.Incomplete = true
			r.note("partition %q: reading the share's ranges of the source returned %d points, but it counted %d just before; the source changed during verification, so the result is not a proof: run again on a quiet source", p.name, seen, p.srcN)
		}
	}
	return nil
}
