package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/vecmig/vecmig/adapters"
)

// wClass is what the Weaviate -> Qdrant translation reads from a class's
// raw schema JSON. The JSON is also decoded as a plain map (rest), so that
// every setting not mapped can be listed as not carried, including ones a
// newer server adds.
type wClass struct {
	Class             string                  `json:"class"`
	Description       string                  `json:"description"`
	Vectorizer        string                  `json:"vectorizer"`
	VectorIndexType   string                  `json:"vectorIndexType"`
	VectorIndexConfig map[string]any          `json:"vectorIndexConfig"`
	VectorConfig      map[string]wNamedVector `json:"vectorConfig"`
	Properties        []wProp                 `json:"properties"`
	MultiTenancy      struct {
		Enabled bool `json:"enabled"`
	} `json:"multiTenancyConfig"`

	rest map[string]any
}

type wNamedVector struct {
	Vectorizer        map[string]any `json:"vectorizer"`
	VectorIndexType   string         `json:"vectorIndexType"`
	VectorIndexConfig map[string]any `json:"vectorIndexConfig"`
}

type wProp struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	DataType          []string `json:"dataType"`
	Tokenization      string   `json:"tokenization"`
	IndexFilterable   *bool    `json:"indexFilterable"`
	IndexSearchable   *bool    `json:"indexSearchable"`
	IndexRangeFilters *bool    `json:"indexRangeFilters"`
	NestedProperties  []wProp  `json:"nestedProperties"`
	ModuleConfig      any      `json:"moduleConfig"`
}

func parseWClass(native json.RawMessage) (*wClass, error) {
	c := &wClass{}
	dec := json.NewDecoder(bytes.NewReader(native))
	dec.UseNumber()
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("the Weaviate class schema is not readable: %w", err)
	}
	dec = json.NewDecoder(bytes.NewReader(native))
	dec.UseNumber()
	if err := dec.Decode(&c.rest); err != nil {
		return nil, fmt.Errorf("the Weaviate class schema is not readable: %w", err)
	}
	return c, nil
}

// flag reads an index flag; Weaviate's default for all three is given.
func wqFlag(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// baseType is the data type without "[]", and whether it is an array.
func (p *wProp) baseType() (string, bool) {
	if len(p.DataType) == 0 {
		return "", false
	}
	dt := p.DataType[0]
	return strings.TrimSuffix(dt, "[]"), strings.HasSuffix(dt, "[]")
}

// isRef reports a cross-reference property: its data type names a class.
func (p *wProp) isRef() bool {
	for _, dt := range p.DataType {
		if r := []rune(dt); len(r) > 0 && unicode.IsUpper(r[0]) {
			return true
		}
	}
	return false
}

// key is the payload key a property stands for: the original key vecmig
// recorded in its description, or its name.
func (p *wProp) key() string {
	if k, ok := KeyFromDescription(p.Description); ok {
		return k
	}
	return p.Name
}

// References lists the cross-reference properties of a Weaviate class
// definition (data type naming a class), sorted; nil for other engines.
// vecmig does not copy references: a class with any is refused unless the
// user drops them (--drop-references).
func References(def *adapters.Collection) []string {
	if def == nil || def.Engine != Weaviate || len(def.Native) == 0 {
		return nil
	}
	c, err := parseWClass(def.Native)
	if err != nil {
		return nil
	}
	var out []string
	for i := range c.Properties {
		if c.Properties[i].isRef() {
			out = append(out, c.Properties[i].Name)
		}
	}
	sort.Strings(out)
	return out
}

// referenceFinding is the refusal of a class with references.
func wqReferenceFinding(class string, refs []string) adapters.Finding {
	return adapters.ErrorFinding(adapters.KindIncompatible, wqClassSubject(class),
		"cross-reference properties %s cannot be copied (vecmig does not copy references); run with --drop-references to copy the class without them, or remove them from the class first",
		wqQuoteList(refs))
}

func wqClassSubject(class string) string { return fmt.Sprintf("weaviate class %q", class) }

func wqQuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// withoutReferences returns native with the named properties removed.
func wqWithoutReferences(native json.RawMessage, refs []string) (json.RawMessage, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(native))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("the Weaviate class schema is not readable: %w", err)
	}
	drop := map[string]bool{}
	for _, r := range refs {
		drop[r] = true
	}
	props, _ := m["properties"].([]any)
	kept := []any{}
	for _, p := range props {
		if pm, ok := p.(map[string]any); ok && drop[fmt.Sprint(pm["name"])] {
			continue
		}
		kept = append(kept, p)
	}
	m["properties"] = kept
	return json.Marshal(m)
}

// compactJSON prints a setting's value for a report line.
func wqCompactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// weaviateIdentity is the identity translation of a Weaviate class, which
// settles its references first: an error finding, or with DropReferences
// a definition without them and a Dropped line each.
func weaviateIdentity(def *adapters.Collection, opts Options) (*Translation, error) {
	t := identityTranslation(def)
	refs := References(def)
	if len(refs) == 0 {
		return t, nil
	}
	if !opts.DropReferences {
		t.Findings = append(t.Findings, wqReferenceFinding(def.Name, refs))
		return t, nil
	}
	native, err := wqWithoutReferences(def.Native, refs)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: %w", wqClassSubject(def.Name), err)
	}
	cp := def.Clone()
	cp.Native = native
	t.Def = cp
	t.Mapping = identity{cp}
	for _, r := range refs {
		t.Report.Dropped = append(t.Report.Dropped, fmt.Sprintf("cross-reference property %q (--drop-references)", r))
	}
	return t, nil
}
