package qdrant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/vecmig/vecmig/adapters"
)

// NativeFormat is the version of the Native JSON document written by this
// package. ParseNative refuses other versions.
const NativeFormat = 1

// Native is what vecmig needs to recreate a Qdrant collection faithfully. Its
// JSON form is adapters.Collection.Native for the engine "qdrant":
//
//	{
//	  "format": 1,
//	  "config": {...},                 // CollectionConfig as protojson with proto field names:
//	                                   // params (vectors_config, sparse_vectors_config, shard_number,
//	                                   // replication_factor, write_consistency_factor, on_disk_payload,
//	                                   // sharding_method, read_fan_out_*), hnsw_config,
//	                                   // optimizer_config, wal_config, quantization_config,
//	                                   // strict_mode_config, metadata
//	  "payload_schema": {              // one entry per payload index: PayloadSchemaInfo as protojson
//	    "city": {"data_type": "Keyword", "params": {"keyword_index_params": {...}}}
//	  },                               // (its "points" count is left out)
//	  "shard_keys": [{"keyword": "eu"}, {"number": "7"}],   // ShardKey as protojson, sorted by PartitionName
//	  "aliases": ["docs_live"],        // aliases that point at the collection, sorted
//	  "unmapped": ["config.params.x"]  // settings this vecmig cannot recreate (see below)
//	}
//
// The document is stable: it holds no counts, statuses or anything else
// that changes with the data, and it is canonical JSON (compact, object
// keys sorted), so two descriptions of the same collection are equal byte
// for byte and adapters.Collection.Fingerprint is stable across runs.
//
// "unmapped" lists settings the server reported that this build cannot
// carry over: fields unknown to the go-client (a newer server) or fields
// the mapping onto CreateCollection does not handle. A Sink refuses to
// create a collection from a Native that has any, rather than silently
// creating a different collection.
type Native struct {
	Config        *qdrant.CollectionConfig
	PayloadSchema map[string]*qdrant.PayloadSchemaInfo
	ShardKeys     []*qdrant.ShardKey
	Aliases       []string
	Unmapped      []string
}

type nativeJSON struct {
	Format        int                        `json:"format"`
	Config        json.RawMessage            `json:"config"`
	PayloadSchema map[string]json.RawMessage `json:"payload_schema,omitempty"`
	ShardKeys     []json.RawMessage          `json:"shard_keys,omitempty"`
	Aliases       []string                   `json:"aliases,omitempty"`
	Unmapped      []string                   `json:"unmapped,omitempty"`
}

var (
	protoOut = protojson.MarshalOptions{UseProtoNames: true}
	protoIn  = protojson.UnmarshalOptions{} // unknown fields are an error: a Native from a newer vecmig
)

// Marshal returns the canonical JSON form of n.
func (n *Native) Marshal() (json.RawMessage, error) {
	if n.Config == nil {
		return nil, fmt.Errorf("qdrant native definition has no config")
	}
	doc := nativeJSON{Format: NativeFormat, Aliases: sortedCopy(n.Aliases), Unmapped: sortedCopy(n.Unmapped)}
	var err error
	if doc.Config, err = protoOut.Marshal(n.Config); err != nil {
		return nil, fmt.Errorf("encode qdrant collection config: %w", err)
	}
	if len(n.PayloadSchema) > 0 {
		doc.PayloadSchema = make(map[string]json.RawMessage, len(n.PayloadSchema))
		for field, info := range n.PayloadSchema {
			// The indexed-points count changes with the data: leave it out.
			stable := &qdrant.PayloadSchemaInfo{DataType: info.GetDataType(), Params: info.GetParams()}
			if doc.PayloadSchema[field], err = protoOut.Marshal(stable); err != nil {
				return nil, fmt.Errorf("encode qdrant payload index %q: %w", field, err)
			}
		}
	}
	keys := append([]*qdrant.ShardKey(nil), n.ShardKeys...)
	sort.Slice(keys, func(i, j int) bool { return PartitionName(keys[i]) < PartitionName(keys[j]) })
	for _, k := range keys {
		b, err := protoOut.Marshal(k)
		if err != nil {
			return nil, fmt.Errorf("encode qdrant shard key: %w", err)
		}
		doc.ShardKeys = append(doc.ShardKeys, b)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return adapters.CanonicalJSON(raw)
}

// ParseNative reads a Native document written by Marshal.
func ParseNative(raw []byte) (*Native, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("the definition carries no qdrant native settings")
	}
	var doc nativeJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("qdrant native definition is not valid: %w", err)
	}
	if doc.Format != NativeFormat {
		return nil, fmt.Errorf("qdrant native definition has format %d; this vecmig reads format %d only", doc.Format, NativeFormat)
	}
	n := &Native{Config: &qdrant.CollectionConfig{}, Aliases: doc.Aliases, Unmapped: doc.Unmapped}
	if err := protoIn.Unmarshal(doc.Config, n.Config); err != nil {
		return nil, fmt.Errorf("qdrant native config: %w", err)
	}
	if len(doc.PayloadSchema) > 0 {
		n.PayloadSchema = make(map[string]*qdrant.PayloadSchemaInfo, len(doc.PayloadSchema))
		for field, b := range doc.PayloadSchema {
			info := &qdrant.PayloadSchemaInfo{}
			if err := protoIn.Unmarshal(b, info); err != nil {
				return nil, fmt.Errorf("qdrant native payload index %q: %w", field, err)
			}
			n.PayloadSchema[field] = info
		}
	}
	for _, b := range doc.ShardKeys {
		k := &qdrant.ShardKey{}
		if err := protoIn.Unmarshal(b, k); err != nil {
			return nil, fmt.Errorf("qdrant native shard key %s: %w", b, err)
		}
		n.ShardKeys = append(n.ShardKeys, k)
	}
	return n, nil
}

