package qdrant

// SetFreeBytes makes the free-space checks see free bytes in every
// directory, until the returned function undoes it: a full disk cannot be
// had on demand.
func SetFreeBytes(free uint64) (undo func()) {
	old := freeBytes
	freeBytes = func(string) (uint64, bool) { return free, true }
	return func() { freeBytes = old }
}
