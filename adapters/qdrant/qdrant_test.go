package qdrant_test

import (
	"context"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/verify"
)

var registry = adapters.NewRegistry(qdrant.Driver())

func TestMain(m *testing.M) { qdranttest.Main(m) }

func config(tg *qdranttest.Node) adapters.Config {
	return adapters.Config{APIKey: adapters.NewSecret(tg.APIKey)}
}

func TestConformance(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	adaptertest.Run(t, adaptertest.Harness{
		Registry: registry,
		Config:   config(tg),
		NewURL: func(t *testing.T, name string) string {
			return tg.Endpoint(tg.NewName(t, name))
		},
		Fixtures: adaptertest.QdrantFixtures(300),
		Native:   true,
	})
}

func fixture(t *testing.T, name string, n int) adaptertest.Fixture {
	return adaptertest.FixtureNamed(t, adaptertest.QdrantFixtures(n), name)
}

func openSource(t *testing.T, url string, cfg adapters.Config) adapters.Source {
	return adaptertest.OpenSource(t, registry, url, cfg)
}

func openSink(t *testing.T, url string, cfg adapters.Config) adapters.Sink {
	return adaptertest.OpenSink(t, registry, url, cfg)
}

func describe(t *testing.T, url string, cfg adapters.Config) *adapters.Collection {
	t.Helper()
	def, err := openSource(t, url, cfg).Describe(adaptertest.Ctx(t))
	if err != nil {
		t.Fatalf("describe %s: %v", url, err)
	}
	return def
}

// A collection recreated from a described definition describes the same,
// on the same server and on another one, aliases included.
func TestNativeRoundTrip(t *testing.T) {
	tg, tg2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	ctx := adaptertest.Ctx(t)
	for _, name := range []string{"qdrant_sharded", "qdrant_named"} {
		t.Run(name, func(t *testing.T) {
			fx := fixture(t, name, 30)
			first := tg.NewName(t, name)
			adaptertest.Load(t, registry, config(tg), tg.Endpoint(first), fx)
			alias := first + "_live"
			if err := tg.Client(t).CreateAlias(ctx, alias, first); err != nil {
				t.Fatalf("create alias: %v", err)
			}
			def1 := describe(t, tg.Endpoint(first), config(tg))

			// Same server: the alias exists already and stays where it is.
			second := tg.NewName(t, name+"_copy")
			d := *def1
			d.Name = second
			if err := openSink(t, tg.Endpoint(second), config(tg)).Prepare(ctx, &d, adapters.ExistsFail); err != nil {
				t.Fatalf("prepare from the described definition: %v", err)
			}
			def2 := describe(t, tg.Endpoint(second), config(tg))
			n1, n2 := native(t, def1), native(t, def2)
			if len(n2.Aliases) != 0 {
				t.Errorf("aliases of the copy = %v; want none (alias %q exists and points at the original)", n2.Aliases, alias)
			}
			n1.Aliases = nil
			if a, b := marshal(t, n1), marshal(t, n2); string(a) != string(b) {
				t.Errorf("native definitions differ:\noriginal %s\ncopy     %s", a, b)
			}
			// Fingerprints include the aliases; compare without them.
			d1, d2 := *def1, *def2
			d1.Native, d2.Native = marshal(t, n1), marshal(t, n2)
			if d1.Fingerprint() != d2.Fingerprint() {
				t.Errorf("fingerprints differ: %s vs %s", d1.Fingerprint(), d2.Fingerprint())
			}

			// Another server: everything including the alias is recreated.
			third := tg2.NewName(t, name)
			d = *def1
			d.Name = third
			if err := openSink(t, tg2.Endpoint(third), config(tg2)).Prepare(ctx, &d, adapters.ExistsFail); err != nil {
				t.Fatalf("prepare on the second server: %v", err)
			}
			def3 := describe(t, tg2.Endpoint(third), config(tg2))
			if a, b := string(def1.Native), string(def3.Native); a != b {
				t.Errorf("native definitions differ across servers:\noriginal %s\ncopy     %s", a, b)
			}
		})
	}
}

