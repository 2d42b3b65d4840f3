package qdranttest

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func client(t *testing.T, s *Server, apiKey string) *qdrant.Client {
	t.Helper()
	c, err := qdrant.NewClient(&qdrant.Config{
		Host: "127.0.0.1", Port: s.GRPCPort(), APIKey: apiKey,
		SkipCompatibilityCheck: true, PoolSize: 1,
	})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustCreate(t *testing.T, c *qdrant.Client, req *qdrant.CreateCollection) {
	t.Helper()
	if err := c.CreateCollection(context.Background(), req); err != nil {
		t.Fatalf("create %s: %v", req.CollectionName, err)
	}
}

func mustUpsert(t *testing.T, c *qdrant.Client, req *qdrant.UpsertPoints) {
	t.Helper()
	req.Wait = qdrant.PtrOf(true)
	if _, err := c.Upsert(context.Background(), req); err != nil {
		t.Fatalf("upsert: %v", err)
	}
}

func code(err error) codes.Code { return status.Code(err) }

func TestHealthCheckReportsVersion(t *testing.T) {
	s := Start(t, Options{Version: "1.15.0"})
	c := client(t, s, "")
	r, err := c.HealthCheck(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Title != "qdrant - vector search engine" || r.Version != "1.15.0" {
		t.Fatalf("health = %q %q", r.Title, r.Version)
	}
	if v := Start(t, Options{}).opts.Version; v != "1.16.3" {
		t.Fatalf("default version %q", v)
	}
}

func TestCollectionLifecycleAndErrors(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{
		CollectionName: "docs",
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4, Distance: qdrant.Distance_Dot}),
	})
	err := c.CreateCollection(ctx, &qdrant.CreateCollection{
		CollectionName: "docs",
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4, Distance: qdrant.Distance_Dot}),
	})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("create existing: %v, want InvalidArgument", err)
	}
	if ok, _ := c.CollectionExists(ctx, "docs"); !ok {
		t.Fatal("docs should exist")
	}
	if ok, _ := c.CollectionExists(ctx, "nope"); ok {
		t.Fatal("nope should not exist")
	}
	if _, err := c.GetCollectionInfo(ctx, "nope"); code(err) != codes.NotFound {
		t.Fatalf("get missing: %v, want NotFound", err)
	}
	names, err := c.ListCollections(ctx)
	if err != nil || len(names) != 1 || names[0] != "docs" {
		t.Fatalf("list = %v, %v", names, err)
	}
	if err := c.DeleteCollection(ctx, "docs"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.CollectionExists(ctx, "docs"); ok {
		t.Fatal("docs should be gone")
	}
}

