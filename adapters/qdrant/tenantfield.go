package qdrant

import (
	"context"
	"fmt"
	"sort"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
)

// Tenants in a payload field (?tenant_field=F): one plain collection whose
// points carry their tenant in field F, indexed as a keyword with
// is_tenant.

// facetLimit bounds the tenants one Describe lists. Qdrant returns at most
// this many distinct values; reaching it is an error rather than a partial
// list.
const facetLimit = 1_000_000

// tenantFilter selects the points of a tenant; nil for "" (every point)
// and where tenants are not in a payload field.
func (c *conn) tenantFilter(partition string) *qdrant.Filter {
	if c.layout.field == "" || partition == "" {
		return nil
	}
	return &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword(c.layout.field, partition)}}
}

// indexHelp says how to create the tenant index by hand.
func indexHelp(coll, field string) string {
	return fmt.Sprintf(`create it (PUT /collections/%s/index {"field_name": %q, "field_schema": {"type": "keyword", "is_tenant": true}}) or drop ?%s from the endpoint`, coll, field, tenantFieldParam)
}

// describeByField returns the definition of a collection with tenants in
// a payload field: partitions are the field's values, and the field's
// index is left out of Native (points are read without the field).
func (c *conn) describeByField(ctx context.Context) (*adapters.Collection, error) {
	_, n, err := c.describe(ctx)
	if err != nil {
		return nil, err
	}
	f := c.layout.field
	if n.Config.GetParams().GetShardingMethod() == qdrant.ShardingMethod_Custom {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: collection %q uses custom shard keys; its partitions are the shard keys: drop ?%s from the endpoint", c.prefix, c.coll, tenantFieldParam)
	}
	if t := n.PayloadSchema[f].GetDataType(); t != qdrant.PayloadSchemaType_Keyword {
		what := "has no keyword index (no payload index at all)"
		if n.PayloadSchema[f] != nil {
			what = fmt.Sprintf("has a %s index, not a keyword index", t)
		}
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: tenant field %q %s, which listing the tenants needs; %s", c.prefix, f, what, indexHelp(c.coll, f))
	}
	parts, err := c.tenantsByFacet(ctx)
	if err != nil {
		return nil, err
	}
	stripped := *n
	stripped.PayloadSchema = make(map[string]*qdrant.PayloadSchemaInfo, len(n.PayloadSchema))
	for k, v := range n.PayloadSchema {
		if k != f {
			stripped.PayloadSchema[k] = v
		}
	}
	def, err := Definition(c.coll, &stripped)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("%s: %w", c.prefix, err))
	}
	def.Partitioned, def.Partitions = true, parts
	return def, nil
}

// tenantsByFacet lists the tenant field's values (an exact facet on its
// keyword index) and checks that they account for every point.
func (c *conn) tenantsByFacet(ctx context.Context) ([]adapters.Partition, error) {
	f := c.layout.field
	cctx, cancel := c.call(ctx)
	defer cancel()
	hits, err := c.client.Facet(cctx, &qdrant.FacetCounts{CollectionName: c.coll, Key: f, Exact: ptr(true), Limit: ptr(uint64(facetLimit))})
	if err != nil {
		return nil, c.classify(ctx, err, fmt.Sprintf("list the values of tenant field %q", f))
	}
	if len(hits) >= facetLimit {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: tenant field %q has %d or more distinct values, more than vecmig lists; copy the collection whole (drop ?%s)", c.prefix, f, facetLimit, tenantFieldParam)
	}
	parts := make([]adapters.Partition, 0, len(hits))
	var sum uint64
	for _, h := range hits {
		s, ok := h.GetValue().GetVariant().(*qdrant.FacetValue_StringValue)
		if !ok || s.StringValue == "" {
			return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %d points hold %v in tenant field %q, which cannot name a tenant; give them a non-empty string or drop ?%s", c.prefix, h.GetCount(), h.GetValue(), f, tenantFieldParam)
		}
		parts = append(parts, adapters.Partition{Name: s.StringValue})
		sum += h.GetCount()
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Name < parts[j].Name })
	total, err := c.count(ctx, "")
	if err != nil {
		return nil, err
	}
	if total != sum {
		return nil, c.untenanted(ctx, total, sum)
	}
	return parts, nil
}

// untenanted explains why the tenants' counts do not add up to the
// collection's, naming a point without the field when there is one.
func (c *conn) untenanted(ctx context.Context, total, sum uint64) error {
	f := c.layout.field
	empty := &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewIsEmpty(f)}}
	cctx, cancel := c.call(ctx)
	defer cancel()
	missing, err := c.client.Count(cctx, &qdrant.CountPoints{CollectionName: c.coll, Exact: ptr(true), Filter: empty})
	if err != nil {
		return c.classify(ctx, err, fmt.Sprintf("count the points without tenant field %q", f))
	}
	if missing == 0 {
		return adapters.Errorf(adapters.KindIncompatible, "%s: collection %q holds %d points and its tenants' counts (payload field %q) add up to %d: some points hold a value in %q that is not one string (a number, or a list of several tenants); give every point exactly one tenant, or drop ?%s to copy the collection whole", c.prefix, c.coll, total, f, sum, f, tenantFieldParam)
	}
	example := ""
	pts, err := c.client.Scroll(cctx, &qdrant.ScrollPoints{CollectionName: c.coll, Filter: empty, Limit: ptr(uint32(1)),
		WithPayload: &qdrant.WithPayloadSelector{SelectorOptions: &qdrant.WithPayloadSelector_Enable{Enable: false}}})
	if err == nil && len(pts) == 1 {
		if id, err := neutralID(pts[0].GetId()); err == nil {
			example = fmt.Sprintf(" (point %s is one)", id)
		}
	}
	return adapters.Errorf(adapters.KindIncompatible, "%s: %d of the %d points of collection %q have no tenant in payload field %q%s, and the tenants' counts add up to %d; set %q on every point, or drop ?%s to copy the collection whole", c.prefix, missing, total, c.coll, f, example, sum, f, tenantFieldParam)
}

