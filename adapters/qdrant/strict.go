package qdrant

import (
	"fmt"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// Strict mode's limits on writes, as a real Qdrant 1.18.3 enforces them
// (seen): upsert_max_batchsize refuses a larger upsert with
// InvalidArgument ("Limit exceeded 6 > 5 for \"upsert limit\""), and
// write_rate_limit is a token bucket of that many points a minute (an
// upsert of n points takes n tokens; ResourceExhausted "Write rate limit
// exceeded: Operation requires 5 tokens but only 0.1 were available.
// Retry after 15s"), so a batch larger than the limit never passes.

// strictLimits caps batches and the write rate of the plan to what an
// existing collection's strict mode allows, with a note for each.
func strictLimits(plan *adapters.BulkPlan, prefix string, sm *qdrant.StrictModeConfig) {
	if !sm.GetEnabled() {
		return
	}
	if n := sm.GetUpsertMaxBatchsize(); n > 0 {
		plan.MaxBatch = capBatch(plan.MaxBatch, int(n))
		plan.Findings = append(plan.Findings, adapters.NoteFinding(prefix, "the target's strict mode allows at most %d points per upsert (upsert_max_batchsize): write batches are capped to %d", n, n))
	}
	if r := sm.GetWriteRateLimit(); r > 0 {
		plan.MaxBatch = capBatch(plan.MaxBatch, int(r))
		plan.MaxRate = float64(r) / 60
		plan.Findings = append(plan.Findings, adapters.NoteFinding(prefix, "the target's strict mode allows %d points written a minute (write_rate_limit): the copy reads and writes at most %.1f points/s, in batches of at most %d", r, plan.MaxRate, plan.MaxBatch))
	}
}

func capBatch(have, limit int) int {
	if have == 0 || limit < have {
		return limit
	}
	return have
}

// strictText lists the settings of a strict mode that limit writes, for
// messages: "upsert_max_batchsize 5, write_rate_limit 20".
func strictText(sm *qdrant.StrictModeConfig) string {
	var parts []string
	if sm.UpsertMaxBatchsize != nil {
		parts = append(parts, fmt.Sprintf("upsert_max_batchsize %d", sm.GetUpsertMaxBatchsize()))
	}
	if sm.WriteRateLimit != nil {
		parts = append(parts, fmt.Sprintf("write_rate_limit %d", sm.GetWriteRateLimit()))
	}
	if len(parts) == 0 {
		return "enabled"
	}
	return "enabled, " + strings.Join(parts, ", ")
}
