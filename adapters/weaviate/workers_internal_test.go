package weaviate

import (
	"encoding/json"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// The rule: 4 writers per node holding the class's shards, 4 to 16,
// whatever the number of shards (the server spreads a batch over them).
func TestWritersRule(t *testing.T) {
	for _, tc := range []struct {
		l    layout
		want int
		from string
	}{
		{layout{shards: 1, nodes: 1}, 4, "1 shard on 1 node"},
		{layout{shards: 8, nodes: 1}, 4, "8 shards on 1 node"},
		{layout{shards: 3, nodes: 2}, 8, "3 shards on 2 nodes"},
		{layout{shards: 3, nodes: 3}, 12, "3 shards on 3 nodes"},
		{layout{shards: 6, nodes: 6}, 16, "6 shards on 6 nodes"},
		{layout{shards: 0, nodes: 0, tenant: true}, 4, "0 tenants on 1 node"},
		{layout{shards: 100, nodes: 5, tenant: true}, 16, "100 tenants on 5 nodes"},
	} {
		if got := tc.l.writers(); got != tc.want || tc.l.String() != tc.from {
			t.Errorf("%+v: %d writers from %q, want %d from %q", tc.l, got, tc.l, tc.want, tc.from)
		}
	}
}

// A class to be created gets the definition's shardingConfig, else one
// shard per node, each on replicationConfig.factor nodes.
func TestPlannedLayout(t *testing.T) {
	def := func(native string, tenants int) *adapters.Collection {
		c := &adapters.Collection{Native: json.RawMessage(native)}
		for range tenants {
			c.Partitions = append(c.Partitions, adapters.Partition{Name: "t"})
		}
		return c
	}
	for _, tc := range []struct {
		def   *adapters.Collection
		nodes int
		want  layout
	}{
		{def(`{}`, 0), 1, layout{shards: 1, nodes: 1}},
		{def(`{}`, 0), 3, layout{shards: 3, nodes: 3}},
		{def(`{"shardingConfig":{"desiredCount":1}}`, 0), 3, layout{shards: 1, nodes: 1}},
		{def(`{"shardingConfig":{"desiredCount":2},"replicationConfig":{"factor":3}}`, 5), 5, layout{shards: 2, nodes: 5}},
		{def(`{"shardingConfig":{"desiredCount":4}}`, 0), 2, layout{shards: 4, nodes: 2}},
		{def(`{"multiTenancyConfig":{"enabled":true}}`, 2), 3, layout{shards: 2, nodes: 2, tenant: true}},
		{def(`not json`, 0), 2, layout{shards: 2, nodes: 2}},
		{nil, 2, layout{shards: 2, nodes: 2}},
	} {
		if got := planned(tc.def, tc.nodes); got != tc.want {
			t.Errorf("%v on %d nodes: %+v, want %+v", tc.def, tc.nodes, got, tc.want)
		}
	}
}
