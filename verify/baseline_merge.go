package verify

import (
	"bytes"
	"context"
	"sort"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
	"github.com/vecmig/vecmig/verify/baselinefile"
	"github.com/vecmig/vecmig/verify/fingerprint"
	"github.com/vecmig/vecmig/verify/knn"
)

// counts compares the baseline's fingerprint counts per partition with
// exact counts of the target.
func (b *baseline) counts(ctx context.Context, ddef *adapters.Collection) ([]partition, error) {
	onDst := map[string]bool{}
	for _, p := range ddef.PartitionNames() {
		onDst[p] = true
	}
	var parts []partition
	for _, p := range b.sum.Partitions {
		parts = append(parts, partition{name: p, onSource: true, onTarget: onDst[p], srcN: b.sum.Points[p]})
		delete(onDst, p)
	}
	for p := range onDst {
		parts = append(parts, partition{name: p, onTarget: true})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].name < parts[j].name })
	r := b.report
	r.CountsMatch = true
	for i := range parts {
		p := &parts[i]
		if p.onTarget {
			var err error
			if p.dstN, err = b.withPartition(ctx, b.dst, p.name, func() (uint64, error) { return b.dst.Count(ctx, p.name) }); err != nil {
				return nil, err
			}
		}
		r.addCounts(p)
	}
	return parts, nil
}

// full streams the baseline's fingerprints and the target's points, both
// in id order, and merges them; the probes run on the target meanwhile.
func (b *baseline) full(ctx context.Context, parts []partition) error {
	if !b.mapping.OrderPreserving() {
		return adapters.Errorf(adapters.KindIncompatible, "baseline %s -> %s: the id mapping between these engines does not keep id order, so full mode cannot merge the baseline with the target; use --mode sample", b.file, b.dst.Endpoint())
	}
	f, err := b.open()
	if err != nil {
		return adapters.WithKind(adapters.KindInvalid, err)
	}
	defer f.Close()
	rd, err := baselinefile.NewReader(f)
	if err != nil {
		return adapters.WithKind(adapters.KindInvalid, err)
	}
	for _, p := range parts {
		if p.onSource {
			if name, ok, err := rd.NextPartition(); err != nil || !ok || name != p.name {
				return adapters.Errorf(adapters.KindInvalid, "baseline %s changed while being read (partition %q expected, got %q, %v): keep the file still during verification", b.file, p.name, name, err)
			}
		}
		err := adapters.WithPartition(ctx, b.dst, p.name, b.opts.logf, func() error { return b.mergePartition(ctx, rd, p) })
		if err != nil {
			return err
		}
	}
	return nil
}

// mergePartition compares one partition; rd is at its fingerprints.
func (b *baseline) mergePartition(ctx context.Context, rd *baselinefile.Reader, p partition) error {
	tops, idx, err := b.targetTops(p.name)
	if err != nil {
		return err
	}
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	dc := &cursor{st: b.readRange(ctx, fc, b.dst, p.onTarget, p.name, idspace.Range{})}
	var buf bytes.Buffer
	rec, more, err := rd.Next()
	for n := 1; ; n++ {
		if err != nil {
			fc.Fail(adapters.WithKind(adapters.KindInvalid, err))
			return stopStreams(fc, dc.st)
		}
		d, derr := dc.peek()
		if derr != nil {
			return stopStreams(fc, dc.st)
		}
		if !more && d == nil {
			break
		}
		var tid adapters.ID
		if more {
			tid = b.mapping.TargetID(rec.ID)
		}
		switch {
		case d == nil || (more && tid.Less(d.ID)):
			b.decideRecord(p.name, &rec, nil, &buf)
			rec, more, err = rd.Next()
		case !more || d.ID.Less(tid):
			b.decideRecord(p.name, nil, d, &buf)
			if aerr := tops.add(d); aerr != nil {
				fc.Fail(aerr)
				return stopStreams(fc, dc.st)
			}
			dc.i++
		default:
			b.decideRecord(p.name, &rec, d, &buf)
			if aerr := tops.add(d); aerr != nil {
				fc.Fail(aerr)
				return stopStreams(fc, dc.st)
			}
			dc.i++
			rec, more, err = rd.Next()
		}
		if n%1024 == 0 {
			if ferr := b.flushListing(&buf); ferr != nil {
				return ferr
			}
		}
	}
	for _, name := range sortedKeys(idx) {
		for j, hits := range tops.byName[name].Results() {
			b.got[idx[name][j]] = hits
		}
	}
	return b.flushListing(&buf)
}

