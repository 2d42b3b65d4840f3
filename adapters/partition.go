package adapters

import (
	"context"
	"fmt"
	"time"
)

// WithPartition runs fn with a partition of src readable. A source that
// must activate it first (an inactive Weaviate tenant) does so, and the
// partition's status is put back afterwards whatever fn returns; a failure
// to put it back is passed to warn. Callers that handle many partitions
// at once bound how many they hold readable (migrate's partition
// scheduler), so that a class with many inactive tenants never has them
// all loaded at once.
func WithPartition(ctx context.Context, src Source, part string, warn func(format string, args ...any), fn func() error) error {
	undo, err := ActivatePartition(ctx, src, part)
	if err != nil {
		return err
	}
	defer PutBackPartition(ctx, src, part, undo, warn)
	return fn()
}

// ActivatePartition makes a partition of src readable and returns what
// puts its status back; the caller must run it with PutBackPartition,
// whatever happens. A source that needs no activation returns nil undo.
// The activation is not cut short when ctx ends (for at most a minute): a
// request cancelled in flight may still activate the partition on the
// server, and then nothing would put it back.
func ActivatePartition(ctx context.Context, src Source, part string) (undo func(context.Context) error, err error) {
	a, ok := As[PartitionActivator](src)
	if !ok || part == "" {
		return nil, nil
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	undo, err = a.ActivatePartition(actx, part)
	if err != nil {
		return nil, fmt.Errorf("activate partition %q on %s to read it: %w", part, src.Endpoint(), err)
	}
	return undo, nil
}

// PutBackPartition runs undo from ActivatePartition, even when ctx has
// ended (the run was stopped or failed): a partition is never left
// activated. A failure is passed to warn.
func PutBackPartition(ctx context.Context, src Source, part string, undo func(context.Context) error, warn func(format string, args ...any)) {
	if undo == nil {
		return
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := undo(uctx); err != nil && warn != nil {
		warn("warning: could not put partition %q of %s back to its status: %v", part, src.Endpoint(), err)
	}
}
