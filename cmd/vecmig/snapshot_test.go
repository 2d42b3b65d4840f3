package main

// Snapshot tests: `vecmig migrate --method snapshot` and `vecmig snapshot`,
// run as a user would against real Qdrant servers (qdranttest). Faults come
// from proxies in front of a server (qdranttest.StartProxy), which also
// count the requests that reach it.

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	"github.com/vecmig/vecmig/adapters/faultproxy"
	qadapter "github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// Requests of the snapshot REST API, as faultproxy Match strings.
const (
	matchCreate   = "POST /collections/*/snapshots"
	matchDownload = "GET /collections/*/snapshots/*"
	matchUpload   = "POST /collections/*/snapshots/upload"
	matchRecover  = "PUT /collections/*/snapshots/recover"
)

func qenv(q1, q2 *qdranttest.Node) []string {
	return []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
}

// loadSnapCollection loads the Qdrant fixture called name, n points, into a new
// collection on tg and returns the collection's name.
func loadSnapCollection(t *testing.T, tg *qdranttest.Node, name, hint string, n int) string {
	t.Helper()
	fx := adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(n), name)
	coll := tg.NewName(t, hint)
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}, tg.Endpoint(coll), fx)
	return coll
}

// loadSnapFixture loads the first Qdrant fixture with n points on tg and
// returns its URL.
func loadSnapFixture(t *testing.T, tg *qdranttest.Node, hint string, n int) string {
	t.Helper()
	return tg.Endpoint(loadSnapCollection(t, tg, "qdrant_int_dense", hint, n))
}

func snapList(t *testing.T, tg *qdranttest.Node, url string, full bool) []qadapter.SnapshotInfo {
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
	list, err := s.List(adaptertest.Ctx(t), ep.Name)
	if err != nil && adapters.KindOf(err) != adapters.KindNotFound {
		t.Fatal(err)
	}
	return list
}

// assertNoSnapshotFiles checks the server keeps no file of coll's
// snapshots on its disk, listed or not.
func assertNoSnapshotFiles(t *testing.T, tg *qdranttest.Node, coll string) {
	t.Helper()
	if ents, _ := os.ReadDir(filepath.Join(tg.SnapshotsDir, coll)); len(ents) != 0 {
		names := make([]string, len(ents))
		for i, e := range ents {
			names[i] = e.Name()
		}
		t.Errorf("files left in the snapshots directory of %s: %v", coll, names)
	}
}

func TestSnapshotMigrate(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	for _, fx := range adaptertest.QdrantFixtures(700) {
		t.Run(fx.Name, func(t *testing.T) {
			fromColl, toColl := loadSnapCollection(t, q1, fx.Name, fx.Name, 700), q2.NewName(t, fx.Name)
			from, to := q1.Endpoint(fromColl), q2.Endpoint(toColl)
			r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", from, "--to", to, "--verify", "full")
			mustExit(t, r, 0)
			if want := fmt.Sprintf("points compared %d: %d equal", fx.Total(), fx.Total()); !strings.Contains(r.stdout, want) {
				t.Errorf("--verify full did not compare every point (%q):\n%s", want, r.stdout)
			}
			// Definition and shard keys included: Qdrant alone recovers
			// a custom-sharded collection without its keys.
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
			if l := snapList(t, q1, from, false); len(l) != 0 {
				t.Errorf("vecmig left its snapshot on the source: %+v", l)
			}
			if l := snapList(t, q2, to, false); len(l) != 0 {
				t.Errorf("vecmig left the uploaded snapshot on the target: %+v", l)
			}
			assertNoSnapshotFiles(t, q2, toColl)
		})
	}
}

