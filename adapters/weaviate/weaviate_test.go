package weaviate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/weaviate"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

func TestMain(m *testing.M) { weaviatetest.Main(m) }

var registry = adapters.NewRegistry(weaviate.Driver())

func TestConformance(t *testing.T) {
	node := weaviatetest.Shared(t)
	adaptertest.Run(t, adaptertest.Harness{
		Registry: activatingRegistry(),
		NewURL: func(t *testing.T, name string) string {
			return node.Endpoint(weaviatetest.NewClassName(name))
		},
		Fixtures: adaptertest.WeaviateFixtures(300),
		Native:   true,
	})
}

// activatingRegistry opens sources that activate an inactive tenant before
// touching it and put it back on Close, as migrate does around a copy, so
// that the suite can read the fixture's COLD tenant.
func activatingRegistry() *adapters.Registry {
	d := weaviate.Driver()
	open := d.OpenSource
	d.OpenSource = func(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (adapters.Source, error) {
		src, err := open(ctx, ep, cfg)
		if err != nil {
			return nil, err
		}
		return &activating{Source: src, undo: map[string]func(context.Context) error{}}, nil
	}
	return adapters.NewRegistry(d)
}

type activating struct {
	adapters.Source
	mu   sync.Mutex
	undo map[string]func(context.Context) error
}

func (a *activating) activate(ctx context.Context, part string) error {
	if part == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.undo[part]; ok {
		return nil
	}
	undo, err := a.Source.(adapters.PartitionActivator).ActivatePartition(ctx, part)
	if err != nil {
		return err
	}
	a.undo[part] = undo
	return nil
}

func (a *activating) Count(ctx context.Context, part string) (uint64, error) {
	if err := a.activate(ctx, part); err != nil {
		return 0, err
	}
	return a.Source.Count(ctx, part)
}

func (a *activating) Read(ctx context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	if err := a.activate(ctx, req.Partition); err != nil {
		return adapters.Page{}, err
	}
	return a.Source.Read(ctx, req)
}

func (a *activating) Get(ctx context.Context, part string, ids []adapters.ID) ([]adapters.Point, error) {
	if err := a.activate(ctx, part); err != nil {
		return nil, err
	}
	return a.Source.Get(ctx, part, ids)
}

func (a *activating) RawFormat() string {
	return a.Source.(adapters.RawReader).RawFormat()
}

func (a *activating) ReadRaw(ctx context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	if err := a.activate(ctx, req.Partition); err != nil {
		return adapters.RawPage{}, err
	}
	return a.Source.(adapters.RawReader).ReadRaw(ctx, req)
}

func (a *activating) Close() error {
	for _, undo := range a.undo {
		_ = undo(context.Background()) // the class may have been recreated meanwhile
	}
	return a.Source.Close()
}

func fixture(t *testing.T, name string) adaptertest.Fixture {
	return adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(60), name)
}

func openSource(t *testing.T, url string, cfg adapters.Config) adapters.Source {
	return adaptertest.OpenSource(t, registry, url, cfg)
}

func statusOf(t *testing.T, src adapters.Source, tenant string) string {
	t.Helper()
	def, err := src.Describe(adaptertest.Ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range def.Partitions {
		if p.Name == tenant {
			return p.Status
		}
	}
	t.Fatalf("tenant %q not described", tenant)
	return ""
}

func TestActivatePartition(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "tenants")
	url := node.Endpoint(weaviatetest.NewClassName("activate"))
	adaptertest.Load(t, registry, adapters.Config{}, url, fx)
	src := openSource(t, url, adapters.Config{})

	if st := statusOf(t, src, "gamma"); st != "COLD" {
		t.Fatalf("gamma after load is %q, want COLD (the definition's status)", st)
	}
	_, err := src.Read(ctx, adapters.ReadRequest{Partition: "gamma", Limit: 10})
	if err == nil || !strings.Contains(err.Error(), "gamma") {
		t.Errorf("reading an inactive tenant = %v; want an error naming it", err)
	}
	if st := statusOf(t, src, "gamma"); st != "COLD" {
		t.Fatalf("a failed read changed gamma to %q", st)
	}

	undo, err := src.(adapters.PartitionActivator).ActivatePartition(ctx, "gamma")
	if err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, src, "gamma"); st != "HOT" {
		t.Errorf("gamma after ActivatePartition is %q, want HOT", st)
	}
	got, err := adaptertest.ReadAll(ctx, src, "gamma", 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fx.Points["gamma"]) {
		t.Errorf("read %d points of gamma, want %d", len(got), len(fx.Points["gamma"]))
	}
	if n, err := src.Count(ctx, "gamma"); err != nil || n != uint64(len(fx.Points["gamma"])) {
		t.Errorf("Count(gamma) = %d, %v; want %d", n, err, len(fx.Points["gamma"]))
	}
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, src, "gamma"); st != "COLD" {
		t.Errorf("gamma after undo is %q, want COLD", st)
	}

	// An active tenant is left alone.
	undo, err = src.(adapters.PartitionActivator).ActivatePartition(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if err := undo(ctx); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, src, "alpha"); st != "HOT" {
		t.Errorf("alpha after activate+undo is %q, want HOT", st)
	}
}

