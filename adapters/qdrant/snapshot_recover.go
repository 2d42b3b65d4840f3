package qdrant

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// SnapshotRecovery says how a target collection gets a collection snapshot.
type SnapshotRecovery struct {
	// File is a local snapshot file, uploaded; or URL is a location the
	// target reads itself (http(s), or file:// inside its snapshots path),
	// sending URLKey as the api-key.
	File, URL string
	URLKey    adapters.Secret
	// Checksum is the expected SHA-256; the server verifies it.
	Checksum string
	// Layout is the snapshot's custom shard keys. A File's own layout is
	// read from it; for a URL the caller gives it (nil: none known).
	Layout ShardLayout
	// Replace deletes an existing target collection first and points the
	// aliases that pointed at it at the new one; without it an existing
	// target is an error.
	Replace bool
	Logf    func(format string, args ...any)
}

func (r *SnapshotRecovery) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// RecoverSnapshot makes dst's collection a copy of the snapshot.
//
// Qdrant 1.18 recovers a snapshot into an existing collection shard by
// shard id and keeps that collection's own settings, and it creates a
// missing collection from the snapshot's settings but without its custom
// shard keys (so with no shards and no points). Hence an existing target
// is deleted first, so that the copy has the source's settings; and a
// snapshot with custom shard keys is recovered twice: once to create the
// collection, then, after the shard keys have been created with the shard
// ids they have in the snapshot, again for the points.
func RecoverSnapshot(ctx context.Context, dst SnapshotSide, r SnapshotRecovery) error {
	var started bool
	replaced, err := recoverInto(ctx, dst, r, &started)
	// Checked before an interruption: a user who stopped the run must
	// still learn what it left on the target.
	switch {
	case err == nil:
		return nil
	case replaced:
		return fmt.Errorf("%w; collection %q had been deleted to be replaced and is now missing or incomplete: run the command again (with --on-exists recreate)", err, dst.Collection)
	case started && (ctx.Err() != nil || !recoveryRefused(err)):
		// The target may have died or restarted midway (seen: a killed
		// Qdrant keeps the half-made collection), or the user stopped
		// vecmig: a plain rerun would be refused because the collection
		// exists.
		return fmt.Errorf("%w; the recovery of collection %q did not finish, so the target may hold it incomplete: once the target answers again (restart it if it stopped), run the same command with --on-exists recreate", err, dst.Collection)
	}
	return err
}

// recoveryRefused is an error of a recovery that the target refused
// before starting it, so that it left nothing behind.
func recoveryRefused(err error) bool {
	switch adapters.KindOf(err) {
	case adapters.KindInvalid, adapters.KindAuth, adapters.KindIncompatible, adapters.KindExists:
		return true
	}
	return false
}

// recoverInto is RecoverSnapshot; replaced says an existing collection was
// deleted, started that a recovery was begun.
func recoverInto(ctx context.Context, dst SnapshotSide, r SnapshotRecovery, started *bool) (replaced bool, err error) {
	layout := r.Layout
	if r.File != "" {
		if layout, err = ReadSnapshotLayout(r.File); err != nil {
			return false, err
		}
	}
	if len(layout) > 0 {
		ci, err := dst.Server.Cluster(ctx)
		if err != nil {
			return false, err
		}
		if !ci.Enabled || ci.Peers > 1 {
			return false, adapters.Errorf(adapters.KindIncompatible, "%s: the snapshot has custom shard keys (%s), which vecmig can recover only on a server in distributed mode with one peer (QDRANT__CLUSTER__ENABLED=true); this one has cluster mode %v with %d peer(s). Copy the collection with 'vecmig migrate --method live' instead, which writes through the shard keys", dst, layout, ci.Enabled, ci.Peers)
		}
	}
	shape, err := dst.Server.CollectionShape(ctx, dst.Collection)
	if err != nil {
		return false, err
	}
	var aliases []string
	if shape != nil {
		if !r.Replace {
			return false, adapters.Errorf(adapters.KindExists, "%s: collection %q exists; use --on-exists recreate to replace it with the snapshot", dst, dst.Collection)
		}
		if aliases, err = aliasesOf(ctx, dst); err != nil {
			return false, err
		}
		r.logf("deleting collection %s to replace it: a snapshot recovered into an existing collection would keep that collection's settings", dst)
		if err := dst.Server.DeleteCollection(ctx, dst.Collection); err != nil {
			return false, err
		}
		replaced = true
	}
	*started = true
	if len(layout) > 0 {
		r.logf("the snapshot has custom shard keys (%s): recovering it once to create the collection, then, with the keys laid out as in the snapshot, again for the points", layout)
		if err := recoverOnce(ctx, dst, r, " (first of two recoveries)"); err != nil {
			return replaced, err
		}
		if err := layOut(ctx, dst, layout, r.logf); err != nil {
			if derr := dst.Server.DeleteCollection(context.WithoutCancel(ctx), dst.Collection); derr != nil {
				r.logf("warning: could not delete the incomplete collection %s: %v", dst, derr)
			}
			return replaced, err
		}
	}
	pass := ""
	if len(layout) > 0 {
		pass = " (second of two recoveries)"
	}
	if err := recoverOnce(ctx, dst, r, pass); err != nil {
		return replaced, err
	}
	if len(layout) == 0 && r.File == "" {
		if err := checkKeysArrived(ctx, dst); err != nil {
			// The collection this recovery made holds nothing: leave none.
			if adapters.KindOf(err) == adapters.KindIncompatible {
				if derr := dst.Server.DeleteCollection(context.WithoutCancel(ctx), dst.Collection); derr != nil {
					r.logf("warning: could not delete the empty collection %s: %v", dst, derr)
				}
			}
			return replaced, err
		}
	}
	for _, a := range aliases {
		if err := dst.Server.SetAlias(ctx, a, dst.Collection); err != nil {
			return false, fmt.Errorf("%w (alias %q pointed at the collection before it was replaced; recreate it)", err, a)
		}
	}
	return false, nil
}

