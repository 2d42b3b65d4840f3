package main

// Qdrant collections that translate to Weaviate (the shared
// adaptertest.QdrantFixtures hold integers beyond 2^53 and mixed-type
// lists, which a Weaviate target refuses), each with the points as the
// target must hold them, written out by the rules of adapters/mapping.

import (
	"fmt"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	qadapter "github.com/vecmig/vecmig/adapters/qdrant"
)

// crossFixture is a source fixture and what the other engine must hold.
type crossFixture struct {
	adaptertest.Fixture
	// want are the target's points by partition, sorted by target id.
	want map[string][]adapters.Point
	// wantVectors are the target's vector names with their kind and
	// distance (sizes are not declared by Weaviate).
	wantVectors map[string]adapters.VectorSpec
	// wantTypes are the target's property data types by path
	// ("meta.inner.ok"), for a Weaviate target.
	wantTypes map[string]string
	// renamed maps target property paths to the source keys they hold.
	renamed map[string]string
	// renamedVectors maps target vector names to the source's.
	renamedVectors map[string]string
	// dropVectors are the --drop-vector flags the copy needs.
	dropVectors []string
}

// intUUID is the documented UUID of Qdrant integer id n: zeros, then n
// as 16 hex digits.
func intUUID(n uint64) adapters.ID {
	return adapters.MustParseID(fmt.Sprintf("00000000-0000-0000-%04x-%012x", n>>48, n&(1<<48-1)))
}

// weaviateID is the id a Qdrant point id has in Weaviate.
func weaviateID(id adapters.ID) adapters.ID {
	if id.IsUUID() {
		return id
	}
	return intUUID(id.Num())
}

func qdrantFixtureDef(name string, cfg *qc.CollectionConfig, schema map[string]*qc.PayloadSchemaInfo, keys ...*qc.ShardKey) *adapters.Collection {
	def, err := qadapter.Definition(name, &qadapter.Native{Config: cfg, PayloadSchema: schema, ShardKeys: keys})
	if err != nil {
		panic(fmt.Sprintf("fixture %s: %v", name, err))
	}
	return def
}

func ptrTo[T any](v T) *T { return &v }

func oneVector(size uint64, d qc.Distance) *qc.CollectionConfig {
	return &qc.CollectionConfig{Params: &qc.CollectionParams{ShardNumber: 1,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: size, Distance: d})}}
}

// richPayloads returns point i's Qdrant payload and its Weaviate
// properties: keys Weaviate refuses (renamed), every inferable type,
// nesting, arrays, a key null on some points and one absent on others.
func richPayloads(i int) (q, w map[string]any) {
	created := fmt.Sprintf("2024-%02d-%02dT%02d:%02d:00Z", 1+i%12, 1+i%28, i%24, i%60)
	ref := adaptertest.UUIDFor("ce-ref", i).String()
	lat, lon := 40+float64(i%64)/8, -3.5+float64(i%16)/4 // exact in float32, as Weaviate stores geo
	inner := map[string]any{"ok": i%4 == 0, "ratio": float64(i%8)/8 + 0.0625}
	q = map[string]any{
		"title":   fmt.Sprintf("doc %d", i),
		"Title":   fmt.Sprintf("Headline %d", i),
		"my-key":  fmt.Sprintf("value %d", i),
		"id":      int64(1000 + i),
		"2fa":     i%3 == 0,
		"i":       int64(i),
		"score":   float64(i) + 0.25,
		"flag":    i%2 == 0,
		"created": created,
		"ref":     ref,
		"loc":     map[string]any{"lat": lat, "lon": lon},
		"meta":    map[string]any{"level": int64(i % 3), "sub-key": fmt.Sprintf("s%d", i), "inner": inner},
		"tags":    []any{fmt.Sprintf("t%d", i%5), "all"},
		"nums":    []any{int64(i), -7 * int64(i)},
		"ratios":  []any{0.5, float64(i)/4 + 0.125},
		"items":   []any{map[string]any{"k": "a", "v": int64(i)}, map[string]any{"k": "b", "v": -int64(i)}},
		"maybe":   fmt.Sprintf("m%d", i),
	}
	if i%4 == 0 {
		q["maybe"] = nil
	}
	if i%3 == 1 {
		q["sometimes"] = int64(i * 11)
	}
	w = map[string]any{
		"title": q["title"], "title_2": q["Title"], "my_key": q["my-key"], "id_": q["id"], "_2fa": q["2fa"],
		"i": q["i"], "score": q["score"], "flag": q["flag"], "created": created, "ref": ref,
		"loc":  map[string]any{"latitude": lat, "longitude": lon},
		"meta": map[string]any{"level": int64(i % 3), "sub_key": fmt.Sprintf("s%d", i), "inner": inner},
		"tags": q["tags"], "nums": q["nums"], "ratios": q["ratios"], "items": q["items"],
	}
	if q["maybe"] != nil {
		w["maybe"] = q["maybe"]
	}
	if v, ok := q["sometimes"]; ok {
		w["sometimes"] = v
	}
	return q, w
}

