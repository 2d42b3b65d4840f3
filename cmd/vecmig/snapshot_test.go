package main

// Snapshot tests: `vecmig migrate --method snapshot` and `vecmig snapshot`,
// run as a user would against two Qdrant servers (in-process, or real ones
// through VECMIG_TEST_QDRANT_URL/_URL2). Fault tests need the in-process
// server's knobs and say so when pointed at a real one.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	qadapter "github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// knobs returns the in-process server of tg, failing the test when tg is a
// real Qdrant: the fault knobs exist only in the test server.
func knobs(t *testing.T, tg *qdranttest.Target) *qdranttest.Server {
	t.Helper()
	if tg.Server == nil {
		t.Fatalf("this fault test needs the in-process Qdrant test server's fault knobs; unset %s and %s to run it (the other snapshot tests run against real servers)", qdranttest.EnvURL, qdranttest.EnvURL2)
	}
	tg.Server.Reset()
	return tg.Server
}

func qenv(q1, q2 *qdranttest.Target) []string {
	return []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
}

// loadSnapFixture loads the first Qdrant fixture with n points on tg.
func loadSnapFixture(t *testing.T, tg *qdranttest.Target, hint string, n int) string {
	t.Helper()
	fx := adaptertest.QdrantFixtures(n)[0]
	from := tg.Endpoint(tg.NewName(t, hint))
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}, from, fx)
	return from
}

func snapList(t *testing.T, tg *qdranttest.Target, url string, full bool) []qadapter.SnapshotInfo {
	t.Helper()
	ep, err := snapshotEndpoint(url, full)
	if err != nil {
		t.Fatal(err)
	}
	s, err := qadapter.OpenSnapshots(ep, adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}, qadapter.SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	coll := ep.Name
	list, err := s.List(adaptertest.Ctx(t), coll)
	if err != nil && adapters.KindOf(err) != adapters.KindNotFound {
		t.Fatal(err)
	}
	return list
}

func TestSnapshotMigrate(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	reg := all.Registry()
	for _, fx := range adaptertest.QdrantFixtures(700) {
		t.Run(fx.Name, func(t *testing.T) {
			from := q1.Endpoint(q1.NewName(t, fx.Name))
			to := q2.Endpoint(q2.NewName(t, fx.Name))
			adaptertest.Load(t, reg, adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, from, fx)
			r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to, "--verify", "full")
			mustExit(t, r, 0)
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
			if l := snapList(t, q1, from, false); len(l) != 0 {
				t.Errorf("vecmig left its snapshot on the source: %+v", l)
			}
			if l := snapList(t, q2, to, false); len(l) != 0 {
				t.Errorf("vecmig left the uploaded snapshot on the target: %+v", l)
			}
		})
	}
}

func TestSnapshotMigrateDirectAndKeep(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadSnapFixture(t, q1, "direct", 500)
	to := q2.Endpoint(q2.NewName(t, "direct"))
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--transfer", "direct", "--keep-snapshot", "--from", from, "--to", to, "--verify", "full")
	mustExit(t, r, 0)
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
	kept := snapList(t, q1, from, false)
	if len(kept) != 1 {
		t.Fatalf("--keep-snapshot: want the snapshot kept on the source, have %+v", kept)
	}
	// The kept snapshot is used again by name, onto the same target.
	r = runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--snapshot", kept[0].Name, "--on-exists", "recreate", "--from", from, "--to", to)
	mustExit(t, r, 0)
	if l := snapList(t, q1, from, false); len(l) != 1 {
		t.Errorf("a snapshot named with --snapshot must stay; have %+v", l)
	}
}

