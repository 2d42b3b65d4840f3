package qdrant

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters"
)

// Sink creates and writes one Qdrant collection.
type Sink struct {
	c *conn

	mu      sync.Mutex
	vectors map[string]adapters.VectorSpec // the target's, once known; to name a rejected point
	views   map[string]*Sink               // by tenant, with one collection per tenant
	bulk    *bulkLoad                      // set by PlanBulkLoad (deferindex.go)
}

var _ adapters.Sink = (*Sink)(nil)

// OpenSink connects to the collection's server for writing.
func OpenSink(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (*Sink, error) {
	c, err := dial(ctx, ep, cfg)
	if err != nil {
		return nil, err
	}
	return &Sink{c: c}, nil
}

// Exists reports whether the target collection exists; with one
// collection per tenant, whether any matching collection does.
func (s *Sink) Exists(ctx context.Context) (bool, error) {
	if s.c.layout.perColl {
		list, err := s.c.tenantCollections(ctx)
		return len(list) > 0, err
	}
	return s.c.exists(ctx)
}

// Engine says definitions must come from Qdrant (or be mapped to it).
func (s *Sink) Engine() string { return "qdrant" }

// PartitionsByWrites is true for tenants in a payload field: a tenant is
// on the target once a point of it is written (adapters.WrittenPartitions).
func (s *Sink) PartitionsByWrites() bool { return s.c.layout.field != "" }

// Prepare creates the collection from def, or keeps or recreates it.
//
// Creating needs a definition taken from Qdrant (def.Engine "qdrant"):
// every setting in its Native document is recreated, then the payload
// indexes, the shard keys (def's partitions) and the aliases that do not
// exist on the target yet. Appending to an existing collection only needs
// the vectors to match, so it also accepts definitions from other engines.
//
// With tenants in a payload field the collection is created plain, with
// the tenant index (created on an existing collection that lacks it);
// with one collection per tenant, each partition's collection is prepared
// so (prepareCollections).
func (s *Sink) Prepare(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) error {
	if s.c.layout.perColl {
		return s.prepareCollections(ctx, def, onExists)
	}
	def, err := s.c.layoutDef(def)
	if err != nil {
		return err
	}
	exists, err := s.c.exists(ctx)
	if err != nil {
		return err
	}
	if exists {
		switch onExists {
		case adapters.ExistsAppend:
			return s.keep(ctx, def)
		case adapters.ExistsRecreate:
			// Check the whole definition before deleting anything.
			if _, err := s.plan(def); err != nil {
				return err
			}
			cctx, cancel := s.c.call(ctx)
			err := s.c.client.DeleteCollection(cctx, s.c.coll)
			cancel()
			if err != nil {
				return s.c.classify(ctx, err, "delete collection")
			}
		case adapters.ExistsFail, "":
			return s.existsErr()
		default:
			return adapters.Errorf(adapters.KindInvalid, "%s: --on-exists %q is not one of fail, append, recreate", s.c.prefix, onExists)
		}
	}
	return s.create(ctx, def)
}

func (s *Sink) nativeOf(def *adapters.Collection) (*Native, error) {
	if def.Engine != "qdrant" {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: cross-engine definition mapping is not supported yet; the definition comes from %q. Create collection %q on the target yourself and run again with --on-exists append", s.c.prefix, def.Engine, s.c.coll)
	}
	n, err := ParseNative(def.Native)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", s.c.prefix, err)
	}
	if len(n.Unmapped) > 0 {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: the source collection has settings this vecmig cannot recreate (%s); create collection %q on the target yourself and run again with --on-exists append", s.c.prefix, strings.Join(n.Unmapped, ", "), s.c.coll)
	}
	return n, nil
}

// creation is every request that makes the collection, in order.
type creation struct {
	create  *qdrant.CreateCollection
	update  *qdrant.UpdateCollection // nil when not needed
	indexes []*qdrant.CreateFieldIndexCollection
	keys    []*qdrant.ShardKey
	aliases []string
}

// plan checks def and builds the requests, without calling the server.
func (s *Sink) plan(def *adapters.Collection) (*creation, error) {
	n, err := s.nativeOf(def)
	if err != nil {
		return nil, err
	}
	p := &creation{aliases: n.Aliases}
	if p.create, p.update, err = createRequest(s.c.coll, n.Config); err != nil {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", s.c.prefix, err)
	}
	if p.indexes, err = indexRequests(s.c.coll, n.PayloadSchema); err != nil {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", s.c.prefix, err)
	}
	if p.keys, err = s.shardKeys(def, n); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Sink) create(ctx context.Context, def *adapters.Collection) error {
	p, err := s.plan(def)
	if err != nil {
		return err
	}
	s.setVectors(nil) // the new collection's, described when needed
	s.holdBack(p)     // a bulk load's settings held back until Finish
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	if err := s.c.client.CreateCollection(cctx, p.create); err != nil {
		return s.c.classify(ctx, err, "create collection")
	}
	// From here on a failure leaves a half-made collection: say so.
	half := fmt.Sprintf("; collection %q was created but is incomplete: run again with --on-exists recreate", s.c.coll)
	if p.update != nil {
		if err := s.c.client.UpdateCollection(cctx, p.update); err != nil {
			return fmt.Errorf("%w%s", s.c.classify(ctx, err, "update collection"), half)
		}
	}
	for _, r := range p.indexes {
		if _, err := s.c.client.CreateFieldIndex(cctx, r); err != nil {
			return fmt.Errorf("%w%s", s.c.classify(ctx, err, fmt.Sprintf("create payload index %q", r.FieldName)), half)
		}
	}
	if err := s.createShardKeys(cctx, ctx, p.keys, nil); err != nil {
		return fmt.Errorf("%w%s", err, half)
	}
	return s.createAliases(cctx, ctx, p.aliases)
}

