package verify

import (
	"github.com/vecmig/vecmig/adapters"
)

// Mapping says how a source point appears on the target: its id there and
// its vectors and payload fields as the target names them. Between two
// endpoints of the same engine it is the identity. A cross-engine mapping
// (integer ids to UUIDs, renamed properties) will implement this interface;
// migrate writes through the same value that verify compares through, so
// the two cannot disagree.
type Mapping interface {
	// TargetID is the id the source's point id has on the target.
	TargetID(id adapters.ID) adapters.ID
	// ToTarget returns p as the target should hold it (p is not modified).
	ToTarget(p adapters.Point) adapters.Point
	// OrderPreserving reports whether TargetID keeps the id order, so that
	// both sides can be merged as two sorted streams (full mode needs it).
	OrderPreserving() bool
}

// MappingFor returns the mapping from src's points to dst's. Today every
// pair maps by the same id and the same names.
func MappingFor(src, dst *adapters.Collection) (Mapping, error) {
	return identity{}, nil
}

type identity struct{}

func (identity) TargetID(id adapters.ID) adapters.ID      { return id }
func (identity) ToTarget(p adapters.Point) adapters.Point { return p }
func (identity) OrderPreserving() bool                    { return true }
