package qdrant

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
)

// Three ways an endpoint lays out partitions (tenants); see the package
// documentation. The shard-key way needs nothing here: its layout is the
// zero value, and every path of a plain collection stays as it was.

// tenantMark is the placeholder of a tenant in a collection name.
const tenantMark = "{tenant}"

// tenantFieldParam is the endpoint's query parameter for payload-field
// tenants.
const tenantFieldParam = "tenant_field"

// layout is how an endpoint lays out tenants when they are not shard keys.
type layout struct {
	// field is set for payload-field tenants: partition p is the points
	// whose payload field holds the string p.
	field string
	// perColl is set for one collection per tenant: partition p lives in
	// collection before+p+after.
	perColl       bool
	before, after string
}

func (l layout) plain() bool { return l.field == "" && !l.perColl }

// describe says what the layout is, for messages.
func (l layout) describe() string {
	switch {
	case l.field != "":
		return fmt.Sprintf("keeps tenants in payload field %q (?%s)", l.field, tenantFieldParam)
	case l.perColl:
		return fmt.Sprintf("keeps one collection per tenant (%s)", l.before+tenantMark+l.after)
	}
	return "is one collection"
}

// parseLayout reads the layout from an endpoint: ?tenant_field=F, or a
// collection name holding {tenant} (escaped braces decode to the same).
func parseLayout(ep *adapters.Endpoint) (layout, error) {
	var l layout
	field, hasField := ep.Query.Get(tenantFieldParam), ep.Query.Has(tenantFieldParam)
	name := ep.Name
	marks := strings.Count(name, tenantMark)
	switch {
	case hasField && strings.TrimSpace(field) == "":
		return l, fmt.Errorf("endpoint %s: ?%s= names no payload field; give the field that holds each point's tenant, as in ?%s=tenant, or drop the parameter", ep, tenantFieldParam, tenantFieldParam)
	case hasField && marks > 0:
		return l, fmt.Errorf("endpoint %s?%s=%s: a collection name with %s (one collection per tenant) and ?%s (tenants in a payload field of one collection) are two layouts; use one of them", ep, tenantFieldParam, url.QueryEscape(field), tenantMark, tenantFieldParam)
	case marks > 1:
		return l, fmt.Errorf("endpoint %s: collection name %q holds %s more than once; use it once, as in docs_%s", ep, name, tenantMark, tenantMark)
	case marks == 1 && name == tenantMark:
		return l, fmt.Errorf("endpoint %s: collection name %s alone would match every collection on the server; add a prefix or suffix, as in docs_%s", ep, tenantMark, tenantMark)
	case strings.ContainsAny(strings.Replace(name, tenantMark, "", 1), "{}"):
		return l, fmt.Errorf("endpoint %s: collection name %q has a brace that is not the placeholder %s; spell it exactly %s (lower case)", ep, name, tenantMark, tenantMark)
	case hasField:
		l.field = field
	case marks == 1:
		l.perColl = true
		l.before, l.after, _ = strings.Cut(name, tenantMark)
	}
	return l, nil
}

// endpointSuffix is what the endpoint's name shows of the layout.
func (l layout) endpointSuffix() string {
	if l.field != "" {
		return "?" + tenantFieldParam + "=" + url.QueryEscape(l.field)
	}
	return ""
}

// tenantOf returns the tenant of a collection name, if it matches.
func (l layout) tenantOf(coll string) (string, bool) {
	if len(coll) <= len(l.before)+len(l.after) || !strings.HasPrefix(coll, l.before) || !strings.HasSuffix(coll, l.after) {
		return "", false
	}
	return coll[len(l.before) : len(coll)-len(l.after)], true
}

// needPartition refuses partition "" where the layout has tenants.
func (c *conn) needPartition(partition string) error {
	if partition != "" || c.layout.plain() {
		return nil
	}
	return adapters.Errorf(adapters.KindInvalid, "%s: the endpoint %s, so every read and write names a tenant (partition), and none was named; to copy a collection without partitions, drop the tenant layout from the endpoint", c.prefix, c.layout.describe())
}

// tenantView is the view of a partition's collection (one collection per
// tenant).
func (c *conn) tenantView(partition string) (*conn, error) {
	if err := c.needPartition(partition); err != nil {
		return nil, err
	}
	return c.view(partition), nil
}

// view is the connection to tenant p's own collection (one collection per
// tenant); it shares the gRPC client, which only the parent closes.
func (c *conn) view(tenant string) *conn {
	v := *c
	v.coll = c.layout.before + tenant + c.layout.after
	v.ep = "qdrant://" + c.addr + "/" + v.coll
	v.prefix = "qdrant " + c.addr + "/" + v.coll
	v.layout = layout{}
	v.shared = true
	return &v
}

// tenantCollections lists the tenants whose collections exist, sorted.
func (c *conn) tenantCollections(ctx context.Context) ([]string, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	names, err := c.client.ListCollections(cctx)
	if err != nil {
		return nil, c.classify(ctx, err, "list collections")
	}
	var out []string
	for _, n := range names {
		if t, ok := c.layout.tenantOf(n); ok {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out, nil
}

// layoutDef turns def, whose partitions are tenants, into the definition
// of the plain collection that holds them (all of them with a tenant
// field, one of them per tenant): not custom-sharded, no shard keys, no
// aliases when there are several collections, and with the is_tenant
// keyword index on the tenant field. A plain layout returns def as it is.
func (c *conn) layoutDef(def *adapters.Collection) (*adapters.Collection, error) {
	if c.layout.plain() {
		return def, nil
	}
	if !def.Partitioned {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: the source has no partitions (tenants), and the endpoint %s; drop the tenant layout from the target endpoint", c.prefix, c.layout.describe())
	}
	out := def.Clone()
	out.Partitioned, out.Partitions = false, nil
	if def.Engine != "qdrant" {
		return out, nil // only appending, which compares vectors (nativeOf refuses creation)
	}
	n, err := ParseNative(def.Native)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", c.prefix, err)
	}
	n.Config = proto.Clone(n.Config).(*qdrant.CollectionConfig)
	if p := n.Config.GetParams(); p != nil {
		p.ShardingMethod = nil // auto: tenants are not shard keys here
	}
	n.ShardKeys = nil
	if c.layout.perColl {
		n.Aliases = nil // an alias names one collection, not one per tenant
	}
	if c.layout.field != "" {
		if n.PayloadSchema, err = withTenantIndex(n.PayloadSchema, c.layout.field); err != nil {
			return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", c.prefix, err)
		}
	}
	if out.Native, err = n.Marshal(); err != nil {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", c.prefix, err)
	}
	return out, nil
}
