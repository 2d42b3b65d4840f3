package weaviate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/adapters/wrap"
)

// post posts JSON to the node (a class, tenants).
func post(t *testing.T, node *weaviatetest.Node, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, node.HTTPURL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %s", path, body, resp.Status)
	}
}

// planBulk finds the sink's BulkLoader through the run's layers (retry
// and dry run, as a dry run stacks them) and plans a load of def.
func planBulk(t *testing.T, url string, def *adapters.Collection, req adapters.BulkRequest) *adapters.BulkPlan {
	t.Helper()
	ctx := adaptertest.Ctx(t)
	sink, err := registry.OpenSink(ctx, url, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	b, ok := adapters.As[adapters.BulkLoader](wrap.DryRun(wrap.RetrySink(sink, adapters.DefaultRetry())))
	if !ok {
		t.Fatal("a Weaviate sink behind retry and dry run is not a BulkLoader")
	}
	plan, err := b.PlanBulkLoad(ctx, def, req)
	if err != nil {
		t.Fatalf("PlanBulkLoad: %v", err)
	}
	if len(plan.HeldBack) > 0 || plan.Restore != nil || plan.MaxBatch != 0 || plan.MaxRate != 0 {
		t.Errorf("a Weaviate plan holds back or limits something: %+v", plan)
	}
	return plan
}

func bulkDef(class, extra string) *adapters.Collection {
	return &adapters.Collection{Name: class, Native: json.RawMessage(fmt.Sprintf(`{"class":%q,"properties":[{"name":"title","dataType":["text"]}]%s}`, class, extra))}
}

// The writers a Weaviate target suggests come from where the class's
// shards are (or will be): an existing class's own, or the definition's
// shardingConfig on this one-node cluster. Planning writes nothing.
func TestPlanBulkLoadWorkers(t *testing.T) {
	node := weaviatetest.Shared(t)
	fresh := weaviatetest.NewClassName("bulkfresh")
	three := weaviatetest.NewClassName("bulkthree")
	post(t, node, "/v1/schema", fmt.Sprintf(`{"class":%q,"shardingConfig":{"desiredCount":3}}`, three))
	mt := weaviatetest.NewClassName("bulkmt")
	post(t, node, "/v1/schema", fmt.Sprintf(`{"class":%q,"multiTenancyConfig":{"enabled":true}}`, mt))
	post(t, node, "/v1/schema/"+mt+"/tenants", `[{"name":"a"},{"name":"b"}]`)
	mtDef := &adapters.Collection{Name: mt, Engine: "weaviate", Native: json.RawMessage(fmt.Sprintf(`{"class":%q,"multiTenancyConfig":{"enabled":true}}`, mt)),
		Partitioned: true, Partitions: []adapters.Partition{{Name: "a"}, {Name: "b"}}}

	for _, tc := range []struct {
		name, url string
		def       *adapters.Collection
		onExists  adapters.OnExists
		from      string
	}{
		{"to create, default sharding", node.Endpoint(fresh), bulkDef(fresh, ""), adapters.ExistsFail, "1 shard on 1 node"},
		{"to create, 2 shards asked", node.Endpoint(fresh), bulkDef(fresh, `,"shardingConfig":{"desiredCount":2}`), adapters.ExistsFail, "2 shards on 1 node"},
		{"to create, multi-tenant", node.Endpoint(fresh), &adapters.Collection{Native: json.RawMessage(`{"multiTenancyConfig":{"enabled":true}}`), Partitioned: true, Partitions: []adapters.Partition{{Name: "a"}, {Name: "b"}, {Name: "c"}}}, adapters.ExistsFail, "3 tenants on 1 node"},
		{"existing, 3 shards", node.Endpoint(three), bulkDef(three, ""), adapters.ExistsAppend, "3 shards on 1 node"},
		{"existing, recreated as asked", node.Endpoint(three), bulkDef(three, ""), adapters.ExistsRecreate, "1 shard on 1 node"},
		{"existing, multi-tenant", node.Endpoint(mt), mtDef, adapters.ExistsAppend, "2 tenants on 1 node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planBulk(t, tc.url, tc.def, adapters.BulkRequest{OnExists: tc.onExists})
			if plan.Workers != 4 || plan.WorkersFrom != tc.from {
				t.Errorf("suggested %d writers from %q, want 4 from %q", plan.Workers, plan.WorkersFrom, tc.from)
			}
			if len(plan.Findings) != 0 {
				t.Errorf("findings without --defer-indexing: %v", plan.Findings)
			}
		})
	}
	if ok, err := classExists(adaptertest.Ctx(t), node, fresh); err != nil || ok {
		t.Errorf("class %s exists after planning only (%v)", fresh, err)
	}
}

func classExists(ctx context.Context, node *weaviatetest.Node, class string) (bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, node.HTTPURL()+"/v1/schema/"+class, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// --defer-indexing does not apply to Weaviate: the plan says so once,
// and holds nothing back.
func TestPlanBulkLoadDeferIndexingNote(t *testing.T) {
	node := weaviatetest.Shared(t)
	class := weaviatetest.NewClassName("bulkdefer")
	plan := planBulk(t, node.Endpoint(class), bulkDef(class, ""), adapters.BulkRequest{DeferIndexing: true})
	if len(plan.Findings) != 1 || !strings.Contains(plan.Findings[0].Message, "--defer-indexing does not apply to Weaviate targets: a class's HNSW build settings cannot change") ||
		!strings.Contains(plan.Findings[0].Message, "ASYNC_INDEXING=true") {
		t.Errorf("findings %v; want the one note that --defer-indexing does not apply", plan.Findings)
	}
}

// A layout that cannot be read (here GET /v1/nodes answers 503) is no
// suggestion, not a failed plan, after one try.
func TestPlanBulkLoadWorkersUnreadable(t *testing.T) {
	node := weaviatetest.Shared(t)
	p := faultproxy.StartHTTP(t, hostPort(node))
	const nodes = "GET /v1/nodes"
	p.Inject(faultproxy.Fault{Match: nodes, Status: http.StatusServiceUnavailable})
	class := weaviatetest.NewClassName("bulkblind")
	url := fmt.Sprintf("weaviate://%s/%s?grpc_port=%d", p.Addr(), class, node.GRPCPort)
	plan := planBulk(t, url, bulkDef(class, ""), adapters.BulkRequest{})
	if plan.Workers != 0 || plan.WorkersFrom != "" {
		t.Errorf("suggested %d writers from %q without the nodes; want none", plan.Workers, plan.WorkersFrom)
	}
	if n := p.Calls(nodes); n != 1 {
		t.Errorf("GET /v1/nodes was tried %d times, want once", n)
	}
}
