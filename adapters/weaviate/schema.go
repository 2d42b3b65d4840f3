package weaviate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/weaviate/weaviate/entities/models"

	"github.com/vecmig/vecmig/adapters"
)

// classSchema is what the adapter reads from a class's raw schema JSON;
// the raw JSON itself is what is copied.
type classSchema struct {
	Class              string                 `json:"class"`
	Properties         []propSchema           `json:"properties"`
	VectorIndexType    string                 `json:"vectorIndexType"`
	VectorIndexConfig  *vectorIndexConfig     `json:"vectorIndexConfig"`
	VectorConfig       map[string]namedVector `json:"vectorConfig"`
	MultiTenancyConfig struct {
		Enabled bool `json:"enabled"`
	} `json:"multiTenancyConfig"`
}

type propSchema struct {
	Name             string       `json:"name"`
	DataType         []string     `json:"dataType"`
	NestedProperties []propSchema `json:"nestedProperties"`
}

type vectorIndexConfig struct {
	Distance    string `json:"distance"`
	Multivector *struct {
		Enabled bool `json:"enabled"`
	} `json:"multivector"`
}

type namedVector struct {
	VectorIndexType   string             `json:"vectorIndexType"`
	VectorIndexConfig *vectorIndexConfig `json:"vectorIndexConfig"`
}

// class is a parsed schema with what reads and writes need.
type class struct {
	raw    json.RawMessage
	s      classSchema
	props  map[string]*propSchema
	multi  map[string]bool // vector name -> multi-vector
	hasDef bool            // a class-level (unnamed) vector
	named  []string        // named vectors, sorted
}

func parseClass(raw json.RawMessage) (*class, error) {
	c := &class{raw: raw, props: map[string]*propSchema{}, multi: map[string]bool{}}
	if err := json.Unmarshal(raw, &c.s); err != nil {
		return nil, err
	}
	for i := range c.s.Properties {
		c.props[c.s.Properties[i].Name] = &c.s.Properties[i]
	}
	c.hasDef = c.s.VectorIndexType != "" || (len(c.s.VectorConfig) == 0 && c.s.VectorIndexConfig != nil)
	if c.hasDef && c.s.VectorIndexConfig != nil && c.s.VectorIndexConfig.Multivector != nil && c.s.VectorIndexConfig.Multivector.Enabled {
		c.multi[adapters.DefaultVector] = true
	}
	for name, nv := range c.s.VectorConfig {
		c.named = append(c.named, name)
		if nv.VectorIndexConfig != nil && nv.VectorIndexConfig.Multivector != nil && nv.VectorIndexConfig.Multivector.Enabled {
			c.multi[name] = true
		}
	}
	sort.Strings(c.named)
	return c, nil
}

func distance(s string) adapters.Distance {
	switch s {
	case "", "cosine":
		return adapters.Cosine
	case "l2-squared":
		return adapters.Euclid
	case "dot":
		return adapters.Dot
	case "manhattan":
		return adapters.Manhattan
	case "hamming":
		return adapters.Hamming
	}
	return adapters.Distance(s)
}

func spec(cfg *vectorIndexConfig, multi bool) adapters.VectorSpec {
	s := adapters.VectorSpec{Kind: "dense", Datatype: "float32"}
	if multi {
		s.Kind = "multi"
	}
	if cfg != nil {
		s.Distance = distance(cfg.Distance)
	} else {
		s.Distance = adapters.Cosine
	}
	return s
}

// vectors is the neutral vector declaration of the class.
func (c *class) vectors() map[string]adapters.VectorSpec {
	out := map[string]adapters.VectorSpec{}
	if c.hasDef {
		out[adapters.DefaultVector] = spec(c.s.VectorIndexConfig, c.multi[adapters.DefaultVector])
	}
	for name, nv := range c.s.VectorConfig {
		out[name] = spec(nv.VectorIndexConfig, c.multi[name])
	}
	return out
}

// getClass fetches the raw schema of the endpoint's class.
func (c *conn) getClass(ctx context.Context) (*class, error) {
	if err := c.nameErr(); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if _, err := c.rest(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(c.class), nil, &raw); err != nil {
		if adapters.KindOf(err) == adapters.KindNotFound {
			as := ""
			if c.asked != c.class {
				as = fmt.Sprintf(" (Weaviate's name for %q)", c.asked)
			}
			return nil, c.errorf(adapters.KindNotFound, "class %q%s does not exist; check the name with 'vecmig inspect weaviate://%s'", c.class, as, c.ep.HostPort(defaultHTTPPort))
		}
		return nil, err
	}
	cl, err := parseClass(raw)
	if err != nil {
		return nil, c.errorf(adapters.KindUnknown, "the schema of class %q is not understood: %v", c.class, err)
	}
	return cl, nil
}

