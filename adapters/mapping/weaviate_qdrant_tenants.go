package mapping

import (
	"fmt"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// tenants lays a multi-tenant class out by opts.TenantsAs and returns the
// target's partitions (the tenants, without status); nil when the class is
// not multi-tenant.
func (w *wqTranslation) tenants() []adapters.Partition {
	if !w.def.Partitioned {
		return nil
	}
	parts := []adapters.Partition{}
	var statuses []string
	for _, p := range w.def.Partitions {
		parts = append(parts, adapters.Partition{Name: p.Name})
		if p.Status != "" {
			statuses = append(statuses, p.Name+" "+p.Status)
		}
	}
	if len(statuses) > 0 {
		w.notCarried("tenant activity statuses (%s): Qdrant has no tenant status, every tenant is readable there", strings.Join(statuses, ", "))
	}
	for _, k := range []string{"autoTenantCreation", "autoTenantActivation"} {
		if mt, _ := w.class.rest["multiTenancyConfig"].(map[string]any); mt[k] == true {
			w.notCarried("multi-tenancy setting %s: true", k)
		}
	}
	n := len(parts)
	switch w.opts.TenantsAs {
	case "", TenantsPayload:
		w.tenantsPayload(n)
	case TenantsShardKey:
		w.native.Config.Params.ShardingMethod = qdrant.ShardingMethod_Custom.Enum()
		for _, p := range parts {
			w.native.ShardKeys = append(w.native.ShardKeys, qdrant.NewShardKeyKeyword(p.Name))
		}
		w.report.Tenants = fmt.Sprintf("%d tenants become %d custom shard keys of one collection (sharding method custom), named as the tenants", n, n)
	case TenantsCollections:
		w.report.Tenants = fmt.Sprintf("%d tenants become %d collections, one per tenant, each named by the target endpoint's {tenant} pattern", n, n)
	default:
		w.invalidf("--tenants-as %q is not one of %s, %s, %s", w.opts.TenantsAs, TenantsPayload, TenantsShardKey, TenantsCollections)
	}
	return parts
}

// tenantsPayload keeps every tenant in one collection, the tenant in a
// keyword payload field indexed as Qdrant's tenant index.
func (w *wqTranslation) tenantsPayload(n int) {
	field := w.opts.TenantField
	if field == "" {
		field = DefaultTenantField
	}
	for i := range w.class.Properties {
		if p := &w.class.Properties[i]; !p.isRef() && p.key() == field {
			w.invalidf("property %q has the name of the tenant payload field %q, which would overwrite it; choose another field with --tenant-field", p.Name, field)
			return
		}
	}
	w.native.PayloadSchema[field] = wqSchemaInfo(qdrant.PayloadSchemaType_Keyword,
		qdrant.NewPayloadIndexParamsKeyword(&qdrant.KeywordIndexParams{IsTenant: wqPtrTo(true)}))
	w.report.Types = append(w.report.Types, Field{Name: field, Type: "keyword (tenant index)", Why: "holds each point's tenant"})
	w.report.Tenants = fmt.Sprintf("%d tenants share one collection; each point's tenant is in payload field %q (keyword index, is_tenant)", n, field)
}
