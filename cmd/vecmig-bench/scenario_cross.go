package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// The two scenarios across engines. vecmig translates the definition and
// every point through adapters/mapping; the plain loop converts by hand
// (cross_raw.go); the ceiling writes the target's batches from memory.

func weaviateQdrantScenario() scenario {
	about := "Weaviate -> Qdrant live, from a real Weaviate server (" + weaviateVersionNote() + ") to a real Qdrant " + qdranttest.Version + " server, translated through adapters/mapping"
	return scenario{
		name:  "weaviate-qdrant",
		about: about,
		run: func(ctx context.Context, b *bench) (*report, error) {
			r := &report{Scenario: "weaviate-qdrant", About: about}
			p, err := startCrossPair(ctx, b, engineWeaviateQdrant)
			if err != nil {
				return r, err
			}
			defer p.close()
			r.Notes = append(r.Notes, "source ids: the Weaviate UUIDs (kept as Qdrant UUID ids); the Weaviate and the Qdrant server are separate processes on the same 2-core machine; their CPU is not in any method's CPU figure ('server CPU s' is theirs, from /proc)")
			// The cross-engine issue: W->Q at least 1.5x the plain loop,
			// no more CPU per point than it.
			return r, runMigration(ctx, b, p, migrationTargets{label: "W->Q", atLeastOfPlain: 1.5}, r)
		},
	}
}

func qdrantWeaviateScenario() scenario {
	about := "Qdrant -> Weaviate live, from a real Qdrant " + qdranttest.Version + " server to a real Weaviate server (" + weaviateVersionNote() + "), translated through adapters/mapping"
	return scenario{
		name:  "qdrant-weaviate",
		about: about,
		run: func(ctx context.Context, b *bench) (*report, error) {
			r := &report{Scenario: "qdrant-weaviate", About: about}
			p, err := startCrossPair(ctx, b, engineQdrantWeaviate)
			if err != nil {
				return r, err
			}
			defer p.close()
			r.Notes = append(r.Notes, "source ids: Qdrant integers 0..n-1, so every id goes through the integer -> UUID rule; the Qdrant and the Weaviate server are separate processes on the same 2-core machine; their CPU is not in any method's CPU figure ('server CPU s' is theirs, from /proc)")
			return r, runMigration(ctx, b, p, migrationTargets{label: "Q->W"}, r)
		},
	}
}

// crossPair is a Weaviate and a Qdrant server, one the source (loaded
// with the benchmark data), the other the target.
type crossPair struct {
	b    *bench
	kind string // engineWeaviateQdrant or engineQdrantWeaviate
	q    *qdranttest.Node
	w    *weaviatetest.Node
}

// Source collection names on either engine.
const crossSourceName = "bench_source"

// startCrossPair launches both servers and loads the source. Close stops
// them. The servers start one after the other: each test server package
// picks free ports for its own servers only, so two started at once by
// different packages could pick the same port.
func startCrossPair(ctx context.Context, b *bench, kind string) (*crossPair, error) {
	b.logf("starting a Qdrant %s server and a Weaviate server", qdranttest.Version)
	p := &crossPair{b: b, kind: kind}
	var err error
	if p.q, err = qdranttest.Launch(ctx, qdranttest.Options{}); err != nil {
		return nil, fmt.Errorf("start the Qdrant server: %w", err)
	}
	if p.w, err = weaviatetest.Launch(ctx, weaviatetest.Options{}); err != nil {
		p.close()
		return nil, fmt.Errorf("start the Weaviate server: %w", err)
	}
	b.logf("servers: Qdrant %s (pid %d), Weaviate %s (pid %d)", p.q.RESTURL(), p.q.PID(), p.w.HTTPURL(), p.w.PID())
	if kind == engineWeaviateQdrant {
		err = loadWeaviateSource(ctx, b, p.sourceURL())
	} else {
		err = loadQdrantSource(ctx, b, p.sourceURL(), qdrantLoad{points: b.cfg.points, intIDs: true})
	}
	if err != nil {
		p.close()
		return nil, err
	}
	p.settle(ctx)
	return p, nil
}

// settleSeconds is how many quiet seconds in a row count as settled.
const settleSeconds = 5

// settle waits after the load until both servers have been at rest for
// settleSeconds in a row (at most quietWait): a source still building its
// index, flushing or compacting some seconds after the load would charge
// its CPU to whichever method is measured first (vecmig, with --repeat 1).
func (p *crossPair) settle(ctx context.Context) {
	if _, known := processesCPU(p.serverPIDs()); !known {
		return // no /proc: nothing to wait on
	}
	start, quiet := time.Now(), 0
	for quiet < settleSeconds && time.Since(start) < quietWait && ctx.Err() == nil {
		if _, ok := waitQuiet(ctx, p.serverPIDs()); !ok {
			quiet = 0
			continue
		}
		quiet++
	}
	p.b.logf("%s: the servers settled after the load in %s", p.kind, time.Since(start).Round(time.Second))
}

func (p *crossPair) fromWeaviate() bool { return p.kind == engineWeaviateQdrant }

// engine is the child's --engine.
func (p *crossPair) engine() string { return p.kind }

