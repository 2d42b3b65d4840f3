package mapping

import (
	"context"
	"fmt"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

// Qdrant -> Weaviate. A Qdrant collection becomes a Weaviate class built
// from its definition and a scan of its payload: vectors (vectors.go),
// payload types (types.go), tenants (tenants.go). Every choice is recorded
// in the class itself (renames in descriptions, data types), so the
// mapping (qdrantWeaviateMapping) needs only the two definitions.

// qwTranslator gathers the class, the report and the findings.
type qwTranslator struct {
	def    *adapters.Collection
	native *qdrant.Native
	opts   Options
	class  *qwClass
	out    *adapters.Collection
	report Report
	finds  []adapters.Finding
	// unindexed lists payload paths without a Qdrant index.
	unindexed []string
}

func qdrantToWeaviate(ctx context.Context, src adapters.Source, def *adapters.Collection, opts Options) (*Translation, error) {
	native, err := qdrant.ParseNative(def.Native)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "qdrant collection %q: %w", def.Name, err)
	}
	sc, err := scanPayload(ctx, src, def)
	if err != nil {
		return nil, err
	}
	t := newQWTranslator(def, native, opts)
	t.translate(sc)
	return t.finish()
}

func newQWTranslator(def *adapters.Collection, native *qdrant.Native, opts Options) *qwTranslator {
	return &qwTranslator{
		def:    def,
		native: native,
		opts:   opts,
		class:  &qwClass{Class: def.Name, Vectorizer: "none", Properties: []*qwProp{}},
		out:    &adapters.Collection{Engine: Weaviate, Name: def.Name, Vectors: map[string]adapters.VectorSpec{}},
		report: Report{From: Qdrant, To: Weaviate},
	}
}

// translate fills the class from the definition and the scan.
func (t *qwTranslator) translate(sc *qwScan) {
	t.vectors()
	t.payload(sc)
	t.tenants()
	t.ids(sc)
	t.notCarried()
}

// finish encodes the class and derives the mapping from the result.
func (t *qwTranslator) finish() (*Translation, error) {
	raw, err := canonicalClass(t.class)
	if err != nil {
		return nil, err
	}
	t.out.Native = raw
	m, err := qdrantWeaviateMapping(t.def, t.out)
	if err != nil {
		return nil, err
	}
	return &Translation{Def: t.out, Report: t.report, Findings: t.finds, Mapping: m}, nil
}

func (t *qwTranslator) errorf(subject, format string, args ...any) {
	t.finds = append(t.finds, adapters.ErrorFinding(adapters.KindIncompatible, subject, format, args...))
}

func (t *qwTranslator) warnf(subject, format string, args ...any) {
	t.finds = append(t.finds, adapters.Finding{Level: adapters.LevelWarning, Subject: subject, Message: fmt.Sprintf(format, args...)})
}

func (t *qwTranslator) notef(subject, format string, args ...any) {
	t.finds = append(t.finds, adapters.NoteFinding(subject, format, args...))
}

// ids states the id rule and refuses UUIDs that collide with it.
func (t *qwTranslator) ids(sc *qwScan) {
	t.report.Scanned = sc.points
	if sc.intIDs {
		t.report.IDs = IDRule
	}
	if sc.zeroHigh.n > 0 {
		t.errorf("point ids", "%d UUID ids have a zero high half (%s), which vecmig reserves for integer ids (42 -> 00000000-0000-0000-0000-00000000002a); give those points other ids in Qdrant before migrating", sc.zeroHigh.n, sc.zeroHigh.examples())
	}
}

// payloadIndex is the Qdrant payload index on path ("a.b" or "a[].b"),
// nil when there is none.
func (t *qwTranslator) payloadIndex(path string) *qc.PayloadSchemaInfo {
	if info, ok := t.native.PayloadSchema[path]; ok {
		return info
	}
	return nil
}
