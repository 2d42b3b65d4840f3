package qdrant_test

// Unit tests of the pure snapshot rules; the behaviour of a real Qdrant
// that the snapshot code depends on is pinned in snapshot_recover_test.go
// and snapshot_download_test.go.

import (
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/qdrant"
)

// TestSnapshotVersionsFit is the only test of the version rule: the
// servers here all run qdranttest.Version, and the proxies in front of them
// forward the health check unchanged, so no end-to-end test can show
// another version.
func TestSnapshotVersionsFit(t *testing.T) {
	for _, c := range []struct {
		src, dst string
		ok       bool
	}{
		{"1.16.3", "1.16.0", true}, {"1.16.3", "1.17.1", true}, {"1.16.3", "1.18.0", false},
		{"1.17.0", "1.16.9", false}, {"1.16.0", "2.0.0", false}, {"dev", "1.16.0", false},
	} {
		if err := qdrant.SnapshotVersionsFit(c.src, c.dst); (err == nil) != c.ok {
			t.Errorf("SnapshotVersionsFit(%s, %s) = %v, want ok=%v", c.src, c.dst, err, c.ok)
		}
	}
}

func TestSnapshotPruneAndCheckAge(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	list := []qdrant.SnapshotInfo{
		{Name: "b", CreationTime: now.Add(-2 * time.Hour)},
		{Name: "a", CreationTime: now.Add(-30 * time.Hour)},
		{Name: "c", CreationTime: now.Add(-time.Hour)},
	}
	kept, removed := qdrant.PruneSnapshots(list, 2)
	if len(kept) != 2 || kept[0].Name != "c" || kept[1].Name != "b" || len(removed) != 1 || removed[0].Name != "a" {
		t.Fatalf("PruneSnapshots: kept %v removed %v", kept, removed)
	}
	if _, err := qdrant.CheckSnapshotAge("x", list, 24*time.Hour, now); err != nil {
		t.Errorf("newest is 1h old: %v", err)
	}
	if _, err := qdrant.CheckSnapshotAge("x", list, 30*time.Minute, now); err == nil || !strings.Contains(err.Error(), "c was made 1h0m0s ago") {
		t.Errorf("too old: %v", err)
	}
	if _, err := qdrant.CheckSnapshotAge("x", nil, time.Hour, now); err == nil {
		t.Error("no snapshot must fail the check")
	}
}