func TestSnapshotMigrateDirectAndKeep(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	for _, name := range []string{"qdrant_int_dense", "qdrant_sharded"} {
		t.Run(name, func(t *testing.T) {
			from := q1.Endpoint(loadSnapCollection(t, q1, name, "direct", 500))
			to := q2.Endpoint(q2.NewName(t, "direct"))
			// The target downloads from the source's REST port itself:
			// with both on loopback it can.
			r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--transfer", "direct", "--keep-snapshot", "--from", from, "--to", to, "--verify", "full")
			mustExit(t, r, 0)
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
			kept := snapList(t, q1, from, false)
			if len(kept) != 1 {
				t.Fatalf("--keep-snapshot: want the snapshot kept on the source, have %+v", kept)
			}
			if l := snapList(t, q2, to, false); len(l) != 0 {
				t.Errorf("a direct recovery left snapshots on the target: %+v", l)
			}
			// The kept snapshot is used again by name, onto the same target.
			r = runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--snapshot", kept[0].Name, "--on-exists", "recreate", "--from", from, "--to", to)
			mustExit(t, r, 0)
			assertCopied(t, from, to, q1.APIKey, q2.APIKey)
			if l := snapList(t, q1, from, false); len(l) != 1 {
				t.Errorf("a snapshot named with --snapshot must stay; have %+v", l)
			}
		})
	}
}

func TestSnapshotDownloadCutResumes(t *testing.T) {
	const cut = 100_000
	for _, ranges := range []bool{true, false} {
		t.Run(fmt.Sprintf("ranges=%v", ranges), func(t *testing.T) {
			q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
			coll := loadSnapCollection(t, q1, "qdrant_int_dense", "cut", 3000)
			src := qdranttest.StartProxy(t, q1)
			to := q2.Endpoint(q2.NewName(t, "cut"))
			// The first download breaks after cut bytes. Without ranges the
			// proxy hides Accept-Ranges and drops Range, as a server or
			// proxy without range support would.
			src.HTTP.Inject(faultproxy.Fault{Match: matchDownload, Times: 1, CutAfter: cut, StripRange: !ranges})
			if !ranges {
				src.HTTP.Inject(faultproxy.Fault{Match: matchDownload, StripRange: true})
			}
			r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", src.Endpoint(coll), "--to", to, "--verify", "full")
			mustExit(t, r, 0)
			want, summary := "continuing from there", "download resumed 1 and restarted 0 times"
			if !ranges {
				want, summary = "starting over", "download resumed 0 and restarted 1 times"
			}
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
			if !strings.Contains(r.stdout, summary) {
				t.Errorf("summary does not say %q:\n%s", summary, r.stdout)
			}
			if n := src.HTTP.Calls(matchDownload); n != 2 {
				t.Errorf("downloads: %d requests, want 2 (cut, then the rest)", n)
			}
			assertCopied(t, q1.Endpoint(coll), to, q1.APIKey, q2.APIKey)
		})
	}
}

func TestSnapshotCorruptFailsChecksum(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "corrupt", 1000)
	src, dst := qdranttest.StartProxy(t, q1), qdranttest.StartProxy(t, q2)
	src.HTTP.Inject(faultproxy.Fault{Match: matchDownload, Corrupt: true})
	tmp := t.TempDir()
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", src.Endpoint(coll), "--to", dst.Endpoint(q2.NewName(t, "corrupt")), "--temp-dir", tmp)
	mustExit(t, r, 2)
	if !strings.Contains(r.stderr, "checksum mismatch") || !strings.Contains(r.stderr, "nothing was uploaded") {
		t.Errorf("stderr does not explain the checksum mismatch:\n%s", r.stderr)
	}
	if n := src.HTTP.Calls(matchDownload); n != 1 {
		t.Errorf("downloads: %d, want 1 (a bad checksum is not retried)", n)
	}
	if n := dst.HTTP.Calls(matchUpload) + dst.HTTP.Calls(matchRecover); n != 0 {
		t.Errorf("the target got %d upload/recover requests after a bad checksum, want 0", n)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("temporary files left in --temp-dir: %v", ents)
	}
	if l := snapList(t, q1, q1.Endpoint(coll), false); len(l) != 0 {
		t.Errorf("the snapshot vecmig made stays on the source after the failure: %+v", l)
	}
}

