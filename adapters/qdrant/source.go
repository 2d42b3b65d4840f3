package qdrant

import (
	"context"
	"fmt"
	"sort"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/proto"

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

// Describe returns the definition with shard keys as partitions.
func (s *Source) Describe(ctx context.Context) (*adapters.Collection, error) {
	def, _, err := s.c.describe(ctx)
	return def, err
}

// Count returns the exact number of points in a partition.
func (s *Source) Count(ctx context.Context, partition string) (uint64, error) {
	return s.c.count(ctx, partition)
}

// Read returns the page after req.After. Qdrant's scroll offset is
// inclusive, so the page starts at After and After itself is dropped; one
// extra point is asked for to keep the page at req.Limit points.
func (s *Source) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	limit := req.Limit
	if limit <= 0 {
		limit = defaultPageSize
	}
	sel, err := s.c.selector(req.Partition)
	if err != nil {
		return adapters.Page{}, err
	}
	scroll := &qdrant.ScrollPoints{
		CollectionName:   s.c.coll,
		Limit:            ptr(uint32(limit)),
		WithVectors:      allVectors,
		WithPayload:      allPayload,
		ShardKeySelector: sel,
	}
	if req.After != nil {
		scroll.Offset = pointID(*req.After)
		scroll.Limit = ptr(uint32(limit + 1))
	}
	page, err := s.scroll(ctx, scroll, req)
	if err != nil {
		return adapters.Page{}, err
	}
	if req.After != nil && len(page.Points) > 0 && page.Points[0].ID == *req.After {
		page.Points = page.Points[1:]
	}
	if len(page.Points) > limit {
		page.Points = page.Points[:limit]
		page.Done = false
	}
	return page, nil
}

// scroll runs one scroll: natively (the points' own bytes, see passthrough.go)
// when asked and possible, else decoded into neutral points.
func (s *Source) scroll(ctx context.Context, scroll *qdrant.ScrollPoints, req adapters.ReadRequest) (adapters.Page, error) {
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	var res []*qdrant.RetrievedPoint
	var next *qdrant.PointId
	if req.Native {
		raw, err := s.c.scrollRaw(cctx, scroll)
		if err != nil {
			return adapters.Page{}, s.c.readError(ctx, err, "scroll", req.Partition)
		}
		pts, hasNext, ok, err := parseScroll(raw)
		if err != nil {
			return adapters.Page{}, fmt.Errorf("%s: %s: the server's answer cannot be read: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
		}
		if ok {
			return adapters.Page{Points: pts, Done: !hasNext}, nil
		}
		// A field the pass-through does not know: decode as usual.
		var resp qdrant.ScrollResponse
		if err := proto.Unmarshal(raw, &resp); err != nil {
			return adapters.Page{}, fmt.Errorf("%s: %s: the server's answer cannot be read: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
		}
		res, next = resp.GetResult(), resp.GetNextPageOffset()
	} else {
		var err error
		if res, next, err = s.c.client.ScrollAndOffset(cctx, scroll); err != nil {
			return adapters.Page{}, s.c.readError(ctx, err, "scroll", req.Partition)
		}
	}
	page := adapters.Page{Done: next == nil, Points: make([]adapters.Point, len(res))}
	for i, rp := range res {
		var err error
		if page.Points[i], err = neutralPoint(rp); err != nil {
			return adapters.Page{}, fmt.Errorf("%s: %s: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
		}
	}
	return page, nil
}

// Get returns the points with these ids that exist, in ID order.
func (s *Source) Get(ctx context.Context, partition string, ids []adapters.ID) ([]adapters.Point, error) {
	if len(ids) == 0 {
		return nil, nil
	}
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
