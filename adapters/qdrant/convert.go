package qdrant

import (
	"fmt"
	"unicode/utf8"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
)

// Conversions between the go-client's messages and neutral points. They
// run once per point and per payload value, so they use type switches only
// and share vector slices with the messages instead of copying them.

func pointID(id adapters.ID) *qdrant.PointId {
	if id.IsUUID() {
		return &qdrant.PointId{PointIdOptions: &qdrant.PointId_Uuid{Uuid: id.String()}}
	}
	return &qdrant.PointId{PointIdOptions: &qdrant.PointId_Num{Num: id.Num()}}
}

func neutralID(p *qdrant.PointId) (adapters.ID, error) {
	switch x := p.GetPointIdOptions().(type) {
	case *qdrant.PointId_Num:
		return adapters.NumID(x.Num), nil
	case *qdrant.PointId_Uuid:
		if b, ok := parseUUID(x.Uuid); ok {
			return adapters.UUIDID(b), nil
		}
		return adapters.ParseID(x.Uuid)
	}
	return adapters.ID{}, fmt.Errorf("point without an id")
}

// parseUUID reads the canonical 8-4-4-4-12 form without allocating.
func parseUUID(s string) (b [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return b, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return b, false
		}
		b[j] = hi<<4 | lo
		j++
		i += 2
	}
	return b, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// neutralPoint converts a point read from the server.
func neutralPoint(rp *qdrant.RetrievedPoint) (adapters.Point, error) {
	id, err := neutralID(rp.GetId())
	if err != nil {
		return adapters.Point{}, err
	}
	p := adapters.Point{ID: id}
	switch x := rp.GetVectors().GetVectorsOptions().(type) {
	case *qdrant.VectorsOutput_Vector:
		v, err := neutralVector(x.Vector)
		if err != nil {
			return p, fmt.Errorf("point %s: %w", id, err)
		}
		p.Vectors = map[string]adapters.Vector{adapters.DefaultVector: v}
	case *qdrant.VectorsOutput_Vectors:
		named := x.Vectors.GetVectors()
		if len(named) > 0 {
			p.Vectors = make(map[string]adapters.Vector, len(named))
			for name, vo := range named {
				v, err := neutralVector(vo)
				if err != nil {
					return p, fmt.Errorf("point %s vector %q: %w", id, name, err)
				}
				p.Vectors[name] = v
			}
		}
	}
	if len(rp.Payload) > 0 {
		p.Payload = make(map[string]any, len(rp.Payload))
		for k, v := range rp.Payload {
			p.Payload[k] = neutralValue(v)
		}
	}
	return p, nil
}

// neutralVector reads the typed form (servers 1.13+) and falls back on the
// deprecated flat one (data with indices or vectors_count).
func neutralVector(vo *qdrant.VectorOutput) (adapters.Vector, error) {
	switch x := vo.GetVector().(type) {
	case *qdrant.VectorOutput_Dense:
		return adapters.Vector{Dense: nonNil(x.Dense.GetData())}, nil
	case *qdrant.VectorOutput_Sparse:
		return adapters.Vector{Sparse: &adapters.SparseVector{Indices: nonNilU(x.Sparse.GetIndices()), Values: nonNil(x.Sparse.GetValues())}}, nil
	case *qdrant.VectorOutput_MultiDense:
		subs := x.MultiDense.GetVectors()
		m := make([][]float32, len(subs))
		for i, s := range subs {
			m[i] = nonNil(s.GetData())
		}
		return adapters.Vector{Multi: m}, nil
	}
	data := vo.GetData()
	switch {
	case vo.Indices != nil:
		return adapters.Vector{Sparse: &adapters.SparseVector{Indices: nonNilU(vo.Indices.GetData()), Values: nonNil(data)}}, nil
	case vo.VectorsCount != nil:
		n := int(vo.GetVectorsCount())
		if n == 0 || len(data)%n != 0 {
			return adapters.Vector{}, fmt.Errorf("multi-vector of %d values cannot hold %d sub-vectors", len(data), n)
		}
		dim := len(data) / n
		m := make([][]float32, n)
		for i := range m {
			m[i] = data[i*dim : (i+1)*dim : (i+1)*dim]
		}
		return adapters.Vector{Multi: m}, nil
	}
	return adapters.Vector{Dense: nonNil(data)}, nil
}

// nonNil keeps an empty vector distinguishable from an absent form.
func nonNil(v []float32) []float32 {
	if v == nil {
		return []float32{}
	}
	return v
}

func nonNilU(v []uint32) []uint32 {
	if v == nil {
		return []uint32{}
	}
	return v
}

