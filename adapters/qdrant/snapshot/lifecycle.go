package snapshot

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
	"github.com/vecmig/vecmig/adapters/qdrant"
)

// Prune splits snapshots into the keep newest and the rest to delete.
func Prune(list []qdrant.SnapshotInfo, keep int) (kept, remove []qdrant.SnapshotInfo) {
	l := append([]qdrant.SnapshotInfo(nil), list...)
	qdrant.SortNewestFirst(l)
	if keep < 0 {
		keep = 0
	}
	if keep >= len(l) {
		return l, nil
	}
	return l[:keep], l[keep:]
}

// CheckAge returns an error saying why when the newest snapshot is older
// than maxAge at now, or when there is none.
func CheckAge(where string, list []qdrant.SnapshotInfo, maxAge time.Duration, now time.Time) (*qdrant.SnapshotInfo, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("%s: no snapshot exists; create one with 'vecmig snapshot create'", where)
	}
	l := append([]qdrant.SnapshotInfo(nil), list...)
	qdrant.SortNewestFirst(l)
	newest := l[0]
	if age := now.Sub(newest.CreationTime); age > maxAge {
		return &newest, fmt.Errorf("%s: the newest snapshot %s was made %s ago (at %s), more than --max-age %s; check the job that creates snapshots",
			where, newest.Name, age.Round(time.Second), newest.CreationTime.Format(time.RFC3339), maxAge)
	}
	return &newest, nil
}

// fullConfig is config.json inside a Qdrant full snapshot.
type fullConfig struct {
	CollectionsMapping map[string]string `json:"collections_mapping"`
	CollectionsAliases map[string]string `json:"collections_aliases"`
}

// FullResult tells what RecoverFull restored.
type FullResult struct {
	Collections []string          `json:"collections"`
	Aliases     map[string]string `json:"aliases"`
}

// RecoverFull restores a full-storage snapshot file on dst, which Qdrant
// can only do at start-up: it unpacks the collection snapshots inside (to
// tmpDir, each checked by SHA-256 on upload), recovers each into its
// collection (see Recover) and recreates the aliases. Existing collections
// are replaced only when onExists is recreate.
func RecoverFull(ctx context.Context, dst *qdrant.Snapshots, path, tmpDir string, onExists adapters.OnExists, logf func(string, ...any)) (*FullResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, fmt.Errorf("full snapshot: %w", err))
	}
	defer f.Close()
	dir, err := os.MkdirTemp(tmpDir, "vecmig-full-")
	if err != nil {
		return nil, fmt.Errorf("create a temporary directory: %w; choose another place with --temp-dir", err)
	}
	defer os.RemoveAll(dir)

	var cfg *fullConfig
	files := map[string]string{} // inner name -> path
	sums := map[string]string{}
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
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if name == "config.json" {
			cfg = &fullConfig{}
			if err := json.NewDecoder(tr).Decode(cfg); err != nil {
				return nil, adapters.Errorf(adapters.KindInvalid, "%s: config.json is not a full snapshot's: %v", path, err)
			}
			continue
		}
		out := filepath.Join(dir, name)
		w, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, err
		}
		hs := sha256.New()
		_, err = io.Copy(io.MultiWriter(w, hs), tr)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("unpack %s from %s: %w", name, path, err)
		}
		files[name], sums[name] = out, hex.EncodeToString(hs.Sum(nil))
	}
	if cfg == nil || len(cfg.CollectionsMapping) == 0 {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s holds no config.json with collections_mapping: it is not a full snapshot (recover a collection snapshot without --full)", path)
	}
	colls := make([]string, 0, len(cfg.CollectionsMapping))
	for c := range cfg.CollectionsMapping {
		colls = append(colls, c)
	}
	sort.Strings(colls)
	for _, c := range colls {
		inner := filepath.Base(cfg.CollectionsMapping[c])
		if _, ok := files[inner]; !ok {
			return nil, adapters.Errorf(adapters.KindInvalid, "%s: collection %q maps to %s, which the archive does not hold", path, c, inner)
		}
		shape, err := dst.CollectionShape(ctx, c)
		if err != nil {
			return nil, err
		}
		if shape != nil && onExists != adapters.ExistsRecreate {
			return nil, adapters.Errorf(adapters.KindExists, "%s: collection %q exists; use --on-exists recreate to replace it from the full snapshot", dst.Prefix(c), c)
		}
	}
	res := &FullResult{Aliases: map[string]string{}}
	for _, c := range colls {
		inner := filepath.Base(cfg.CollectionsMapping[c])
		r := Recovery{File: files[inner], Checksum: sums[inner], Replace: onExists == adapters.ExistsRecreate, Logf: logf}
		if err := Recover(ctx, Side{Server: dst, Collection: c}, r); err != nil {
			return res, err
		}
		os.Remove(files[inner])
		res.Collections = append(res.Collections, c)
	}
	aliases := make([]string, 0, len(cfg.CollectionsAliases))
	for a := range cfg.CollectionsAliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		c := cfg.CollectionsAliases[a]
		if err := dst.SetAlias(ctx, a, c); err != nil {
			return res, err
		}
		res.Aliases[a] = c
	}
	return res, nil
}

// IsURL reports whether a recover source is a URL the server reads itself.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "file://")
}
