package qdrant

import (
	"context"
	"fmt"
	"sort"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// defaultPageSize is used when a ReadRequest gives no limit.
const defaultPageSize = 256

// Source reads one Qdrant collection. It has no method that writes.
type Source struct {
	c *conn
}

var _ adapters.Source = (*Source)(nil)

// Selectors shared by every read; the messages are never modified.
var (
	allVectors = &qdrant.WithVectorsSelector{SelectorOptions: &qdrant.WithVectorsSelector_Enable{Enable: true}}
	allPayload = &qdrant.WithPayloadSelector{SelectorOptions: &qdrant.WithPayloadSelector_Enable{Enable: true}}
)

// OpenSource connects to the collection's server for reading. A missing
// collection is reported by Describe, Count and Read (KindNotFound).
func OpenSource(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (*Source, error) {
	c, err := dial(ctx, ep, cfg)
	if err != nil {
		return nil, err
	}
	return &Source{c: c}, nil
}

// Describe returns the definition with the endpoint's tenants (shard
// keys, values of the tenant field, or collections) as partitions.
func (s *Source) Describe(ctx context.Context) (*adapters.Collection, error) {
	switch {
	case s.c.layout.field != "":
		return s.c.describeByField(ctx)
	case s.c.layout.perColl:
		return s.c.describeCollections(ctx)
	}
	def, _, err := s.c.describe(ctx)
	return def, err
}

// Count returns the exact number of points in a partition.
func (s *Source) Count(ctx context.Context, partition string) (uint64, error) {
	if s.c.layout.perColl {
		c, err := s.c.tenantView(partition)
		if err != nil {
			return 0, err
		}
		return c.count(ctx, "")
	}
	return s.c.count(ctx, partition)
}

// tenant returns the Source of a partition's own collection and the
// partition to name in it, where each tenant has one; s and partition
// otherwise.
func (s *Source) tenant(partition string) (*Source, string, error) {
	if !s.c.layout.perColl {
		return s, partition, s.c.needPartition(partition)
	}
	c, err := s.c.tenantView(partition)
	if err != nil {
		return nil, "", err
	}
	return &Source{c: c}, "", nil
}

// Read returns the page after req.After.
func (s *Source) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	src, part, err := s.tenant(req.Partition)
	if err != nil {
		return adapters.Page{}, err
	}
	req.Partition = part
	return src.read(ctx, req)
}

func (s *Source) read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	scroll, limit, err := s.scrollRequest(req)
	if err != nil {
		return adapters.Page{}, err
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	raw, err := s.c.scrollRaw(cctx, scroll)
	if err != nil {
		return adapters.Page{}, s.c.readError(ctx, err, "scroll", req.Partition)
	}
	pts, last, err := decodeScroll(raw) // wireread.go
	if err != nil {
		return adapters.Page{}, fmt.Errorf("%s: %s: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
	}
	return s.pageOf(pts, last, req, limit), nil
}

// scrollRequest asks for the page after req.After. Qdrant's scroll offset
// is inclusive, so the page starts at After, which window drops; one extra
// point is asked for to keep the page at the limit returned.
func (s *Source) scrollRequest(req adapters.ReadRequest) (*qdrant.ScrollPoints, int, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = defaultPageSize
	}
	sel, err := s.c.selector(req.Partition)
	if err != nil {
		return nil, 0, err
	}
	scroll := &qdrant.ScrollPoints{
		CollectionName:   s.c.coll,
		Limit:            ptr(uint32(limit)),
		WithVectors:      allVectors,
		WithPayload:      allPayload,
		ShardKeySelector: sel,
		Filter:           s.c.tenantFilter(req.Partition),
	}
	if req.PayloadOnly {
		scroll.WithVectors = qdrant.NewWithVectors(false)
	}
	if req.After != nil {
		scroll.Offset = pointID(*req.After)
		scroll.Limit = ptr(uint32(limit + 1))
	}
	return scroll, limit, nil
}

// page decodes a scroll answer into the page Read returns.
func (s *Source) page(res []*qdrant.RetrievedPoint, last bool, req adapters.ReadRequest, limit int) (adapters.Page, error) {
	pts := make([]adapters.Point, len(res))
	for i, rp := range res {
		var err error
		if pts[i], err = neutralPoint(rp); err != nil {
			return adapters.Page{}, fmt.Errorf("%s: %s: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
		}
	}
	return s.pageOf(pts, last, req, limit), nil
}

// pageOf makes the page out of a scroll's points.
func (s *Source) pageOf(pts []adapters.Point, last bool, req adapters.ReadRequest, limit int) adapters.Page {
	s.c.stripTenant(pts)
	skip := req.After != nil && len(pts) > 0 && pts[0].ID == *req.After
	i, j, done := window(len(pts), skip, limit, last)
	return adapters.Page{Points: pts[i:j], Done: done}
}

// window returns which of the n points of a scroll answer make the page:
// without the first when it is the After point (skip), and at most limit;
// done is then false when some were cut.
func window(n int, skip bool, limit int, last bool) (i, j int, done bool) {
	if skip {
		i = 1
	}
	j, done = n, last
	if j-i > limit {
		j, done = i+limit, false
	}
	return i, j, done
}

// Get returns the points with these ids that exist, in ID order.
func (s *Source) Get(ctx context.Context, partition string, ids []adapters.ID) ([]adapters.Point, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	src, part, err := s.tenant(partition)
	if err != nil {
		return nil, err
	}
	return src.get(ctx, part, ids)
}

func (s *Source) get(ctx context.Context, partition string, ids []adapters.ID) ([]adapters.Point, error) {
	sel, err := s.c.selector(partition)
	if err != nil {
		return nil, err
	}
	req := &qdrant.GetPoints{
		CollectionName:   s.c.coll,
		Ids:              make([]*qdrant.PointId, len(ids)),
		WithVectors:      allVectors,
		WithPayload:      allPayload,
		ShardKeySelector: sel,
	}
	for i, id := range ids {
		req.Ids[i] = pointID(id)
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	res, err := s.c.client.Get(cctx, req)
	if err != nil {
		return nil, s.c.readError(ctx, err, "get points", partition)
	}
	out := make([]adapters.Point, 0, len(res))
	for _, rp := range res {
		p, err := neutralPoint(rp)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.c.prefix, partitionWhat("get points", partition), err)
		}
		out = append(out, p)
	}
	// Get takes no filter: a tenant field's points are picked here.
	out = s.c.ofTenant(out, partition)
	s.c.stripTenant(out)
	sort.Slice(out, func(i, j int) bool { return out[i].ID.Less(out[j].ID) })
	return out, nil
}

// readError reports a missing collection as such, anything else by code.
func (c *conn) readError(ctx context.Context, err error, verb, partition string) error {
	if adapters.KindOf(c.classify(ctx, err, "")) == adapters.KindNotFound {
		if ok, e := c.exists(ctx); e == nil && !ok {
			return c.notFound()
		}
	}
	return c.classify(ctx, err, partitionWhat(verb, partition))
}

// Endpoint names the source, without secrets.
func (s *Source) Endpoint() string { return s.c.ep }

// Version is the server's version, as HealthCheck reported it.
func (s *Source) Version() string { return s.c.version }

// Close closes the connections.
func (s *Source) Close() error { return s.c.close() }
