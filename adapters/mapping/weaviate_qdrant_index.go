package mapping

import (
	"fmt"

	"github.com/qdrant/go-client/qdrant"
)

// qdrantPQRatios are Qdrant's product-quantization compression ratios.
var qdrantPQRatios = map[uint64]qdrant.CompressionRatio{
	4: qdrant.CompressionRatio_x4, 8: qdrant.CompressionRatio_x8, 16: qdrant.CompressionRatio_x16,
	32: qdrant.CompressionRatio_x32, 64: qdrant.CompressionRatio_x64,
}

// indexSettings sets vp's hnsw and quantization from v's index
// configuration and returns the settings it did not map (for the report).
// Quantizers that are off, and flags at their off value, are no setting.
func (w *wqTranslation) indexSettings(v wVector, vp *qdrant.VectorParams) map[string]any {
	rest := map[string]any{}
	for k, x := range v.config {
		rest[k] = x
	}
	delete(rest, "distance")
	for _, k := range []string{"skipDefaultQuantization", "trackDefaultQuantization", "skip"} {
		if b, ok := rest[k].(bool); ok && !b {
			delete(rest, k)
		}
	}
	w.multivector(v, rest)
	hnsw := v.config
	switch v.index {
	case "", "hnsw":
	case "dynamic":
		hnsw, _ = v.config["hnsw"].(map[string]any)
		w.notCarried("%s: index type dynamic (flat until a threshold, then hnsw): Qdrant always builds hnsw; its hnsw settings are carried", wqVectorLabel(v))
	default:
		hnsw = nil
		w.notCarried("%s: index type %s: Qdrant builds hnsw with its defaults (set hnsw m=0 on the target for a full scan like flat)", wqVectorLabel(v), v.index)
	}
	if cfg := wqHnswConfig(hnsw); cfg != nil {
		vp.HnswConfig = cfg
		if v.index == "dynamic" {
			delete(rest["hnsw"].(map[string]any), "maxConnections")
			delete(rest["hnsw"].(map[string]any), "efConstruction")
		} else {
			delete(rest, "maxConnections")
			delete(rest, "efConstruction")
		}
	}
	for _, q := range []string{"pq", "bq", "sq", "rq"} {
		if !wqEnabled(rest[q]) {
			delete(rest, q)
			continue
		}
		if qc, ok := w.quantization(v, q, rest[q].(map[string]any)); ok {
			vp.QuantizationConfig = qc
		}
	}
	return rest
}

func wqHnswConfig(h map[string]any) *qdrant.HnswConfigDiff {
	m, okM := wqUintOf(h["maxConnections"])
	ef, okEf := wqUintOf(h["efConstruction"])
	if !okM && !okEf {
		return nil
	}
	cfg := &qdrant.HnswConfigDiff{}
	if okM {
		cfg.M = &m
	}
	if okEf {
		cfg.EfConstruct = &ef
	}
	return cfg
}

// multivector consumes the multivector block: MaxSim is what Qdrant does;
// MUVERA encoding is reported.
func (w *wqTranslation) multivector(v wVector, rest map[string]any) {
	mv, ok := rest["multivector"].(map[string]any)
	if !ok {
		return
	}
	delete(rest, "multivector")
	if !wqEnabled(mv) {
		return
	}
	if agg := wqStr(mv["aggregation"]); agg != "" && agg != "maxSim" {
		w.notCarried("%s: multi-vector aggregation %q (Qdrant compares multi-vectors with MaxSim)", wqVectorLabel(v), agg)
	}
	if wqEnabled(mv["muvera"]) {
		w.notCarried("%s: MUVERA encoding %s (Qdrant stores the multi-vectors themselves)", wqVectorLabel(v), wqCompactJSON(mv["muvera"]))
	}
}

// quantization maps one enabled Weaviate quantizer. The quantizer's other
// settings (rescoreLimit, trainingLimit, cache) stay in rest.
func (w *wqTranslation) quantization(v wVector, q string, cfg map[string]any) (*qdrant.QuantizationConfig, bool) {
	delete(cfg, "enabled")
	switch q {
	case "bq":
		return qdrant.NewQuantizationBinary(&qdrant.BinaryQuantization{}), true
	case "sq":
		return qdrant.NewQuantizationScalar(&qdrant.ScalarQuantization{Type: qdrant.QuantizationType_Int8}), true
	case "pq":
		return w.productQuantization(v, cfg)
	}
	w.notCarried("%s: quantization %s (Qdrant has no counterpart; scalar int8 is the closest)", wqVectorLabel(v), q)
	cfg["enabled"] = true
	return nil, false
}

// productQuantization maps pq when its compression is one Qdrant has:
// 256 centroids make each segment one byte, so the ratio is 4*size/segments.
func (w *wqTranslation) productQuantization(v wVector, cfg map[string]any) (*qdrant.QuantizationConfig, bool) {
	seg, _ := wqUintOf(cfg["segments"])
	cent, okC := wqUintOf(cfg["centroids"])
	var ratio uint64
	if seg > 0 && uint64(v.spec.Size)*4%seg == 0 {
		ratio = uint64(v.spec.Size) * 4 / seg
	}
	r, ok := qdrantPQRatios[ratio]
	if !ok || (okC && cent != 256) {
		w.notCarried("%s: product quantization with %d segments and %d centroids on %d dimensions (compression %s; Qdrant offers x4 to x64 only)", wqVectorLabel(v), seg, cent, v.spec.Size, wqRatioText(ratio))
		cfg["enabled"] = true
		return nil, false
	}
	delete(cfg, "segments")
	delete(cfg, "centroids")
	return qdrant.NewQuantizationProduct(&qdrant.ProductQuantization{Compression: r}), true
}

func wqRatioText(r uint64) string {
	if r == 0 {
		return "chosen by Weaviate from the data"
	}
	return fmt.Sprintf("x%d", r)
}
