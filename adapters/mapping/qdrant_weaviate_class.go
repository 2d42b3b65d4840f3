package mapping

import (
	"encoding/json"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// The Weaviate class a Qdrant collection becomes, as posted to /v1/schema
// (and as GET /v1/schema/{class} gives it back: descriptions included,
// seen on Weaviate 1.35.2).

type qwClass struct {
	Class              string                   `json:"class"`
	Description        string                   `json:"description,omitempty"`
	Vectorizer         string                   `json:"vectorizer,omitempty"`
	VectorIndexType    string                   `json:"vectorIndexType,omitempty"`
	VectorIndexConfig  map[string]any           `json:"vectorIndexConfig,omitempty"`
	VectorConfig       map[string]qwNamedVector `json:"vectorConfig,omitempty"`
	Properties         []*qwProp                `json:"properties"`
	MultiTenancyConfig *qwMultiTenancy          `json:"multiTenancyConfig,omitempty"`
}

type qwNamedVector struct {
	Vectorizer        map[string]any `json:"vectorizer"`
	VectorIndexType   string         `json:"vectorIndexType"`
	VectorIndexConfig map[string]any `json:"vectorIndexConfig,omitempty"`
}

type qwMultiTenancy struct {
	Enabled            bool `json:"enabled"`
	AutoTenantCreation bool `json:"autoTenantCreation"`
}

type qwProp struct {
	Name              string    `json:"name"`
	DataType          []string  `json:"dataType"`
	Description       string    `json:"description,omitempty"`
	IndexFilterable   *bool     `json:"indexFilterable,omitempty"`
	IndexSearchable   *bool     `json:"indexSearchable,omitempty"`
	IndexRangeFilters *bool     `json:"indexRangeFilters,omitempty"`
	Tokenization      string    `json:"tokenization,omitempty"`
	NestedProperties  []*qwProp `json:"nestedProperties,omitempty"`
}

// hasClassVector reports whether the class has a class-level vector, the
// way adapters/weaviate decides it.
func (c *qwClass) hasClassVector() bool {
	return c.VectorIndexType != "" || (len(c.VectorConfig) == 0 && c.VectorIndexConfig != nil)
}

// dataType is the property's data type ("" when it has none).
func (p *qwProp) dataType() string {
	if len(p.DataType) == 0 {
		return ""
	}
	return p.DataType[0]
}

// key is the payload key the property holds: the one its description
// records, else its name.
func (p *qwProp) key() string {
	if k, ok := KeyFromDescription(p.Description); ok {
		return k
	}
	return p.Name
}

// canonicalClass encodes a class with sorted keys and no spaces, the form
// adapters/weaviate gives a class's Native.
func canonicalClass(c *qwClass) (json.RawMessage, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode weaviate class %q: %w", c.Class, err)
	}
	return adapters.CanonicalJSON(raw)
}

// parseQWClass reads a Weaviate class's Native.
func parseQWClass(native json.RawMessage) (*qwClass, error) {
	if len(native) == 0 {
		return nil, fmt.Errorf("the weaviate definition carries no class schema")
	}
	var c qwClass
	if err := json.Unmarshal(native, &c); err != nil {
		return nil, fmt.Errorf("the weaviate class schema is not readable: %w", err)
	}
	return &c, nil
}

func boolPtr(b bool) *bool { return &b }