func TestAuth(t *testing.T) {
	node := weaviatetest.Start(t, weaviatetest.Options{APIKey: "right-key"})
	ctx := adaptertest.Ctx(t)
	url := node.Endpoint(weaviatetest.NewClassName("auth"))
	for _, key := range []string{"", "wrong-key"} {
		_, err := registry.OpenSource(ctx, url, adapters.Config{APIKey: adapters.NewSecret(key)})
		if adapters.KindOf(err) != adapters.KindAuth {
			t.Errorf("open with key %q = %v; want an error of KindAuth", key, err)
		}
		if err != nil && key != "" && strings.Contains(err.Error(), key) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
	cfg := adapters.Config{APIKey: adapters.NewSecret("right-key")}
	fx := fixture(t, "named")
	adaptertest.Load(t, registry, cfg, url, fx)
	src := openSource(t, url, cfg)
	got, err := adaptertest.ReadAll(ctx, src, "", 1000)
	if err != nil || len(got) != len(fx.Points[""]) {
		t.Errorf("read with the right key: %d points, %v; want %d", len(got), err, len(fx.Points[""]))
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	url := "weaviate://127.0.0.1:" + strconv.Itoa(port) + "/Docs?grpc_port=" + strconv.Itoa(port)
	_, err = registry.OpenSource(adaptertest.Ctx(t), url, adapters.Config{})
	if adapters.KindOf(err) != adapters.KindUnreachable {
		t.Errorf("open %s = %v; want an error of KindUnreachable", url, err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "weaviate 127.0.0.1:"+strconv.Itoa(port)+"/Docs: ") {
		t.Errorf("message does not start with the endpoint: %v", err)
	}
}

func TestRejectedObject(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "plain")
	url := node.Endpoint(weaviatetest.NewClassName("reject"))
	sink, err := registry.OpenSink(ctx, url, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	def := *fx.Def
	if err := sink.Prepare(ctx, &def, adapters.ExistsFail); err != nil {
		t.Fatal(err)
	}
	pts := append([]adapters.Point(nil), fx.Points[""][:5]...)
	bad := pts[3]
	bad.Payload = map[string]any{"count": "not a number", "title": "bad"}
	pts[3] = bad
	err = sink.Write(ctx, "", pts)
	if adapters.KindOf(err) != adapters.KindInvalid || !strings.Contains(err.Error(), bad.ID.String()) {
		t.Errorf("write with a wrong-typed property = %v; want KindInvalid naming %s", err, bad.ID)
	}

	huge := pts[0]
	huge.Payload = map[string]any{"count": int64(1)<<53 + 1}
	err = sink.Write(ctx, "", []adapters.Point{huge})
	if adapters.KindOf(err) != adapters.KindInvalid || !strings.Contains(err.Error(), huge.ID.String()) {
		t.Errorf("write of 2^53+1 = %v; want KindInvalid naming %s (Weaviate would round it)", err, huge.ID)
	}
}

func TestNativeRoundTrip(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	for _, fx := range adaptertest.WeaviateFixtures(12) {
		t.Run(fx.Name, func(t *testing.T) {
			a := node.Endpoint(weaviatetest.NewClassName("native_a"))
			adaptertest.Load(t, registry, adapters.Config{}, a, fx)
			defA, err := openSource(t, a, adapters.Config{}).Describe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			b := node.Endpoint(weaviatetest.NewClassName("native_b"))
			sink, err := registry.OpenSink(ctx, b, adapters.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			if err := sink.Prepare(ctx, defA, adapters.ExistsFail); err != nil {
				t.Fatal(err)
			}
			if err := sink.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			defB, err := openSource(t, b, adapters.Config{}).Describe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			na, nb := withoutClass(t, defA.Native), withoutClass(t, defB.Native)
			if !bytes.Equal(na, nb) {
				t.Errorf("Native differs after recreating:\n%s\n%s", na, nb)
			}
			if defA.Fingerprint() == "" || len(defB.Partitions) != len(defA.Partitions) {
				t.Errorf("partitions %v vs %v", defA.Partitions, defB.Partitions)
			}
			for i := range defA.Partitions {
				if defA.Partitions[i] != defB.Partitions[i] {
					t.Errorf("partition %v vs %v", defA.Partitions[i], defB.Partitions[i])
				}
			}
		})
	}
}

func withoutClass(t *testing.T, native json.RawMessage) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(native, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "class")
	b, _ := json.Marshal(m)
	return b
}

func TestTenantsAndInspect(t *testing.T) {
	node := weaviatetest.Shared(t)
	ctx := adaptertest.Ctx(t)
	fx := fixture(t, "tenants")
	class := weaviatetest.NewClassName("inspect")
	url := node.Endpoint(class)
	adaptertest.Load(t, registry, adapters.Config{}, url, fx)

	def, err := openSource(t, url+"&tenant=beta,alpha", adapters.Config{}).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(def.PartitionNames(), ","); got != "alpha,beta" {
		t.Errorf("with ?tenant=beta,alpha partitions = [%s], want [alpha,beta]", got)
	}
	_, err = openSource(t, url+"&tenant=nope", adapters.Config{}).Describe(ctx)
	if adapters.KindOf(err) != adapters.KindNotFound || !strings.Contains(err.Error(), "nope") {
		t.Errorf("describe with ?tenant=nope = %v; want KindNotFound naming it", err)
	}

	ep, err := adapters.ParseEndpoint(url)
	if err != nil {
		t.Fatal(err)
	}
	info, err := weaviate.Driver().Inspect(ctx, ep, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Engine != "weaviate" || !strings.HasPrefix(info.Version, "1.") || info.Definition == nil {
		t.Errorf("inspect = %+v", info)
	}
	found := false
	for _, c := range info.Collections {
		found = found || c == class
	}
	if !found {
		t.Errorf("inspect lists %v without %s", info.Collections, class)
	}
	want := map[string]uint64{"alpha": uint64(len(fx.Points["alpha"])), "beta": uint64(len(fx.Points["beta"]))}
	if len(info.Counts) != 2 || info.Counts["alpha"] != want["alpha"] || info.Counts["beta"] != want["beta"] {
		t.Errorf("inspect counts = %v, want %v (the COLD tenant is not counted: that would change it)", info.Counts, want)
	}
}
