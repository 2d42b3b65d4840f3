package mapping

import (
	"fmt"
	"strconv"

	"github.com/qdrant/go-client/qdrant"
)

// wqIndex is a property's Qdrant payload index and the type reported.
type wqIndex struct {
	info *qdrant.PayloadSchemaInfo // nil: not indexed
	typ  string                    // Report.Types' Type
	why  string
}

func wqSchemaInfo(t qdrant.PayloadSchemaType, p *qdrant.PayloadIndexParams) *qdrant.PayloadSchemaInfo {
	return &qdrant.PayloadSchemaInfo{DataType: t, Params: p}
}

// translateProperties builds the payload indexes and reports every
// property's type; references are left to the caller.
func (w *wqTranslation) translateProperties(props []wProp) {
	for i := range props {
		p := &props[i]
		if p.isRef() {
			continue
		}
		key := p.key()
		if key != p.Name {
			w.report.Renames = append(w.report.Renames, Rename{Kind: "property", From: p.Name, To: key})
		}
		w.nestedRenames(p.Name, p.NestedProperties)
		ix := w.propertyIndex(p)
		if ix.info != nil {
			w.native.PayloadSchema[wqJSONPath(key)] = ix.info
		}
		w.report.Types = append(w.report.Types, Field{Name: p.Name, Type: ix.typ, Why: ix.why})
		if p.ModuleConfig != nil {
			w.notCarried("property %q: module settings %s", p.Name, wqCompactJSON(p.ModuleConfig))
		}
		if _, ok := KeyFromDescription(p.Description); !ok && p.Description != "" {
			w.notCarried("property %q: description %q", p.Name, p.Description)
		}
	}
}

// nestedRenames reports nested properties renamed back to their keys.
func (w *wqTranslation) nestedRenames(path string, nested []wProp) {
	for i := range nested {
		n := &nested[i]
		p := path + "." + n.Name
		if k := n.key(); k != n.Name {
			w.report.Renames = append(w.report.Renames, Rename{Kind: "property", From: p, To: k})
		}
		w.nestedRenames(p, n.NestedProperties)
	}
}

// propertyIndex chooses the payload index of one property.
func (w *wqTranslation) propertyIndex(p *wProp) wqIndex {
	bt, _ := p.baseType()
	filterable := wqFlag(p.IndexFilterable, true)
	ranged := wqFlag(p.IndexRangeFilters, false)
	record := "indexed although Weaviate does not filter on it: the index records the type for the way back"
	switch bt {
	case "text", "string":
		return w.textIndex(p)
	case "int":
		if !filterable && !ranged {
			return wqIndex{typ: "integer (no index)", why: "not filterable in Weaviate"}
		}
		params := &qdrant.IntegerIndexParams{Lookup: &filterable, Range: wqPtrTo(true)}
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Integer, qdrant.NewPayloadIndexParamsInt(params)), typ: "integer", why: wqRangeWhy(ranged, "lookup and range")}
	case "number":
		if !filterable && !ranged {
			return wqIndex{typ: "float (no index)", why: "not filterable in Weaviate"}
		}
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Float, nil), typ: "float", why: wqRangeWhy(ranged, "Qdrant's float index serves range filters")}
	case "boolean":
		if !filterable {
			return wqIndex{typ: "bool (no index)", why: "not filterable in Weaviate"}
		}
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Bool, nil), typ: "bool"}
	case "date":
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Datetime, nil), typ: "datetime", why: wqWhyUnless(filterable || ranged, record)}
	case "uuid":
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Uuid, nil), typ: "uuid", why: wqWhyUnless(filterable, record)}
	case "geoCoordinates":
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Geo, nil), typ: "geo", why: "values become {\"lat\", \"lon\"}"}
	case "blob":
		w.note("blob property %q is copied as its base64 string; Qdrant has no binary type", p.Name)
		return wqIndex{typ: "string (no index)", why: "base64 of the blob"}
	case "phoneNumber":
		w.note("phoneNumber property %q is copied as an object (input, defaultCountry and what Weaviate derived); Qdrant has no phone number type", p.Name)
		return wqIndex{typ: "object (no index)", why: "phone number as an object"}
	case "object":
		if n := wqIndexedNested(p.NestedProperties, p.key()+"."); len(n) > 0 {
			w.notCarried("property %q: Weaviate's indexes on nested properties %s (create Qdrant payload indexes on those paths by hand if you filter on them)", p.Name, wqQuoteList(n))
		}
		return wqIndex{typ: "object (no index)"}
	}
	w.note("property %q has data type %q, which vecmig does not know; its values are copied as they are read", p.Name, bt)
	return wqIndex{typ: "unknown (no index)", why: fmt.Sprintf("Weaviate data type %q", bt)}
}

