package migrate

import (
	"context"
	"errors"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
)

// openState loads the state file (loaded is then true), or starts a new
// one. A state file of a different migration is refused with the reason.
func openState(opts Options, res *Result, def *adapters.Collection, parts []string) (st *State, loaded bool, err error) {
	fp := def.Fingerprint()
	catchUp := opts.CatchUp.Field != ""
	if opts.StatePath == "" {
		if !opts.DryRun && !catchUp { // a catch-up with --since keeps none
			return nil, false, fmt.Errorf("no state file given")
		}
		return NewState(res.Source, res.Target, res.Method, fp, parts), false, nil
	}
	st, err = LoadState(opts.StatePath)
	if errors.Is(err, ErrNoState) {
		return NewState(res.Source, res.Target, res.Method, fp, parts), false, nil
	}
	if err != nil {
		return nil, false, adapters.WithKind(adapters.KindInvalid, err)
	}
	want := fp
	if catchUp {
		// A live source's definition may change after the first pass (a
		// new payload index, a tenant); the catch-up plan notes it.
		want = st.Fingerprint
	}
	if why := st.Matches(res.Source, res.Target, res.Method, want); why != nil {
		return nil, false, adapters.Errorf(adapters.KindInvalid,
			"state file %s belongs to another migration: %v; use another --state file, or delete this one to start afresh", opts.StatePath, why)
	}
	for _, p := range parts {
		if st.Partitions[p] == nil {
			// A tenant added to the source since the interrupted run.
			st.Partitions[p] = &PartitionState{Ranges: []*RangeState{{}}}
		}
	}
	return st, true, nil
}

// canSplit reports whether a new migration reads each partition as
// opts.Readers id ranges: not for a dry run, a source that only reads
// sequentially, or a sink that needs id order.
func canSplit(src adapters.Source, dst adapters.Sink, opts Options) bool {
	if opts.Readers < 2 || opts.DryRun {
		return false
	}
	if q, ok := adapters.As[adapters.SequentialReader](src); ok && q.ReadsSequentially() {
		return false
	}
	o, ok := adapters.As[adapters.OrderedSink](dst)
	return !ok || !o.RequiresOrder()
}

// splitPartition divides a partition into k disjoint id ranges, from bounds
// probed on the source (a few dozen one-point reads).
func splitPartition(ctx context.Context, src adapters.Source, part string, ps *PartitionState, k int) error {
	b, err := idspace.Find(ctx, src, part)
	if err != nil {
		return fmt.Errorf("find the id bounds of partition %q on %s: %w", part, src.Endpoint(), err)
	}
	var rs []*RangeState
	for _, r := range b.Split(k) {
		rs = append(rs, &RangeState{From: r.After, To: r.Upto})
	}
	ps.Ranges = rs
	return nil
}
