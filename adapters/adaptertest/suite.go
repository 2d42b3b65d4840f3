package adaptertest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/verify"
)

// Fixture is a collection definition and its points, ready to load.
type Fixture struct {
	Name string
	// Def has Engine and Native set for the engine the fixture is for; its
	// Name is replaced by the endpoint's.
	Def *adapters.Collection
	// Points by partition ("" when not partitioned), each sorted by ID.
	Points map[string][]adapters.Point
}

// Total is the number of points over all partitions.
func (f Fixture) Total() int {
	n := 0
	for _, ps := range f.Points {
		n += len(ps)
	}
	return n
}

// SortPoints sorts points by ID, as every adapter returns them.
func SortPoints(ps []adapters.Point) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID.Less(ps[j].ID) })
}

// Harness is what an adapter's test gives the conformance suite.
type Harness struct {
	Registry *adapters.Registry
	Config   adapters.Config
	// NewURL returns an endpoint URL naming a collection that does not exist
	// yet; name is a hint to build it from. The harness removes it later.
	NewURL   func(t *testing.T, name string) string
	Fixtures []Fixture
	// Native says the adapter reads and writes pages in its engine's own
	// encoding (adapters.RawReader and RawWriter); the suite then also
	// copies each fixture that way and compares the copy.
	Native bool
}

// Ctx returns a context bounded for one test.
func Ctx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Load creates fx at url through the Sink and writes every point.
func Load(t testing.TB, reg *adapters.Registry, cfg adapters.Config, url string, fx Fixture) {
	t.Helper()
	ctx := Ctx(t)
	sink, err := reg.OpenSink(ctx, url, cfg)
	if err != nil {
		t.Fatalf("open sink %s: %v", url, err)
	}
	defer sink.Close()
	def := *fx.Def
	if err := sink.Prepare(ctx, &def, adapters.ExistsFail); err != nil {
		t.Fatalf("prepare %s: %v", url, err)
	}
	for part, ps := range fx.Points {
		for i := 0; i < len(ps); i += 100 {
			end := min(i+100, len(ps))
			if err := sink.Write(ctx, part, ps[i:end]); err != nil {
				t.Fatalf("write %s partition %q: %v", url, part, err)
			}
		}
	}
	if err := sink.Finish(ctx); err != nil {
		t.Fatalf("finish %s: %v", url, err)
	}
}

// ReadAll reads a whole partition page by page and checks the pages are in
// strictly ascending ID order. An inactive partition is activated for the
// read and put back, as migrate does.
func ReadAll(ctx context.Context, src adapters.Source, partition string, limit int) (all []adapters.Point, err error) {
	err = adapters.WithPartition(ctx, src, partition, nil, func() error {
		all, err = readAll(ctx, src, partition, limit)
		return err
	})
	return all, err
}

func readAll(ctx context.Context, src adapters.Source, partition string, limit int) ([]adapters.Point, error) {
	var all []adapters.Point
	var after *adapters.ID
	for {
		page, err := src.Read(ctx, adapters.ReadRequest{Partition: partition, After: after, Limit: limit})
		if err != nil {
			return nil, err
		}
		if len(page.Points) > limit {
			return nil, fmt.Errorf("page of %d points for limit %d", len(page.Points), limit)
		}
		for _, p := range page.Points {
			if after != nil && !after.Less(p.ID) {
				return nil, fmt.Errorf("point %s came after %s: pages are not in ID order", p.ID, after)
			}
			id := p.ID
			after = &id
			all = append(all, p)
		}
		if page.Done {
			return all, nil
		}
		if len(page.Points) == 0 {
			return nil, fmt.Errorf("empty page that is not the last one")
		}
	}
}

