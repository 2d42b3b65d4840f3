package verify

import (
	"bytes"
	"context"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/idspace"
)

// sample compares a sample of source points with the same ids on the
// target. Counts were taken already.
func (v *verifier) sample(ctx context.Context, parts []partition) error {
	spec := v.opts.Sample
	total := v.report.SourceCount
	var compared uint64
	if spec.Slices > 0 {
		for _, p := range parts {
			if !p.onSource {
				continue
			}
			err := activatedBoth(ctx, v, p, func(ctx context.Context) error {
				n, err := v.slicePartition(ctx, p, spec.Slice, spec.Slices)
				compared += n
				return err
			})
			if err != nil {
				return err
			}
		}
	} else {
		want := uint64(spec.N)
		if spec.Percent > 0 {
			want = uint64(math.Ceil(spec.Percent / 100 * float64(total)))
		}
		rnd := v.newRand()
		shares := apportion(want, parts)
		for i, p := range parts {
			if shares[i] == 0 {
				continue
			}
			err := activatedBoth(ctx, v, p, func(ctx context.Context) error {
				pts, err := v.pick(ctx, p, shares[i], rnd)
				if err != nil {
					return err
				}
				compared += uint64(len(pts))
				return v.lookup(ctx, p, pts)
			})
			if err != nil {
				return err
			}
		}
	}
	v.report.Detection = detection(compared, total)
	if !v.report.CountsMatch {
		v.report.note("sample mode looks source points up on the target; points only on the target show in the counts alone (--mode full lists them)")
	}
	return nil
}

