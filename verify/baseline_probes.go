package verify

import (
	"bytes"
	"context"
	"math"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/baselinefile"
	"github.com/vecmig/vecmig/verify/knn"
)

// sample checks the kept points and a seeded share of the other
// fingerprints (about Options.Sample.N of them) by looking them up on the
// target, and re-scores each probe's recorded hits there.
func (b *baseline) sample(ctx context.Context, parts []partition) error {
	f, err := b.open()
	if err != nil {
		return adapters.WithKind(adapters.KindInvalid, err)
	}
	defer f.Close()
	rd, err := baselinefile.NewReader(f)
	if err != nil {
		return adapters.WithKind(adapters.KindInvalid, err)
	}
	share := 1.0
	if total := b.report.SourceCount; total > 0 && b.opts.Sample.N > 0 {
		share = math.Min(1, float64(b.opts.Sample.N)/float64(total))
	}
	limit := uint64(share * math.MaxUint64)
	var compared uint64
	for _, p := range parts {
		if !p.onSource {
			continue
		}
		if name, ok, err := rd.NextPartition(); err != nil || !ok || name != p.name {
			return adapters.Errorf(adapters.KindInvalid, "baseline %s changed while being read (partition %q expected, got %q, %v): keep the file still during verification", b.file, p.name, name, err)
		}
		err := adapters.WithPartition(ctx, b.dst, p.name, b.opts.logf, func() error {
			n, err := b.samplePartition(ctx, rd, p, limit)
			compared += n
			if err == nil {
				err = b.rescoreProbes(ctx, p)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	b.report.Detection = detection(compared, b.report.SourceCount)
	b.report.note("sample mode looks baseline points up on the target: points only on the target show in the counts alone, and each probe's recorded hits are re-scored, not searched for again (--mode full runs the probes exactly)")
	return nil
}

// samplePartition looks up the kept and hash-selected fingerprints.
func (b *baseline) samplePartition(ctx context.Context, rd *baselinefile.Reader, p partition, limit uint64) (uint64, error) {
	var batch []baselinefile.Record
	var n uint64
	flush := func() error {
		n += uint64(len(batch))
		err := b.lookupRecords(ctx, p, batch)
		batch = batch[:0]
		return err
	}
	for {
		rec, more, err := rd.Next()
		if err != nil {
			return n, adapters.WithKind(adapters.KindInvalid, err)
		}
		if !more {
			return n, flush()
		}
		if b.kept[p.name][rec.ID] != nil || seededHash(b.sum.Header.Seed^0x5a, rec.ID) <= limit {
			batch = append(batch, rec)
		}
		if len(batch) == b.opts.PageSize {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
}

func (b *baseline) lookupRecords(ctx context.Context, p partition, recs []baselinefile.Record) error {
	if len(recs) == 0 {
		return nil
	}
	byID := map[adapters.ID]*adapters.Point{}
	if p.onTarget {
		ids := make([]adapters.ID, len(recs))
		for i := range recs {
			ids[i] = b.mapping.TargetID(recs[i].ID)
		}
		got, err := b.dst.Get(ctx, p.name, ids)
		if err != nil {
			return err
		}
		for i := range got {
			byID[got[i].ID] = &got[i]
		}
	}
	var buf bytes.Buffer
	for i := range recs {
		b.decideRecord(p.name, &recs[i], byID[b.mapping.TargetID(recs[i].ID)], &buf)
	}
	return b.flushListing(&buf)
}

// rescoreProbes fetches each probe's recorded hits from the target and
// computes their distances to the query again.
func (b *baseline) rescoreProbes(ctx context.Context, p partition) error {
	for i, pr := range b.sum.Probes {
		if pr.Partition != p.name || !p.onTarget {
			continue
		}
		ids := make([]adapters.ID, len(pr.Hits))
		for j, h := range pr.Hits {
			ids[j] = b.mapping.TargetID(h.ID)
		}
		got, err := b.dst.Get(ctx, p.name, ids)
		if err != nil {
			return err
		}
		var hits []knn.Hit
		for _, pt := range got {
			if v, ok := pt.Vectors[b.names[pr.Vector]]; ok && v.Dense != nil {
				if d, err := knn.Distance(pr.Metric, pr.Query, v.Dense); err == nil {
					hits = append(hits, knn.Hit{ID: pt.ID, Score: d})
				}
			}
		}
		knn.Sort(hits)
		b.got[i] = hits
	}
	return nil
}

// evaluateProbes compares each probe's target results with the baseline's:
// the overlap must be 1 and every rank's score within tolerance.
func (b *baseline) evaluateProbes() {
	byVector := map[string]*ProbeReport{}
	var order []string
	for i, pr := range b.sum.Probes {
		rep := byVector[pr.Vector]
		if rep == nil {
			rep = &ProbeReport{Vector: pr.Vector, MinOverlap: 1}
			byVector[pr.Vector] = rep
			order = append(order, pr.Vector)
		}
		want := make([]knn.Hit, len(pr.Hits))
		for j, h := range pr.Hits {
			want[j] = knn.Hit{ID: b.mapping.TargetID(h.ID), Score: h.Score}
		}
		got := b.got[i]
		ov, shift := knn.Overlap(want, got), knn.ScoreShift(want, got)
		rep.Queries++
		rep.MeanOverlap += ov
		rep.MinOverlap = math.Min(rep.MinOverlap, ov)
		rep.MaxScoreShift = math.Max(rep.MaxScoreShift, shift)
		if len(got) < len(want) || !b.scoresClose(want, got) || (ov < 1 && !b.tiesOnly(want, got)) {
			rep.Failing = append(rep.Failing, failedProbe(pr, want, got, ov, shift))
		}
	}
	for _, name := range order {
		rep := byVector[name]
		rep.MeanOverlap /= float64(rep.Queries)
		b.rep.Probes = append(b.rep.Probes, *rep)
	}
}

// tiesOnly reports whether the ids that differ between want and got all
// score within the tolerance of the k-th score: the k-th and (k+1)-th
// points are equally near (float16 storage, or float32 against float64
// arithmetic, can swap them), so either side may keep either.
func (b *baseline) tiesOnly(want, got []knn.Hit) bool {
	if len(want) == 0 {
		return true
	}
	last := want[len(want)-1].Score
	for _, pair := range [][2][]knn.Hit{{want, got}, {got, want}} {
		for _, id := range missingFrom(pair[0], pair[1]) {
			if math.Abs(scoreOf(pair[0], id)-last) > b.tol*math.Max(1, math.Abs(last)) {
				return false
			}
		}
	}
	return true
}

// scoresClose: |baseline - target| <= tol × max(1, |baseline|) per rank.
func (b *baseline) scoresClose(want, got []knn.Hit) bool {
	for i := 0; i < len(want) && i < len(got); i++ {
		if math.Abs(want[i].Score-got[i].Score) > b.tol*math.Max(1, math.Abs(want[i].Score)) {
			return false
		}
	}
	return true
}

func failedProbe(pr baselinefile.Probe, want, got []knn.Hit, ov, shift float64) FailedProbe {
	f := FailedProbe{Partition: pr.Partition, QueryID: pr.QueryID, Overlap: ov, ScoreShift: shift}
	in := func(hs []knn.Hit, id adapters.ID) bool {
		for _, h := range hs {
			if h.ID == id {
				return true
			}
		}
		return false
	}
	for _, h := range want {
		if !in(got, h.ID) {
			f.Lost = append(f.Lost, h.ID)
		}
	}
	for _, h := range got {
		if !in(want, h.ID) {
			f.Gained = append(f.Gained, h.ID)
		}
	}
	return f
}
