package mapping

import (
	"strings"

	qc "github.com/qdrant/go-client/qdrant"
)

// Qdrant payload indexes become Weaviate's inverted index settings: an
// indexed field is filterable (keyword: exact match, so tokenization
// "field"; text: searchable too; numbers and dates: range filters), a
// field without an index is neither filterable nor searchable, as in
// Qdrant, where filtering on it scans.

// indexInfo is the payload index on path: written as the scan writes it,
// or without the "[]" of arrays, as Qdrant also accepts.
func (t *qwTranslator) indexInfo(path string) *qc.PayloadSchemaInfo {
	if info := t.payloadIndex(path); info != nil {
		return info
	}
	if strings.Contains(path, "[]") {
		return t.payloadIndex(strings.ReplaceAll(path, "[]", ""))
	}
	return nil
}

// indexType is the type of path's index, UnknownType when there is none.
func (t *qwTranslator) indexType(path string) qc.PayloadSchemaType {
	if info := t.indexInfo(path); info != nil {
		return info.GetDataType()
	}
	return qc.PayloadSchemaType_UnknownType
}

func (t *qwTranslator) indexSettings(p *qwProp, path string) {
	base := strings.TrimSuffix(p.dataType(), "[]")
	text := base == "text"
	info := t.indexInfo(path)
	if info == nil {
		if base != "object" && base != "geoCoordinates" {
			t.unindexed = append(t.unindexed, path)
		}
		p.IndexFilterable = boolPtr(false)
		if text {
			p.IndexSearchable = boolPtr(false)
		}
		return
	}
	p.IndexFilterable = boolPtr(true)
	switch info.GetDataType() {
	case qc.PayloadSchemaType_Keyword:
		if text {
			p.IndexSearchable = boolPtr(false)
			p.Tokenization = "field"
		}
	case qc.PayloadSchemaType_Text:
		if text {
			p.IndexSearchable = boolPtr(true)
		}
	case qc.PayloadSchemaType_Integer:
		r := info.GetParams().GetIntegerIndexParams()
		if (r == nil || r.Range == nil || *r.Range) && rangeable(p.dataType()) {
			p.IndexRangeFilters = boolPtr(true)
		}
	case qc.PayloadSchemaType_Float, qc.PayloadSchemaType_Datetime:
		if rangeable(p.dataType()) {
			p.IndexRangeFilters = boolPtr(true)
		}
	}
	if text && p.IndexSearchable == nil {
		p.IndexSearchable = boolPtr(false)
	}
}

// rangeable says whether Weaviate takes indexRangeFilters on a data type:
// scalar int, number and date only (1.35.2 refuses it on their arrays).
func rangeable(dataType string) bool {
	return dataType == "int" || dataType == "number" || dataType == "date"
}
