package qdrant

import (
	"context"
	"fmt"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"
)

// greenPoll is how often the collection's status is read while waiting
// for it to turn green; greenReport how often the wait is reported.
const (
	greenPoll   = 500 * time.Millisecond
	greenReport = 15 * time.Second
)

// putBack gives the collection the settings held back by a bulk load,
// after the last write, and waits until it is green when its index is
// being built. Only what was held back is sent: HNSW m alone (the rest of
// the source's hnsw_config was set at creation), and strict mode; any
// other tuning of the target is left as it is.
func (s *Sink) putBack(ctx context.Context) error {
	b := s.bulkLoad()
	if b == nil || !b.putBack || (b.hnswM == 0 && !b.strict) {
		return nil
	}
	upd := &qdrant.UpdateCollection{CollectionName: s.c.coll}
	if b.hnswM > 0 {
		upd.HnswConfig = &qdrant.HnswConfigDiff{M: ptr(b.hnswM)}
	}
	if b.strict && b.native != nil {
		upd.StrictModeConfig = proto.Clone(b.native.Config.GetStrictModeConfig()).(*qdrant.StrictModeConfig)
	}
	// Not bounded by --timeout: Qdrant answers only once the optimizations
	// under way are done, which on a large collection takes minutes.
	if err := s.c.client.UpdateCollection(ctx, upd); err != nil {
		return fmt.Errorf("%w; the points are all written, but the collection still lacks the source's settings held back for the copy (HNSW m, strict mode): run the same command again to put them back", s.c.classify(ctx, err, "update collection"))
	}
	if b.hnswM == 0 {
		return nil
	}
	return s.waitGreen(ctx, b.req.Logf)
}

// waitGreen waits until the collection's status is green and its
// optimizer idle: the index is built. A grey status (optimizations
// pending until the next update) is nudged with an empty update, as
// Qdrant's documentation advises.
func (s *Sink) waitGreen(ctx context.Context, logf func(string, ...any)) error {
	start, last := time.Now(), time.Now()
	nudged := false
	for {
		cctx, cancel := s.c.call(ctx)
		info, err := s.c.client.GetCollectionInfo(cctx, s.c.coll)
		cancel()
		if err != nil {
			return s.c.classify(ctx, err, "read the collection's status while its index is built")
		}
		switch info.GetStatus() {
		case qdrant.CollectionStatus_Green:
			if info.GetOptimizerStatus().GetOk() {
				if logf != nil && time.Since(start) > time.Second {
					logf("%s: index built, collection green after %s", s.c.prefix, time.Since(start).Round(time.Second))
				}
				return nil
			}
		case qdrant.CollectionStatus_Red:
			return fmt.Errorf("%s: the collection's status turned red while its index was built (optimizer: %s); see the Qdrant server log", s.c.prefix, info.GetOptimizerStatus().GetError())
		case qdrant.CollectionStatus_Grey:
			if !nudged {
				nudged = true
				cctx, cancel := s.c.call(ctx)
				err := s.c.client.UpdateCollection(cctx, &qdrant.UpdateCollection{CollectionName: s.c.coll, OptimizersConfig: &qdrant.OptimizersConfigDiff{}})
				cancel()
				if err != nil {
					return s.c.classify(ctx, err, "update collection")
				}
			}
		}
		if logf != nil && time.Since(last) >= greenReport {
			last = time.Now()
			logf("%s: waiting for the index to be built: status %s, %d of %d vectors indexed (%s so far)", s.c.prefix,
				info.GetStatus(), info.GetIndexedVectorsCount(), info.GetPointsCount(), time.Since(start).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for the collection to turn green: %w", s.c.prefix, ctx.Err())
		case <-time.After(greenPoll):
		}
	}
}