// qdrantRich: integer ids (one beyond 2^63), one unnamed 32-d Cosine
// vector, richPayloads, and the payload indexes that decide types.
func qdrantRich(n int) crossFixture {
	const name = "ce_rich"
	schema := map[string]*qc.PayloadSchemaInfo{
		"title":   {DataType: qc.PayloadSchemaType_Text, Params: qc.NewPayloadIndexParamsText(&qc.TextIndexParams{Tokenizer: qc.TokenizerType_Word})},
		"my-key":  {DataType: qc.PayloadSchemaType_Keyword},
		"i":       {DataType: qc.PayloadSchemaType_Integer},
		"score":   {DataType: qc.PayloadSchemaType_Float},
		"flag":    {DataType: qc.PayloadSchemaType_Bool},
		"created": {DataType: qc.PayloadSchemaType_Datetime},
		"ref":     {DataType: qc.PayloadSchemaType_Uuid},
		"loc":     {DataType: qc.PayloadSchemaType_Geo},
		"tags":    {DataType: qc.PayloadSchemaType_Keyword},
	}
	fx := crossFixture{
		Fixture: adaptertest.Fixture{Name: name, Def: qdrantFixtureDef(name, oneVector(32, qc.Distance_Cosine), schema), Points: map[string][]adapters.Point{}},
		want:    map[string][]adapters.Point{},
		wantVectors: map[string]adapters.VectorSpec{
			adapters.DefaultVector: {Kind: "dense", Distance: adapters.Cosine, Normalized: true},
		},
		wantTypes: map[string]string{
			"title": "text", "title_2": "text", "my_key": "text", "id_": "int", "_2fa": "boolean",
			"i": "int", "score": "number", "flag": "boolean", "created": "date", "ref": "uuid",
			"loc": "geoCoordinates", "meta": "object", "meta.level": "int", "meta.sub_key": "text",
			"meta.inner": "object", "meta.inner.ok": "boolean", "meta.inner.ratio": "number",
			"tags": "text[]", "nums": "int[]", "ratios": "number[]", "items": "object[]",
			"items.k": "text", "items.v": "int", "maybe": "text", "sometimes": "int",
		},
		renamed: map[string]string{"title_2": "Title", "my_key": "my-key", "id_": "id", "_2fa": "2fa", "meta.sub_key": "sub-key"},
	}
	for i := 0; i < n; i++ {
		id := adapters.NumID(uint64(i)*3 + 1)
		if i == n-1 {
			id = adapters.NumID(1<<63 + 5) // beyond int64: the UUID carries all 64 bits
		}
		vec := adaptertest.Dense(21, i, 32)
		q, w := richPayloads(i)
		fx.Points[""] = append(fx.Points[""], adapters.Point{ID: id, Vectors: map[string]adapters.Vector{"": {Dense: vec}}, Payload: q})
		fx.want[""] = append(fx.want[""], adapters.Point{ID: weaviateID(id), Vectors: map[string]adapters.Vector{"": {Dense: vec}}, Payload: w})
	}
	sortAll(fx)
	return fx
}

