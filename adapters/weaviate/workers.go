package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// The number of writers a Weaviate target suggests. Unlike Qdrant, where a
// client stream per shard pays, Weaviate's batch endpoint already splits
// one request over the class's shards on the server (the node taking it
// forwards each object to its shard's node), so what a writer keeps busy
// is a node, not a shard. On the 2-core one-node test machine 4
// concurrent writers were best (1 was slower, 8 no faster), so: 4 per
// node holding the class's shards, at most 16, beyond which the client,
// not the target, limits a copy.
const (
	writersPerNode = 4
	maxWriters     = 16
	// layoutTimeout bounds the one try to read the layout: the suggestion
	// is not worth a wait.
	layoutTimeout = 5 * time.Second
)

// layout is where a class's shards are (or will be).
type layout struct {
	shards int
	nodes  int  // nodes holding at least one of the shards
	tenant bool // multi-tenant: one shard per tenant
}

// writers is the rule above: 4 per node holding the class, 4 to 16.
func (l layout) writers() int {
	return min(max(writersPerNode*l.nodes, writersPerNode), maxWriters)
}

func (l layout) String() string {
	what := "shard"
	if l.tenant {
		what = "tenant"
	}
	return fmt.Sprintf("%s on %s", plural(l.shards, what), plural(max(l.nodes, 1), "node"))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// layout reads the layout of the class written into: the class's own
// when it exists and is kept, else the one def will be created with on
// this cluster. One short try; false when it cannot be read.
func (s *Sink) layout(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) (layout, bool) {
	ctx, cancel := context.WithTimeout(ctx, layoutTimeout)
	defer cancel()
	_, err := s.c.getClass(ctx)
	switch {
	case err == nil && onExists != adapters.ExistsRecreate:
		return s.c.classLayout(ctx)
	case err != nil && adapters.KindOf(err) != adapters.KindNotFound:
		return layout{}, false
	}
	var nodes nodesStatus
	if _, err := s.c.rest(ctx, http.MethodGet, "/v1/nodes", nil, &nodes); err != nil || len(nodes.Nodes) == 0 {
		return layout{}, false
	}
	return planned(def, len(nodes.Nodes)), true
}

// nodesStatus is GET /v1/nodes[/{class}]?output=verbose.
type nodesStatus struct {
	Nodes []struct {
		Name   string `json:"name"`
		Shards []struct {
			Name  string `json:"name"`
			Class string `json:"class"`
		} `json:"shards"`
	} `json:"nodes"`
}

// classLayout counts the shards of the existing class (a replica counted
// once) and the nodes holding them.
func (c *conn) classLayout(ctx context.Context) (layout, bool) {
	var st nodesStatus
	if _, err := c.rest(ctx, http.MethodGet, "/v1/nodes/"+url.PathEscape(c.class)+"?output=verbose", nil, &st); err != nil {
		return layout{}, false
	}
	l := layout{}
	shards := map[string]bool{}
	for _, n := range st.Nodes {
		held := false
		for _, sh := range n.Shards {
			if sh.Class == c.class {
				shards[sh.Name], held = true, true
			}
		}
		if held {
			l.nodes++
		}
	}
	l.shards = len(shards)
	if l.shards == 0 {
		return layout{}, false // a multi-tenant class with no active tenant
	}
	if cl, err := c.getClass(ctx); err == nil {
		l.tenant = cl.s.MultiTenancyConfig.Enabled
	}
	return l, true
}

// createdSchema is what of a class definition decides its layout.
type createdSchema struct {
	Sharding *struct {
		DesiredCount int `json:"desiredCount"`
	} `json:"shardingConfig"`
	Replication *struct {
		Factor int `json:"factor"`
	} `json:"replicationConfig"`
	MultiTenancy struct {
		Enabled bool `json:"enabled"`
	} `json:"multiTenancyConfig"`
}

// planned is the layout def will be created with on a cluster of n nodes:
// shardingConfig.desiredCount shards (Weaviate's default: one per node),
// each on replicationConfig.factor nodes; a multi-tenant class has a
// shard per tenant, spread over the nodes.
func planned(def *adapters.Collection, n int) layout {
	var cs createdSchema
	if def != nil && len(def.Native) > 0 {
		_ = json.Unmarshal(def.Native, &cs) // unreadable: Weaviate's defaults
	}
	if cs.MultiTenancy.Enabled {
		var tenants int
		if def != nil {
			tenants = len(def.Partitions)
		}
		return layout{shards: tenants, nodes: min(max(tenants, 1), n), tenant: true}
	}
	shards, factor := n, 1
	if cs.Sharding != nil && cs.Sharding.DesiredCount > 0 {
		shards = cs.Sharding.DesiredCount
	}
	if cs.Replication != nil && cs.Replication.Factor > 1 {
		factor = cs.Replication.Factor
	}
	return layout{shards: shards, nodes: min(shards*factor, n)}
}
