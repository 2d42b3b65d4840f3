package main

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

func qdrantScenario() scenario {
	about := "Qdrant -> Qdrant live, between two real Qdrant " + qdranttest.Version + " servers (qdranttest, " + qdrantVersionNote() + ")"
	return scenario{
		name:  "qdrant",
		about: about,
		run: func(ctx context.Context, b *bench) (*report, error) {
			r := &report{Scenario: "qdrant", About: about}
			p, err := startQdrantPair(ctx, b)
			if err != nil {
				return r, err
			}
			defer p.close()
			r.Notes = append(r.Notes, "both Qdrant servers are separate processes on the same machine as the method measured; their CPU is not in any method's CPU figure ('server CPU s' is theirs, from /proc)")
			// Issue #8: at least 90% of the target's ingest ceiling, faster
			// than the plain loop, at most half its CPU per point.
			return r, runMigration(ctx, b, p, migrationTargets{label: "Q->Q", minOfCeiling: 0.9, minOfPlain: 1, maxCPUOfPlain: 0.5}, r)
		},
	}
}

func qdrantVersionNote() string {
	bin, err := qdranttest.Binary()
	if err != nil {
		return "server binary not installed"
	}
	return bin
}

// qdrantPair is two Qdrant servers, the first holding collection
// "bench_source" with the benchmark data (unnamed dense vector, cosine).
type qdrantPair struct {
	b        *bench
	src, dst *qdranttest.Node
}

const qdrantSourceName = "bench_source"

// serverPIDs are both servers' processes, for waiting until they are idle
// and for their CPU time.
func (p *qdrantPair) serverPIDs() []int { return []int{p.src.PID(), p.dst.PID()} }

// startQdrantPair launches both servers and loads the source. Close stops
// them.
func startQdrantPair(ctx context.Context, b *bench) (*qdrantPair, error) {
	src, dst, err := launchQdrantPair(ctx, b)
	if err != nil {
		return nil, err
	}
	p := &qdrantPair{b: b, src: src, dst: dst}
	if err := p.loadSource(ctx); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// launchQdrantPair starts two standalone Qdrant servers side by side; the
// caller stops both.
func launchQdrantPair(ctx context.Context, b *bench) (src, dst *qdranttest.Node, err error) {
	b.logf("starting two Qdrant %s servers", qdranttest.Version)
	src, dst, err = launchTwo(ctx, func(ctx context.Context) (*qdranttest.Node, error) {
		return qdranttest.Launch(ctx, qdranttest.Options{})
	}, func(n *qdranttest.Node) { n.Stop() })
	if err != nil {
		return nil, nil, err
	}
	b.logf("Qdrant servers: %s (pid %d), %s (pid %d)", src.RESTURL(), src.PID(), dst.RESTURL(), dst.PID())
	return src, dst, nil
}

func (p *qdrantPair) loadSource(ctx context.Context) error {
	return loadQdrantSource(ctx, p.b, p.sourceURL(), qdrantLoad{points: p.b.cfg.points})
}

// qdrantLoad says what loadQdrantSource writes.
type qdrantLoad struct {
	points int
	// intIDs: each point's number as its id, instead of its UUID.
	intIDs bool
	// noIndex: no HNSW index (indexing threshold 0), for scenarios that
	// only scan, so that a large load is not followed by minutes of
	// indexing.
	noIndex bool
}

// loadQdrantSource creates the collection at url (unnamed dense vector,
// cosine) and loads the benchmark data into it.
func loadQdrantSource(ctx context.Context, b *bench, url string, l qdrantLoad) error {
	c, err := dialQdrant(url)
	if err != nil {
		return err
	}
	defer c.close()
	create := &qdrant.CreateCollection{
		CollectionName: c.name,
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(b.cfg.dim), Distance: qdrant.Distance_Cosine}),
	}
	if l.noIndex {
		create.OptimizersConfig = &qdrant.OptimizersConfigDiff{IndexingThreshold: ptr(uint64(0))}
	}
	err = c.client.CreateCollection(ctx, create)
	if err != nil {
		return fmt.Errorf("qdrant %s: create the source collection: %w", url, err)
	}
	dim := b.cfg.dim
	return b.load(ctx, url, l.points, func(ctx context.Context, lo, hi int) error {
		pts := make([]*qdrant.PointStruct, 0, hi-lo)
		for i := lo; i < hi; i++ {
			pt := qdrantPoint(makePoint(i, dim))
			if l.intIDs {
				pt.Id = qdrant.NewIDNum(uint64(i))
			}
			pts = append(pts, pt)
		}
		return c.upsert(ctx, pts)
	})
}

func (p *qdrantPair) engine() string    { return "qdrant" }
func (p *qdrantPair) sourceURL() string { return p.src.Endpoint(qdrantSourceName) }

func (p *qdrantPair) newTarget(kind string) string {
	return p.dst.Endpoint(fmt.Sprintf("bench_%s_%d", kind, p.b.seq("qdrant-target")))
}

func (p *qdrantPair) count(ctx context.Context, url string) (uint64, error) {
	return qdrantCount(ctx, url)
}

// qdrantCount is the exact point count of the collection at url.
func qdrantCount(ctx context.Context, url string) (uint64, error) {
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
	p.src.Stop()
	p.dst.Stop()
}
