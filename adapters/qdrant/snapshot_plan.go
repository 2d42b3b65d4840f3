package qdrant

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// SnapshotPlan is what PlanSnapshot found, before any byte moves.
type SnapshotPlan struct {
	SourceVersion, TargetVersion string
	TargetExists                 bool
	// Snapshot is the existing one named by SnapshotMigrateOptions.Snapshot.
	Snapshot *SnapshotInfo
	// Layout is the source collection's custom shard keys as they are now.
	Layout ShardLayout
	// Findings are every problem (error findings) and what the user should
	// know (notes, warnings).
	Findings []adapters.Finding
}

func (p *SnapshotPlan) add(f adapters.Finding) { p.Findings = append(p.Findings, f) }

// failed records a server call that failed as an error finding.
func (p *SnapshotPlan) failed(subject string, err error) {
	p.add(adapters.ErrorFinding(adapters.KindOf(err), subject, "%v", err))
}

// Err is nil when the plan found no problem, else one error of the first
// problem's kind: its message first, each other problem on a line after it.
func (p *SnapshotPlan) Err() error {
	var msgs []string
	kind := adapters.KindUnknown
	for _, f := range p.Findings {
		if f.Level != adapters.LevelError {
			continue
		}
		if len(msgs) == 0 {
			kind = f.Kind
		}
		msgs = append(msgs, f.Message)
	}
	if len(msgs) == 0 {
		return nil
	}
	msg := msgs[0]
	for _, m := range msgs[1:] {
		msg += "\n  also: " + m
	}
	return adapters.WithKind(kind, errors.New(msg))
}