func TestCollectionInfoReturnsConfigWithDefaults(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{
		CollectionName: "cfg",
		VectorsConfig: qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{
			"text": {Size: 8, Distance: qdrant.Distance_Cosine, Datatype: qdrant.Datatype_Float16.Enum(),
				HnswConfig: &qdrant.HnswConfigDiff{M: qdrant.PtrOf(uint64(32))}},
			"colbert": {Size: 4, Distance: qdrant.Distance_Dot,
				MultivectorConfig: &qdrant.MultiVectorConfig{Comparator: qdrant.MultiVectorComparator_MaxSim}},
		}),
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{
			"bm25": {Modifier: qdrant.Modifier_Idf.Enum()},
		}),
		ShardNumber:      qdrant.PtrOf(uint32(3)),
		OnDiskPayload:    qdrant.PtrOf(false),
		HnswConfig:       &qdrant.HnswConfigDiff{EfConstruct: qdrant.PtrOf(uint64(200))},
		OptimizersConfig: &qdrant.OptimizersConfigDiff{IndexingThreshold: qdrant.PtrOf(uint64(0))},
	})
	if _, err := c.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
		CollectionName: "cfg", FieldName: "lang", FieldType: qdrant.FieldType_FieldTypeKeyword.Enum(),
		FieldIndexParams: qdrant.NewPayloadIndexParamsKeyword(&qdrant.KeywordIndexParams{IsTenant: qdrant.PtrOf(true)}),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
		CollectionName: "cfg", FieldName: "year", FieldType: qdrant.FieldType_FieldTypeInteger.Enum(),
	}); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetCollectionInfo(ctx, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	p := info.GetConfig().GetParams()
	if p.GetShardNumber() != 3 || p.GetOnDiskPayload() || p.GetReplicationFactor() != 1 || p.GetWriteConsistencyFactor() != 1 {
		t.Fatalf("params = %v", p)
	}
	text := p.GetVectorsConfig().GetParamsMap().GetMap()["text"]
	if text.GetSize() != 8 || text.GetDatatype() != qdrant.Datatype_Float16 || text.GetHnswConfig().GetM() != 32 {
		t.Fatalf("text = %v", text)
	}
	if p.GetVectorsConfig().GetParamsMap().GetMap()["colbert"].GetMultivectorConfig() == nil {
		t.Fatal("colbert lost its multivector_config")
	}
	if p.GetSparseVectorsConfig().GetMap()["bm25"].GetModifier() != qdrant.Modifier_Idf {
		t.Fatal("bm25 lost its modifier")
	}
	h := info.GetConfig().GetHnswConfig()
	if h.GetM() != 16 || h.GetEfConstruct() != 200 || h.GetFullScanThreshold() != 10000 {
		t.Fatalf("hnsw = %v", h)
	}
	if info.GetConfig().GetOptimizerConfig().GetIndexingThreshold() != 0 || info.GetConfig().GetWalConfig().GetWalCapacityMb() != 32 {
		t.Fatalf("optimizer/wal = %v / %v", info.GetConfig().GetOptimizerConfig(), info.GetConfig().GetWalConfig())
	}
	if info.GetStatus() != qdrant.CollectionStatus_Green {
		t.Fatalf("status %v", info.GetStatus())
	}
	lang := info.GetPayloadSchema()["lang"]
	if lang.GetDataType() != qdrant.PayloadSchemaType_Keyword || !lang.GetParams().GetKeywordIndexParams().GetIsTenant() {
		t.Fatalf("lang schema = %v", lang)
	}
	if info.GetPayloadSchema()["year"].GetDataType() != qdrant.PayloadSchemaType_Integer {
		t.Fatalf("year schema = %v", info.GetPayloadSchema()["year"])
	}
}

// ids 3, 1, two UUIDs and 2, written out of order.
func mixedPoints() []*qdrant.PointStruct {
	mk := func(id *qdrant.PointId, x float32) *qdrant.PointStruct {
		return &qdrant.PointStruct{Id: id, Vectors: qdrant.NewVectors(x, 0),
			Payload: qdrant.NewValueMap(map[string]any{"x": int64(x), "f": float64(x) + 0.5})}
	}
	return []*qdrant.PointStruct{
		mk(qdrant.NewIDUUID("ffffffff-0000-0000-0000-000000000000"), 5),
		mk(qdrant.NewIDNum(3), 3),
		mk(qdrant.NewIDUUID("0000000A-0000-0000-0000-000000000000"), 4),
		mk(qdrant.NewIDNum(1), 1),
		mk(qdrant.NewIDNum(2), 2),
	}
}

func idString(id *qdrant.PointId) string {
	if u := id.GetUuid(); u != "" {
		return u
	}
	return strconv.FormatUint(id.GetNum(), 10)
}

