package mapping

import (
	"encoding/binary"
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// The id rule between Qdrant and Weaviate. Weaviate ids are UUIDs only, so
// a Qdrant integer id n becomes the UUID whose high 64 bits are zero and
// whose low 64 bits are n, big-endian:
//
//	42  <->  00000000-0000-0000-0000-00000000002a
//
// UUIDs pass unchanged both ways. The rule keeps the order (every such
// UUID sorts before any UUID with a non-zero high half, as Qdrant's
// integers sort before its UUIDs) and is reversed exactly: going to
// Qdrant, a UUID with a zero high half becomes the integer again. A Qdrant
// UUID that already has a zero high half would collide with an integer's
// UUID; it is refused (random and name-based UUIDs never have one: their
// version bits are in the high half).

// IDRule is the rule in a sentence, for plans and the README.
const IDRule = "integer ids become UUIDs with the integer in the low 64 bits (42 -> 00000000-0000-0000-0000-00000000002a) and come back as the same integers; UUIDs pass unchanged"

// IntToUUID is the UUID of a Qdrant integer id.
func IntToUUID(n uint64) adapters.ID {
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], n)
	return adapters.UUIDID(b)
}

// UUIDToInt is the integer a UUID stands for, when its high half is zero.
func UUIDToInt(id adapters.ID) (uint64, bool) {
	if !id.IsUUID() {
		return id.Num(), true
	}
	b := id.UUIDBytes()
	if binary.BigEndian.Uint64(b[:8]) != 0 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[8:]), true
}

// toUUID maps a Qdrant id onto Weaviate's.
func toUUID(id adapters.ID) (adapters.ID, error) {
	if !id.IsUUID() {
		return IntToUUID(id.Num()), nil
	}
	if n, ok := UUIDToInt(id); ok {
		return id, fmt.Errorf("point id %s has a zero high half, which vecmig reserves for integer ids (it would come back as integer %d); give the point another id", id, n)
	}
	return id, nil
}

// toQdrantID maps a Weaviate id onto Qdrant's.
func toQdrantID(id adapters.ID) adapters.ID {
	if n, ok := UUIDToInt(id); ok {
		return adapters.NumID(n)
	}
	return id
}
