package qdranttest

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/vecmig/vecmig/adapters/faultproxy"
)

// Proxied is a node behind fault-injecting proxies for its REST and gRPC
// ports: tests inject faults there and count the calls that reach it.
type Proxied struct {
	*faultproxy.Pair
	Node *Node
}

// StartProxy puts proxies in front of n for the rest of the test.
func StartProxy(t testing.TB, n *Node) *Proxied {
	t.Helper()
	return &Proxied{
		Pair: faultproxy.StartPair(t, "127.0.0.1:"+strconv.Itoa(n.RESTPort), "127.0.0.1:"+strconv.Itoa(n.GRPCPort)),
		Node: n,
	}
}

// Endpoint is the vecmig URL of a collection reached through the proxies.
func (p *Proxied) Endpoint(collection string) string {
	return fmt.Sprintf("qdrant://127.0.0.1:%d/%s?rest_port=%d", p.GRPC.Port(), collection, p.HTTP.Port())
}