func TestScrollOrderOffsetAndNextPage(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "mix",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 2, Distance: qdrant.Distance_Euclid})})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "mix", Points: mixedPoints()})

	want := []string{"1", "2", "3", "0000000a-0000-0000-0000-000000000000", "ffffffff-0000-0000-0000-000000000000"}
	var got []string
	var offset *qdrant.PointId
	pages := 0
	for {
		pts, next, err := c.ScrollAndOffset(ctx, &qdrant.ScrollPoints{CollectionName: "mix", Limit: qdrant.PtrOf(uint32(2)), Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range pts {
			got = append(got, idString(p.Id))
			if p.Vectors != nil {
				t.Fatal("vectors returned without with_vectors")
			}
			if p.Payload["x"].GetIntegerValue() == 0 || p.Payload["f"].GetDoubleValue() == 0 {
				t.Fatalf("payload of %v = %v (default with_payload is true; ints and doubles stay distinct)", p.Id, p.Payload)
			}
		}
		if next == nil {
			break
		}
		if idString(next) != want[len(got)] {
			t.Fatalf("next_page_offset %v, want the next page's first id %s", next, want[len(got)])
		}
		offset = next
	}
	if pages != 3 || len(got) != len(want) {
		t.Fatalf("pages %d, got %v", pages, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	// An exact last page has no next_page_offset.
	_, next, err := c.ScrollAndOffset(ctx, &qdrant.ScrollPoints{CollectionName: "mix", Limit: qdrant.PtrOf(uint32(5))})
	if err != nil || next != nil {
		t.Fatalf("next = %v, err %v", next, err)
	}
	// The offset is inclusive, even for an id that is not stored.
	pts, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "mix", Offset: qdrant.NewIDNum(2)})
	if err != nil || len(pts) != 4 || pts[0].Id.GetNum() != 2 {
		t.Fatalf("scroll from 2 = %v, %v", pts, err)
	}
	pts, err = c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "mix", Offset: qdrant.NewIDNum(4)})
	if err != nil || len(pts) != 2 || pts[0].Id.GetUuid() == "" {
		t.Fatalf("scroll from 4 = %v, %v", pts, err)
	}
	n, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: "mix", Exact: qdrant.PtrOf(true)})
	if err != nil || n != 5 {
		t.Fatalf("count %d, %v", n, err)
	}
	// HasId filter for scroll, count and delete.
	f := &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewHasID(qdrant.NewIDNum(1), qdrant.NewIDNum(3))}}
	n, err = c.Count(ctx, &qdrant.CountPoints{CollectionName: "mix", Filter: f})
	if err != nil || n != 2 {
		t.Fatalf("filtered count %d, %v", n, err)
	}
	if _, err := c.Delete(ctx, &qdrant.DeletePoints{CollectionName: "mix", Wait: qdrant.PtrOf(true), Points: qdrant.NewPointsSelectorFilter(f)}); err != nil {
		t.Fatal(err)
	}
	n, _ = c.Count(ctx, &qdrant.CountPoints{CollectionName: "mix"})
	if n != 3 {
		t.Fatalf("count after delete %d", n)
	}
	got2, err := c.Get(ctx, &qdrant.GetPoints{CollectionName: "mix", Ids: []*qdrant.PointId{qdrant.NewIDNum(1), qdrant.NewIDNum(2)}})
	if err != nil || len(got2) != 1 || got2[0].Id.GetNum() != 2 {
		t.Fatalf("get = %v, %v", got2, err)
	}
	// Unsupported filters are rejected clearly, not ignored.
	_, err = c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "mix", Filter: &qdrant.Filter{Must: []*qdrant.Condition{
		qdrant.NewRange("x", &qdrant.Range{Gt: qdrant.PtrOf(1.0)})}}})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("range filter: %v", err)
	}
}

func vec(p *qdrant.RetrievedPoint, name string) *qdrant.VectorOutput {
	if name == "" {
		return p.GetVectors().GetVector()
	}
	return p.GetVectors().GetVectors().GetVectors()[name]
}

