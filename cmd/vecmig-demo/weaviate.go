package main

import (
	"context"
	"fmt"

	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// weaviateDump is the Weaviate demo dump: class "Article", 5000 objects.
const weaviateDump = "testdata/demo"

// weaviate loads the dump into a first Weaviate instance, migrates the
// class to a second one and counts both sides. The instances are stopped
// before it returns.
func (d *demo) weaviate(ctx context.Context) error {
	step("Weaviate: starting two Weaviate instances (about 10 s)")
	nodes, err := launchTwo(ctx, func(ctx context.Context) (*weaviatetest.Node, error) {
		return weaviatetest.Launch(ctx, weaviatetest.Options{})
	}, stopWeaviate)
	if err != nil {
		return err
	}
	defer func() {
		step("Weaviate: stopping both instances")
		for _, n := range nodes {
			stopWeaviate(n)
		}
	}()
	for i, n := range nodes {
		fmt.Printf("  instance %d: %s, gRPC port %d (pid %d)\n", i+1, n.HTTPURL(), n.GRPCPort, n.PID())
	}
	first, second := nodes[0].Endpoint("Article"), nodes[1].Endpoint("Article")

	step("Weaviate: load the dump into instance 1")
	if _, err := d.vecmig(ctx, "migrate", "--from", d.dumps[weaviateDump], "--to", first); err != nil {
		return err
	}
	step("Weaviate: migrate the class to instance 2")
	if _, err := d.vecmig(ctx, "migrate", "--from", first, "--to", second, "--workers", "4"); err != nil {
		return err
	}
	step("Weaviate: counts")
	from := len(d.counts)
	if err := d.inspect(ctx, "Weaviate", "instance 1 Article (loaded from the dump)", first); err != nil {
		return err
	}
	if err := d.inspect(ctx, "Weaviate", "instance 2 Article (migrated)", second); err != nil {
		return err
	}
	if err := d.sameCounts(from); err != nil {
		return err
	}
	return d.crossEngine(ctx, nodes[1], first)
}

// crossEngine copies the Qdrant collection into Weaviate instance w and
// the Weaviate class at class into Qdrant node 1, each with its plan
// printed first and verified in full.
func (d *demo) crossEngine(ctx context.Context, w *weaviatetest.Node, class string) error {
	qArticles := d.qnode.Endpoint("articles")
	toWeaviate := w.Endpoint("ArticlesFromQdrant")
	toQdrant := d.qnode.Endpoint("article_from_weaviate")
	step("Across engines: the plan of Qdrant articles -> Weaviate (nothing written)")
	if _, err := d.vecmig(ctx, "plan", "--from", qArticles, "--to", toWeaviate); err != nil {
		return err
	}
	step("Across engines: Qdrant articles -> Weaviate class ArticlesFromQdrant, verified in full")
	if _, err := d.vecmig(ctx, "migrate", "--from", qArticles, "--to", toWeaviate, "--verify", "full"); err != nil {
		return err
	}
	step("Across engines: Weaviate Article -> Qdrant collection article_from_weaviate, verified in full")
	if _, err := d.vecmig(ctx, "migrate", "--from", class, "--to", toQdrant, "--verify", "full"); err != nil {
		return err
	}
	step("Across engines: counts")
	for _, s := range []struct{ engine, what, url string }{
		{"Weaviate", "instance 2 ArticlesFromQdrant (from Qdrant)", toWeaviate},
		{"Qdrant", "node 1 article_from_weaviate (from Weaviate)", toQdrant},
	} {
		if err := d.inspect(ctx, s.engine, s.what, s.url); err != nil {
			return err
		}
	}
	return nil
}

func stopWeaviate(n *weaviatetest.Node) {
	if err := n.Stop(); err != nil {
		fmt.Printf("  stop Weaviate instance pid %d: %v\n", n.PID(), err)
	}
}