// AssertPoints checks got equals want point for point, in order.
func AssertPoints(t testing.TB, c *verify.Comparer, want, got []adapters.Point) {
	t.Helper()
	bad := 0
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		if bad >= 10 {
			t.Errorf("... stopping after 10 differences")
			return
		}
		switch {
		case j >= len(got) || (i < len(want) && want[i].ID.Less(got[j].ID)):
			t.Errorf("point %s: missing on the target", want[i].ID)
			i++
			bad++
		case i >= len(want) || got[j].ID.Less(want[i].ID):
			t.Errorf("point %s: extra on the target", got[j].ID)
			j++
			bad++
		default:
			if d := c.Compare(&want[i], &got[j]); len(d) > 0 {
				t.Errorf("point %s: %v", want[i].ID, d)
				bad++
			}
			i++
			j++
		}
	}
}

// AssertSameData reads both sides fully and checks they hold the same
// partitions and the same points, compared with verify's default
// tolerance (aware of normalising and lower-precision targets).
func AssertSameData(t testing.TB, a, b adapters.Source) {
	t.Helper()
	ctx := Ctx(t)
	da, err := a.Describe(ctx)
	if err != nil {
		t.Fatalf("describe %s: %v", a.Endpoint(), err)
	}
	db, err := b.Describe(ctx)
	if err != nil {
		t.Fatalf("describe %s: %v", b.Endpoint(), err)
	}
	if pa, pb := strings.Join(da.PartitionNames(), ","), strings.Join(db.PartitionNames(), ","); pa != pb {
		t.Fatalf("partitions differ: %s has [%s], %s has [%s]", a.Endpoint(), pa, b.Endpoint(), pb)
	}
	AssertSameVectors(t, da, db)
	c := &verify.Comparer{Src: da, Dst: db, Tol: verify.DefaultTolerance}
	for _, part := range da.PartitionNames() {
		pa, err := ReadAll(ctx, a, part, 500)
		if err != nil {
			t.Fatalf("read %s partition %q: %v", a.Endpoint(), part, err)
		}
		pb, err := ReadAll(ctx, b, part, 500)
		if err != nil {
			t.Fatalf("read %s partition %q: %v", b.Endpoint(), part, err)
		}
		if len(pa) == 0 {
			t.Errorf("partition %q of %s is empty: nothing was compared", part, a.Endpoint())
		}
		AssertPoints(t, c, pa, pb)
	}
}

// AssertSameVectors checks two definitions declare the same vectors.
func AssertSameVectors(t testing.TB, a, b *adapters.Collection) {
	t.Helper()
	for name, sa := range a.Vectors {
		sb, ok := b.Vectors[name]
		if !ok {
			t.Errorf("vector %q of %s is not declared on the other side", name, a.Name)
			continue
		}
		if sa.Kind != sb.Kind || sa.Size != sb.Size || sa.Distance != sb.Distance || sa.Datatype != sb.Datatype {
			t.Errorf("vector %q: %+v vs %+v", name, sa, sb)
		}
	}
	for name := range b.Vectors {
		if _, ok := a.Vectors[name]; !ok {
			t.Errorf("vector %q of %s is not declared on the source", name, b.Name)
		}
	}
}

// Run is the conformance suite: every adapter must pass it against its
// real server.
func Run(t *testing.T, h Harness) {
	if len(h.Fixtures) == 0 {
		t.Fatal("harness has no fixtures")
	}
	for _, fx := range h.Fixtures {
		t.Run(fx.Name, func(t *testing.T) { runFixture(t, h, fx) })
	}
}