// apportion splits n over the partitions in proportion to their source
// counts (largest remainder), never more than a partition holds.
func apportion(n uint64, parts []partition) []uint64 {
	out := make([]uint64, len(parts))
	var total uint64
	for _, p := range parts {
		total += p.srcN
	}
	if total == 0 {
		return out
	}
	if n >= total {
		for i, p := range parts {
			out[i] = p.srcN
		}
		return out
	}
	type rem struct {
		i int
		f float64
	}
	var rems []rem
	var given uint64
	for i, p := range parts {
		exact := float64(n) * float64(p.srcN) / float64(total)
		out[i] = uint64(exact)
		given += out[i]
		rems = append(rems, rem{i, exact - float64(out[i])})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < n && k < len(rems); k++ {
		if out[rems[k].i] < parts[rems[k].i].srcN {
			out[rems[k].i]++
			given++
		}
	}
	return out
}

// pick returns n distinct source points of a partition, chosen at random.
//
// When n is small against the partition, each point is the first one at or
// after a uniformly random position between the smallest and the largest
// id: one short read per point, no scan. A point is then chosen with a
// probability proportional to the gap before it; for random (v4) UUIDs and
// dense integer ids the gaps are alike, and since damage does not depend on
// gaps, the chance of catching it is still 1-(1-f)^n. When n is a large
// part of the partition, or the source reads only forward (a file dump),
// the ids are scanned and a uniform reservoir is kept.
func (v *verifier) pick(ctx context.Context, p partition, n uint64, rnd *rand.Rand) ([]adapters.Point, error) {
	if n >= p.srcN {
		return v.scanPick(ctx, p, func(adapters.ID) bool { return true })
	}
	if n*4 > p.srcN || sequential(v.src) {
		return v.reservoir(ctx, p, n, rnd)
	}
	b, err := idspace.Find(ctx, v.src, p.name)
	if err != nil || b.Empty() {
		return nil, err
	}
	chosen := map[adapters.ID]bool{}
	var out []adapters.Point
	maxDraws := 4*n + 100
	for draws := uint64(0); uint64(len(out)) < n && draws < maxDraws; {
		// Positions are drawn in sequence from the seed and read in
		// parallel; results are taken in draw order, so a seed repeats.
		batch := min(n-uint64(len(out))+n/8+8, maxDraws-draws)
		pos := make([]adapters.ID, batch)
		for i := range pos {
			pos[i] = b.RandomPosition(rnd)
		}
		draws += batch
		got := make([]*adapters.Point, batch)
		if err := v.parallel(ctx, int(batch), func(ctx context.Context, i int) error {
			page, err := v.src.Read(ctx, adapters.ReadRequest{Partition: p.name, After: idspace.AtLeast(pos[i]), Limit: 1})
			if err == nil && len(page.Points) > 0 {
				got[i] = &page.Points[0]
			}
			return err
		}); err != nil {
			return nil, err
		}
		for _, pt := range got {
			if pt != nil && !chosen[pt.ID] && uint64(len(out)) < n {
				chosen[pt.ID] = true
				out = append(out, *pt)
			}
		}
	}
	if uint64(len(out)) < n {
		v.report.note("partition %q: %d random positions gave %d distinct points of the %d asked for", p.name, maxDraws, len(out), n)
	}
	return out, nil
}

// reservoir scans a partition's ids and keeps a uniform sample of n of
// them (Algorithm R), then reads those points.
func (v *verifier) reservoir(ctx context.Context, p partition, n uint64, rnd *rand.Rand) ([]adapters.Point, error) {
	keep := make([]adapters.ID, 0, n)
	var seen uint64
	err := v.scan(ctx, v.src, p.name, func(pts []adapters.Point) error {
		for _, pt := range pts {
			seen++
			if uint64(len(keep)) < n {
				keep = append(keep, pt.ID)
			} else if j := rnd.Uint64N(seen); j < n {
				keep[j] = pt.ID
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].Less(keep[j]) })
	var out []adapters.Point
	for i := 0; i < len(keep); i += v.opts.PageSize {
		pts, err := v.src.Get(ctx, p.name, keep[i:min(i+v.opts.PageSize, len(keep))])
		if err != nil {
			return nil, err
		}
		out = append(out, pts...)
	}
	return out, nil
}

// scanPick reads a whole partition and returns the points sel accepts.
func (v *verifier) scanPick(ctx context.Context, p partition, sel func(adapters.ID) bool) ([]adapters.Point, error) {
	var out []adapters.Point
	err := v.scan(ctx, v.src, p.name, func(pts []adapters.Point) error {
		for _, pt := range pts {
			if sel(pt.ID) {
				out = append(out, pt)
			}
		}
		return nil
	})
	return out, err
}

// slicePartition compares the points whose id hashes into slice i of n,
// reading the source once and looking each page's selection up on the
// target, so memory holds one page.
func (v *verifier) slicePartition(ctx context.Context, p partition, i, n int) (uint64, error) {
	var compared uint64
	err := v.scan(ctx, v.src, p.name, func(pts []adapters.Point) error {
		var sel []adapters.Point
		for _, pt := range pts {
			if SliceOf(pt.ID, n) == i {
				sel = append(sel, pt)
			}
		}
		compared += uint64(len(sel))
		return v.lookup(ctx, p, sel)
	})
	return compared, err
}

// SliceOf returns the slice (1..n) an id belongs to for --sample i/n: a
// hash of the id's canonical text, so it is the same on every run and
// every engine.
func SliceOf(id adapters.ID, n int) int {
	h := fnv.New64a()
	h.Write([]byte(id.String()))
	x := h.Sum64()
	// splitmix64 finaliser: spread fnv's low bits before the modulo.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int(x%uint64(n)) + 1
}

// scan reads a whole partition in pages.
func (v *verifier) scan(ctx context.Context, s adapters.Source, part string, f func([]adapters.Point) error) error {
	var after *adapters.ID
	for {
		page, err := s.Read(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: v.opts.PageSize})
		if err != nil {
			return err
		}
		if len(page.Points) > 0 {
			id := page.Points[len(page.Points)-1].ID
			after = &id
			if err := f(page.Points); err != nil {
				return err
			}
		}
		if page.Done || len(page.Points) == 0 {
			return nil
		}
	}
}

// lookup fetches the target's points with the ids of pts and compares.
func (v *verifier) lookup(ctx context.Context, p partition, pts []adapters.Point) error {
	sort.Slice(pts, func(i, j int) bool { return pts[i].ID.Less(pts[j].ID) })
	var mu sync.Mutex
	nb := (len(pts) + v.opts.PageSize - 1) / v.opts.PageSize
	return v.parallel(ctx, nb, func(ctx context.Context, b int) error {
		batch := pts[b*v.opts.PageSize : min((b+1)*v.opts.PageSize, len(pts))]
		var got []adapters.Point
		if p.onTarget {
			ids := make([]adapters.ID, len(batch))
			for i := range batch {
				ids[i] = v.mapping.TargetID(batch[i].ID)
			}
			var err error
			if got, err = v.dst.Get(ctx, p.name, ids); err != nil {
				return err
			}
		}
		byID := make(map[adapters.ID]*adapters.Point, len(got))
		for i := range got {
			byID[got[i].ID] = &got[i]
		}
		var buf bytes.Buffer
		for i := range batch {
			v.decide(p.name, &batch[i], byID[v.mapping.TargetID(batch[i].ID)], &buf)
		}
		mu.Lock()
		defer mu.Unlock()
		return v.flushListing(&buf)
	})
}

// parallel runs f(0..n-1) on the workers and returns the first cause of
// a failure: the first error stops the others, and what they get from
// that is dropped.
func (v *verifier) parallel(ctx context.Context, n int, f func(context.Context, int) error) error {
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(v.opts.Workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if fc.Fail(f(ctx, i)) || ctx.Err() != nil {
					return
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := fc.Err(); err != nil {
		return err
	}
	return ctx.Err()
}
