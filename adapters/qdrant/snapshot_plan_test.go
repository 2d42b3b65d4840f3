package qdrant_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// snapshotCopier is the snapshot ability of a Qdrant source, found as
// migrate finds it.
func snapshotCopier(t *testing.T, src adapters.Source) adapters.ServerCopier {
	t.Helper()
	c, ok := adapters.As[adapters.ServerCopier](src)
	if !ok || c.CopyMethod() != "snapshot" {
		t.Fatalf("a Qdrant source offers no snapshot copy (%v, %v)", ok, c)
	}
	return c
}

// errorsOf returns the messages of the error findings.
func errorsOf(fs []adapters.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Level == adapters.LevelError {
			out = append(out, f.Message)
		}
	}
	return out
}

// assertFindings checks every wanted text is in its own error finding.
func assertFindings(t *testing.T, fs []adapters.Finding, want ...string) {
	t.Helper()
	errs := errorsOf(fs)
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

// PlanCopy reports every problem of a snapshot copy at once, and neither
// makes a snapshot nor creates or changes the target.
func TestSnapshotPlanCopyReportsEveryProblem(t *testing.T) {
	q1 := qdranttest.Instance(t, 1) // distributed mode, one peer
	alone := qdranttest.Start(t, qdranttest.Options{})
	ctx := adaptertest.Ctx(t)
	coll := q1.NewName(t, "plan")
	shardedCollection(t, q1, coll)
	src := openSource(t, q1.Endpoint(coll), config(q1))
	copier := snapshotCopier(t, src)
	snaps := openSnapshots(t, q1, nil)

	t.Run("absent target", func(t *testing.T) {
		to := alone.NewName(t, "plan")
		req := adapters.CopyRequest{Snapshot: adapters.SnapshotParams{Name: "nope.snapshot", TempDir: filepath.Join(t.TempDir(), "missing")}}
		fs, err := copier.PlanCopy(ctx, openSink(t, alone.Endpoint(to), config(alone)), req)
		if err != nil {
			t.Fatal(err)
		}
		assertFindings(t, fs, "distributed mode", `snapshot "nope.snapshot" does not exist`, "missing: ")
		if ok, err := alone.Client(t).CollectionExists(ctx, to); err != nil || ok {
			t.Errorf("the plan created the target (exists=%v, %v)", ok, err)
		}
	})
	t.Run("existing target under append", func(t *testing.T) {
		to := alone.NewName(t, "append")
		c := alone.Client(t)
		if err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: to,
			VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
			t.Fatal(err)
		}
		upsert(t, c, to, nil, points(1))
		req := adapters.CopyRequest{OnExists: adapters.ExistsAppend}
		fs, err := copier.PlanCopy(ctx, openSink(t, alone.Endpoint(to), config(alone)), req)
		if err != nil {
			t.Fatal(err)
		}
		assertFindings(t, fs, "distributed mode", "--on-exists append cannot be honoured")
		if n := count(t, c, to, nil); n != 1 {
			t.Errorf("the target holds %d points after the plan, want its 1", n)
		}
	})
	if l, err := snaps.List(ctx, coll); err != nil || len(l) != 0 {
		t.Errorf("the plans left snapshots on the source: %+v %v", l, err)
	}
}

// A snapshot that turns out larger than the free space of the temporary
// directory is refused once it exists, before the download starts; the
// snapshot is removed and the target not created.
func TestSnapshotCopyChecksFreeSpace(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	ctx := adaptertest.Ctx(t)
	coll := q1.NewName(t, "disk")
	c := q1.Client(t)
	if err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c, coll, nil, points(1, 2, 3))
	// Three points of 16 bytes of vectors: the plan's lower bound fits.
	defer qdrant.SetFreeBytes(1000)()
	copier := snapshotCopier(t, openSource(t, q1.Endpoint(coll), config(q1)))
	to := q2.NewName(t, "disk")
	dst := openSink(t, q2.Endpoint(to), config(q2))
	dir := t.TempDir()
	req := adapters.CopyRequest{Snapshot: adapters.SnapshotParams{TempDir: dir}, Retry: &adapters.RetryPolicy{Attempts: 2}}

	fs, err := copier.PlanCopy(ctx, dst, req)
	if err != nil || len(errorsOf(fs)) != 0 {
		t.Fatalf("plan: %v %v; want no problem before the snapshot's size is known", errorsOf(fs), err)
	}
	_, err = copier.CopyTo(ctx, dst, req)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "which has 1000 bytes free") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("copy: %v; want one line naming %s, its 1000 free bytes and the bytes needed", err, dir)
	}
	if l, err := openSnapshots(t, q1, nil).List(ctx, coll); err != nil || len(l) != 0 {
		t.Errorf("the snapshot made for the refused download is still on the source: %+v %v", l, err)
	}
	if ok, err := q2.Client(t).CollectionExists(ctx, to); err != nil || ok {
		t.Errorf("the refused copy created the target (exists=%v, %v)", ok, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left in the temporary directory: %v", ents)
	}

	// A named snapshot's size is known: the plan refuses it.
	info, err := openSnapshots(t, q1, nil).Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer openSnapshots(t, q1, nil).Delete(ctx, coll, info.Name)
	req.Snapshot.Name = info.Name
	fs, err = copier.PlanCopy(ctx, dst, req)
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, fs, "which has 1000 bytes free")
}