// qdrantNamedVectors: UUID ids; named vectors of every kind and distance
// Weaviate has, one with a name Weaviate refuses ("my-vec"), and a sparse
// one that must be dropped; some points lack some vectors.
func qdrantNamedVectors(n int, sparse bool) crossFixture {
	const name = "ce_named"
	cfg := &qc.CollectionConfig{Params: &qc.CollectionParams{ShardNumber: 1,
		VectorsConfig: qc.NewVectorsConfigMap(map[string]*qc.VectorParams{
			"text":   {Size: 64, Distance: qc.Distance_Dot},
			"image":  {Size: 16, Distance: qc.Distance_Euclid},
			"my-vec": {Size: 8, Distance: qc.Distance_Manhattan},
			"colbert": {Size: 8, Distance: qc.Distance_Cosine,
				MultivectorConfig: &qc.MultiVectorConfig{Comparator: qc.MultiVectorComparator_MaxSim}},
		})}}
	fx := crossFixture{
		want: map[string][]adapters.Point{},
		wantVectors: map[string]adapters.VectorSpec{
			"text": {Kind: "dense", Distance: adapters.Dot}, "image": {Kind: "dense", Distance: adapters.Euclid},
			"my_vec":  {Kind: "dense", Distance: adapters.Manhattan},
			"colbert": {Kind: "multi", Distance: adapters.Cosine, Normalized: true},
		},
		wantTypes:      map[string]string{"n": "int", "title": "text"},
		renamedVectors: map[string]string{"my_vec": "my-vec"},
	}
	if sparse {
		cfg.Params.SparseVectorsConfig = qc.NewSparseVectorsConfig(map[string]*qc.SparseVectorParams{"keywords": {Modifier: qc.Modifier_Idf.Enum()}})
		fx.dropVectors = []string{"keywords"}
	}
	fx.Fixture = adaptertest.Fixture{Name: name, Def: qdrantFixtureDef(name, cfg, nil), Points: map[string][]adapters.Point{}}
	for i := 0; i < n; i++ {
		v, w := map[string]adapters.Vector{}, map[string]adapters.Vector{}
		if i%11 != 3 {
			v["text"] = adapters.Vector{Dense: adaptertest.Dense(22, i, 64)}
			w["text"] = v["text"]
		}
		if i%5 != 1 {
			v["image"] = adapters.Vector{Dense: adaptertest.Dense(23, i, 16)}
			w["image"] = v["image"]
		}
		v["my-vec"] = adapters.Vector{Dense: adaptertest.Dense(24, i, 8)}
		w["my_vec"] = v["my-vec"]
		if i%3 != 0 {
			v["colbert"] = adapters.Vector{Multi: adaptertest.Multi(25, i, 4, 8)}
			w["colbert"] = v["colbert"]
		}
		if sparse && i%7 != 2 {
			v["keywords"] = adapters.Vector{Sparse: adaptertest.Sparse(26, i)}
		}
		payload := map[string]any{"n": int64(i), "title": fmt.Sprintf("named %d", i)}
		id := adaptertest.UUIDFor(name, i)
		fx.Points[""] = append(fx.Points[""], adapters.Point{ID: id, Vectors: v, Payload: payload})
		fx.want[""] = append(fx.want[""], adapters.Point{ID: id, Vectors: w, Payload: payload})
	}
	sortAll(fx)
	return fx
}

// qdrantMixedIDs: integer ids (0 and 2^63+9 among them) and UUIDs
// together, one unnamed 8-d Euclid vector.
func qdrantMixedIDs(n int) crossFixture {
	const name = "ce_mixed"
	fx := crossFixture{
		Fixture:     adaptertest.Fixture{Name: name, Def: qdrantFixtureDef(name, oneVector(8, qc.Distance_Euclid), nil), Points: map[string][]adapters.Point{}},
		want:        map[string][]adapters.Point{},
		wantVectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Euclid}},
		wantTypes:   map[string]string{"i": "int", "kind": "text"},
	}
	for i := 0; i < n; i++ {
		id := adapters.NumID(uint64(i) * 1_000_003) // includes 0
		switch {
		case i == 1:
			id = adapters.NumID(1<<63 + 9)
		case i%2 == 1:
			id = adaptertest.UUIDFor(name, i)
		}
		p := adapters.Point{ID: id,
			Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(27, i, 8)}},
			Payload: map[string]any{"i": int64(i), "kind": map[bool]string{true: "uuid", false: "int"}[id.IsUUID()]}}
		fx.Points[""] = append(fx.Points[""], p)
		w := p
		w.ID = weaviateID(id)
		fx.want[""] = append(fx.want[""], w)
	}
	sortAll(fx)
	return fx
}

