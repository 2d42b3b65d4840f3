package qdranttest

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// pointKey is a point id in Qdrant's scroll order: every integer id
// (ascending) sorts before every UUID (by its 16 bytes).
type pointKey struct {
	isUUID bool
	num    uint64
	uuid   [16]byte
}

func (k pointKey) less(o pointKey) bool { return k.compare(o) < 0 }

func (k pointKey) compare(o pointKey) int {
	if k.isUUID != o.isUUID {
		if !k.isUUID {
			return -1
		}
		return 1
	}
	if !k.isUUID {
		switch {
		case k.num < o.num:
			return -1
		case k.num > o.num:
			return 1
		}
		return 0
	}
	return bytes.Compare(k.uuid[:], o.uuid[:])
}

func (k pointKey) proto() *qdrant.PointId {
	if !k.isUUID {
		return qdrant.NewIDNum(k.num)
	}
	return qdrant.NewIDUUID(formatUUID(k.uuid))
}

func (k pointKey) String() string {
	if !k.isUUID {
		return fmt.Sprint(k.num)
	}
	return formatUUID(k.uuid)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// parseUUID accepts the forms Qdrant accepts (hyphenated, simple hex, urn:uuid:, braced).
func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	t := strings.TrimPrefix(strings.ToLower(s), "urn:uuid:")
	t = strings.TrimSuffix(strings.TrimPrefix(t, "{"), "}")
	if len(t) == 36 {
		if t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
			return u, false
		}
		t = t[0:8] + t[9:13] + t[14:18] + t[19:23] + t[24:]
	}
	if len(t) != 32 {
		return u, false
	}
	if _, err := hex.Decode(u[:], []byte(t)); err != nil {
		return u, false
	}
	return u, true
}

func keyOf(id *qdrant.PointId) (pointKey, error) {
	switch o := id.GetPointIdOptions().(type) {
	case *qdrant.PointId_Num:
		return pointKey{num: o.Num}, nil
	case *qdrant.PointId_Uuid:
		u, ok := parseUUID(o.Uuid)
		if !ok {
			return pointKey{}, status.Errorf(codes.InvalidArgument,
				"Unable to parse UUID: %s", o.Uuid)
		}
		return pointKey{isUUID: true, uuid: u}, nil
	}
	return pointKey{}, status.Error(codes.InvalidArgument, "Validation error in JSON body: point id is empty")
}

// storedVector is one named vector of a point as the server keeps it
// (after normalisation and datatype rounding).
type storedVector struct {
	dense     []float32
	sparseIdx []uint32
	sparseVal []float32
	multi     [][]float32
}

type storedPoint struct {
	payload  map[string]*qdrant.Value // replaced, never mutated in place
	vectors  map[string]storedVector  // replaced, never mutated in place
	shardKey *qdrant.ShardKey
}

type fieldIndex struct {
	typ    qdrant.PayloadSchemaType
	params *qdrant.PayloadIndexParams
}

// collection keeps its points in a map plus a key slice kept in scroll
// order. Ascending inserts append; anything else marks the slice unsorted,
// and the next reader sorts it once.
type collection struct {
	mu     sync.RWMutex
	name   string
	config *qdrant.CollectionConfig
	schema map[string]fieldIndex
	shards []*qdrant.ShardKey

	points map[pointKey]*storedPoint
	keys   []pointKey
	dirty  bool // keys unsorted or holds deleted keys
}

func newCollection(name string, cfg *qdrant.CollectionConfig) *collection {
	return &collection{
		name:   name,
		config: cfg,
		schema: map[string]fieldIndex{},
		points: map[pointKey]*storedPoint{},
	}
}

// put stores p under k; the caller holds the write lock.
func (c *collection) put(k pointKey, p *storedPoint) {
	if _, ok := c.points[k]; !ok {
		if n := len(c.keys); n > 0 && !c.keys[n-1].less(k) {
			c.dirty = true
		}
		c.keys = append(c.keys, k)
	}
	c.points[k] = p
}

// remove deletes k; the caller holds the write lock.
func (c *collection) remove(k pointKey) bool {
	if _, ok := c.points[k]; !ok {
		return false
	}
	delete(c.points, k)
	if n := len(c.keys); n > 0 && c.keys[n-1] == k {
		c.keys = c.keys[:n-1]
	} else {
		c.dirty = true
	}
	return true
}

// rlock takes the read lock with the key slice in order.
func (c *collection) rlock() {
	c.mu.RLock()
	if !c.dirty {
		return
	}
	c.mu.RUnlock()
	c.mu.Lock()
	if c.dirty {
		keys := c.keys[:0]
		for _, k := range c.keys {
			if _, ok := c.points[k]; ok {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, pointKey.compare)
		keys = slices.CompactFunc(keys, func(a, b pointKey) bool { return a == b })
		c.keys = keys
		c.dirty = false
	}
	c.mu.Unlock()
	c.mu.RLock()
	// A writer may have slipped in between; loop until consistent.
	if c.dirty {
		c.mu.RUnlock()
		c.rlock()
	}
}

// seek returns the index of the first key >= k; the caller holds rlock.
func (c *collection) seek(k pointKey) int {
	i, _ := slices.BinarySearchFunc(c.keys, k, pointKey.compare)
	return i
}

func (c *collection) isCustomSharded() bool {
	return c.config.GetParams().GetShardingMethod() == qdrant.ShardingMethod_Custom
}

func shardKeyString(k *qdrant.ShardKey) string {
	switch o := k.GetKey().(type) {
	case *qdrant.ShardKey_Keyword:
		return "k:" + o.Keyword
	case *qdrant.ShardKey_Number:
		return fmt.Sprintf("n:%d", o.Number)
	}
	return ""
}

func shardKeyDisplay(k *qdrant.ShardKey) string {
	switch o := k.GetKey().(type) {
	case *qdrant.ShardKey_Keyword:
		return fmt.Sprintf("%q", o.Keyword)
	case *qdrant.ShardKey_Number:
		return fmt.Sprint(o.Number)
	}
	return "<empty>"
}

func (c *collection) hasShardKey(k *qdrant.ShardKey) bool {
	s := shardKeyString(k)
	for _, have := range c.shards {
		if shardKeyString(have) == s {
			return true
		}
	}
	return false
}
