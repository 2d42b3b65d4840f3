// Package snapshot moves Qdrant collections by snapshot and keeps the
// snapshot lifecycle (prune, age check, full-snapshot recovery). The wire
// work (REST with retries, streamed download and upload) is in package
// qdrant's Snapshots; this package decides what to do and checks first.
package snapshot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

// Options tune Migrate.
type Options struct {
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
	// DryRun runs the checks only.
	DryRun bool
	Logf   func(format string, args ...any)
	// Progress receives download progress (bytes done, total or -1).
	Progress func(done, total int64)
}

// Result tells what Migrate did.
type Result struct {
	Source        string              `json:"source"`
	Target        string              `json:"target"`
	Snapshot      qdrant.SnapshotInfo `json:"snapshot"`
	Created       bool                `json:"snapshot_created"`
	Kept          bool                `json:"snapshot_kept"`
	Transfer      string              `json:"transfer"` // "download" or "direct"
	Bytes         int64               `json:"bytes"`
	Resumed       int                 `json:"download_resumed"`
	Restarted     int                 `json:"download_restarted"`
	SourceVersion string              `json:"source_version"`
	TargetVersion string              `json:"target_version"`
	Replaced      bool                `json:"target_replaced"`
	DryRun        bool                `json:"dry_run,omitempty"`
	Duration      time.Duration       `json:"duration_ns"`
	DownloadTime  time.Duration       `json:"download_ns"`
	UploadTime    time.Duration       `json:"upload_ns"`
}

// Side is one end of a snapshot migration.
type Side struct {
	Server     *qdrant.Snapshots
	Collection string
}

func (s Side) String() string { return s.Server.Prefix(s.Collection) }

// Plan is what the checks found.
type Plan struct {
	SourceVersion, TargetVersion string
	TargetExists                 bool
	Snapshot                     *qdrant.SnapshotInfo // the existing one named by Options.Snapshot
	// Layout is the source collection's custom shard keys as they are now.
	Layout qdrant.ShardLayout
}

func incompatible(format string, args ...any) error {
	return adapters.Errorf(adapters.KindIncompatible, format, args...)
}

// Check verifies, before any byte moves, that the snapshot can go from
// src to dst: versions, clusters, the source collection (and snapshot),
// its shard keys, and an existing target.
func Check(ctx context.Context, src, dst Side, opts Options) (*Plan, error) {
	p := &Plan{}
	var err error
	if p.SourceVersion, err = src.Server.Version(ctx); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if p.TargetVersion, err = dst.Server.Version(ctx); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if err := VersionsFit(p.SourceVersion, p.TargetVersion); err != nil {
		return nil, incompatible("%s -> %s: %v; use --method live, which copies points between any versions", src, dst, err)
	}
	var dstCluster qdrant.ClusterInfo
	for _, side := range []struct {
		name string
		s    Side
	}{{"source", src}, {"target", dst}} {
		ci, err := side.s.Server.Cluster(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", side.name, err)
		}
		if ci.Enabled && ci.Peers > 1 {
			return nil, incompatible("%s: the %s runs in cluster mode with %d peers; a collection snapshot holds only the shards of the node that makes it (and recovering one places them on one node), so a snapshot copy would be incomplete. Use --method live, which reads and writes through the cluster", side.s, side.name, ci.Peers)
		}
		if side.name == "target" {
			dstCluster = ci
		}
	}
	srcShape, err := src.Server.CollectionShape(ctx, src.Collection)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if srcShape == nil {
		return nil, adapters.Errorf(adapters.KindNotFound, "%s: collection %q does not exist; check the name with 'vecmig inspect qdrant://HOST:PORT'", src, src.Collection)
	}
	if srcShape.Custom {
		if p.Layout, err = src.Server.ShardLayout(ctx, src.Collection); err != nil {
			return nil, fmt.Errorf("source: %w", err)
		}
		if len(p.Layout) > 0 && !dstCluster.Enabled {
			return nil, incompatible("%s: the source collection has custom shard keys (%s), which need a target in distributed mode, and the target runs standalone; start it with QDRANT__CLUSTER__ENABLED=true (a one-peer cluster is enough)", dst, p.Layout)
		}
	}
	if opts.Snapshot != "" {
		info, err := src.Server.Find(ctx, src.Collection, opts.Snapshot)
		if err != nil {
			return nil, err
		}
		p.Snapshot = &info
	}
	dstShape, err := dst.Server.CollectionShape(ctx, dst.Collection)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if dstShape == nil {
		return p, nil
	}
	p.TargetExists = true
	switch opts.OnExists {
	case adapters.ExistsRecreate:
	case adapters.ExistsAppend:
		return nil, adapters.Errorf(adapters.KindExists, "%s: collection %q exists, and recovering a snapshot replaces all of its points, so --on-exists append cannot be honoured; use --on-exists recreate to replace it, or --method live --on-exists append to add to it", dst, dst.Collection)
	default:
		return nil, adapters.Errorf(adapters.KindExists, "%s: collection %q exists; use --on-exists recreate to replace it with the snapshot, or pick another target name", dst, dst.Collection)
	}
	return p, nil
}

