package mapping

import (
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// wqMapping maps Weaviate objects onto Qdrant points. It is built from the
// two definitions only: the original names are in the class's
// descriptions, the vectors kept are those the Qdrant collection has.
type wqMapping struct {
	src     *adapters.Collection // with vector names as on Qdrant
	vectors map[string]string    // Weaviate name -> Qdrant name; absent: dropped
	props   map[string]*wqProp   // by Weaviate property name
}

// wqProp is how one property's values are carried.
type wqProp struct {
	key    string // the payload key on Qdrant
	geo    bool   // geoCoordinates: {latitude, longitude} -> {lat, lon}
	nested map[string]*wqProp
}

func wqProps(props []wProp) map[string]*wqProp {
	out := make(map[string]*wqProp, len(props))
	for i := range props {
		p := &props[i]
		if p.isRef() {
			continue
		}
		bt, _ := p.baseType()
		out[p.Name] = &wqProp{key: p.key(), geo: bt == "geoCoordinates", nested: wqProps(p.NestedProperties)}
	}
	return out
}

// weaviateQdrantMapping is the mapping from a Weaviate class's objects to
// a Qdrant collection's points.
func weaviateQdrantMapping(src, dst *adapters.Collection) (Mapping, error) {
	c, err := parseWClass(src.Native)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wqClassSubject(src.Name), err)
	}
	back, err := VectorNamesFromDescription(c.Description)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wqClassSubject(src.Name), err)
	}
	m := &wqMapping{src: src.Clone(), vectors: map[string]string{}, props: wqProps(c.Properties)}
	m.src.Vectors = map[string]adapters.VectorSpec{}
	for name, spec := range src.Vectors {
		target := name
		if t, ok := back[name]; ok {
			target = t
		}
		if _, ok := dst.Vectors[target]; !ok {
			continue // left out on request (--drop-vector)
		}
		m.vectors[name] = target
		m.src.Vectors[target] = spec
	}
	return m, nil
}

func (m *wqMapping) TargetID(id adapters.ID) adapters.ID { return toQdrantID(id) }
func (m *wqMapping) OrderPreserving() bool               { return true }
func (m *wqMapping) Identity() bool                      { return false }
func (m *wqMapping) Source() *adapters.Collection        { return m.src }

// ToTarget renames vectors and payload keys back and turns geo values
// into Qdrant's form.
func (m *wqMapping) ToTarget(p adapters.Point) (adapters.Point, error) {
	out := adapters.Point{ID: toQdrantID(p.ID)}
	for name, v := range p.Vectors {
		if t, ok := m.vectors[name]; ok {
			if out.Vectors == nil {
				out.Vectors = map[string]adapters.Vector{}
			}
			out.Vectors[t] = v
		}
	}
	if p.Payload == nil {
		return out, nil
	}
	payload, err := wqPayload(p.Payload, m.props, "")
	if err != nil {
		return out, fmt.Errorf("object %s: %w", p.ID, err)
	}
	out.Payload = payload
	return out, nil
}

func wqPayload(in map[string]any, props map[string]*wqProp, path string) (map[string]any, error) {
	if keptAsIs(in, props) {
		return in, nil // shared, as vectors are: nothing downstream changes it
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		pp := props[k]
		if pp == nil {
			pp = &wqProp{key: k} // not in the schema: carried as it is
		}
		x, err := wqValue(v, pp, path+k)
		if err != nil {
			return nil, err
		}
		out[pp.key] = x
	}
	return out, nil
}

// keptAsIs reports whether wqPayload would copy in unchanged: every key
// keeps its name and every value is a normalised scalar (the common case,
// which then costs no copy per point).
func keptAsIs(in map[string]any, props map[string]*wqProp) bool {
	for k, v := range in {
		if pp := props[k]; pp != nil && pp.key != k {
			return false
		}
		switch v.(type) {
		case nil, bool, string, int64, float64:
		default:
			return false
		}
	}
	return true
}

func wqValue(v any, pp *wqProp, path string) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			y, err := wqValue(e, pp, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case map[string]any:
		if pp.geo {
			return wqGeoValue(x, path)
		}
		return wqPayload(x, pp.nested, path+".")
	}
	n, err := adapters.NormalizeValue(v)
	if err != nil {
		return nil, fmt.Errorf("property %s: %w", path, err)
	}
	return n, nil
}

// geoValue turns Weaviate's {latitude, longitude} into Qdrant's {lat, lon}.
func wqGeoValue(m map[string]any, path string) (any, error) {
	lat, okLat := wqNumber(m["latitude"])
	lon, okLon := wqNumber(m["longitude"])
	if !okLat || !okLon || len(m) != 2 {
		return nil, fmt.Errorf("property %s: geo value %s is not {\"latitude\": number, \"longitude\": number}", path, wqCompactJSON(m))
	}
	return map[string]any{"lat": lat, "lon": lon}, nil
}

func wqNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}
