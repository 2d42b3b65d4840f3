package qdrant

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// PruneSnapshots splits snapshots into the keep newest and the rest to delete.
func PruneSnapshots(list []SnapshotInfo, keep int) (kept, remove []SnapshotInfo) {
	l := append([]SnapshotInfo(nil), list...)
	SortNewestFirst(l)
	if keep < 0 {
		keep = 0
	}
	if keep >= len(l) {
		return l, nil
	}
	return l[:keep], l[keep:]
}

// CheckSnapshotAge returns an error saying why when the newest snapshot is older
// than maxAge at now, or when there is none.
func CheckSnapshotAge(where string, list []SnapshotInfo, maxAge time.Duration, now time.Time) (*SnapshotInfo, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: no snapshot exists; create one with 'vecmig snapshot create'", where)
	}
	l := append([]SnapshotInfo(nil), list...)
	SortNewestFirst(l)
	newest := l[0]
	if age := now.Sub(newest.CreationTime); age > maxAge {
		return &newest, fmt.Errorf("%s: the newest snapshot %s was made %s ago (at %s), more than --max-age %s; check the job that creates snapshots",
			where, newest.Name, age.Round(time.Second), newest.CreationTime.Format(time.RFC3339), maxAge)
	}
	return &newest, nil
}

// fullSnapshotConfig is config.json inside a Qdrant full snapshot.
type fullSnapshotConfig struct {
	CollectionsMapping map[string]string `json:"collections_mapping"`
	CollectionsAliases map[string]string `json:"collections_aliases"`
}

// FullRecovery tells what RecoverFullSnapshot restored.
type FullRecovery struct {
	Collections []string          `json:"collections"`
	Aliases     map[string]string `json:"aliases"`
}

// RecoverFullSnapshot restores a full-storage snapshot file on dst, which
// Qdrant can only do at start-up: it unpacks the collection snapshots
// inside (to tmpDir, each checked by SHA-256 on upload), recovers each
// into its collection (see RecoverSnapshot) and recreates the aliases.
// Existing collections are replaced only when onExists is recreate.
func RecoverFullSnapshot(ctx context.Context, dst *Snapshots, path, tmpDir string, onExists adapters.OnExists, logf func(string, ...any)) (*FullRecovery, error) {
	dir, err := os.MkdirTemp(tmpDir, "vecmig-full-")
	if err != nil {
		return nil, fmt.Errorf("create a temporary directory: %w; choose another place with --temp-dir", err)
	}
	defer os.RemoveAll(dir)
	full, err := unpackFullSnapshot(path, dir)
	if err != nil {
		return nil, err
	}
	colls := sortedNames(full.cfg.CollectionsMapping)
	for _, c := range colls {
		shape, err := dst.CollectionShape(ctx, c)
		if err != nil {
			return nil, err
		}
		if shape != nil && onExists != adapters.ExistsRecreate {
			return nil, adapters.Errorf(adapters.KindExists, "%s: collection %q exists; use --on-exists recreate to replace it from the full snapshot", dst.Prefix(c), c)
		}
	}
	res := &FullRecovery{Aliases: map[string]string{}}
	for _, c := range colls {
		inner := filepath.Base(full.cfg.CollectionsMapping[c])
		r := SnapshotRecovery{File: full.files[inner], Checksum: full.sums[inner], Replace: onExists == adapters.ExistsRecreate, Logf: logf}
		if err := RecoverSnapshot(ctx, SnapshotSide{Server: dst, Collection: c}, r); err != nil {
			return res, err
		}
		os.Remove(full.files[inner])
		res.Collections = append(res.Collections, c)
	}
	for _, a := range sortedNames(full.cfg.CollectionsAliases) {
		c := full.cfg.CollectionsAliases[a]
		if err := dst.SetAlias(ctx, a, c); err != nil {
			return res, err
		}
		res.Aliases[a] = c
	}
	return res, nil
}

// fullSnapshot is a full snapshot unpacked: its config, and each inner
// collection snapshot's file and SHA-256 by name.
type fullSnapshot struct {
	cfg         fullSnapshotConfig
	files, sums map[string]string
}

// unpackFullSnapshot unpacks the full snapshot at path into dir and checks
// that it maps every collection to a snapshot it holds.
func unpackFullSnapshot(path, dir string) (*fullSnapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, fmt.Errorf("full snapshot: %w", err))
	}
	defer f.Close()
	full := &fullSnapshot{files: map[string]string{}, sums: map[string]string{}}
	sawConfig := false
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, adapters.Errorf(adapters.KindInvalid, "%s is not a readable full snapshot (tar): %v", path, err)
		}
		name := filepath.Base(h.Name)
		switch {
		case h.Typeflag != tar.TypeReg:
		case name == "config.json":
			sawConfig = true
			if err := json.NewDecoder(tr).Decode(&full.cfg); err != nil {
				return nil, adapters.Errorf(adapters.KindInvalid, "%s: config.json is not a full snapshot's: %v", path, err)
			}
		default:
			if err := full.unpack(tr, name, filepath.Join(dir, name)); err != nil {
				return nil, fmt.Errorf("unpack %s from %s: %w", name, path, err)
			}
		}
	}
	if !sawConfig || len(full.cfg.CollectionsMapping) == 0 {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s holds no config.json with collections_mapping: it is not a full snapshot (recover a collection snapshot without --full)", path)
	}
	for _, c := range sortedNames(full.cfg.CollectionsMapping) {
		if inner := filepath.Base(full.cfg.CollectionsMapping[c]); full.files[inner] == "" {
			return nil, adapters.Errorf(adapters.KindInvalid, "%s: collection %q maps to %s, which the archive does not hold", path, c, inner)
		}
	}
	return full, nil
}

// unpack writes the current member to out, hashing it on the way.
func (full *fullSnapshot) unpack(r io.Reader, name, out string) error {
	w, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	hs := sha256.New()
	_, err = io.Copy(io.MultiWriter(w, hs), r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	full.files[name], full.sums[name] = out, hex.EncodeToString(hs.Sum(nil))
	return nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsSnapshotURL reports whether a recover source is a URL the server reads itself.
func IsSnapshotURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "file://")
}
