package mapping

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	aq "github.com/vecmig/vecmig/adapters/qdrant"
)

// wqTranslation collects one Weaviate -> Qdrant translation.
type wqTranslation struct {
	def      *adapters.Collection
	class    *wClass
	opts     Options
	native   *aq.Native
	report   Report
	findings []adapters.Finding
}

func (w *wqTranslation) errorf(format string, args ...any) {
	w.findings = append(w.findings, adapters.ErrorFinding(adapters.KindIncompatible, wqClassSubject(w.def.Name), format, args...))
}

func (w *wqTranslation) invalidf(format string, args ...any) {
	w.findings = append(w.findings, adapters.ErrorFinding(adapters.KindInvalid, wqClassSubject(w.def.Name), format, args...))
}

func (w *wqTranslation) notCarried(format string, args ...any) {
	w.report.NotCarried = append(w.report.NotCarried, fmt.Sprintf(format, args...))
}

func (w *wqTranslation) note(format string, args ...any) {
	w.report.Notes = append(w.report.Notes, fmt.Sprintf(format, args...))
}

// weaviateToQdrant translates a Weaviate class for Qdrant. def's vector
// sizes must have been sampled (adapters.SampleSizes): Weaviate's schema
// does not hold them. It reads nothing from src.
func weaviateToQdrant(ctx context.Context, src adapters.Source, def *adapters.Collection, opts Options) (*Translation, error) {
	c, err := parseWClass(def.Native)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: %w", wqClassSubject(def.Name), err)
	}
	w := &wqTranslation{def: def, class: c, opts: opts, report: Report{From: Weaviate, To: Qdrant, IDs: IDRule}}
	w.native = &aq.Native{
		Config:        &qdrant.CollectionConfig{Params: &qdrant.CollectionParams{}},
		PayloadSchema: map[string]*qdrant.PayloadSchemaInfo{},
	}
	vs, err := wqClassVectors(w.kept(), c)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: %w", wqClassSubject(def.Name), err)
	}
	w.translateVectors(vs)
	w.references()
	w.translateProperties(c.Properties)
	w.classSettings()
	partitions := w.tenants()
	out, err := w.definition(partitions)
	if err != nil {
		return nil, err
	}
	t := &Translation{Def: out, Report: w.report, Findings: w.findings}
	if adapters.FindingsError(w.findings) == nil {
		if t.Mapping, err = weaviateQdrantMapping(def, out); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// kept is def without the vectors the user drops (--drop-vector, by
// Weaviate name or by the name it would have on Qdrant).
func (w *wqTranslation) kept() *adapters.Collection {
	if len(w.opts.DropVectors) == 0 {
		return w.def
	}
	back, _ := VectorNamesFromDescription(w.class.Description)
	drop := map[string]bool{}
	for _, n := range w.opts.DropVectors {
		drop[n] = true
	}
	cp := w.def.Clone()
	for name := range w.def.Vectors {
		orig, renamed := back[name]
		if drop[name] || (renamed && drop[orig]) {
			delete(cp.Vectors, name)
			w.report.Dropped = append(w.report.Dropped, fmt.Sprintf("%s (--drop-vector)", wqVectorLabel(wVector{name: name})))
		}
	}
	return cp
}

// references refuses or drops cross-reference properties.
func (w *wqTranslation) references() {
	refs := References(w.def)
	if len(refs) == 0 {
		return
	}
	if !w.opts.DropReferences {
		w.findings = append(w.findings, wqReferenceFinding(w.def.Name, refs))
		return
	}
	for _, r := range refs {
		w.report.Dropped = append(w.report.Dropped, fmt.Sprintf("cross-reference property %q (--drop-references)", r))
	}
}

// definition builds the target definition from the Native, with the
// tenants as partitions (nil when the class is not multi-tenant).
func (w *wqTranslation) definition(partitions []adapters.Partition) (*adapters.Collection, error) {
	if len(w.native.PayloadSchema) == 0 {
		w.native.PayloadSchema = nil
	}
	if w.native.Config.Params.VectorsConfig == nil {
		// Every vector was refused or dropped: an empty map keeps the
		// definition well formed for the report.
		w.native.Config.Params.VectorsConfig = qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{})
	}
	out, err := aq.Definition(w.def.Name, w.native)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindIncompatible, "%s: %w", wqClassSubject(w.def.Name), err)
	}
	if partitions != nil {
		out.Partitioned = true
		out.Partitions = partitions
	}
	return out, nil
}

// classSettings reports class-level settings Qdrant does not take.
func (w *wqTranslation) classSettings() {
	mapped := map[string]bool{
		"class": true, "properties": true, "vectorIndexType": true, "vectorIndexConfig": true,
		"vectorConfig": true, "multiTenancyConfig": true, "description": true,
	}
	var keys []string
	for k := range w.class.rest {
		if !mapped[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := w.class.rest[k]
		if (k == "vectorizer" && (v == "none" || v == "")) || wqIsZeroJSON(v) {
			continue
		}
		w.notCarried("class setting %s: %s", k, wqCompactJSON(v))
	}
	if d := wqOtherDescription(w.class.Description); d != "" {
		w.notCarried("class description %q", d)
	}
}

// isZeroJSON reports a value that sets nothing: null, false, 0, "", or
// containers of such (a multi-tenant class's empty shardingConfig).
func wqIsZeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case json.Number:
		return x.String() == "0"
	case []any:
		for _, e := range x {
			if !wqIsZeroJSON(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !wqIsZeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// otherDescription is a class description without vecmig's own line.
func wqOtherDescription(d string) string {
	var keep []string
	for _, line := range strings.Split(d, "\n") {
		if !strings.HasPrefix(line, vectorMarker) {
			keep = append(keep, line)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}
