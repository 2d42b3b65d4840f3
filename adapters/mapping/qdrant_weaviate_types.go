package mapping

import (
	"fmt"
	"sort"
	"strings"

	qc "github.com/qdrant/go-client/qdrant"
)

// Payload keys become properties. A key's data type follows the JSON types
// its values had in the scan, refined by a Qdrant payload index on it
// (datetime -> date, uuid -> uuid, geo -> geoCoordinates); --coerce
// settles a key whose values disagree. Paths are written as Qdrant writes
// them: "a.b" for a key of an object, "a[].b" inside an array of objects.

// qwScalar is the data type of a JSON kind.
var qwScalar = map[string]string{"int": "int", "float": "number", "string": "text", "bool": "boolean", "object": "object"}

// qwCoercible are the --coerce types.
var qwCoercible = map[string]bool{"text": true, "int": true, "number": true, "boolean": true, "date": true, "uuid": true,
	"text[]": true, "int[]": true, "number[]": true, "boolean[]": true, "date[]": true, "uuid[]": true}

func (t *qwTranslator) payload(sc *qwScan) {
	t.class.Properties = t.properties("", sc.root)
	if len(t.unindexed) > 0 {
		t.report.Notes = append(t.report.Notes, fmt.Sprintf("payload fields without a Qdrant index are created with indexFilterable and indexSearchable false: %s", strings.Join(t.unindexed, ", ")))
	}
}

// properties builds the properties of one object level.
func (t *qwTranslator) properties(prefix string, n *qwNode) []*qwProp {
	keys := make([]string, 0, len(n.keys))
	for k := range n.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	names := RenameAll(keys)
	out := []*qwProp{}
	for _, k := range keys {
		path := prefix + k
		p := t.property(path, n.keys[k])
		if p == nil {
			continue
		}
		p.Name = names[k]
		if p.Name != k {
			p.Description = KeyDescription(k)
			t.report.Renames = append(t.report.Renames, Rename{Kind: "property", From: path, To: prefix + p.Name})
		}
		out = append(out, p)
	}
	return out
}

// property is the property of one key, nil when it gets none.
func (t *qwTranslator) property(path string, n *qwNode) *qwProp {
	dt, why := t.dataType(path, n)
	if dt == "" {
		return nil
	}
	if n.null.n > 0 {
		t.warnf(fmt.Sprintf("payload %q", path), "null values are not carried over (Weaviate stores no nulls): %d points have %q null (%s); they keep their other keys", n.null.n, path, n.null.examples())
	}
	t.report.Types = append(t.report.Types, Field{Name: path, Type: dt, Why: why})
	p := &qwProp{DataType: []string{dt}}
	switch dt {
	case "object":
		p.NestedProperties = t.properties(path+".", n)
	case "object[]":
		p.NestedProperties = t.properties(path+"[].", n.elem)
	}
	t.indexSettings(p, path)
	return p
}

// dataType chooses path's data type and says why; "" for no property
// (only nulls, or a conflict, which is then an error finding).
func (t *qwTranslator) dataType(path string, n *qwNode) (string, string) {
	if c, ok := t.opts.Coerce[path]; ok {
		if !qwCoercible[c] {
			t.errorf(fmt.Sprintf("--coerce %s=%s", path, c), "%q is not a type vecmig converts to; use one of text, int, number, boolean, date, uuid (or an array of one, as text[])", c)
			return "", ""
		}
		return c, "--coerce"
	}
	kinds := n.kindNames()
	switch {
	case len(kinds) == 0 && n.null.n > 0:
		t.notef(fmt.Sprintf("payload %q", path), "only null values (%s); Weaviate stores no nulls, so the class gets no property for it", n.null.examples())
		t.report.Notes = append(t.report.Notes, fmt.Sprintf("payload %q holds only nulls: no property", path))
		return "", ""
	case len(kinds) == 0:
		return "", ""
	case len(kinds) > 1:
		return t.mixed(path, n, kinds)
	case kinds[0] == "array":
		return t.arrayType(path, n)
	}
	return t.scalarType(path, n, kinds[0], false)
}

// mixed settles a key whose values have several JSON types: a float index
// declares integers and floats numbers; anything else is a conflict.
func (t *qwTranslator) mixed(path string, n *qwNode, kinds []string) (string, string) {
	if len(kinds) == 2 && kinds[0] == "float" && kinds[1] == "int" && t.indexType(path) == qc.PayloadSchemaType_Float {
		t.bigInts(path, n)
		return "number", "integers and floats, with a Qdrant float index: integers become numbers"
	}
	t.conflict(path, n, kinds)
	return "", ""
}

