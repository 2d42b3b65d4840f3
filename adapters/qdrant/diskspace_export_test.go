package qdrant

import (
	"os"
	"syscall"
)

// WithDiskLimit makes the downloads of snapshots opened with opts run out
// of space once limit bytes are in a file, as a full disk does: the write
// that would pass limit writes what fits and fails with ENOSPC.
func WithDiskLimit(opts SnapshotOptions, limit int64) SnapshotOptions {
	opts.createFile = func(path string) (snapshotFile, error) {
		f, err := createSnapshotFile(path)
		if err != nil {
			return nil, err
		}
		return &limitedFile{File: f.(*os.File), limit: limit}, nil
	}
	return opts
}

// limitedFile is a file on a disk with limit bytes.
type limitedFile struct {
	*os.File
	limit int64
}

func (f *limitedFile) Write(b []byte) (int, error) {
	off, err := f.File.Seek(0, 1)
	if err != nil {
		return 0, err
	}
	if room := f.limit - off; int64(len(b)) > room {
		n, _ := f.File.Write(b[:max(room, 0)])
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(b)
}
