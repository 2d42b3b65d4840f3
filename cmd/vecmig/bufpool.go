package main

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
)

// gRPC's default buffer pool clears every buffer it hands out, over its
// whole capacity: a 200 KB Search reply gathered into a 1 MB pooled buffer
// clears 1 MB. That was about 6% of vecmig's CPU on a live copy. vecmig
// installs a pool that does not clear, as gRPC does itself for its ALTS
// records (internal/mem.NewDirtySimplePool). It is safe because gRPC writes
// every byte of a buffer before reading it: frames are read into it with
// io.ReadFull, a message spread over frames is copied into one
// (BufferSlice.MaterializeToBuffer), and the proto codec marshals into
// buf[:0] with MarshalAppend. A stale byte could only be one of this
// process's own earlier messages, never another process's memory.
//
// Set in init, before any connection, as experimental.SetDefaultBufferPool
// requires; only the vecmig binary does this, not the packages it uses.
func init() {
	experimental.SetDefaultBufferPool(newDirtyPool())
}

const (
	minPoolShift = 8  // 256 B: smaller buffers are not pooled
	maxPoolShift = 24 // 16 MiB: larger buffers are allocated each time
)

// dirtyPool keeps buffers in tiers of powers of two and does not clear
// them (mem.BufferPool).
type dirtyPool struct {
	tiers [maxPoolShift + 1]sync.Pool
}

var _ mem.BufferPool = (*dirtyPool)(nil)

func newDirtyPool() *dirtyPool { return &dirtyPool{} }

// Get returns a buffer of length n, from the smallest tier that holds n.
func (p *dirtyPool) Get(n int) *[]byte {
	shift := max(bits.Len(uint(n-1)), minPoolShift)
	if n <= 0 {
		shift = minPoolShift
	}
	if shift > maxPoolShift {
		b := make([]byte, n)
		return &b
	}
	if bp, ok := p.tiers[shift].Get().(*[]byte); ok {
		*bp = (*bp)[:n]
		return bp
	}
	b := make([]byte, n, 1<<shift)
	return &b
}

// Put keeps a buffer in the largest tier its capacity fills.
func (p *dirtyPool) Put(bp *[]byte) {
	c := cap(*bp)
	if c < 1<<minPoolShift {
		return
	}
	shift := bits.Len(uint(c)) - 1
	if shift > maxPoolShift {
		return
	}
	p.tiers[shift].Put(bp)
}
