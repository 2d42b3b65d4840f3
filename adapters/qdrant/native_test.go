package qdrant

import (
	"reflect"
	"sort"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/vecmig/vecmig/adapters"
)

// Every field of CollectionConfig and CollectionParams is mapped onto
// CreateCollection: a go-client upgrade that adds one fails here first.
func TestEveryConfigFieldIsMapped(t *testing.T) {
	check := func(md protoreflect.MessageDescriptor, mapped map[protoreflect.Name]bool) {
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			if name := fields.Get(i).Name(); !mapped[name] {
				t.Errorf("%s.%s is not mapped by createRequest", md.Name(), name)
			}
		}
		if len(mapped) != fields.Len() {
			t.Errorf("%s: %d mapped names for %d fields", md.Name(), len(mapped), fields.Len())
		}
	}
	check((&qdrant.CollectionConfig{}).ProtoReflect().Descriptor(), mappedConfigFields)
	check((&qdrant.CollectionParams{}).ProtoReflect().Descriptor(), mappedParamsFields)
}

func TestCreateRequestCarriesEverySetting(t *testing.T) {
	cfg := &qdrant.CollectionConfig{
		Params: &qdrant.CollectionParams{
			ShardNumber: 3, OnDiskPayload: true,
			VectorsConfig:          qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4, Distance: qdrant.Distance_Dot}),
			ReplicationFactor:      ptr(uint32(2)),
			WriteConsistencyFactor: ptr(uint32(2)),
			ReadFanOutFactor:       ptr(uint32(1)),
			ReadFanOutDelayMs:      ptr(uint64(50)),
			ShardingMethod:         qdrant.ShardingMethod_Custom.Enum(),
			SparseVectorsConfig:    qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"s": {}}),
		},
		HnswConfig:         &qdrant.HnswConfigDiff{M: ptr(uint64(8))},
		OptimizerConfig:    &qdrant.OptimizersConfigDiff{IndexingThreshold: ptr(uint64(1))},
		WalConfig:          &qdrant.WalConfigDiff{WalCapacityMb: ptr(uint64(64))},
		QuantizationConfig: qdrant.NewQuantizationBinary(&qdrant.BinaryQuantization{AlwaysRam: ptr(true)}),
		StrictModeConfig:   &qdrant.StrictModeConfig{Enabled: ptr(true), MaxQueryLimit: ptr(uint32(100))},
		Metadata:           map[string]*qdrant.Value{"owner": qdrant.NewValueString("search")},
	}
	req, upd, err := createRequest("c", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if req.GetShardNumber() != 3 || !req.GetOnDiskPayload() || req.GetReplicationFactor() != 2 ||
		req.GetWriteConsistencyFactor() != 2 || req.GetShardingMethod() != qdrant.ShardingMethod_Custom ||
		req.GetVectorsConfig().GetParams().GetSize() != 4 || req.GetSparseVectorsConfig().GetMap()["s"] == nil ||
		req.GetHnswConfig().GetM() != 8 || req.GetOptimizersConfig().GetIndexingThreshold() != 1 ||
		req.GetWalConfig().GetWalCapacityMb() != 64 || req.GetQuantizationConfig().GetBinary() == nil ||
		req.GetStrictModeConfig().GetMaxQueryLimit() != 100 || req.GetMetadata()["owner"].GetStringValue() != "search" {
		t.Errorf("create request lost a setting: %v", req)
	}
	if upd.GetParams().GetReadFanOutFactor() != 1 || upd.GetParams().GetReadFanOutDelayMs() != 50 {
		t.Errorf("read_fan_out settings not carried over: %v", upd)
	}
}

// Settings the go-client cannot decode (a newer server) make the
// definition unusable for creating, instead of being dropped silently.
func TestUnknownServerSettingsRefused(t *testing.T) {
	cfg := &qdrant.CollectionConfig{Params: &qdrant.CollectionParams{
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4, Distance: qdrant.Distance_Dot}),
	}, HnswConfig: &qdrant.HnswConfigDiff{}}
	unknown := protowire.AppendTag(nil, 99, protowire.VarintType)
	unknown = protowire.AppendVarint(unknown, 1)
	cfg.HnswConfig.ProtoReflect().SetUnknown(unknown)
	def, err := Definition("c", &Native{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ParseNative(def.Native)
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Unmapped) != 1 {
		t.Fatalf("unmapped = %v; want config.hnsw_config listed", n.Unmapped)
	}
	if _, _, err := createRequest("c", cfg); err == nil {
		t.Errorf("createRequest accepted a config with unknown fields")
	}
}

