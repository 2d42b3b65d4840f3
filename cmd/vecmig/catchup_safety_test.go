package main

// What a catch-up must not do: delete the points a target held before an
// --on-exists append first pass (unless --catch-up-delete), and leave the
// target's tenants active when it fails.

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

// TestCatchUpKeepsTargetsOwnPoints: a first pass appends 30 source points
// into a target holding 5 points of its own; the source then gets 2
// updates, 2 inserts and 2 deletes. A catch-up, with the state and with
// --since alone, keeps the target's own points and the 2 deleted ones;
// only --catch-up-delete makes the target equal to the source.
func TestCatchUpKeepsTargetsOwnPoints(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	src := qdrantSource(t)
	q := qdranttest.Instance(t, 2)
	client, coll := q.Client(t), q.NewName(t, "catchup_own")
	if err := client.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Cosine})}); err != nil {
		t.Fatal(err)
	}
	var own []*qc.PointStruct
	var ownIDs []*qc.PointId
	for i := uint64(1001); i <= 1005; i++ {
		own = append(own, &qc.PointStruct{Id: qc.NewIDNum(i), Vectors: qc.NewVectors(1, 2, 3, 4), Payload: qc.NewValueMap(map[string]any{"own": true})})
		ownIDs = append(ownIDs, qc.NewIDNum(i))
	}
	if _, err := client.Upsert(ctx, &qc.UpsertPoints{CollectionName: coll, Points: own, Wait: qc.PtrOf(true)}); err != nil {
		t.Fatal(err)
	}
	targetState := func() (total uint64, ownLeft int) {
		t.Helper()
		n, err := client.Count(ctx, &qc.CountPoints{CollectionName: coll, Exact: qc.PtrOf(true)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := client.Get(ctx, &qc.GetPoints{CollectionName: coll, Ids: ownIDs})
		if err != nil {
			t.Fatal(err)
		}
		return n, len(got)
	}

	w := newSourceWriter(t, src)
	w.load(ctx, 30)
	dir := t.TempDir()
	state := filepath.Join(dir, "first.state.json")
	env := []string{"VECMIG_FROM_API_KEY=" + src.key, "VECMIG_TO_API_KEY=" + q.APIKey}
	base := []string{"migrate", "--from", src.url, "--to", q.Endpoint(coll)}
	catchUp := append(append([]string(nil), base...), "--catch-up", "--changed-since-field", "updated_at", "--catch-up-margin", "0s", "--verify", "none", "--json")
	sinceArg := []string{"--since", time.Now().UTC().Format(time.RFC3339Nano)}
	// The target holds 35 points, the source 30: the counts differ.
	mustExit(t, runVecmig(t, dir, env, append(base, "--on-exists", "append", "--state", state)...), exitDiffer)
	if err := w.round(ctx, 2, 2, 2); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
	}{{"with the state", []string{"--state", state}}, {"--since, no --state", sinceArg}} {
		r := runVecmig(t, dir, env, append(catchUp, tc.args...)...)
		mustExit(t, r, exitDiffer)
		if !strings.Contains(r.stderr+r.stdout, "points deleted on the source are not deleted on the target") {
			t.Errorf("%s: the plan does not warn that deletes are skipped:\n%s\n%s", tc.name, r.stdout, r.stderr)
		}
		if s := parseCatchUp(t, r); s.Copy.Detail.Recopied != 4 || s.Copy.Detail.Deleted != 0 {
			t.Errorf("%s: re-copied %d and deleted %d points; want 4 and 0", tc.name, s.Copy.Detail.Recopied, s.Copy.Detail.Deleted)
		}
		// 30 copied + 5 own + 2 inserted; the 2 deleted on the source stay.
		if n, left := targetState(); n != 37 || left != 5 {
			t.Errorf("%s: the target holds %d points, %d of its own 5; want 37 and 5", tc.name, n, left)
		}
	}

	r := runVecmig(t, dir, env, append(catchUp, "--state", state, "--catch-up-delete")...)
	mustExit(t, r, 0)
	if s := parseCatchUp(t, r); s.Copy.Detail.Deleted != 7 {
		t.Errorf("--catch-up-delete deleted %d points; want 7 (5 own, 2 deleted on the source)", s.Copy.Detail.Deleted)
	}
	if n, left := targetState(); n != 30 || left != 0 {
		t.Errorf("after --catch-up-delete the target holds %d points, %d of its own; want 30 and 0", n, left)
	}
	mustExit(t, runVecmig(t, dir, env, "verify", "--from", src.url, "--to", q.Endpoint(coll), "--mode", "full"), 0)
}

