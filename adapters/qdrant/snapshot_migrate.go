package qdrant

// Moving a collection by snapshot, and the snapshot lifecycle (prune, age
// check, full-snapshot recovery) in snapshot_lifecycle.go: the wire work
// (REST with retries, streamed download and upload) is in Snapshots; these
// files decide what to do, and PlanSnapshot checks everything first.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// SnapshotMigrateOptions tune PlanSnapshot and MigrateBySnapshot.
type SnapshotMigrateOptions struct {
	// Snapshot names an existing snapshot of the source to use; "" creates one.
	Snapshot string
	// KeepSnapshot keeps the source snapshot vecmig created.
	KeepSnapshot bool
	// Direct makes the target recover from the source's download URL
	// (sending SourceKey as its api_key): no byte passes through vecmig.
	Direct    bool
	SourceKey adapters.Secret
	// OnExists: fail (default) refuses an existing target; recreate
	// deletes it and recovers the snapshot in its place (the aliases that
	// pointed at it are pointed at the copy); append is refused (a
	// snapshot replaces every point).
	OnExists adapters.OnExists
	// TempDir is where the downloaded file goes (in a directory only the
	// user can read); "" is the system's temp directory.
	TempDir string
	Logf    func(format string, args ...any)
	// Progress receives download progress (bytes done, total or -1).
	Progress func(done, total int64)
}

func (o *SnapshotMigrateOptions) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// tempDir is where a download goes.
func (o *SnapshotMigrateOptions) tempDir() string {
	if o.TempDir != "" {
		return o.TempDir
	}
	return os.TempDir()
}

// SnapshotResult tells what MigrateBySnapshot did.
type SnapshotResult struct {
	Source        string        `json:"source"`
	Target        string        `json:"target"`
	Snapshot      SnapshotInfo  `json:"snapshot"`
	Created       bool          `json:"snapshot_created"`
	Kept          bool          `json:"snapshot_kept"`
	Transfer      string        `json:"transfer"` // "download" or "direct"
	Bytes         int64         `json:"bytes"`
	Resumed       int           `json:"download_resumed"`
	Restarted     int           `json:"download_restarted"`
	SourceVersion string        `json:"source_version"`
	TargetVersion string        `json:"target_version"`
	Replaced      bool          `json:"target_replaced"`
	Duration      time.Duration `json:"duration_ns"`
	DownloadTime  time.Duration `json:"download_ns"`
	UploadTime    time.Duration `json:"upload_ns"`
}

// Summary is the result on one line, for people.
func (r *SnapshotResult) Summary() string {
	secs := max(r.Duration.Seconds(), 1e-9)
	s := fmt.Sprintf("migrated %s -> %s by snapshot %s (%s): %d bytes in %s (%.1f MB/s)",
		r.Source, r.Target, r.Snapshot.Name, r.Transfer, r.Bytes, r.Duration.Round(time.Millisecond), float64(r.Bytes)/1e6/secs)
	if r.Resumed+r.Restarted > 0 {
		s += fmt.Sprintf(", download resumed %d and restarted %d times", r.Resumed, r.Restarted)
	}
	return s
}

// SnapshotSide is one end of a snapshot migration.
type SnapshotSide struct {
	Server     *Snapshots
	Collection string
}

func (s SnapshotSide) String() string { return s.Server.Prefix(s.Collection) }

// MigrateBySnapshot copies src's collection to dst by snapshot: plan (and
// refuse with every problem found), create (or take) the snapshot,
// download it (checksum verified, after checking the free space for it)
// and upload it, or let the target recover it directly (see
// RecoverSnapshot); then remove the temporary file, the upload left on
// the target and the source snapshot vecmig created (unless KeepSnapshot).
// It does not verify the points: the caller does.
func MigrateBySnapshot(ctx context.Context, src, dst SnapshotSide, opts SnapshotMigrateOptions) (*SnapshotResult, error) {
	start := time.Now()
	plan, err := PlanSnapshot(ctx, src, dst, opts)
	if err != nil {
		return nil, err
	}
	if err := plan.Err(); err != nil {
		return nil, err
	}
	res := &SnapshotResult{Source: src.String(), Target: dst.String(), Transfer: "download",
		SourceVersion: plan.SourceVersion, TargetVersion: plan.TargetVersion, Replaced: plan.TargetExists}
	if opts.Direct {
		res.Transfer = "direct"
	}
	cleanup, err := takeSnapshot(ctx, src, plan, opts, res)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if opts.Direct {
		err = recoverDirect(ctx, src, dst, plan, opts, res)
	} else {
		err = recoverDownloaded(ctx, src, dst, plan, opts, res)
	}
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(start)
	return res, nil
}