// PlanSnapshot checks, without creating or moving anything, everything a
// snapshot copy from src to dst depends on: both versions, both clusters,
// the source collection (and the named snapshot), its shard keys against
// the target's mode, an existing target against OnExists, and the free
// space for a download. Every problem is an error finding; the error is
// only for a cancelled ctx.
func PlanSnapshot(ctx context.Context, src, dst SnapshotSide, opts SnapshotMigrateOptions) (*SnapshotPlan, error) {
	p := &SnapshotPlan{}
	// A side that does not answer is one finding, not one per check.
	srcOK, dstOK := p.planVersions(ctx, src, dst)
	var shape *Shape
	if srcOK && p.planCluster(ctx, "source", src) != nil {
		shape = p.planSource(ctx, src, opts)
	}
	var dstCluster *ClusterInfo
	if dstOK {
		dstCluster = p.planCluster(ctx, "target", dst)
		p.planTarget(ctx, dst, opts)
	}
	if len(p.Layout) > 0 {
		p.planShardKeys(dst, dstCluster, opts)
	}
	if opts.Direct {
		p.planDirect(src, dst)
	} else {
		p.planDisk(src, shape, opts)
	}
	if opts.Snapshot == "" {
		what := "deleted when the copy ends"
		if opts.KeepSnapshot {
			what = "kept (--keep-snapshot)"
		}
		p.add(adapters.NoteFinding("source", "a snapshot of %s is created on the source and %s", src, what))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// planVersions reads both versions and applies the version rule; it
// reports which sides answered.
func (p *SnapshotPlan) planVersions(ctx context.Context, src, dst SnapshotSide) (srcOK, dstOK bool) {
	sv, serr := src.Server.Version(ctx)
	if serr != nil {
		p.failed("source", serr)
	}
	tv, terr := dst.Server.Version(ctx)
	if terr != nil {
		p.failed("target", terr)
	}
	p.SourceVersion, p.TargetVersion = sv, tv
	if serr == nil && terr == nil {
		if err := SnapshotVersionsFit(sv, tv); err != nil {
			p.add(adapters.ErrorFinding(adapters.KindIncompatible, "versions", "%s -> %s: %v; use --method live, which copies points between any versions", src, dst, err))
		}
	}
	return serr == nil, terr == nil
}

// planCluster refuses a side with more than one peer; it returns the
// side's cluster mode, nil when its REST API did not answer.
func (p *SnapshotPlan) planCluster(ctx context.Context, name string, side SnapshotSide) *ClusterInfo {
	ci, err := side.Server.Cluster(ctx)
	if err != nil {
		p.failed(name, err)
		return nil
	}
	if ci.Enabled && ci.Peers > 1 {
		p.add(adapters.ErrorFinding(adapters.KindIncompatible, name, "%s: the %s runs in cluster mode with %d peers; a collection snapshot holds only the shards of the node that makes it (and recovering one places them on one node), so a snapshot copy would be incomplete. Use --method live, which reads and writes through the cluster", side, name, ci.Peers))
	}
	return &ci
}

// planSource checks the source collection and the named snapshot, and
// reads the shard layout; it returns the collection's shape (nil when
// unknown).
func (p *SnapshotPlan) planSource(ctx context.Context, src SnapshotSide, opts SnapshotMigrateOptions) *Shape {
	shape, err := src.Server.CollectionShape(ctx, src.Collection)
	switch {
	case err != nil:
		p.failed("source", err)
	case shape == nil:
		p.add(adapters.ErrorFinding(adapters.KindNotFound, "source", "%s: collection %q does not exist; check the name with 'vecmig inspect qdrant://HOST:PORT'", src, src.Collection))
	case shape.Custom:
		if p.Layout, err = src.Server.ShardLayout(ctx, src.Collection); err != nil {
			p.failed("source", err)
		}
	}
	if opts.Snapshot != "" {
		info, err := src.Server.Find(ctx, src.Collection, opts.Snapshot)
		if err != nil {
			p.failed("source", err)
		} else {
			p.Snapshot = &info
		}
	}
	return shape
}

// planShardKeys checks the target can take the source's custom shard keys.
func (p *SnapshotPlan) planShardKeys(dst SnapshotSide, dstCluster *ClusterInfo, opts SnapshotMigrateOptions) {
	if dstCluster != nil && !dstCluster.Enabled {
		p.add(adapters.ErrorFinding(adapters.KindIncompatible, "target", "%s: the source collection has custom shard keys (%s), which need a target in distributed mode, and the target runs standalone; start it with QDRANT__CLUSTER__ENABLED=true (a one-peer cluster is enough)", dst, p.Layout))
		return
	}
	how := "uploaded twice"
	if opts.Direct {
		how = "recovered twice from the source's URL"
	}
	p.add(adapters.NoteFinding("target", "custom shard keys (%s): the snapshot is %s, once to create the collection, then for the points once the keys are laid out with the snapshot's shard ids", p.Layout, how))
	if opts.Direct && opts.Snapshot != "" {
		p.add(adapters.NoteFinding("target", "with --transfer direct the shard keys are laid out as the source has them now, not as snapshot %s has them", opts.Snapshot))
	}
}

// planTarget checks an existing target against OnExists.
func (p *SnapshotPlan) planTarget(ctx context.Context, dst SnapshotSide, opts SnapshotMigrateOptions) {
	shape, err := dst.Server.CollectionShape(ctx, dst.Collection)
	if err != nil {
		p.failed("target", err)
		return
	}
	if shape == nil {
		return
	}
	p.TargetExists = true
	switch opts.OnExists {
	case adapters.ExistsRecreate:
		p.add(adapters.NoteFinding("target", "%s: collection %q exists and is replaced: deleted, then recovered from the snapshot (the aliases that point at it are kept)", dst, dst.Collection))
	case adapters.ExistsAppend:
		p.add(adapters.ErrorFinding(adapters.KindExists, "target", "%s: collection %q exists, and recovering a snapshot replaces all of its points, so --on-exists append cannot be honoured; use --on-exists recreate to replace it, or --method live --on-exists append to add to it", dst, dst.Collection))
	default:
		p.add(adapters.ErrorFinding(adapters.KindExists, "target", "%s: collection %q exists; use --on-exists recreate to replace it with the snapshot, or pick another target name", dst, dst.Collection))
	}
}

// planDirect says the target must reach the source, and warns when the
// source's host is a loopback address the target would resolve to itself.
func (p *SnapshotPlan) planDirect(src, dst SnapshotSide) {
	url := src.Server.DownloadURL(src.Collection, "NAME")
	p.add(adapters.NoteFinding("transfer", "direct: the target fetches the snapshot from %s itself, so it must reach the source's REST port", url))
	if loopback(src.Server.ep.Host) && !loopback(dst.Server.ep.Host) {
		p.add(adapters.Finding{Level: adapters.LevelWarning, Subject: "transfer", Message: fmt.Sprintf(
			"the source is addressed as %s, which on the target's host (%s) means the target itself; give the source by an address the target can reach, or drop --transfer direct", src.Server.ep.Host, dst.Server.ep.Host)})
	}
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// planDisk checks the temporary directory of a download has room for the
// snapshot: its size when it exists, else a lower bound from the vectors.
func (p *SnapshotPlan) planDisk(src SnapshotSide, shape *Shape, opts SnapshotMigrateOptions) {
	dir := opts.tempDir()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if err == nil {
			err = fmt.Errorf("not a directory")
		}
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "temp dir", "%s: %v; choose another place with --temp-dir", dir, err))
		return
	}
	free, ok := freeBytes(dir)
	switch {
	case !ok:
		p.add(adapters.NoteFinding("temp dir", "vecmig cannot tell the free space in %s; the download needs the snapshot's full size there", dir))
	case p.Snapshot != nil && uint64(p.Snapshot.Size) > free:
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "temp dir", "%s: snapshot %s needs %d bytes in %s, which has %d bytes free; free space there or choose another place with --temp-dir (or use --transfer direct)", src, p.Snapshot.Name, p.Snapshot.Size, dir, free))
	case p.Snapshot != nil:
		p.add(adapters.NoteFinding("temp dir", "the download of %s (%d bytes) goes to %s, which has %d bytes free", p.Snapshot.Name, p.Snapshot.Size, dir, free))
	default:
		p.planDiskEstimate(src, shape, dir, free)
	}
}

