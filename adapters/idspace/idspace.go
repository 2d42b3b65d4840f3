// Package idspace splits a collection's id space into ranges. Ids are two
// segments in scroll order, integers then UUIDs, both treated as unsigned
// numbers (64 and 128 bits); Bounds are found by probing a Source with
// one-point reads, never by a scan. migrate reads ranges in parallel (and
// records them in its state so a resumed run uses the same ones); verify
// compares them in parallel and draws random positions from them.
package idspace

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/vecmig/vecmig/adapters"
)

// Bounds are the smallest and largest existing ids of each segment.
type Bounds struct {
	hasInt, hasUUID  bool
	minInt, maxInt   uint64
	minUUID, maxUUID *big.Int
	empty            bool
}

// probe returns the first id strictly after `after` (nil: the first id).
func probe(ctx context.Context, src adapters.Source, part string, after *adapters.ID) (adapters.ID, bool, error) {
	page, err := src.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: 1})
	if err != nil {
		return adapters.ID{}, false, err
	}
	if len(page.Points) == 0 {
		return adapters.ID{}, false, nil
	}
	return page.Points[0].ID, true, nil
}

// AtLeast returns the After that makes a read start at id itself (the id
// just before it in scroll order), nil for the very first possible id.
func AtLeast(id adapters.ID) *adapters.ID {
	if !id.IsUUID() {
		if id.Num() == 0 {
			return nil
		}
		p := adapters.NumID(id.Num() - 1)
		return &p
	}
	n := uuidInt(id)
	if n.Sign() == 0 {
		p := adapters.NumID(math.MaxUint64)
		return &p
	}
	p := intUUID(new(big.Int).Sub(n, big.NewInt(1)))
	return &p
}

func uuidInt(id adapters.ID) *big.Int {
	b := id.UUIDBytes()
	return new(big.Int).SetBytes(b[:])
}

func intUUID(n *big.Int) adapters.ID {
	var b [16]byte
	n.FillBytes(b[:])
	return adapters.UUIDID(b)
}

// Find probes a partition for the ends of both segments: about 64
// one-point reads for integers and 128 for UUIDs (binary search).
func Find(ctx context.Context, src adapters.Source, part string) (Bounds, error) {
	var b Bounds
	first, ok, err := probe(ctx, src, part, nil)
	if err != nil {
		return b, err
	}
	if !ok {
		b.empty = true
		return b, nil
	}
	if !first.IsUUID() {
		b.hasInt, b.minInt = true, first.Num()
		// Largest integer id: lo always holds an existing integer id.
		lo, hi := first.Num(), uint64(math.MaxUint64)
		for lo < hi {
			mid := lo + (hi-lo)/2 + 1
			id, ok, err := probe(ctx, src, part, AtLeast(adapters.NumID(mid)))
			if err != nil {
				return b, err
			}
			if ok && !id.IsUUID() {
				lo = id.Num()
			} else {
				hi = mid - 1
			}
		}
		b.maxInt = lo
		top := adapters.NumID(math.MaxUint64)
		if lo == math.MaxUint64 {
			first, ok = adapters.ID{}, false
		} else {
			first, ok, err = probe(ctx, src, part, &top)
			if err != nil {
				return b, err
			}
		}
		if !ok {
			return b, nil
		}
	}
	b.hasUUID, b.minUUID = true, uuidInt(first)
	lo := uuidInt(first)
	hi := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	one := big.NewInt(1)
	for lo.Cmp(hi) < 0 {
		// mid = lo + (hi-lo)/2 + 1
		mid := new(big.Int).Sub(hi, lo)
		mid.Rsh(mid, 1).Add(mid, lo).Add(mid, one)
		id, ok, err := probe(ctx, src, part, AtLeast(intUUID(mid)))
		if err != nil {
			return b, err
		}
		if ok && id.IsUUID() {
			lo = uuidInt(id)
		} else {
			hi = mid.Sub(mid, one)
		}
	}
	b.maxUUID = lo
	return b, nil
}

