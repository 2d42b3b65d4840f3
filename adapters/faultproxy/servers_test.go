package faultproxy_test

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/testserver"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// testAPIKey guards the shared servers, so every test also shows that the
// proxies carry credentials through.
const testAPIKey = "faultproxy-test-key"

func TestMain(m *testing.M) {
	// go-client warns on every client that the API key travels without TLS,
	// which on loopback is the point of the test.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	testserver.Main(m)
}

// sharedQdrant is one Qdrant node for the package's tests; each test uses
// collections of its own.
var sharedQdrant = shared("Qdrant", func(ctx context.Context) (*qdranttest.Node, error) {
	return qdranttest.Launch(ctx, qdranttest.Options{APIKey: testAPIKey})
})

// sharedWeaviate is one Weaviate node for the package's tests.
var sharedWeaviate = shared("Weaviate", func(ctx context.Context) (*weaviatetest.Node, error) {
	return weaviatetest.Launch(ctx, weaviatetest.Options{APIKey: testAPIKey})
})

// shared starts a server on first use and has TestMain stop it. A server
// that cannot start fails the test: these tests exist to run against it.
func shared[N interface{ Stop() error }](name string, launch func(context.Context) (N, error)) func(*testing.T) N {
	start := sync.OnceValues(func() (N, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		n, err := launch(ctx)
		if err == nil {
			testserver.OnExit(n.Stop)
		}
		return n, err
	})
	return func(t *testing.T) N {
		t.Helper()
		n, err := start()
		if err != nil {
			t.Fatalf("start the shared %s: %v", name, err)
		}
		return n
	}
}

// loopback is a node's port as a proxy target.
func loopback(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
