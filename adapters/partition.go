package adapters

import (
	"context"
	"fmt"
	"time"
)

// WithPartition runs fn with a partition of src readable. A source that
// must activate it first (an inactive Weaviate tenant) does so, and the
// partition's status is put back afterwards whatever fn returns; a failure
// to put it back is passed to warn. One partition at a time, so that a class
// with many inactive tenants never has them all loaded at once.
func WithPartition(ctx context.Context, src Source, part string, warn func(format string, args ...any), fn func() error) error {
	a, ok := As[PartitionActivator](src)
	if !ok || part == "" {
		return fn()
	}
	undo, err := a.ActivatePartition(ctx, part)
	if err != nil {
		return fmt.Errorf("activate partition %q on %s to read it: %w", part, src.Endpoint(), err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := undo(uctx); err != nil && warn != nil {
			warn("warning: could not put partition %q of %s back to its status: %v", part, src.Endpoint(), err)
		}
	}()
	return fn()
}
