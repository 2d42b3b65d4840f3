package verify

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify/baselinefile"
	"github.com/vecmig/vecmig/verify/knn"
)

// CaptureOptions tune Capture.
type CaptureOptions struct {
	Keep     int    // points stored whole (a seeded hash picks them); 0 keeps none
	Queries  int    // probe queries per dense vector; 0 runs none
	K        int    // results per probe; default 10
	Seed     uint64 // 0 picks one (it is in the summary and the file)
	PageSize int    // points per read; default 256
	Logf     func(format string, args ...any)
}

// CaptureSummary says what a baseline holds.
type CaptureSummary struct {
	Points  uint64   `json:"points"`
	Kept    int      `json:"kept"`
	Probes  int      `json:"probes"`
	Vectors []string `json:"probed_vectors"`
	Seed    uint64   `json:"seed"`
	Bytes   int64    `json:"bytes"`
	Notes   []string `json:"notes,omitempty"`
}

// Capture reads src once and writes a baseline to out: the definition,
// exact counts, every point's fingerprint in id order (streamed, so memory
// does not grow with the collection), Keep whole points and the exact
// top-K of Queries probe queries per dense vector.
//
// Probe queries are chosen before the scan, so that the one scan can
// compute their exact results: per partition, a share of Queries in
// proportion to its count, as points at seeded random positions of its id
// space (idspace; one short read each), or, when the share is a large
// part of the partition or the source reads only forward, the points with
// the smallest seeded id hash, found by a pre-pass over the partition.
// Either way the choice depends on the seed and the data, not page order.
func Capture(ctx context.Context, src adapters.Source, out io.Writer, opts CaptureOptions) (*CaptureSummary, error) {
	if opts.K <= 0 {
		opts.K = 10
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 256
	}
	if opts.Keep < 0 || opts.Queries < 0 {
		return nil, adapters.Errorf(adapters.KindInvalid, "--keep %d and --queries %d: neither may be negative", opts.Keep, opts.Queries)
	}
	for opts.Seed == 0 {
		opts.Seed = rand.Uint64()
	}
	c := &capture{src: src, opts: opts, v: &verifier{opts: Options{PageSize: opts.PageSize, Logf: opts.Logf}},
		sum: &CaptureSummary{Seed: opts.Seed}, kept: &keptHeap{}}
	def, err := src.Describe(ctx)
	if err != nil {
		return nil, err
	}
	c.def = def
	c.names = c.probedVectors()
	parts, counts, err := c.counts(ctx)
	if err != nil {
		return nil, err
	}
	w, err := baselinefile.NewWriter(out, baselinefile.Header{Captured: time.Now().UTC(), Source: src.Endpoint(),
		Seed: opts.Seed, Keep: opts.Keep, Queries: opts.Queries, K: opts.K, Definition: def, Counts: counts})
	if err != nil {
		return nil, fmt.Errorf("write the baseline: %w", err)
	}
	shares := apportion(uint64(opts.Queries), parts)
	for i, p := range parts {
		err := adapters.WithPartition(ctx, src, p.name, c.logf, func() error { return c.partition(ctx, w, p, int(shares[i])) })
		if err != nil {
			return nil, err
		}
	}
	kept := c.kept.sorted()
	if err := w.Finish(kept, c.probes); err != nil {
		return nil, fmt.Errorf("write the baseline: %w", err)
	}
	c.sum.Kept, c.sum.Probes, c.sum.Bytes, c.sum.Vectors = len(kept), len(c.probes), w.Bytes(), c.names
	return c.sum, nil
}

// capture is one Capture's state.
type capture struct {
	src    adapters.Source
	opts   CaptureOptions
	v      *verifier // for its page streams
	def    *adapters.Collection
	names  []string // dense vectors probed
	sum    *CaptureSummary
	kept   *keptHeap
	probes []baselinefile.Probe
}

func (c *capture) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

func (c *capture) note(format string, args ...any) {
	c.sum.Notes = append(c.sum.Notes, fmt.Sprintf(format, args...))
}

// probedVectors lists the dense vectors whose metric vecmig can search
// exactly; sparse and multi-vectors are covered by the fingerprints only.
func (c *capture) probedVectors() []string {
	var names []string
	for name, spec := range c.def.Vectors {
		if spec.Kind != "" && spec.Kind != "dense" {
			continue
		}
		if _, err := knn.Distance(spec.Distance, nil, nil); err != nil {
			c.note("%s: no probe queries (%v)", vectorLabel(name), err)
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// counts takes each partition's exact count.
func (c *capture) counts(ctx context.Context) ([]partition, map[string]uint64, error) {
	var parts []partition
	counts := map[string]uint64{}
	for _, name := range c.def.PartitionNames() {
		var n uint64
		err := adapters.WithPartition(ctx, c.src, name, c.logf, func() (err error) {
			n, err = c.src.Count(ctx, name)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, partition{name: name, onSource: true, srcN: n})
		counts[name] = n
	}
	return parts, counts, nil
}
