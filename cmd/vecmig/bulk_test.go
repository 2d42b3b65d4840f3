package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/migrate"
)

// collectionInfo is what Qdrant's REST API reports about a collection.
type collectionInfo struct {
	Status string `json:"status"`
	Config struct {
		HNSW      map[string]any  `json:"hnsw_config"`
		Optimizer map[string]any  `json:"optimizer_config"`
		Strict    json.RawMessage `json:"strict_mode_config"`
	} `json:"config"`
}

func readInfo(t *testing.T, q *qdranttest.Node, coll string) collectionInfo {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, q.RESTURL()+"/collections/"+coll, nil)
	req.Header.Set("api-key", q.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Result collectionInfo `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /collections/%s: %s, %v", coll, resp.Status, err)
	}
	return body.Result
}

// tunedSource loads n points, then gives the collection settings that are
// not Qdrant's defaults: HNSW m 24 and ef_construct 150, indexing
// threshold 5000 KB, and strict mode allowing 10 points per upsert.
func tunedSource(t *testing.T, q *qdranttest.Node, hint string, n int) (string, string) {
	t.Helper()
	coll, url := loadSmall(t, q, hint, n)
	err := q.Client(t).UpdateCollection(adaptertest.Ctx(t), &qc.UpdateCollection{
		CollectionName:   coll,
		HnswConfig:       &qc.HnswConfigDiff{M: qc.PtrOf(uint64(24)), EfConstruct: qc.PtrOf(uint64(150))},
		OptimizersConfig: &qc.OptimizersConfigDiff{IndexingThreshold: qc.PtrOf(uint64(5000))},
		StrictModeConfig: &qc.StrictModeConfig{Enabled: qc.PtrOf(true), UpsertMaxBatchsize: qc.PtrOf(uint64(10))},
	})
	if err != nil {
		t.Fatal(err)
	}
	return coll, url
}

// assertSettingsCopied checks the target ended with the source's index and
// strict mode settings, green.
func assertSettingsCopied(t *testing.T, q1 *qdranttest.Node, src string, q2 *qdranttest.Node, dst string) {
	t.Helper()
	a, b := readInfo(t, q1, src), readInfo(t, q2, dst)
	for _, k := range []string{"m", "ef_construct", "full_scan_threshold"} {
		if a.Config.HNSW[k] != b.Config.HNSW[k] {
			t.Errorf("hnsw_config.%s: source %v, target %v", k, a.Config.HNSW[k], b.Config.HNSW[k])
		}
	}
	if a.Config.Optimizer["indexing_threshold"] != b.Config.Optimizer["indexing_threshold"] {
		t.Errorf("optimizer_config.indexing_threshold: source %v, target %v", a.Config.Optimizer["indexing_threshold"], b.Config.Optimizer["indexing_threshold"])
	}
	if !bytes.Equal(a.Config.Strict, b.Config.Strict) {
		t.Errorf("strict_mode_config: source %s, target %s", a.Config.Strict, b.Config.Strict)
	}
	if b.Status != "green" {
		t.Errorf("target status %q after the run, want green", b.Status)
	}
}

// --defer-indexing creates the target with m 0 and puts the source's
// settings back after the data; the source's strict mode (10 points per
// upsert) is applied after the data too, so batches of 64 pass.
func TestDeferIndexingCopiesSettingsAfterData(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	src, from := tunedSource(t, q1, "defer", 3000)
	dst := q2.NewName(t, "defer_copy")
	to := q2.Endpoint(dst)
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	args := []string{"migrate", "--from", from, "--to", to, "--batch-size", "64", "--defer-indexing"}

	plan := runVecmig(t, t.TempDir(), env, append(args, "--dry-run")...)
	mustExit(t, plan, 0)
	for _, want := range []string{"workers: 2 (from the target: 1 shard on 1 node", "created with HNSW m 0", "m 24, ef_construct 150", "strict mode (enabled, upsert_max_batchsize 10) is applied after the data"} {
		if !strings.Contains(plan.stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, plan.stdout)
		}
	}
	if explicit := runVecmig(t, t.TempDir(), env, append(args, "--dry-run", "--workers", "3")...); !strings.Contains(explicit.stdout, "workers: 3 (--workers)") {
		t.Errorf("an explicit --workers 3 is not what the plan uses:\n%s", explicit.stdout)
	}

	r := runVecmig(t, t.TempDir(), env, append(args, "--verify", "full")...)
	mustExit(t, r, 0)
	assertSettingsCopied(t, q1, src, q2, dst)
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
}

// A run interrupted while the target still lacks the held-back settings
// is resumed without --defer-indexing: the state remembers, and the
// resumed run puts them back.
func TestDeferIndexingResumedRestores(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	src, from := tunedSource(t, q1, "defer_resume", 20000)
	slow := qdranttest.StartProxy(t, q2)
	slow.GRPC.Inject(faultproxy.Fault{Match: "Upsert", Delay: 2 * time.Millisecond})
	dst := q2.NewName(t, "defer_resume_copy")
	to := slow.Endpoint(dst)
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	args := []string{"migrate", "--from", from, "--to", to, "--batch-size", "64", "--state", state}

	cmd := exec.Command(vecmigBin, append(args, "--defer-indexing")...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForWatermark(t, state, cmd)
	cmd.Process.Signal(os.Interrupt)
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit after SIGINT: %v, want code %d\n%s", err, exitInterrupted, errb.String())
	}
	mid := readInfo(t, q2, dst)
	if mid.Config.HNSW["m"] != float64(0) || len(mid.Config.Strict) != 0 && string(mid.Config.Strict) != "null" {
		t.Errorf("while interrupted the target has hnsw m %v and strict mode %s; want m 0 and none (held back)", mid.Config.HNSW["m"], mid.Config.Strict)
	}
	if st, err := migrate.LoadState(state); err != nil || st.Bulk == nil || len(st.Bulk.HeldBack) != 2 {
		t.Errorf("the state does not record what is held back: %+v, %v", st, err)
	}

	r := runVecmig(t, dir, env, append(args, "--verify", "full")...)
	mustExit(t, r, 0)
	assertSettingsCopied(t, q1, src, q2, dst)
	assertCopied(t, from, to, q1.APIKey, q2.APIKey)
}

// Appending into a target whose strict mode allows 7 points per upsert:
// batches of 64 are capped to 7, which the target accepts.
func TestAppendKeepsToTargetStrictMode(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	_, from := loadSmall(t, q1, "strict_src", 500)
	dst, to := loadSmall(t, q2, "strict_dst", 10)
	err := q2.Client(t).UpdateCollection(adaptertest.Ctx(t), &qc.UpdateCollection{CollectionName: dst,
		StrictModeConfig: &qc.StrictModeConfig{Enabled: qc.PtrOf(true), UpsertMaxBatchsize: qc.PtrOf(uint64(7)), WriteRateLimit: qc.PtrOf(uint32(600000))}})
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	args := []string{"migrate", "--from", from, "--to", to, "--batch-size", "64", "--on-exists", "append", "--verify", "none"}
	plan := runVecmig(t, t.TempDir(), env, append(args, "--dry-run")...)
	mustExit(t, plan, 0)
	for _, want := range []string{"at most 7 points per upsert (upsert_max_batchsize): write batches are capped to 7", "600000 points written a minute (write_rate_limit): the copy reads and writes at most 10000.0 points/s"} {
		if !strings.Contains(plan.stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, plan.stdout)
		}
	}
	r := runVecmig(t, t.TempDir(), env, args...)
	mustExit(t, r, 0)
	n, err := q2.Client(t).Count(adaptertest.Ctx(t), &qc.CountPoints{CollectionName: dst, Exact: qc.PtrOf(true)})
	if err != nil {
		t.Fatal(err)
	}
	// The fixtures of 500 and of 10 points share ids 0..9.
	if n != 500 {
		t.Errorf("target holds %d points after appending 500 (ids overlapping its 10), want 500", n)
	}
	if s := readInfo(t, q2, dst).Config.Strict; !strings.Contains(string(s), `"upsert_max_batchsize":7`) {
		t.Errorf("the target's own strict mode was changed: %s", s)
	}
}

// Weaviate cannot defer a class's indexing: the run says so in a note,
// once, and copies as usual. Its plan takes the number of writers from
// the target's layout (4 per node holding the class's shards).
func TestDeferIndexingNoteOnWeaviate(t *testing.T) {
	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	fx := adaptertest.WeaviateFixtures(300)[0]
	from := w1.Endpoint(weaviatetest.NewClassName(fx.Name))
	to := w2.Endpoint(weaviatetest.NewClassName(fx.Name))
	adaptertest.Load(t, all.Registry(), adapters.Config{}, from, fx)
	const note = "--defer-indexing does not apply to Weaviate targets: a class's HNSW build settings"
	args := []string{"migrate", "--from", from, "--to", to, "--defer-indexing"}

	plan := runVecmig(t, t.TempDir(), nil, append(args, "--dry-run")...)
	mustExit(t, plan, 0)
	if !strings.Contains(plan.stdout, "workers: 4 (from the target: 1 shard on 1 node; --workers sets another number)") || strings.Count(plan.stdout, note) != 1 {
		t.Errorf("the plan does not take 4 writers from the target's layout and say once that --defer-indexing does not apply:\n%s", plan.stdout)
	}
	if explicit := runVecmig(t, t.TempDir(), nil, append(args, "--dry-run", "--workers", "2")...); !strings.Contains(explicit.stdout, "workers: 2 (--workers)") {
		t.Errorf("an explicit --workers 2 is not what the plan uses:\n%s", explicit.stdout)
	}
	sink, err := all.Registry().OpenSink(adaptertest.Ctx(t), to, adapters.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if ok, err := sink.Exists(adaptertest.Ctx(t)); err != nil || ok {
		t.Errorf("the target %s exists after dry runs (%v)", to, err)
	}

	r := runVecmig(t, t.TempDir(), nil, append(args, "--verify", "full")...)
	mustExit(t, r, 0)
	if strings.Count(r.stdout, note) != 1 {
		t.Errorf("the run does not say once that --defer-indexing does not apply:\n%s", r.stdout)
	}
	assertCopied(t, from, to, "", "")
}

// hnswOf reads a target collection's hnsw_config m and ef_construct.
func hnswOf(t *testing.T, q *qdranttest.Node, coll string) (m, ef any) {
	t.Helper()
	h := readInfo(t, q, coll).Config.HNSW
	return h["m"], h["ef_construct"]
}

// Once a --defer-indexing run has put the source's settings back, its
// state forgets them: a later pass on the same state (here the same
// command again, with --on-exists append) leaves the operator's tuning of
// the target (ef_construct 77) alone and says nothing of held-back
// settings.
func TestDeferIndexingLaterPassKeepsTuning(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	_, from := tunedSource(t, q1, "defer_later", 300)
	dst := q2.NewName(t, "defer_later_copy")
	to := q2.Endpoint(dst)
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	args := []string{"migrate", "--from", from, "--to", to, "--batch-size", "64", "--state", state, "--defer-indexing", "--verify", "none"}

	mustExit(t, runVecmig(t, dir, env, args...), 0)
	if m, ef := hnswOf(t, q2, dst); m != float64(24) || ef != float64(150) {
		t.Fatalf("after the run the target has hnsw m %v, ef_construct %v; want the source's 24, 150", m, ef)
	}
	if st, err := migrate.LoadState(state); err != nil || st.Bulk != nil {
		t.Errorf("the state still records settings held back after they were put back: %+v, %v", st.Bulk, err)
	}
	err := q2.Client(t).UpdateCollection(adaptertest.Ctx(t), &qc.UpdateCollection{CollectionName: dst,
		HnswConfig: &qc.HnswConfigDiff{EfConstruct: qc.PtrOf(uint64(77))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range [][]string{nil, {"--on-exists", "append"}} {
		r := runVecmig(t, dir, env, append(args, extra...)...)
		mustExit(t, r, 0)
		if strings.Contains(r.stdout, "held back") {
			t.Errorf("pass %v speaks of settings held back:\n%s", extra, r.stdout)
		}
		if m, ef := hnswOf(t, q2, dst); m != float64(24) || ef != float64(77) {
			t.Errorf("after pass %v the target has hnsw m %v, ef_construct %v; want 24 and the operator's 77", extra, m, ef)
		}
	}
}

// A --defer-indexing run stopped inside Prepare (here: creating a payload
// index fails, after the collection was created with m 0) has already
// saved what it holds back, marked pending; the next run with --on-exists
// append puts back exactly that. Without the state, appending into such a
// target is a warning that says how to restore m.
func TestDeferIndexingStoppedInPrepare(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	src, from := tunedSource(t, q1, "defer_prep", 300)
	_, err := q1.Client(t).CreateFieldIndex(adaptertest.Ctx(t), &qc.CreateFieldIndexCollection{CollectionName: src,
		FieldName: "held_kw", FieldType: qc.FieldType_FieldTypeKeyword.Enum(), Wait: qc.PtrOf(true)})
	if err != nil {
		t.Fatal(err)
	}
	proxy := qdranttest.StartProxy(t, q2)
	proxy.GRPC.Inject(faultproxy.Fault{Match: "CreateFieldIndex", Code: codes.InvalidArgument, Times: 1})
	dst := q2.NewName(t, "defer_prep_copy")
	to := proxy.Endpoint(dst)
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state.json")
	env := []string{"VECMIG_FROM_API_KEY=" + q1.APIKey, "VECMIG_TO_API_KEY=" + q2.APIKey}
	args := []string{"migrate", "--from", from, "--to", to, "--batch-size", "64", "--state", state}

	if r := runVecmig(t, dir, env, append(args, "--defer-indexing")...); r.code == 0 {
		t.Fatalf("the run with a failing CreateFieldIndex succeeded:\n%s", r.stdout)
	}
	if m, _ := hnswOf(t, q2, dst); m != float64(0) {
		t.Fatalf("the half-made target has hnsw m %v; want 0 (the fault did not stop Prepare after the create)", m)
	}
	st, err := migrate.LoadState(state)
	if err != nil {
		t.Fatalf("no state saved by a run stopped inside Prepare: %v", err)
	}
	if st.Prepared || st.Bulk == nil || !st.Bulk.Pending || st.Bulk.Restore["hnsw_m"] != "24" || st.Bulk.Restore["strict_mode"] != "on" {
		t.Fatalf("state after a stop inside Prepare: prepared %v, bulk %+v; want pending hnsw_m 24 and strict mode, not prepared", st.Prepared, st.Bulk)
	}

	plan := runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", to, "--on-exists", "append", "--dry-run")
	mustExit(t, plan, 0)
	if !strings.Contains(plan.stdout, "has HNSW m 0") || !strings.Contains(plan.stdout, `{"hnsw_config":{"m":24}}`) {
		t.Errorf("appending without the state does not warn of m 0 and how to restore it:\n%s", plan.stdout)
	}

	r := runVecmig(t, dir, env, append(args, "--on-exists", "append", "--verify", "full")...)
	mustExit(t, r, 0)
	if !strings.Contains(r.stdout, "still lacks HNSW m 24 and strict mode") {
		t.Errorf("the rerun does not say it puts back m and strict mode:\n%s", r.stdout)
	}
	assertSettingsCopied(t, q1, src, q2, dst)
	if st, err := migrate.LoadState(state); err != nil || st.Bulk != nil {
		t.Errorf("the state still records settings held back after the rerun put them back: %+v, %v", st.Bulk, err)
	}
}