func TestSnapshotRefusedBeforeTransfer(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	plain := loadSnapCollection(t, q1, "qdrant_int_dense", "refuse", 200)
	type setup struct {
		src   *qdranttest.Node
		coll  string
		to    string
		extra []string
	}
	cases := []struct {
		name, want string
		setup      func(t *testing.T) setup
	}{
		{"exists", "--on-exists recreate", func(t *testing.T) setup {
			return setup{src: q1, coll: plain, to: loadSnapFixture(t, q2, "exists", 10)}
		}},
		{"append", "--on-exists append cannot be honoured", func(t *testing.T) setup {
			return setup{src: q1, coll: plain, to: loadSnapFixture(t, q2, "append", 10), extra: []string{"--on-exists", "append"}}
		}},
		{"cluster", "cluster mode with 2 peers", func(t *testing.T) setup {
			nodes := qdranttest.StartCluster(t, 2, qdranttest.Options{})
			coll := loadSnapCollection(t, nodes[0], "qdrant_int_dense", "cl", 100)
			return setup{src: nodes[0], coll: coll, to: q2.Endpoint(q2.NewName(t, "cl"))}
		}},
		{"shard keys onto a standalone server", "distributed mode", func(t *testing.T) setup {
			standalone := qdranttest.Start(t, qdranttest.Options{})
			coll := loadSnapCollection(t, q1, "qdrant_sharded", "keys", 100)
			return setup{src: q1, coll: coll, to: standalone.Endpoint("keys")}
		}},
	}
	// The version rule (same or next minor) is shown end to end by
	// TestSnapshotFromTooNewServerRefused (toonew_test.go), through a proxy
	// that rewrites the version the source reports.
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.setup(t)
			src := qdranttest.StartProxy(t, s.src)
			args := append([]string{"migrate", "--method", "snapshot", "--from", src.Endpoint(s.coll), "--to", s.to}, s.extra...)
			r := runVecmig(t, t.TempDir(), nil, args...)
			mustExit(t, r, 2)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
			if n := src.HTTP.Calls(matchCreate) + src.HTTP.Calls(matchDownload); n != 0 {
				t.Errorf("%d create/download requests reached the source before the refusal, want 0", n)
			}
		})
	}
}

func TestSnapshotRecreateReplacesTarget(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	from := loadSnapFixture(t, q1, "replace", 300)
	// Another shape and other settings: Qdrant refuses to recover into it
	// (400 "Snapshot is not compatible"), and into a compatible one it
	// would keep the target's settings, so vecmig replaces the collection.
	name := q2.NewName(t, "replace")
	ctx, c2 := adaptertest.Ctx(t), q2.Client(t)
	err := c2.CreateCollection(ctx, &qdrant.CreateCollection{CollectionName: name, HnswConfig: &qdrant.HnswConfigDiff{M: qdrant.PtrOf(uint64(4))},
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 3, Distance: qdrant.Distance_Dot})})
	if err != nil {
		t.Fatal(err)
	}
	alias := name + "_live"
	if err := c2.CreateAlias(ctx, alias, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.DeleteAlias(context.Background(), alias) })
	to := q2.Endpoint(name)
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--on-exists", "recreate", "--from", from, "--to", to, "--verify", "full")
	mustExit(t, r, 0)
	aliases, err := c2.ListAliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range aliases {
		found = found || (a.GetAliasName() == alias && a.GetCollectionName() == name)
	}
	if !found {
		t.Errorf("alias %s no longer points at the replaced collection %s: %v", alias, name, aliases)
	}
	// The alias is the target's own, not part of the copied definition.
	if err := c2.DeleteAlias(ctx, alias); err != nil {
		t.Fatal(err)
	}
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
}