// The settings a fixture asks for survive creation and description.
func TestNativeKeepsSettings(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, _ := loaded(t, tg, "qdrant_sharded", 30)
	def := describe(t, url, config(tg))
	n := native(t, def)
	if got := n.Config.GetHnswConfig().GetM(); got != 32 {
		t.Errorf("hnsw m = %d, want 32", got)
	}
	if got := n.Config.GetOptimizerConfig().GetIndexingThreshold(); got != 50000 {
		t.Errorf("optimizer indexing_threshold = %d, want 50000", got)
	}
	if q := n.Config.GetQuantizationConfig().GetScalar(); q == nil || q.GetQuantile() != 0.99 || !q.GetAlwaysRam() {
		t.Errorf("quantization = %v, want scalar int8 quantile 0.99 always_ram", n.Config.GetQuantizationConfig())
	}
	want := map[string]qc.PayloadSchemaType{
		"tags": qc.PayloadSchemaType_Keyword, "i": qc.PayloadSchemaType_Integer, "title": qc.PayloadSchemaType_Text,
		"score": qc.PayloadSchemaType_Float, "flag": qc.PayloadSchemaType_Bool, "created": qc.PayloadSchemaType_Datetime,
	}
	for f, typ := range want {
		if got := n.PayloadSchema[f].GetDataType(); got != typ {
			t.Errorf("payload index %q type = %s, want %s", f, got, typ)
		}
	}
	if len(n.PayloadSchema) != len(want) {
		t.Errorf("%d payload indexes, want %d", len(n.PayloadSchema), len(want))
	}
	if p := n.PayloadSchema["i"].GetParams().GetIntegerIndexParams(); p == nil || !p.GetLookup() || !p.GetRange() {
		t.Errorf("integer index params = %v, want lookup and range", n.PayloadSchema["i"].GetParams())
	}
	if p := n.PayloadSchema["title"].GetParams().GetTextIndexParams(); p == nil || p.GetTokenizer() != qc.TokenizerType_Word || p.GetMaxTokenLen() != 20 {
		t.Errorf("text index params = %v, want word tokenizer, max_token_len 20", n.PayloadSchema["title"].GetParams())
	}
	if got := strings.Join(def.PartitionNames(), ","); got != "#7,eu,us" {
		t.Errorf("partitions = %s, want #7,eu,us", got)
	}
	if strings.Contains(string(def.Native), `"points"`) || strings.Contains(string(def.Native), `"status"`) {
		t.Errorf("native definition holds data-dependent fields: %s", def.Native)
	}
}

func native(t *testing.T, def *adapters.Collection) *qdrant.Native {
	t.Helper()
	n, err := qdrant.ParseNative(def.Native)
	if err != nil {
		t.Fatalf("parse native of %s: %v\n%s", def.Name, err, def.Native)
	}
	return n
}

func marshal(t *testing.T, n *qdrant.Native) []byte {
	t.Helper()
	b, err := n.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWrongAPIKey(t *testing.T) {
	s := qdranttest.Start(t, qdranttest.Options{APIKey: "right-key"})
	ctx := adaptertest.Ctx(t)
	for _, key := range []string{"wrong-key", ""} {
		_, err := registry.OpenSource(ctx, s.Endpoint("docs"), adapters.Config{APIKey: adapters.NewSecret(key)})
		if adapters.KindOf(err) != adapters.KindAuth {
			t.Errorf("open with key %q = %v; want an error of KindAuth", key, err)
		}
		if err != nil && key != "" && strings.Contains(err.Error(), key) {
			t.Errorf("the error shows the key: %v", err)
		}
		_, err = registry.OpenSink(ctx, s.Endpoint("docs"), adapters.Config{APIKey: adapters.NewSecret(key)})
		if adapters.KindOf(err) != adapters.KindAuth {
			t.Errorf("open sink with key %q = %v; want an error of KindAuth", key, err)
		}
	}
	src, err := registry.OpenSource(ctx, s.Endpoint("docs"), adapters.Config{APIKey: adapters.NewSecret("right-key")})
	if err != nil {
		t.Fatalf("open with the right key: %v", err)
	}
	src.Close()
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there any more
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = registry.OpenSource(ctx, "qdrant://127.0.0.1:"+strconv.Itoa(port)+"/docs", adapters.Config{})
	if adapters.KindOf(err) != adapters.KindUnreachable {
		t.Fatalf("open on a closed port = %v; want an error of KindUnreachable", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("open on a closed port took the whole test context")
	}
	if !strings.Contains(err.Error(), "gRPC port") || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("message %q should name the port and suggest checking it is the gRPC port", err)
	}
}

func TestMissingCollection(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	name := tg.NewName(t, "absent")
	src := openSource(t, tg.Endpoint(name), config(tg))
	ctx := adaptertest.Ctx(t)
	_, err := src.Describe(ctx)
	if adapters.KindOf(err) != adapters.KindNotFound || !strings.Contains(err.Error(), strconv.Quote(name)) {
		t.Errorf("describe = %v; want KindNotFound naming %q", err, name)
	}
	for _, raw := range []bool{false, true} {
		_, err = readPage(ctx, src, adapters.ReadRequest{Limit: 10}, raw)
		if adapters.KindOf(err) != adapters.KindNotFound || !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Errorf("read (raw %v) = %v; want KindNotFound naming %q", raw, err, name)
		}
	}
	_, err = src.Count(ctx, "")
	if adapters.KindOf(err) != adapters.KindNotFound {
		t.Errorf("count = %v; want KindNotFound", err)
	}
}

