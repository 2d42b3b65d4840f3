package qdrant

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters"
)

// One collection per tenant (qdrant://HOST/docs_{tenant}): partition p
// lives in collection docs_p. Each is reached through a view of the
// endpoint's connection (conn.view), which shares its gRPC client.

// pattern is the endpoint's collection name, {tenant} included.
func (c *conn) pattern() string { return c.layout.before + tenantMark + c.layout.after }

// describeCollections returns the definition of the first tenant's
// collection with every matching collection's tenant as a partition,
// after checking all have the same vectors.
func (c *conn) describeCollections(ctx context.Context) (*adapters.Collection, error) {
	tenants, err := c.tenantCollections(ctx)
	if err != nil {
		return nil, err
	}
	if len(tenants) == 0 {
		return nil, adapters.Errorf(adapters.KindNotFound, "%s: no collection matches %s (collections named %q followed by a tenant%s); check the names with 'vecmig inspect %s'", c.prefix, c.pattern(), c.layout.before, suffixNote(c.layout.after), c.ep)
	}
	first := c.view(tenants[0])
	_, n, err := first.describe(ctx)
	if err != nil {
		return nil, err
	}
	if n.Config.GetParams().GetShardingMethod() == qdrant.ShardingMethod_Custom {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: collection %q uses custom shard keys; one collection per tenant reads plain collections: name one collection in the endpoint instead of %s", c.prefix, first.coll, c.pattern())
	}
	plain := *n
	plain.Aliases = nil // an alias names one of the collections, not the set
	def, err := Definition(c.pattern(), &plain)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("%s: %w", c.prefix, err))
	}
	for _, t := range tenants[1:] {
		if err := c.sameVectors(ctx, first.coll, def.Vectors, c.view(t)); err != nil {
			return nil, err
		}
	}
	def.Partitioned = true
	for _, t := range tenants {
		def.Partitions = append(def.Partitions, adapters.Partition{Name: t})
	}
	return def, nil
}

func suffixNote(after string) string {
	if after == "" {
		return ""
	}
	return fmt.Sprintf(" and %q", after)
}

// sameVectors checks that another tenant's collection has the vectors of
// the first one (want).
func (c *conn) sameVectors(ctx context.Context, first string, want map[string]adapters.VectorSpec, v *conn) error {
	cctx, cancel := v.call(ctx)
	defer cancel()
	info, err := v.client.GetCollectionInfo(cctx, v.coll)
	if err != nil {
		if status.Code(err) == codes.NotFound && ctx.Err() == nil {
			return adapters.Errorf(adapters.KindNotFound, "%s: collection %q disappeared while the tenants were listed; run again", c.prefix, v.coll)
		}
		return v.classify(ctx, err, "describe the collection")
	}
	have, err := neutralVectors(info.GetConfig().GetParams())
	if err != nil {
		return adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("%s: %w", v.prefix, err))
	}
	if !reflect.DeepEqual(want, have) {
		return adapters.Errorf(adapters.KindIncompatible, "%s: collections %q (%s) and %q (%s) have different vectors; the tenants of %s are read as one definition, so give them the same vectors or copy them one by one", c.prefix, first, vectorSummary(want), v.coll, vectorSummary(have), c.pattern())
	}
	return nil
}

// vectorSummary lists vectors for a message: `unnamed (dense, 32-d, cosine)`.
func vectorSummary(vs map[string]adapters.VectorSpec) string {
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s (%s)", vectorName(n), vs[n])
	}
	if len(parts) == 0 {
		return "no vectors"
	}
	return strings.Join(parts, ", ")
}

// tenantSink is the Sink of a partition's own collection, made once per
// partition so that it keeps what it learns of its vectors.
func (s *Sink) tenantSink(partition string) (*Sink, error) {
	if err := s.c.needPartition(partition); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.views[partition]; ok {
		return v, nil
	}
	if s.views == nil {
		s.views = map[string]*Sink{}
	}
	v := &Sink{c: s.c.view(partition)}
	s.views[partition] = v
	return v, nil
}

// existingTenants is the set of tenants whose collections exist.
func (s *Sink) existingTenants(ctx context.Context) (map[string]bool, []string, error) {
	list, err := s.c.tenantCollections(ctx)
	if err != nil {
		return nil, nil, err
	}
	set := make(map[string]bool, len(list))
	for _, t := range list {
		set[t] = true
	}
	return set, list, nil
}

