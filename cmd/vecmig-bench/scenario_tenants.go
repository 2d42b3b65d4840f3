package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// The many-tenants scenario copies the same points twice between two real
// Weaviate servers: once as one class, once spread over small tenants of
// a multi-tenant class (--points / tenantObjects of them: 2,000 tenants of
// 50 at the default 100k), and checks that the tenants copy at no less
// than minTenantsOfOneClass of the one class's points/s. Both classes have
// two properties (title, num), not the other scenarios' five: Weaviate
// keeps about 11 files open per loaded tenant of the five-property class,
// and 2,000 of them pass this machine's limit of 20,000 open files.
const (
	tenantObjects        = 50
	oneClass             = "BenchOne"
	tenantsClass         = "BenchTenants"
	minTenantsOfOneClass = 0.7
)

func tenantsScenario() scenario {
	about := "Weaviate -> Weaviate live: the points as tenants of " + strconv.Itoa(tenantObjects) + " objects vs the same points in one class"
	return scenario{name: "tenants", about: about, run: runTenantsScenario}
}

func runTenantsScenario(ctx context.Context, b *bench) (*report, error) {
	cfg := b.cfg
	r := &report{Scenario: "tenants", About: tenantsScenario().about, Points: cfg.points, Dim: cfg.dim, BatchSize: cfg.batchSize, Workers: cfg.workers}
	b.logf("starting two Weaviate servers")
	src, dst, err := launchTwo(ctx, func(ctx context.Context) (*weaviatetest.Node, error) {
		return weaviatetest.Launch(ctx, weaviatetest.Options{})
	}, func(n *weaviatetest.Node) { n.Stop() })
	if err != nil {
		return r, err
	}
	p := &weaviatePair{b: b, src: src, dst: dst}
	defer p.close()
	one := &tenantPair{weaviatePair: p, class: oneClass}
	mt := &tenantPair{weaviatePair: p, class: tenantsClass, tenants: max(cfg.points/tenantObjects, 1)}
	if err := one.load(ctx); err != nil {
		return r, err
	}
	if err := mt.load(ctx); err != nil {
		return r, err
	}
	n := uint64(cfg.points)
	r.SourceCount = n
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average (1, 5, 15 min) before measuring: "+la+"; other work on the machine skews every figure")
	}
	var single, many row
	for i := 0; i < max(cfg.repeat, 1); i++ {
		x, err := b.measured(ctx, one, "oneclass", n, b.vecmigRow(ctx, one.sourceURL(), "vecmig, one class", n))
		if err != nil {
			return r, err
		}
		y, err := b.measured(ctx, mt, "tenants", n, b.vecmigRow(ctx, mt.sourceURL(), fmt.Sprintf("vecmig, %d tenants", mt.tenants), n))
		if err != nil {
			return r, err
		}
		if i == 0 || x.PointsPerSecond > single.PointsPerSecond {
			single = x
		}
		if i == 0 || y.PointsPerSecond > many.PointsPerSecond {
			many = y
		}
	}
	r.Rows = append(r.Rows, single, many)
	got := many.PointsPerSecond / single.PointsPerSecond
	r.Ratios = []ratio{{"tenants / one class (points/s)", got}}
	r.Targets = append(r.Targets, target{
		fmt.Sprintf("%d tenants x %d objects vs one class", mt.tenants, tenantObjects),
		fmt.Sprintf(">= %.0f%%", minTenantsOfOneClass*100), fmt.Sprintf("%.0f%%", got*100), got >= minTenantsOfOneClass,
	})
	if la := loadAverage(); la != "" {
		r.Notes = append(r.Notes, "load average after measuring: "+la)
	}
	return r, nil
}

// vecmigRow measures `vecmig migrate` from src into the target it is given.
func (b *bench) vecmigRow(ctx context.Context, src, method string, n uint64) func(dst string) (row, error) {
	cfg := b.cfg
	return func(dst string) (row, error) {
		state := fmt.Sprintf("%s/state-%d.json", b.workDir, b.seq("state"))
		st, err := b.vecmig(ctx, "migrate", "--from", src, "--to", dst, "--json", "--verify", "none",
			"--batch-size", strconv.Itoa(cfg.batchSize), "--workers", strconv.Itoa(cfg.workers), "--readers", strconv.Itoa(cfg.readers), "--state", state)
		if err != nil {
			return row{}, err
		}
		var sum vecmigSummary
		if err := json.Unmarshal(lastLine(st.Stdout), &sum); err != nil {
			return row{}, fmt.Errorf("vecmig printed no JSON summary (%v): %q", err, tail(string(st.Stdout), 500))
		}
		if !sum.CountsMatch || sum.Written != n {
			return row{}, fmt.Errorf("vecmig reports %d points written, counts source %d target %d (match %v); expected %d", sum.Written, sum.SourceCount, sum.TargetCount, sum.CountsMatch, n)
		}
		x := newRow(method, n, st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS)
		x.Note = fmt.Sprintf("whole process (start, describe, count, create, copy, final counts); vecmig's own summary says %.2f s, %.0f points/s", sum.Seconds, sum.PointsPerSecond)
		return x, nil
	}
}