// Definition builds the neutral definition of a collection, Native
// included, from the server's description. Describe uses it, and so do the
// test fixtures, so the two cannot drift apart.
func Definition(name string, n *Native) (*adapters.Collection, error) {
	if n == nil || n.Config == nil || n.Config.GetParams() == nil {
		return nil, fmt.Errorf("qdrant collection %q: the server returned no collection parameters", name)
	}
	full := *n
	full.Unmapped = append(sortedCopy(n.Unmapped), unmappedSettings(n.Config)...)
	full.Unmapped = dedupe(full.Unmapped)
	raw, err := full.Marshal()
	if err != nil {
		return nil, fmt.Errorf("qdrant collection %q: %w", name, err)
	}
	vectors, err := neutralVectors(n.Config.GetParams())
	if err != nil {
		return nil, fmt.Errorf("qdrant collection %q: %w", name, err)
	}
	c := &adapters.Collection{
		Engine:  "qdrant",
		Name:    name,
		Vectors: vectors,
		Native:  raw,
	}
	if n.Config.GetParams().GetShardingMethod() == qdrant.ShardingMethod_Custom {
		c.Partitioned = true
		c.Partitions = []adapters.Partition{}
		for _, k := range n.ShardKeys {
			c.Partitions = append(c.Partitions, adapters.Partition{Name: PartitionName(k)})
		}
		sort.Slice(c.Partitions, func(i, j int) bool { return c.Partitions[i].Name < c.Partitions[j].Name })
	}
	return c, nil
}

func neutralVectors(p *qdrant.CollectionParams) (map[string]adapters.VectorSpec, error) {
	out := map[string]adapters.VectorSpec{}
	vc := p.GetVectorsConfig()
	if single := vc.GetParams(); single != nil {
		s, err := denseSpec(single)
		if err != nil {
			return nil, fmt.Errorf("unnamed vector: %w", err)
		}
		out[adapters.DefaultVector] = s
	}
	for name, vp := range vc.GetParamsMap().GetMap() {
		s, err := denseSpec(vp)
		if err != nil {
			return nil, fmt.Errorf("vector %q: %w", name, err)
		}
		out[name] = s
	}
	for name, sp := range p.GetSparseVectorsConfig().GetMap() {
		out[name] = adapters.VectorSpec{Kind: "sparse", Datatype: datatypeName(sp.GetIndex().GetDatatype())}
	}
	return out, nil
}

