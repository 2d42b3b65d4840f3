package qdrant

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

// snapshotFile is what a download writes: an *os.File, or in tests one
// whose disk fills up (SnapshotOptions.createFile).
type snapshotFile interface {
	io.Writer
	io.Seeker
	Truncate(size int64) error
	Close() error
}

// createSnapshotFile creates path for a download, readable by the user
// only; it must not exist.
func createSnapshotFile(path string) (snapshotFile, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
}

// roomFor refuses, before the first byte is written, a download of size
// bytes that cannot fit beside path. A size the server does not announce
// (-1) or free space the system cannot tell lets it start.
func (s *Snapshots) roomFor(coll, name, path string, size int64) error {
	dir := userDir(path)
	free, ok := freeBytes(dir)
	if !ok || size <= 0 || uint64(size) <= free {
		return nil
	}
	return adapters.Errorf(adapters.KindInvalid, "%s: download snapshot %q: it is %d bytes and %s has %d bytes free; free space in %s or choose another place with --temp-dir (--output for 'vecmig snapshot download'); nothing was written",
		s.Prefix(coll), name, size, dir, free, dir)
}

// diskError is a download that could not write its file: the disk filled
// up, or failed. Download completes its message once it knows what became
// of the partial file.
type diskError struct {
	prefix, name, path string
	have, total        int64 // bytes written, of total (-1 unknown); have -1: failed on close
	err                error
	removed            error // of removing the partial file, set by final
	done               bool
}

// final is the error as the user sees it, after the partial file was
// removed (rmErr nil) or could not be.
func (e *diskError) final(rmErr error) error {
	e.removed, e.done = rmErr, true
	return adapters.WithKind(adapters.KindInvalid, e)
}

func (e *diskError) Error() string {
	msg := fmt.Sprintf("%s: download snapshot %q: cannot write %s", e.prefix, e.name, e.path)
	switch {
	case e.have < 0:
		msg += " (on closing it)"
	case e.total >= 0:
		msg += fmt.Sprintf(" after %d of %d bytes", e.have, e.total)
	default:
		msg += fmt.Sprintf(" after %d bytes", e.have)
	}
	dir := userDir(e.path)
	msg += fmt.Sprintf(" (%v); free space in %s or choose another place with --temp-dir (--output for 'vecmig snapshot download')", unwrapPath(e.err), dir)
	switch {
	case !e.done:
	case e.removed == nil || errors.Is(e.removed, os.ErrNotExist):
		msg += "; the partial file was removed, so a new run downloads the snapshot from the start"
	default:
		msg += fmt.Sprintf("; the partial file could not be removed (%v): delete %s yourself", e.removed, e.path)
	}
	return msg
}

// privateDirPrefix starts the name of the private directory a migration
// downloads into (os.MkdirTemp in recoverDownloaded), inside --temp-dir.
const privateDirPrefix = "vecmig-snapshot-"

// userDir is the directory the user chose for path: the parent of the
// private directory a migration made (and removes), else path's own.
func userDir(path string) string {
	dir := filepath.Dir(path)
	if strings.HasPrefix(filepath.Base(dir), privateDirPrefix) {
		return filepath.Dir(dir)
	}
	return dir
}

func (e *diskError) Unwrap() error { return e.err }

// unwrapPath drops an *os.PathError's op and path, which the message
// already gives.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
