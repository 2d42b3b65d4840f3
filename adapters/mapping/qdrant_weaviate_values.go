package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// Values become what adapters/weaviate reads back from the class: nulls
// vanish, integers of a number property become float64, geo points
// {lat, lon} become {latitude, longitude} in float32 precision, dates come
// back as Go's RFC3339Nano of the parsed time (Weaviate 1.35.2 gives
// "2024-03-01T12:00:00.120Z" back as "2024-03-01T12:00:00.12Z" and
// "+00:00" as "Z", and keeps other offsets), UUIDs in lower case, and a
// value of another type than its property's (--coerce) is converted.

// convertObject converts one object level; keys unknown to the class
// pass unchanged (without nulls).
func convertObject(m map[string]any, props qwPropMap, prefix string) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v == nil {
			continue
		}
		pc := props[k]
		if pc == nil {
			out[k] = withoutNulls(v)
			continue
		}
		x, err := pc.convert(v, prefix+k)
		if err != nil {
			return nil, err
		}
		out[pc.name] = x
	}
	return out, nil
}

func (pc *qwPropConv) convert(v any, path string) (any, error) {
	base, isArr := strings.CutSuffix(pc.dataType, "[]")
	if !isArr {
		return pc.scalar(v, base, path)
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v} // --coerce to an array type wraps single values
	}
	out := make([]any, len(list))
	for i, e := range list {
		if e == nil {
			return nil, fmt.Errorf("payload %q: element %d is null, which a Weaviate %s property cannot hold; keep the arrays as JSON text with --coerce %s=text", path, i, pc.dataType, path)
		}
		x, err := pc.scalar(e, base, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (pc *qwPropConv) scalar(v any, base, path string) (any, error) {
	var x any
	var err error
	switch base {
	case "text":
		x, err = toText(v)
	case "int":
		x, err = toInt(v)
	case "number":
		x, err = toNumber(v)
	case "boolean":
		x, err = toBool(v)
	case "date":
		x, err = toDate(v)
	case "uuid":
		x, err = toUUIDText(v)
	case "geoCoordinates":
		x, err = toGeo(v)
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("payload %q: value %s is not an object, but the property is one; keep the field as JSON text with --coerce %s=text", path, qwShort(v), path)
		}
		return convertObject(m, pc.nested, path+".")
	default:
		return withoutNulls(v), nil
	}
	if err != nil {
		return nil, fmt.Errorf("payload %q: value %s cannot be stored as %s: %w; fix the value or choose another type with --coerce %s=TYPE", path, qwShort(v), pc.dataType, err, coercePath(path))
	}
	return x, nil
}

func toText(v any) (any, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return strings.TrimRight(buf.String(), "\n"), nil
}

func toInt(v any) (any, error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > qwMaxExact {
			return nil, fmt.Errorf("not a whole number within ±2^53")
		}
		n = int64(x)
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		n = i
	default:
		return nil, fmt.Errorf("not a number")
	}
	if n > qwMaxExact || n < -qwMaxExact {
		return nil, fmt.Errorf("beyond ±2^53, which Weaviate rounds")
	}
	return n, nil
}

func toNumber(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		if x > qwMaxExact || x < -qwMaxExact {
			return nil, fmt.Errorf("beyond ±2^53, which a float64 rounds")
		}
		return float64(x), nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("not a number")
		}
		return f, nil
	}
	return nil, fmt.Errorf("not a number")
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(x)); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not true or false")
}

// toDate is the date as Weaviate gives it back: Go's RFC3339Nano of the
// parsed time, offset kept.
func toDate(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("not an RFC 3339 date string")
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("not an RFC 3339 date")
	}
	return tm.Format(time.RFC3339Nano), nil
}

func toUUIDText(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("not a UUID string")
	}
	id, err := adapters.ParseID(s)
	if err != nil || !id.IsUUID() {
		return nil, fmt.Errorf("not a UUID")
	}
	return id.String(), nil
}

// toGeo is a Qdrant geo point as Weaviate's geoCoordinates, which keeps
// float32.
func toGeo(v any) (any, error) {
	m, ok := v.(map[string]any)
	if !ok || !isGeoPoint(m) {
		return nil, fmt.Errorf("not a geo point {lat, lon}")
	}
	lat, _ := asNumber(m["lat"])
	lon, _ := asNumber(m["lon"])
	return map[string]any{"latitude": float64(float32(lat)), "longitude": float64(float32(lon))}, nil
}

// withoutNulls is v with null object values removed at every depth.
func withoutNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = withoutNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutNulls(e)
		}
		return out
	}
	return v
}

// qwShort prints a value for a message, cut to 60 characters.
func qwShort(v any) string {
	s, _ := toText(v)
	str := fmt.Sprint(s)
	if len(str) > 60 {
		str = str[:57] + "..."
	}
	return str
}

var (
	lastIndex = regexp.MustCompile(`\[\d+\]$`)
	anyIndex  = regexp.MustCompile(`\[\d+\]`)
)

// coercePath is the --coerce key of a value's path: "a[2].b" -> "a[].b",
// "tags[3]" -> "tags".
func coercePath(path string) string {
	return anyIndex.ReplaceAllString(lastIndex.ReplaceAllString(path, ""), "[]")
}
