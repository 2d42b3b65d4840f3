package adaptertest

import (
	"fmt"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant"
)

// QdrantFixtures returns the Qdrant collections every Qdrant-facing test
// loads, n points each:
//
//   - qdrant_int_dense: integer ids, one unnamed 32-d Cosine vector, RichPayload;
//   - qdrant_named: UUID ids, named vectors "text" (64-d Dot float16),
//     "image" (16-d Euclid), "keywords" (sparse, Idf) and "colbert" (multi,
//     8-d Cosine MaxSim), some points lacking some of them;
//   - qdrant_mixed_ids: integer and UUID ids together, one unnamed 8-d Euclid vector;
//   - qdrant_sharded: custom shard keys "eu", "us" and 7 (partition "#7"),
//     payload indexes of six types, non-default HNSW, scalar quantization
//     and optimizer settings.
//
// Definitions are built with qdrant.Definition, the code Describe uses.
func QdrantFixtures(n int) []Fixture {
	return []Fixture{
		qdrantIntDense(n),
		qdrantNamed(n),
		qdrantMixedIDs(n),
		qdrantSharded(n),
	}
}

func qdrantDef(name string, native *qdrant.Native) *adapters.Collection {
	def, err := qdrant.Definition(name, native)
	if err != nil {
		panic(fmt.Sprintf("fixture %s: %v", name, err))
	}
	return def
}

func qdrantIntDense(n int) Fixture {
	const name = "qdrant_int_dense"
	cfg := &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber:   1,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 32, Distance: qc.Distance_Cosine}),
	}}
	ps := make([]adapters.Point, n)
	for i := range ps {
		ps[i] = adapters.Point{
			ID:      adapters.NumID(uint64(i)*3 + 1), // gaps between ids
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: Dense(1, i, 32)}},
			Payload: RichPayload(i),
		}
	}
	return Fixture{Name: name, Def: qdrantDef(name, &qdrant.Native{Config: cfg}), Points: map[string][]adapters.Point{"": ps}}
}

func qdrantNamed(n int) Fixture {
	const name = "qdrant_named"
	cfg := &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber: 1,
		VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
			"text":  {Size: 64, Distance: qc.Distance_Dot, Datatype: qc.Datatype_Float16.Enum()},
			"image": {Size: 16, Distance: qc.Distance_Euclid},
			"colbert": {Size: 8, Distance: qc.Distance_Cosine,
				MultivectorConfig: &qc.MultiVectorConfig{Comparator: qc.MultiVectorComparator_MaxSim}},
		}),
		SparseVectorsConfig: qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{
			"keywords": {Modifier: qc.Modifier_Idf.Enum()},
		}),
	}}
	ps := make([]adapters.Point, n)
	for i := range ps {
		v := map[string]adapters.Vector{}
		if i%11 != 3 {
			v["text"] = adapters.Vector{Dense: Dense(2, i, 64)}
		}
		if i%5 != 1 {
			v["image"] = adapters.Vector{Dense: Dense(3, i, 16)}
		}
		if i%7 != 2 {
			v["keywords"] = adapters.Vector{Sparse: Sparse(4, i)}
		}
		if i%3 != 0 {
			v["colbert"] = adapters.Vector{Multi: Multi(5, i, 4, 8)}
		}
		ps[i] = adapters.Point{ID: UUIDFor(name, i), Vectors: v, Payload: RichPayload(i)}
	}
	SortPoints(ps)
	return Fixture{Name: name, Def: qdrantDef(name, &qdrant.Native{Config: cfg}), Points: map[string][]adapters.Point{"": ps}}
}