// targetTops prepares the partition's probes on the target, keyed by the
// target's vector names; idx maps each query back to its probe.
func (b *baseline) targetTops(part string) (*tops, map[string][]int, error) {
	t := &tops{byName: map[string]*knn.TopK{}}
	qs, idx := map[string][][]float32{}, map[string][]int{}
	metric := map[string]adapters.Distance{}
	for i, pr := range b.sum.Probes {
		if pr.Partition != part {
			continue
		}
		name := b.names[pr.Vector]
		qs[name] = append(qs[name], pr.Query)
		idx[name] = append(idx[name], i)
		metric[name] = pr.Metric
	}
	for name, q := range qs {
		tk, err := knn.NewTopK(metric[name], q, b.sum.Header.K)
		if err != nil {
			return nil, nil, err
		}
		t.byName[name] = tk
	}
	return t, idx, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// decideRecord compares one id's baseline fingerprint and target point
// (either may be nil), records the outcome and its listing line.
func (b *baseline) decideRecord(part string, rec *baselinefile.Record, d *adapters.Point, buf *bytes.Buffer) {
	m := Mismatch{Partition: part}
	switch {
	case rec != nil && d != nil:
		m.ID = d.ID
		m.Status = StatusEqual
		if m.Diffs = b.diffs(part, rec, d); len(m.Diffs) > 0 {
			m.Status = StatusDiffers
		}
	case rec != nil:
		m.ID, m.Status = b.mapping.TargetID(rec.ID), StatusMissing
	default:
		m.ID, m.Status = d.ID, StatusExtra
	}
	b.report.record(m)
	if b.opts.Listing != nil {
		writeLine(buf, m.Status, part, m.ID)
	}
}

// diffs says how the target's d differs from what the baseline recorded:
// field by field for a kept point, by fingerprint otherwise, as far as
// b.checked allows.
func (b *baseline) diffs(part string, rec *baselinefile.Record, d *adapters.Point) []Diff {
	k := b.kept[part][rec.ID]
	var diffs []Diff
	switch b.checked {
	case checkFingerprints:
		got := fingerprint.Of(d)
		if got != rec.Sum {
			if k != nil {
				diffs = b.compareKept(k, d)
			}
			if len(diffs) == 0 {
				diffs = fingerprintDiffs(rec.Sum, got)
			}
		}
	case checkPayload:
		if k != nil {
			diffs = b.compareKept(k, d)
		} else if fingerprint.Payload(d.Payload) != rec.Sum.Payload {
			diffs = fingerprintDiffs(fingerprint.Sum{Payload: rec.Sum.Payload}, fingerprint.Sum{Payload: fingerprint.Payload(d.Payload)})
		}
	case checkIDs:
		if k != nil {
			diffs = b.compareKept(k, d)
		}
	}
	if k != nil {
		b.rep.Sample.Compared++
		if len(diffs) == 0 {
			b.rep.Sample.Equal++
		}
	}
	return diffs
}

func (b *baseline) compareKept(k, d *adapters.Point) []Diff {
	mapped, err := b.mapping.ToTarget(*k)
	if err != nil {
		return []Diff{{Kind: Untranslatable, Detail: err.Error()}}
	}
	return b.cmp.Compare(&mapped, d)
}

// fingerprintDiffs names the parts whose sums differ.
func fingerprintDiffs(want, got fingerprint.Sum) []Diff {
	var diffs []Diff
	if want.Vectors != got.Vectors {
		diffs = append(diffs, Diff{Kind: VectorsChanged, Detail: "the vectors differ from the baseline's (by fingerprint; the baseline keeps no copy of this point to name the component: capture with a larger --keep for detail)"})
	}
	if want.Payload != got.Payload {
		diffs = append(diffs, Diff{Kind: PayloadChanged, Detail: "the payload differs from the baseline's (by fingerprint; the baseline keeps no copy of this point to name the field: capture with a larger --keep for detail)"})
	}
	return diffs
}