// TestCatchUpFailurePutsTenantsBack: a catch-up into a multi-tenant
// Weaviate target whose writes are refused fails, and leaves the
// target's COLD tenant COLD, as the first pass left it.
func TestCatchUpFailurePutsTenantsBack(t *testing.T) {
	ctx := adaptertest.Ctx(t)
	ws := weaviateNode(t, 1)
	sc := newClass(t, ws, "CatchupMTSrc")
	mustREST(t, ws, http.MethodPost, "/v1/schema", map[string]any{"class": sc, "vectorizer": "none",
		"multiTenancyConfig": map[string]any{"enabled": true},
		"properties":         []map[string]any{{"name": "updated_at", "dataType": []string{"date"}}, {"name": "n", "dataType": []string{"int"}}}})
	mustREST(t, ws, http.MethodPost, "/v1/schema/"+sc+"/tenants", []map[string]any{{"name": "hot"}, {"name": "cold"}})
	write := func(tenant string, n int, at time.Time) {
		t.Helper()
		var objs []map[string]any
		for i := 0; i < n; i++ {
			objs = append(objs, map[string]any{"class": sc, "tenant": tenant,
				"id":         fmt.Sprintf("00000000-0000-4000-8000-%012d", i+map[string]int{"hot": 0, "cold": 100}[tenant]),
				"properties": map[string]any{"updated_at": at.UTC().Format(time.RFC3339Nano), "n": i},
				"vector":     []float32{float32(i) + 1, 1, 0.5, 0}})
		}
		b := mustREST(t, ws, http.MethodPost, "/v1/batch/objects", map[string]any{"objects": objs})
		if strings.Contains(string(b), `"errors"`) {
			t.Fatalf("write the source: %s", b)
		}
	}
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	write("hot", 10, old)
	write("cold", 10, old)
	mustREST(t, ws, http.MethodPut, "/v1/schema/"+sc+"/tenants", []map[string]any{{"name": "cold", "activityStatus": "COLD"}})

	wt := weaviateNode(t, 2)
	p := faultproxy.StartPair(t, fmt.Sprintf("127.0.0.1:%d", wt.HTTPPort), fmt.Sprintf("127.0.0.1:%d", wt.GRPCPort))
	tc := newClass(t, wt, "CatchupMTDst")
	to := fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", p.HTTP.Port(), tc, p.GRPC.Port())
	dir := t.TempDir()
	state := filepath.Join(dir, "first.state.json")
	base := []string{"migrate", "--from", ws.Endpoint(sc), "--to", to, "--state", state}
	mustExit(t, runVecmig(t, dir, nil, base...), 0)
	before, err := readTenantStatuses(ctx, wt, tc)
	if err != nil {
		t.Fatal(err)
	}
	if before["cold"] != "COLD" {
		t.Fatalf("after the first pass the target's tenants are %v; want cold COLD", before)
	}

	write("hot", 3, time.Now())
	p.GRPC.Inject(faultproxy.Fault{Match: "BatchObjects", Code: codes.InvalidArgument})
	r := runVecmig(t, dir, nil, append(base, "--catch-up", "--changed-since-field", "updated_at", "--retries", "1")...)
	mustExit(t, r, exitError)
	p.Reset()
	after, err := readTenantStatuses(ctx, wt, tc)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the failed catch-up left the target's tenants %v; they were %v\n%s", after, before, r.stderr)
	}
	if !strings.Contains(r.stderr, "InvalidArgument") && !strings.Contains(r.stderr, "invalid") {
		t.Errorf("the failed catch-up does not report the refused write:\n%s", r.stderr)
	}
}

// TestCatchUpNoStateMessage: a failed catch-up with --since and no
// --state does not claim a state file it never kept.
func TestCatchUpNoStateMessage(t *testing.T) {
	f := &migrateFlags{statePath: "auto.state.json", autoState: true, catchUp: migrate.CatchUp{Field: "updated_at", Since: time.Now()}}
	catchUpStatePath(f)
	if msg := stateSaved(f); strings.Contains(msg, "saved in") || !strings.Contains(msg, "no state file") {
		t.Errorf("with --since and no --state the message is %q", msg)
	}
	f = &migrateFlags{statePath: "first.state.json"}
	if msg := stateSaved(f); !strings.Contains(msg, "saved in first.state.json") {
		t.Errorf("with --state the message is %q", msg)
	}
}