// Union widens b to cover o too.
func (b Bounds) Union(o Bounds) Bounds {
	if b.empty {
		return o
	}
	if o.empty {
		return b
	}
	if o.hasInt {
		if !b.hasInt {
			b.hasInt, b.minInt, b.maxInt = true, o.minInt, o.maxInt
		} else {
			b.minInt, b.maxInt = min(b.minInt, o.minInt), max(b.maxInt, o.maxInt)
		}
	}
	if o.hasUUID {
		if !b.hasUUID {
			b.hasUUID, b.minUUID, b.maxUUID = true, o.minUUID, o.maxUUID
		} else {
			if o.minUUID.Cmp(b.minUUID) < 0 {
				b.minUUID = o.minUUID
			}
			if o.maxUUID.Cmp(b.maxUUID) > 0 {
				b.maxUUID = o.maxUUID
			}
		}
	}
	return b
}

// Range is the ids in (After, Upto]: After nil means from the first id,
// Upto nil means to the last. Consecutive ranges share a boundary, so a
// split covers every id exactly once whatever the boundaries are; the
// Bounds only make the ranges even.
type Range struct {
	After, Upto *adapters.ID
}

// NotPast reports whether id is not past the range's upper end.
func (r Range) NotPast(id adapters.ID) bool {
	return r.Upto == nil || !r.Upto.Less(id)
}

// Split cuts the id space into about k ranges, evenly between the Bounds of
// each segment. The first range starts at the very beginning and the last
// has no end, so ids outside the Bounds (written meanwhile) are covered.
func (b Bounds) Split(k int) []Range {
	if k < 1 {
		k = 1
	}
	var cuts []adapters.ID
	kInt, kUUID := k, k
	if b.hasInt && b.hasUUID {
		kInt, kUUID = (k+1)/2, (k+1)/2
	}
	if b.hasInt {
		span := b.maxInt - b.minInt
		n := uint64(kInt)
		if span < n {
			n = span
		}
		for i := uint64(1); i < n; i++ {
			// minInt + span*i/n without overflow.
			cuts = append(cuts, adapters.NumID(b.minInt+mulDiv(span, i, n)))
		}
		if b.hasUUID {
			cuts = append(cuts, adapters.NumID(b.maxInt))
		}
	}
	if b.hasUUID {
		span := new(big.Int).Sub(b.maxUUID, b.minUUID)
		n := big.NewInt(int64(kUUID))
		if span.Cmp(n) < 0 {
			n = new(big.Int).Set(span)
		}
		for i := int64(1); i < n.Int64(); i++ {
			c := new(big.Int).Mul(span, big.NewInt(i))
			c.Quo(c, n).Add(c, b.minUUID)
			cuts = append(cuts, intUUID(c))
		}
	}
	out := make([]Range, 0, len(cuts)+1)
	var after *adapters.ID
	for i := range cuts {
		c := cuts[i]
		out = append(out, Range{After: after, Upto: &c})
		after = &c
	}
	return append(out, Range{After: after})
}

// mulDiv returns a*b/c (c > 0, b <= c) as a 64-bit result, via 128 bits.
func mulDiv(a, b, c uint64) uint64 {
	x := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
	x.Quo(x, new(big.Int).SetUint64(c))
	return x.Uint64()
}

// RandomPosition draws an id uniformly from the Bounds' segments. With
// both segments present each is picked with probability 1/2 (their point
// counts are unknown without a scan: a documented bias).
func (b Bounds) RandomPosition(r *rand.Rand) adapters.ID {
	useInt := b.hasInt && (!b.hasUUID || r.IntN(2) == 0)
	if useInt {
		span := b.maxInt - b.minInt
		if span == math.MaxUint64 {
			return adapters.NumID(r.Uint64())
		}
		return adapters.NumID(b.minInt + r.Uint64N(span+1))
	}
	span := new(big.Int).Sub(b.maxUUID, b.minUUID)
	span.Add(span, big.NewInt(1))
	return intUUID(new(big.Int).Add(b.minUUID, randBig(r, span)))
}

// randBig returns a uniform number in [0, n) by rejection.
func randBig(r *rand.Rand, n *big.Int) *big.Int {
	bits := n.BitLen()
	for {
		var buf [16]byte
		for i := 0; i < 16; i += 8 {
			v := r.Uint64()
			for j := 0; j < 8; j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		x := new(big.Int).SetBytes(buf[:])
		if bits < 128 {
			x.Rsh(x, uint(128-bits))
		}
		if x.Cmp(n) < 0 {
			return x
		}
	}
}

// Empty reports whether the probed partition held no point.
func (b Bounds) Empty() bool { return b.empty }