func TestSnapshotDownloadCutResumes(t *testing.T) {
	for _, ranges := range []bool{true, false} {
		t.Run(fmt.Sprintf("ranges=%v", ranges), func(t *testing.T) {
			q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
			s1 := knobs(t, q1)
			from := loadSnapFixture(t, q1, "cut", 3000)
			to := q2.Endpoint(q2.NewName(t, "cut"))
			s1.SetRanges(ranges)
			s1.CutDownloads(1, 100_000)
			r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to, "--verify", "full")
			mustExit(t, r, 0)
			want := "continuing from there"
			if !ranges {
				want = "starting over"
			}
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
			if n := s1.RESTCalls("DownloadSnapshot"); n != 2 {
				t.Errorf("downloads: %d requests, want 2 (cut, then the rest)", n)
			}
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
		})
	}
}

func TestSnapshotCorruptFailsChecksum(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	s1, s2 := knobs(t, q1), knobs(t, q2)
	from := loadSnapFixture(t, q1, "corrupt", 1000)
	to := q2.Endpoint(q2.NewName(t, "corrupt"))
	s1.CorruptDownloads(1)
	tmp := t.TempDir()
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to, "--temp-dir", tmp)
	mustExit(t, r, 2)
	if !strings.Contains(r.stderr, "checksum mismatch") || !strings.Contains(r.stderr, "nothing was uploaded") {
		t.Errorf("stderr does not explain the checksum mismatch:\n%s", r.stderr)
	}
	if n := s2.RESTCalls("UploadSnapshot") + s2.RESTCalls("RecoverSnapshot"); n != 0 {
		t.Errorf("the target got %d upload/recover requests after a bad checksum, want 0", n)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary files left in --temp-dir: %v", ents)
	}
	if l := snapList(t, q1, from, false); len(l) != 0 {
		t.Errorf("the snapshot vecmig made stays on the source after the failure: %+v", l)
	}
}

func TestSnapshotRefusedBeforeTransfer(t *testing.T) {
	q1 := qdranttest.Instance(t, 1)
	s1 := knobs(t, q1)
	from := loadSnapFixture(t, q1, "refuse", 200)
	cases := []struct {
		name, want string
		setup      func(t *testing.T) (to string, env []string, extra []string)
	}{
		{"different vectors", "different shape", func(t *testing.T) (string, []string, []string) {
			q2 := qdranttest.Instance(t, 2)
			name := q2.NewName(t, "other")
			err := q2.Client(t).CreateCollection(adaptertest.Ctx(t), &qdrant.CreateCollection{CollectionName: name,
				VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 3, Distance: qdrant.Distance_Dot})})
			if err != nil {
				t.Fatal(err)
			}
			return q2.Endpoint(name), qenv(q1, q2), []string{"--on-exists", "recreate"}
		}},
		{"exists", "--on-exists recreate", func(t *testing.T) (string, []string, []string) {
			q2 := qdranttest.Instance(t, 2)
			to := loadSnapFixture(t, q2, "exists", 10)
			return to, qenv(q1, q2), nil
		}},
		{"version", "same minor version or the next", func(t *testing.T) (string, []string, []string) {
			old := qdranttest.Start(t, qdranttest.Options{Version: "1.14.1"})
			return old.Endpoint("v"), qenv(q1, q1), nil
		}},
		{"cluster", "cluster mode with 3 peers", func(t *testing.T) (string, []string, []string) {
			s1.SetClusterPeers(3)
			q2 := qdranttest.Instance(t, 2)
			return q2.Endpoint(q2.NewName(t, "cl")), qenv(q1, q2), nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s1.Reset()
			to, env, extra := tc.setup(t)
			args := append([]string{"migrate", "--method", "snapshot", "--from", from, "--to", to}, extra...)
			r := runVecmig(t, t.TempDir(), env, args...)
			mustExit(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
			if n := s1.RESTCalls("CreateSnapshot") + s1.RESTCalls("DownloadSnapshot"); n != 0 {
				t.Errorf("%d create/download requests reached the source before the refusal, want 0", n)
			}
		})
	}
}

