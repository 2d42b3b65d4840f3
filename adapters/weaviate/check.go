package weaviate

import (
	"context"
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

var _ adapters.TargetChecker = (*Sink)(nil)

// classNameRule is Weaviate's rule for a class name, once it has
// capitalised the first letter (entities/schema/validation.go).
var classNameRule = regexp.MustCompile(`^[A-Z][_0-9A-Za-z]{0,254}$`)

// canonicalClass is the name Weaviate stores for a class named name: the
// first letter upper-cased (entities/schema.UppercaseClassName).
func canonicalClass(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// canonicalEndpoint returns ep naming the class as Weaviate stores it, so
// that Endpoint() and every message show the real name.
// A name Weaviate refuses anyway is kept as given, for messages (nameErr).
func canonicalEndpoint(ep *adapters.Endpoint) (*adapters.Endpoint, error) {
	name := canonicalClass(ep.Name)
	if name == ep.Name || !classNameRule.MatchString(name) {
		return ep, nil
	}
	raw := strings.TrimSuffix(ep.String(), ep.Name) + name
	out, err := adapters.ParseEndpoint(raw)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	out.Query = ep.Query
	return out, nil
}

// nameErr is the error for a class name Weaviate refuses, nil for a good
// one (or none: a bare server).
func (c *conn) nameErr() error {
	if c.class == "" || classNameRule.MatchString(canonicalClass(c.class)) {
		return nil
	}
	return c.errorf(adapters.KindInvalid, "class name %q breaks Weaviate's rule (a letter, then letters, digits and underscores: ^[A-Z][_0-9A-Za-z]*$ once Weaviate capitalises the first letter); name the class %q or another valid name", c.asked, suggestClass(c.asked))
}

// suggestClass turns name into a valid class name.
func suggestClass(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		s = "C" + s
	}
	s = canonicalClass(s)
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}

// nameFindings reports how the endpoint's class name is used: a note when
// Weaviate capitalises it, an error when Weaviate refuses it.
func (c *conn) nameFindings() []adapters.Finding {
	if err := c.nameErr(); err != nil {
		return []adapters.Finding{c.finding(err)}
	}
	if c.asked != c.class {
		return []adapters.Finding{adapters.NoteFinding(c.where, "class %q is stored by Weaviate as %q; vecmig uses %q", c.asked, c.class, c.class)}
	}
	return nil
}

// finding turns an error of this endpoint into an error Finding about it.
func (c *conn) finding(err error) adapters.Finding {
	return adapters.Finding{Level: adapters.LevelError, Kind: adapters.KindOf(err), Subject: c.where,
		Message: strings.TrimPrefix(err.Error(), c.where+": ")}
}

// CheckTarget tells, writing nothing, whether def can be written to the
// class under onExists: the class name (the name Weaviate really uses, or
// an error for a name it refuses), a definition this sink can create, an
// existing class under fail (an error) or recreate (a note with its
// size), and under append every way the existing class differs from def,
// each its own finding: vectors (names, kind, dimension, distance),
// multi-tenancy, property data types.
func (s *Sink) CheckTarget(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) ([]adapters.Finding, error) {
	c := s.c
	out := c.nameFindings()
	if len(adapters.ErrorFindings(out)) > 0 {
		return out, nil // no class of that name can exist, nor be created
	}
	switch onExists {
	case adapters.ExistsFail, adapters.ExistsAppend, adapters.ExistsRecreate:
	default:
		return append(out, c.finding(c.errorf(adapters.KindInvalid, "--on-exists %q is not one of fail, append, recreate", onExists))), nil
	}
	if err := s.checkDef(def); err != nil {
		return append(out, c.finding(err)), nil
	}
	existing, err := c.getClass(ctx)
	if adapters.KindOf(err) == adapters.KindNotFound {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	switch onExists {
	case adapters.ExistsFail:
		out = append(out, c.finding(s.existsErr()))
	case adapters.ExistsRecreate:
		out = append(out, adapters.NoteFinding(c.where, "class %q exists (%s) and will be deleted first", c.class, c.size(ctx, existing)))
	case adapters.ExistsAppend:
		fs, err := s.appendFindings(ctx, existing, def)
		if err != nil {
			return out, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

func (s *Sink) existsErr() error {
	return s.c.errorf(adapters.KindExists, "class %q exists on the target; use --on-exists append or recreate", s.c.class)
}

// checkDef says whether this sink can create a class from def.
func (s *Sink) checkDef(def *adapters.Collection) error {
	c := s.c
	if def.Engine != Scheme {
		return c.errorf(adapters.KindIncompatible, "the source definition comes from %q; cross-engine definition mapping is not supported yet", def.Engine)
	}
	if len(def.Native) == 0 {
		return c.errorf(adapters.KindInvalid, "the source definition has no native Weaviate schema to create class %q from", c.class)
	}
	if _, err := nativeForCreate(def.Native, c.class); err != nil {
		return c.errorf(adapters.KindInvalid, "the source's class schema is not a JSON object: %v", err)
	}
	return nil
}

// size says how big an existing class is, for the recreate note: its
// exact count, or its number of tenants.
func (c *conn) size(ctx context.Context, cl *class) string {
	if cl.s.MultiTenancyConfig.Enabled {
		ts, err := c.getTenants(ctx)
		if err != nil {
			return "multi-tenant"
		}
		return fmt.Sprintf("%d tenants", len(ts))
	}
	n, err := c.count(ctx, "")
	if err != nil {
		return "size unknown"
	}
	return fmt.Sprintf("%d objects", n)
}

// appendFindings lists every way the existing class differs from def so
// that def's objects cannot be appended, each its own error finding. The
// class's vector dimensions are read from stored objects (Weaviate fixes
// them with the first object, not in the schema); def's are compared when
// known (adapters.SampleSizes).
func (s *Sink) appendFindings(ctx context.Context, existing *class, def *adapters.Collection) ([]adapters.Finding, error) {
	c := s.c
	have := &adapters.Collection{Engine: Scheme, Name: c.class, Vectors: existing.vectors()}
	sizes, err := c.storedSizes(ctx, existing)
	if err != nil {
		return nil, err
	}
	for name, n := range sizes {
		if v, ok := have.Vectors[name]; ok {
			v.Size = n
			have.Vectors[name] = v
		}
	}
	out := adapters.CompareVectors(c.where, def, have)
	if mt := existing.s.MultiTenancyConfig.Enabled; mt != def.Partitioned {
		out = append(out, adapters.ErrorFinding(adapters.KindIncompatible, c.where,
			"class %q has multi-tenancy %s and the source's class %s; use --on-exists recreate to replace the class, or another target class", c.class, onOff(mt), onOff(def.Partitioned)))
	}
	if src, err := parseClass(def.Native); err == nil {
		out = append(out, c.propertyFindings("", src.s.Properties, existing.s.Properties)...)
	}
	return out, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// propertyFindings reports properties whose data types differ between the
// source's class (want) and the target's (have), nested ones included,
// and warns of properties the target lacks: Weaviate adds them when its
// auto-schema is on and refuses the objects otherwise.
func (c *conn) propertyFindings(prefix string, want, have []propSchema) []adapters.Finding {
	byName := map[string]*propSchema{}
	for i := range have {
		byName[strings.ToLower(have[i].Name)] = &have[i]
	}
	var out []adapters.Finding
	for _, w := range want {
		path := prefix + w.Name
		h, ok := byName[strings.ToLower(w.Name)]
		if !ok {
			out = append(out, adapters.Finding{Level: adapters.LevelWarning, Subject: c.where,
				Message: fmt.Sprintf("property %q (%s) does not exist on the target class %q; Weaviate adds it if its auto-schema is on, and refuses the objects otherwise", path, dataType(w), c.class)})
			continue
		}
		if dataType(w) != dataType(*h) {
			out = append(out, adapters.ErrorFinding(adapters.KindIncompatible, c.where,
				"property %q is %s on the target and %s on the source; use --on-exists recreate to replace the class, or another target class", path, dataType(*h), dataType(w)))
			continue
		}
		if len(w.NestedProperties) > 0 {
			out = append(out, c.propertyFindings(path+".", w.NestedProperties, h.NestedProperties)...)
		}
	}
	return out
}

func dataType(p propSchema) string { return strings.Join(p.DataType, "|") }

// sampledObjects bounds how many stored objects storedSizes reads (an
// object may lack some named vectors).
const sampledObjects = 16

// storedSizes reads a few stored objects of the class (of its first
// active tenants) and returns the dimension of each vector they carry.
// An empty class has none: any dimension can be written to it.
func (c *conn) storedSizes(ctx context.Context, cl *class) (map[string]int, error) {
	tenants := []string{""}
	if cl.s.MultiTenancyConfig.Enabled {
		ts, err := c.getTenants(ctx)
		if err != nil {
			return nil, err
		}
		tenants = nil
		for _, t := range ts {
			if isActive(t.ActivityStatus) && len(tenants) < 3 {
				tenants = append(tenants, t.Name)
			}
		}
	}
	sizes := map[string]int{}
	for _, t := range tenants {
		sr := &pb.SearchRequest{
			Collection:  c.class,
			Tenant:      t,
			Limit:       sampledObjects,
			Metadata:    &pb.MetadataRequest{Uuid: true, Vector: cl.hasDef, Vectors: cl.named},
			Uses_127Api: true,
		}
		gctx, cancel := c.grpcCtx(ctx)
		reply, err := c.rpc.Search(gctx, sr)
		cancel()
		if err != nil {
			return nil, c.grpcErr(fmt.Sprintf("read objects of tenant %q to learn their vectors' dimensions", t), err)
		}
		for _, r := range reply.GetResults() {
			cl.addSizes(sizes, r.GetMetadata())
		}
	}
	return sizes, nil
}

// addSizes records the dimensions of the vectors in one search result.
func (cl *class) addSizes(sizes map[string]int, md *pb.MetadataResult) {
	if cl.hasDef {
		if b := md.GetVectorBytes(); len(b) > 0 {
			sizes[adapters.DefaultVector] = vectorDim(b, cl.multi[adapters.DefaultVector])
		} else if v := md.GetVector(); len(v) > 0 {
			sizes[adapters.DefaultVector] = len(v)
		}
	}
	for _, nv := range md.GetVectors() {
		name := nv.GetName()
		if _, ok := cl.s.VectorConfig[name]; !ok {
			if !cl.hasDef || name != "default" {
				continue
			}
			name = adapters.DefaultVector
		}
		if b := nv.GetVectorBytes(); len(b) > 0 {
			sizes[name] = vectorDim(b, cl.multi[name])
		}
	}
}

// vectorDim is the dimension of a vector in its wire form: little-endian
// float32s, a multi-vector's led by its sub-vectors' dimension (uint16).
func vectorDim(b []byte, multi bool) int {
	if multi {
		if len(b) < 2 {
			return 0
		}
		return int(binary.LittleEndian.Uint16(b))
	}
	return len(b) / 4
}