func TestDimensionMismatch(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, _ := loaded(t, tg, "qdrant_int_dense", 10)
	sink := openSink(t, url, config(tg))
	bad := []adapters.Point{
		{ID: adapters.NumID(9001), Vectors: map[string]adapters.Vector{"": {Dense: make([]float32, 32)}}},
		{ID: adapters.NumID(9002), Vectors: map[string]adapters.Vector{"": {Dense: make([]float32, 31)}}},
		{ID: adapters.NumID(9003), Vectors: map[string]adapters.Vector{"": {Dense: make([]float32, 32)}}},
	}
	bad[0].Vectors[""].Dense[0], bad[2].Vectors[""].Dense[0] = 1, 1
	bad[1].Vectors[""].Dense[0] = 1
	err := sink.Write(adaptertest.Ctx(t), "", bad)
	if adapters.KindOf(err) != adapters.KindInvalid {
		t.Fatalf("write a 31-d vector into 32-d = %v; want an error of KindInvalid", err)
	}
	if !strings.Contains(err.Error(), "9001") || !strings.Contains(err.Error(), "9003") {
		t.Errorf("message %q should name the batch's first and last ids", err)
	}
	if !strings.Contains(err.Error(), "point 9002: vector (unnamed) has 31 dimensions") {
		t.Errorf("message %q should name the point that does not fit", err)
	}
}

// Transient errors are retryable, for reads and writes of neutral and of
// raw pages alike.
func TestTransientErrorsAreRetryable(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	p := qdranttest.StartProxy(t, tg)
	fx := fixture(t, "qdrant_int_dense", 20)
	url := p.Endpoint(tg.NewName(t, "transient"))
	adaptertest.Load(t, registry, adapters.Config{}, url, fx)
	ctx := adaptertest.Ctx(t)
	src := openSource(t, url, adapters.Config{})
	sink := openSink(t, url, adapters.Config{})

	for _, raw := range []bool{false, true} {
		p.GRPC.Inject(faultproxy.Fault{Match: "Scroll", Times: 1, Code: codes.Unavailable})
		_, err := readPage(ctx, src, adapters.ReadRequest{Limit: 5}, raw)
		if ok, _ := adapters.IsRetryable(err); !ok {
			t.Errorf("read (raw %v) while the server is unavailable = %v; want a retryable error", raw, err)
		}
		page, err := readPage(ctx, src, adapters.ReadRequest{Limit: 5}, raw)
		if err != nil || page.len() != 5 {
			t.Fatalf("read (raw %v) again = %d points, %v; want 5, nil", raw, page.len(), err)
		}

		p.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 1, Code: codes.Unavailable})
		err = writePage(ctx, sink, page, 3)
		if ok, _ := adapters.IsRetryable(err); !ok {
			t.Errorf("write (raw %v) while the server is unavailable = %v; want a retryable error", raw, err)
		}

		p.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Times: 1, Code: codes.ResourceExhausted, RetryAfter: 3 * time.Second})
		err = writePage(ctx, sink, page, 3)
		if ok, after := adapters.IsRetryable(err); !ok || after != 3*time.Second {
			t.Errorf("write (raw %v) when rate limited = %v (retry after %v); want retryable after 3s", raw, err, after)
		}
	}

	p.GRPC.Inject(faultproxy.Fault{Match: "Count", Times: 1, Code: codes.DeadlineExceeded})
	_, err := src.Count(ctx, "")
	if ok, _ := adapters.IsRetryable(err); !ok {
		t.Errorf("count timed out on the server = %v; want a retryable error", err)
	}
	if n, err := sink.Count(ctx, ""); err != nil || n != uint64(len(fx.Points[""])) {
		t.Errorf("count = %d, %v; want %d", n, err, len(fx.Points[""]))
	}
}

