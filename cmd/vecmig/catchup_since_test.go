package main

// Catch-up passes after the source's definition changed, and with an
// explicit start (--since) instead of a first pass's state file, as after
// a scale-out whose shares each kept their own state.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// qdrantSourceUnindexed is a Qdrant source whose updated_at key has no
// payload index yet, and its client.
func qdrantSourceUnindexed(t *testing.T) (catchSide, *qc.Client, string) {
	q := qdranttest.Instance(t, 1)
	name := q.NewName(t, "catchup_since_src")
	c := q.Client(t)
	err := c.CreateCollection(adaptertest.Ctx(t), &qc.CreateCollection{CollectionName: name,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Cosine})})
	if err != nil {
		t.Fatal(err)
	}
	return catchSide{url: q.Endpoint(name), key: q.APIKey}, c, name
}

func TestCatchUpAfterDefinitionChangeAndSince(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	src, client, coll := qdrantSourceUnindexed(t)
	dst := qdrantTarget(t)
	w := newSourceWriter(t, src)
	w.load(ctx, 60)
	dir := t.TempDir()
	state := filepath.Join(dir, "first.state.json")
	env := []string{"VECMIG_FROM_API_KEY=" + src.key, "VECMIG_TO_API_KEY=" + dst.key}
	base := []string{"migrate", "--from", src.url, "--to", dst.url}
	catchUp := append(append([]string(nil), base...), "--catch-up", "--changed-since-field", "updated_at", "--catch-up-margin", "0s", "--verify", "full", "--json")
	verifyArgs := []string{"verify", "--from", src.url, "--to", dst.url, "--mode", "full"}
	mustExit(t, runVecmig(t, dir, env, append(base, "--state", state)...), 0)

	// The plan's warning says to index the key; once done, the source's
	// definition differs from the first pass's, and the catch-up still runs.
	if err := w.round(ctx, 5, 3, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{CollectionName: coll, FieldName: "updated_at",
		FieldType: qc.FieldType_FieldTypeDatetime.Enum(), Wait: qc.PtrOf(true)}); err != nil {
		t.Fatal(err)
	}
	r := runVecmig(t, dir, env, append(catchUp, "--state", state)...)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout+r.stderr, "definition changed since the first pass") {
		t.Errorf("the catch-up does not note the changed definition:\n%s\n%s", r.stdout, r.stderr)
	}
	mustExit(t, runVecmig(t, dir, env, verifyArgs...), 0)

	// --since without --state: exactly the points changed after it, and
	// no state file left behind.
	checkSince := func(name string, more ...string) {
		t.Helper()
		if err := w.round(ctx, 4, 3, 2); err != nil {
			t.Fatal(err)
		}
		// No state of the first pass tells that vecmig created the target.
		r := runVecmig(t, dir, env, append(append(catchUp, "--catch-up-delete"), more...)...)
		mustExit(t, r, 0)
		if s := parseCatchUp(t, r); s.Copy.Detail.Recopied != 7 || s.Copy.Detail.Deleted != 2 {
			t.Errorf("%s: re-copied %d and deleted %d points; want 7 and 2", name, s.Copy.Detail.Recopied, s.Copy.Detail.Deleted)
		}
		mustExit(t, runVecmig(t, dir, env, verifyArgs...), 0)
	}
	sinceArg := func() []string { return []string{"--since", time.Now().UTC().Format(time.RFC3339Nano)} }
	checkSince("--since, no --state", sinceArg()...)
	if files, _ := filepath.Glob(filepath.Join(dir, "*.state.json")); len(files) != 1 {
		t.Errorf("state files after a catch-up with --since and no --state: %v; want only %s", files, state)
	}
	// --since with a new --state records the start there, and the next
	// catch-up follows it without --since.
	next := filepath.Join(dir, "next.state.json")
	checkSince("--since with a new --state", append(sinceArg(), "--state", next)...)
	if _, err := os.Stat(next); err != nil {
		t.Fatalf("the catch-up with --since did not record its start in --state: %v", err)
	}
	checkSince("after a --since catch-up", "--state", next)
}
