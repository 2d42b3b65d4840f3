//go:build linux || darwin

package qdrant

import "syscall"

// freeBytes is the space an unprivileged user can still write in dir.
// A variable, so that a test can run out of disk on demand.
var freeBytes = func(dir string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
