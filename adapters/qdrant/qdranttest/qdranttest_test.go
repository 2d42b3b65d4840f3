package qdranttest

import (
	"context"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestStandaloneServesGRPC(t *testing.T) {
	n := Start(t, Options{})
	h, err := n.Client(t).HealthCheck(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if h.GetVersion() != Version {
		t.Errorf("version %q, want %q (the pinned release)", h.GetVersion(), Version)
	}
}

func TestAPIKeyAndTLS(t *testing.T) {
	n := Start(t, Options{APIKey: "right-key", TLS: true})
	if _, err := n.Client(t).ListCollections(ctx(t)); err != nil {
		t.Fatalf("list with the right key over TLS: %v", err)
	}
	cfg := n.Config()
	cfg.APIKey = "wrong-key"
	c, err := qdrant.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.ListCollections(ctx(t))
	if status.Code(err) != codes.Unauthenticated && status.Code(err) != codes.PermissionDenied {
		t.Errorf("wrong key: %v, want Unauthenticated or PermissionDenied", err)
	}
}

func TestClusterOfTwo(t *testing.T) {
	nodes := StartCluster(t, 2, Options{})
	for _, n := range nodes {
		if got, err := n.Peers(ctx(t)); err != nil || got != 2 {
			t.Errorf("node %s sees %d peers (%v), want 2", n.RESTURL(), got, err)
		}
	}
}

func TestKillAndRestartKeepsData(t *testing.T) {
	n := Start(t, Options{})
	c := n.Client(t)
	name := n.NewName(t, "restart")
	if err := c.CreateCollection(ctx(t), &qdrant.CreateCollection{CollectionName: name,
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 2, Distance: qdrant.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := n.Restart(ctx(t)); err != nil {
		t.Fatal(err)
	}
	ok, err := n.Client(t).CollectionExists(ctx(t), name)
	if err != nil || !ok {
		t.Fatalf("collection after restart: exists=%v err=%v", ok, err)
	}
}
