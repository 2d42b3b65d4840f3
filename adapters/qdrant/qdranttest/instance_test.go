package qdranttest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
)

func TestParseTargetURL(t *testing.T) {
	for raw, want := range map[string]Target{
		"http://db:6333":                  {Host: "db", RESTPort: 6333, GRPCPort: 6334, Real: true},
		"https://db.cloud:6333":           {Host: "db.cloud", RESTPort: 6333, GRPCPort: 6334, TLS: true, Real: true},
		"http://db":                       {Host: "db", RESTPort: 6333, GRPCPort: 6334, Real: true},
		"qdrant://db:7334?rest_port=7333": {Host: "db", RESTPort: 7333, GRPCPort: 7334, Real: true},
		"qdrant://db":                     {Host: "db", RESTPort: 6333, GRPCPort: 6334, Real: true},
		"http://db:6333?grpc_port=9000":   {Host: "db", RESTPort: 6333, GRPCPort: 9000, Real: true},
		"qdrant://10.0.0.1:6334?tls=true": {Host: "10.0.0.1", RESTPort: 6333, GRPCPort: 6334, TLS: true, Real: true},
	} {
		got, err := parseTargetURL(raw)
		if err != nil || *got != want {
			t.Errorf("parseTargetURL(%q) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for _, bad := range []string{"ftp://db:1", "db:6333", "http://db:x"} {
		if _, err := parseTargetURL(bad); err == nil {
			t.Errorf("parseTargetURL(%q) accepted", bad)
		}
	}
}

func TestInstanceInProcess(t *testing.T) {
	t.Setenv(EnvURL, "")
	tg := Instance(t, 1)
	if tg.Real || tg.Server == nil {
		t.Fatalf("want in-process target, got %+v", tg)
	}
	if tg.Endpoint("c") != tg.Server.Endpoint("c") {
		t.Fatalf("endpoints differ: %s vs %s", tg.Endpoint("c"), tg.Server.Endpoint("c"))
	}
}

// An env-named server is used as a real one, API key included, and
// NewName's cleanup deletes the collection there.
func TestInstanceFromEnvAndNewNameCleanup(t *testing.T) {
	s := Start(t, Options{APIKey: "k"})
	var name string
	t.Run("inner", func(t *testing.T) {
		t.Setenv(EnvURL2, fmt.Sprintf("qdrant://127.0.0.1:%d?rest_port=%d", s.GRPCPort(), s.RESTPort()))
		t.Setenv(EnvAPIKey, "k")
		tg := Instance(t, 2)
		if !tg.Real || tg.Server != nil || tg.APIKey != "k" || tg.RESTPort != s.RESTPort() {
			t.Fatalf("target %+v", tg)
		}
		name = tg.NewName(t, "docs v2")
		if !strings.HasPrefix(name, "vecmig_docs_v2_") || len(name) != len("vecmig_docs_v2_")+8 {
			t.Fatalf("name %q", name)
		}
		if err := tg.Client(t).CreateCollection(context.Background(), &qdrant.CreateCollection{CollectionName: name,
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 1, Distance: qdrant.Distance_Dot})}); err != nil {
			t.Fatal(err)
		}
		_ = tg.NewName(t, "never_created") // cleanup of a missing collection is quiet
	})
	if _, err := s.lookup(name); err == nil {
		t.Fatalf("collection %s survived NewName's cleanup", name)
	}
}
