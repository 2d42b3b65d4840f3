package main

import "testing"

// TestDirtyPool checks the buffer pool gRPC uses in vecmig: every length
// asked is given, a returned buffer is reused for a size it can hold, and
// sizes beyond the tiers still work.
func TestDirtyPool(t *testing.T) {
	p := newDirtyPool()
	for _, n := range []int{0, 1, 255, 256, 257, 4096, 16384, 200_000, 1 << 20, 1<<24 + 1} {
		bp := p.Get(n)
		if len(*bp) != n || cap(*bp) < n {
			t.Fatalf("Get(%d): len %d cap %d", n, len(*bp), cap(*bp))
		}
		for i := range *bp {
			(*bp)[i] = 0xAB
		}
		p.Put(bp)
		again := p.Get(n)
		if len(*again) != n || cap(*again) < n {
			t.Fatalf("Get(%d) after Put: len %d cap %d", n, len(*again), cap(*again))
		}
	}
	// A buffer put back with a shorter length still serves its full tier.
	bp := p.Get(3000)
	*bp = (*bp)[:10]
	p.Put(bp)
	if b := p.Get(4096); len(*b) != 4096 || cap(*b) < 4096 {
		t.Fatalf("Get(4096): len %d cap %d", len(*b), cap(*b))
	}
}