func qdrantMixedIDs(n int) Fixture {
	const name = "qdrant_mixed_ids"
	cfg := &qc.CollectionConfig{Params: &qc.CollectionParams{
		ShardNumber:   1,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 8, Distance: qc.Distance_Euclid}),
	}}
	ps := make([]adapters.Point, n)
	for i := range ps {
		id := adapters.NumID(uint64(i) * 1_000_003) // includes 0
		if i%2 == 1 {
			id = UUIDFor(name, i)
		}
		ps[i] = adapters.Point{
			ID:      id,
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: Dense(6, i, 8)}},
			Payload: map[string]any{"i": int64(i), "kind": map[bool]string{true: "uuid", false: "int"}[id.IsUUID()]},
		}
	}
	SortPoints(ps)
	return Fixture{Name: name, Def: qdrantDef(name, &qdrant.Native{Config: cfg}), Points: map[string][]adapters.Point{"": ps}}
}

func qdrantSharded(n int) Fixture {
	const name = "qdrant_sharded"
	cfg := &qc.CollectionConfig{
		Params: &qc.CollectionParams{
			ShardNumber:    1,
			ShardingMethod: qc.ShardingMethod_Custom.Enum(),
			VectorsConfig:  qc.NewVectorsConfig(&qc.VectorParams{Size: 16, Distance: qc.Distance_Dot}),
		},
		HnswConfig: &qc.HnswConfigDiff{M: qp[uint64](32), EfConstruct: qp[uint64](200), FullScanThreshold: qp[uint64](5000), PayloadM: qp[uint64](24)},
		OptimizerConfig: &qc.OptimizersConfigDiff{
			IndexingThreshold:    qp[uint64](50000),
			DefaultSegmentNumber: qp[uint64](2),
			DeletedThreshold:     qp(0.3),
			FlushIntervalSec:     qp[uint64](7),
		},
		QuantizationConfig: qc.NewQuantizationScalar(&qc.ScalarQuantization{
			Type: qc.QuantizationType_Int8, Quantile: qp[float32](0.99), AlwaysRam: qp(true),
		}),
	}
	schema := map[string]*qc.PayloadSchemaInfo{
		"tags": {DataType: qc.PayloadSchemaType_Keyword,
			Params: qc.NewPayloadIndexParamsKeyword(&qc.KeywordIndexParams{IsTenant: qp(false), OnDisk: qp(false)})},
		"i": {DataType: qc.PayloadSchemaType_Integer,
			Params: qc.NewPayloadIndexParamsInt(&qc.IntegerIndexParams{Lookup: qp(true), Range: qp(true), IsPrincipal: qp(false)})},
		"title": {DataType: qc.PayloadSchemaType_Text,
			Params: qc.NewPayloadIndexParamsText(&qc.TextIndexParams{Tokenizer: qc.TokenizerType_Word, Lowercase: qp(true), MinTokenLen: qp[uint64](2), MaxTokenLen: qp[uint64](20)})},
		"score":   {DataType: qc.PayloadSchemaType_Float, Params: qc.NewPayloadIndexParamsFloat(&qc.FloatIndexParams{OnDisk: qp(false)})},
		"flag":    {DataType: qc.PayloadSchemaType_Bool, Params: qc.NewPayloadIndexParamsBool(&qc.BoolIndexParams{})},
		"created": {DataType: qc.PayloadSchemaType_Datetime, Params: qc.NewPayloadIndexParamsDatetime(&qc.DatetimeIndexParams{})},
	}
	keys := []*qc.ShardKey{qc.NewShardKeyKeyword("eu"), qc.NewShardKeyKeyword("us"), qc.NewShardKeyNum(7)}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = qdrant.PartitionName(k)
	}
	points := map[string][]adapters.Point{}
	for i := 0; i < n; i++ {
		part := parts[i%len(parts)]
		points[part] = append(points[part], adapters.Point{
			ID:      adapters.NumID(uint64(i) + 100),
			Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: Dense(7, i, 16)}},
			Payload: RichPayload(i),
		})
	}
	for _, ps := range points {
		SortPoints(ps)
	}
	native := &qdrant.Native{Config: cfg, PayloadSchema: schema, ShardKeys: keys}
	return Fixture{Name: name, Def: qdrantDef(name, native), Points: points}
}

// qp returns a pointer to v, for optional proto fields.
func qp[T any](v T) *T { return &v }