func TestVectorsNormalisedRoundedAndShaped(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "one",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 2, Distance: qdrant.Distance_Cosine})})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "one", Points: []*qdrant.PointStruct{
		{Id: qdrant.NewIDNum(1), Vectors: qdrant.NewVectors(3, 4)}}})
	pts, err := c.Get(ctx, &qdrant.GetPoints{CollectionName: "one", Ids: []*qdrant.PointId{qdrant.NewIDNum(1)}, WithVectors: qdrant.NewWithVectors(true)})
	if err != nil {
		t.Fatal(err)
	}
	d := vec(pts[0], "").GetDense().GetData()
	if len(d) != 2 || math.Abs(float64(d[0])-0.6) > 1e-6 || math.Abs(float64(d[1])-0.8) > 1e-6 {
		t.Fatalf("cosine vector read back %v, want [0.6 0.8] in VectorOutput.Dense", d)
	}

	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "named",
		VectorsConfig: qdrant.NewVectorsConfigMap(map[string]*qdrant.VectorParams{
			"h":  {Size: 1, Distance: qdrant.Distance_Dot, Datatype: qdrant.Datatype_Float16.Enum()},
			"u":  {Size: 2, Distance: qdrant.Distance_Dot, Datatype: qdrant.Datatype_Uint8.Enum()},
			"mv": {Size: 2, Distance: qdrant.Distance_Cosine, MultivectorConfig: &qdrant.MultiVectorConfig{}},
		}),
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{"sp": {}}),
	})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "named", Points: []*qdrant.PointStruct{
		{Id: qdrant.NewIDNum(7), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
			"h":  qdrant.NewVector(0.1),
			"u":  qdrant.NewVector(3.6, 300),
			"mv": qdrant.NewVectorMulti([][]float32{{0, 2}, {5, 0}}),
			"sp": qdrant.NewVectorSparse([]uint32{9, 2}, []float32{0.9, 0.2}),
		})}}})
	pts, err = c.Get(ctx, &qdrant.GetPoints{CollectionName: "named", Ids: []*qdrant.PointId{qdrant.NewIDNum(7)}, WithVectors: qdrant.NewWithVectors(true)})
	if err != nil {
		t.Fatal(err)
	}
	if h := vec(pts[0], "h").GetDense().GetData(); len(h) != 1 || h[0] != 0.0999755859375 {
		t.Fatalf("float16 vector %v, want [0.0999755859375]", h)
	}
	if u := vec(pts[0], "u").GetDense().GetData(); len(u) != 2 || u[0] != 4 || u[1] != 255 {
		t.Fatalf("uint8 vector %v, want [4 255]", u)
	}
	mv := vec(pts[0], "mv").GetMultiDense().GetVectors()
	if len(mv) != 2 || mv[0].Data[1] != 1 || mv[1].Data[0] != 1 {
		t.Fatalf("multi vector %v, want each sub-vector normalised", mv)
	}
	sp := vec(pts[0], "sp").GetSparse()
	if len(sp.GetIndices()) != 2 || sp.Indices[0] != 2 || sp.Values[0] != 0.2 {
		t.Fatalf("sparse %v, want sorted by index", sp)
	}
	// Only the named vector asked for.
	pts, _ = c.Get(ctx, &qdrant.GetPoints{CollectionName: "named", Ids: []*qdrant.PointId{qdrant.NewIDNum(7)}, WithVectors: qdrant.NewWithVectorsInclude("sp")})
	if n := len(pts[0].GetVectors().GetVectors().GetVectors()); n != 1 {
		t.Fatalf("include sp returned %d vectors", n)
	}

	// Rejected input.
	_, err = c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "one", Points: []*qdrant.PointStruct{
		{Id: qdrant.NewIDNum(2), Vectors: qdrant.NewVectors(1, 2, 3)}}})
	if code(err) != codes.InvalidArgument || status.Convert(errors.Unwrap(err)).Message() != "Wrong input: Vector dimension error: expected dim: 2, got 3" {
		t.Fatalf("dimension error: %v", err)
	}
	_, err = c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "named", Points: []*qdrant.PointStruct{
		{Id: qdrant.NewIDNum(2), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{"nope": qdrant.NewVector(1)})}}})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("unknown name: %v", err)
	}
	_, err = c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "one", Points: []*qdrant.PointStruct{
		{Id: qdrant.NewID("not-a-uuid"), Vectors: qdrant.NewVectors(1, 2)}}})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("bad uuid: %v", err)
	}
}

