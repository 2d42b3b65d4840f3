package adapters

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ID identifies a point: an unsigned integer or a UUID. IDs are totally
// ordered the way Qdrant scrolls: every integer (ascending) before every UUID,
// UUIDs by their 16 bytes (which is lowercase string order, and so also the
// order of Weaviate's cursor). Every adapter returns points in this order.
type ID struct {
	num    uint64
	uuid   [16]byte
	isUUID bool
}

// NumID returns the integer id n.
func NumID(n uint64) ID { return ID{num: n} }

// UUIDID returns the id for the 16 bytes of a UUID.
func UUIDID(b [16]byte) ID { return ID{uuid: b, isUUID: true} }

// ParseID reads an id as printed by String: a decimal integer or a UUID in
// any case, with or without hyphens.
func ParseID(s string) (ID, error) {
	if s == "" {
		return ID{}, fmt.Errorf("empty point id")
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return NumID(n), nil
	}
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 {
		return ID{}, fmt.Errorf("point id %q is neither an unsigned integer nor a UUID", s)
	}
	var b [16]byte
	if _, err := hex.Decode(b[:], []byte(h)); err != nil {
		return ID{}, fmt.Errorf("point id %q is neither an unsigned integer nor a UUID", s)
	}
	return UUIDID(b), nil
}

// MustParseID is ParseID for constants in tests and fixtures.
func MustParseID(s string) ID {
	id, err := ParseID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// IsUUID reports whether the id is a UUID rather than an integer.
func (id ID) IsUUID() bool { return id.isUUID }

// Num returns the integer value of an integer id (0 for a UUID).
func (id ID) Num() uint64 { return id.num }

// UUIDBytes returns the 16 bytes of a UUID id (zero for an integer id).
func (id ID) UUIDBytes() [16]byte { return id.uuid }

// String prints an integer in decimal and a UUID in canonical lowercase form.
func (id ID) String() string {
	if !id.isUUID {
		return strconv.FormatUint(id.num, 10)
	}
	var buf [36]byte
	hex.Encode(buf[0:8], id.uuid[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], id.uuid[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], id.uuid[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], id.uuid[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], id.uuid[10:16])
	return string(buf[:])
}

// Compare returns -1, 0 or +1 following the scroll order described on ID.
func (id ID) Compare(o ID) int {
	switch {
	case id.isUUID != o.isUUID:
		if id.isUUID {
			return 1
		}
		return -1
	case id.isUUID:
		return bytes.Compare(id.uuid[:], o.uuid[:])
	case id.num < o.num:
		return -1
	case id.num > o.num:
		return 1
	}
	return 0
}

// Less reports whether id sorts before o.
func (id ID) Less(o ID) bool { return id.Compare(o) < 0 }

// MarshalJSON writes integers as JSON numbers and UUIDs as strings, the way
// both engines print them.
func (id ID) MarshalJSON() ([]byte, error) {
	if !id.isUUID {
		return []byte(strconv.FormatUint(id.num, 10)), nil
	}
	return []byte(`"` + id.String() + `"`), nil
}

// UnmarshalJSON accepts a JSON number or a string holding either form.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) > 0 && s[0] == '"' {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		s = str
	}
	v, err := ParseID(s)
	if err != nil {
		return err
	}
	*id = v
	return nil
}
