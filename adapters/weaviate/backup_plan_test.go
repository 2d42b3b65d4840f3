package weaviate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// backupCopier is the backup ability of a Weaviate source, found as
// migrate finds it.
func backupCopier(t *testing.T, url string) adapters.ServerCopier {
	t.Helper()
	c, ok := adapters.As[adapters.ServerCopier](openSource(t, url, adapters.Config{}))
	if !ok || c.CopyMethod() != "backup" {
		t.Fatalf("a Weaviate source offers no backup copy (%v, %v)", ok, c)
	}
	return c
}

// assertProblems checks every wanted text is in its own error finding,
// and that there are no others.
func assertProblems(t *testing.T, fs []adapters.Finding, want ...string) {
	t.Helper()
	var errs []string
	for _, f := range fs {
		if f.Level == adapters.LevelError {
			errs = append(errs, f.Message)
		}
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			found = found || strings.Contains(e, w)
		}
		if !found {
			t.Errorf("no error finding says %q; the plan found:\n%s", w, strings.Join(errs, "\n"))
		}
	}
	if len(errs) != len(want) {
		t.Errorf("%d error findings, want %d:\n%s", len(errs), len(want), strings.Join(errs, "\n"))
	}
}

// PlanCopy reports every pitfall of a backup copy at once, and starts no
// backup and creates no class.
func TestBackupPlanCopyReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := weaviatetest.Start(t, weaviatetest.Options{})
	dst := weaviatetest.Start(t, weaviatetest.Options{NodeName: "other"})
	ctx := adaptertest.Ctx(t)
	class, shared := weaviatetest.NewClassName("plan"), weaviatetest.NewClassName("shared")
	for _, u := range []string{src.Endpoint(class), src.Endpoint(shared), dst.Endpoint(shared)} {
		adaptertest.Load(t, registry, adapters.Config{}, u, fixture(t, "plain"))
	}
	onSource := backupClient(t, hostPort(src), weaviate.BackupOptions{})
	onTarget := backupClient(t, hostPort(dst), weaviate.BackupOptions{})

	t.Run("every pitfall", func(t *testing.T) {
		copier := backupCopier(t, src.Endpoint(class)+"&tenant=a")
		to := class + "Other"
		sink := adaptertest.OpenSink(t, registry, dst.Endpoint(to), adapters.Config{})
		req := adapters.CopyRequest{Backup: adapters.BackupParams{Backend: "s3", ID: "Bad ID", Include: []string{shared}, Exclude: []string{"Nope"}}}
		fs, err := copier.PlanCopy(ctx, sink, req)
		if err != nil {
			t.Fatal(err)
		}
		assertProblems(t, fs, "?tenant= cannot be used", "under the same name", "--include and --exclude",
			"source "+onSource.Where()+" does not have module backup-s3", "target "+onTarget.Where()+" does not have module backup-s3",
			`backup id "Bad ID"`, "node names differ", fmt.Sprintf("class %q already exists on the target", shared))
		for _, name := range []string{class, to} {
			if ci, err := onTarget.Class(ctx, name); err != nil || ci != nil {
				t.Errorf("the plan created class %s on the target (%+v, %v)", name, ci, err)
			}
		}
	})
	t.Run("used backup id", func(t *testing.T) {
		id := weaviate.NewBackupID(class)
		if _, err := onSource.Create(ctx, "filesystem", weaviate.BackupRequest{ID: id, Include: []string{shared}}); err != nil {
			t.Fatal(err)
		}
		if _, err := onSource.WaitBackup(ctx, "filesystem", id, weaviate.Location{}, quickWait); err != nil {
			t.Fatal(err)
		}
		sink := adaptertest.OpenSink(t, registry, dst.Endpoint(class), adapters.Config{})
		req := adapters.CopyRequest{Backup: adapters.BackupParams{Backend: "filesystem", ID: id}}
		fs, err := backupCopier(t, src.Endpoint(class)).PlanCopy(ctx, sink, req)
		if err != nil {
			t.Fatal(err)
		}
		assertProblems(t, fs, "node names differ", "is already used")
	})
	list, err := onSource.List(ctx, "filesystem")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("backups on the source: %+v; want only the one the test made", list)
	}
}
