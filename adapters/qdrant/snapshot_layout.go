package qdrant

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path"

	"github.com/vecmig/vecmig/adapters"
)

// shardKeyMapping is the member of a collection snapshot that maps each
// custom shard key to its shard ids (Qdrant 1.18.3):
//
//	[{"key": 7, "shard_ids": [3]}, {"key": "eu", "shard_ids": [1]}]
//
// A collection without custom shard keys has "[]".
const shardKeyMapping = "shard_key_mapping.json"

// ReadSnapshotLayout reads the custom shard keys of the collection snapshot file at
// p; nil when it has none (or no mapping at all, as older snapshots).
func ReadSnapshotLayout(p string) (ShardLayout, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	defer f.Close()
	// tar.Reader seeks past the members it is not asked to read, so this
	// does not read the segments.
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, adapters.Errorf(adapters.KindInvalid, "%s is not a readable Qdrant collection snapshot (tar): %v", p, err)
		}
		if path.Clean(h.Name) != shardKeyMapping {
			continue
		}
		var entries []struct {
			Key      json.RawMessage `json:"key"`
			ShardIDs []uint32        `json:"shard_ids"`
		}
		if err := json.NewDecoder(tr).Decode(&entries); err != nil {
			return nil, adapters.Errorf(adapters.KindInvalid, "%s: %s is not the shard key mapping vecmig knows (Qdrant 1.18): %v", p, shardKeyMapping, err)
		}
		var l ShardLayout
		for _, e := range entries {
			k, err := ParseShardKeyJSON(e.Key)
			if err != nil {
				return nil, adapters.Errorf(adapters.KindInvalid, "%s: %s: %v", p, shardKeyMapping, err)
			}
			l = append(l, KeyShards{Key: k, Shards: e.ShardIDs})
		}
		l.Normalize()
		return l, nil
	}
}
