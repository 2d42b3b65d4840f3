package main

import (
	"context"
	"fmt"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// qdrantDump is the Qdrant demo dump: collection "articles", 4000 points.
const qdrantDump = "testdata/demo-qdrant"

// qdrant loads the dump into a first Qdrant node, copies it to a second
// one live and by snapshot, verifies both copies in full and counts every
// side. The second node is stopped before it returns; the first stays up
// for the copies across engines (d.qnode, stopped by run).
func (d *demo) qdrant(ctx context.Context) error {
	step("Qdrant: starting two Qdrant " + qdranttest.Version + " nodes")
	nodes, err := launchTwo(ctx, func(ctx context.Context) (*qdranttest.Node, error) {
		return qdranttest.Launch(ctx, qdranttest.Options{})
	}, stopQdrant)
	if err != nil {
		return err
	}
	d.qnode = nodes[0]
	defer func() {
		step("Qdrant: stopping node 2")
		stopQdrant(nodes[1])
	}()
	for i, n := range nodes {
		fmt.Printf("  node %d: REST %s, gRPC port %d (pid %d)\n", i+1, n.RESTURL(), n.GRPCPort, n.PID())
	}
	first := nodes[0].Endpoint("articles")
	live := nodes[1].Endpoint("articles")
	snap := nodes[1].Endpoint("articles_snapshot")

	step("Qdrant: load the dump into node 1")
	if _, err := d.vecmig(ctx, "migrate", "--from", d.dumps[qdrantDump], "--to", first); err != nil {
		return err
	}
	step("Qdrant: live copy to node 2 (scroll and upsert)")
	if _, err := d.vecmig(ctx, "migrate", "--from", first, "--to", live, "--workers", "4"); err != nil {
		return err
	}
	step("Qdrant: snapshot copy to node 2 (snapshot, download, upload, recover)")
	if _, err := d.vecmig(ctx, "migrate", "--method", "snapshot", "--from", first, "--to", snap); err != nil {
		return err
	}
	step("Qdrant: verify both copies, every point")
	for _, to := range []string{live, snap} {
		if _, err := d.vecmig(ctx, "verify", "--mode", "full", "--from", first, "--to", to); err != nil {
			return err
		}
	}
	step("Qdrant: counts")
	from := len(d.counts)
	for _, s := range []struct{ what, url string }{
		{"node 1 articles (loaded from the dump)", first},
		{"node 2 articles (live copy)", live},
		{"node 2 articles_snapshot (snapshot copy)", snap},
	} {
		if err := d.inspect(ctx, "Qdrant", s.what, s.url); err != nil {
			return err
		}
	}
	return d.sameCounts(from)
}

func stopQdrant(n *qdranttest.Node) {
	if err := n.Stop(); err != nil {
		fmt.Printf("  stop Qdrant node pid %d: %v\n", n.PID(), err)
	}
}
