package mapping

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

const wqPropsClass = `{"class":"Docs","vectorIndexType":"hnsw","vectorIndexConfig":{"distance":"cosine"},"properties":[
 {"name":"title","dataType":["text"],"indexFilterable":true,"indexSearchable":true,"tokenization":"word"},
 {"name":"code","dataType":["text"],"indexFilterable":true,"indexSearchable":false},
 {"name":"slug","dataType":["text"],"indexSearchable":true,"tokenization":"field"},
 {"name":"note","dataType":["text"],"indexFilterable":false,"indexSearchable":false},
 {"name":"tags","dataType":["text[]"],"indexFilterable":true,"indexSearchable":false},
 {"name":"n","dataType":["int"],"indexFilterable":true,"indexRangeFilters":true},
 {"name":"rank","dataType":["int"],"indexFilterable":false,"indexRangeFilters":true},
 {"name":"plain","dataType":["int"],"indexFilterable":false},
 {"name":"score","dataType":["number[]"],"indexFilterable":true},
 {"name":"ok","dataType":["boolean"],"indexFilterable":true},
 {"name":"when","dataType":["date"],"indexFilterable":false},
 {"name":"ref","dataType":["uuid"],"indexFilterable":false},
 {"name":"where","dataType":["geoCoordinates"]},
 {"name":"b","dataType":["blob"]},
 {"name":"phone","dataType":["phoneNumber"]},
 {"name":"my_key","description":"vecmig: payload key \"my key\"","dataType":["int"],"indexFilterable":true},
 {"name":"meta","dataType":["object"],"nestedProperties":[
   {"name":"k_x","description":"vecmig: payload key \"k-x\"","dataType":["text"],"indexFilterable":true},
   {"name":"deep","dataType":["object"],"nestedProperties":[{"name":"v","dataType":["int"],"indexFilterable":false}]}]},
 {"name":"author","dataType":["Person"]}]}`

func wqPropsDef() *adapters.Collection {
	return wqClassDef(wqPropsClass, map[string]adapters.VectorSpec{"": dense(4, adapters.Cosine)})
}

func TestWeaviateQdrantPayloadIndexes(t *testing.T) {
	tr, n := wqTranslate(t, wqPropsDef(), Options{DropReferences: true})
	wqOK(t, tr)
	want := map[string]qdrant.PayloadSchemaType{
		"title": qdrant.PayloadSchemaType_Text, "code": qdrant.PayloadSchemaType_Keyword,
		"slug": qdrant.PayloadSchemaType_Keyword, "tags": qdrant.PayloadSchemaType_Keyword,
		"n": qdrant.PayloadSchemaType_Integer, "rank": qdrant.PayloadSchemaType_Integer,
		"score": qdrant.PayloadSchemaType_Float, "ok": qdrant.PayloadSchemaType_Bool,
		"when": qdrant.PayloadSchemaType_Datetime, "ref": qdrant.PayloadSchemaType_Uuid,
		"where": qdrant.PayloadSchemaType_Geo, `"my key"`: qdrant.PayloadSchemaType_Integer,
	}
	got := map[string]qdrant.PayloadSchemaType{}
	for k, info := range n.PayloadSchema {
		got[k] = info.GetDataType()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("payload indexes:\n got %v\nwant %v", got, want)
	}
	if p := n.PayloadSchema["title"].GetParams().GetTextIndexParams(); p.GetTokenizer() != qdrant.TokenizerType_Word || !p.GetLowercase() {
		t.Errorf("title's text index = %v, want word tokenizer, lower-cased", p)
	}
	if p := n.PayloadSchema["n"].GetParams().GetIntegerIndexParams(); !p.GetLookup() || !p.GetRange() {
		t.Errorf("n's integer index = %v, want lookup and range", p)
	}
	if p := n.PayloadSchema["rank"].GetParams().GetIntegerIndexParams(); p.GetLookup() || !p.GetRange() {
		t.Errorf("rank's integer index = %v, want range only", p)
	}
	wqTypes(t, tr.Report.Types)
	wqHas(t, "NotCarried", tr.Report.NotCarried, `property "meta"`, `"meta.k-x"`)
	wqHas(t, "Notes", tr.Report.Notes, `blob property "b"`, "base64")
	wqHas(t, "Notes", tr.Report.Notes, `phoneNumber property "phone"`, "object")
	wqHas(t, "Dropped", tr.Report.Dropped, `"author"`, "--drop-references")
	for _, r := range []Rename{{"property", "my_key", "my key"}, {"property", "meta.k_x", "k-x"}} {
		found := false
		for _, g := range tr.Report.Renames {
			found = found || g == r
		}
		if !found {
			t.Errorf("renames %v lack %v", tr.Report.Renames, r)
		}
	}
}

// wqTypes checks the reported types say why an index differs from
// Weaviate's settings.
func wqTypes(t *testing.T, types []Field) {
	t.Helper()
	by := map[string]Field{}
	for _, f := range types {
		by[f.Name] = f
	}
	for name, want := range map[string]string{"when": "datetime", "ref": "uuid", "plain": "integer (no index)",
		"note": "keyword (no index)", "meta": "object (no index)", "b": "string (no index)", "my_key": "integer"} {
		if by[name].Type != want {
			t.Errorf("type of %q = %q, want %q", name, by[name].Type, want)
		}
	}
	for _, name := range []string{"when", "ref"} {
		if !strings.Contains(by[name].Why, "way back") {
			t.Errorf("type of %q does not say why it is indexed: %q", name, by[name].Why)
		}
	}
	if _, ok := by["author"]; ok {
		t.Errorf("the reference property is reported as a payload type")
	}
}