func TestSnapshotRetriesHonourRetryAfter(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "retry", 500)
	src, dst := qdranttest.StartProxy(t, q1), qdranttest.StartProxy(t, q2)
	to := q2.NewName(t, "retry")
	src.HTTP.Inject(faultproxy.Fault{Match: matchCreate, Times: 1, Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	dst.HTTP.Inject(faultproxy.Fault{Match: matchUpload, Times: 1, Status: http.StatusServiceUnavailable, RetryAfter: time.Second})
	start := time.Now()
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", src.Endpoint(coll), "--to", dst.Endpoint(to), "--verify", "full")
	mustExit(t, r, 0)
	if el := time.Since(start); el < 1800*time.Millisecond {
		t.Errorf("two Retry-After: 1 answers were honoured in %s; want at least about 2s of waiting", el)
	}
	if a, b := src.HTTP.Calls(matchCreate), dst.HTTP.Calls(matchUpload); a != 2 || b != 2 {
		t.Errorf("create requests %d, upload requests %d; want 2 each (one refused, one retried)", a, b)
	}
	if !strings.Contains(r.stderr, "429") || !strings.Contains(r.stderr, "503") {
		t.Errorf("stderr does not report the retries:\n%s", r.stderr)
	}
	assertCopied(t, q1.Endpoint(coll), q2.Endpoint(to), q1.APIKey, q2.APIKey)
}

func TestSnapshot400NotRetried(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "bad", 100)
	dst := qdranttest.StartProxy(t, q2)
	dst.HTTP.Inject(faultproxy.Fault{Match: matchUpload, Times: 1, Status: http.StatusBadRequest})
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", q1.Endpoint(coll), "--to", dst.Endpoint(q2.NewName(t, "bad")))
	mustExit(t, r, 2)
	if n := dst.HTTP.Calls(matchUpload); n != 1 {
		t.Errorf("upload requests: %d, want exactly 1 (400 is not retried)", n)
	}
	if l := snapList(t, q1, q1.Endpoint(coll), false); len(l) != 0 {
		t.Errorf("the snapshot vecmig made stays on the source after the failure: %+v", l)
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
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // Qdrant names snapshots by the second
		}
		mustExit(t, runVecmig(t, dir, env, "snapshot", "create", url), 0)
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
	if len(snapList(t, q, url, false)) != 3 || linesWithPrefix(r.stdout, "would delete ") != 2 {
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

	out := filepath.Join(dir, "s.bin")
	mustExit(t, runVecmig(t, dir, env, "snapshot", "download", "-o", out, url, left[0].Name), 0)
	if st, err := os.Stat(out); err != nil || st.Size() != left[0].Size || st.Mode().Perm() != 0o600 {
		t.Errorf("downloaded file: %v %v", st, err)
	}
	// Recover the downloaded file into a new collection: same data. Qdrant
	// keeps every upload on disk (listed only when named *.snapshot);
	// nothing may stay behind.
	toColl := q.NewName(t, "restored")
	to := q.Endpoint(toColl)
	mustExit(t, runVecmig(t, dir, env, "snapshot", "recover", to, out), 0)
	adaptertest.AssertSameData(t, openSource(t, url, q.APIKey), openSource(t, to, q.APIKey))
	if l := snapList(t, q, to, false); len(l) != 0 {
		t.Errorf("recover left the uploaded file among the target's snapshots: %+v", l)
	}
	assertNoSnapshotFiles(t, q, toColl)
	r = runVecmig(t, dir, env, "snapshot", "recover", to, out)
	mustExit(t, r, 2)
	if !strings.Contains(r.stderr, "--on-exists recreate") {
		t.Errorf("recover onto an existing collection does not point at --on-exists recreate:\n%s", r.stderr)
	}
	mustExit(t, runVecmig(t, dir, env, "snapshot", "recover", "--on-exists", "recreate", to, out), 0)
	adaptertest.AssertSameData(t, openSource(t, url, q.APIKey), openSource(t, to, q.APIKey))

	mustExit(t, runVecmig(t, dir, env, "snapshot", "delete", url, left[0].Name), 0)
	if l := snapList(t, q, url, false); len(l) != 0 {
		t.Errorf("delete left %+v", l)
	}
	mustExit(t, runVecmig(t, dir, env, "snapshot", "delete", url, "nope.snapshot"), 2)
}

// fullArchive is what a full snapshot holds, read from the file.
type fullArchive struct {
	Mapping map[string]string `json:"collections_mapping"`
	Aliases map[string]string `json:"collections_aliases"`
	Members map[string]bool   `json:"-"`
}

func readFullArchive(t *testing.T, path string) fullArchive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := fullArchive{Members: map[string]bool{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return a
		}
		if err != nil {
			t.Fatalf("full snapshot %s is not a tar: %v", path, err)
		}
		a.Members[h.Name] = true
		if h.Name == "config.json" {
			if err := json.NewDecoder(tr).Decode(&a); err != nil {
				t.Fatalf("config.json of the full snapshot: %v", err)
			}
		}
	}
}

