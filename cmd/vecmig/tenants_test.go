package main

// Many small partitions are copied several at once, with inactive tenants
// activated ahead and put back behind, never all at once.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/migrate"
)

const manyTenantsClass = `{
  "class": "Many",
  "vectorizer": "none",
  "vectorIndexType": "hnsw",
  "vectorIndexConfig": {"distance": "l2-squared"},
  "multiTenancyConfig": {"enabled": true},
  "properties": [
    {"name": "title", "dataType": ["text"]},
    {"name": "n", "dataType": ["int"]}
  ]
}`

// With --workers 2 --readers 2 a run copies max(2*2, 2) = 4 partitions at
// once and holds at most twice that many activated.
const (
	manyWorkers   = "2"
	manyReaders   = "2"
	maxHeldActive = 8
)

// manyTenants is a multi-tenant class of n tenants, every third COLD, each
// with 5 to 29 objects, and tenant t001 (COLD) with big objects, which a
// run with --batch-size 20 splits into id ranges.
func manyTenants(n, big int) adaptertest.Fixture {
	fx := adaptertest.Fixture{
		Name: "many",
		Def: &adapters.Collection{
			Engine: "weaviate", Name: "Many", Partitioned: true,
			Vectors: map[string]adapters.VectorSpec{adapters.DefaultVector: {Kind: "dense", Distance: adapters.Euclid, Datatype: "float32"}},
			Native:  json.RawMessage(manyTenantsClass),
		},
		Points: map[string][]adapters.Point{},
	}
	for k := 0; k < n; k++ {
		name, status := fmt.Sprintf("t%03d", k), "HOT"
		if k%3 == 1 {
			status = "COLD"
		}
		fx.Def.Partitions = append(fx.Def.Partitions, adapters.Partition{Name: name, Status: status})
		count := 5 + (k*7)%25
		if k == 1 {
			count = big
		}
		var ps []adapters.Point
		for i := 0; i < count; i++ {
			ps = append(ps, adapters.Point{
				ID:      adaptertest.UUIDFor("many-"+name, i),
				Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: adaptertest.Dense(k, i, 16)}},
				Payload: map[string]any{"title": name + " " + fmt.Sprint(i), "n": int64(i)},
			})
		}
		adaptertest.SortPoints(ps)
		fx.Points[name] = ps
	}
	return fx
}

// readTenantStatuses reads every tenant's status of a class.
func readTenantStatuses(ctx context.Context, w *weaviatetest.Node, class string) (map[string]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.HTTPURL()+"/v1/schema/"+class+"/tenants", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list tenants of %s: HTTP %d", class, resp.StatusCode)
	}
	var ts []struct{ Name, ActivityStatus string }
	if err := json.NewDecoder(resp.Body).Decode(&ts); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range ts {
		out[t.Name] = t.ActivityStatus
	}
	return out, nil
}

// activeWatch polls the source's tenant statuses while a run copies and
// keeps the largest number of the fixture's COLD tenants seen active at
// once.
type activeWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	peak   int
	polls  int
}

func watchActive(t *testing.T, w *weaviatetest.Node, class string, fx adaptertest.Fixture) *activeWatch {
	ctx, cancel := context.WithCancel(context.Background())
	aw := &activeWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(aw.done)
		for ctx.Err() == nil {
			st, err := readTenantStatuses(ctx, w, class)
			if err != nil {
				continue
			}
			active := 0
			for _, p := range fx.Def.Partitions {
				if p.Status == "COLD" && st[p.Name] != "COLD" {
					active++
				}
			}
			aw.mu.Lock()
			aw.peak, aw.polls = max(aw.peak, active), aw.polls+1
			aw.mu.Unlock()
		}
	}()
	t.Cleanup(func() { aw.stop() })
	return aw
}

// stop ends the polling and returns the peak and the number of polls.
func (aw *activeWatch) stop() (peak, polls int) {
	aw.cancel()
	<-aw.done
	aw.mu.Lock()
	defer aw.mu.Unlock()
	return aw.peak, aw.polls
}

// assertStatusesBack checks every source tenant has its status again.
func assertStatusesBack(t *testing.T, w *weaviatetest.Node, class string, fx adaptertest.Fixture) {
	t.Helper()
	st, err := readTenantStatuses(adaptertest.Ctx(t), w, class)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range fx.Def.Partitions {
		if st[p.Name] != p.Status {
			t.Errorf("source tenant %s left %s, was %s", p.Name, st[p.Name], p.Status)
		}
	}
}

// assertWrittenExactly checks the run's summary: each partition's points
// written, over every run of the migration, equal its source count.
func assertWrittenExactly(t *testing.T, stdout string, fx adaptertest.Fixture) {
	t.Helper()
	var sum struct {
		Partitions []migrate.PartitionResult `json:"partitions"`
	}
	if err := json.Unmarshal(lastLine([]byte(stdout)), &sum); err != nil {
		t.Fatalf("no JSON summary: %v\n%s", err, stdout)
	}
	if len(sum.Partitions) != len(fx.Points) {
		t.Fatalf("summary has %d partitions, want %d", len(sum.Partitions), len(fx.Points))
	}
	for _, p := range sum.Partitions {
		want := uint64(len(fx.Points[p.Name]))
		if p.Written != want || p.SourceCount != want || p.TargetCount != want {
			t.Errorf("partition %s: written %d, source %d, target %d; want %d each", p.Name, p.Written, p.SourceCount, p.TargetCount, want)
		}
	}
}

