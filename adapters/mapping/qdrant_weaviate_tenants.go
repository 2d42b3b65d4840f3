package mapping

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// A partitioned Qdrant collection (custom shard keys, or an endpoint read
// in payload-tenant mode) becomes a multi-tenant class, one tenant per
// partition, created by vecmig (autoTenantCreation off).

// tenantName is what Weaviate accepts as a tenant name.
var tenantName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (t *qwTranslator) tenants() {
	field := t.tenantField()
	if !t.def.Partitioned {
		if field != "" {
			t.report.Tenants = fmt.Sprintf("payload field %q is Qdrant's tenant field (keyword index with is_tenant); the class is not multi-tenant and %q stays a property; to make a tenant of each of its values, read the collection in payload-tenant mode", field, field)
		}
		return
	}
	t.class.MultiTenancyConfig = &qwMultiTenancy{Enabled: true}
	t.out.Partitioned = true
	t.out.Partitions = []adapters.Partition{}
	var bad []string
	for _, name := range t.def.PartitionNames() {
		t.out.Partitions = append(t.out.Partitions, adapters.Partition{Name: name})
		if !tenantName.MatchString(name) {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	t.report.Tenants = fmt.Sprintf("each of the %d Qdrant partitions (%s) becomes a tenant of the same name; the class is multi-tenant without automatic tenant creation", len(t.out.Partitions), strings.Join(t.def.PartitionNames(), ", "))
	if len(bad) > 0 {
		t.errorf("tenants", "partitions %s cannot be Weaviate tenants: tenant names match ^[A-Za-z0-9_-]{1,64}$ (a numeric shard key 7 is the partition \"#7\"); move those points in Qdrant to a keyword shard key with such a name (e.g. \"s7\"), then migrate", strings.Join(bad, ", "))
	}
}

// tenantField is the payload field with an is_tenant keyword index.
func (t *qwTranslator) tenantField() string {
	var fields []string
	for f, info := range t.native.PayloadSchema {
		if info.GetDataType() == qc.PayloadSchemaType_Keyword && info.GetParams().GetKeywordIndexParams().GetIsTenant() {
			fields = append(fields, f)
		}
	}
	sort.Strings(fields)
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}
