package qdrant

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/qdrant/go-client/qdrant"
)

// KeyShards is one custom shard key and the ids of its shards.
type KeyShards struct {
	Key    *qdrant.ShardKey
	Shards []uint32 // ascending
}

// ShardLayout is which shard ids each custom shard key owns. A collection
// snapshot stores points by shard id, and recovering it fills the shards
// of those ids that the target collection already has: the target needs
// the same layout before the points can land under the right keys.
type ShardLayout []KeyShards

// Normalize sorts the ids of each key and the keys by their first id.
func (l ShardLayout) Normalize() {
	for _, k := range l {
		slices.Sort(k.Shards)
	}
	sort.SliceStable(l, func(i, j int) bool { return first(l[i].Shards) < first(l[j].Shards) })
}

func first(ids []uint32) uint32 {
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// String lists the layout as `"eu" [1], 7 [3 4]`.
func (l ShardLayout) String() string {
	parts := make([]string, 0, len(l))
	for _, k := range l {
		parts = append(parts, fmt.Sprintf("%s %v", shardKeyText(k.Key), k.Shards))
	}
	if len(parts) == 0 {
		return "no shard keys"
	}
	return strings.Join(parts, ", ")
}

// Equal reports whether two normalized layouts are the same.
func (l ShardLayout) Equal(o ShardLayout) bool {
	return slices.EqualFunc(l, o, func(a, b KeyShards) bool {
		return PartitionName(a.Key) == PartitionName(b.Key) && slices.Equal(a.Shards, b.Shards)
	})
}

// shardKeyText is a key as Qdrant's JSON writes it: "eu" or 7.
func shardKeyText(k *qdrant.ShardKey) string {
	if _, ok := k.GetKey().(*qdrant.ShardKey_Number); ok {
		return strconv.FormatUint(k.GetNumber(), 10)
	}
	return strconv.Quote(k.GetKeyword())
}

// ShardKeyJSON is a key as Qdrant's REST API takes it.
func ShardKeyJSON(k *qdrant.ShardKey) any {
	if _, ok := k.GetKey().(*qdrant.ShardKey_Number); ok {
		return k.GetNumber()
	}
	return k.GetKeyword()
}

// ParseShardKeyJSON reads a key as Qdrant's REST API writes it.
func ParseShardKeyJSON(raw json.RawMessage) (*qdrant.ShardKey, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return qdrant.NewShardKeyKeyword(s), nil
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("shard key %s is neither a string nor an unsigned integer", raw)
	}
	return qdrant.NewShardKeyNum(n), nil
}

// ShardLayout reads coll's shard keys and their shard ids from
// GET /collections/{c}/cluster (local and remote shards alike). Shards
// without a key (auto sharding) are left out.
func (s *Snapshots) ShardLayout(ctx context.Context, coll string) (ShardLayout, error) {
	type shard struct {
		ID  uint32          `json:"shard_id"`
		Key json.RawMessage `json:"shard_key"`
	}
	var r struct {
		Local  []shard `json:"local_shards"`
		Remote []shard `json:"remote_shards"`
	}
	if err := s.call(ctx, http.MethodGet, "/collections/"+url.PathEscape(coll)+"/cluster", nil, &r, coll, "read the shard layout"); err != nil {
		return nil, err
	}
	byKey := map[string]int{}
	var out ShardLayout
	for _, sh := range append(r.Local, r.Remote...) {
		if len(sh.Key) == 0 || string(sh.Key) == "null" {
			continue
		}
		k, err := ParseShardKeyJSON(sh.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: read the shard layout: %w", s.Prefix(coll), err)
		}
		name := PartitionName(k)
		i, ok := byKey[name]
		if !ok {
			i = len(out)
			byKey[name] = i
			out = append(out, KeyShards{Key: k})
		}
		if !slices.Contains(out[i].Shards, sh.ID) {
			out[i].Shards = append(out[i].Shards, sh.ID)
		}
	}
	out.Normalize()
	return out, nil
}

// CreateShardKey creates key on coll with shards shards of its own.
func (s *Snapshots) CreateShardKey(ctx context.Context, coll string, key *qdrant.ShardKey, shards int) error {
	body := map[string]any{"shard_key": ShardKeyJSON(key), "shards_number": shards}
	return s.call(ctx, http.MethodPut, "/collections/"+url.PathEscape(coll)+"/shards", body, nil, coll, "create shard key "+shardKeyText(key))
}

// DeleteShardKey deletes key and its shards from coll.
func (s *Snapshots) DeleteShardKey(ctx context.Context, coll string, key *qdrant.ShardKey) error {
	body := map[string]any{"shard_key": ShardKeyJSON(key)}
	return s.call(ctx, http.MethodPost, "/collections/"+url.PathEscape(coll)+"/shards/delete", body, nil, coll, "delete shard key "+shardKeyText(key))
}

// DeleteCollection deletes coll (and the aliases that point at it).
func (s *Snapshots) DeleteCollection(ctx context.Context, coll string) error {
	return s.call(ctx, http.MethodDelete, "/collections/"+url.PathEscape(coll), nil, nil, coll, "delete the collection")
}
