package weaviate

import (
	"context"
	"net/http"
	"sort"

	"github.com/vecmig/vecmig/adapters"
)

// inspect reports the server version, its classes and, when the endpoint
// names a class, its definition and exact counts per tenant.
func inspect(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (*adapters.Info, error) {
	c, err := open(ctx, ep, cfg)
	if err != nil {
		return nil, err
	}
	defer c.close()
	info := &adapters.Info{Engine: Scheme, Version: c.version}
	var schema struct {
		Classes []struct {
			Class string `json:"class"`
		} `json:"classes"`
	}
	if _, err := c.rest(ctx, http.MethodGet, "/v1/schema", nil, &schema); err != nil {
		return nil, err
	}
	for _, cl := range schema.Classes {
		info.Collections = append(info.Collections, cl.Class)
	}
	sort.Strings(info.Collections)
	if c.class == "" {
		return info, nil
	}
	def, _, err := c.describe(ctx)
	if err != nil {
		return nil, err
	}
	info.Definition = def
	info.Counts = map[string]uint64{}
	for _, part := range def.PartitionNames() {
		if def.Partitioned {
			st := ""
			for _, p := range def.Partitions {
				if p.Name == part {
					st = p.Status
				}
			}
			if !isActive(st) {
				continue // counting would need activating it: inspect changes nothing
			}
		}
		n, err := c.count(ctx, part)
		if err != nil {
			return nil, err
		}
		info.Counts[part] = n
	}
	return info, nil
}