func neutralValue(v *qdrant.Value) any {
	switch x := v.GetKind().(type) {
	case *qdrant.Value_IntegerValue:
		return x.IntegerValue
	case *qdrant.Value_DoubleValue:
		return x.DoubleValue
	case *qdrant.Value_StringValue:
		return x.StringValue
	case *qdrant.Value_BoolValue:
		return x.BoolValue
	case *qdrant.Value_StructValue:
		fields := x.StructValue.GetFields()
		m := make(map[string]any, len(fields))
		for k, fv := range fields {
			m[k] = neutralValue(fv)
		}
		return m
	case *qdrant.Value_ListValue:
		vals := x.ListValue.GetValues()
		l := make([]any, len(vals))
		for i, e := range vals {
			l[i] = neutralValue(e)
		}
		return l
	}
	return nil // NullValue, or no value at all
}

// qdrantPoint converts a point for upserting.
func qdrantPoint(p *adapters.Point) (*qdrant.PointStruct, error) {
	ps := &qdrant.PointStruct{Id: pointID(p.ID)}
	if len(p.Payload) > 0 {
		ps.Payload = make(map[string]*qdrant.Value, len(p.Payload))
		for k, v := range p.Payload {
			qv, err := qdrantValue(v)
			if err != nil {
				return nil, fmt.Errorf("payload field %q: %w", k, err)
			}
			ps.Payload[k] = qv
		}
	}
	if len(p.Vectors) == 1 {
		if v, ok := p.Vectors[adapters.DefaultVector]; ok {
			qv, err := qdrantVector(v)
			if err != nil {
				return nil, fmt.Errorf("unnamed vector: %w", err)
			}
			ps.Vectors = &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vector{Vector: qv}}
			return ps, nil
		}
	}
	named := make(map[string]*qdrant.Vector, len(p.Vectors))
	for name, v := range p.Vectors {
		qv, err := qdrantVector(v)
		if err != nil {
			return nil, fmt.Errorf("vector %q: %w", name, err)
		}
		named[name] = qv
	}
	ps.Vectors = &qdrant.Vectors{VectorsOptions: &qdrant.Vectors_Vectors{Vectors: &qdrant.NamedVectors{Vectors: named}}}
	return ps, nil
}

func qdrantVector(v adapters.Vector) (*qdrant.Vector, error) {
	set := 0
	if v.Dense != nil {
		set++
	}
	if v.Sparse != nil {
		set++
	}
	if v.Multi != nil {
		set++
	}
	if set != 1 {
		return nil, fmt.Errorf("a vector must have exactly one of dense, sparse or multi values (it has %d)", set)
	}
	switch {
	case v.Sparse != nil:
		if len(v.Sparse.Indices) != len(v.Sparse.Values) {
			return nil, fmt.Errorf("sparse vector has %d indices but %d values", len(v.Sparse.Indices), len(v.Sparse.Values))
		}
		return &qdrant.Vector{Vector: &qdrant.Vector_Sparse{Sparse: &qdrant.SparseVector{Indices: v.Sparse.Indices, Values: v.Sparse.Values}}}, nil
	case v.Multi != nil:
		subs := make([]*qdrant.DenseVector, len(v.Multi))
		backing := make([]qdrant.DenseVector, len(v.Multi))
		for i, s := range v.Multi {
			backing[i].Data = s
			subs[i] = &backing[i]
		}
		return &qdrant.Vector{Vector: &qdrant.Vector_MultiDense{MultiDense: &qdrant.MultiDenseVector{Vectors: subs}}}, nil
	}
	return &qdrant.Vector{Vector: &qdrant.Vector_Dense{Dense: &qdrant.DenseVector{Data: v.Dense}}}, nil
}

// qdrantValue converts a neutral payload value: int64 to an integer,
// float64 to a double, maps, lists, null, bools and strings as they are.
func qdrantValue(v any) (*qdrant.Value, error) {
	switch x := v.(type) {
	case nil:
		return &qdrant.Value{Kind: &qdrant.Value_NullValue{}}, nil
	case bool:
		return &qdrant.Value{Kind: &qdrant.Value_BoolValue{BoolValue: x}}, nil
	case int64:
		return &qdrant.Value{Kind: &qdrant.Value_IntegerValue{IntegerValue: x}}, nil
	case float64:
		return &qdrant.Value{Kind: &qdrant.Value_DoubleValue{DoubleValue: x}}, nil
	case string:
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("string %q is not valid UTF-8", x)
		}
		return &qdrant.Value{Kind: &qdrant.Value_StringValue{StringValue: x}}, nil
	case map[string]any:
		fields := make(map[string]*qdrant.Value, len(x))
		for k, e := range x {
			qv, err := qdrantValue(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			fields[k] = qv
		}
		return &qdrant.Value{Kind: &qdrant.Value_StructValue{StructValue: &qdrant.Struct{Fields: fields}}}, nil
	case []any:
		vals := make([]*qdrant.Value, len(x))
		for i, e := range x {
			qv, err := qdrantValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			vals[i] = qv
		}
		return &qdrant.Value{Kind: &qdrant.Value_ListValue{ListValue: &qdrant.ListValue{Values: vals}}}, nil
	}
	// Not normalised (an int, a float32, a json.Number...): normalise, then convert.
	n, err := adapters.NormalizeValue(v)
	if err != nil {
		return nil, err
	}
	return qdrantValue(n)
}
