package qdranttest

import (
	"fmt"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// matcher decides whether a point passes a filter.
type matcher func(k pointKey, p *storedPoint) bool

func matchAll(pointKey, *storedPoint) bool { return true }

func unsupported(what string) error {
	return status.Errorf(codes.InvalidArgument,
		"qdranttest: %s is not supported by the in-process test server (it supports has_id, nested filters and field match on keyword/integer/bool, is_empty, is_null, has_vector)", what)
}

// compileFilter turns f into a matcher, or InvalidArgument for what the
// test server does not implement.
func compileFilter(f *qdrant.Filter) (matcher, error) {
	if f == nil {
		return matchAll, nil
	}
	if f.MinShould != nil {
		return nil, unsupported("filter min_should")
	}
	compile := func(cs []*qdrant.Condition) ([]matcher, error) {
		out := make([]matcher, 0, len(cs))
		for _, c := range cs {
			m, err := compileCondition(c)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}
	must, err := compile(f.GetMust())
	if err != nil {
		return nil, err
	}
	should, err := compile(f.GetShould())
	if err != nil {
		return nil, err
	}
	mustNot, err := compile(f.GetMustNot())
	if err != nil {
		return nil, err
	}
	return func(k pointKey, p *storedPoint) bool {
		for _, m := range must {
			if !m(k, p) {
				return false
			}
		}
		for _, m := range mustNot {
			if m(k, p) {
				return false
			}
		}
		if len(should) == 0 {
			return true
		}
		for _, m := range should {
			if m(k, p) {
				return true
			}
		}
		return false
	}, nil
}

func compileCondition(c *qdrant.Condition) (matcher, error) {
	switch o := c.GetConditionOneOf().(type) {
	case *qdrant.Condition_HasId:
		ids := map[pointKey]bool{}
		for _, id := range o.HasId.GetHasId() {
			k, err := keyOf(id)
			if err != nil {
				return nil, err
			}
			ids[k] = true
		}
		return func(k pointKey, _ *storedPoint) bool { return ids[k] }, nil
	case *qdrant.Condition_Filter:
		return compileFilter(o.Filter)
	case *qdrant.Condition_HasVector:
		name := o.HasVector.GetHasVector()
		return func(_ pointKey, p *storedPoint) bool { _, ok := p.vectors[name]; return ok }, nil
	case *qdrant.Condition_IsEmpty:
		key := o.IsEmpty.GetKey()
		return func(_ pointKey, p *storedPoint) bool {
			v, ok := p.payload[key]
			if !ok {
				return true
			}
			if _, isNull := v.GetKind().(*qdrant.Value_NullValue); isNull {
				return true
			}
			if l, isList := v.GetKind().(*qdrant.Value_ListValue); isList {
				return len(l.ListValue.GetValues()) == 0
			}
			return false
		}, nil
	case *qdrant.Condition_IsNull:
		key := o.IsNull.GetKey()
		return func(_ pointKey, p *storedPoint) bool {
			v, ok := p.payload[key]
			if !ok {
				return false
			}
			_, isNull := v.GetKind().(*qdrant.Value_NullValue)
			return isNull
		}, nil
	case *qdrant.Condition_Field:
		return compileField(o.Field)
	}
	return nil, unsupported(fmt.Sprintf("condition %T", c.GetConditionOneOf()))
}

func compileField(f *qdrant.FieldCondition) (matcher, error) {
	if f.GetMatch() == nil || f.Range != nil || f.GeoBoundingBox != nil || f.GeoRadius != nil ||
		f.ValuesCount != nil || f.GeoPolygon != nil || f.DatetimeRange != nil {
		return nil, unsupported("field condition other than match on " + f.GetKey())
	}
	var test func(v *qdrant.Value) bool
	switch m := f.GetMatch().GetMatchValue().(type) {
	case *qdrant.Match_Keyword:
		test = func(v *qdrant.Value) bool {
			s, ok := v.GetKind().(*qdrant.Value_StringValue)
			return ok && s.StringValue == m.Keyword
		}
	case *qdrant.Match_Integer:
		test = func(v *qdrant.Value) bool {
			i, ok := v.GetKind().(*qdrant.Value_IntegerValue)
			return ok && i.IntegerValue == m.Integer
		}
	case *qdrant.Match_Boolean:
		test = func(v *qdrant.Value) bool {
			b, ok := v.GetKind().(*qdrant.Value_BoolValue)
			return ok && b.BoolValue == m.Boolean
		}
	case *qdrant.Match_Keywords:
		set := map[string]bool{}
		for _, s := range m.Keywords.GetStrings() {
			set[s] = true
		}
		test = func(v *qdrant.Value) bool {
			s, ok := v.GetKind().(*qdrant.Value_StringValue)
			return ok && set[s.StringValue]
		}
	case *qdrant.Match_Integers:
		set := map[int64]bool{}
		for _, i := range m.Integers.GetIntegers() {
			set[i] = true
		}
		test = func(v *qdrant.Value) bool {
			i, ok := v.GetKind().(*qdrant.Value_IntegerValue)
			return ok && set[i.IntegerValue]
		}
	default:
		return nil, unsupported(fmt.Sprintf("match %T", m))
	}
	key := f.GetKey()
	return func(_ pointKey, p *storedPoint) bool {
		v, ok := p.payload[key]
		if !ok {
			return false
		}
		// A match on an array field matches when any element does.
		if l, isList := v.GetKind().(*qdrant.Value_ListValue); isList {
			for _, e := range l.ListValue.GetValues() {
				if test(e) {
					return true
				}
			}
			return false
		}
		return test(v)
	}, nil
}
