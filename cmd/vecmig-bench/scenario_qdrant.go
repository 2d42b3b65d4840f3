package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

func qdrantScenario() scenario {
	return scenario{
		name:  "qdrant",
		about: "Qdrant -> Qdrant live, between two in-process Qdrant test servers (qdranttest) hosted by the benchmark process",
		run: func(ctx context.Context, b *bench) (*report, error) {
			r := &report{Scenario: "qdrant", About: "Qdrant -> Qdrant live, between two in-process Qdrant test servers (qdranttest) hosted by the benchmark process"}
			p, err := startQdrantPair(ctx, b)
			if err != nil {
				return r, err
			}
			defer p.close()
			r.Notes = append(r.Notes, "both servers run inside the benchmark process: their CPU is not in any method's CPU figure; 'server CPU s' is the benchmark process's CPU during the measurement",
				"the benchmark process runs its garbage collector at GOGC=400 while it hosts the test servers (a real Qdrant has none); they still share the machine's cores with the method measured")
			return r, runMigration(ctx, b, p, migrationTargets{label: "Q->Q", minOfPlain: 2}, r)
		},
	}
}

// qdrantPair is two in-process Qdrant test servers, the first holding
// collection "bench_source" with the benchmark data (unnamed dense vector,
// cosine).
type qdrantPair struct {
	b        *bench
	src, dst *qdranttest.Server
	gc       int // the GC percent to restore on close
}

const qdrantSourceName = "bench_source"

// startQdrantPair starts both servers and loads the source. Close stops them.
func startQdrantPair(ctx context.Context, b *bench) (*qdrantPair, error) {
	gc := debug.SetGCPercent(400)
	src, err := qdranttest.NewServer(qdranttest.Options{})
	if err != nil {
		debug.SetGCPercent(gc)
		return nil, err
	}
	dst, err := qdranttest.NewServer(qdranttest.Options{})
	if err != nil {
		src.Close()
		debug.SetGCPercent(gc)
		return nil, err
	}
	p := &qdrantPair{b: b, src: src, dst: dst, gc: gc}
	if err := p.loadSource(ctx); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *qdrantPair) loadSource(ctx context.Context) error {
	c, err := dialQdrant(p.sourceURL())
	if err != nil {
		return err
	}
	defer c.close()
	err = c.client.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName: qdrantSourceName,
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(p.b.cfg.dim), Distance: qdrant.Distance_Cosine}),
	})
	if err != nil {
		return fmt.Errorf("qdrant %s: create the source collection: %w", p.sourceURL(), err)
	}
	dim := p.b.cfg.dim
	return p.b.load(ctx, p.sourceURL(), p.b.cfg.points, func(ctx context.Context, lo, hi int) error {
		pts := make([]*qdrant.PointStruct, 0, hi-lo)
		for i := lo; i < hi; i++ {
			pts = append(pts, qdrantPoint(makePoint(i, dim)))
		}
		return c.upsert(ctx, pts)
	})
}

func (p *qdrantPair) inProcess()        {}
func (p *qdrantPair) engine() string    { return "qdrant" }
func (p *qdrantPair) sourceURL() string { return p.src.Endpoint(qdrantSourceName) }

func (p *qdrantPair) newTarget(kind string) string {
	return p.dst.Endpoint(fmt.Sprintf("bench_%s_%d", kind, p.b.seq("qdrant-target")))
}

func (p *qdrantPair) count(ctx context.Context, url string) (uint64, error) {
	c, err := dialQdrant(url)
	if err != nil {
		return 0, err
	}
	defer c.close()
	return c.count(ctx)
}

func (p *qdrantPair) drop(ctx context.Context, url string) error {
	c, err := dialQdrant(url)
	if err != nil {
		return err
	}
	defer c.close()
	return c.drop(ctx)
}

func (p *qdrantPair) close() {
	p.src.Close()
	p.dst.Close()
	debug.SetGCPercent(p.gc)
}
