package mapping

import (
	"reflect"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

// payloadNative has one payload index of each kind the types use.
func payloadNative() *qdrant.Native {
	n := qwDense(3, qc.Distance_Dot)
	n.PayloadSchema = map[string]*qc.PayloadSchemaInfo{
		"city":    {DataType: qc.PayloadSchemaType_Keyword, Params: qc.NewPayloadIndexParamsKeyword(&qc.KeywordIndexParams{IsTenant: qwPtr(true)})},
		"body":    {DataType: qc.PayloadSchemaType_Text},
		"when":    {DataType: qc.PayloadSchemaType_Datetime},
		"ref":     {DataType: qc.PayloadSchemaType_Uuid},
		"place":   {DataType: qc.PayloadSchemaType_Geo},
		"n":       {DataType: qc.PayloadSchemaType_Integer},
		"price":   {DataType: qc.PayloadSchemaType_Float},
		"meta.ok": {DataType: qc.PayloadSchemaType_Bool},
	}
	return n
}

func payloadPoints() []adapters.Point {
	return []adapters.Point{
		qwPt(adapters.NumID(1), map[string]any{
			"city": "Berlin", "body": "long text", "when": "2024-03-01T12:00:00+02:00", "ref": "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
			"place": map[string]any{"lat": 52.52, "lon": 13.405}, "n": int64(3), "price": 1.5, "plain": "x",
			"my-key": true, "Title": "t", "id": "own id", "2fa": int64(1), "gone": nil,
			"meta": map[string]any{"ok": true, "Inner-Key": "v", "note": nil},
			"tags": []any{"a", "b"}, "nums": []any{int64(1), int64(2)}, "fl": []any{1.5}, "bs": []any{true},
			"items": []any{map[string]any{"k": "v"}, map[string]any{"j": int64(1)}}, "empty": []any{},
		}),
		qwPt(adapters.NumID(2), map[string]any{"city": "Paris", "price": int64(2), "plain": nil, "when": "2024-03-01T12:00:00.120Z"}),
	}
}

func TestQdrantWeaviatePayloadTypes(t *testing.T) {
	src := qwMemSource(map[string][]adapters.Point{"": payloadPoints()})
	tr := qwTranslate(t, qwDef(t, payloadNative()), src, Options{})
	qwNoErrors(t, tr)
	c := qwClassOf(t, tr)
	for path, want := range map[string]string{
		"city": "text", "body": "text", "when": "date", "ref": "uuid", "place": "geoCoordinates", "n": "int",
		"price": "number", "plain": "text", "my_key": "boolean", "title": "text", "id_": "text", "_2fa": "int",
		"meta": "object", "meta.ok": "boolean", "meta.inner_Key": "text", "tags": "text[]", "nums": "int[]",
		"fl": "number[]", "bs": "boolean[]", "items": "object[]", "items.k": "text", "items.j": "int", "empty": "text[]",
	} {
		if got := qwDataType(qwPropOf(t, c, path)); got != want {
			t.Errorf("%s: data type %s, want %s", path, got, want)
		}
	}
	for _, p := range c["properties"].([]any) {
		if p.(map[string]any)["name"] == "gone" {
			t.Error(`"gone" (only null) got a property`)
		}
	}
	checkIndexFlags(t, c)
	checkRenames(t, tr, c)
	qwWantFinding(t, tr, adapters.LevelWarning, `payload "plain"`, "null values are not carried over", "ids 2")
	qwWantFinding(t, tr, adapters.LevelNote, `payload "meta.note"`, "only null")
	if len(qwFindings(tr, adapters.LevelWarning, `payload "gone"`)) != 0 {
		t.Error(`"gone" is only null: it needs a note, not a warning`)
	}
	if !strings.Contains(tr.Report.Tenants, `"city"`) {
		t.Errorf("Tenants does not name the is_tenant field: %q", tr.Report.Tenants)
	}
	types := map[string]Field{}
	for _, f := range tr.Report.Types {
		types[f.Name] = f
	}
	if f := types["price"]; f.Type != "number" || !strings.Contains(f.Why, "float index") {
		t.Errorf("Types[price] = %+v", f)
	}
	if f := types["items[].j"]; f.Type != "int" {
		t.Errorf("Types[items[].j] = %+v (all: %v)", f, tr.Report.Types)
	}
}

func checkIndexFlags(t *testing.T, c map[string]any) {
	t.Helper()
	for path, want := range map[string][3]any{ // filterable, searchable, tokenization
		"city":  {true, false, "field"},
		"body":  {true, true, nil},
		"plain": {false, false, nil},
		"n":     {true, nil, nil},
	} {
		p := qwPropOf(t, c, path)
		if got := [3]any{p["indexFilterable"], p["indexSearchable"], p["tokenization"]}; got != want {
			t.Errorf("%s: filterable/searchable/tokenization = %v, want %v", path, got, want)
		}
	}
	if p := qwPropOf(t, c, "n"); p["indexRangeFilters"] != true {
		t.Errorf("integer index with range: indexRangeFilters = %v", p["indexRangeFilters"])
	}
}

func checkRenames(t *testing.T, tr *Translation, c map[string]any) {
	t.Helper()
	for path, key := range map[string]string{"my_key": "my-key", "title": "Title", "id_": "id", "_2fa": "2fa", "meta.inner_Key": "Inner-Key"} {
		if d := qwPropOf(t, c, path)["description"]; d != KeyDescription(key) {
			t.Errorf("%s: description %v, want %q", path, d, KeyDescription(key))
		}
	}
	want := map[Rename]bool{{"property", "my-key", "my_key"}: true, {"property", "Title", "title"}: true,
		{"property", "id", "id_"}: true, {"property", "2fa", "_2fa"}: true, {"property", "meta.Inner-Key", "meta.inner_Key"}: true}
	for _, r := range tr.Report.Renames {
		delete(want, r)
	}
	if len(want) > 0 {
		t.Errorf("Renames %v lack %v", tr.Report.Renames, want)
	}
}

func TestQdrantWeaviateConflicts(t *testing.T) {
	ps := []adapters.Point{
		qwPt(adapters.NumID(1), map[string]any{"mixed": int64(1), "num": int64(1), "big": int64(1) << 60, "arr": []any{"a", int64(1)}, "deep": []any{[]any{"x"}}, "holes": []any{"a", nil}, "when": "yesterday"}),
		qwPt(adapters.NumID(2), map[string]any{"mixed": "one", "num": 1.5, "when": "2024-01-01T00:00:00Z"}),
	}
	n := qwDense(3, qc.Distance_Dot)
	n.PayloadSchema = map[string]*qc.PayloadSchemaInfo{"when": {DataType: qc.PayloadSchemaType_Datetime}}
	def := qwDef(t, n)
	tr := qwTranslate(t, def, qwMemSource(map[string][]adapters.Point{"": ps}), Options{})
	qwWantFinding(t, tr, adapters.LevelError, `payload "mixed"`, "integer (ids 1)", "string (ids 2)", "--coerce mixed=TYPE")
	qwWantFinding(t, tr, adapters.LevelError, `payload "num"`, "float (ids 2)", "integer (ids 1)")
	qwWantFinding(t, tr, adapters.LevelError, `payload "big"`, "beyond ±2^53", "ids 1", "--coerce big=text")
	qwWantFinding(t, tr, adapters.LevelError, `payload "arr"`, "array elements of several types")
	qwWantFinding(t, tr, adapters.LevelError, `payload "deep"`, "arrays of arrays")
	qwWantFinding(t, tr, adapters.LevelError, `payload "holes"`, "null elements")
	qwWantFinding(t, tr, adapters.LevelError, `payload "when"`, "not RFC 3339", "ids 1")

	coerce := map[string]string{"mixed": "text", "num": "number", "big": "text", "arr": "text[]", "deep": "text", "holes": "text", "when": "text"}
	tr = qwTranslate(t, def, qwMemSource(map[string][]adapters.Point{"": ps}), Options{Coerce: coerce})
	qwNoErrors(t, tr)
	got, err := tr.Mapping.ToTarget(ps[0])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"mixed": "1", "num": 1.0, "big": "1152921504606846976", "arr": []any{"a", "1"}, "deep": `[["x"]]`, "holes": `["a",null]`, "when": "yesterday"}
	if !reflect.DeepEqual(got.Payload, want) {
		t.Errorf("coerced payload\n got %#v\nwant %#v", got.Payload, want)
	}
	tr = qwTranslate(t, def, qwMemSource(map[string][]adapters.Point{"": ps}), Options{Coerce: map[string]string{"mixed": "int"}})
	if _, err := tr.Mapping.ToTarget(ps[1]); err == nil || !strings.Contains(err.Error(), `payload "mixed"`) {
		t.Errorf("ToTarget of \"one\" as int: %v", err)
	}
	tr = qwTranslate(t, def, qwMemSource(map[string][]adapters.Point{"": ps}), Options{Coerce: map[string]string{"mixed": "blob"}})
	qwWantFinding(t, tr, adapters.LevelError, "--coerce mixed=blob")
}