// prepareCollections creates one plain collection per partition of def:
// under recreate after deleting every matching collection, under append
// keeping (and checking) those that exist.
func (s *Sink) prepareCollections(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) error {
	plain, err := s.c.layoutDef(def)
	if err != nil {
		return err
	}
	have, list, err := s.existingTenants(ctx)
	if err != nil {
		return err
	}
	switch onExists {
	case adapters.ExistsFail, "":
		if len(list) > 0 {
			return s.existsErr()
		}
	case adapters.ExistsRecreate:
		if err := s.dropCollections(ctx, plain, def.PartitionNames(), list); err != nil {
			return err
		}
		have = nil
	case adapters.ExistsAppend:
	default:
		return adapters.Errorf(adapters.KindInvalid, "%s: --on-exists %q is not one of fail, append, recreate", s.c.prefix, onExists)
	}
	s.mu.Lock()
	s.views = nil // Finish checks the collections of this definition (and of later writes)
	s.mu.Unlock()
	for _, p := range def.PartitionNames() {
		v, err := s.tenantSink(p)
		if err != nil {
			return err
		}
		if have[p] {
			err = v.keep(ctx, plain)
		} else {
			err = v.create(ctx, plain)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropCollections deletes the matching collections (tenants in list),
// after checking every partition's collection can be created.
func (s *Sink) dropCollections(ctx context.Context, plain *adapters.Collection, parts, list []string) error {
	for _, p := range parts {
		v, err := s.tenantSink(p)
		if err != nil {
			return err
		}
		if _, err := v.plan(plain); err != nil {
			return err
		}
	}
	for _, t := range list {
		v := s.c.view(t)
		cctx, cancel := v.call(ctx)
		err := v.client.DeleteCollection(cctx, v.coll)
		cancel()
		if err != nil {
			return v.classify(ctx, err, "delete collection")
		}
		s.setVectorsOf(t, nil)
	}
	return nil
}

// setVectorsOf forgets (or sets) what a tenant's sink knows of its
// collection's vectors.
func (s *Sink) setVectorsOf(tenant string, v map[string]adapters.VectorSpec) {
	s.mu.Lock()
	view := s.views[tenant]
	s.mu.Unlock()
	if view != nil {
		view.setVectors(v)
	}
}

// finishCollections finishes every tenant collection prepared or written;
// when none was, every matching one.
func (s *Sink) finishCollections(ctx context.Context) error {
	s.mu.Lock()
	tenants := make([]string, 0, len(s.views))
	for t := range s.views {
		tenants = append(tenants, t)
	}
	s.mu.Unlock()
	if len(tenants) == 0 {
		var err error
		if tenants, err = s.c.tenantCollections(ctx); err != nil {
			return err
		}
	}
	sort.Strings(tenants)
	for _, t := range tenants {
		v, err := s.tenantSink(t)
		if err != nil {
			return err
		}
		if err := v.Finish(ctx); err != nil {
			return err
		}
	}
	return nil
}

// checkCollections is CheckTarget for one collection per tenant.
func (s *Sink) checkCollections(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) ([]adapters.Finding, error) {
	plain, err := s.c.layoutDef(def)
	if err != nil {
		return []adapters.Finding{s.c.finding(err)}, nil
	}
	have, list, err := s.existingTenants(ctx)
	if err != nil {
		return nil, err
	}
	var out []adapters.Finding
	switch onExists {
	case adapters.ExistsFail:
		if len(list) > 0 {
			out = append(out, s.c.finding(s.existsErr()))
		}
	case adapters.ExistsRecreate:
		if len(list) > 0 {
			out = append(out, adapters.NoteFinding(s.c.prefix, "collections %s match %s and will be deleted first", quoteAll(s.c, list), s.c.pattern()))
		}
		have = nil
	}
	var create []string
	for _, p := range def.PartitionNames() {
		v, err := s.tenantSink(p)
		if err != nil {
			return nil, err
		}
		if !have[p] {
			create = append(create, fmt.Sprintf("%q", v.c.coll))
			continue
		}
		if onExists == adapters.ExistsAppend {
			hdef, _, err := v.c.describe(ctx)
			if err != nil {
				return out, err
			}
			out = append(out, v.appendFindings(plain, hdef)...)
		}
	}
	if len(create) > 0 {
		if _, err := s.plan(plain); err != nil {
			out = append(out, s.c.finding(err))
		}
		out = append(out, adapters.NoteFinding(s.c.prefix, "collections %s will be created", strings.Join(create, ", ")))
	}
	return out, nil
}

// quoteAll names the tenants' collections, quoted.
func quoteAll(c *conn, tenants []string) string {
	q := make([]string, len(tenants))
	for i, t := range tenants {
		q[i] = fmt.Sprintf("%q", c.layout.before+t+c.layout.after)
	}
	return strings.Join(q, ", ")
}
