package main

// End-to-end tests of `migrate --method backup` and `vecmig backup` against
// real Weaviate servers sharing a filesystem backup directory and a real
// S3-compatible server (versitygw) for backup-s3.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

const testBucket = "vecmig-backups"

// backupNodes are two Weaviate nodes (both named node1, as a restore
// needs) with backup-filesystem on one shared directory and backup-s3 on
// one versitygw bucket, plus a node named "other" on the same directory.
var backupNodes struct {
	once   sync.Once
	s3     *weaviatetest.S3
	w1, w2 *weaviatetest.Node
	err    error

	otherOnce sync.Once
	other     *weaviatetest.Node
	otherErr  error
	dir       string
}

func backupPair(t *testing.T) (*weaviatetest.Node, *weaviatetest.Node) {
	t.Helper()
	b := &backupNodes
	b.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if b.s3, b.err = weaviatetest.LaunchS3(ctx); b.err != nil {
			return
		}
		if b.err = b.s3.CreateBucket(testBucket); b.err != nil {
			return
		}
		if b.dir, b.err = os.MkdirTemp("", "vecmig-backup-test-"); b.err != nil {
			return
		}
		var wg sync.WaitGroup
		var e1, e2 error
		wg.Add(2)
		for i, dst := range []**weaviatetest.Node{&b.w1, &b.w2} {
			go func() {
				defer wg.Done()
				opts := b.s3.WeaviateOptions(testBucket)
				opts.BackupPath = b.dir
				n, err := weaviatetest.Launch(ctx, opts)
				*dst = n
				if i == 0 {
					e1 = err
				} else {
					e2 = err
				}
			}()
		}
		wg.Wait()
		if e1 != nil {
			b.err = e1
		} else if e2 != nil {
			b.err = e2
		}
	})
	if b.err != nil {
		t.Fatalf("start the backup test servers: %v", b.err)
	}
	return b.w1, b.w2
}

func otherNode(t *testing.T) *weaviatetest.Node {
	backupPair(t)
	b := &backupNodes
	b.otherOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		b.other, b.otherErr = weaviatetest.Launch(ctx, weaviatetest.Options{NodeName: "other", BackupPath: b.dir})
	})
	if b.otherErr != nil {
		t.Fatalf("start the node named other: %v", b.otherErr)
	}
	return b.other
}