func denseSpec(vp *qdrant.VectorParams) (adapters.VectorSpec, error) {
	s := adapters.VectorSpec{Kind: "dense", Size: int(vp.GetSize()), Datatype: datatypeName(vp.GetDatatype())}
	if vp.MultivectorConfig != nil {
		s.Kind = "multi"
	}
	switch vp.GetDistance() {
	case qdrant.Distance_Cosine:
		s.Distance = adapters.Cosine
		s.Normalized = true // Qdrant stores Cosine vectors scaled to unit length
	case qdrant.Distance_Euclid:
		s.Distance = adapters.Euclid
	case qdrant.Distance_Dot:
		s.Distance = adapters.Dot
	case qdrant.Distance_Manhattan:
		s.Distance = adapters.Manhattan
	default:
		return s, fmt.Errorf("distance %s is not one vecmig knows", vp.GetDistance())
	}
	return s, nil
}

func datatypeName(d qdrant.Datatype) string {
	switch d {
	case qdrant.Datatype_Float16:
		return "float16"
	case qdrant.Datatype_Uint8:
		return "uint8"
	}
	return "float32"
}

// PartitionName is the partition name vecmig uses for a shard key: a
// keyword as it is, a number as "#" and its decimal digits. A keyword that
// itself starts with "#" gets one more "#" in front, so that every name
// maps back to exactly one key (ShardKeyOf).
func PartitionName(k *qdrant.ShardKey) string {
	switch x := k.GetKey().(type) {
	case *qdrant.ShardKey_Number:
		return "#" + strconv.FormatUint(x.Number, 10)
	case *qdrant.ShardKey_Keyword:
		if strings.HasPrefix(x.Keyword, "#") {
			return "#" + x.Keyword
		}
		return x.Keyword
	}
	return ""
}

// ShardKeyOf is the inverse of PartitionName.
func ShardKeyOf(partition string) (*qdrant.ShardKey, error) {
	switch {
	case partition == "":
		return nil, fmt.Errorf("empty partition name")
	case strings.HasPrefix(partition, "##"):
		return qdrant.NewShardKeyKeyword(partition[1:]), nil
	case strings.HasPrefix(partition, "#"):
		n, err := strconv.ParseUint(partition[1:], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("partition %q: a name starting with one \"#\" is a numeric shard key, as in \"#7\"; write a keyword starting with \"#\" as \"##...\"", partition)
		}
		return qdrant.NewShardKeyNum(n), nil
	}
	return qdrant.NewShardKeyKeyword(partition), nil
}

// Fields of CollectionConfig and CollectionParams that createRequest maps.
// A field the server sets that is not listed here cannot be recreated.
var (
	mappedConfigFields = map[protoreflect.Name]bool{
		"params": true, "hnsw_config": true, "optimizer_config": true, "wal_config": true,
		"quantization_config": true, "strict_mode_config": true, "metadata": true,
	}
	mappedParamsFields = map[protoreflect.Name]bool{
		"shard_number": true, "on_disk_payload": true, "vectors_config": true,
		"replication_factor": true, "write_consistency_factor": true, "sharding_method": true,
		"sparse_vectors_config": true, "read_fan_out_factor": true, "read_fan_out_delay_ms": true,
	}
)

// unmappedSettings lists settings in cfg that this build would lose when
// recreating the collection: fields the go-client does not know (kept as
// unknown bytes, which protojson drops) and known fields createRequest does
// not map.
func unmappedSettings(cfg *qdrant.CollectionConfig) []string {
	var out []string
	unknownFields(cfg.ProtoReflect(), "config", &out)
	cfg.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if !mappedConfigFields[fd.Name()] {
			out = append(out, "config."+string(fd.Name()))
		}
		return true
	})
	if p := cfg.GetParams(); p != nil {
		p.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !mappedParamsFields[fd.Name()] {
				out = append(out, "config.params."+string(fd.Name()))
			}
			return true
		})
	}
	return out
}

func unknownFields(m protoreflect.Message, path string, out *[]string) {
	if len(m.GetUnknown()) > 0 {
		*out = append(*out, path+" (fields unknown to this vecmig's Qdrant client)")
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := path + "." + string(fd.Name())
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
					unknownFields(mv.Message(), p+"."+k.String(), out)
					return true
				})
			}
		case fd.IsList():
			if fd.Kind() == protoreflect.MessageKind {
				for i := 0; i < v.List().Len(); i++ {
					unknownFields(v.List().Get(i).Message(), fmt.Sprintf("%s[%d]", p, i), out)
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			unknownFields(v.Message(), p, out)
		}
		return true
	})
}