// stripTenant removes the tenant field from points read from a tenant
// (their payload maps are the reader's own).
func (c *conn) stripTenant(pts []adapters.Point) {
	if c.layout.field == "" {
		return
	}
	for i := range pts {
		delete(pts[i].Payload, c.layout.field)
	}
}

// ofTenant keeps the points whose tenant field holds the partition, as a
// keyword match does (a string, or a list holding it).
func (c *conn) ofTenant(pts []adapters.Point, partition string) []adapters.Point {
	if c.layout.field == "" {
		return pts
	}
	out := pts[:0]
	for _, p := range pts {
		if holdsTenant(p.Payload[c.layout.field], partition) {
			out = append(out, p)
		}
	}
	return out
}

func holdsTenant(v any, tenant string) bool {
	switch x := v.(type) {
	case string:
		return x == tenant
	case []any:
		for _, e := range x {
			if e == tenant {
				return true
			}
		}
	}
	return false
}

// withTenant returns copies of points carrying the tenant in the tenant
// field, the callers' maps untouched. A point that carries another value
// there is refused: writing would move it to another tenant.
func (c *conn) withTenant(partition string, points []adapters.Point) ([]adapters.Point, error) {
	f := c.layout.field
	if f == "" {
		return points, nil
	}
	out := make([]adapters.Point, len(points))
	var bad []adapters.Rejection
	for i, p := range points {
		if v, ok := p.Payload[f]; ok && v != partition {
			bad = append(bad, adapters.Rejection{ID: p.ID, Message: fmt.Sprintf("its payload field %q holds %v, not the tenant %q it is written to", f, v, partition)})
			continue
		}
		payload := make(map[string]any, len(p.Payload)+1)
		for k, v := range p.Payload {
			payload[k] = v
		}
		payload[f] = partition
		p.Payload = payload
		out[i] = p
	}
	if len(bad) > 0 {
		return nil, adapters.Rejected(&adapters.RejectedError{Endpoint: c.prefix, Partition: partition, Total: len(points), Whole: true,
			First: points[0].ID, Last: points[len(points)-1].ID, Reason: fmt.Sprintf("payload field %q is the tenant field; rename the source's field or pick another ?%s", f, tenantFieldParam), Rejected: bad})
	}
	return out, nil
}

// withTenantIndex returns schema with the tenant field indexed as a
// keyword with is_tenant (a copy; an index of another type is an error).
func withTenantIndex(schema map[string]*qdrant.PayloadSchemaInfo, field string) (map[string]*qdrant.PayloadSchemaInfo, error) {
	out := make(map[string]*qdrant.PayloadSchemaInfo, len(schema)+1)
	for k, v := range schema {
		out[k] = v
	}
	info := schema[field]
	if info != nil && info.GetDataType() != qdrant.PayloadSchemaType_Keyword {
		return nil, fmt.Errorf("the source's payload field %q has a %s index and would collide with the tenant field %q; pick another ?%s", field, info.GetDataType(), field, tenantFieldParam)
	}
	kw := &qdrant.KeywordIndexParams{}
	if old := info.GetParams().GetKeywordIndexParams(); old != nil {
		kw = proto.Clone(old).(*qdrant.KeywordIndexParams)
	}
	kw.IsTenant = ptr(true)
	out[field] = &qdrant.PayloadSchemaInfo{DataType: qdrant.PayloadSchemaType_Keyword,
		Params: &qdrant.PayloadIndexParams{IndexParams: &qdrant.PayloadIndexParams_KeywordIndexParams{KeywordIndexParams: kw}}}
	return out, nil
}

// tenantIndexMissing checks an existing collection's tenant index: true
// when there is none (Prepare creates it); an error when the field has an
// index of another type.
func (c *conn) tenantIndexMissing(n *Native) (bool, error) {
	info := n.PayloadSchema[c.layout.field]
	switch {
	case info == nil:
		return true, nil
	case info.GetDataType() != qdrant.PayloadSchemaType_Keyword:
		return false, adapters.Errorf(adapters.KindIncompatible, "%s: tenant field %q of collection %q has a %s index, not a keyword index; use --on-exists recreate, or another ?%s", c.prefix, c.layout.field, c.coll, info.GetDataType(), tenantFieldParam)
	}
	return false, nil
}

// createTenantIndex creates the keyword index with is_tenant on the tenant
// field of an existing collection.
func (c *conn) createTenantIndex(ctx context.Context) error {
	schema, _ := withTenantIndex(nil, c.layout.field)
	reqs, err := indexRequests(c.coll, schema)
	if err != nil {
		return adapters.Errorf(adapters.KindIncompatible, "%s: %w", c.prefix, err)
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	if _, err := c.client.CreateFieldIndex(cctx, reqs[0]); err != nil {
		return c.classify(ctx, err, fmt.Sprintf("create payload index %q", c.layout.field))
	}
	return nil
}
