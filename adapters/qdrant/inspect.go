package qdrant

import (
	"context"
	"sort"

	"github.com/vecmig/vecmig/adapters"
)

// Inspect reports the server's version and collections and, when the
// endpoint's collection exists, its definition and exact counts per
// partition. It only reads.
func Inspect(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (*adapters.Info, error) {
	c, err := dial(ctx, ep, cfg)
	if err != nil {
		return nil, err
	}
	defer c.close()
	info := &adapters.Info{Engine: "qdrant", Version: c.version}
	cctx, cancel := c.call(ctx)
	names, err := c.client.ListCollections(cctx)
	cancel()
	if err != nil {
		return nil, c.classify(ctx, err, "list collections")
	}
	sort.Strings(names)
	info.Collections = names
	if !c.layout.plain() {
		return inspectTenants(ctx, &Source{c: c}, info)
	}
	ok, err := c.exists(ctx)
	if err != nil || !ok {
		return info, err
	}
	if info.Definition, _, err = c.describe(ctx); err != nil {
		return nil, err
	}
	info.Counts = map[string]uint64{}
	for _, p := range info.Definition.PartitionNames() {
		if info.Counts[p], err = c.count(ctx, p); err != nil {
			return nil, err
		}
	}
	return info, nil
}

// inspectTenants adds the definition and counts of an endpoint with
// tenants in a payload field or in collections of their own; none when
// nothing matches.
func inspectTenants(ctx context.Context, src *Source, info *adapters.Info) (*adapters.Info, error) {
	def, err := src.Describe(ctx)
	if adapters.KindOf(err) == adapters.KindNotFound {
		return info, nil
	}
	if err != nil {
		return nil, err
	}
	info.Definition, info.Counts = def, map[string]uint64{}
	for _, p := range def.PartitionNames() {
		if info.Counts[p], err = src.Count(ctx, p); err != nil {
			return nil, err
		}
	}
	return info, nil
}
