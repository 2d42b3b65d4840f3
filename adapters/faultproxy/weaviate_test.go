package faultproxy_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters/faultproxy"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const weaviateClass = "FaultproxyDocs"

func weaviateConn(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func bearer(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+testAPIKey)
}

// Weaviate serves REST and gRPC side by side, as vecmig uses it: the
// schema over REST, objects over gRPC, both through a Pair.
func TestWeaviateThroughAPair(t *testing.T) {
	node := sharedWeaviate(t)
	p := faultproxy.StartPair(t, loopback(node.HTTPPort), loopback(node.GRPCPort))
	ctx := bearer(testContext(t))

	schema := `{"class":"` + weaviateClass + `","vectorizer":"none","properties":[{"name":"text","dataType":["text"]}]}`
	restBearer(t, http.MethodDelete, p.HTTP.URL()+"/v1/schema/"+weaviateClass, "", 0)
	restBearer(t, http.MethodPost, p.HTTP.URL()+"/v1/schema", schema, http.StatusOK)

	rpc := pb.NewWeaviateClient(weaviateConn(t, p.GRPC.Addr()))
	p.GRPC.Inject(faultproxy.Fault{Match: "BatchObjects", Times: 1, Code: codes.Unavailable})
	batch := &pb.BatchObjectsRequest{Objects: []*pb.BatchObject{
		{Uuid: "00000000-0000-0000-0000-000000000001", Collection: weaviateClass, Vector: []float32{1, 2, 3}},
		{Uuid: "00000000-0000-0000-0000-000000000002", Collection: weaviateClass, Vector: []float32{3, 2, 1}},
	}}
	if _, err := rpc.BatchObjects(ctx, batch); status.Code(err) != codes.Unavailable {
		t.Fatalf("first batch: %v, want the injected Unavailable", err)
	}
	if reply, err := rpc.BatchObjects(ctx, batch); err != nil || len(reply.GetErrors()) > 0 {
		t.Fatalf("second batch: %v %v", err, reply.GetErrors())
	}
	reply, err := rpc.Search(ctx, &pb.SearchRequest{Collection: weaviateClass, Limit: 10, Uses_127Api: true,
		Metadata: &pb.MetadataRequest{Uuid: true}})
	if err != nil || len(reply.GetResults()) != 2 {
		t.Fatalf("search through the proxy: %v, %d results; want 2", err, len(reply.GetResults()))
	}
	if p.GRPC.Calls("BatchObjects") != 2 || p.HTTP.Calls("POST /v1/schema") != 1 {
		t.Fatalf("Calls: BatchObjects %d, POST /v1/schema %d; want 2 and 1", p.GRPC.Calls("BatchObjects"), p.HTTP.Calls("POST /v1/schema"))
	}
}

// Weaviate is a grpc-go server: its errors, and its health service, must
// come through as they are.
func TestWeaviateErrorsAndHealthPassUnchanged(t *testing.T) {
	node := sharedWeaviate(t)
	p := faultproxy.StartGRPC(t, loopback(node.GRPCPort))
	search := &pb.SearchRequest{Collection: "FaultproxyNoSuchClass", Limit: 1, Uses_127Api: true}
	ctxs := map[string]context.Context{"no key": testContext(t), "key": bearer(testContext(t))}
	for name, ctx := range ctxs {
		_, direct := pb.NewWeaviateClient(weaviateConn(t, loopback(node.GRPCPort))).Search(ctx, search)
		_, proxied := pb.NewWeaviateClient(weaviateConn(t, p.Addr())).Search(ctx, search)
		d, pr := status.Convert(direct), status.Convert(proxied)
		t.Logf("%s: %v", name, pr)
		if d.Code() == codes.OK || d.Code() != pr.Code() || d.Message() != pr.Message() {
			t.Fatalf("%s: through the proxy %v, direct %v; want the same error", name, pr, d)
		}
	}
	health, err := healthpb.NewHealthClient(weaviateConn(t, p.Addr())).Check(testContext(t), &healthpb.HealthCheckRequest{})
	if err != nil || health.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health through the proxy: %v %v", health, err)
	}
	if p.Calls("") != 2 || p.Calls("/grpc.health.v1.Health/Check") != 1 {
		t.Fatalf(`Calls("") = %d, want 2 (health checks excluded); health %d`, p.Calls(""), p.Calls("/grpc.health.v1.Health/Check"))
	}
}

// restBearer sends a REST request with Weaviate's bearer key; want 0
// accepts any status.
func restBearer(t *testing.T, method, url, body string, want int) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, _ := readAll(resp)
	if want != 0 && resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
}