func runFixture(t *testing.T, h Harness, fx Fixture) {
	ctx := Ctx(t)
	url := h.NewURL(t, fx.Name)

	sink, err := h.Registry.OpenSink(ctx, url, h.Config)
	if err != nil {
		t.Fatalf("open sink: %v", err)
	}
	defer sink.Close()
	if ok, err := sink.Exists(ctx); err != nil || ok {
		t.Fatalf("Exists on a fresh name = %v, %v; want false, nil", ok, err)
	}
	Load(t, h.Registry, h.Config, url, fx)

	src, err := h.Registry.OpenSource(ctx, url, h.Config)
	if err != nil {
		t.Fatalf("open source: %v", err)
	}
	defer src.Close()
	def, err := src.Describe(ctx)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	AssertSameVectors(t, fx.Def, def)
	if def.Partitioned != fx.Def.Partitioned {
		t.Errorf("Partitioned = %v, want %v", def.Partitioned, fx.Def.Partitioned)
	}
	var wantParts []string
	for p := range fx.Points {
		wantParts = append(wantParts, p)
	}
	sort.Strings(wantParts)
	if fx.Def.Partitioned {
		if got := strings.Join(def.PartitionNames(), ","); got != strings.Join(wantParts, ",") {
			t.Errorf("partitions = [%s], want [%s]", got, strings.Join(wantParts, ","))
		}
	}
	c := &verify.Comparer{Src: fx.Def, Dst: def, Tol: verify.DefaultTolerance}

	for _, part := range wantParts {
		want := fx.Points[part]
		t.Run("count/"+part, func(t *testing.T) {
			n, err := src.Count(ctx, part)
			if err != nil || n != uint64(len(want)) {
				t.Errorf("source Count(%q) = %d, %v; want %d", part, n, err, len(want))
			}
			n, err = sink.Count(ctx, part)
			if err != nil || n != uint64(len(want)) {
				t.Errorf("sink Count(%q) = %d, %v; want %d", part, n, err, len(want))
			}
		})
		t.Run("read/"+part, func(t *testing.T) {
			for _, limit := range []int{7, 1000} {
				got, err := ReadAll(ctx, src, part, limit)
				if err != nil {
					t.Fatalf("limit %d: %v", limit, err)
				}
				AssertPoints(t, c, want, got)
			}
		})
		t.Run("read-after/"+part, func(t *testing.T) {
			mid := want[len(want)/2].ID
			page, err := src.Read(ctx, adapters.ReadRequest{Partition: part, After: &mid, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			rest := want[len(want)/2+1:]
			if len(rest) > 3 {
				rest = rest[:3]
			}
			AssertPoints(t, c, rest, page.Points)
			last := want[len(want)-1].ID
			page, err = src.Read(ctx, adapters.ReadRequest{Partition: part, After: &last, Limit: 3})
			if err != nil || len(page.Points) != 0 || !page.Done {
				t.Errorf("read after the last point = %d points, done %v, %v; want 0, true, nil", len(page.Points), page.Done, err)
			}
		})
		t.Run("get/"+part, func(t *testing.T) {
			missing := adapters.NumID(1 << 60)
			if want[0].ID.IsUUID() {
				missing = UUIDFor("missing", 1)
			}
			pick := []adapters.Point{want[len(want)-1], want[0], want[len(want)/2]}
			ids := []adapters.ID{pick[0].ID, missing, pick[1].ID, pick[2].ID}
			got, err := src.Get(ctx, part, ids)
			if err != nil {
				t.Fatal(err)
			}
			SortPoints(pick)
			AssertPoints(t, c, pick, got)
		})
	}

	if h.Native {
		t.Run("native-copy", func(t *testing.T) { nativeCopy(t, h, src, def) })
	}

	t.Run("on-exists", func(t *testing.T) {
		if ok, err := sink.Exists(ctx); err != nil || !ok {
			t.Fatalf("Exists after load = %v, %v; want true, nil", ok, err)
		}
		d := *fx.Def
		err := sink.Prepare(ctx, &d, adapters.ExistsFail)
		if adapters.KindOf(err) != adapters.KindExists {
			t.Fatalf("Prepare(fail) on an existing collection = %v; want an error of KindExists", err)
		}
		if err := sink.Prepare(ctx, &d, adapters.ExistsAppend); err != nil {
			t.Fatalf("Prepare(append): %v", err)
		}
		part := wantParts[0]
		if err := sink.Write(ctx, part, fx.Points[part][:5]); err != nil {
			t.Fatalf("write again: %v", err)
		}
		if err := sink.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := sink.Count(ctx, part); err != nil || n != uint64(len(fx.Points[part])) {
			t.Errorf("after rewriting 5 points Count = %d, %v; want %d (writes must be idempotent)", n, err, len(fx.Points[part]))
		}
		if err := sink.Prepare(ctx, &d, adapters.ExistsRecreate); err != nil {
			t.Fatalf("Prepare(recreate): %v", err)
		}
		if n, err := sink.Count(ctx, part); err != nil || n != 0 {
			t.Errorf("after recreate Count = %d, %v; want 0", n, err)
		}
	})

	t.Run("missing-collection", func(t *testing.T) {
		url := h.NewURL(t, fx.Name+"_absent")
		src, err := h.Registry.OpenSource(ctx, url, h.Config)
		if err == nil {
			defer src.Close()
			_, err = src.Describe(ctx)
		}
		if adapters.KindOf(err) != adapters.KindNotFound {
			t.Errorf("describe a missing collection = %v; want an error of KindNotFound", err)
		}
	})
}

// nativeCopy copies src into a new collection with raw pages (the
// engine's own encoding), as migrate does between two servers of one
// engine, and checks the copy holds the same data.
func nativeCopy(t *testing.T, h Harness, src adapters.Source, def *adapters.Collection) {
	ctx := Ctx(t)
	url := h.NewURL(t, def.Name+"_native")
	dst, err := h.Registry.OpenSink(ctx, url, h.Config)
	if err != nil {
		t.Fatalf("open sink: %v", err)
	}
	defer dst.Close()
	format := adapters.RawFormat(src, dst)
	if format == "" {
		t.Fatalf("the harness says the adapter copies natively, but RawFormat(source, sink) is empty")
	}
	r, _ := adapters.As[adapters.RawReader](src)
	w, _ := adapters.As[adapters.RawWriter](dst)
	d := *def
	if err := dst.Prepare(ctx, &d, adapters.ExistsFail); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	for _, part := range def.PartitionNames() {
		err := adapters.WithPartition(ctx, src, part, nil, func() error {
			return rawCopy(ctx, r, w, part, format)
		})
		if err != nil {
			t.Fatalf("partition %q: %v", part, err)
		}
	}
	if err := dst.Finish(ctx); err != nil {
		t.Fatalf("finish: %v", err)
	}
	copySrc, err := h.Registry.OpenSource(ctx, url, h.Config)
	if err != nil {
		t.Fatalf("open the copy: %v", err)
	}
	defer copySrc.Close()
	AssertSameData(t, src, copySrc)
}

// rawCopy copies one partition page by page with ReadRaw and WriteRaw,
// checking every page came raw and in ID order.
func rawCopy(ctx context.Context, r adapters.RawReader, w adapters.RawWriter, part, format string) error {
	var after *adapters.ID
	for limit := 7; ; limit = 500 {
		page, err := r.ReadRaw(ctx, adapters.ReadRequest{Partition: part, After: after, Limit: limit})
		if err != nil {
			return err
		}
		if len(page.Points) > 0 {
			return fmt.Errorf("a page of %d points after %v came in the neutral model; want %s", len(page.Points), after, format)
		}
		b := page.Batch
		n := 0
		if b != nil {
			n = b.Len()
		}
		if n > limit {
			return fmt.Errorf("raw page of %d points for limit %d", n, limit)
		}
		for i := 0; i < n; i++ {
			if after != nil && !after.Less(b.ID(i)) {
				return fmt.Errorf("point %s came after %s: pages are not in ID order", b.ID(i), after)
			}
			id := b.ID(i)
			after = &id
		}
		if n > 0 {
			// Two writes of a sliced batch: slices must stand alone.
			k := n / 2
			if err := w.WriteRaw(ctx, part, b.Slice(0, k)); err != nil {
				return fmt.Errorf("write %d raw points: %w", k, err)
			}
			if err := w.WriteRaw(ctx, part, b.Slice(k, n)); err != nil {
				return fmt.Errorf("write %d raw points: %w", n-k, err)
			}
		}
		if page.Done {
			return nil
		}
		if n == 0 {
			return fmt.Errorf("empty raw page that is not the last one")
		}
	}
}
