package file

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vecmig/vecmig/adapters"
)

const (
	manifestName  = "manifest.json"
	formatName    = "vecmig-dump"
	formatVersion = 1
	fileMode      = 0o600
	dirMode       = 0o700
)

// manifest is manifest.json.
type manifest struct {
	Format     string               `json:"format"`
	Version    int                  `json:"version"`
	Complete   bool                 `json:"complete"`
	Created    string               `json:"created"`
	Collection *adapters.Collection `json:"collection"`
	Partitions []*partEntry         `json:"partitions"`
}

// partEntry describes one points file. Count, SHA256, Size and the ids are final
// once the manifest is complete; in an incomplete manifest they describe the
// file as it was when its writer last closed it (SHA256 "" when never).
type partEntry struct {
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`
	File   string `json:"file"`
	Count  uint64 `json:"count"`
	SHA256 string `json:"sha256"`
	// Size is the file's length in bytes; 0 in dumps written before vecmig
	// recorded it (then only the checksum tells a cut file).
	Size    int64        `json:"size,omitempty"`
	FirstID *adapters.ID `json:"first_id"`
	LastID  *adapters.ID `json:"last_id"`
}

func (m *manifest) entry(name string) *partEntry {
	for _, e := range m.Partitions {
		if e.Name == name {
			return e
		}
	}
	return nil
}

func (m *manifest) partitionNames() string {
	var names []string
	for _, e := range m.Partitions {
		names = append(names, fmt.Sprintf("%q", e.Name))
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// errNoManifest is returned by readManifest when the directory or its
// manifest does not exist.
var errNoManifest = errors.New("no manifest")

// readManifest reads and checks DIR/manifest.json.
func readManifest(dir string) (*manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoManifest
	}
	if errors.Is(err, syscall.ENOTDIR) {
		return nil, fmt.Errorf("%s is not a directory; a dump is a directory", dir)
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (%v); this directory does not hold a readable vecmig dump", manifestName, err)
	}
	if m.Format != formatName {
		return nil, fmt.Errorf("%s has format %q, not %q; this directory does not hold a vecmig dump", manifestName, m.Format, formatName)
	}
	if m.Version != formatVersion {
		return nil, fmt.Errorf("%s has format version %d; this vecmig reads version %d (use a newer vecmig)", manifestName, m.Version, formatVersion)
	}
	if m.Collection == nil {
		return nil, fmt.Errorf("%s has no collection definition; the dump is damaged", manifestName)
	}
	seen := map[string]bool{}
	for _, e := range m.Partitions {
		// A crafted manifest must not make vecmig read or delete files
		// outside the dump.
		if e.File == "" || e.File != filepath.Base(e.File) || e.File == "." || e.File == ".." ||
			e.File == manifestName || strings.ContainsAny(e.File, `/\`) {
			return nil, fmt.Errorf("%s names points file %q for partition %q, which is not a plain file name in the dump directory; vecmig reads and writes nothing outside the dump: the manifest is damaged or crafted, fix its \"file\" entry", manifestName, e.File, e.Name)
		}
		if seen[e.File] {
			return nil, fmt.Errorf("%s names points file %q twice; the manifest is damaged", manifestName, e.File)
		}
		seen[e.File] = true
	}
	return &m, nil
}

// writeManifest replaces DIR/manifest.json atomically.
func writeManifest(dir string, m *manifest) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("encode %s: %w", manifestName, err)
	}
	return writeFileAtomic(dir, manifestName, buf.Bytes())
}

// writeFileAtomic writes name in dir through a temporary file, fsync and
// rename, so a reader sees the old or the new content, never a mix.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fileMode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a directory's entries (created, renamed files) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// hashFile returns the SHA-256 of a file's bytes and its size.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// pointsFileName picks the file of a partition: "points" for a collection
// that is not partitioned, "points-<escaped name>" otherwise, unique in
// taken (compared without case, for case-insensitive file systems).
func pointsFileName(partitioned bool, name string, gzipped bool, taken map[string]bool) string {
	base := "points"
	if partitioned {
		base = "points-" + escapeName(name)
	}
	ext := ".jsonl"
	if gzipped {
		ext += ".gz"
	}
	file := base + ext
	for n := 2; taken[strings.ToLower(file)]; n++ {
		// "~" is always escaped by escapeName, so this cannot collide.
		file = fmt.Sprintf("%s~%d%s", base, n, ext)
	}
	taken[strings.ToLower(file)] = true
	return file
}

// escapeName keeps letters, digits, "_", "-" and inner dots, and writes
// every other byte as %XX; long names are cut and completed by a hash.
func escapeName(name string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
	}
	s := b.String()
	if len(s) > 120 {
		sum := sha256.Sum256([]byte(name))
		s = s[:100] + "-" + hex.EncodeToString(sum[:6])
	}
	return s
}
