package idspace

import (
	"math/big"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// TestSplitCoversEveryIDOnce: whatever the bounds and k, every id (also
// ids outside the bounds, written meanwhile) falls in exactly one range.
func TestSplitCoversEveryIDOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		var ids []adapters.ID
		for i := 0; i < 50; i++ {
			if r.IntN(3) == 0 {
				var b [16]byte
				for j := range b {
					b[j] = byte(r.Uint32())
				}
				ids = append(ids, adapters.UUIDID(b))
			} else {
				ids = append(ids, adapters.NumID(r.Uint64N(1000)))
			}
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i].Less(ids[j]) })
		// Bounds from a subset, as if points were added after probing.
		var b Bounds
		for _, id := range ids[5:45] {
			b = b.Union(single(id))
		}
		k := 1 + r.IntN(9)
		rs := b.Split(k)
		for _, id := range ids {
			n := 0
			for _, rg := range rs {
				if (rg.After == nil || rg.After.Less(id)) && rg.NotPast(id) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("trial %d, k %d: id %s is in %d ranges of %v", trial, k, id, n, rs)
			}
		}
	}
}

func single(id adapters.ID) Bounds {
	if id.IsUUID() {
		n := uuidInt(id)
		return Bounds{hasUUID: true, minUUID: n, maxUUID: new(big.Int).Set(n)}
	}
	return Bounds{hasInt: true, minInt: id.Num(), maxInt: id.Num()}
}
