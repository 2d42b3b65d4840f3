package mapping

import "github.com/vecmig/vecmig/adapters"

// SourceID is the inverse of m.TargetID: the source id whose point the
// target holds as target, and false when no source id maps onto it. The
// id rule (ids.go) is reversible, so the candidates are the id itself and
// its other form (an integer and its UUID); the one m maps onto target is
// the answer, the converted form first, since a Qdrant id that is a UUID
// with a zero high half would map onto itself only by an error.
func SourceID(m Mapping, target adapters.ID) (adapters.ID, bool) {
	var cands []adapters.ID
	if target.IsUUID() {
		if n, ok := UUIDToInt(target); ok {
			cands = append(cands, adapters.NumID(n))
		}
	} else {
		cands = append(cands, IntToUUID(target.Num()))
	}
	for _, c := range append(cands, target) {
		if m.TargetID(c) == target {
			return c, true
		}
	}
	return adapters.ID{}, false
}
