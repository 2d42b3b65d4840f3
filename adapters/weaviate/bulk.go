package weaviate

import (
	"context"

	"github.com/vecmig/vecmig/adapters"
)

// A bulk load (adapters.BulkLoader). Weaviate has nothing to hold back:
// a class's HNSW build settings cannot be changed once it exists, so the
// plan only suggests how many writers suit the target (workers.go) and
// says that --defer-indexing does not apply. Prepare and Finish are as
// without it.

var _ adapters.BulkLoader = (*Sink)(nil)

// noDeferral says why --defer-indexing does not apply to a Weaviate target.
const noDeferral = "a class's HNSW build settings cannot change once it exists (efConstruction and maxConnections are immutable; a change of skip is accepted but not applied), so its index cannot be switched off for the copy and on after it; the objects are indexed as they are written. Weaviate's own equivalent is server-wide: ASYNC_INDEXING=true in the target server's environment"

// PlanBulkLoad reads the target's layout for the number of writers; it
// writes nothing and holds nothing back. A layout that cannot be read
// leaves Workers 0: a suggestion is not worth failing the plan.
func (s *Sink) PlanBulkLoad(ctx context.Context, def *adapters.Collection, req adapters.BulkRequest) (*adapters.BulkPlan, error) {
	plan := &adapters.BulkPlan{}
	if req.DeferIndexing {
		plan.Findings = append(plan.Findings, adapters.NoteFinding(s.Endpoint(), "--defer-indexing does not apply to Weaviate targets: %s", noDeferral))
	}
	if l, ok := s.layout(ctx, def, req.OnExists); ok {
		plan.Workers, plan.WorkersFrom = l.writers(), l.String()
	}
	return plan, nil
}
