package qdrant

import (
	"context"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// maxWriters bounds the writers suggested from a large cluster's layout:
// beyond it the client, not the target, is what limits a copy.
const maxWriters = 16

// writers suggests how many concurrent writers suit the target: one per
// shard on each node (Qdrant's bulk-upload guide: a stream per shard),
// at least 2 so that one request is always in flight while the next is
// prepared. 0 when the layout cannot be read.
func (s *Sink) writers(ctx context.Context, shards uint32) (int, string) {
	if shards == 0 {
		shards = 1
	}
	// The number of nodes is only in the REST API; one try, briefly: the
	// suggestion is not worth a wait.
	snaps, err := OpenSnapshots(s.c.endpoint, s.c.cfg, SnapshotOptions{Retry: &adapters.RetryPolicy{Attempts: 1}})
	if err != nil {
		return 0, ""
	}
	defer snaps.Close()
	cctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	cl, err := snaps.Cluster(cctx)
	if err != nil {
		return 0, ""
	}
	nodes := 1
	if cl.Enabled && cl.Peers > 1 {
		nodes = cl.Peers
	}
	n := min(max(int(shards)*nodes, 2), maxWriters)
	return n, fmt.Sprintf("%s on %s", plural(int(shards), "shard"), plural(nodes, "node"))
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
