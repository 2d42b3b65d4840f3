package verify

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/verify/fingerprint"
)

// Run verifies that dst holds what src holds, as opts.Mode says. It only
// reads both sides (a Weaviate tenant that must be activated to be read is
// put back afterwards). An error means verification could not be done; a
// completed verification returns a Report whose Equal says the outcome.
func Run(ctx context.Context, src, dst adapters.Source, opts Options) (*Report, error) {
	if err := opts.defaults(); err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	start := time.Now()
	if opts.ChangedSince.IsZero() {
		opts.ChangedSince = start
	}
	v := &verifier{src: src, dst: dst, opts: opts}
	r := &Report{
		Source: src.Endpoint(), Target: dst.Endpoint(), Mode: opts.Mode, Started: start,
		ByKind: map[DiffKind]uint64{}, partCompared: map[string]uint64{}, partSourceSeen: map[string]uint64{}, maxIDs: opts.MaxIDs, maxExamples: opts.MaxExamples,
	}
	if opts.ChangedSinceField != "" {
		since := opts.ChangedSince
		r.ChangedSinceField, r.ChangedSince = opts.ChangedSinceField, &since
	}
	v.report = r

	var sdef, ddef *adapters.Collection
	err := both(ctx, func(ctx context.Context) (err error) {
		sdef, err = src.Describe(ctx)
		return err
	}, func(ctx context.Context) (err error) {
		ddef, err = dst.Describe(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := v.setMapping(sdef, ddef); err != nil {
		return nil, err
	}
	if sdef, ddef, err = v.applyShare(ctx, sdef, ddef); err != nil {
		return nil, err
	}

	var parts []partition
	if v.shareRanges != nil {
		parts, err = v.rangeCounts(ctx, sdef, ddef)
	} else {
		parts, err = v.counts(ctx, sdef, ddef)
	}
	if err != nil {
		return nil, err
	}
	if err := v.comparePoints(ctx, parts); err != nil {
		return nil, err
	}
	if !r.CountsMatch && opts.ChangedSinceField == "" {
		r.note("counts differ. If the source kept receiving writes after the copy, new and deleted points explain a difference; name the payload field holding each point's update time with --changed-since-field to tell such points from damage (in full mode)")
	}
	if r.Mode == ModeCount {
		r.note("count mode compares numbers of points only, not their contents; use --mode sample or full to compare points")
	}
	r.finish(start)
	return r, nil
}

// comparePoints compares points as the mode says, then runs the search
// check.
func (v *verifier) comparePoints(ctx context.Context, parts []partition) error {
	var err error
	switch v.opts.Mode {
	case ModeSample:
		if v.shareRanges != nil {
			v.report.note("sample mode over a share of id ranges compares the share's exact counts only; use --mode full or digest to compare its points")
			break
		}
		v.report.Sample = v.opts.Sample.String()
		err = v.sample(ctx, parts)
	case ModeFull, ModeDigest:
		if v.shareRanges != nil {
			err = v.fullShare(ctx, parts)
			break
		}
		err = v.full(ctx, parts)
	}
	if err != nil || v.opts.Search == 0 {
		return err
	}
	return v.search(ctx, parts)
}

// setMapping picks how source points map onto the target's (across
// engines: adapters/mapping, from the two definitions) and the comparer,
// which looks vectors up by their names on the target.
func (v *verifier) setMapping(sdef, ddef *adapters.Collection) error {
	if v.mapping = v.opts.Mapping; v.mapping == nil {
		var err error
		if v.mapping, err = mapping.For(sdef, ddef); err != nil {
			return adapters.WithKind(adapters.KindIncompatible, err)
		}
	}
	v.cmp = &Comparer{Src: v.mapping.Source(), Dst: ddef, Tol: v.opts.Tolerance}
	v.report.Tolerance = explainTolerance(v.mapping.Source(), ddef, v.opts.Tolerance)
	return nil
}

// verifier is one run's shared state.
type verifier struct {
	src, dst adapters.Source
	opts     Options
	cmp      *Comparer
	mapping  mapping.Mapping
	report   *Report
	listMu   sync.Mutex
	// shareRanges are, for Options.Share split by id ranges, the
	// share's ranges of each partition (share_run.go); nil otherwise.
	shareRanges map[string][]idspace.Range
}

// partition is one partition to verify.
type partition struct {
	name       string
	onSource   bool
	onTarget   bool
	srcN, dstN uint64
}

// counts takes exact counts of every partition on both sides.
func (v *verifier) counts(ctx context.Context, sdef, ddef *adapters.Collection) ([]partition, error) {
	onDst := map[string]bool{}
	for _, p := range ddef.PartitionNames() {
		onDst[p] = true
	}
	var parts []partition
	seen := map[string]bool{}
	for _, p := range sdef.PartitionNames() {
		parts = append(parts, partition{name: p, onSource: true, onTarget: onDst[p]})
		seen[p] = true
	}
	for _, p := range ddef.PartitionNames() {
		if !seen[p] {
			parts = append(parts, partition{name: p, onTarget: true})
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].name < parts[j].name })
	r := v.report
	r.CountsMatch = true
	for i := range parts {
		p := &parts[i]
		err := both(ctx, func(ctx context.Context) (err error) {
			if p.onSource {
				p.srcN, err = v.withPartition(ctx, v.src, p.name, func() (uint64, error) { return v.src.Count(ctx, p.name) })
			}
			return err
		}, func(ctx context.Context) (err error) {
			if p.onTarget {
				p.dstN, err = v.withPartition(ctx, v.dst, p.name, func() (uint64, error) { return v.dst.Count(ctx, p.name) })
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		r.addCounts(p)
	}
	return parts, nil
}

// addCounts records one partition's exact counts on both sides.
func (r *Report) addCounts(p *partition) {
	r.Partitions = append(r.Partitions, PartitionReport{Name: p.name, SourceCount: p.srcN, TargetCount: p.dstN, OnTarget: p.onTarget})
	r.SourceCount += p.srcN
	r.TargetCount += p.dstN
	if p.srcN != p.dstN || p.onSource != p.onTarget {
		r.CountsMatch = false
	}
	if !p.onTarget {
		r.note("partition %q is not on the target", p.name)
	}
	if !p.onSource {
		r.note("partition %q is on the target only", p.name)
	}
}

// withPartition runs f with the partition readable: a Source that must
// activate a partition (an inactive Weaviate tenant) does so, and the
// status is put back afterwards.
func (v *verifier) withPartition(ctx context.Context, s adapters.Source, part string, f func() (uint64, error)) (uint64, error) {
	var n uint64
	err := adapters.WithPartition(ctx, s, part, v.opts.logf, func() (err error) {
		n, err = f()
		return err
	})
	return n, err
}

// decide compares one id's two sides (either may be nil), records the
// outcome and returns its listing line.
func (v *verifier) decide(part string, s, d *adapters.Point, buf *bytes.Buffer) {
	m := Mismatch{Partition: part}
	switch {
	case s != nil && d != nil:
		m.ID = d.ID
		if m.Diffs = v.compare(s, d); len(m.Diffs) == 0 {
			m.Status = StatusEqual
		} else if v.changed(s) {
			m.Status = StatusChanged
		} else {
			m.Status = StatusDiffers
		}
	case s != nil:
		m.ID = v.mapping.TargetID(s.ID)
		m.Status = StatusMissing
		if v.changed(s) {
			m.Status = StatusChanged
		}
	default:
		m.ID, m.Status = d.ID, StatusExtra
	}
	v.report.record(m)
	if v.opts.Listing != nil {
		writeLine(buf, m.Status, part, m.ID)
	}
}

// compare lists how the target's d differs from the source's s, through
// the mapping; a point the mapping cannot translate is one difference.
func (v *verifier) compare(s, d *adapters.Point) []Diff {
	mapped, err := v.mapping.ToTarget(*s)
	if err != nil {
		return []Diff{{Kind: Untranslatable, Detail: err.Error()}}
	}
	if v.opts.Mode == ModeDigest && fingerprint.Of(&mapped) == fingerprint.Of(d) {
		return nil // the same bits: equal, whatever the tolerance
	}
	return v.cmp.Compare(&mapped, d)
}

// flushListing writes buffered listing lines as one block.
func (v *verifier) flushListing(buf *bytes.Buffer) error {
	if v.opts.Listing == nil || buf.Len() == 0 {
		return nil
	}
	v.listMu.Lock()
	defer v.listMu.Unlock()
	_, err := v.opts.Listing.Write(buf.Bytes())
	buf.Reset()
	if err != nil {
		return fmt.Errorf("write the listing: %w", err)
	}
	return nil
}

// changed reports whether the source wrote p after ChangedSince, by its
// ChangedSinceField (a dotted path into the payload).
func (v *verifier) changed(p *adapters.Point) bool {
	if v.opts.ChangedSinceField == "" {
		return false
	}
	t, ok := timeField(p.Payload, v.opts.ChangedSinceField)
	return ok && t.After(v.opts.ChangedSince)
}

// timeField reads an RFC 3339 string or a Unix-seconds number.
func timeField(payload map[string]any, path string) (time.Time, bool) {
	var cur any = payload
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return time.Time{}, false
		}
		if cur, ok = m[k]; !ok {
			return time.Time{}, false
		}
	}
	switch x := cur.(type) {
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, true
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return unix(f), true
		}
	case int64:
		return time.Unix(x, 0), true
	case float64:
		return unix(x), true
	}
	return time.Time{}, false
}

func unix(f float64) time.Time {
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9))
}