// cleanupTimeout bounds deleting the upload left on the target.
const cleanupTimeout = 15 * time.Second

// recoverOnce uploads the file or has the target read the URL, and
// deletes the copy Qdrant keeps of an upload.
func recoverOnce(ctx context.Context, dst SnapshotSide, r SnapshotRecovery, pass string) error {
	if r.File == "" {
		r.logf("%s recovers the snapshot from its URL%s", dst, pass) // the URL may carry credentials
		return dst.Server.Recover(ctx, dst.Collection, r.URL, r.Checksum, r.URLKey)
	}
	r.logf("uploading %s to %s and waiting for the recovery%s", r.File, dst, pass)
	name, err := dst.Server.Upload(ctx, dst.Collection, r.File, r.Checksum)
	if name != "" {
		// Also after a failure: the file may have arrived before it. A
		// target that stopped answering gets a short while, not a whole
		// retry budget more.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		derr := dst.Server.Delete(dctx, dst.Collection, name)
		cancel()
		if derr != nil && adapters.KindOf(derr) != adapters.KindNotFound {
			r.logf("warning: could not delete the uploaded snapshot %s on the target: %v; delete it with 'vecmig snapshot delete'", name, derr)
		}
	}
	return err
}

// aliasesOf lists the aliases that point at dst's collection.
func aliasesOf(ctx context.Context, dst SnapshotSide) ([]string, error) {
	all, err := dst.Server.Aliases(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for a, c := range all {
		if c == dst.Collection {
			out = append(out, a)
		}
	}
	return out, nil
}

// checkKeysArrived catches a snapshot with custom shard keys recovered
// from a URL whose layout nobody knew: the collection then has no keys and
// no points.
func checkKeysArrived(ctx context.Context, dst SnapshotSide) error {
	shape, err := dst.Server.CollectionShape(ctx, dst.Collection)
	if err != nil || shape == nil || !shape.Custom {
		return err
	}
	have, err := dst.Server.ShardLayout(ctx, dst.Collection)
	if err != nil || len(have) > 0 {
		return err
	}
	return adapters.Errorf(adapters.KindIncompatible, "%s: the snapshot was recovered, but the collection uses custom shard keys and Qdrant does not recreate them from a snapshot: it has no shard keys and no points, so vecmig deleted it. Download the snapshot ('vecmig snapshot download') and recover the file, which vecmig lays the keys out for", dst)
}

// layOut creates the layout's shard keys on dst's collection (which has
// none yet) so that each key gets the shard ids it has in the snapshot.
// Qdrant gives a new key the ids after the highest existing one (seen on
// 1.18.3, the first being 1), so a gap in the snapshot's ids, left by a
// deleted key, is filled with a placeholder key that is deleted at the end.
func layOut(ctx context.Context, dst SnapshotSide, want ShardLayout, logf func(string, ...any)) error {
	want = append(ShardLayout(nil), want...)
	want.Normalize()
	have, err := dst.Server.ShardLayout(ctx, dst.Collection)
	if err != nil {
		return err
	}
	if len(have) > 0 {
		return cannotLayOut(dst, want, have, "the collection already has shard keys")
	}
	next := uint32(1)
	var gaps []*qc.ShardKey
	for _, ks := range want {
		ids := ks.Shards
		for i := 1; i < len(ids); i++ {
			if ids[i] != ids[i-1]+1 {
				return cannotLayOut(dst, want, nil, fmt.Sprintf("the shard ids of key %s are not consecutive", PartitionName(ks.Key)))
			}
		}
		if len(ids) == 0 || ids[0] < next {
			return cannotLayOut(dst, want, nil, fmt.Sprintf("key %s would need shard ids from %d, but Qdrant gives out %d next", PartitionName(ks.Key), first(ids), next))
		}
		if gap := ids[0] - next; gap > 0 {
			k, err := gapKey()
			if err != nil {
				return err
			}
			if err := dst.Server.CreateShardKey(ctx, dst.Collection, k, int(gap)); err != nil {
				return err
			}
			gaps = append(gaps, k)
		}
		if err := dst.Server.CreateShardKey(ctx, dst.Collection, ks.Key, len(ids)); err != nil {
			return err
		}
		next = ids[len(ids)-1] + 1
	}
	for _, k := range gaps {
		if err := dst.Server.DeleteShardKey(ctx, dst.Collection, k); err != nil {
			return err
		}
	}
	if have, err = dst.Server.ShardLayout(ctx, dst.Collection); err != nil {
		return err
	}
	if !have.Equal(want) {
		return cannotLayOut(dst, want, have, "the server gave out other shard ids")
	}
	if len(gaps) > 0 {
		logf("filled %d gap(s) in the snapshot's shard ids with placeholder keys, since deleted", len(gaps))
	}
	return nil
}

// gapKey is a placeholder key no source uses.
func gapKey() (*qc.ShardKey, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return qc.NewShardKeyKeyword("vecmig-gap-" + hex.EncodeToString(b[:])), nil
}

func cannotLayOut(dst SnapshotSide, want, have ShardLayout, why string) error {
	msg := fmt.Sprintf("%s: cannot create the snapshot's shard keys with their shard ids (%s): the snapshot has %s", dst, why, want)
	if have != nil {
		msg += ", the collection " + have.String()
	}
	return adapters.Errorf(adapters.KindIncompatible, "%s; nothing was recovered. Copy the collection with 'vecmig migrate --method live' instead, which writes through the shard keys", strings.TrimSpace(msg))
}