func TestFloat16Rounding(t *testing.T) {
	for in, want := range map[float32]float32{
		0.1: 0.0999755859375, 1: 1, -2.5: -2.5, 65504: 65504, 1e6: float32(math.Inf(1)),
		1e-7: 1.1920928955078125e-07, 1.0009765625: 1.0009765625, 1.00048828125: 1, // tie to even
	} {
		if got := roundFloat16(in); got != want {
			t.Errorf("roundFloat16(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestCustomShardKeys(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "sh",
		ShardingMethod: qdrant.ShardingMethod_Custom.Enum(),
		VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 1, Distance: qdrant.Distance_Dot})})
	for _, k := range []string{"eu", "us"} {
		if err := c.CreateShardKey(ctx, "sh", &qdrant.CreateShardKey{ShardKey: qdrant.NewShardKey(k)}); err != nil {
			t.Fatal(err)
		}
	}
	pt := func(id uint64) []*qdrant.PointStruct {
		return []*qdrant.PointStruct{{Id: qdrant.NewIDNum(id), Vectors: qdrant.NewVectors(1)}}
	}
	_, err := c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "sh", Points: pt(1)})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("upsert without shard key: %v", err)
	}
	_, err = c.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: "sh", Points: pt(1), ShardKeySelector: shardSel("asia")})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("upsert to missing shard key: %v", err)
	}
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "sh", Points: pt(1), ShardKeySelector: shardSel("eu")})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "sh", Points: pt(2), ShardKeySelector: shardSel("us")})

	all, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "sh"})
	if err != nil || len(all) != 2 || all[0].GetShardKey().GetKeyword() != "eu" || all[1].GetShardKey().GetKeyword() != "us" {
		t.Fatalf("scroll all = %v, %v", all, err)
	}
	us, err := c.Scroll(ctx, &qdrant.ScrollPoints{CollectionName: "sh", ShardKeySelector: shardSel("us")})
	if err != nil || len(us) != 1 || us[0].Id.GetNum() != 2 {
		t.Fatalf("scroll us = %v, %v", us, err)
	}
	n, err := c.Count(ctx, &qdrant.CountPoints{CollectionName: "sh", ShardKeySelector: shardSel("eu")})
	if err != nil || n != 1 {
		t.Fatalf("count eu = %d, %v", n, err)
	}
	keys, err := c.ListShardKeys(ctx, "sh")
	if err != nil || len(keys) != 2 {
		t.Fatalf("shard keys = %v, %v", keys, err)
	}
}

