package adapters

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// Collection is the definition of a Qdrant collection or a Weaviate class.
//
// The neutral fields are what every engine can say about itself; migrate and
// verify reason with them (distance, datatype, partitions). Native holds the
// engine's own definition verbatim, so that a target of the same engine is
// recreated faithfully, field for field, including settings the neutral
// model does not name.
type Collection struct {
	// Engine that produced Native: "qdrant" or "weaviate" (a file dump keeps
	// the engine it was taken from).
	Engine string `json:"engine"`
	Name   string `json:"name"`
	// Vectors by name; DefaultVector ("") for a single unnamed vector.
	Vectors map[string]VectorSpec `json:"vectors"`
	// Partitioned is true for a multi-tenant Weaviate class and for a Qdrant
	// collection with custom shard keys: points then live in exactly one
	// partition, and are read, counted and written per partition.
	Partitioned bool        `json:"partitioned,omitempty"`
	Partitions  []Partition `json:"partitions,omitempty"`
	// Native is the engine's definition as JSON (Weaviate: the raw class
	// schema; Qdrant: see adapters/qdrant).
	Native json.RawMessage `json:"native,omitempty"`
}

// VectorSpec describes one named vector of a collection.
type VectorSpec struct {
	Kind     string   `json:"kind"`               // "dense", "sparse" or "multi"
	Size     int      `json:"size,omitempty"`     // dimensions; 0 when not fixed (sparse, Weaviate)
	Distance Distance `json:"distance,omitempty"` // empty for sparse
	// Datatype is the stored precision: "float32" (default), "float16" or
	// "uint8". Verification widens its tolerance for the lower ones.
	Datatype string `json:"datatype,omitempty"`
	// Normalized is true when the engine stores this vector scaled to unit
	// length (Qdrant with Cosine): what is read back differs from what was
	// written by a positive factor, so verification compares directions.
	Normalized bool `json:"normalized,omitempty"`
}

// Distance is a similarity metric in neutral spelling.
type Distance string

// Distances both engines share (Qdrant: Cosine, Euclid, Dot, Manhattan;
// Weaviate: cosine, l2-squared, dot, manhattan, hamming).
const (
	Cosine    Distance = "cosine"
	Euclid    Distance = "euclid"
	Dot       Distance = "dot"
	Manhattan Distance = "manhattan"
	Hamming   Distance = "hamming"
)

// Partition is a Weaviate tenant or a Qdrant custom shard key.
type Partition struct {
	Name string `json:"name"`
	// Status is the engine's activity status of a tenant (HOT, COLD,
	// FROZEN, ...); empty for shard keys.
	Status string `json:"status,omitempty"`
}

// PartitionNames returns the names of the collection's partitions, sorted.
// A collection that is not partitioned has the single partition "".
func (c *Collection) PartitionNames() []string {
	if !c.Partitioned {
		return []string{""}
	}
	names := make([]string, 0, len(c.Partitions))
	for _, p := range c.Partitions {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// Fingerprint is a short hash of the definition without its partitions'
// statuses (which vecmig changes during a run) and without the name. A
// state file records it so a resumed run is known to copy the same thing.
func (c *Collection) Fingerprint() string {
	cp := *c
	cp.Name = ""
	cp.Partitions = nil
	for _, p := range c.Partitions {
		cp.Partitions = append(cp.Partitions, Partition{Name: p.Name})
	}
	sort.Slice(cp.Partitions, func(i, j int) bool { return cp.Partitions[i].Name < cp.Partitions[j].Name })
	b, _ := json.Marshal(cp)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Clone returns a deep copy of c.
func (c *Collection) Clone() *Collection {
	cp := *c
	if c.Vectors != nil {
		cp.Vectors = make(map[string]VectorSpec, len(c.Vectors))
		for k, v := range c.Vectors {
			cp.Vectors[k] = v
		}
	}
	if c.Partitions != nil {
		cp.Partitions = append([]Partition{}, c.Partitions...)
	}
	if c.Native != nil {
		cp.Native = append(json.RawMessage(nil), c.Native...)
	}
	return &cp
}

// CanonicalJSON re-encodes JSON compactly with object keys sorted and
// without HTML escaping, so that equal documents are equal byte for byte
// (encoders such as protojson are deliberately not byte-stable). Numbers
// keep their text.
func CanonicalJSON(raw []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