func lastLine(out []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return []byte(lines[len(lines)-1])
}

// TestManyTenantsConcurrently copies 60 tenants (20 COLD, one split into
// id ranges) several at once: the copy is exact under full verification,
// never more than the bound of COLD tenants are active on the source at
// once, and every one is COLD again afterwards.
func TestManyTenantsConcurrently(t *testing.T) {
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	fx := manyTenants(60, 300)
	class := weaviatetest.NewClassName("Many")
	from, to := w1.Endpoint(class), w2.Endpoint(weaviatetest.NewClassName("ManyCopy"))
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	dir := t.TempDir()
	state := filepath.Join(dir, "many.state.json")

	watch := watchActive(t, w1, class, fx)
	r := runVecmig(t, dir, nil, "migrate", "--from", from, "--to", to, "--state", state, "--batch-size", "20",
		"--workers", manyWorkers, "--readers", manyReaders, "--verify", "full", "--json")
	peak, polls := watch.stop()
	mustExit(t, r, 0)
	t.Logf("at most %d of the 20 COLD source tenants were active at once (%d polls)", peak, polls)
	if peak > maxHeldActive {
		t.Errorf("%d COLD source tenants were active at once; the bound is %d", peak, maxHeldActive)
	}
	assertWrittenExactly(t, r.stdout, fx)
	assertCopied(t, from, to, "", "")
	assertStatusesBack(t, w1, class, fx)
	st, err := migrate.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Partitions["t001"].Ranges); n != 2 {
		t.Errorf("the large tenant t001 was copied as %d id ranges, want 2 (--readers 2)", n)
	}
}

// TestManyTenantsInterruptAndResume stops a run copying many tenants with
// SIGINT: it exits 3 with every tenant put back, and the same command
// finishes the copy exactly, each point counted once.
func TestManyTenantsInterruptAndResume(t *testing.T) {
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	fx := manyTenants(60, 300)
	class := weaviatetest.NewClassName("Many")
	from := w1.Endpoint(class)
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	slow := faultproxy.StartPair(t, fmt.Sprintf("127.0.0.1:%d", w2.HTTPPort), fmt.Sprintf("127.0.0.1:%d", w2.GRPCPort))
	slow.GRPC.Inject(faultproxy.Fault{Match: "BatchObjects", Delay: 40 * time.Millisecond})
	to := fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", slow.HTTP.Port(), weaviatetest.NewClassName("ManyResumed"), slow.GRPC.Port())
	dir := t.TempDir()
	state := filepath.Join(dir, "many.state.json")
	args := []string{"migrate", "--from", from, "--to", to, "--state", state, "--batch-size", "20",
		"--workers", manyWorkers, "--readers", manyReaders, "--json"}

	cmd := exec.Command(vecmigBin, args...)
	cmd.Dir, cmd.Env = dir, os.Environ()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForWatermark(t, state, cmd)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit after SIGINT: %v (code %d), want %d", err, code, exitInterrupted)
	}
	assertStatusesBack(t, w1, class, fx)
	st, err := migrate.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, p := range st.Partitions {
		if p.Done() {
			done++
		}
	}
	if st.Finished || done == len(fx.Points) {
		t.Fatalf("the interrupted run finished %d of %d tenants (state finished: %v); want it stopped midway", done, len(fx.Points), st.Finished)
	}
	t.Logf("interrupted with %d of %d tenants done", done, len(fx.Points))

	slow.Reset()
	r := runVecmig(t, dir, nil, args...)
	mustExit(t, r, 0)
	assertWrittenExactly(t, r.stdout, fx)
	assertCopied(t, from, to, "", "")
	assertStatusesBack(t, w1, class, fx)
}

// TestManyTenantsOneFails makes one tenant of many fail on the target (it
// holds vectors of another length there): the run stops with that
// tenant's cause, not with what stopping the others caused, and every
// source tenant is put back.
func TestManyTenantsOneFails(t *testing.T) {
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	fx := manyTenants(40, 60)
	class, target := weaviatetest.NewClassName("Many"), weaviatetest.NewClassName("ManyBad")
	from, to := w1.Endpoint(class), w2.Endpoint(target)
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	// The target exists with the same tenants; t025 holds a 4-d vector.
	bad := fx
	bad.Def = fx.Def.Clone()
	bad.Points = map[string][]adapters.Point{"t025": {{
		ID:      adaptertest.UUIDFor("many-other", 0),
		Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: []float32{1, 2, 3, 4}}},
		Payload: map[string]any{"title": "other length", "n": int64(0)},
	}}}
	adaptertest.Load(t, all.Registry(), adapters.Config{}, to, bad)

	r := runVecmig(t, t.TempDir(), nil, "migrate", "--from", from, "--to", to, "--on-exists", "append",
		"--batch-size", "20", "--workers", manyWorkers, "--readers", manyReaders)
	if r.code == 0 {
		t.Fatalf("the run succeeded though tenant t025 cannot be written:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "t025") || !strings.Contains(r.stderr, "length") {
		t.Errorf("the error does not name tenant t025 and the vector length:\n%s", r.stderr)
	}
	t.Logf("the run failed with exit %d:\n%s", r.code, r.stderr)
	if strings.Contains(r.stderr, "context canceled") {
		t.Errorf("the error reports a cancellation instead of the cause:\n%s", r.stderr)
	}
	assertStatusesBack(t, w1, class, fx)
}