// shardKeys returns the keys to create: def's partitions.
func (s *Sink) shardKeys(def *adapters.Collection, n *Native) ([]*qdrant.ShardKey, error) {
	custom := n.Config.GetParams().GetShardingMethod() == qdrant.ShardingMethod_Custom
	if !def.Partitioned {
		return nil, nil
	}
	if !custom {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: the definition has partitions but its sharding method is not custom", s.c.prefix)
	}
	var keys []*qdrant.ShardKey
	for _, p := range def.Partitions {
		k, err := ShardKeyOf(p.Name)
		if err != nil {
			return nil, adapters.Errorf(adapters.KindInvalid, "%s: %w", s.c.prefix, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// createShardKeys creates the keys not in have.
func (s *Sink) createShardKeys(cctx, ctx context.Context, keys []*qdrant.ShardKey, have map[string]bool) error {
	for _, k := range keys {
		name := PartitionName(k)
		if have[name] {
			continue
		}
		if err := s.c.client.CreateShardKey(cctx, s.c.coll, &qdrant.CreateShardKey{ShardKey: k}); err != nil {
			return s.c.classify(ctx, err, fmt.Sprintf("create shard key %q", name))
		}
	}
	return nil
}

// createAliases creates the source's aliases where no alias of that name
// exists on the target; an existing alias is left pointing where it does.
func (s *Sink) createAliases(cctx, ctx context.Context, aliases []string) error {
	if len(aliases) == 0 {
		return nil
	}
	existing, err := s.c.client.ListAliases(cctx)
	if err != nil {
		return s.c.classify(ctx, err, "list aliases")
	}
	taken := map[string]bool{}
	for _, a := range existing {
		taken[a.GetAliasName()] = true
	}
	for _, a := range aliases {
		if taken[a] {
			continue
		}
		if err := s.c.client.CreateAlias(cctx, a, s.c.coll); err != nil {
			return s.c.classify(ctx, err, fmt.Sprintf("create alias %q", a))
		}
	}
	return nil
}

// keep checks an existing collection can take def's points: the same
// vectors (name, kind, size, distance, datatype), and def's partitions,
// creating missing shard keys.
func (s *Sink) keep(ctx context.Context, def *adapters.Collection) error {
	have, n, err := s.c.describe(ctx)
	if err != nil {
		return err
	}
	s.setVectors(have.Vectors)
	if err := adapters.FindingsError(s.appendFindings(def, have)); err != nil {
		return err
	}
	if s.c.layout.field != "" {
		if missing, err := s.c.tenantIndexMissing(n); err != nil || !missing {
			return err
		}
		return s.c.createTenantIndex(ctx)
	}
	if !def.Partitioned {
		return nil
	}
	got := map[string]bool{}
	for _, p := range have.Partitions {
		got[p.Name] = true
	}
	var keys []*qdrant.ShardKey
	for _, p := range def.Partitions {
		k, err := ShardKeyOf(p.Name)
		if err != nil {
			return adapters.Errorf(adapters.KindInvalid, "%s: %w", s.c.prefix, err)
		}
		keys = append(keys, k)
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	return s.createShardKeys(cctx, ctx, keys, got)
}

func vectorName(name string) string {
	if name == adapters.DefaultVector {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", name)
}

// Write upserts points into a partition and waits until they are applied.
func (s *Sink) Write(ctx context.Context, partition string, points []adapters.Point) error {
	if len(points) == 0 {
		return nil
	}
	if s.c.layout.perColl {
		v, err := s.tenantSink(partition)
		if err != nil {
			return err
		}
		return v.Write(ctx, "", points)
	}
	if err := s.c.needPartition(partition); err != nil {
		return err
	}
	points, err := s.c.withTenant(partition, points)
	if err != nil {
		return err
	}
	sel, err := s.c.selector(partition)
	if err != nil {
		return err
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	if err := s.upsert(cctx, sel, s.c.tenantFilter(partition), points); err != nil {
		return s.writeError(ctx, err, partition, len(points), points[0].ID, points[len(points)-1].ID, func() []adapters.Point { return points })
	}
	return nil
}

// writeError reports a failed write of n points (ids first to last); a
// batch the server rejected names the points that do not fit, decoded by
// neutral only then.
func (s *Sink) writeError(ctx context.Context, err error, partition string, n int, first, last adapters.ID, neutral func() []adapters.Point) error {
	if status.Code(err) == codes.InvalidArgument && ctx.Err() == nil {
		return adapters.Rejected(&adapters.RejectedError{Endpoint: s.c.prefix, Partition: partition, Total: n, Whole: true,
			First: first, Last: last, Reason: adapters.ShortMessage(grpcMessage(err)), Rejected: s.culprits(ctx, neutral())})
	}
	return s.c.classify(ctx, err, fmt.Sprintf("write %d points (ids %s to %s)%s", n, first, last, inPartition(partition)))
}

// upsert writes neutral points with wait=true (upsertWire; raw batches:
// upsertRaw). A tenant filter keeps a point of another tenant with the
// same id as it is (Qdrant's update_filter): the written tenant then lacks
// the point, which a count shows, instead of the other tenant losing it
// silently.
func (s *Sink) upsert(ctx context.Context, sel *qdrant.ShardKeySelector, tenant *qdrant.Filter, points []adapters.Point) error {
	return s.c.upsertWire(ctx, sel, tenant, points)
}

// culprits names the points of a rejected batch that do not fit the
// collection's vectors, and why; none when the cause is elsewhere.
func (s *Sink) culprits(ctx context.Context, points []adapters.Point) []adapters.Rejection {
	s.mu.Lock()
	specs := s.vectors
	s.mu.Unlock()
	if specs == nil {
		def, _, err := s.c.describe(ctx)
		if err != nil {
			return nil
		}
		specs = def.Vectors
		s.setVectors(specs)
	}
	var out []adapters.Rejection
	for i := range points {
		if why := misfit(&points[i], specs); why != "" {
			out = append(out, adapters.Rejection{ID: points[i].ID, Message: why})
		}
	}
	return out
}

func (s *Sink) setVectors(v map[string]adapters.VectorSpec) {
	s.mu.Lock()
	s.vectors = v
	s.mu.Unlock()
}

// misfit says why a point does not fit the declared vectors, "" if it does.
func misfit(p *adapters.Point, specs map[string]adapters.VectorSpec) string {
	for _, name := range p.VectorNames() {
		v := p.Vectors[name]
		spec, ok := specs[name]
		switch {
		case !ok:
			return fmt.Sprintf("vector %s is not declared by the collection", vectorName(name))
		case v.Kind() != spec.Kind:
			return fmt.Sprintf("vector %s is %s, the collection declares it %s", vectorName(name), v.Kind(), spec.Kind)
		case spec.Kind == "dense" && spec.Size > 0 && len(v.Dense) != spec.Size:
			return fmt.Sprintf("vector %s has %d dimensions, the collection %d", vectorName(name), len(v.Dense), spec.Size)
		case spec.Kind == "multi" && spec.Size > 0:
			for j, sub := range v.Multi {
				if len(sub) != spec.Size {
					return fmt.Sprintf("sub-vector %d of %s has %d dimensions, the collection %d", j, vectorName(name), len(sub), spec.Size)
				}
			}
		}
	}
	return ""
}

func inPartition(p string) string {
	if p == "" {
		return ""
	}
	return fmt.Sprintf(" to partition %q", p)
}

// Finish has nothing to flush (every write waited for the server to apply
// it); it checks the collection is still there and not failed, so that a
// run does not end in success on a broken target.
func (s *Sink) Finish(ctx context.Context) error {
	if s.c.layout.perColl {
		return s.finishCollections(ctx)
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	info, err := s.c.client.GetCollectionInfo(cctx, s.c.coll)
	if err != nil {
		if status.Code(err) == codes.NotFound && ctx.Err() == nil {
			return adapters.Errorf(adapters.KindNotFound, "%s: collection %q disappeared while it was being written; was it deleted by someone else?", s.c.prefix, s.c.coll)
		}
		return s.c.classify(ctx, err, "check the collection after writing")
	}
	if info.GetStatus() == qdrant.CollectionStatus_Red {
		return fmt.Errorf("%s: the collection's status is red after writing (optimizer: %s); see the Qdrant server log", s.c.prefix, info.GetOptimizerStatus().GetError())
	}
	return s.putBack(ctx) // a bulk load's settings held back (deferindex_finish.go)
}

// Count returns the exact number of points in a partition of the target.
func (s *Sink) Count(ctx context.Context, partition string) (uint64, error) {
	if s.c.layout.perColl {
		v, err := s.tenantSink(partition)
		if err != nil {
			return 0, err
		}
		return v.Count(ctx, "")
	}
	return s.c.count(ctx, partition)
}

// Endpoint names the target, without secrets.
func (s *Sink) Endpoint() string { return s.c.ep }

// Version is the server's version, as HealthCheck reported it.
func (s *Sink) Version() string { return s.c.version }

// Close closes the connections.
func (s *Sink) Close() error { return s.c.close() }
