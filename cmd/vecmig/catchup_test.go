package main

// The catch-up pass (`migrate --catch-up --changed-since-field F`) against
// real servers: a writer changes the source while the first pass copies it
// (slowed by a proxy in front of the target), full verification then finds
// the differences, a catch-up removes them, and a second catch-up re-copies
// only what changed after the first.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

const catchUpPoints = 2000

// catchSide is one endpoint of a catch-up test.
type catchSide struct {
	url, key string
	uuids    bool             // ids are UUIDs (Weaviate)
	proxy    *faultproxy.Pair // in front of a target; nil for a source
	batch    string           // the gRPC method a target writes with
}

func qdrantSource(t *testing.T) catchSide {
	q := qdranttest.Instance(t, 1)
	name := q.NewName(t, "catchup_src")
	ctx := adaptertest.Ctx(t)
	c := q.Client(t)
	err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: name,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Cosine})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFieldIndex(ctx, &qc.CreateFieldIndexCollection{CollectionName: name, FieldName: "updated_at",
		FieldType: qc.FieldType_FieldTypeDatetime.Enum(), Wait: qc.PtrOf(true)}); err != nil {
		t.Fatal(err)
	}
	return catchSide{url: q.Endpoint(name), key: q.APIKey}
}

func weaviateSource(t *testing.T) catchSide {
	w := weaviateNode(t, 1)
	class := newClass(t, w, "CatchupSrc")
	mustREST(t, w, http.MethodPost, "/v1/schema", map[string]any{"class": class, "vectorizer": "none",
		"vectorIndexConfig": map[string]any{"distance": "cosine"},
		"properties": []map[string]any{
			{"name": "updated_at", "dataType": []string{"date"}},
			{"name": "body", "dataType": []string{"text"}},
			{"name": "n", "dataType": []string{"int"}},
		}})
	return catchSide{url: w.Endpoint(class), uuids: true}
}

func qdrantTarget(t *testing.T) catchSide {
	q := qdranttest.Instance(t, 2)
	p := qdranttest.StartProxy(t, q)
	return catchSide{url: p.Endpoint(q.NewName(t, "catchup_dst")), key: q.APIKey, proxy: p.Pair, batch: "Upsert"}
}

func weaviateTarget(t *testing.T) catchSide {
	w := weaviateNode(t, 2)
	p := faultproxy.StartPair(t, fmt.Sprintf("127.0.0.1:%d", w.HTTPPort), fmt.Sprintf("127.0.0.1:%d", w.GRPCPort))
	class := newClass(t, w, "CatchupDst")
	url := fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", p.HTTP.Port(), class, p.GRPC.Port())
	return catchSide{url: url, uuids: true, proxy: p, batch: "BatchObjects"}
}

// sourceWriter changes the source as an application would, through the
// adapters' own writing side, and keeps count.
type sourceWriter struct {
	t     *testing.T
	side  catchSide
	sink  adapters.Sink
	del   adapters.Deleter
	rng   *rand.Rand
	alive []int // indexes of the points that exist
	next  int   // index of the next new point
	// What the writer did.
	updated, inserted, deleted int
	changed                    map[int]bool // existing points it wrote
}

func newSourceWriter(t *testing.T, side catchSide) *sourceWriter {
	sink := adaptertest.OpenSink(t, all.Registry(), side.url, adapters.Config{APIKey: adapters.NewSecret(side.key)})
	del, ok := adapters.As[adapters.Deleter](sink)
	if !ok {
		t.Fatalf("%s cannot delete", side.url)
	}
	return &sourceWriter{t: t, side: side, sink: sink, del: del, rng: rand.New(rand.NewSource(7)), changed: map[int]bool{}}
}

func (w *sourceWriter) id(i int) adapters.ID {
	if !w.side.uuids {
		return adapters.NumID(uint64(i) + 1)
	}
	b := sha256.Sum256([]byte(fmt.Sprint(i)))
	var u [16]byte
	copy(u[:], b[:16])
	u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
	return adapters.UUIDID(u)
}

func (w *sourceWriter) point(i int, version string, at time.Time) adapters.Point {
	f := float32(i%97) + 1
	return adapters.Point{ID: w.id(i),
		Vectors: map[string]adapters.Vector{adapters.DefaultVector: {Dense: []float32{f, 1, float32(i % 7), 0.5}}},
		Payload: map[string]any{"body": fmt.Sprintf("%s of point %d", version, i), "n": int64(i), "updated_at": at.UTC().Format(time.RFC3339Nano)}}
}

// load writes the first n points, stamped long ago.
func (w *sourceWriter) load(ctx context.Context, n int) {
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 500 {
		var pts []adapters.Point
		for i := start; i < min(start+500, n); i++ {
			pts = append(pts, w.point(i, "v1", old))
			w.alive = append(w.alive, i)
		}
		if err := w.sink.Write(ctx, "", pts); err != nil {
			w.t.Fatalf("load the source: %v", err)
		}
	}
	w.next = n
}

