package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
	"github.com/vecmig/vecmig/verify"
)

// ShareState is the share of the collection a state's run copies
// (--partition i/N): whole partitions, or one id range of each partition
// (the ranges themselves are the partitions' RangeStates).
type ShareState struct {
	Share string `json:"share"` // "i/N"
	By    string `json:"by"`    // ShareByPartitions or ShareByRanges
	// Partitions are the partitions this share copies, sorted.
	Partitions []string `json:"partitions"`
}

// How a collection is shared out.
const (
	ShareByPartitions = "partitions"
	ShareByRanges     = "ranges"
)

func (s *State) rangeShare() bool { return s.Share != nil && s.Share.By == ShareByRanges }

// applyShare narrows the run to Options.Share: a new run computes its
// share (the same in every run of the N), a resumed one takes the share
// its state recorded, after checking it is the one asked for.
func (lp *livePlan) applyShare(ctx context.Context) error {
	want, st := lp.opts.Share, lp.st
	if lp.loaded {
		if err := lp.checkShare(); err != nil {
			return err
		}
	} else if !want.Whole() {
		if err := lp.newShare(ctx, want); err != nil {
			return err
		}
	}
	if st.Share != nil {
		lp.keepParts(st.Share.Partitions)
		lp.res.Share = st.Share
	}
	return nil
}

// checkShare refuses to resume a state made by another share.
func (lp *livePlan) checkShare() error {
	had, want := "", lp.opts.Share.String()
	if lp.st.Share != nil {
		had = lp.st.Share.Share
	}
	if had == want {
		return nil
	}
	return adapters.Errorf(adapters.KindInvalid, "state file %s was made by a run with %s, and this run has %s: each share keeps its own state. Run this share with its own --state file, or resume that one with %s", lp.opts.StatePath, partitionFlag(had), partitionFlag(want), partitionFlag(had))
}

func partitionFlag(s string) string {
	if s == "" {
		return "no --partition"
	}
	return "--partition " + s
}

// newShare computes the share of a new run.
func (lp *livePlan) newShare(ctx context.Context, want verify.Share) error {
	if o, ok := adapters.As[adapters.OrderedSink](lp.dst); ok && o.RequiresOrder() {
		return adapters.Errorf(adapters.KindInvalid, "--partition %s: %s is written by one process in id order; copy to it without --partition", want, lp.dst.Endpoint())
	}
	if want.ByPartitions(len(lp.parts)) {
		owned := want.Owned(lp.parts)
		lp.st.Share = &ShareState{Share: want.String(), By: ShareByPartitions, Partitions: owned}
		lp.opts.logf("--partition %s: this run copies %d of the %d partitions: %s", want, len(owned), len(lp.parts), strings.Join(quoted(owned), ", "))
		return nil
	}
	if err := lp.canShareRanges(want); err != nil {
		return err
	}
	k := 1
	if canSplit(lp.src, lp.dst, lp.opts) {
		k = lp.opts.Readers
	}
	sh := &ShareState{Share: want.String(), By: ShareByRanges}
	for _, p := range lp.parts {
		b, err := idspace.Find(ctx, lp.src, p)
		if err != nil {
			return fmt.Errorf("find the id bounds of partition %q on %s to share it out: %w", p, lp.src.Endpoint(), err)
		}
		rs := want.Ranges(b, k)
		if len(rs) == 0 {
			continue // too few ids for every run to get some
		}
		ps := &PartitionState{}
		for _, r := range rs {
			ps.Ranges = append(ps.Ranges, &RangeState{From: r.After, To: r.Upto})
		}
		lp.st.Partitions[p] = ps
		sh.Partitions = append(sh.Partitions, p)
	}
	lp.st.Share = sh
	lp.opts.logf("--partition %s: this run copies share %d of %d of the id range of each partition", want, want.Index, want.Of)
	return nil
}