func (t *qwTranslator) conflict(path string, n *qwNode, kinds []string) {
	what := "values"
	if n.isElem {
		what = "array elements"
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s (%s)", qwKindName(k), n.kinds[k].examples())
	}
	t.errorf(fmt.Sprintf("payload %q", path), "%s of several types: %s; a Weaviate property has one type: choose it with --coerce %s=TYPE (text keeps every value as its JSON text)", what, strings.Join(parts, ", "), path)
}

func qwKindName(k string) string {
	switch k {
	case "int":
		return "integer"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	}
	return k
}

// scalarType is the data type of values of one JSON kind (elem: the
// elements of arrays).
func (t *qwTranslator) scalarType(path string, n *qwNode, kind string, elem bool) (string, string) {
	idx := t.indexType(path)
	switch kind {
	case "int":
		t.bigInts(path, n)
		if idx == qc.PayloadSchemaType_Float {
			return "number", "integers, with a Qdrant float index"
		}
	case "string":
		return t.stringType(path, n, idx)
	case "object":
		if idx == qc.PayloadSchemaType_Geo && n.notGeo.n == 0 && !elem {
			return "geoCoordinates", "Qdrant geo index on {lat, lon} objects"
		}
		if idx == qc.PayloadSchemaType_Geo {
			t.report.NotCarried = append(t.report.NotCarried, fmt.Sprintf("payload %q: geo index (Weaviate's geoCoordinates holds one {lat, lon} point, not these values)", path))
		}
	case "array":
		t.errorf(fmt.Sprintf("payload %q", path), "arrays of arrays (%s), which Weaviate cannot store; keep them as JSON text with --coerce %s=text", n.kinds[kind].examples(), path)
		return "", ""
	}
	return qwScalar[kind], qwKindName(kind) + " values"
}

// bigInts refuses integers Weaviate would round.
func (t *qwTranslator) bigInts(path string, n *qwNode) {
	if n.bigInt.n > 0 {
		t.errorf(fmt.Sprintf("payload %q", path), "%d integers beyond ±2^53 (%s), which Weaviate rounds (it carries numbers as float64); keep them exact as text with --coerce %s=text", n.bigInt.n, n.bigInt.examples(), path)
	}
}

// stringType is text, unless a datetime or uuid index says otherwise and
// every value fits.
func (t *qwTranslator) stringType(path string, n *qwNode, idx qc.PayloadSchemaType) (string, string) {
	switch {
	case idx == qc.PayloadSchemaType_Datetime && n.notDate.n == 0:
		return "date", "Qdrant datetime index; every value is an RFC 3339 date"
	case idx == qc.PayloadSchemaType_Datetime:
		t.errorf(fmt.Sprintf("payload %q", path), "has a Qdrant datetime index, but %d values are not RFC 3339 dates (%s), which Weaviate's date type refuses; fix those values, or keep them as strings with --coerce %s=text", n.notDate.n, n.notDate.examples(), path)
		return "", ""
	case idx == qc.PayloadSchemaType_Uuid && n.notUUID.n == 0:
		return "uuid", "Qdrant uuid index"
	case idx == qc.PayloadSchemaType_Uuid:
		t.errorf(fmt.Sprintf("payload %q", path), "has a Qdrant uuid index, but %d values are not UUIDs (%s); fix those values, or keep them as strings with --coerce %s=text", n.notUUID.n, n.notUUID.examples(), path)
		return "", ""
	}
	return "text", "string values"
}

// arrayType is the data type of a key whose values are arrays.
func (t *qwTranslator) arrayType(path string, n *qwNode) (string, string) {
	e := n.elem
	kinds := e.kindNames()
	switch {
	case e.null.n > 0:
		t.errorf(fmt.Sprintf("payload %q", path), "arrays holding null elements (%s), which Weaviate arrays cannot hold; keep them as JSON text with --coerce %s=text", e.null.examples(), path)
		return "", ""
	case len(kinds) == 0:
		return "text[]", "only empty arrays seen"
	case len(kinds) > 1:
		if dt, _ := t.mixed(path, e, kinds); dt != "" {
			return dt + "[]", "arrays of integers and floats, with a Qdrant float index"
		}
		return "", ""
	}
	dt, why := t.scalarType(path, e, kinds[0], true)
	if dt == "" {
		return "", ""
	}
	return dt + "[]", "arrays of " + why
}