func tenantStatuses(t *testing.T, url string) map[string]string {
	t.Helper()
	src := openSource(t, url, "")
	def, err := src.Describe(adaptertest.Ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range def.Partitions {
		out[p.Name] = p.Status
	}
	return out
}

func fixture(name string) adaptertest.Fixture {
	for _, fx := range adaptertest.WeaviateFixtures(600) {
		if fx.Name == name {
			return fx
		}
	}
	panic(name)
}

// loadPair loads a fixture on w1 under a fresh class name and returns the
// class and both endpoint URLs.
func loadPair(t *testing.T, w1, w2 *weaviatetest.Node, fx adaptertest.Fixture) (string, string, string) {
	class := weaviatetest.NewClassName(fx.Name)
	from, to := w1.Endpoint(class), w2.Endpoint(class)
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	return class, from, to
}

func assertTenantsKept(t *testing.T, fx adaptertest.Fixture, from, to string) {
	t.Helper()
	src, dst := tenantStatuses(t, from), tenantStatuses(t, to)
	for _, p := range fx.Def.Partitions {
		if src[p.Name] != p.Status {
			t.Errorf("source tenant %s is %s after the migration, was %s", p.Name, src[p.Name], p.Status)
		}
		if dst[p.Name] != p.Status {
			t.Errorf("target tenant %s is %s, the source has %s", p.Name, dst[p.Name], p.Status)
		}
	}
}

func TestBackupMigrateFilesystem(t *testing.T) {
	w1, w2 := backupPair(t)
	for _, name := range []string{"plain", "tenants"} {
		t.Run(name, func(t *testing.T) {
			fx := fixture(name)
			_, from, to := loadPair(t, w1, w2, fx)
			r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--from", from, "--to", to, "--backend", "filesystem", "--verify", "full")
			mustExit(t, r, 0)
			if !strings.Contains(r.stdout, "migrated by backup vecmig-") {
				t.Errorf("summary lacks the backup id:\n%s", r.stdout)
			}
			assertCopied(t, from, to, "", "")
			if fx.Def.Partitioned {
				assertTenantsKept(t, fx, from, to)
				if !strings.Contains(r.stderr, "inactive tenants") {
					t.Errorf("no notice about the inactive tenant:\n%s", r.stderr)
				}
			}
		})
	}
}

func TestBackupMigrateS3(t *testing.T) {
	w1, w2 := backupPair(t)
	mt, named := fixture("tenants"), fixture("named")
	mtClass, mtFrom, mtTo := loadPair(t, w1, w2, mt)
	namedClass, namedFrom, namedTo := loadPair(t, w1, w2, named)
	r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--from", mtFrom, "--to", mtTo,
		"--include", namedClass, "--backend", "s3", "--verify", "full", "--json")
	mustExit(t, r, 0)
	var res struct {
		CountsMatch bool `json:"counts_match"`
		Copy        struct {
			Method string `json:"method"`
			Detail struct {
				ID      string   `json:"backup_id"`
				Classes []string `json:"classes"`
			} `json:"detail"`
		} `json:"copy"`
		Verify struct {
			Mode       string `json:"mode"`
			Compared   uint64 `json:"points_compared"`
			Mismatched uint64 `json:"points_mismatched"`
		} `json:"verify"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, r.stdout)
	}
	if !res.CountsMatch || res.Copy.Method != "backup" || res.Verify.Mode != "full" || res.Verify.Compared == 0 || res.Verify.Mismatched != 0 {
		t.Errorf("summary: %+v", res)
	}
	if strings.Join(res.Copy.Detail.Classes, ",") != strings.Join(sorted(mtClass, namedClass), ",") {
		t.Errorf("classes %v", res.Copy.Detail.Classes)
	}
	// The backup really is in the bucket.
	if _, err := os.Stat(filepath.Join(backupNodes.s3.Dir, testBucket, res.Copy.Detail.ID)); err != nil {
		t.Errorf("backup %s not in the S3 bucket: %v", res.Copy.Detail.ID, err)
	}
	assertCopied(t, mtFrom, mtTo, "", "")
	assertCopied(t, namedFrom, namedTo, "", "")
	assertTenantsKept(t, mt, mtFrom, mtTo)
}

func sorted(s ...string) []string {
	if s[0] > s[1] {
		s[0], s[1] = s[1], s[0]
	}
	return s
}

func backupIDs(t *testing.T, w *weaviatetest.Node) map[string]bool {
	t.Helper()
	b, _, err := weaviate.NewBackupClient("weaviate://127.0.0.1:"+itoa(w.HTTPPort), weaviate.BackupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := b.List(adaptertest.Ctx(t), "filesystem")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range list {
		out[s.ID] = true
	}
	return out
}

func TestBackupMigrateRefusedBeforeStarting(t *testing.T) {
	w1, w2 := backupPair(t)
	other := otherNode(t)
	fx := fixture("plain")
	class, from, to := loadPair(t, w1, w2, fx)
	before := backupIDs(t, w1)

	t.Run("class exists on target", func(t *testing.T) {
		adaptertest.Load(t, all.Registry(), adapters.Config{}, to, fx)
		r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--from", from, "--to", to, "--backend", "filesystem")
		mustExit(t, r, 2)
		for _, want := range []string{"already exists on the target", "--method live"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("message lacks %q:\n%s", want, r.stderr)
			}
		}
	})
	t.Run("node names differ", func(t *testing.T) {
		r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--from", from, "--to", other.Endpoint(class), "--backend", "filesystem")
		mustExit(t, r, 2)
		for _, want := range []string{"node names differ", "CLUSTER_HOSTNAME=node1", "--method live"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("message lacks %q:\n%s", want, r.stderr)
			}
		}
	})
	t.Run("different class names", func(t *testing.T) {
		r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--from", from, "--to", w2.Endpoint(class+"Other"), "--backend", "filesystem")
		mustExit(t, r, 2)
		if !strings.Contains(r.stderr, "same name") || !strings.Contains(r.stderr, "--method live") {
			t.Errorf("message:\n%s", r.stderr)
		}
	})
	t.Run("backend module missing", func(t *testing.T) {
		r := runVecmig(t, t.TempDir(), nil, "migrate", "--method", "backup", "--from", from, "--to", other.Endpoint(class), "--backend", "s3")
		mustExit(t, r, 2)
		if !strings.Contains(r.stderr, "does not have module backup-s3") {
			t.Errorf("message:\n%s", r.stderr)
		}
	})
	after := backupIDs(t, w1)
	for id := range after {
		if !before[id] {
			t.Errorf("backup %s was started although the migration was refused", id)
		}
	}
}

func TestBackupSubcommands(t *testing.T) {
	w1, w2 := backupPair(t)
	fx := fixture("tenants")
	class, from, to := loadPair(t, w1, w2, fx)
	u1 := "weaviate://127.0.0.1:" + itoa(w1.HTTPPort)
	u2 := "weaviate://127.0.0.1:" + itoa(w2.HTTPPort)
	dir := t.TempDir()
	id := "vecmig-test-" + strings.ToLower(class)

	r := runVecmig(t, dir, nil, "backup", "create", "--backend", "filesystem", "--id", id, "--wait", u1+"/"+class)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, id+"\tSUCCESS") {
		t.Errorf("create --wait:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "backup "+id+": SUCCESS (") || !strings.Contains(r.stderr, "activated 1 inactive tenants") {
		t.Errorf("no progress or tenant notice while waiting:\n%s", r.stderr)
	}
	r = runVecmig(t, dir, nil, "backup", "status", "--backend", "filesystem", "--json", u1, id)
	mustExit(t, r, 0)
	var st weaviate.BackupStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Status != "SUCCESS" || st.ID != id {
		t.Fatalf("status --json: %v %+v\n%s", err, st, r.stdout)
	}
	if got := tenantStatuses(t, from); got["gamma"] != "COLD" {
		t.Errorf("source tenant gamma left %s", got["gamma"])
	}

	r = runVecmig(t, dir, nil, "backup", "create", "--backend", "filesystem", "--id", id, u1+"/"+class)
	mustExit(t, r, 2)
	if !strings.Contains(r.stderr, "already used") {
		t.Errorf("reused id:\n%s", r.stderr)
	}

	r = runVecmig(t, dir, nil, "backup", "status", "--backend", "filesystem", u1, id)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, "SUCCESS") {
		t.Errorf("status:\n%s", r.stdout)
	}
	r = runVecmig(t, dir, nil, "backup", "status", "--backend", "filesystem", u1, "no-such-backup")
	mustExit(t, r, 2)

	r = runVecmig(t, dir, nil, "backup", "list", "--backend", "filesystem", u1)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, id) || !strings.Contains(r.stdout, class) {
		t.Errorf("list lacks %s:\n%s", id, r.stdout)
	}

	r = runVecmig(t, dir, nil, "backup", "restore", "--backend", "filesystem", "--wait", u2, id)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, "SUCCESS") {
		t.Errorf("restore:\n%s", r.stdout)
	}
	// The data is the source's; the tenant that was activated for the
	// backup comes back HOT (its status at backup time).
	adaptertest.AssertSameData(t, openSource(t, from, ""), openSource(t, to, ""))
	r = runVecmig(t, dir, nil, "backup", "status", "--backend", "filesystem", "--restore", u2, id)
	mustExit(t, r, 0)

	// The class exists now: refused before starting.
	r = runVecmig(t, dir, nil, "backup", "restore", "--backend", "filesystem", "--wait", u2, id)
	mustExit(t, r, 2)
	if !strings.Contains(r.stderr, "already exists") {
		t.Errorf("restore over an existing class:\n%s", r.stderr)
	}

	// Cancel: the wait ends with CANCELED and a non-zero exit. A tiny
	// backup may finish before the cancel lands: try a few times.
	big := fixture("plain")
	bigClass := weaviatetest.NewClassName("cancel")
	adaptertest.Load(t, all.Registry(), adapters.Config{}, w1.Endpoint(bigClass), big)
	canceled := false
	for try := 0; try < 4 && !canceled; try++ {
		cid := id + "-cancel-" + itoa(try)
		r = runVecmig(t, dir, nil, "backup", "create", "--backend", "filesystem", "--id", cid, u1+"/"+bigClass)
		mustExit(t, r, 0)
		r = runVecmig(t, dir, nil, "backup", "cancel", "--backend", "filesystem", u1, cid)
		if r.code != 0 {
			continue // already finished
		}
		r = runVecmig(t, dir, nil, "backup", "status", "--backend", "filesystem", "--wait", u1, cid)
		if r.code == 0 {
			continue
		}
		mustExit(t, r, 2)
		if !strings.Contains(r.stderr, "ended CANCELED") {
			t.Errorf("wait on a cancelled backup:\n%s", r.stderr)
		}
		canceled = true
	}
	if !canceled {
		t.Errorf("no backup could be cancelled before it finished in 4 tries")
	}

	// Bad input.
	r = runVecmig(t, dir, nil, "backup", "status", "--backend", "filesystem", u1, "Bad ID")
	mustExit(t, r, 2)
	r = runVecmig(t, dir, nil, "backup", "list", "--backend", "nfs", u1)
	mustExit(t, r, 2)
}

func itoa(n int) string { return strings.TrimSpace(strings.Replace(jsonNum(n), "\n", "", -1)) }

func jsonNum(n int) string { b, _ := json.Marshal(n); return string(b) }

// stopBackupServers stops what the backup tests started; TestMain calls it.
func stopBackupServers() {
	b := &backupNodes
	for _, n := range []*weaviatetest.Node{b.w1, b.w2, b.other} {
		if n != nil {
			n.Stop()
		}
	}
	if b.s3 != nil {
		b.s3.Stop()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