// round updates, inserts and deletes distinct points, stamped now.
func (w *sourceWriter) round(ctx context.Context, updates, inserts, deletes int) error {
	w.rng.Shuffle(len(w.alive), func(i, j int) { w.alive[i], w.alive[j] = w.alive[j], w.alive[i] })
	var pts []adapters.Point
	for _, i := range w.alive[:updates] {
		pts = append(pts, w.point(i, "v2", time.Now()))
		w.changed[i] = true
	}
	for k := 0; k < inserts; k++ {
		pts = append(pts, w.point(w.next, "new", time.Now()))
		w.changed[w.next] = true
		w.alive = append(w.alive, w.next)
		w.next++
	}
	if err := w.sink.Write(ctx, "", pts); err != nil {
		return err
	}
	gone := w.alive[updates : updates+deletes]
	ids := make([]adapters.ID, len(gone))
	for k, i := range gone {
		ids[k] = w.id(i)
		delete(w.changed, i)
	}
	if err := w.del.Delete(ctx, "", ids); err != nil {
		return err
	}
	w.alive = append(w.alive[:updates], w.alive[updates+deletes:]...)
	w.updated, w.inserted, w.deleted = w.updated+updates, w.inserted+inserts, w.deleted+deletes
	return nil
}

// catchUpSummary is the part of `migrate --json` a catch-up test reads.
type catchUpSummary struct {
	SourceCount uint64 `json:"source_count"`
	TargetCount uint64 `json:"target_count"`
	Copy        struct {
		Detail struct {
			Recopied uint64 `json:"points_recopied"`
			Checked  uint64 `json:"target_points_checked"`
			Deleted  uint64 `json:"points_deleted"`
			RecopyNS int64  `json:"recopy_duration_ns"`
			DeleteNS int64  `json:"deletes_duration_ns"`
		} `json:"detail"`
	} `json:"copy"`
}

func parseCatchUp(t *testing.T, r result) catchUpSummary {
	t.Helper()
	var s catchUpSummary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return s
}

func TestCatchUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src, dst func(*testing.T) catchSide
	}{
		{"qdrant-qdrant", qdrantSource, qdrantTarget},
		{"weaviate-weaviate", weaviateSource, weaviateTarget},
		{"qdrant-weaviate", qdrantSource, weaviateTarget},
		{"weaviate-qdrant", weaviateSource, qdrantTarget},
	} {
		t.Run(tc.name, func(t *testing.T) { testCatchUp(t, tc.src(t), tc.dst(t)) })
	}
}

func testCatchUp(t *testing.T, src, dst catchSide) {
	ctx := adaptertest.Ctx(t)
	w := newSourceWriter(t, src)
	w.load(ctx, catchUpPoints)
	dir := t.TempDir()
	state := filepath.Join(dir, "first.state.json")
	env := []string{"VECMIG_FROM_API_KEY=" + src.key, "VECMIG_TO_API_KEY=" + dst.key}
	base := []string{"migrate", "--from", src.url, "--to", dst.url, "--state", state}

	// The first pass, slowed down so that the writer's rounds overlap it.
	dst.proxy.GRPC.Inject(faultproxy.Fault{Match: dst.batch, Delay: 150 * time.Millisecond})
	start := time.Now()
	first := firstPassWithWriter(t, w, dir, env, append(base, "--batch-size", "100", "--workers", "1", "--readers", "2", "--verify", "none"))
	firstDur := time.Since(start)
	dst.proxy.Reset()
	if first.code != 0 && first.code != 1 {
		mustExit(t, first, 0)
	}
	// And one more round after it, so that the copy is surely behind.
	if err := w.round(ctx, 20, 10, 5); err != nil {
		t.Fatal(err)
	}
	t.Logf("first pass %s; the writer updated %d, inserted %d and deleted %d source points",
		firstDur.Round(time.Millisecond), w.updated, w.inserted, w.deleted)

	verifyArgs := []string{"verify", "--from", src.url, "--to", dst.url, "--mode", "full"}
	mustExit(t, runVecmig(t, dir, env, verifyArgs...), 1)
	catchUpBadInput(t, dir, env, base, src, dst, state)

	// The catch-up: afterwards the two sides are equal.
	start = time.Now()
	r := runVecmig(t, dir, env, append(base, "--catch-up", "--changed-since-field", "updated_at", "--verify", "full", "--json")...)
	mustExit(t, r, 0)
	s := parseCatchUp(t, r)
	t.Logf("catch-up in %s: %d points re-copied (%s), %d target points checked, %d deleted (%s)",
		time.Since(start).Round(time.Millisecond), s.Copy.Detail.Recopied, time.Duration(s.Copy.Detail.RecopyNS).Round(time.Millisecond),
		s.Copy.Detail.Checked, s.Copy.Detail.Deleted, time.Duration(s.Copy.Detail.DeleteNS).Round(time.Millisecond))
	// Every point the writer wrote and did not delete is newer than the
	// first pass's start; the others are stamped 2024.
	if s.Copy.Detail.Recopied != uint64(len(w.changed)) || s.Copy.Detail.Deleted == 0 {
		t.Errorf("the catch-up re-copied %d and deleted %d points; want %d re-copied (the writer's live points) and some deleted",
			s.Copy.Detail.Recopied, s.Copy.Detail.Deleted, len(w.changed))
	}
	wantCount := uint64(len(w.alive))
	if s.SourceCount != wantCount || s.TargetCount != wantCount {
		t.Errorf("counts after the catch-up: source %d, target %d; the source holds %d", s.SourceCount, s.TargetCount, wantCount)
	}
	mustExit(t, runVecmig(t, dir, env, verifyArgs...), 0)
	if n := targetCount(t, dst); n != wantCount {
		t.Errorf("the target holds %d points; the source %d", n, wantCount)
	}
	incrementalCatchUp(t, w, dir, env, base, dst, state, verifyArgs)
}