// createRequest maps the config onto CreateCollection field by field. The
// nested settings (vectors, hnsw, optimizers, wal, quantization, strict
// mode) have the same message types on both sides and are copied whole, so
// none of their fields is lost. read_fan_out_* can only be set afterwards:
// they are returned as an UpdateCollection (nil when not needed).
func createRequest(name string, cfg *qdrant.CollectionConfig) (*qdrant.CreateCollection, *qdrant.UpdateCollection, error) {
	if bad := unmappedSettings(cfg); len(bad) > 0 {
		return nil, nil, fmt.Errorf("settings %s cannot be recreated by this vecmig", strings.Join(bad, ", "))
	}
	cfg = proto.Clone(cfg).(*qdrant.CollectionConfig)
	p := cfg.GetParams()
	if p == nil {
		return nil, nil, fmt.Errorf("the definition has no collection parameters")
	}
	req := &qdrant.CreateCollection{
		CollectionName:         name,
		VectorsConfig:          p.VectorsConfig,
		SparseVectorsConfig:    p.SparseVectorsConfig,
		OnDiskPayload:          proto.Bool(p.OnDiskPayload),
		ReplicationFactor:      p.ReplicationFactor,
		WriteConsistencyFactor: p.WriteConsistencyFactor,
		ShardingMethod:         p.ShardingMethod,
		HnswConfig:             cfg.HnswConfig,
		OptimizersConfig:       cfg.OptimizerConfig,
		WalConfig:              cfg.WalConfig,
		QuantizationConfig:     cfg.QuantizationConfig,
		StrictModeConfig:       cfg.StrictModeConfig,
		Metadata:               cfg.Metadata,
	}
	if p.ShardNumber > 0 {
		req.ShardNumber = proto.Uint32(p.ShardNumber)
	}
	var upd *qdrant.UpdateCollection
	if p.ReadFanOutFactor != nil || p.ReadFanOutDelayMs != nil {
		upd = &qdrant.UpdateCollection{
			CollectionName: name,
			Params: &qdrant.CollectionParamsDiff{
				ReadFanOutFactor:  p.ReadFanOutFactor,
				ReadFanOutDelayMs: p.ReadFanOutDelayMs,
			},
		}
	}
	return req, upd, nil
}

// fieldType maps a payload schema type onto the field-index type: the two
// enums are numbered differently.
func fieldType(t qdrant.PayloadSchemaType) (qdrant.FieldType, error) {
	switch t {
	case qdrant.PayloadSchemaType_Keyword:
		return qdrant.FieldType_FieldTypeKeyword, nil
	case qdrant.PayloadSchemaType_Integer:
		return qdrant.FieldType_FieldTypeInteger, nil
	case qdrant.PayloadSchemaType_Float:
		return qdrant.FieldType_FieldTypeFloat, nil
	case qdrant.PayloadSchemaType_Geo:
		return qdrant.FieldType_FieldTypeGeo, nil
	case qdrant.PayloadSchemaType_Text:
		return qdrant.FieldType_FieldTypeText, nil
	case qdrant.PayloadSchemaType_Bool:
		return qdrant.FieldType_FieldTypeBool, nil
	case qdrant.PayloadSchemaType_Datetime:
		return qdrant.FieldType_FieldTypeDatetime, nil
	case qdrant.PayloadSchemaType_Uuid:
		return qdrant.FieldType_FieldTypeUuid, nil
	}
	return 0, fmt.Errorf("payload index type %s is not one vecmig can recreate", t)
}

// indexRequests returns one CreateFieldIndexCollection per payload index,
// sorted by field name.
func indexRequests(name string, schema map[string]*qdrant.PayloadSchemaInfo) ([]*qdrant.CreateFieldIndexCollection, error) {
	fields := make([]string, 0, len(schema))
	for f := range schema {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var out []*qdrant.CreateFieldIndexCollection
	for _, f := range fields {
		info := schema[f]
		ft, err := fieldType(info.GetDataType())
		if err != nil {
			return nil, fmt.Errorf("payload field %q: %w", f, err)
		}
		out = append(out, &qdrant.CreateFieldIndexCollection{
			CollectionName:   name,
			Wait:             proto.Bool(true),
			FieldName:        f,
			FieldType:        ft.Enum(),
			FieldIndexParams: info.GetParams(),
		})
	}
	return out, nil
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func dedupe(sorted []string) []string {
	sort.Strings(sorted)
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