func TestSnapshotRetriesHonourRetryAfter(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	s1, s2 := knobs(t, q1), knobs(t, q2)
	from := loadSnapFixture(t, q1, "retry", 500)
	to := q2.Endpoint(q2.NewName(t, "retry"))
	s1.FailNextREST(1, http.StatusTooManyRequests, time.Second, "CreateSnapshot")
	s2.FailNextREST(1, http.StatusServiceUnavailable, time.Second, "UploadSnapshot")
	start := time.Now()
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to, "--verify", "full")
	mustExit(t, r, 0)
	if el := time.Since(start); el < 1800*time.Millisecond {
		t.Errorf("two Retry-After: 1 answers were honoured in %s; want at least about 2s of waiting", el)
	}
	if a, b := s1.RESTCalls("CreateSnapshot"), s2.RESTCalls("UploadSnapshot"); a != 2 || b != 2 {
		t.Errorf("create requests %d, upload requests %d; want 2 each (one refused, one retried)", a, b)
	}
	if !strings.Contains(r.stderr, "429") || !strings.Contains(r.stderr, "503") {
		t.Errorf("stderr does not report the retries:\n%s", r.stderr)
	}
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
}

func TestSnapshot400NotRetried(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	_, s2 := knobs(t, q1), knobs(t, q2)
	from := loadSnapFixture(t, q1, "bad", 100)
	to := q2.Endpoint(q2.NewName(t, "bad"))
	s2.FailNextREST(1, http.StatusBadRequest, 0, "UploadSnapshot")
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to)
	mustExit(t, r, 2)
	if n := s2.RESTCalls("UploadSnapshot"); n != 1 {
		t.Errorf("upload requests: %d, want exactly 1 (400 is not retried)", n)
	}
}

func TestSnapshotSubcommands(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	url := loadSnapFixture(t, q, "life", 300)
	env := []string{"VECMIG_API_KEY=" + q.APIKey}
	dir := t.TempDir()

	r := runVecmig(t, dir, env, "snapshot", "check", "--max-age", "24h", url)
	mustExit(t, r, 1)
	if !strings.Contains(r.stderr, "no snapshot exists") {
		t.Errorf("check without snapshots: %s", r.stderr)
	}
	for i := 0; i < 3; i++ {
		mustExit(t, runVecmig(t, dir, env, "snapshot", "create", url), 0)
		if q.Real {
			time.Sleep(1100 * time.Millisecond) // real Qdrant names snapshots by the second
		}
	}
	r = runVecmig(t, dir, env, "snapshot", "list", "--json", url)
	mustExit(t, r, 0)
	var list []qadapter.SnapshotInfo
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 3 {
		t.Fatalf("list --json: %v, %d snapshots:\n%s", err, len(list), r.stdout)
	}
	for _, s := range list {
		if s.Size <= 0 || len(s.Checksum) != 64 || s.CreationTime.IsZero() {
			t.Errorf("list entry lacks size, checksum or time: %+v", s)
		}
	}
	r = runVecmig(t, dir, env, "snapshot", "prune", "--keep", "1", "--dry-run", url)
	mustExit(t, r, 0)
	if len(snapList(t, q, url, false)) != 3 || strings.Count(r.stdout, "\nwould delete ")+boolInt(strings.HasPrefix(r.stdout, "would delete ")) != 2 {
		t.Errorf("prune --dry-run deleted something or did not say what it would:\n%s", r.stdout)
	}
	r = runVecmig(t, dir, env, "snapshot", "prune", "--keep", "1", url)
	mustExit(t, r, 0)
	left := snapList(t, q, url, false)
	if len(left) != 1 || left[0].Name != list[0].Name {
		t.Fatalf("prune --keep 1 left %+v, want only the newest %s", left, list[0].Name)
	}
	mustExit(t, runVecmig(t, dir, env, "snapshot", "check", "--max-age", "24h", url), 0)
	r = runVecmig(t, dir, env, "snapshot", "check", "--max-age", "1ns", url)
	mustExit(t, r, 1)
	if !strings.Contains(r.stderr, "more than --max-age") {
		t.Errorf("check --max-age 1ns does not say why: %s", r.stderr)
	}

	out := filepath.Join(dir, "s.snapshot")
	mustExit(t, runVecmig(t, dir, env, "snapshot", "download", "-o", out, url, left[0].Name), 0)
	if st, err := os.Stat(out); err != nil || st.Size() != left[0].Size || st.Mode().Perm() != 0o600 {
		t.Errorf("downloaded file: %v %v", st, err)
	}
	// Recover the downloaded file into a new collection: same data.
	to := q.Endpoint(q.NewName(t, "restored"))
	mustExit(t, runVecmig(t, dir, env, "snapshot", "recover", to, out), 0)
	adaptertest.AssertSameData(t, openSource(t, url, q.APIKey), openSource(t, to, q.APIKey))
	if l := snapList(t, q, to, false); len(l) != 0 {
		t.Errorf("recover left the uploaded file among the target's snapshots: %+v", l)
	}
	mustExit(t, runVecmig(t, dir, env, "snapshot", "delete", url, left[0].Name), 0)
	if l := snapList(t, q, url, false); len(l) != 0 {
		t.Errorf("delete left %+v", l)
	}
	mustExit(t, runVecmig(t, dir, env, "snapshot", "delete", url, "nope.snapshot"), 2)
}