type tenant struct {
	Name           string `json:"name"`
	ActivityStatus string `json:"activityStatus,omitempty"`
}

// getTenants lists the class's tenants, sorted, restricted to ?tenant=.
func (c *conn) getTenants(ctx context.Context) ([]tenant, error) {
	got, err := c.client().Schema().TenantsGetter().WithClassName(c.class).Do(ctx)
	if err != nil {
		return nil, c.clientErr("list tenants", err)
	}
	ts := make([]tenant, len(got))
	for i, t := range got {
		ts[i] = tenant{Name: t.Name, ActivityStatus: t.ActivityStatus}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	if len(c.tenants) == 0 {
		return ts, nil
	}
	have := map[string]tenant{}
	for _, t := range ts {
		have[t.Name] = t
	}
	var out []tenant
	var missing []string
	for _, name := range c.tenants {
		t, ok := have[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		out = append(out, t)
	}
	if len(missing) > 0 {
		return nil, c.errorf(adapters.KindNotFound, "tenant %s named in ?tenant= does not exist; the class has %d tenants (see 'vecmig inspect')", strings.Join(missing, ", "), len(ts))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// tenantStatus returns one tenant's activity status.
func (c *conn) tenantStatus(ctx context.Context, name string) (string, error) {
	var t tenant
	if _, err := c.rest(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(c.class)+"/tenants/"+url.PathEscape(name), nil, &t); err != nil {
		if adapters.KindOf(err) == adapters.KindNotFound {
			return "", c.errorf(adapters.KindNotFound, "tenant %q does not exist", name)
		}
		return "", err
	}
	return t.ActivityStatus, nil
}

func (c *conn) setTenantStatus(ctx context.Context, name, st string) error {
	err := c.client().Schema().TenantsUpdater().WithClassName(c.class).
		WithTenants(models.Tenant{Name: name, ActivityStatus: st}).Do(ctx)
	if err != nil {
		return c.clientErr(fmt.Sprintf("set tenant %q to %s", name, st), err)
	}
	return nil
}

// isActive reports whether a tenant status can be read and written.
func isActive(st string) bool { return st == "" || st == "HOT" || st == "ACTIVE" }

// describe builds the neutral definition of the class. Cross-reference
// properties stay in Native (the Source reads none of their values): the
// plan refuses or drops them (mapping.References, --drop-references).
func (c *conn) describe(ctx context.Context) (*adapters.Collection, *class, error) {
	cl, err := c.getClass(ctx)
	if err != nil {
		return nil, nil, err
	}
	col := &adapters.Collection{
		Engine:      Scheme,
		Name:        c.class,
		Vectors:     cl.vectors(),
		Partitioned: cl.s.MultiTenancyConfig.Enabled,
		Native:      stableNative(cl.raw),
	}
	if col.Partitioned {
		ts, err := c.getTenants(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, t := range ts {
			col.Partitions = append(col.Partitions, adapters.Partition{Name: t.Name, Status: t.ActivityStatus})
		}
	} else if len(c.tenants) > 0 {
		return nil, nil, c.errorf(adapters.KindInvalid, "?tenant= is given but class %q is not multi-tenant; remove it from the endpoint", c.class)
	}
	return col, cl, nil
}

// stableNative re-encodes the raw schema with sorted keys and compact
// spacing (so equal schemas give equal bytes), keeping every field. The
// only fields that depend on data rather than on the definition are the
// sharding config's actual counts, which Weaviate derives from the desired
// ones and ignores on create; they are kept as the server reports them.
func stableNative(raw json.RawMessage) json.RawMessage {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	out, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return raw
	}
	return out
}

// nativeForCreate returns def's raw class JSON with the class name replaced.
func nativeForCreate(native json.RawMessage, name string) (json.RawMessage, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(native))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	m["class"] = name
	// A multi-tenant class reports an all-empty shardingConfig, but refuses
	// one on create ("cannot have both shardingConfig and
	// multiTenancyConfig"); the server derives it.
	if mt, ok := m["multiTenancyConfig"].(map[string]any); ok && mt["enabled"] == true {
		delete(m, "shardingConfig")
	}
	return json.Marshal(m)
}
