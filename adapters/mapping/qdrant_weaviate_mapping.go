package mapping

import (
	"fmt"

	"github.com/vecmig/vecmig/adapters"
)

// qwMapping maps Qdrant points onto a Weaviate class. It is built from the
// two definitions only: renames come from the class's descriptions, value
// conversions from its data types.
type qwMapping struct {
	src     *adapters.Collection // vectors named as on the target
	vectors map[string]string    // source vector name -> class vector name, declared ones only
	props   qwPropMap
}

// qwPropMap is one object level of the class: source key -> property.
type qwPropMap map[string]*qwPropConv

type qwPropConv struct {
	name     string
	dataType string
	nested   qwPropMap
}

func newQWPropMap(props []*qwProp) qwPropMap {
	m := make(qwPropMap, len(props))
	for _, p := range props {
		m[p.key()] = &qwPropConv{name: p.Name, dataType: p.dataType(), nested: newQWPropMap(p.NestedProperties)}
	}
	return m
}

func qdrantWeaviateMapping(src, dst *adapters.Collection) (Mapping, error) {
	cl, err := parseQWClass(dst.Native)
	if err != nil {
		return nil, fmt.Errorf("weaviate class %q: %w", dst.Name, err)
	}
	back, err := VectorNamesFromDescription(cl.Description)
	if err != nil {
		return nil, fmt.Errorf("weaviate class %q: %w", dst.Name, err)
	}
	m := &qwMapping{src: src.Clone(), vectors: map[string]string{}, props: newQWPropMap(cl.Properties)}
	m.src.Vectors = map[string]adapters.VectorSpec{}
	toTarget := map[string]string{}
	for to, from := range back {
		toTarget[from] = to
	}
	for name, spec := range src.Vectors {
		to, ok := toTarget[name]
		if !ok {
			to = name
		}
		m.src.Vectors[to] = spec
		_, named := cl.VectorConfig[to]
		if named || (to == adapters.DefaultVector && cl.hasClassVector()) {
			m.vectors[name] = to
		}
	}
	return m, nil
}

// TargetID is the UUID of a Qdrant id (the id rule of ids.go). A UUID the
// rule refuses is returned unchanged; ToTarget reports it.
func (m *qwMapping) TargetID(id adapters.ID) adapters.ID {
	u, _ := toUUID(id)
	return u
}

func (m *qwMapping) OrderPreserving() bool        { return true }
func (m *qwMapping) Identity() bool               { return false }
func (m *qwMapping) Source() *adapters.Collection { return m.src }

// ToTarget is p as the class holds it and adapters/weaviate reads it back.
func (m *qwMapping) ToTarget(p adapters.Point) (adapters.Point, error) {
	id, err := toUUID(p.ID)
	if err != nil {
		return adapters.Point{}, err
	}
	out := adapters.Point{ID: id}
	for name, v := range p.Vectors {
		if to, ok := m.vectors[name]; ok {
			if out.Vectors == nil {
				out.Vectors = map[string]adapters.Vector{}
			}
			out.Vectors[to] = v
		}
	}
	payload, err := convertObject(p.Payload, m.props, "")
	if err != nil {
		return adapters.Point{}, fmt.Errorf("point %s: %w", p.ID, err)
	}
	if len(payload) > 0 {
		out.Payload = payload
	}
	return out, nil
}