func TestPartitionNames(t *testing.T) {
	for _, k := range []*qdrant.ShardKey{
		qdrant.NewShardKeyKeyword("eu"), qdrant.NewShardKeyNum(7), qdrant.NewShardKeyNum(0),
		qdrant.NewShardKeyKeyword("#7"), qdrant.NewShardKeyKeyword("##x"), qdrant.NewShardKeyKeyword("a#1"),
	} {
		name := PartitionName(k)
		back, err := ShardKeyOf(name)
		if err != nil {
			t.Errorf("ShardKeyOf(%q): %v", name, err)
			continue
		}
		if !reflect.DeepEqual(back.GetKey(), k.GetKey()) {
			t.Errorf("%v -> %q -> %v", k, name, back)
		}
	}
	if _, err := ShardKeyOf("#x"); err == nil {
		t.Errorf("ShardKeyOf(\"#x\") accepted a name that is neither a number nor an escaped keyword")
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	in := map[string]any{
		"big": int64(9007199254740993), "f": 2.5, "whole": 3.0, "s": "naïve", "b": true, "n": nil,
		"list":   []any{int64(1), 2.5, "x", nil, []any{}},
		"nested": map[string]any{"inner": map[string]any{"ok": false}},
	}
	ps, err := qdrantPoint(&adapters.Point{ID: adapters.NumID(1), Payload: in})
	if err != nil {
		t.Fatal(err)
	}
	out, err := neutralPoint(&qdrant.RetrievedPoint{Id: ps.Id, Payload: ps.Payload})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out.Payload) {
		t.Errorf("payload round trip:\n in %#v\nout %#v", in, out.Payload)
	}
	if _, err := qdrantPoint(&adapters.Point{ID: adapters.NumID(1), Payload: map[string]any{"c": make(chan int)}}); err == nil {
		t.Errorf("a channel was accepted as payload")
	}
}

// Older servers send vectors in the flat, deprecated form.
func TestDeprecatedVectorForms(t *testing.T) {
	sparse, err := neutralVector(&qdrant.VectorOutput{Data: []float32{0.5, 1}, Indices: &qdrant.SparseIndices{Data: []uint32{3, 9}}})
	if err != nil || sparse.Sparse == nil || !reflect.DeepEqual(sparse.Sparse.Indices, []uint32{3, 9}) {
		t.Errorf("sparse = %+v, %v", sparse, err)
	}
	multi, err := neutralVector(&qdrant.VectorOutput{Data: []float32{1, 2, 3, 4, 5, 6}, VectorsCount: ptr(uint32(3))})
	if err != nil || !reflect.DeepEqual(multi.Multi, [][]float32{{1, 2}, {3, 4}, {5, 6}}) {
		t.Errorf("multi = %+v, %v", multi, err)
	}
	dense, err := neutralVector(&qdrant.VectorOutput{Data: []float32{1, 2}})
	if err != nil || !reflect.DeepEqual(dense.Dense, []float32{1, 2}) {
		t.Errorf("dense = %+v, %v", dense, err)
	}
}

func TestFieldTypesDistinct(t *testing.T) {
	seen := map[qdrant.FieldType]qdrant.PayloadSchemaType{}
	var names []string
	for v, name := range qdrant.PayloadSchemaType_name {
		typ := qdrant.PayloadSchemaType(v)
		if typ == qdrant.PayloadSchemaType_UnknownType {
			continue
		}
		ft, err := fieldType(typ)
		if err != nil {
			t.Errorf("payload schema type %s has no field type", name)
			continue
		}
		if prev, dup := seen[ft]; dup {
			t.Errorf("%s and %s both map to %s", prev, typ, ft)
		}
		seen[ft] = typ
		names = append(names, name)
	}
	sort.Strings(names)
	if len(seen) != len(qdrant.FieldType_name) {
		t.Errorf("mapped %v onto %d of %d field types", names, len(seen), len(qdrant.FieldType_name))
	}
}

func TestUUIDParse(t *testing.T) {
	id := adapters.MustParseID("0F1E2D3C-4B5A-4978-8695-a4b3c2d1e0ff")
	got, err := neutralID(pointID(id))
	if err != nil || got != id {
		t.Errorf("uuid round trip = %v, %v; want %v", got, err, id)
	}
	got, err = neutralID(&qdrant.PointId{PointIdOptions: &qdrant.PointId_Uuid{Uuid: "0f1e2d3c4b5a49788695a4b3c2d1e0ff"}})
	if err != nil || got != id {
		t.Errorf("uuid without hyphens = %v, %v; want %v", got, err, id)
	}
}

func BenchmarkConvert128(b *testing.B) {
	pts := make([]adapters.Point, 256)
	for i := range pts {
		v := make([]float32, 128)
		for k := range v {
			v[k] = float32(i*k) / 1000
		}
		pts[i] = adapters.Point{ID: adapters.NumID(uint64(i)), Vectors: map[string]adapters.Vector{"": {Dense: v}},
			Payload: map[string]any{"i": int64(i), "s": "text", "f": 0.5}}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range pts {
			ps, err := qdrantPoint(&pts[i])
			if err != nil {
				b.Fatal(err)
			}
			rp := &qdrant.RetrievedPoint{Id: ps.Id, Payload: ps.Payload, Vectors: &qdrant.VectorsOutput{
				VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: ps.Vectors.GetVector().GetDense()}}}}}
			if _, err := neutralPoint(rp); err != nil {
				b.Fatal(err)
			}
		}
	}
}