// ReadRequest.After is exclusive even when no point has that id.
func TestReadAfterMissingID(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, _ := loaded(t, tg, "qdrant_int_dense", 20) // ids 1, 4, 7, ...
	src := openSource(t, url, config(tg))
	after := adapters.NumID(5)
	page, err := src.Read(adaptertest.Ctx(t), adapters.ReadRequest{After: &after, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range page.Points {
		got = append(got, p.ID.String())
	}
	if strings.Join(got, ",") != "7,10,13" || page.Done {
		t.Errorf("read after 5 = [%s] done %v; want [7,10,13] done false", strings.Join(got, ","), page.Done)
	}
}

func TestInspect(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	fx := fixture(t, "qdrant_sharded", 30)
	name := tg.NewName(t, fx.Name)
	url := tg.Endpoint(name)
	adaptertest.Load(t, registry, config(tg), url, fx)
	ep, err := adapters.ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	info, err := qdrant.Driver().Inspect(adaptertest.Ctx(t), ep, config(tg))
	if err != nil {
		t.Fatal(err)
	}
	if info.Engine != "qdrant" || info.Version == "" || info.Definition == nil {
		t.Fatalf("inspect = %+v; want engine, version and definition", info)
	}
	found := false
	for _, c := range info.Collections {
		found = found || c == name
	}
	if !found {
		t.Errorf("collections %v do not list %q", info.Collections, name)
	}
	for part, ps := range fx.Points {
		if info.Counts[part] != uint64(len(ps)) {
			t.Errorf("count of %q = %d, want %d", part, info.Counts[part], len(ps))
		}
	}
}

// A Source cannot write: its method set is the read-only contract, and
// the snapshot copy, which writes only to a Sink.
func TestSourceHasNoWriteMethods(t *testing.T) {
	var got []string
	typ := reflect.TypeOf(&qdrant.Source{})
	for i := 0; i < typ.NumMethod(); i++ {
		got = append(got, typ.Method(i).Name)
	}
	want := "CheckChangedField,Close,CopyMethod,CopyTo,Count,Describe,Endpoint,Get,PlanCopy,RawFormat,Read,ReadChanged,ReadRaw,Search,Version"
	if strings.Join(got, ",") != want {
		t.Errorf("Source methods = %s; want %s", strings.Join(got, ","), want)
	}
}

func TestAppendChecksVectors(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, fx := loaded(t, tg, "qdrant_int_dense", 10)
	other := fixture(t, "qdrant_mixed_ids", 10) // 8-d Euclid instead of 32-d Cosine
	err := openSink(t, url, config(tg)).Prepare(adaptertest.Ctx(t), other.Def, adapters.ExistsAppend)
	if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "8") {
		t.Errorf("append with other vectors = %v; want KindIncompatible saying what differs", err)
	}
	// A definition from another engine may append when the vectors agree.
	same := *fx.Def
	same.Engine, same.Native = "weaviate", nil
	if err := openSink(t, url, config(tg)).Prepare(adaptertest.Ctx(t), &same, adapters.ExistsAppend); err != nil {
		t.Errorf("append with matching vectors from another engine: %v", err)
	}
	if err := openSink(t, url, config(tg)).Prepare(adaptertest.Ctx(t), &same, adapters.ExistsRecreate); adapters.KindOf(err) != adapters.KindIncompatible {
		t.Errorf("recreate from another engine's definition = %v; want KindIncompatible", err)
	}
	if n, err := openSource(t, url, config(tg)).Count(adaptertest.Ctx(t), ""); err != nil || n != 10 {
		t.Errorf("after a refused recreate Count = %d, %v; want 10 (nothing deleted)", n, err)
	}
}

func verifyComparer(def adapters.Collection) *verify.Comparer {
	return &verify.Comparer{Src: &def, Dst: &def, Tol: verify.DefaultTolerance}
}

// loaded creates a collection on tg holding n points of the fixture name.
func loaded(t *testing.T, tg *qdranttest.Node, name string, n int) (string, adaptertest.Fixture) {
	t.Helper()
	fx := fixture(t, name, n)
	url := tg.Endpoint(tg.NewName(t, fx.Name))
	adaptertest.Load(t, registry, config(tg), url, fx)
	return url, fx
}
