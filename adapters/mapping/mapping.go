// Package mapping translates collections and points between engines: the
// one place where a Qdrant collection becomes a Weaviate class and back.
// migrate writes through a Mapping, verify compares through the same one,
// and the plan prints its Report, so the three cannot disagree.
//
// Between two endpoints of the same engine (or into a file dump) the
// mapping is the identity. Across engines every rule is in this package:
// ids (ids.go), property and vector names (names.go), data types and
// values (qdrant_weaviate.go, weaviate_qdrant.go), tenants and shard keys,
// and definitions.
//
// A mapping is a function of the two definitions only (For): whatever the
// translation chose (renames, types, drops) is written into the target's
// definition, so verify, a resumed run and a round trip back recover it
// from the target without a side file.
package mapping

import (
	"context"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// Engines vecmig translates between.
const (
	Qdrant   = "qdrant"
	Weaviate = "weaviate"
)

// Mapping says how a source point appears on the target.
type Mapping interface {
	// TargetID is the id the source's point id has on the target.
	TargetID(id adapters.ID) adapters.ID
	// ToTarget returns p as the target holds it (p is not modified). An
	// error names what cannot be translated (an id that collides with the
	// integer-id rule, a value the target type cannot hold).
	ToTarget(p adapters.Point) (adapters.Point, error)
	// OrderPreserving reports whether TargetID keeps the id order, so that
	// both sides can be merged as two sorted streams.
	OrderPreserving() bool
	// Identity is true when points are copied unchanged (same engine).
	Identity() bool
	// Source is the source's definition with its vectors named as on the
	// target (what verify's tolerances are looked up by).
	Source() *adapters.Collection
}

// Options are the user's choices for a cross-engine translation.
type Options struct {
	// DropVectors names source vectors to leave out (--drop-vector). A
	// sparse vector has no Weaviate counterpart and must be named here.
	DropVectors []string `json:"drop_vectors,omitempty"`
	// Coerce gives a source payload key the target data type
	// (--coerce FIELD=TYPE, TYPE a Weaviate data type: text, int, number,
	// boolean, date, uuid, and their arrays with "[]").
	Coerce map[string]string `json:"coerce,omitempty"`
	// DropReferences leaves Weaviate cross-reference properties out
	// (--drop-references) instead of refusing the class.
	DropReferences bool `json:"drop_references,omitempty"`
	// TenantsAs is how a multi-tenant Weaviate class is laid out in Qdrant
	// (--tenants-as): TenantsPayload (the default), TenantsShardKey or
	// TenantsCollections. The Qdrant endpoint carries the layout too (see
	// adapters/qdrant: ?tenant_field= and {tenant} in the name).
	TenantsAs string `json:"tenants_as,omitempty"`
	// TenantField is the payload field holding the tenant under
	// TenantsPayload (default "tenant").
	TenantField string `json:"tenant_field,omitempty"`
}

// The --tenants-as choices.
const (
	TenantsPayload     = "payload"
	TenantsShardKey    = "shard-key"
	TenantsCollections = "collections"
)

// DefaultTenantField is the payload field of TenantsPayload.
const DefaultTenantField = "tenant"

// Report is the translation as the plan, the summary and the report print
// it: everything chosen, renamed, dropped or not carried over.
type Report struct {
	From string `json:"from"` // source engine
	To   string `json:"to"`   // target engine
	// IDs states the id rule, "" when ids pass unchanged.
	IDs        string   `json:"ids,omitempty"`
	Vectors    []string `json:"vectors,omitempty"` // "name -> name: dense 128-d cosine -> cosine"
	Renames    []Rename `json:"renames,omitempty"` // property and vector names changed
	Types      []Field  `json:"types,omitempty"`   // payload field -> target type
	Dropped    []string `json:"dropped,omitempty"` // vectors, properties left out on request
	Tenants    string   `json:"tenants,omitempty"` // the tenant layout, in a sentence
	NotCarried []string `json:"not_carried,omitempty"`
	Notes      []string `json:"notes,omitempty"`
	Scanned    uint64   `json:"scanned_points,omitempty"` // points read to infer types
}

// Rename is one name changed on the way.
type Rename struct {
	Kind string `json:"kind"` // "property" or "vector"
	From string `json:"from"`
	To   string `json:"to"`
}

// Field is one payload field's target type.
type Field struct {
	Name string `json:"name"` // source path, nested keys joined by "."
	Type string `json:"type"` // target type: Weaviate data type or Qdrant index type
	Why  string `json:"why,omitempty"`
}

// Translation is a source definition made ready for a target engine.
type Translation struct {
	// Def is the target's definition (Engine is the target's).
	Def      *adapters.Collection
	Report   Report
	Findings []adapters.Finding
	Mapping  Mapping
}

// Err is the first error finding as an error, nil when there is none.
func (t *Translation) Err() error { return adapters.FindingsError(t.Findings) }

// Translate makes def (read from src) ready for a target of engine to ("":
// any, as a file dump). Across engines it may scan src's payload (types of
// a Qdrant collection). It writes nothing. Problems the user must settle
// are error findings, not an error; an error means the source could not
// be read.
func Translate(ctx context.Context, src adapters.Source, def *adapters.Collection, to string, opts Options) (*Translation, error) {
	if to == "" || to == def.Engine {
		if def.Engine == Weaviate {
			// A Weaviate source reads no references: refuse, or drop them
			// visibly (also into a dump, which could not restore them).
			return weaviateIdentity(def, opts)
		}
		return identityTranslation(def), nil
	}
	switch {
	case def.Engine == Qdrant && to == Weaviate:
		return qdrantToWeaviate(ctx, src, def, opts)
	case def.Engine == Weaviate && to == Qdrant:
		return weaviateToQdrant(ctx, src, def, opts)
	}
	return nil, adapters.Errorf(adapters.KindIncompatible, "vecmig cannot translate a %s definition for %s", def.Engine, to)
}

// For returns the mapping from src's points to dst's, from the two
// definitions alone: what a translation chose is recorded in dst.
func For(src, dst *adapters.Collection) (Mapping, error) {
	if src.Engine == dst.Engine || src.Engine == "" || dst.Engine == "" {
		return identity{src}, nil
	}
	switch {
	case src.Engine == Qdrant && dst.Engine == Weaviate:
		return qdrantWeaviateMapping(src, dst)
	case src.Engine == Weaviate && dst.Engine == Qdrant:
		return weaviateQdrantMapping(src, dst)
	}
	return nil, fmt.Errorf("vecmig cannot map %s points onto %s", src.Engine, dst.Engine)
}

// EngineOf is the engine of a Sink, "" when it takes any definition.
func EngineOf(dst adapters.Sink) string {
	if e, ok := adapters.As[adapters.EngineNamer](dst); ok {
		return e.Engine()
	}
	return ""
}

func identityTranslation(def *adapters.Collection) *Translation {
	return &Translation{Def: def, Mapping: identity{def}, Report: Report{From: def.Engine, To: def.Engine}}
}

type identity struct{ def *adapters.Collection }

func (identity) TargetID(id adapters.ID) adapters.ID               { return id }
func (identity) ToTarget(p adapters.Point) (adapters.Point, error) { return p, nil }
func (identity) OrderPreserving() bool                             { return true }
func (identity) Identity() bool                                    { return true }
func (m identity) Source() *adapters.Collection                    { return m.def }