// serverPIDs are source, then target.
func (p *crossPair) serverPIDs() []int {
	if p.fromWeaviate() {
		return []int{p.w.PID(), p.q.PID()}
	}
	return []int{p.q.PID(), p.w.PID()}
}

func (p *crossPair) sourceURL() string {
	if p.fromWeaviate() {
		return p.w.Endpoint(weaviateClassName(crossSourceName))
	}
	return p.q.Endpoint(crossSourceName)
}

// newTarget names Qdrant collections like bench_vecmig_1 and Weaviate
// classes like BenchVecmig1.
func (p *crossPair) newTarget(kind string) string {
	n := p.b.seq("cross-target")
	if p.fromWeaviate() {
		return p.q.Endpoint(fmt.Sprintf("bench_%s_%d", kind, n))
	}
	return p.w.Endpoint(fmt.Sprintf("Bench%s%s%d", strings.ToUpper(kind[:1]), kind[1:], n))
}

// weaviateClassName turns bench_source into BenchSource.
func weaviateClassName(name string) string {
	var sb strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part != "" {
			sb.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return sb.String()
}

// count and drop reach either server, by the URL's scheme.
func (p *crossPair) count(ctx context.Context, url string) (uint64, error) {
	if strings.HasPrefix(url, "weaviate:") {
		return (&weaviatePair{}).count(ctx, url)
	}
	return (&qdrantPair{}).count(ctx, url)
}

func (p *crossPair) drop(ctx context.Context, url string) error {
	if strings.HasPrefix(url, "weaviate:") {
		return (&weaviatePair{}).drop(ctx, url)
	}
	return (&qdrantPair{}).drop(ctx, url)
}

func (p *crossPair) close() {
	if p.q != nil {
		p.q.Stop()
	}
	if p.w != nil {
		p.w.Stop()
	}
}

// describeTarget sums up the target's definition as the measured method
// created it (vector, distance, HNSW, payload indexes or properties), so
// that the report shows whether vecmig and the plain loop wrote to alike
// targets.
func (p *crossPair) describeTarget(ctx context.Context, url string) string {
	if strings.HasPrefix(url, "weaviate:") {
		return describeWeaviateTarget(ctx, url)
	}
	return describeQdrantTarget(ctx, url)
}

func describeQdrantTarget(ctx context.Context, url string) string {
	c, err := dialQdrant(url)
	if err != nil {
		return err.Error()
	}
	defer c.close()
	info, err := c.client.GetCollectionInfo(ctx, c.name)
	if err != nil {
		return fmt.Sprintf("qdrant %s: get collection: %v", url, err)
	}
	prm := info.GetConfig().GetParams()
	hnsw := info.GetConfig().GetHnswConfig()
	vp := prm.GetVectorsConfig().GetParams()
	if d := vp.GetHnswConfig(); d != nil {
		hnsw = d
	}
	var idx []string
	for k, s := range info.GetPayloadSchema() {
		idx = append(idx, k+":"+strings.ToLower(s.GetDataType().String()))
	}
	sort.Strings(idx)
	vec := fmt.Sprintf("%d-d %s", vp.GetSize(), vp.GetDistance())
	if vp == nil {
		vec = "named vectors " + prm.GetVectorsConfig().String()
	}
	return fmt.Sprintf("Qdrant target: %s, hnsw m=%d ef_construct=%d, payload indexes [%s]", vec, hnsw.GetM(), hnsw.GetEfConstruct(), strings.Join(idx, " "))
}

func describeWeaviateTarget(ctx context.Context, url string) string {
	w, err := dialWeaviate(url)
	if err != nil {
		return err.Error()
	}
	defer w.close()
	var def struct {
		VectorIndexType   string         `json:"vectorIndexType"`
		VectorIndexConfig map[string]any `json:"vectorIndexConfig"`
		VectorConfig      map[string]any `json:"vectorConfig"`
		Properties        []struct {
			Name            string   `json:"name"`
			DataType        []string `json:"dataType"`
			IndexFilterable *bool    `json:"indexFilterable"`
			IndexSearchable *bool    `json:"indexSearchable"`
		} `json:"properties"`
	}
	if err := w.rest(ctx, http.MethodGet, "/v1/schema/"+w.class, nil, &def); err != nil {
		return err.Error()
	}
	var props []string
	for _, p := range def.Properties {
		props = append(props, fmt.Sprintf("%s:%s(f=%v,s=%v)", p.Name, strings.Join(p.DataType, ","), boolOr(p.IndexFilterable), boolOr(p.IndexSearchable)))
	}
	ic := def.VectorIndexConfig
	vec := fmt.Sprintf("%s %v, maxConnections=%v efConstruction=%v", def.VectorIndexType, ic["distance"], ic["maxConnections"], ic["efConstruction"])
	if len(def.VectorConfig) > 0 {
		vec = fmt.Sprintf("named vectors %v", def.VectorConfig)
	}
	return fmt.Sprintf("Weaviate target: %s, properties [%s]", vec, strings.Join(props, " "))
}

func boolOr(b *bool) string {
	if b == nil {
		return "-"
	}
	return fmt.Sprint(*b)
}