// planDiskEstimate judges a snapshot not made yet by the bytes of its
// dense vectors, a lower bound of its size; the real size is checked once
// the snapshot exists, before the download starts.
func (p *SnapshotPlan) planDiskEstimate(src SnapshotSide, shape *Shape, dir string, free uint64) {
	est, perPoint := vectorBytes(shape)
	if est > free {
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "temp dir", "%s: the snapshot needs at least about %d bytes in %s (%d points of %d bytes of vectors), which has %d bytes free; free space there or choose another place with --temp-dir (or use --transfer direct)",
			src, est, dir, shape.Points, perPoint, free))
		return
	}
	atLeast := ""
	if est > 0 {
		atLeast = fmt.Sprintf(" (at least about %d bytes, the vectors alone)", est)
	}
	p.add(adapters.NoteFinding("temp dir", "the snapshot's size is known once it is made%s; %s has %d bytes free, and vecmig checks again before the download", atLeast, dir, free))
}

// vectorBytes is the size of the dense vectors of shape's points, and per
// point; 0 when unknown.
func vectorBytes(shape *Shape) (total, perPoint uint64) {
	if shape == nil {
		return 0, 0
	}
	params := shape.Vectors.GetParamsMap().GetMap()
	if v := shape.Vectors.GetParams(); v != nil {
		params = map[string]*qdrant.VectorParams{"": v}
	}
	for _, v := range params {
		size := uint64(4)
		switch v.GetDatatype() {
		case qdrant.Datatype_Uint8:
			size = 1
		case qdrant.Datatype_Float16:
			size = 2
		}
		perPoint += v.GetSize() * size
	}
	return perPoint * shape.Points, perPoint
}

// SnapshotVersionsFit applies Qdrant's rule: a snapshot recovers on the
// same minor version or the next one.
func SnapshotVersionsFit(src, dst string) error {
	sMaj, sMin, err := minorVersion(src)
	if err != nil {
		return fmt.Errorf("the source reports version %q, which vecmig cannot compare (%v)", src, err)
	}
	dMaj, dMin, err := minorVersion(dst)
	if err != nil {
		return fmt.Errorf("the target reports version %q, which vecmig cannot compare (%v)", dst, err)
	}
	if sMaj == dMaj && (dMin == sMin || dMin == sMin+1) {
		return nil
	}
	return fmt.Errorf("the source runs Qdrant %s and the target %s; a snapshot recovers only on the same minor version or the next one (%d.%d or %d.%d)", src, dst, sMaj, sMin, sMaj, sMin+1)
}

func minorVersion(v string) (int, int, error) {
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
