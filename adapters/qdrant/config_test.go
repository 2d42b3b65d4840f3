package qdrant_test

import (
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// configCases are collection settings a real Qdrant must accept back from
// its own description: each is created, described, recreated on the other
// server from the description, and described again.
func configCases() map[string]*qc.CreateCollection {
	dense := func(dt qc.Datatype) *qc.VectorsConfig {
		return qc.NewVectorsConfig(&qc.VectorParams{Size: 16, Distance: qc.Distance_Cosine, Datatype: dt.Enum()})
	}
	return map[string]*qc.CreateCollection{
		"uint8_product": {VectorsConfig: dense(qc.Datatype_Uint8),
			QuantizationConfig: qc.NewQuantizationProduct(&qc.ProductQuantization{Compression: qc.CompressionRatio_x16, AlwaysRam: qc.PtrOf(true)})},
		"float16_binary": {VectorsConfig: dense(qc.Datatype_Float16),
			QuantizationConfig: qc.NewQuantizationBinary(&qc.BinaryQuantization{AlwaysRam: qc.PtrOf(false)})},
		"per_vector_settings": {VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
			"a": {Size: 8, Distance: qc.Distance_Manhattan, OnDisk: qc.PtrOf(true),
				HnswConfig:         &qc.HnswConfigDiff{M: qc.PtrOf(uint64(8)), EfConstruct: qc.PtrOf(uint64(64))},
				QuantizationConfig: qc.NewQuantizationScalar(&qc.ScalarQuantization{Type: qc.QuantizationType_Int8})},
			"b": {Size: 4, Distance: qc.Distance_Dot, MultivectorConfig: &qc.MultiVectorConfig{Comparator: qc.MultiVectorComparator_MaxSim}},
		}),
			SparseVectorsConfig: qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{
				"s": {Index: &qc.SparseIndexConfig{OnDisk: qc.PtrOf(true), FullScanThreshold: qc.PtrOf(uint64(500))}, Modifier: qc.Modifier_Idf.Enum()},
			})},
		"shards_strict_metadata": {VectorsConfig: dense(qc.Datatype_Float32), ShardNumber: qc.PtrOf(uint32(3)),
			OnDiskPayload:    qc.PtrOf(false),
			StrictModeConfig: &qc.StrictModeConfig{Enabled: qc.PtrOf(true), UpsertMaxBatchsize: qc.PtrOf(uint64(500))},
			WalConfig:        &qc.WalConfigDiff{WalCapacityMb: qc.PtrOf(uint64(16))},
			Metadata:         qc.NewValueMap(map[string]any{"owner": "search", "tier": 2})},
	}
}

func TestConfigsRoundTripOnRealQdrant(t *testing.T) {
	tg, tg2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	ctx := adaptertest.Ctx(t)
	for name, req := range configCases() {
		t.Run(name, func(t *testing.T) {
			req.CollectionName = tg.NewName(t, name)
			if err := tg.Client(t).CreateCollection(ctx, req); err != nil {
				t.Fatalf("create: %v", err)
			}
			c := tg.Client(t)
			for _, f := range []struct {
				key string
				typ qc.FieldType
			}{{"city", qc.FieldType_FieldTypeKeyword}, {"loc", qc.FieldType_FieldTypeGeo}, {"ref", qc.FieldType_FieldTypeUuid}} {
				if _, err := c.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{CollectionName: req.CollectionName,
					FieldName: f.key, FieldType: f.typ.Enum(), Wait: qc.PtrOf(true)}); err != nil {
					t.Fatalf("index %s: %v", f.key, err)
				}
			}
			def := describe(t, tg.Endpoint(req.CollectionName), config(tg))
			copyName := tg2.NewName(t, name)
			d := *def
			d.Name = copyName
			if err := openSink(t, tg2.Endpoint(copyName), config(tg2)).Prepare(ctx, &d, adapters.ExistsFail); err != nil {
				t.Fatalf("recreate from the description: %v", err)
			}
			got := describe(t, tg2.Endpoint(copyName), config(tg2))
			if string(def.Native) != string(got.Native) {
				t.Errorf("definition changed in the copy:\nsource %s\ncopy   %s", def.Native, got.Native)
			}
			if a, b := restConfig(t, tg, req.CollectionName), restConfig(t, tg2, copyName); len(a) != len(b) {
				t.Errorf("REST config blocks differ: source %d, copy %d", len(a), len(b))
			}
		})
	}
}