func TestWeaviateQdrantReferences(t *testing.T) {
	def := wqPropsDef()
	if got := References(def); !reflect.DeepEqual(got, []string{"author"}) {
		t.Fatalf("References = %v, want [author]", got)
	}
	tr, _ := wqTranslate(t, def, Options{})
	wqOneError(t, tr, `"author"`, "--drop-references")
	for _, to := range []string{Weaviate, ""} {
		tr, err := Translate(context.Background(), nil, def, to, Options{})
		if err != nil {
			t.Fatal(err)
		}
		wqOneError(t, tr, `"author"`, "--drop-references")
		tr, err = Translate(context.Background(), nil, def, to, Options{DropReferences: true})
		if err != nil || tr.Err() != nil {
			t.Fatalf("Translate with DropReferences to %q: %v, %v", to, err, tr.Err())
		}
		if References(tr.Def) != nil || !strings.Contains(string(tr.Def.Native), `"my_key"`) {
			t.Errorf("the identity definition to %q still has references or lost properties: %s", to, tr.Def.Native)
		}
		if References(def) == nil {
			t.Errorf("Translate changed the source definition")
		}
		wqHas(t, "Dropped", tr.Report.Dropped, `"author"`)
	}
}

func TestWeaviateQdrantPoints(t *testing.T) {
	tr, _ := wqTranslate(t, wqPropsDef(), Options{DropReferences: true})
	m := tr.Mapping
	if m.Identity() || !m.OrderPreserving() {
		t.Errorf("Identity %v OrderPreserving %v, want false, true", m.Identity(), m.OrderPreserving())
	}
	in := adapters.Point{
		ID:      adapters.MustParseID("00000000-0000-0000-0000-00000000002a"),
		Vectors: map[string]adapters.Vector{"": {Dense: []float32{1, 2, 3, 4}}},
		Payload: map[string]any{
			"title": "x", "n": int64(3), "score": []any{1.5, 2.0}, "where": map[string]any{"latitude": 52.37, "longitude": 4.89},
			"my_key": int64(7), "meta": map[string]any{"k_x": "a", "deep": map[string]any{"v": int64(1)}},
			"phone": map[string]any{"input": "020 1234567", "defaultCountry": "nl"},
		},
	}
	got, err := m.ToTarget(in)
	if err != nil {
		t.Fatal(err)
	}
	want := adapters.Point{
		ID:      adapters.NumID(42),
		Vectors: in.Vectors,
		Payload: map[string]any{
			"title": "x", "n": int64(3), "score": []any{1.5, 2.0}, "where": map[string]any{"lat": 52.37, "lon": 4.89},
			"my key": int64(7), "meta": map[string]any{"k-x": "a", "deep": map[string]any{"v": int64(1)}},
			"phone": map[string]any{"input": "020 1234567", "defaultCountry": "nl"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ToTarget:\n got %+v\nwant %+v", got, want)
	}
	if _, ok := in.Payload["my key"]; ok {
		t.Errorf("ToTarget modified its argument")
	}
	u := adapters.MustParseID("6f1c2b1e-8d4a-4c1b-9a77-0b5d1f3e2a10")
	if m.TargetID(u) != u || m.TargetID(in.ID) != adapters.NumID(42) {
		t.Errorf("TargetID does not follow the id rule")
	}
	_, err = m.ToTarget(adapters.Point{ID: u, Payload: map[string]any{"where": map[string]any{"lat": 1.0}}})
	if err == nil || !strings.Contains(err.Error(), "where") {
		t.Errorf("a malformed geo value gave %v, want an error naming the property", err)
	}
}

func TestWeaviateQdrantMappingFromDefinitions(t *testing.T) {
	src := wqClassDef(wqNamedClass, map[string]adapters.VectorSpec{"t": dense(32, adapters.Dot), "my_vec": dense(8, adapters.Cosine)})
	tr, _ := wqTranslate(t, src, Options{})
	m, err := For(src, tr.Def)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Source()
	if _, ok := s.Vectors["my-vec"]; !ok || s.Vectors["my-vec"].Normalized || s.Engine != Weaviate {
		t.Errorf("Source() = %+v, want the Weaviate definition with my-vec, not normalised", s)
	}
	if !tr.Def.Vectors["my-vec"].Normalized {
		t.Errorf("the target's cosine vector is not marked normalised")
	}
	p, _ := m.ToTarget(adapters.Point{ID: adapters.NumID(1), Vectors: map[string]adapters.Vector{"my_vec": {Dense: []float32{1}}}})
	if _, ok := p.Vectors["my-vec"]; !ok {
		t.Errorf("ToTarget vectors = %v, want my-vec", p.Vectors)
	}
	b, _ := json.Marshal(src)
	if !strings.Contains(string(b), "my_vec") {
		t.Errorf("For changed the source definition")
	}
}
