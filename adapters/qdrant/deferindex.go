package qdrant

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
)

// A bulk load (adapters.BulkLoader). A collection vecmig creates is
// created with two of the source's settings held back until after the
// last write:
//
//   - with --defer-indexing, the HNSW graph: hnsw_config.m 0, which
//     Qdrant's bulk-upload guide recommends ("defer HNSW graph
//     construction"); the source's hnsw_config is put back after the data
//     and the run waits until the collection is green;
//   - strict mode, when the source has it enabled, so that the copy is not
//     throttled by its own limits (upsert_max_batchsize, write_rate_limit).
//
// An existing collection written into is left as it is; its strict mode
// is read, and the run keeps to its limits (strict.go). Only when the
// run's state says an earlier run created it with settings held back
// (BulkRequest.Restore) does Finish put back those it still lacks: HNSW m
// while the target's m is 0, strict mode while it has none. Nothing else
// is touched, so tuning done on the target since is kept.

// Keys of BulkPlan.Restore: what was held back, as the state records it.
const (
	restoreHNSWM  = "hnsw_m"      // the m to put back, in decimal
	restoreStrict = "strict_mode" // "on": the source's strict mode
)

var _ adapters.BulkLoader = (*Sink)(nil)

// bulkLoad is what PlanBulkLoad decided, for Prepare and Finish.
type bulkLoad struct {
	req    adapters.BulkRequest
	native *Native // the definition's settings: its strict mode to put back
	hnswM  uint64  // > 0: create with m 0, put this m back
	strict bool    // create without strict mode, put the source's back
	// putBack is set once a collection was created with something held
	// back (or req.Restore names what it still lacks): Finish puts it back.
	putBack bool
}

// PlanBulkLoad reads the target's limits and layout and decides what the
// collection is created without; see adapters.BulkLoader.
func (s *Sink) PlanBulkLoad(ctx context.Context, def *adapters.Collection, req adapters.BulkRequest) (*adapters.BulkPlan, error) {
	plan := &adapters.BulkPlan{}
	if s.c.layout.perColl {
		if req.DeferIndexing {
			plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix, "--defer-indexing does not apply to one collection per tenant: each is indexed as it is written"))
		}
		return plan, nil
	}
	def, err := s.c.layoutDef(def)
	if err != nil {
		return plan, nil // the target's checks report it, with nothing written
	}
	exists, err := s.c.exists(ctx)
	if err != nil {
		return nil, err
	}
	creates := !exists || req.OnExists == adapters.ExistsRecreate
	var shards uint32
	if creates {
		err = s.planCreate(plan, def, req)
		if n, perr := s.nativeOf(def); perr == nil {
			shards = n.Config.GetParams().GetShardNumber()
		}
	} else {
		shards, err = s.planExisting(ctx, plan, def, req)
	}
	if err != nil {
		return nil, err
	}
	plan.Workers, plan.WorkersFrom = s.writers(ctx, shards)
	return plan, nil
}

// planCreate holds back def's settings for a collection Prepare creates.
func (s *Sink) planCreate(plan *adapters.BulkPlan, def *adapters.Collection, req adapters.BulkRequest) error {
	b := &bulkLoad{req: req}
	n, err := s.nativeOf(def)
	if err != nil {
		// Prepare will refuse it with this same error; nothing to hold back.
		s.setBulk(b)
		return nil
	}
	b.native = n
	if req.DeferIndexing {
		m := hnswM(n.Config.GetHnswConfig())
		if m == 0 {
			plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix, "--defer-indexing: the source's HNSW m is 0 already (no graph): nothing to defer"))
		} else {
			b.hnswM = m
			plan.HeldBack = append(plan.HeldBack, fmt.Sprintf("HNSW index (m %d)", m))
			plan.Restore = map[string]string{restoreHNSWM: strconv.FormatUint(m, 10)}
			plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix,
				"--defer-indexing: the collection is created with HNSW m 0 (no graph is built while copying); after the last write it gets the source's HNSW settings (m %d, ef_construct %d) and the run waits until it is green before counting and verifying",
				m, n.Config.GetHnswConfig().GetEfConstruct()))
			if named := ownHNSW(n.Config.GetParams()); len(named) > 0 {
				plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix, "--defer-indexing: vectors %s have HNSW settings of their own and are indexed as they are written", strings.Join(named, ", ")))
			}
		}
	}
	if sm := n.Config.GetStrictModeConfig(); sm.GetEnabled() {
		b.strict = true
		plan.HeldBack = append(plan.HeldBack, "strict mode")
		if plan.Restore == nil {
			plan.Restore = map[string]string{}
		}
		plan.Restore[restoreStrict] = "on"
		plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix, "the source's strict mode (%s) is applied after the data, so that it does not throttle the copy", strictText(sm)))
	}
	s.setBulk(b)
	return nil
}

