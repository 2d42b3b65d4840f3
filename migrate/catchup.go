package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// A live copy of a source that keeps taking writes is not a point-in-time
// copy: points changed, added or deleted during it may be missed. A
// catch-up pass, run after a finished first pass with the same source,
// target and state file, closes the gap: it re-copies every source point
// whose update-time field is at or after the first pass's start (or the
// previous catch-up's), less a margin for clock skew, and deletes on the
// target the points the source no longer holds (only when this migration
// created the target, or with --catch-up-delete). It records its own start
// in the state, so that catch-ups can be repeated, each from the last.

// DefaultCatchUpMargin is how far before the recorded start a catch-up
// looks, for clocks of writers and of vecmig that disagree a little and
// for writes stamped before they landed.
const DefaultCatchUpMargin = time.Minute

// CatchUp are the options of a catch-up pass.
type CatchUp struct {
	// Field is the source payload field (property) holding each point's
	// update time: a date (RFC 3339) or Unix seconds. "" : no catch-up.
	Field string
	// Margin is subtracted from the start (--catch-up-margin).
	Margin time.Duration
	// Since, when set (--since), is the start itself, instead of the one
	// recorded in the state: for runs that kept no state of their own,
	// such as the shares of a scale-out. The state file is then optional;
	// when given, the pass records its start there.
	Since time.Time
	// Delete (--catch-up-delete) deletes the target's points the source
	// lacks even when the state does not record that this migration
	// created the target (deletes).
	Delete bool
}

// CatchUpReport is what a catch-up pass did.
type CatchUpReport struct {
	Field adapters.ChangedField `json:"field"`
	// Since: points whose field is at or after it were re-copied.
	Since time.Time `json:"since"`
	// Started is this pass's start, recorded for the next one.
	Started  time.Time `json:"started"`
	Recopied uint64    `json:"points_recopied"`
	// Checked counts the target's points looked up on the source.
	Checked uint64 `json:"target_points_checked"`
	Deleted uint64 `json:"points_deleted"`
	// DeletesSkipped: the target held data before the first pass (or it
	// is not known), so points the source lacks were kept (deletes).
	DeletesSkipped  bool          `json:"deletes_skipped,omitempty"`
	RecopyDuration  time.Duration `json:"recopy_duration_ns"`
	DeletesDuration time.Duration `json:"deletes_duration_ns"`
}

// Summary is the report in one line.
func (r *CatchUpReport) Summary() string {
	if r.DeletesSkipped {
		return fmt.Sprintf("catch-up: %d points with %s at or after %s re-copied in %s; points the source no longer holds were not deleted on the target (add --catch-up-delete to delete them)",
			r.Recopied, r.Field.Name, r.Since.Format(time.RFC3339), r.RecopyDuration.Round(time.Millisecond))
	}
	return fmt.Sprintf("catch-up: %d points with %s at or after %s re-copied in %s; %d target points checked against the source, %d deleted in %s",
		r.Recopied, r.Field.Name, r.Since.Format(time.RFC3339), r.RecopyDuration.Round(time.Millisecond),
		r.Checked, r.Deleted, r.DeletesDuration.Round(time.Millisecond))
}

// since is the moment a catch-up starts from: --since, else the last
// catch-up's start, else the first pass's, less the margin.
func (cu CatchUp) since(st *State) time.Time {
	t := cu.Since
	switch {
	case !t.IsZero():
	case st.CatchUpStarted != nil:
		t = *st.CatchUpStarted
	default:
		t = st.Started
	}
	return t.Add(-cu.Margin)
}

// deletes reports whether the catch-up deletes the target's points the
// source lacks: only when the state records that this migration created
// the target, or with --catch-up-delete. A target that held data of its
// own before an --on-exists append keeps it; so does one nobody knows
// about (an older state, --since without a state).
func (cu CatchUp) deletes(st *State) bool {
	return cu.Delete || (st != nil && st.TargetCreated != nil && *st.TargetCreated)
}

// createsTarget reports whether preparing the target creates it: it does
// not exist yet, or --on-exists recreate drops it (State.TargetCreated).
func (lp *livePlan) createsTarget(ctx context.Context) (bool, error) {
	if lp.opts.OnExists == adapters.ExistsRecreate {
		return true, nil
	}
	exists, err := lp.dst.Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("check whether the target %s exists: %w", lp.dst.Endpoint(), err)
	}
	return !exists, nil
}

// planCatchUp checks, before anything is written, that a catch-up can
// run: a live method, the state of a finished first pass between the same
// endpoints, an update-time field of a date or numeric type on the
// source, a target that can delete and be read.
func (p *Plan) planCatchUp(ctx context.Context, job Job) error {
	if job.Method != MethodLive {
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "method",
			"--catch-up follows a live copy; --method %s copies the source as of one moment already, so there is nothing to catch up: run --method %s again for a newer copy, or use --method live with --catch-up", job.Method, job.Method))
		return nil
	}
	explicit := !job.Options.CatchUp.Since.IsZero()
	if !explicit {
		if f := firstPassFinding(job.Options.StatePath); f != nil {
			p.add(*f)
			return nil
		}
	}
	if f, err := targetMissing(ctx, job.Target); f != nil || err != nil {
		p.addIf(f)
		return err
	}
	// It writes into the earlier passes' target; it resumes nothing.
	job.Options.OnExists = adapters.ExistsAppend
	if err := p.planLive(ctx, job); err != nil {
		return err
	}
	p.Resume, p.OnExists = false, string(adapters.ExistsAppend)
	if lp := p.live; lp.loaded && lp.st.Fingerprint != lp.def.Fingerprint() {
		p.add(adapters.NoteFinding("catch-up", "the source's definition changed since the first pass (a payload index, a tenant, a setting: fingerprint %s, now %s); a catch-up copies points, into the target as it is: add a new index or setting on the target yourself if you want it there",
			lp.st.Fingerprint, lp.def.Fingerprint()))
	}
	return p.checkCatchUpEndpoints(ctx, job)
}