func TestFullSnapshotRoundTrip(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	if q1.Real {
		t.Log("full snapshots of a real server hold every collection on it; the test recovers them all on the second server")
	}
	a := loadSnapFixture(t, q1, "fa", 200)
	b := loadSnapFixture(t, q1, "fb", 300)
	ctx := adaptertest.Ctx(t)
	aName := collName(t, a)
	alias := aName + "_alias"
	if err := q1.Client(t).CreateAlias(ctx, alias, aName); err != nil {
		t.Fatal(err)
	}
	server1 := fmt.Sprintf("qdrant://%s:%d?rest_port=%d", q1.Host, q1.GRPCPort, q1.RESTPort)
	server2 := fmt.Sprintf("qdrant://%s:%d?rest_port=%d", q2.Host, q2.GRPCPort, q2.RESTPort)
	dir := t.TempDir()
	env1, env2 := []string{"VECMIG_API_KEY=" + q1.APIKey}, []string{"VECMIG_API_KEY=" + q2.APIKey}
	r := runVecmig(t, dir, env1, "snapshot", "create", "--full", "--json", server1)
	mustExit(t, r, 0)
	var info qadapter.SnapshotInfo
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("create --full --json: %v\n%s", err, r.stdout)
	}
	t.Cleanup(func() { runVecmig(t, dir, env1, "snapshot", "delete", "--full", server1, info.Name) })
	file := filepath.Join(dir, "full.snapshot")
	mustExit(t, runVecmig(t, dir, env1, "snapshot", "download", "--full", "-o", file, server1, info.Name), 0)
	r = runVecmig(t, dir, env2, "snapshot", "recover", "--full", server2, file)
	mustExit(t, r, 0)
	// Delete what the full snapshot brought, when the test ends.
	c2 := q2.Client(t)
	for _, u := range []string{a, b} {
		name := collName(t, u)
		t.Cleanup(func() { c2.DeleteCollection(context.Background(), name) })
	}
	for _, u := range []string{a, b} {
		name := collName(t, u)
		adaptertest.AssertSameData(t, openSource(t, u, q1.APIKey), openSource(t, q2.Endpoint(name), q2.APIKey))
	}
	aliases, err := q2.Client(t).ListAliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, al := range aliases {
		if al.GetAliasName() == alias && al.GetCollectionName() == aName {
			found = true
		}
	}
	if !found {
		t.Errorf("alias %s -> %s not recovered; target aliases %v", alias, aName, aliases)
	}
}

func collName(t *testing.T, raw string) string {
	ep, err := adapters.ParseEndpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ep.Name
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
