package main

import (
	"context"
	"fmt"
	"strings"
)

const sweepAbout = "points/s of a live copy against vecmig --workers (batch size fixed) and against --batch-size (workers fixed), beside the target's ingest ceiling at the same concurrency and batch size; between two real servers of --sweep-engine"

func sweepScenario() scenario {
	return scenario{name: "sweep", about: sweepAbout, extra: true, run: runSweep}
}

func runSweep(ctx context.Context, b *bench) (*report, error) {
	cfg := b.cfg
	r := &report{Scenario: "sweep", About: sweepAbout, Points: cfg.points, Dim: cfg.dim, BatchSize: cfg.batchSize, Workers: cfg.workers}
	var p pair
	var err error
	switch cfg.sweepEngine {
	case "weaviate":
		p, err = startWeaviatePair(ctx, b)
	default:
		p, err = startQdrantPair(ctx, b)
	}
	if err != nil {
		return r, err
	}
	defer p.close()
	src := p.sourceURL()
	if r.SourceCount, err = p.count(ctx, src); err != nil {
		return r, err
	}
	if r.SourceCount != uint64(cfg.points) {
		return r, fmt.Errorf("the source %s holds %d points after loading, not %d", src, r.SourceCount, cfg.points)
	}
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la+"; other work on the machine skews every figure")
	}
	if note := repeatNote(cfg); note != "" {
		r.Notes = append(r.Notes, note)
	}
	eng := strings.ToUpper(p.engine()[:1]) + p.engine()[1:]
	workers := &plot{File: "throughput-workers-" + p.engine() + ".svg", Title: fmt.Sprintf("%s → %s live, %d points x %d-d, batch size %d", eng, eng, cfg.points, cfg.dim, cfg.batchSize),
		XLabel: "vecmig --workers (ceiling: concurrent writers)", YLabel: "points/s", LogX: true}
	if err := b.sweepWorkers(ctx, p, r, workers); err != nil {
		return r, err
	}
	batch := &plot{File: "throughput-batch-" + p.engine() + ".svg", Title: fmt.Sprintf("%s → %s live, %d points x %d-d, vecmig --workers %d", eng, eng, cfg.points, cfg.dim, cfg.workers),
		XLabel: "--batch-size (points per page and per write)", YLabel: "points/s", LogX: true}
	if err := b.sweepBatch(ctx, p, r, batch); err != nil {
		return r, err
	}
	r.Plots = append(r.Plots, workers, batch)
	r.Notes = append(r.Notes, "every measurement writes a fresh target, which is counted (= source) and deleted; the plots are "+workers.File+" and "+batch.File)
	return r, nil
}

// sweepWorkers measures vecmig and the ceiling at each --sweep-workers.
func (b *bench) sweepWorkers(ctx context.Context, p pair, r *report, pl *plot) error {
	src, n, batch := p.sourceURL(), r.SourceCount, b.cfg.batchSize
	for _, w := range b.cfg.sweepWorkers {
		x, err := b.fastest(ctx, p, fmt.Sprintf("vecmig%dw", w), n, func(dst string) (row, error) {
			x, _, err := b.vecmigLive(ctx, p, src, dst, n, w, batch)
			return x, err
		})
		if err != nil {
			return err
		}
		x.Method = fmt.Sprintf("vecmig --workers %d --batch-size %d", w, batch)
		c, err := b.fastest(ctx, p, fmt.Sprintf("ceiling%dw", w), n, func(dst string) (row, error) {
			return b.ceiling(ctx, p, src, dst, batch, w)
		})
		if err != nil {
			return err
		}
		c = targetCPUOnly(c)
		c.Method = fmt.Sprintf("ceiling, %d %s, batch %d", w, plural(w, "writer"), batch)
		r.Rows = append(r.Rows, x, c)
		pl.add("vecmig", float64(w), x.PointsPerSecond)
		pl.add("ceiling (same concurrency)", float64(w), c.PointsPerSecond)
	}
	return nil
}

// sweepBatch measures vecmig, the plain loop and the ceiling at each
// --sweep-batch, with --workers (and as many ceiling writers).
func (b *bench) sweepBatch(ctx context.Context, p pair, r *report, pl *plot) error {
	src, n, w := p.sourceURL(), r.SourceCount, b.cfg.workers
	for _, batch := range b.cfg.sweepBatch {
		x, err := b.fastest(ctx, p, fmt.Sprintf("vecmig%db", batch), n, func(dst string) (row, error) {
			x, _, err := b.vecmigLive(ctx, p, src, dst, n, w, batch)
			return x, err
		})
		if err != nil {
			return err
		}
		x.Method = fmt.Sprintf("vecmig --workers %d --batch-size %d", w, batch)
		pr, err := b.fastest(ctx, p, fmt.Sprintf("plain%db", batch), n, func(dst string) (row, error) {
			x, _, err := b.plainLoop(ctx, p, src, dst, batch)
			return x, err
		})
		if err != nil {
			return err
		}
		pr.Method = fmt.Sprintf("plain loop, batch %d", batch)
		c, err := b.fastest(ctx, p, fmt.Sprintf("ceiling%db", batch), n, func(dst string) (row, error) {
			return b.ceiling(ctx, p, src, dst, batch, w)
		})
		if err != nil {
			return err
		}
		c = targetCPUOnly(c)
		c.Method = fmt.Sprintf("ceiling, %d %s, batch %d", w, plural(w, "writer"), batch)
		r.Rows = append(r.Rows, x, pr, c)
		pl.add("vecmig", float64(batch), x.PointsPerSecond)
		pl.add("plain loop", float64(batch), pr.PointsPerSecond)
		pl.add(fmt.Sprintf("ceiling (%d %s)", w, plural(w, "writer")), float64(batch), c.PointsPerSecond)
	}
	return nil
}