// targetMissing is the error finding when the target does not exist: a
// catch-up adds to a copy, it does not make one.
func targetMissing(ctx context.Context, dst adapters.Sink) (*adapters.Finding, error) {
	exists, err := dst.Exists(ctx)
	if err != nil || exists {
		return nil, err
	}
	f := adapters.ErrorFinding(adapters.KindInvalid, "target", "%s does not exist; a catch-up adds the source's recent changes to an earlier copy: run that copy first (vecmig migrate without --catch-up)", dst.Endpoint())
	return &f, nil
}

func (p *Plan) addIf(f *adapters.Finding) {
	if f != nil {
		p.add(*f)
	}
}

// firstPassFinding is the error finding when the state file does not hold
// a finished first pass; nil when it does.
func firstPassFinding(path string) *adapters.Finding {
	if path == "" {
		f := adapters.ErrorFinding(adapters.KindInvalid, "state", "--catch-up needs the state file of the finished first pass (--state FILE)")
		return &f
	}
	st, err := LoadState(path)
	var f adapters.Finding
	switch {
	case errors.Is(err, ErrNoState):
		f = adapters.ErrorFinding(adapters.KindInvalid, "state", "--catch-up needs the state file of a finished first pass, and %s does not exist: run the first pass with --state %s (the default state file is removed after a run that ends equal), then --catch-up with the same --state", path, path)
	case err != nil:
		f = adapters.ErrorFinding(adapters.KindInvalid, "state", "--catch-up: %v", err)
	case !st.Finished:
		f = adapters.ErrorFinding(adapters.KindInvalid, "state", "--catch-up follows a finished first pass, and %s records one that has not finished: run the same command without --catch-up to complete it first", path)
	case st.Method != MethodLive:
		f = adapters.ErrorFinding(adapters.KindInvalid, "state", "--catch-up follows a live copy, and %s records a %s migration", path, st.Method)
	default:
		return nil
	}
	return &f
}

// checkCatchUpEndpoints checks the abilities a catch-up needs and the
// field's type on the source.
func (p *Plan) checkCatchUpEndpoints(ctx context.Context, job Job) error {
	field := job.Options.CatchUp.Field
	cr, ok := adapters.As[adapters.ChangeReader](job.Source)
	if !ok {
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "source", "%s cannot select points by an update time; --catch-up needs a Qdrant or Weaviate source", job.Source.Endpoint()))
	} else {
		f, fs, err := cr.CheckChangedField(ctx, field)
		if err != nil {
			return fmt.Errorf("check --changed-since-field %q on %s: %w", field, job.Source.Endpoint(), err)
		}
		p.add(fs...)
		if hasError(fs) {
			return nil
		}
		from := "the last recorded start"
		if !job.Options.CatchUp.Since.IsZero() {
			from = "--since"
		}
		since := job.Options.CatchUp.since(p.live.st)
		p.add(adapters.NoteFinding("catch-up", "re-copies the points with %s (%s) at or after %s (%s less --catch-up-margin %s)%s",
			field, f.Type(), since.Format(time.RFC3339Nano), from, job.Options.CatchUp.Margin, deletesNote(job.Options.CatchUp.deletes(p.live.st))))
		p.addIf(keepFinding(job, p.live))
	}
	if _, ok := adapters.As[adapters.Deleter](job.Target); !ok {
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "target", "%s cannot delete points; --catch-up needs a Qdrant or Weaviate target", job.Target.Endpoint()))
	}
	if job.ReadTarget == nil {
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "target", "%s cannot be read back, which --catch-up needs to find deleted points", job.Target.Endpoint()))
	}
	return nil
}

func deletesNote(del bool) string {
	if del {
		return ", then deletes the target's points that the source no longer holds"
	}
	return ""
}

// keepFinding is the warning that the catch-up deletes nothing; nil when
// it deletes.
func keepFinding(job Job, lp *livePlan) *adapters.Finding {
	cu := job.Options.CatchUp
	if cu.deletes(lp.st) {
		return nil
	}
	why := "the state does not record whether vecmig created the target"
	switch {
	case lp.st.TargetCreated != nil:
		why = "the target existed before the first pass (--on-exists append) and may hold points of its own"
	case !lp.loaded:
		why = "without the first pass's --state nothing records whether vecmig created the target"
	}
	f := adapters.Finding{Level: adapters.LevelWarning, Subject: "catch-up", Message: fmt.Sprintf(
		"points deleted on the source are not deleted on the target, because %s; add --catch-up-delete to delete every target point the source lacks (its own points too)", why)}
	return &f
}

func hasError(fs []adapters.Finding) bool {
	for _, f := range fs {
		if f.Level == adapters.LevelError {
			return true
		}
	}
	return false
}