// explainTolerance states, per vector, the rule compareVector applies.
func explainTolerance(sdef, ddef *adapters.Collection, t Tolerance) ToleranceReport {
	tr := ToleranceReport{Abs: t.Abs, Rel: t.Rel, Vectors: map[string]string{}}
	names := map[string]bool{}
	for n := range sdef.Vectors {
		names[n] = true
	}
	for n := range ddef.Vectors {
		names[n] = true
	}
	for n := range names {
		sa, sb := sdef.Vectors[n], ddef.Vectors[n]
		eff := t.Precision(sa.Datatype).Precision(sb.Datatype)
		s := fmt.Sprintf("|source - target| <= %g + %g × max(|source|, |target|)", eff.Abs, eff.Rel)
		var why []string
		for _, side := range []struct {
			name string
			spec adapters.VectorSpec
		}{{"source", sa}, {"target", sb}} {
			switch strings.ToLower(side.spec.Datatype) {
			case "float16":
				why = append(why, "the "+side.name+" stores float16 (11 significant bits)")
			case "uint8":
				why = append(why, "the "+side.name+" stores uint8 (whole numbers)")
			}
		}
		kind := sa.Kind
		if kind == "" {
			kind = sb.Kind
		}
		if (sa.Normalized || sb.Normalized) && kind != "sparse" {
			why = append(why, "both sides scaled to unit length first, because a side stores unit vectors (cosine): directions are compared, not lengths")
		}
		if len(why) > 0 {
			s += "; " + strings.Join(why, "; ")
		}
		tr.Vectors[n] = s
	}
	return tr
}

// both runs two functions concurrently and returns the first cause of a
// failure; the other is cancelled, and what it gets from that is dropped.
func both(ctx context.Context, f, g func(context.Context) error) error {
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	var wg sync.WaitGroup
	for _, h := range []func(context.Context) error{f, g} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fc.Fail(h(ctx))
		}()
	}
	wg.Wait()
	return fc.Err()
}

// newRand returns the run's random source, picking and recording a seed.
func (v *verifier) newRand() *rand.Rand {
	if v.opts.Seed == 0 {
		v.opts.Seed = rand.Uint64()
		if v.opts.Seed == 0 {
			v.opts.Seed = 1
		}
	}
	v.report.Seed = v.opts.Seed
	return rand.New(rand.NewPCG(v.opts.Seed, 0x76_65_63_6d_69_67))
}