// qdrantShardKeys: custom shard keys "eu" and "us" (tenants in Weaviate),
// one unnamed 16-d Dot vector, payload indexes of six types.
func qdrantShardKeys(n int) crossFixture {
	const name = "ce_sharded"
	cfg := oneVector(16, qc.Distance_Dot)
	cfg.Params.ShardingMethod = qc.ShardingMethod_Custom.Enum()
	schema := map[string]*qc.PayloadSchemaInfo{
		"tags":    {DataType: qc.PayloadSchemaType_Keyword},
		"i":       {DataType: qc.PayloadSchemaType_Integer},
		"title":   {DataType: qc.PayloadSchemaType_Text, Params: qc.NewPayloadIndexParamsText(&qc.TextIndexParams{Tokenizer: qc.TokenizerType_Word})},
		"score":   {DataType: qc.PayloadSchemaType_Float},
		"flag":    {DataType: qc.PayloadSchemaType_Bool},
		"created": {DataType: qc.PayloadSchemaType_Datetime},
	}
	keys := []*qc.ShardKey{qc.NewShardKeyKeyword("eu"), qc.NewShardKeyKeyword("us")}
	fx := crossFixture{
		Fixture:     adaptertest.Fixture{Name: name, Def: qdrantFixtureDef(name, cfg, schema, keys...), Points: map[string][]adapters.Point{}},
		want:        map[string][]adapters.Point{},
		wantVectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Dot}},
		wantTypes: map[string]string{"tags": "text[]", "i": "int", "title": "text", "score": "number",
			"flag": "boolean", "created": "date"},
	}
	for i := 0; i < n; i++ {
		part := []string{"eu", "us"}[i%2]
		if i%5 == 4 {
			part = "eu" // uneven: the counts per tenant must still match
		}
		q, _ := richPayloads(i)
		payload := map[string]any{}
		for _, k := range []string{"tags", "i", "title", "score", "flag", "created"} {
			payload[k] = q[k]
		}
		id := adapters.NumID(uint64(i) + 100)
		vec := map[string]adapters.Vector{"": {Dense: adaptertest.Dense(28, i, 16)}}
		fx.Points[part] = append(fx.Points[part], adapters.Point{ID: id, Vectors: vec, Payload: payload})
		fx.want[part] = append(fx.want[part], adapters.Point{ID: weaviateID(id), Vectors: vec, Payload: payload})
	}
	sortAll(fx)
	return fx
}

// qdrantIndexedArrays: arrays under payload indexes (integer and float
// with range, datetime), which become Weaviate array types.
func qdrantIndexedArrays(n int) crossFixture {
	const name = "ce_arrays"
	schema := map[string]*qc.PayloadSchemaInfo{
		"nums":   {DataType: qc.PayloadSchemaType_Integer, Params: qc.NewPayloadIndexParamsInt(&qc.IntegerIndexParams{Lookup: ptrTo(true), Range: ptrTo(true)})},
		"ratios": {DataType: qc.PayloadSchemaType_Float},
		"days":   {DataType: qc.PayloadSchemaType_Datetime},
	}
	fx := crossFixture{
		Fixture:     adaptertest.Fixture{Name: name, Def: qdrantFixtureDef(name, oneVector(8, qc.Distance_Dot), schema), Points: map[string][]adapters.Point{}},
		want:        map[string][]adapters.Point{},
		wantVectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Dot}},
		wantTypes:   map[string]string{"nums": "int[]", "ratios": "number[]", "days": "date[]"},
	}
	for i := 0; i < n; i++ {
		p := adapters.Point{ID: adapters.NumID(uint64(i) + 1),
			Vectors: map[string]adapters.Vector{"": {Dense: adaptertest.Dense(29, i, 8)}},
			Payload: map[string]any{
				"nums":   []any{int64(i), int64(i * 2)},
				"ratios": []any{float64(i) + 0.5, 0.25},
				"days":   []any{fmt.Sprintf("2022-%02d-01T00:00:00Z", 1+i%12), "2021-06-15T12:30:00Z"},
			}}
		fx.Points[""] = append(fx.Points[""], p)
		w := p
		w.ID = weaviateID(p.ID)
		fx.want[""] = append(fx.want[""], w)
	}
	sortAll(fx)
	return fx
}

func sortAll(fx crossFixture) {
	for _, ps := range fx.Points {
		adaptertest.SortPoints(ps)
	}
	for _, ps := range fx.want {
		adaptertest.SortPoints(ps)
	}
}

// crossQdrantFixtures are the Qdrant kinds every Qdrant -> Weaviate test
// copies, n points each.
func crossQdrantFixtures(n int) []crossFixture {
	return []crossFixture{qdrantRich(n), qdrantNamedVectors(n, true), qdrantMixedIDs(n), qdrantShardKeys(n), qdrantIndexedArrays(n)}
}