// wqJSONPath is a payload key as a Qdrant index path: Qdrant reads index
// field names as JSON paths, and refuses a key like "my key" unless it is
// quoted (seen on 1.18: "Invalid json path").
func wqJSONPath(key string) string {
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return strconv.Quote(key)
		}
	}
	if key == "" {
		return `""`
	}
	return key
}

func wqPtrTo[T any](v T) *T { return &v }

func wqRangeWhy(ranged bool, what string) string {
	if ranged {
		return "indexRangeFilters: " + what
	}
	return ""
}

func wqWhyUnless(cond bool, why string) string {
	if cond {
		return ""
	}
	return why
}

// wqIndexedNested lists nested properties Weaviate indexes, as Qdrant
// payload paths.
func wqIndexedNested(nested []wProp, prefix string) []string {
	var out []string
	for i := range nested {
		n := &nested[i]
		path := prefix + n.key()
		bt, _ := n.baseType()
		if bt == "object" {
			out = append(out, wqIndexedNested(n.NestedProperties, path+".")...)
			continue
		}
		if wqFlag(n.IndexFilterable, true) || wqFlag(n.IndexSearchable, bt == "text") || wqFlag(n.IndexRangeFilters, false) {
			out = append(out, path)
		}
	}
	return out
}

// textIndex maps a text property: searchable becomes a full-text index
// with the nearest tokenizer, filterable only a keyword index.
func (w *wqTranslation) textIndex(p *wProp) wqIndex {
	filterable := wqFlag(p.IndexFilterable, true)
	searchable := wqFlag(p.IndexSearchable, true)
	tok := wqOrDefault(p.Tokenization, "word")
	keyword := wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Keyword, nil), typ: "keyword"}
	switch {
	case searchable && tok == "field":
		keyword.why = "tokenization field: the whole value is one token"
		return keyword
	case searchable:
		params, why := wqTextParams(tok)
		if params.GetTokenizer() == qdrant.TokenizerType_Word && tok != "word" {
			w.notCarried("property %q: tokenization %s (Qdrant has no such tokenizer; word is used)", p.Name, tok)
		}
		if filterable {
			why = wqJoinWhy(why, "Weaviate's exact-match filter index is not kept (Qdrant holds one index per field)")
		}
		return wqIndex{info: wqSchemaInfo(qdrant.PayloadSchemaType_Text, qdrant.NewPayloadIndexParamsText(params)), typ: "text", why: why}
	case filterable:
		keyword.why = "filterable, not searchable in Weaviate"
		return keyword
	}
	return wqIndex{typ: "keyword (no index)", why: "neither filterable nor searchable in Weaviate"}
}

// textParams maps a Weaviate tokenization onto a Qdrant tokenizer.
func wqTextParams(tok string) (*qdrant.TextIndexParams, string) {
	switch tok {
	case "word":
		return &qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Word, Lowercase: wqPtrTo(true)}, "word tokenizer, lower-cased"
	case "lowercase":
		return &qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Whitespace, Lowercase: wqPtrTo(true)}, "tokenization lowercase: whitespace tokenizer, lower-cased"
	case "whitespace":
		return &qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Whitespace, Lowercase: wqPtrTo(false)}, "whitespace tokenizer"
	case "gse", "gse_ch", "kagome_ja", "kagome_kr":
		return &qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Multilingual, Lowercase: wqPtrTo(true)}, "tokenization " + tok + ": Qdrant's multilingual tokenizer"
	}
	return &qdrant.TextIndexParams{Tokenizer: qdrant.TokenizerType_Word, Lowercase: wqPtrTo(true)}, "tokenization " + tok + " has no Qdrant tokenizer: word tokenizer instead"
}

func wqJoinWhy(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