// VersionsFit applies Qdrant's rule: a snapshot recovers on the same
// minor version or the next one.
func VersionsFit(src, dst string) error {
	sMaj, sMin, err := minor(src)
	if err != nil {
		return fmt.Errorf("the source reports version %q, which vecmig cannot compare (%v)", src, err)
	}
	dMaj, dMin, err := minor(dst)
	if err != nil {
		return fmt.Errorf("the target reports version %q, which vecmig cannot compare (%v)", dst, err)
	}
	if sMaj == dMaj && (dMin == sMin || dMin == sMin+1) {
		return nil
	}
	return fmt.Errorf("the source runs Qdrant %s and the target %s; a snapshot recovers only on the same minor version or the next one (%d.%d or %d.%d)", src, dst, sMaj, sMin, sMaj, sMin+1)
}

func minor(v string) (int, int, error) {
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, fmt.Errorf("not MAJOR.MINOR.PATCH")
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("not MAJOR.MINOR.PATCH")
	}
	return a, b, nil
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Migrate copies src's collection to dst by snapshot: check, create (or
// take) the snapshot, download it (checksum verified) and upload it, or
// let the target recover it directly (see Recover); then remove the
// temporary file, the upload left on the target and the source snapshot
// vecmig created (unless KeepSnapshot). It does not verify the points:
// the caller does.
func Migrate(ctx context.Context, src, dst Side, opts Options) (*Result, error) {
	start := time.Now()
	res := &Result{Source: src.String(), Target: dst.String(), Transfer: "download"}
	if opts.Direct {
		res.Transfer = "direct"
	}
	plan, err := Check(ctx, src, dst, opts)
	if err != nil {
		return nil, err
	}
	res.SourceVersion, res.TargetVersion, res.Replaced = plan.SourceVersion, plan.TargetVersion, plan.TargetExists
	if opts.DryRun {
		res.DryRun = true
		if plan.Snapshot != nil {
			res.Snapshot = *plan.Snapshot
		}
		return res, nil
	}

	// Clean-up runs even when ctx is cancelled.
	cleanCtx := context.WithoutCancel(ctx)
	if plan.Snapshot != nil {
		res.Snapshot = *plan.Snapshot
		res.Kept = true
	} else {
		opts.logf("creating a snapshot of %s", src)
		if res.Snapshot, err = src.Server.Create(ctx, src.Collection); err != nil {
			return nil, err
		}
		res.Created = true
		res.Kept = opts.KeepSnapshot
		opts.logf("snapshot %s: %d bytes, sha256 %s", res.Snapshot.Name, res.Snapshot.Size, orNone(res.Snapshot.Checksum))
		if !opts.KeepSnapshot {
			defer func() {
				if err := src.Server.Delete(cleanCtx, src.Collection, res.Snapshot.Name); err != nil {
					opts.logf("warning: could not delete the snapshot vecmig made on the source: %v; delete it with 'vecmig snapshot delete'", err)
				}
			}()
		}
	}

	if opts.Direct {
		t := time.Now()
		opts.logf("the target recovers %s straight from the source", res.Snapshot.Name)
		if plan.Snapshot != nil && len(plan.Layout) > 0 {
			opts.logf("the shard keys are laid out as the source has them now; if they changed since %s was made, verification shows it (without --transfer direct vecmig reads them from the snapshot itself)", res.Snapshot.Name)
		}
		err := Recover(ctx, dst, Recovery{
			URL: src.Server.DownloadURL(src.Collection, res.Snapshot.Name), URLKey: opts.SourceKey, Checksum: res.Snapshot.Checksum,
			Layout: plan.Layout, Replace: plan.TargetExists, Logf: opts.Logf,
		})
		if err != nil {
			if k := adapters.KindOf(err); k == adapters.KindIncompatible || k == adapters.KindExists {
				return nil, err
			}
			return nil, fmt.Errorf("%w (with --transfer direct the target must reach the source's REST port; drop --transfer direct to pass the file through vecmig)", err)
		}
		res.UploadTime = time.Since(t)
		res.Bytes = res.Snapshot.Size
		res.Duration = time.Since(start)
		return res, nil
	}

	dir, err := os.MkdirTemp(opts.TempDir, "vecmig-snapshot-") // mode 0700
	if err != nil {
		return nil, fmt.Errorf("create a temporary directory for the snapshot: %w; choose another place with --temp-dir", err)
	}
	defer os.RemoveAll(dir)
	if res.Snapshot.Checksum == "" {
		opts.logf("the source gives no checksum for %s (snapshots kept in S3); the upload is checked against the SHA-256 computed while downloading", res.Snapshot.Name)
	}
	t := time.Now()
	d, err := src.Server.Download(ctx, src.Collection, res.Snapshot.Name, filepath.Join(dir, res.Snapshot.Name), res.Snapshot.Checksum, opts.Progress)
	if err != nil {
		return nil, err
	}
	res.DownloadTime = time.Since(t)
	res.Bytes, res.Resumed, res.Restarted = d.Size, d.Resumed, d.Restart
	t = time.Now()
	if err := Recover(ctx, dst, Recovery{File: d.Path, Checksum: d.SHA256, Replace: plan.TargetExists, Logf: opts.Logf}); err != nil {
		return nil, err
	}
	res.UploadTime = time.Since(t)
	os.Remove(d.Path) // as soon as possible: it may be large
	res.Duration = time.Since(start)
	return res, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
