package migrate_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

// A catch-up after a finished first pass re-copies the points stamped
// since it started, deletes the points the source lost, records its own
// start, and the next catch-up starts from there. Refusals come from the
// plan, with nothing written.
func TestCatchUpAfterFirstPass(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	src, dst, srcURL, dstURL, _ := setup(t, 300)
	state := filepath.Join(t.TempDir(), "state.json")
	readTarget := func(ctx context.Context) (adapters.Source, error) {
		return reg.OpenSource(ctx, dstURL, adapters.Config{})
	}
	job := migrate.Job{Source: src, Target: dst, ReadTarget: readTarget, Verify: "full",
		Options: migrate.Options{StatePath: state, BatchSize: 50}}
	if _, err := migrate.Execute(ctx, job); err != nil {
		t.Fatalf("first pass: %v", err)
	}

	// Refusals: nothing written, the state untouched.
	refused := func(name string, j migrate.Job, want string) {
		t.Helper()
		_, err := migrate.Execute(ctx, j)
		var pe *migrate.PlanError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want a plan error with %q", name, err, want)
		}
	}
	catchUp := job
	catchUp.Options.CatchUp = migrate.CatchUp{Field: "updated_at", Margin: time.Minute}
	snap := catchUp
	snap.Method = "snapshot"
	refused("snapshot method", snap, "--catch-up follows a live copy")
	none := catchUp
	none.Options.StatePath = filepath.Join(t.TempDir(), "none.json")
	refused("no state", none, "does not exist")
	missing := catchUp
	missing.Options.CatchUp.Field = "no_such_key"
	refused("missing field", missing, `"no_such_key"`)

	// The source changes: three points rewritten with a stamp, two deleted.
	sink := adaptertest.OpenSink(t, reg, srcURL, adapters.Config{APIKey: adapters.NewSecret(qdranttest.Instance(t, 1).APIKey)})
	pg, err := src.Read(ctx, adapters.ReadRequest{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	changed := pg.Points[:3]
	for i := range changed {
		changed[i].Payload["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
	}
	if err := sink.Write(ctx, "", changed); err != nil {
		t.Fatal(err)
	}
	del, _ := adapters.As[adapters.Deleter](sink)
	if err := del.Delete(ctx, "", []adapters.ID{pg.Points[3].ID, pg.Points[4].ID}); err != nil {
		t.Fatal(err)
	}

	res, err := migrate.Execute(ctx, catchUp)
	if err != nil || !res.Equal() {
		t.Fatalf("catch-up: %v (equal %v)", err, res != nil && res.Equal())
	}
	rep := res.Copy.Detail.(*migrate.CatchUpReport)
	if rep.Recopied != 3 || rep.Deleted != 2 || res.TargetCount != 298 {
		t.Errorf("catch-up re-copied %d, deleted %d, target holds %d; want 3, 2, 298", rep.Recopied, rep.Deleted, res.TargetCount)
	}
	st, err := migrate.LoadState(state)
	if err != nil || st.CatchUpStarted == nil || !st.CatchUpStarted.Equal(rep.Started) {
		t.Fatalf("state after the catch-up: %+v, %v; want its start recorded", st, err)
	}
	catchUp.Options.CatchUp.Margin = 0
	res, err = migrate.Execute(ctx, catchUp)
	if err != nil {
		t.Fatal(err)
	}
	if rep := res.Copy.Detail.(*migrate.CatchUpReport); rep.Recopied != 0 || rep.Deleted != 0 {
		t.Errorf("a second catch-up with nothing changed re-copied %d and deleted %d", rep.Recopied, rep.Deleted)
	}
}
