package qdranttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Config is a go-client configuration for this node.
func (n *Node) Config() *qdrant.Config {
	cfg := &qdrant.Config{
		Host:                   n.Host,
		Port:                   n.GRPCPort,
		APIKey:                 n.APIKey,
		UseTLS:                 n.TLS,
		SkipCompatibilityCheck: true,
		PoolSize:               1,
	}
	if n.TLS {
		cfg.TLSConfig, _ = n.TLSConfig()
	}
	return cfg
}

// Client returns a go-client connected to the node, closed when the test ends.
func (n *Node) Client(t testing.TB) *qdrant.Client {
	t.Helper()
	c, err := qdrant.NewClient(n.Config())
	if err != nil {
		t.Fatalf("connect to Qdrant %s:%d: %v", n.Host, n.GRPCPort, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// NewName returns a fresh collection name "vecmig_<hint>_<8 hex>" and
// deletes that collection (if it exists) when the test ends.
func (n *Node) NewName(t testing.TB, hint string) string {
	t.Helper()
	name := newName(hint)
	t.Cleanup(func() { n.dropCollection(t, name) })
	return name
}

func newName(hint string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, hint)
	return "vecmig_" + clean + "_" + hex.EncodeToString(b[:])
}

func (n *Node) dropCollection(t testing.TB, name string) {
	c, err := qdrant.NewClient(n.Config())
	if err != nil {
		t.Logf("clean up Qdrant collection %q: %v", name, err)
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A missing collection is fine: the test may never have created it.
	_, err = c.GetCollectionsClient().Delete(ctx, &qdrant.DeleteCollection{CollectionName: name})
	if err != nil && status.Code(err) != codes.NotFound {
		t.Logf("clean up Qdrant collection %q: %v", name, err)
	}
}