func TestAPIKey(t *testing.T) {
	s := Start(t, Options{APIKey: "sekret"})
	ctx := context.Background()
	if _, err := client(t, s, "").ListCollections(ctx); code(err) != codes.Unauthenticated {
		t.Fatalf("no key: %v, want Unauthenticated", err)
	}
	if _, err := client(t, s, "wrong").ListCollections(ctx); code(err) != codes.Unauthenticated {
		t.Fatalf("wrong key: %v, want Unauthenticated", err)
	}
	if _, err := client(t, s, "").HealthCheck(ctx); err != nil {
		t.Fatalf("health check needs no key in Qdrant: %v", err)
	}
	if _, err := client(t, s, "sekret").ListCollections(ctx); err != nil {
		t.Fatalf("right key: %v", err)
	}
	get := func(header, value string) int {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+strconv.Itoa(s.RESTPort())+"/", nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("", ""); st != http.StatusUnauthorized {
		t.Fatalf("REST without key: %d", st)
	}
	if st := get("api-key", "sekret"); st != http.StatusOK {
		t.Fatalf("REST with api-key: %d", st)
	}
	if st := get("Authorization", "Bearer sekret"); st != http.StatusOK {
		t.Fatalf("REST with bearer: %d", st)
	}
}

func TestFaultKnobs(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	s.FailNext(2, codes.Unavailable, "ListCollections", "List")
	for i := 0; i < 2; i++ {
		if _, err := c.ListCollections(ctx); code(err) != codes.Unavailable {
			t.Fatalf("call %d: %v, want Unavailable", i, err)
		}
	}
	if _, err := c.CollectionExists(ctx, "x"); err != nil {
		t.Fatalf("filter should spare CollectionExists: %v", err)
	}
	if _, err := c.ListCollections(ctx); err != nil {
		t.Fatalf("third call should succeed: %v", err)
	}
	if n := s.Calls("List"); n != 3 {
		t.Fatalf("Calls(List) = %d", n)
	}

	s.RateLimitNext(1, 1500*time.Millisecond)
	_, err := c.ListCollections(ctx)
	var re *qdrant.QdrantResourceExhaustedError
	if !errors.As(err, &re) || re.RetryAfterS != 2 {
		t.Fatalf("rate limit: %v, want QdrantResourceExhaustedError with RetryAfterS 2", err)
	}
	if _, err := c.HealthCheck(ctx); err != nil {
		t.Fatal(err)
	}
	s.Reset()
	if s.Calls("List") != 0 {
		t.Fatal("Reset kept counters")
	}
}

func TestRESTRootAndCollection(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "r",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 2, Distance: qdrant.Distance_Euclid})})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "r", Points: mixedPoints()})
	body := func(path string) (int, string) {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(s.RESTPort()) + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := body("/"); st != 200 || b != `{"title":"qdrant - vector search engine","version":"1.16.3"}`+"\n" {
		t.Fatalf("GET / = %d %s", st, b)
	}
	if st, b := body("/collections/r"); st != 200 || !contains(b, `"points_count":5`) || !contains(b, `"status":"green"`) {
		t.Fatalf("GET /collections/r = %d %s", st, b)
	}
	if st, _ := body("/collections/zz"); st != 404 {
		t.Fatalf("missing collection %d", st)
	}
	if s.Endpoint("r") != "qdrant://127.0.0.1:"+strconv.Itoa(s.GRPCPort())+"/r?rest_port="+strconv.Itoa(s.RESTPort()) {
		t.Fatal(s.Endpoint("r"))
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func shardSel(keys ...string) *qdrant.ShardKeySelector {
	sel := &qdrant.ShardKeySelector{}
	for _, k := range keys {
		sel.ShardKeys = append(sel.ShardKeys, qdrant.NewShardKey(k))
	}
	return sel
}

func TestQuerySampleAndPlain(t *testing.T) {
	s := Start(t, Options{})
	c := client(t, s, "")
	ctx := context.Background()
	mustCreate(t, c, &qdrant.CreateCollection{CollectionName: "q",
		VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 2, Distance: qdrant.Distance_Euclid})})
	mustUpsert(t, c, &qdrant.UpsertPoints{CollectionName: "q", Points: mixedPoints()})
	got, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: "q", Query: qdrant.NewQuerySample(qdrant.Sample_Random), Limit: qdrant.PtrOf(uint64(3))})
	if err != nil || len(got) != 3 {
		t.Fatalf("sample = %v, %v", got, err)
	}
	got, err = c.Query(ctx, &qdrant.QueryPoints{CollectionName: "q", Offset: qdrant.PtrOf(uint64(1)), Limit: qdrant.PtrOf(uint64(2))})
	if err != nil || len(got) != 2 || got[0].Id.GetNum() != 2 || got[1].Id.GetNum() != 3 {
		t.Fatalf("plain query = %v, %v", got, err)
	}
	if _, err := c.Query(ctx, &qdrant.QueryPoints{CollectionName: "q", Query: qdrant.NewQueryDense([]float32{1, 2})}); code(err) != codes.InvalidArgument {
		t.Fatalf("nearest query: %v", err)
	}
}