// canShareRanges checks what a share of id ranges needs: tenants that
// need no activation, ids the target keeps in order (to count the share
// there), and a way to read the target.
func (lp *livePlan) canShareRanges(want verify.Share) error {
	if err := verify.InactiveErr(lp.src, lp.def, want); err != nil {
		return err
	}
	if lp.crossEngine() && !lp.tr.Mapping.OrderPreserving() {
		return adapters.Errorf(adapters.KindInvalid, "--partition %s: %s has fewer partitions (%d) than runs, so each run copies an id range, but the id mapping to %s does not keep id order and the run could not count its share there; use at most %d runs", want, lp.src.Endpoint(), len(lp.parts), lp.dst.Endpoint(), len(lp.parts))
	}
	if lp.opts.readTarget == nil {
		return adapters.Errorf(adapters.KindInvalid, "--partition %s: a share of id ranges is counted on the target by reading it, and this run has no way to read %s", want, lp.dst.Endpoint())
	}
	return nil
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}

// keepParts narrows the run (and its state) to the share's partitions.
func (lp *livePlan) keepParts(parts []string) {
	keep := map[string]bool{}
	for _, p := range parts {
		keep[p] = true
	}
	for name := range lp.st.Partitions {
		if !keep[name] {
			delete(lp.st.Partitions, name)
		}
	}
	lp.parts = append([]string(nil), parts...)
}

// targetDef is the definition the target is prepared with: a share of
// whole partitions creates (and puts back the statuses of) its own only.
func (lp *livePlan) targetDef() *adapters.Collection {
	if lp.st.Share == nil || lp.st.Share.By != ShareByPartitions {
		return lp.tr.Def
	}
	return verify.OnlyPartitions(lp.tr.Def, lp.st.Share.Partitions)
}

// prepareTries bounds how long a share retries a target that a sibling
// is creating: 0.25 s, doubling, about 16 s in all.
const prepareTries = 6

// leaderWait is how long a share waits for share 0 to create the target
// (its pod may be scheduled late).
const leaderWait = 30 * time.Minute

// prepareTarget prepares the target. N runs of a share start at once, and
// Qdrant loses payload indexes on shards created while another request
// adds one (seen), so only share 0 creates: the whole definition, every
// partition included, in one sequence. The others wait until it is there,
// then append with their own partitions, which creates nothing. Each run's
// own partitions are the ones whose statuses its Finish puts back.
func (lp *livePlan) prepareTarget(ctx context.Context, onExists adapters.OnExists) error {
	own := lp.targetDef()
	switch {
	case lp.st.Share == nil || lp.opts.readTarget == nil || lp.res.Resumed:
		return lp.prepareAs(ctx, own, onExists)
	case lp.opts.Share.Index == 0:
		if err := lp.prepareAs(ctx, lp.tr.Def, onExists); err != nil || own == lp.tr.Def {
			return err
		}
	default:
		if err := lp.awaitTarget(ctx); err != nil {
			return err
		}
	}
	return lp.prepareAs(ctx, own, adapters.ExistsAppend)
}

// prepareAs is Sink.Prepare, retried while a sibling creates the target;
// a retry appends.
func (lp *livePlan) prepareAs(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) error {
	mode := onExists
	return lp.whileCreating(ctx, func() error {
		err := lp.dst.Prepare(ctx, def, mode)
		mode = adapters.ExistsAppend
		return err
	})
}