// tenantPair is one source class of the weaviatePair: a plain class, or a
// multi-tenant one (tenants > 0) whose counts sum every tenant.
type tenantPair struct {
	*weaviatePair
	class   string
	tenants int
}

func (p *tenantPair) sourceURL() string { return p.src.Endpoint(p.class) }

func tenantName(i int) string { return fmt.Sprintf("tenant%05d", i) }

// load creates the class (and its tenants) on the source, and writes the
// benchmark data: point i into tenant i / tenantObjects.
func (p *tenantPair) load(ctx context.Context) error {
	w, err := dialWeaviate(p.sourceURL())
	if err != nil {
		return err
	}
	defer w.close()
	def := weaviateClassDef(p.class)
	def["properties"] = []any{
		map[string]any{"name": "title", "dataType": []string{"text"}},
		map[string]any{"name": "num", "dataType": []string{"int"}},
	}
	if p.tenants > 0 {
		def["multiTenancyConfig"] = map[string]any{"enabled": true}
	}
	if err := w.create(ctx, def); err != nil {
		return fmt.Errorf("create the source class %s: %w", p.class, err)
	}
	for lo := 0; lo < p.tenants; lo += 100 {
		var ts []map[string]string
		for i := lo; i < min(lo+100, p.tenants); i++ {
			ts = append(ts, map[string]string{"name": tenantName(i)})
		}
		if err := w.rest(ctx, http.MethodPost, "/v1/schema/"+tenantsClass+"/tenants", ts, nil); err != nil {
			return fmt.Errorf("create tenants: %w", err)
		}
	}
	return p.b.load(ctx, p.class, p.b.cfg.points, func(ctx context.Context, lo, hi int) error {
		objs := make([]*pb.BatchObject, 0, hi-lo)
		for i := lo; i < hi; i++ {
			pt := makePoint(i, p.b.cfg.dim)
			props, _ := structpb.NewStruct(map[string]any{"title": pt.Title, "num": float64(pt.Num)})
			o := &pb.BatchObject{Uuid: pt.ID.String(), Collection: p.class, VectorBytes: vectorBytes(pt.Vector),
				Properties: &pb.BatchObject_Properties{NonRefProperties: props}}
			if p.tenants > 0 {
				o.Tenant = tenantName(min(i/tenantObjects, p.tenants-1))
			}
			objs = append(objs, o)
		}
		return w.batch(ctx, objs)
	})
}

// count is the class's exact count, the sum over its tenants for a
// multi-tenant class.
func (p *tenantPair) count(ctx context.Context, raw string) (uint64, error) {
	if p.tenants == 0 {
		return p.weaviatePair.count(ctx, raw)
	}
	w, err := dialWeaviate(raw)
	if err != nil {
		return 0, err
	}
	defer w.close()
	var ts []struct{ Name string }
	if err := w.rest(ctx, http.MethodGet, "/v1/schema/"+url.PathEscape(w.class)+"/tenants", nil, &ts); err != nil {
		return 0, err
	}
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	var (
		mu    sync.Mutex
		total uint64
		wg    sync.WaitGroup
	)
	next := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				n, err := w.tenantCount(ctx, t)
				fc.Fail(err)
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	for _, t := range ts {
		next <- t.Name
	}
	close(next)
	wg.Wait()
	return total, fc.Err()
}

// tenantCount is one tenant's exact Aggregate meta count.
func (w *weaviateClass) tenantCount(ctx context.Context, tenant string) (uint64, error) {
	var out struct {
		Data   map[string]map[string][]struct{ Meta struct{ Count uint64 } }
		Errors []struct{ Message string }
	}
	q := map[string]string{"query": fmt.Sprintf("{ Aggregate { %s(tenant: %q) { meta { count } } } }", w.class, tenant)}
	if err := w.rest(ctx, http.MethodPost, "/v1/graphql", q, &out); err != nil {
		return 0, err
	}
	if len(out.Errors) > 0 {
		return 0, fmt.Errorf("weaviate %s: count tenant %q of %s: %s", w.base, tenant, w.class, out.Errors[0].Message)
	}
	rows := out.Data["Aggregate"][w.class]
	if len(rows) != 1 {
		return 0, fmt.Errorf("weaviate %s: count tenant %q of %s: unexpected answer", w.base, tenant, w.class)
	}
	return rows[0].Meta.Count, nil
}
