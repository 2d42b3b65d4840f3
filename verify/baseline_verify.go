package verify

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
	"github.com/vecmig/vecmig/verify/baselinefile"
	"github.com/vecmig/vecmig/verify/knn"
)

// What every point is compared by (BaselineReport.Checked).
const (
	checkFingerprints = "fingerprints" // vectors and payload
	checkPayload      = "payload"      // another datatype: vector bits differ by design
	checkIDs          = "ids"          // another engine: ids and counts only
)

// Kinds of difference found by a fingerprint alone, for points the
// baseline keeps no copy of: it says which part changed, not which field.
const (
	VectorsChanged DiffKind = "vectors-changed"
	PayloadChanged DiffKind = "payload-changed"
)

// baseline is one RunBaseline's state; it runs on one goroutine.
type baseline struct {
	*verifier
	file    string
	open    func() (io.ReadCloser, error)
	sum     *baselinefile.Summary
	checked string
	kept    map[string]map[adapters.ID]*adapters.Point
	names   map[string]string // baseline vector name -> the target's
	got     [][]knn.Hit       // per probe, the target's results
	rep     *BaselineReport
	tol     float64
}

// RunBaseline verifies dst against a baseline file written by Capture,
// without the source: counts, every point's fingerprint (ModeFull) or a
// sample of them (ModeSample), the kept points field by field, and the
// probe queries re-run exactly on the target. open is called twice: once
// to check the whole file and read its sample and probes before the
// target is touched, once to stream the fingerprints.
func RunBaseline(ctx context.Context, file string, open func() (io.ReadCloser, error), dst adapters.Source, opts Options) (*Report, error) {
	if err := opts.defaults(); err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	start := time.Now()
	sum, err := readSummary(file, open)
	if err != nil {
		return nil, err
	}
	ddef, err := dst.Describe(ctx)
	if err != nil {
		return nil, err
	}
	h := sum.Header
	r := &Report{Source: "baseline " + file, Target: dst.Endpoint(), Mode: opts.Mode, Started: start, Seed: h.Seed,
		ByKind: map[DiffKind]uint64{}, partCompared: map[string]uint64{}, partSourceSeen: map[string]uint64{}, maxIDs: opts.MaxIDs, maxExamples: opts.MaxExamples}
	b := &baseline{verifier: &verifier{dst: dst, opts: opts, report: r}, file: file, open: open, sum: sum,
		rep: &BaselineReport{File: file, Captured: h.Captured, CapturedFrom: h.Source, Seed: h.Seed, Sample: SampleCheck{Kept: len(sum.Kept)}}}
	if err := b.setMapping(h.Definition, ddef); err != nil {
		return nil, err
	}
	b.indexKept()
	parts, err := b.counts(ctx, ddef)
	if err != nil {
		return nil, err
	}
	switch opts.Mode {
	case ModeFull, ModeDigest:
		err = b.full(ctx, parts)
	case ModeSample:
		err = b.sample(ctx, parts)
	}
	if err != nil {
		return nil, err
	}
	if opts.Mode != ModeCount {
		b.evaluateProbes()
	}
	for _, n := range sum.Points {
		b.rep.Points += n
	}
	r.Baseline = b.rep
	r.finish(start)
	return r, nil
}

// readSummary reads and checks the whole file once.
func readSummary(file string, open func() (io.ReadCloser, error)) (*baselinefile.Summary, error) {
	f, err := open()
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, fmt.Errorf("baseline %s: %w", file, err))
	}
	defer f.Close()
	s, err := baselinefile.ReadSummary(f)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, fmt.Errorf("baseline %s: %w", file, err))
	}
	return s, nil
}

// setMapping maps the baseline's points onto the target and decides what
// every point can be compared by.
func (b *baseline) setMapping(bdef, ddef *adapters.Collection) error {
	m, err := mapping.For(bdef, ddef)
	if err != nil {
		return adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("baseline %s -> %s: %w", b.file, b.dst.Endpoint(), err))
	}
	b.mapping = m
	b.cmp = &Comparer{Src: m.Source(), Dst: ddef, Tol: b.opts.Tolerance}
	b.report.Tolerance = explainTolerance(m.Source(), ddef, b.opts.Tolerance)
	b.checked, b.tol = checkFingerprints, 1e-6
	var differ []string
	b.names = map[string]string{}
	for name, spec := range m.Source().Vectors {
		if ds, ok := ddef.Vectors[name]; ok && datatype(ds.Datatype) != datatype(spec.Datatype) {
			differ = append(differ, fmt.Sprintf("%s %s in the baseline, %s on the target", vectorLabel(name), datatype(spec.Datatype), datatype(ds.Datatype)))
		}
	}
	for name := range bdef.Vectors {
		b.names[name] = b.targetName(name)
	}
	switch {
	case bdef.Engine != ddef.Engine:
		b.checked, b.tol = checkIDs, 1e-4
		if len(differ) > 0 {
			b.tol = 1e-2
		}
		b.report.note("the baseline was captured from %s and the target is %s: point ids (mapped) and counts are compared for every point; vectors and payload on the kept sample (field by field) and by the probe queries only", bdef.Engine, ddef.Engine)
	case len(differ) > 0:
		sort.Strings(differ)
		b.checked, b.tol = checkPayload, 1e-2
		b.report.note("stored datatypes differ (%s), so vector fingerprints cannot match: payload fingerprints and ids are compared for every point, vectors on the kept sample (within tolerance) and by the probe queries (score shift within %g × max(1, |score|))", strings.Join(differ, "; "), b.tol)
	}
	b.rep.Checked, b.rep.ScoreTolerance = b.checked, b.tol
	return nil
}

func datatype(d string) string {
	if d == "" {
		return "float32"
	}
	return strings.ToLower(d)
}

// targetName is the name a baseline vector has on the target.
func (b *baseline) targetName(name string) string {
	p, err := b.mapping.ToTarget(adapters.Point{ID: adapters.NumID(1), Vectors: map[string]adapters.Vector{name: {Dense: []float32{1}}}})
	if err == nil {
		for n := range p.Vectors {
			return n
		}
	}
	return name
}

func (b *baseline) indexKept() {
	b.kept = map[string]map[adapters.ID]*adapters.Point{}
	for i := range b.sum.Kept {
		k := &b.sum.Kept[i]
		if b.kept[k.Partition] == nil {
			b.kept[k.Partition] = map[adapters.ID]*adapters.Point{}
		}
		b.kept[k.Partition][k.Point.ID] = &k.Point
	}
	b.got = make([][]knn.Hit, len(b.sum.Probes))
}