// awaitTarget waits until the target exists with every partition of the
// definition (share 0 creates them last).
func (lp *livePlan) awaitTarget(ctx context.Context) error {
	deadline := time.Now().Add(leaderWait)
	for said := false; ; said = true {
		ready, err := lp.targetReady(ctx)
		switch k := adapters.KindOf(err); {
		case ready:
			return nil
		case k == adapters.KindAuth || k == adapters.KindInvalid || k == adapters.KindIncompatible:
			return err
		case time.Now().After(deadline):
			return adapters.Errorf(adapters.KindNotFound, "--partition %s: share 0/%d has not created %s with all its partitions within %v (last: %v); start the run with --partition 0/%d, or see why it failed", lp.st.Share.Share, lp.opts.Share.Of, lp.dst.Endpoint(), leaderWait, err, lp.opts.Share.Of)
		case !said:
			lp.opts.logf("--partition %s: waiting for the run of share 0/%d to create %s", lp.st.Share.Share, lp.opts.Share.Of, lp.dst.Endpoint())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// targetReady reports whether the target exists with every partition of
// the definition (a target that does not list partitions: exists).
func (lp *livePlan) targetReady(ctx context.Context) (bool, error) {
	if ok, err := lp.dst.Exists(ctx); err != nil || !ok {
		return false, err
	}
	if !lp.tr.Def.Partitioned {
		return true, nil
	}
	if w, ok := adapters.As[adapters.WrittenPartitions](lp.dst); ok && w.PartitionsByWrites() {
		return true, nil // a sibling's tenants appear only as it writes them
	}
	tgt, err := lp.opts.readTarget(ctx)
	if err != nil {
		return false, err
	}
	defer tgt.Close()
	def, err := tgt.Describe(ctx)
	if err != nil || !def.Partitioned {
		return err == nil, err
	}
	have := map[string]bool{}
	for _, p := range def.Partitions {
		have[p.Name] = true
	}
	for _, p := range lp.tr.Def.Partitions {
		if !have[p.Name] {
			return false, nil
		}
	}
	return true, nil
}

// whileCreating runs f; for a share, while f fails and the target exists,
// it waits and runs f again: a target a sibling is still creating can fail
// to describe itself for a moment (Qdrant: "0 of 0 read operations
// failed"). Whatever else failed fails again, and its error is returned.
func (lp *livePlan) whileCreating(ctx context.Context, f func() error) error {
	err := f()
	wait := 250 * time.Millisecond
	for try := 0; err != nil && lp.st.Share != nil && try < prepareTries; try++ {
		exists, xerr := lp.dst.Exists(ctx)
		if xerr != nil || !exists {
			return err
		}
		lp.opts.logf("--partition %s: another run is creating %s at the same time (%v); trying again", lp.st.Share.Share, lp.dst.Endpoint(), err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
		err = f()
	}
	return err
}

func shareRanges(ps *PartitionState) []idspace.Range {
	out := make([]idspace.Range, len(ps.Ranges))
	for i, r := range ps.Ranges {
		out[i] = idspace.Range{After: r.From, Upto: r.To}
	}
	return out
}

// countShareRanges counts the share's ranges of every partition on the
// source exactly, by reading their ids.
func (lp *livePlan) countShareRanges(ctx context.Context) error {
	lp.counts, lp.res.SourceCount = map[string]uint64{}, 0
	for _, p := range lp.parts {
		n, err := verify.CountRanges(ctx, lp.src, p, shareRanges(lp.st.Partitions[p]))
		if err != nil {
			return err
		}
		lp.counts[p] = n
		lp.res.SourceCount += n
	}
	return nil
}

// countTargetRanges counts the share's ranges on the target, in the
// target's ids, and compares: siblings write other ranges only, so the
// comparison holds while they are still copying.
func (lp *livePlan) countTargetRanges(ctx context.Context) error {
	tgt, err := lp.opts.readTarget(ctx)
	if err != nil {
		return fmt.Errorf("the copy finished, but the target could not be opened to count this run's share: %w", err)
	}
	defer tgt.Close()
	res := lp.res
	res.CountsMatch, res.TargetCount, res.Partitions = true, 0, nil
	for _, p := range lp.parts {
		rs := shareRanges(lp.st.Partitions[p])
		if lp.crossEngine() {
			rs = mapRanges(lp.tr.Mapping.TargetID, rs)
		}
		n, err := verify.CountRanges(ctx, tgt, p, rs)
		if err != nil {
			return err
		}
		res.TargetCount += n
		res.Partitions = append(res.Partitions, PartitionResult{
			Name: p, SourceCount: lp.counts[p], TargetCount: n, Written: lp.st.Partitions[p].Written(),
		})
		res.CountsMatch = res.CountsMatch && n == lp.counts[p]
	}
	return nil
}

func mapRanges(id func(adapters.ID) adapters.ID, rs []idspace.Range) []idspace.Range {
	out := make([]idspace.Range, len(rs))
	for i, r := range rs {
		for _, end := range []struct{ from, to **adapters.ID }{{&r.After, &out[i].After}, {&r.Upto, &out[i].Upto}} {
			if *end.from != nil {
				v := id(**end.from)
				*end.to = &v
			}
		}
	}
	return out
}
