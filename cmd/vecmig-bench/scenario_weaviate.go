package main

import (
	"context"
	"fmt"
	"strings"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

func weaviateScenario() scenario {
	about := "Weaviate -> Weaviate live, between two real Weaviate servers (weaviatetest, " + weaviateVersionNote() + ")"
	return scenario{
		name:  "weaviate",
		about: about,
		run: func(ctx context.Context, b *bench) (*report, error) {
			r := &report{Scenario: "weaviate", About: about}
			p, err := startWeaviatePair(ctx, b)
			if err != nil {
				return r, err
			}
			defer p.close()
			r.Notes = append(r.Notes, "both Weaviate servers are separate processes on the same 2-core machine; their CPU is not in any method's CPU figure ('server CPU s' is theirs, from /proc)")
			return r, runMigration(ctx, b, p, migrationTargets{label: "W->W", minOfCeiling: 0.9, minOfPlain: 1}, r)
		},
	}
}

func weaviateVersionNote() string {
	bin, err := weaviatetest.Binary()
	if err != nil {
		return "server binary not installed"
	}
	return bin
}

// weaviatePair is two Weaviate servers, the first holding class
// BenchSource with the benchmark data (its own vectors, cosine HNSW).
type weaviatePair struct {
	b        *bench
	src, dst *weaviatetest.Node
}

const weaviateSourceClass = "BenchSource"

// serverPIDs are both servers' processes, for waiting until they are idle.
func (p *weaviatePair) serverPIDs() []int { return []int{p.src.PID(), p.dst.PID()} }

// startWeaviatePair launches both servers (side by side) and loads the
// source. Close stops them.
func startWeaviatePair(ctx context.Context, b *bench) (*weaviatePair, error) {
	b.logf("starting two Weaviate servers")
	src, dst, err := launchTwo(ctx, func(ctx context.Context) (*weaviatetest.Node, error) {
		return weaviatetest.Launch(ctx, weaviatetest.Options{})
	}, func(n *weaviatetest.Node) { n.Stop() })
	if err != nil {
		return nil, err
	}
	p := &weaviatePair{b: b, src: src, dst: dst}
	if err := p.loadSource(ctx); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *weaviatePair) loadSource(ctx context.Context) error {
	return loadWeaviateSource(ctx, p.b, p.sourceURL())
}

// loadWeaviateSource creates the class at url (its own vectors, cosine
// HNSW) and loads the benchmark data into it.
func loadWeaviateSource(ctx context.Context, b *bench, url string) error {
	w, err := dialWeaviate(url)
	if err != nil {
		return err
	}
	defer w.close()
	if err := w.create(ctx, weaviateClassDef(w.class)); err != nil {
		return fmt.Errorf("create the source class: %w", err)
	}
	dim := b.cfg.dim
	return b.load(ctx, url, b.cfg.points, func(ctx context.Context, lo, hi int) error {
		objs := make([]*pb.BatchObject, 0, hi-lo)
		for i := lo; i < hi; i++ {
			objs = append(objs, weaviateObject(w.class, makePoint(i, dim)))
		}
		return w.batch(ctx, objs)
	})
}

func (p *weaviatePair) engine() string    { return "weaviate" }
func (p *weaviatePair) sourceURL() string { return p.src.Endpoint(weaviateSourceClass) }

// newTarget names classes like BenchVecmig1, BenchCeiling4w3.
func (p *weaviatePair) newTarget(kind string) string {
	return p.dst.Endpoint(fmt.Sprintf("Bench%s%s%d", strings.ToUpper(kind[:1]), kind[1:], p.b.seq("weaviate-target")))
}

func (p *weaviatePair) count(ctx context.Context, url string) (uint64, error) {
	w, err := dialWeaviate(url)
	if err != nil {
		return 0, err
	}
	defer w.close()
	return w.count(ctx)
}

func (p *weaviatePair) drop(ctx context.Context, url string) error {
	w, err := dialWeaviate(url)
	if err != nil {
		return err
	}
	defer w.close()
	return w.drop(ctx)
}

func (p *weaviatePair) close() {
	p.src.Stop()
	p.dst.Stop()
}
