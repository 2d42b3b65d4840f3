package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/vecmig/vecmig/adapters"
)

// appendPoint appends one point as a JSON line. The encoding is written by
// hand because encoding/json prints float64(2) as "2", which would read back
// as an integer.
func appendPoint(buf []byte, p *adapters.Point) ([]byte, error) {
	buf = append(buf, `{"id":`...)
	id, _ := p.ID.MarshalJSON()
	buf = append(buf, id...)
	if len(p.Vectors) > 0 {
		buf = append(buf, `,"vectors":{`...)
		for i, name := range p.VectorNames() {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendString(buf, name); err != nil {
				return nil, fmt.Errorf("vector name %q: %w", name, err)
			}
			buf = append(buf, ':')
			if buf, err = appendVector(buf, p.Vectors[name]); err != nil {
				return nil, fmt.Errorf("vector %q: %w", name, err)
			}
		}
		buf = append(buf, '}')
	}
	if len(p.Payload) > 0 {
		buf = append(buf, `,"payload":`...)
		var err error
		if buf, err = appendObject(buf, "", p.Payload); err != nil {
			return nil, err
		}
	}
	return append(buf, "}\n"...), nil
}

func appendVector(buf []byte, v adapters.Vector) ([]byte, error) {
	var err error
	switch {
	case v.Sparse != nil:
		if len(v.Sparse.Indices) != len(v.Sparse.Values) {
			return nil, fmt.Errorf("sparse vector has %d indices but %d values", len(v.Sparse.Indices), len(v.Sparse.Values))
		}
		buf = append(buf, `{"sparse":{"indices":[`...)
		for i, x := range v.Sparse.Indices {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendUint(buf, uint64(x), 10)
		}
		buf = append(buf, `],"values":`...)
		if buf, err = appendFloats(buf, v.Sparse.Values); err != nil {
			return nil, err
		}
		return append(buf, "}}"...), nil
	case v.Multi != nil:
		buf = append(buf, `{"multi":[`...)
		for i, sub := range v.Multi {
			if i > 0 {
				buf = append(buf, ',')
			}
			if buf, err = appendFloats(buf, sub); err != nil {
				return nil, fmt.Errorf("sub-vector %d: %w", i, err)
			}
		}
		return append(buf, "]}"...), nil
	}
	buf = append(buf, `{"dense":`...)
	if buf, err = appendFloats(buf, v.Dense); err != nil {
		return nil, err
	}
	return append(buf, '}'), nil
}

// appendFloats writes float32s in their shortest form that parses back to
// the same float32.
func appendFloats(buf []byte, vs []float32) ([]byte, error) {
	buf = append(buf, '[')
	for i, x := range vs {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("component %d is %v, which JSON cannot hold", i, x)
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
	}
	return append(buf, ']'), nil
}

func appendObject(buf []byte, path string, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		p := k
		if path != "" {
			p = path + "." + k
		}
		var err error
		if buf, err = appendString(buf, k); err != nil {
			return nil, fmt.Errorf("payload field %q: name: %w", p, err)
		}
		buf = append(buf, ':')
		if buf, err = appendValue(buf, p, m[k]); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

func appendValue(buf []byte, path string, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("payload field %q is %v, which JSON cannot hold", path, x)
		}
		return appendFloat64(buf, x), nil
	case string:
		b, err := appendString(buf, x)
		if err != nil {
			return nil, fmt.Errorf("payload field %q: %w", path, err)
		}
		return b, nil
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendValue(buf, fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		return appendObject(buf, path, x)
	}
	// Hand-built payloads (int, []string, json.Number, ...): normalise, then
	// write the normalised value, which is always one of the cases above.
	n, err := adapters.NormalizeValue(v)
	if err != nil {
		return nil, fmt.Errorf("payload field %q: %w", path, err)
	}
	return appendValue(buf, path, n)
}

// appendFloat64 writes a float so that it always reads back as a float:
// "2.0", never "2".
func appendFloat64(buf []byte, f float64) []byte {
	start := len(buf)
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if !bytes.ContainsAny(buf[start:], ".e") {
		buf = append(buf, ".0"...)
	}
	return buf
}

// appendString writes a JSON string without HTML escaping, so that dumps
// stay greppable. Invalid UTF-8 is refused rather than silently replaced.
func appendString(buf []byte, s string) ([]byte, error) {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, fmt.Errorf("string %q is not valid UTF-8 (byte %d)", s, i)
		}
		buf = append(buf, s[i:i+size]...)
		i += size
	}
	return append(buf, '"'), nil
}

// lineJSON is the shape of one points-file line.
type lineJSON struct {
	ID      *adapters.ID               `json:"id"`
	Vectors map[string]adapters.Vector `json:"vectors"`
	Payload map[string]any             `json:"payload"`
}

// decodePoint parses one line (with or without its newline). encoding/json
// parses float32 fields with 32-bit precision, so vectors come back exactly.
func decodePoint(line []byte) (adapters.Point, error) {
	var l lineJSON
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return adapters.Point{}, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return adapters.Point{}, fmt.Errorf("unexpected data after the point's JSON object")
	}
	if l.ID == nil {
		return adapters.Point{}, fmt.Errorf(`the line has no "id"`)
	}
	p := adapters.Point{ID: *l.ID, Vectors: l.Vectors}
	for name, v := range l.Vectors {
		forms := 0
		if v.Dense != nil {
			forms++
		}
		if v.Sparse != nil {
			forms++
			if len(v.Sparse.Indices) != len(v.Sparse.Values) {
				return adapters.Point{}, fmt.Errorf("point %s: sparse vector %q has %d indices but %d values", p.ID, name, len(v.Sparse.Indices), len(v.Sparse.Values))
			}
		}
		if v.Multi != nil {
			forms++
		}
		if forms > 1 {
			return adapters.Point{}, fmt.Errorf("point %s: vector %q has more than one of dense, sparse and multi", p.ID, name)
		}
	}
	if l.Payload != nil {
		pl, err := adapters.NormalizePayload(l.Payload)
		if err != nil {
			return adapters.Point{}, fmt.Errorf("point %s: %w", p.ID, err)
		}
		p.Payload = pl
	}
	return p, nil
}
