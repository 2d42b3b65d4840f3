package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
)

// mappingFlags are the choices of a copy across engines (adapters/mapping).
func mappingFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "drop-vector", Usage: "(across engines) leave the source vector `NAME` out; needed for sparse vectors, which Weaviate does not have (repeatable)"},
		&cli.StringSliceFlag{Name: "coerce", Usage: "(to Weaviate) `FIELD=TYPE`: the data type of a payload field whose values have several types (text, int, number, boolean, date, uuid, or TYPE[]; nested fields as a.b; repeatable)"},
		&cli.BoolFlag{Name: "drop-references", Usage: "(from Weaviate) leave cross-reference properties out instead of refusing the class"},
		tenantFlags()[0], tenantFlags()[1],
	}
}

// tenantFlags say how Weaviate tenants are laid out in Qdrant; verify
// takes them too, to read the Qdrant side the same way.
func tenantFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "tenants-as", Usage: "(Weaviate tenants in Qdrant) payload: one collection, the tenant in a payload field with a tenant index (default to Qdrant); shard-key: one custom shard key per tenant; collections: one collection per tenant, named by {tenant} in the Qdrant URL (default NAME_{tenant})"},
		&cli.StringFlag{Name: "tenant-field", Value: mapping.DefaultTenantField, Usage: "payload `FIELD` holding the tenant with --tenants-as payload"},
	}
}

// readMapping checks the mapping flags.
func readMapping(c *cli.Context) (mapping.Options, error) {
	o := mapping.Options{DropVectors: c.StringSlice("drop-vector"), DropReferences: c.Bool("drop-references")}
	var err error
	if o.TenantsAs, o.TenantField, err = readTenantFlags(c); err != nil {
		return o, err
	}
	for _, kv := range c.StringSlice("coerce") {
		field, typ, ok := strings.Cut(kv, "=")
		if !ok || field == "" || typ == "" {
			return o, fmt.Errorf("--coerce %q: write FIELD=TYPE, as in --coerce price=number", kv)
		}
		if o.Coerce == nil {
			o.Coerce = map[string]string{}
		}
		o.Coerce[field] = typ
	}
	return o, nil
}

func readTenantFlags(c *cli.Context) (as, field string, err error) {
	as, field = c.String("tenants-as"), c.String("tenant-field")
	switch as {
	case "", mapping.TenantsPayload, mapping.TenantsShardKey, mapping.TenantsCollections:
	default:
		return "", "", fmt.Errorf("--tenants-as %q: use payload, shard-key or collections", as)
	}
	if field == "" {
		return "", "", fmt.Errorf("--tenant-field is empty: name the payload field that holds the tenant")
	}
	return as, field, nil
}

// tenantLayout rewrites the Qdrant side's URL for the tenant layout, when
// the other side is Weaviate: the layout lives in the Qdrant endpoint
// (?tenant_field=F, or {tenant} in the collection name). To Qdrant it
// applies when the source is partitioned (a multi-tenant class), payload
// by default; from Qdrant only when --tenants-as is given.
func tenantLayout(ctx context.Context, src adapters.Source, from, to *adapters.Endpoint, toURL string, o mapping.Options) (string, error) {
	if from.Scheme != mapping.Weaviate || to.Scheme != mapping.Qdrant {
		return toURL, nil
	}
	def, err := src.Describe(ctx)
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	if !def.Partitioned {
		if o.TenantsAs != "" {
			return "", adapters.Errorf(adapters.KindInvalid, "--tenants-as %s: %s is not multi-tenant; leave --tenants-as out", o.TenantsAs, src.Endpoint())
		}
		return toURL, nil
	}
	return qdrantLayoutURL(toURL, o)
}

// sourceLayout applies --tenants-as to a Qdrant source read into Weaviate.
func sourceLayout(from, to *adapters.Endpoint, fromURL string, o mapping.Options) (string, error) {
	if from.Scheme != mapping.Qdrant || to.Scheme != mapping.Weaviate || o.TenantsAs == "" {
		return fromURL, nil
	}
	return qdrantLayoutURL(fromURL, o)
}

// qdrantLayoutURL adds the layout to a Qdrant URL, unless the URL states
// one already.
func qdrantLayoutURL(raw string, o mapping.Options) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%s: %w", raw, err)
	}
	q := u.Query()
	named := strings.Contains(u.Path, "{tenant}") || strings.Contains(strings.ToLower(u.EscapedPath()), "%7btenant%7d")
	switch as := o.TenantsAs; {
	case q.Has("tenant_field") || named:
		if as != "" && (q.Has("tenant_field") != (as == mapping.TenantsPayload) || named != (as == mapping.TenantsCollections)) {
			return "", adapters.Errorf(adapters.KindInvalid, "--tenants-as %s disagrees with the URL %s, which states its own layout; drop one of them", as, raw)
		}
		return raw, nil
	case as == "" || as == mapping.TenantsPayload:
		q.Set("tenant_field", o.TenantField)
		u.RawQuery = q.Encode()
	case as == mapping.TenantsCollections:
		u.Path += "_{tenant}"
		u.RawPath = ""
	}
	return u.String(), nil
}

// openSourceFor opens the source of a copy or a comparison and returns the
// target's URL with the tenant layout applied (tenantLayout).
func openSourceFor(ctx context.Context, c *cli.Context, reg *adapters.Registry, from, to *adapters.Endpoint, o mapping.Options) (adapters.Source, string, error) {
	fromURL, err := sourceLayout(from, to, c.String("from"), o)
	if err != nil {
		return nil, "", err
	}
	src, err := reg.OpenSource(ctx, fromURL, config(c, "from-api-key"))
	if err != nil {
		return nil, "", fmt.Errorf("source: %w", err)
	}
	toURL, err := tenantLayout(ctx, src, from, to, c.String("to"), o)
	if err != nil {
		src.Close()
		return nil, "", err
	}
	return src, toURL, nil
}