func TestFullSnapshotRoundTrip(t *testing.T) {
	// Own servers: a full snapshot holds every collection of a server, and
	// the shared ones hold those of other tests. Distributed mode for the
	// custom shard keys.
	n1 := qdranttest.Start(t, qdranttest.Options{Cluster: true})
	n2 := qdranttest.Start(t, qdranttest.Options{Cluster: true})
	a := loadSnapCollection(t, n1, "qdrant_int_dense", "fa", 200)
	b := loadSnapCollection(t, n1, "qdrant_sharded", "fb", 300)
	ctx := adaptertest.Ctx(t)
	alias := a + "_alias"
	if err := n1.Client(t).CreateAlias(ctx, alias, a); err != nil {
		t.Fatal(err)
	}
	server1 := fmt.Sprintf("qdrant://%s:%d?rest_port=%d", n1.Host, n1.GRPCPort, n1.RESTPort)
	server2 := fmt.Sprintf("qdrant://%s:%d?rest_port=%d", n2.Host, n2.GRPCPort, n2.RESTPort)
	dir := t.TempDir()
	r := runVecmig(t, dir, nil, "snapshot", "create", "--full", "--json", server1)
	mustExit(t, r, 0)
	var info qadapter.SnapshotInfo
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("create --full --json: %v\n%s", err, r.stdout)
	}
	if l := snapList(t, n1, server1, true); len(l) != 1 || l[0].Name != info.Name {
		t.Errorf("list --full: %+v, want %s", l, info.Name)
	}
	file := filepath.Join(dir, "full.snapshot")
	mustExit(t, runVecmig(t, dir, nil, "snapshot", "download", "--full", "-o", file, server1, info.Name), 0)

	// The archive as Qdrant 1.18.3 writes it: config.json maps each
	// collection to a collection snapshot at the archive's top level, and
	// lists the aliases.
	arch := readFullArchive(t, file)
	for _, c := range []string{a, b} {
		inner := arch.Mapping[c]
		if !strings.HasSuffix(inner, ".snapshot") || !arch.Members[inner] {
			t.Errorf("config.json maps %s to %q, which the archive (%v) does not hold", c, inner, arch.Members)
		}
	}
	if len(arch.Mapping) != 2 || arch.Aliases[alias] != a {
		t.Errorf("config.json: collections %v, aliases %v; want %s and %s, alias %s -> %s", arch.Mapping, arch.Aliases, a, b, alias, a)
	}

	r = runVecmig(t, dir, nil, "snapshot", "recover", "--full", server2, file)
	mustExit(t, r, 0)
	for _, c := range []string{a, b} {
		assertCopied(t, n1.Endpoint(c), n2.Endpoint(c), "", "")
		assertNoSnapshotFiles(t, n2, c)
	}
	aliases, err := n2.Client(t).ListAliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, al := range aliases {
		found = found || (al.GetAliasName() == alias && al.GetCollectionName() == a)
	}
	if !found {
		t.Errorf("alias %s -> %s not recovered; target aliases %v", alias, a, aliases)
	}

	// Again onto the same server: refused without --on-exists recreate.
	r = runVecmig(t, dir, nil, "snapshot", "recover", "--full", server2, file)
	mustExit(t, r, 2)
	if !strings.Contains(r.stderr, "--on-exists recreate") {
		t.Errorf("recover --full onto existing collections does not point at --on-exists recreate:\n%s", r.stderr)
	}
	mustExit(t, runVecmig(t, dir, nil, "snapshot", "delete", "--full", server1, info.Name), 0)
}

// linesWithPrefix counts the lines of s that start with prefix.
func linesWithPrefix(s, prefix string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
