package mapping

import (
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// SourceID undoes TargetID for every mapping and every kind of id, and
// finds no source id for a target id that no source id maps onto.
func TestSourceIDInvertsTargetID(t *testing.T) {
	u := adapters.MustParseID("7c9e6679-7425-40de-944b-e07fc1f90ae7")
	maps := map[string]struct {
		m   Mapping
		ids []adapters.ID
	}{
		"identity":        {identity{}, []adapters.ID{adapters.NumID(0), adapters.NumID(42), u, IntToUUID(42)}},
		"qdrant-weaviate": {&qwMapping{}, []adapters.ID{adapters.NumID(0), adapters.NumID(42), u}},
		"weaviate-qdrant": {&wqMapping{}, []adapters.ID{u, IntToUUID(42), IntToUUID(0)}},
	}
	for name, c := range maps {
		for _, id := range c.ids {
			target := c.m.TargetID(id)
			back, ok := SourceID(c.m, target)
			if !ok || back != id {
				t.Errorf("%s: %s -> %s -> %s, %v; want %s back", name, id, target, back, ok, id)
			}
		}
	}
	// A Weaviate-to-Qdrant target never holds a UUID with a zero high
	// half: no Weaviate id maps onto it.
	if id, ok := SourceID(&wqMapping{}, IntToUUID(7)); ok {
		t.Errorf("weaviate-qdrant: %s has source id %s; want none", IntToUUID(7), id)
	}
}
