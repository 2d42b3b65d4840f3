package qdrant_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// diskSnapshots opens n's snapshot API with downloads that run out of
// space after limit bytes.
func diskSnapshots(t *testing.T, n *qdranttest.Node, limit int64) *qdrant.Snapshots {
	t.Helper()
	ep, err := adapters.ParseEndpoint(n.Endpoint("_"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := qdrant.OpenSnapshots(ep, config(n), qdrant.WithDiskLimit(qdrant.SnapshotOptions{}, limit))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// diskCollection makes a collection of 200 points on n.
func diskCollection(t *testing.T, n *qdranttest.Node, hint string) string {
	t.Helper()
	coll := n.NewName(t, hint)
	c := n.Client(t)
	if err := c.CreateCollection(adaptertest.Ctx(t), &qc.CreateCollection{CollectionName: coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	ids := make([]uint64, 200)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	upsert(t, c, coll, nil, points(ids...))
	return coll
}

// A disk that fills up during a download stops it with one line: the
// path, the bytes written of the total, where to free space or what flag
// to use, and that the partial file was removed.
func TestSnapshotDownloadDiskFull(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	coll := diskCollection(t, q, "full")
	info, err := openSnapshots(t, q, nil).Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer openSnapshots(t, q, nil).Delete(ctx, coll, info.Name)
	limit := info.Size / 2
	path := filepath.Join(t.TempDir(), "s.snapshot")

	_, err = diskSnapshots(t, q, limit).Download(ctx, coll, info.Name, path, info.Checksum, nil)
	if err == nil {
		t.Fatalf("a download of %d bytes onto a disk of %d succeeded", info.Size, limit)
	}
	msg := err.Error()
	for _, want := range []string{path, fmt.Sprintf(" of %d bytes", info.Size), "no space left", "free space in " + filepath.Dir(path), "--temp-dir", "the partial file was removed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") || !errors.Is(err, syscall.ENOSPC) || adapters.KindOf(err) != adapters.KindInvalid {
		t.Errorf("want one line, wrapping ENOSPC, of kind invalid (exit 2); got kind %v: %q", adapters.KindOf(err), msg)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the partial file is still there (%v), though the message says it was removed", err)
	}
}

// The free space is checked against the size the server announces before
// the first byte is written.
func TestSnapshotDownloadChecksRoomFirst(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	coll := diskCollection(t, q, "room")
	s := openSnapshots(t, q, nil)
	info, err := s.Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Delete(ctx, coll, info.Name)
	dir := t.TempDir()
	defer qdrant.SetFreeBytes(uint64(info.Size - 1))()
	_, err = s.Download(ctx, coll, info.Name, filepath.Join(dir, "s"), info.Checksum, nil)
	want := fmt.Sprintf("it is %d bytes and %s has %d bytes free", info.Size, dir, info.Size-1)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--temp-dir") || adapters.KindOf(err) != adapters.KindInvalid {
		t.Fatalf("download with one byte too few free: %v; want %q and --temp-dir", err, want)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}
}

// A snapshot migration whose download runs out of space leaves the target
// untouched and cleans up after itself: no target collection, no
// temporary file, no snapshot left on the source.
func TestSnapshotMigrateDiskFullLeavesTargetAlone(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	ctx := adaptertest.Ctx(t)
	coll := diskCollection(t, q1, "fullmig")
	to := q2.NewName(t, "fullmig")
	dir := t.TempDir()
	src := qdrant.SnapshotSide{Server: diskSnapshots(t, q1, 4096), Collection: coll}
	dst := qdrant.SnapshotSide{Server: openSnapshots(t, q2, nil), Collection: to}

	_, err := qdrant.MigrateBySnapshot(ctx, src, dst, qdrant.SnapshotMigrateOptions{TempDir: dir})
	if err == nil || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), "partial file was removed") {
		t.Fatalf("migrate onto a full disk: %v; want the disk-full message", err)
	}
	if ok, err := q2.Client(t).CollectionExists(ctx, to); err != nil || ok {
		t.Errorf("the target was created (exists=%v, %v)", ok, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left in --temp-dir: %v", ents)
	}
	if l, err := openSnapshots(t, q1, nil).List(ctx, coll); err != nil || len(l) != 0 {
		t.Errorf("the snapshot made for the failed copy is still on the source: %+v %v", l, err)
	}
}
