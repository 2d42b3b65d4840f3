package qdranttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/testserver"
)

var shared struct {
	mu    sync.Mutex
	nodes [2]*Node
	errs  [2]error
}

// Instance returns shared node n (1 or 2) of the test binary, started on
// first use as a one-peer cluster (so custom shard keys work). Tests sharing
// it use their own collection names (NewName). Call Main (or testserver.Main)
// from TestMain to stop the nodes when the tests end.
func Instance(t testing.TB, n int) *Node {
	t.Helper()
	if n != 1 && n != 2 {
		t.Fatalf("qdranttest.Instance: instance %d does not exist; use 1 or 2", n)
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	i := n - 1
	if shared.nodes[i] == nil && shared.errs[i] == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		shared.nodes[i], shared.errs[i] = Launch(ctx, Options{Cluster: true})
		cancel()
		if shared.errs[i] == nil {
			testserver.OnExit(shared.nodes[i].Stop)
		}
	}
	if shared.errs[i] != nil {
		t.Fatalf("start the shared Qdrant %d: %v", n, shared.errs[i])
	}
	return shared.nodes[i]
}

// Main runs a package's tests and stops the shared nodes (and any other
// shared test server) afterwards:
//
//	func TestMain(m *testing.M) { qdranttest.Main(m) }
func Main(m *testing.M) { testserver.Main(m) }

// StartCluster launches a cluster of peers nodes (the first bootstraps,
// the others join it) for a test, waits until the first sees them all, and
// stops them when the test ends.
func StartCluster(t testing.TB, peers int, opts Options) []*Node {
	t.Helper()
	opts.Cluster = true
	first := Start(t, opts)
	nodes := []*Node{first}
	for range peers - 1 {
		o := opts
		o.Bootstrap = first
		nodes = append(nodes, Start(t, o))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := first.waitPeers(ctx, peers); err != nil {
		t.Fatal(err)
	}
	return nodes
}

// Peers returns how many peers the node's cluster has.
func (n *Node) Peers(ctx context.Context) (int, error) {
	client, err := n.httpClient()
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.RESTURL()+"/cluster", nil)
	if err != nil {
		return 0, err
	}
	if n.APIKey != "" {
		req.Header.Set("api-key", n.APIKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("qdranttest: GET /cluster: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Result struct {
			Peers map[string]any `json:"peers"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("qdranttest: GET /cluster: %s: %w", resp.Status, err)
	}
	return len(body.Result.Peers), nil
}

func (n *Node) waitPeers(ctx context.Context, want int) error {
	for {
		got, err := n.Peers(ctx)
		if err == nil && got == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("qdranttest: the cluster of %s has %d peers, want %d (%v): %w", n.RESTURL(), got, want, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