// planExisting keeps to the limits of a collection that exists. When an
// earlier run created it with settings held back (req.Restore), Finish
// puts back those it still lacks; otherwise a target left without an
// HNSW index the source has is a warning.
func (s *Sink) planExisting(ctx context.Context, plan *adapters.BulkPlan, def *adapters.Collection, req adapters.BulkRequest) (uint32, error) {
	_, have, err := s.c.describe(ctx)
	if err != nil {
		return 0, err
	}
	b := &bulkLoad{req: req}
	if err := s.planRestore(plan, b, def, have.Config); err != nil {
		return 0, err
	}
	if !b.putBack {
		if req.DeferIndexing {
			plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix, "--defer-indexing applies only to a collection vecmig creates; collection %q exists and keeps indexing as it is written", s.c.coll))
		}
		s.warnNoIndex(plan, def, have.Config)
	}
	s.setBulk(b)
	strictLimits(plan, s.c.prefix, have.Config.GetStrictModeConfig())
	return have.Config.GetParams().GetShardNumber(), nil
}

// planRestore decides what of req.Restore the collection (config have)
// still lacks: m while its m is 0, strict mode while it has none.
func (s *Sink) planRestore(plan *adapters.BulkPlan, b *bulkLoad, def *adapters.Collection, have *qdrant.CollectionConfig) error {
	r := b.req.Restore
	var what []string
	if v, ok := r[restoreHNSWM]; ok && have.GetHnswConfig().GetM() == 0 {
		m, err := strconv.ParseUint(v, 10, 64)
		if err != nil || m == 0 {
			return adapters.Errorf(adapters.KindInvalid, "%s: the state file records HNSW m %q to put back, which is not a number above 0; delete the \"bulk\" entry of the state file and set m on collection %q yourself", s.c.prefix, v, s.c.coll)
		}
		b.hnswM = m
		what = append(what, fmt.Sprintf("HNSW m %d", m))
	}
	if r[restoreStrict] == "on" && !have.GetStrictModeConfig().GetEnabled() {
		n, err := s.nativeOf(def)
		if err != nil {
			return err
		}
		if n.Config.GetStrictModeConfig().GetEnabled() {
			b.native, b.strict = n, true
			what = append(what, fmt.Sprintf("strict mode (%s)", strictText(n.Config.GetStrictModeConfig())))
		}
	}
	if len(what) > 0 {
		b.putBack = true
		plan.Findings = append(plan.Findings, adapters.NoteFinding(s.c.prefix, "an earlier run created the collection with settings held back; it still lacks %s, put back after the last write", strings.Join(what, " and ")))
	}
	return nil
}

// warnNoIndex warns of a collection whose HNSW m is 0 (no index is built:
// every search is a full scan) while the source's is not, as a run
// stopped inside Prepare with --defer-indexing leaves it.
func (s *Sink) warnNoIndex(plan *adapters.BulkPlan, def *adapters.Collection, have *qdrant.CollectionConfig) {
	h := have.GetHnswConfig()
	if h == nil || h.M == nil || h.GetM() != 0 {
		return
	}
	n, err := s.nativeOf(def)
	if err != nil {
		return
	}
	m := hnswM(n.Config.GetHnswConfig())
	if m == 0 {
		return
	}
	plan.Findings = append(plan.Findings, adapters.Finding{Level: adapters.LevelWarning, Subject: s.c.prefix, Message: fmt.Sprintf(
		"collection %q has HNSW m 0 (no vector index is built: every search scans all points) while the source's m is %d; perhaps a --defer-indexing run stopped before putting it back. After the copy, restore it with: curl -X PATCH '<target REST URL>/collections/%s' -H 'api-key: ...' -H 'Content-Type: application/json' -d '{\"hnsw_config\":{\"m\":%d}}'",
		s.c.coll, m, s.c.coll, m)})
}

func (s *Sink) setBulk(b *bulkLoad) {
	s.mu.Lock()
	s.bulk = b
	s.mu.Unlock()
}

func (s *Sink) bulkLoad() *bulkLoad {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bulk
}

// hnswM is the HNSW m of a config, Qdrant's default 16 when unset.
func hnswM(h *qdrant.HnswConfigDiff) uint64 {
	if h == nil || h.M == nil {
		return 16
	}
	return h.GetM()
}

// ownHNSW names the vectors whose own hnsw_config sets m: the collection's
// m 0 does not reach them.
func ownHNSW(p *qdrant.CollectionParams) []string {
	var out []string
	setsM := func(v *qdrant.VectorParams) bool { h := v.GetHnswConfig(); return h != nil && h.M != nil }
	if setsM(p.GetVectorsConfig().GetParams()) {
		out = append(out, "(unnamed)")
	}
	for name, v := range p.GetVectorsConfig().GetParamsMap().GetMap() {
		if setsM(v) {
			out = append(out, fmt.Sprintf("%q", name))
		}
	}
	return out
}

// holdBack changes the creation requests as the bulk load decided, and
// marks that Finish must put the settings back.
func (s *Sink) holdBack(p *creation) {
	b := s.bulkLoad()
	if b == nil || (b.hnswM == 0 && !b.strict) {
		return
	}
	if b.hnswM > 0 {
		h := &qdrant.HnswConfigDiff{}
		if p.create.HnswConfig != nil {
			h = proto.Clone(p.create.HnswConfig).(*qdrant.HnswConfigDiff)
		}
		h.M = ptr(uint64(0))
		p.create.HnswConfig = h
	}
	if b.strict {
		p.create.StrictModeConfig = nil
	}
	s.mu.Lock()
	b.putBack = true
	s.mu.Unlock()
}
