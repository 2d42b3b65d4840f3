package verify

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

// indexSettings describes a vector's approximate index from the
// definition's Native, for the recall warning: Qdrant's hnsw_config
// (collection-wide, overridden per vector) and optimizer indexing
// threshold; Weaviate's vectorIndexConfig.
func indexSettings(def *adapters.Collection, vector string) string {
	if def == nil || len(def.Native) == 0 {
		return "not known"
	}
	var s string
	var err error
	switch def.Engine {
	case "qdrant":
		s, err = qdrantIndex(def.Native, vector)
	case "weaviate":
		s, err = weaviateIndex(def.Native, vector)
	default:
		return "not known (" + def.Engine + ")"
	}
	if err != nil {
		return fmt.Sprintf("not readable (%v)", err)
	}
	return s
}

// qdrantIndex reads Qdrant's Native document (protojson field names).
func qdrantIndex(raw json.RawMessage, vector string) (string, error) {
	type hnsw map[string]any
	var doc struct {
		Config struct {
			HNSW   hnsw `json:"hnsw_config"`
			Params struct {
				Vectors struct {
					Params *struct {
						HNSW hnsw `json:"hnsw_config"`
					} `json:"params"`
					Map *struct {
						Map map[string]struct {
							HNSW hnsw `json:"hnsw_config"`
						} `json:"map"`
					} `json:"params_map"`
				} `json:"vectors_config"`
			} `json:"params"`
			Optimizer map[string]any `json:"optimizer_config"`
		} `json:"config"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	h := map[string]any{}
	for k, v := range doc.Config.HNSW {
		h[k] = v
	}
	var own hnsw
	if p := doc.Config.Params.Vectors.Params; p != nil && vector == adapters.DefaultVector {
		own = p.HNSW
	} else if m := doc.Config.Params.Vectors.Map; m != nil {
		own = m.Map[vector].HNSW
	}
	for k, v := range own {
		h[k] = v
	}
	s := "qdrant hnsw " + settings(h, "m", "ef_construct", "full_scan_threshold")
	if t, ok := doc.Config.Optimizer["indexing_threshold"]; ok {
		s += fmt.Sprintf(", indexing_threshold=%v KB", t)
	}
	return s, nil
}

// weaviateIndex reads a Weaviate class schema.
func weaviateIndex(raw json.RawMessage, vector string) (string, error) {
	type index struct {
		Type   string         `json:"vectorIndexType"`
		Config map[string]any `json:"vectorIndexConfig"`
	}
	var doc struct {
		index
		VectorConfig map[string]index `json:"vectorConfig"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	ix := doc.index
	if nv, ok := doc.VectorConfig[vector]; ok {
		ix = nv
	}
	if ix.Type == "" {
		ix.Type = "hnsw"
	}
	return "weaviate " + ix.Type + " " + settings(ix.Config, "maxConnections", "efConstruction", "ef", "dynamicEfMin"), nil
}

// settings prints the named keys of m that are set, in order.
func settings(m map[string]any, keys ...string) string {
	var parts []string
	for _, k := range keys {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	if len(parts) == 0 {
		return "(defaults)"
	}
	return strings.Join(parts, " ")
}