// takeSnapshot uses the plan's snapshot or creates one, and returns what
// deletes a created one unless it is to be kept. The clean-up runs even
// when ctx is cancelled.
func takeSnapshot(ctx context.Context, src SnapshotSide, plan *SnapshotPlan, opts SnapshotMigrateOptions, res *SnapshotResult) (func(), error) {
	if plan.Snapshot != nil {
		res.Snapshot, res.Kept = *plan.Snapshot, true
		return func() {}, nil
	}
	before, err := snapshotNames(ctx, src)
	if err != nil {
		return nil, err
	}
	opts.logf("creating a snapshot of %s", src)
	info, err := src.Server.Create(ctx, src.Collection)
	if err != nil {
		return nil, err
	}
	res.Snapshot, res.Created, res.Kept = info, true, opts.KeepSnapshot
	opts.logf("snapshot %s: %d bytes, sha256 %s", info.Name, info.Size, orNone(info.Checksum))
	if before[info.Name] {
		// Qdrant names snapshots to the second: one made by someone else in
		// the same second has this very name, and deleting it would delete
		// theirs.
		opts.logf("note: the source already had a snapshot named %s (made in the same second); vecmig leaves it in place", info.Name)
		res.Kept = true
	}
	if res.Kept {
		return func() {}, nil
	}
	cleanCtx := context.WithoutCancel(ctx)
	return func() {
		if err := src.Server.Delete(cleanCtx, src.Collection, info.Name); err != nil {
			opts.logf("warning: could not delete the snapshot vecmig made on the source: %v; delete it with 'vecmig snapshot delete'", err)
		}
	}, nil
}

// snapshotNames lists the names of the snapshots the source collection has.
func snapshotNames(ctx context.Context, src SnapshotSide) (map[string]bool, error) {
	list, err := src.Server.List(ctx, src.Collection)
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(list))
	for _, s := range list {
		names[s.Name] = true
	}
	return names, nil
}

// recoverDirect has the target fetch the snapshot from the source.
func recoverDirect(ctx context.Context, src, dst SnapshotSide, plan *SnapshotPlan, opts SnapshotMigrateOptions, res *SnapshotResult) error {
	t := time.Now()
	opts.logf("the target recovers %s straight from the source", res.Snapshot.Name)
	if plan.Snapshot != nil && len(plan.Layout) > 0 {
		opts.logf("the shard keys are laid out as the source has them now; if they changed since %s was made, verification shows it (without --transfer direct vecmig reads them from the snapshot itself)", res.Snapshot.Name)
	}
	err := RecoverSnapshot(ctx, dst, SnapshotRecovery{
		URL: src.Server.DownloadURL(src.Collection, res.Snapshot.Name), URLKey: opts.SourceKey, Checksum: res.Snapshot.Checksum,
		Layout: plan.Layout, Replace: plan.TargetExists, Logf: opts.Logf,
	})
	if err != nil {
		if k := adapters.KindOf(err); k == adapters.KindIncompatible || k == adapters.KindExists {
			return err
		}
		return fmt.Errorf("%w (with --transfer direct the target must reach the source's REST port; drop --transfer direct to pass the file through vecmig)", err)
	}
	res.UploadTime = time.Since(t)
	res.Bytes = res.Snapshot.Size
	return nil
}

// recoverDownloaded downloads the snapshot into a private temporary
// directory, after checking it has room, and uploads it to the target.
func recoverDownloaded(ctx context.Context, src, dst SnapshotSide, plan *SnapshotPlan, opts SnapshotMigrateOptions, res *SnapshotResult) error {
	if err := checkFreeSpace(src, opts.tempDir(), res.Snapshot); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(opts.TempDir, "vecmig-snapshot-") // mode 0700
	if err != nil {
		return fmt.Errorf("create a temporary directory for the snapshot: %w; choose another place with --temp-dir", err)
	}
	defer os.RemoveAll(dir)
	if res.Snapshot.Checksum == "" {
		opts.logf("the source gives no checksum for %s (snapshots kept in S3); the upload is checked against the SHA-256 computed while downloading", res.Snapshot.Name)
	}
	t := time.Now()
	d, err := src.Server.Download(ctx, src.Collection, res.Snapshot.Name, filepath.Join(dir, res.Snapshot.Name), res.Snapshot.Checksum, opts.Progress)
	if err != nil {
		return err
	}
	res.DownloadTime = time.Since(t)
	res.Bytes, res.Resumed, res.Restarted = d.Size, d.Resumed, d.Restart
	t = time.Now()
	if err := RecoverSnapshot(ctx, dst, SnapshotRecovery{File: d.Path, Checksum: d.SHA256, Replace: plan.TargetExists, Logf: opts.Logf}); err != nil {
		return err
	}
	res.UploadTime = time.Since(t)
	os.Remove(d.Path) // as soon as possible: it may be large
	return nil
}

// checkFreeSpace refuses a download that cannot fit in dir, once the
// snapshot's size is known.
func checkFreeSpace(src SnapshotSide, dir string, info SnapshotInfo) error {
	free, ok := freeBytes(dir)
	if !ok || info.Size <= 0 || uint64(info.Size) <= free {
		return nil
	}
	return adapters.Errorf(adapters.KindInvalid, "%s: snapshot %s needs %d bytes in %s, which has %d bytes free; free space there or choose another place with --temp-dir (or use --transfer direct)",
		src, info.Name, info.Size, dir, free)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
