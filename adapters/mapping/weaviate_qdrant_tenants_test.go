package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	aq "github.com/vecmig/vecmig/adapters/qdrant"
)

const wqTenantClass = `{"class":"Docs","vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"l2-squared"},
 "multiTenancyConfig":{"enabled":true,"autoTenantCreation":true,"autoTenantActivation":false},
 "shardingConfig":{"desiredCount":0,"key":"","strategy":""},
 "properties":[{"name":"title","dataType":["text"]},{"name":"owner","dataType":["text"]}]}`

func wqTenantDef() *adapters.Collection {
	return wqClassDef(wqTenantClass, map[string]adapters.VectorSpec{"": dense(8, adapters.Euclid)},
		adapters.Partition{Name: "alpha", Status: "HOT"}, adapters.Partition{Name: "gamma", Status: "COLD"})
}

// wqTenantsCommon checks what every layout shares: the tenants as
// partitions without status, and the statuses reported.
func wqTenantsCommon(t *testing.T, tr *Translation) {
	t.Helper()
	wqOK(t, tr)
	want := []adapters.Partition{{Name: "alpha"}, {Name: "gamma"}}
	if !tr.Def.Partitioned || !reflect.DeepEqual(tr.Def.Partitions, want) {
		t.Errorf("partitions = %v %v, want %v", tr.Def.Partitioned, tr.Def.Partitions, want)
	}
	wqHas(t, "NotCarried", tr.Report.NotCarried, "gamma COLD", "no tenant status")
	wqHas(t, "NotCarried", tr.Report.NotCarried, "autoTenantCreation")
	for _, l := range tr.Report.NotCarried {
		if strings.Contains(l, "shardingConfig") {
			t.Errorf("an all-empty shardingConfig is reported: %s", l)
		}
	}
	if tr.Report.Tenants == "" {
		t.Errorf("Report.Tenants is empty")
	}
}

func TestWeaviateQdrantTenantsPayload(t *testing.T) {
	for _, field := range []string{"", "org"} {
		tr, n := wqTranslate(t, wqTenantDef(), Options{TenantField: field})
		wqTenantsCommon(t, tr)
		want := field
		if want == "" {
			want = DefaultTenantField
		}
		info := n.PayloadSchema[want]
		if info.GetDataType() != qdrant.PayloadSchemaType_Keyword || !info.GetParams().GetKeywordIndexParams().GetIsTenant() {
			t.Errorf("tenant field %q index = %v, want keyword with is_tenant", want, info)
		}
		if n.Config.GetParams().GetShardingMethod() != qdrant.ShardingMethod_Auto {
			t.Errorf("sharding method = %v, want auto", n.Config.GetParams().GetShardingMethod())
		}
	}
}

func TestWeaviateQdrantTenantFieldCollision(t *testing.T) {
	tr, _ := wqTranslate(t, wqTenantDef(), Options{TenantField: "owner"})
	wqOneError(t, tr, `"owner"`, "--tenant-field")
}

func TestWeaviateQdrantTenantsShardKey(t *testing.T) {
	tr, n := wqTranslate(t, wqTenantDef(), Options{TenantsAs: TenantsShardKey})
	wqTenantsCommon(t, tr)
	if n.Config.GetParams().GetShardingMethod() != qdrant.ShardingMethod_Custom {
		t.Errorf("sharding method = %v, want custom", n.Config.GetParams().GetShardingMethod())
	}
	var keys []string
	for _, k := range n.ShardKeys {
		keys = append(keys, aq.PartitionName(k))
	}
	if !reflect.DeepEqual(keys, []string{"alpha", "gamma"}) {
		t.Errorf("shard keys = %v", keys)
	}
	if _, ok := n.PayloadSchema[DefaultTenantField]; ok {
		t.Errorf("a tenant payload index under the shard-key layout")
	}
}

func TestWeaviateQdrantTenantsCollections(t *testing.T) {
	tr, n := wqTranslate(t, wqTenantDef(), Options{TenantsAs: TenantsCollections})
	wqTenantsCommon(t, tr)
	if n.Config.GetParams().GetShardingMethod() != qdrant.ShardingMethod_Auto || len(n.ShardKeys) > 0 {
		t.Errorf("collections layout: sharding %v keys %v, want a plain collection", n.Config.GetParams().GetShardingMethod(), n.ShardKeys)
	}
	if _, ok := n.PayloadSchema[DefaultTenantField]; ok {
		t.Errorf("a tenant payload index under the collections layout")
	}
}

func TestWeaviateQdrantTenantsAsInvalid(t *testing.T) {
	tr, _ := wqTranslate(t, wqTenantDef(), Options{TenantsAs: "shards"})
	wqOneError(t, tr, `"shards"`, "payload", "shard-key", "collections")
}