// firstPassWithWriter runs the first pass while the writer changes the
// source in rounds, until the pass ends.
func firstPassWithWriter(t *testing.T, w *sourceWriter, dir string, env, args []string) result {
	t.Helper()
	cmd := exec.Command(vecmigBin, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var out, errb safeBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ctx := adaptertest.Ctx(t)
	for rounds := 0; ; rounds++ {
		select {
		case err := <-done:
			return result{out.String(), errb.String(), exitCode(err)}
		case <-time.After(50 * time.Millisecond):
		}
		if rounds < 200 { // bounded, whatever the pass does
			if err := w.round(ctx, 5, 3, 2); err != nil {
				t.Errorf("writer: %v", err)
			}
		}
	}
}

// catchUpBadInput: every refusal exits 2 with one clear line and leaves
// the target and the state as they were.
func catchUpBadInput(t *testing.T, dir string, env, base []string, src, dst catchSide, state string) {
	before, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	count := targetCount(t, dst)
	catchUp := func(more ...string) []string {
		return append(append(append([]string(nil), base...), "--catch-up"), more...)
	}
	rows := []struct {
		name string
		args []string
		want string
	}{
		{"missing field", catchUp("--changed-since-field", "no_such_field"), `"no_such_field"`},
		{"field of another type", catchUp("--changed-since-field", "body"), `"body"`},
		{"no field named", catchUp(), "--catch-up needs --changed-since-field"},
		{"no finished first pass", []string{"migrate", "--from", src.url, "--to", dst.url, "--state", filepath.Join(dir, "none.json"),
			"--catch-up", "--changed-since-field", "updated_at"}, "none.json does not exist"},
		{"snapshot method", catchUp("--changed-since-field", "updated_at", "--method", "snapshot"), "--catch-up follows a live copy"},
		{"--since not RFC 3339", catchUp("--changed-since-field", "updated_at", "--since", "2026-05-01 10:00"), `--since "2026-05-01 10:00"`},
		{"--since with --partition", catchUp("--changed-since-field", "updated_at", "--since", "2026-05-01T10:00:00Z", "--partition", "0/2", "--on-exists", "append"), "--catch-up with --partition 0/2"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := runVecmig(t, dir, env, row.args...)
			mustExit(t, r, 2)
			if !strings.Contains(r.stderr, row.want) {
				t.Errorf("stderr lacks %q:\n%s", row.want, r.stderr)
			}
		})
	}
	after, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("a refused catch-up changed the state file")
	}
	if n := targetCount(t, dst); n != count {
		t.Errorf("a refused catch-up changed the target: %d points, before %d", n, count)
	}
}

// incrementalCatchUp changes a few points after a catch-up: the next
// catch-up (no margin) starts where the last one started, so it re-copies
// exactly those and deletes exactly the deleted ones.
func incrementalCatchUp(t *testing.T, w *sourceWriter, dir string, env, base []string, dst catchSide, state string, verifyArgs []string) {
	var st struct {
		CatchUpStarted *time.Time `json:"catch_up_started"`
	}
	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil || st.CatchUpStarted == nil {
		t.Fatalf("the state file does not record the catch-up's start (%v):\n%s", err, b)
	}
	if err := w.round(adaptertest.Ctx(t), 4, 3, 2); err != nil {
		t.Fatal(err)
	}
	mustExit(t, runVecmig(t, dir, env, verifyArgs...), 1)
	r := runVecmig(t, dir, env, append(base, "--catch-up", "--changed-since-field", "updated_at", "--catch-up-margin", "0s", "--verify", "full", "--json")...)
	mustExit(t, r, 0)
	s := parseCatchUp(t, r)
	if s.Copy.Detail.Recopied != 7 || s.Copy.Detail.Deleted != 2 {
		t.Errorf("the second catch-up re-copied %d and deleted %d points; want 7 and 2 (it starts at the first one's start)", s.Copy.Detail.Recopied, s.Copy.Detail.Deleted)
	}
	mustExit(t, runVecmig(t, dir, env, verifyArgs...), 0)
	if n := targetCount(t, dst); n != uint64(len(w.alive)) {
		t.Errorf("the target holds %d points; the source %d", n, len(w.alive))
	}
}

func targetCount(t *testing.T, dst catchSide) uint64 {
	t.Helper()
	src := adaptertest.OpenSource(t, all.Registry(), dst.url, adapters.Config{APIKey: adapters.NewSecret(dst.key)})
	n, err := src.Count(adaptertest.Ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	return n
}
