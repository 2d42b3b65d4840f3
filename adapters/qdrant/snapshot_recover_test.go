package qdrant_test

// These tests run against real Qdrant servers (qdranttest) and pin the
// server behaviour RecoverSnapshot is built on, so a Qdrant release that changes it
// fails here with a reason rather than somewhere in a migration.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// openSnapshots is a snapshot client for node n.
func openSnapshots(t *testing.T, n *qdranttest.Node, tr http.RoundTripper) *qdrant.Snapshots {
	t.Helper()
	ep, err := adapters.ParseEndpoint(n.Endpoint("_"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := qdrant.OpenSnapshots(ep, adapters.Config{APIKey: adapters.NewSecret(n.APIKey)}, qdrant.SnapshotOptions{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// snapshotFile creates a snapshot of coll on src, downloads it into a
// temporary directory and deletes it on the server.
func snapshotFile(t *testing.T, src *qdrant.Snapshots, coll string) (string, qdrant.SnapshotInfo) {
	t.Helper()
	ctx := adaptertest.Ctx(t)
	info, err := src.Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Delete(context.Background(), coll, info.Name)
	path := filepath.Join(t.TempDir(), info.Name)
	if _, err := src.Download(ctx, coll, info.Name, path, info.Checksum, nil); err != nil {
		t.Fatal(err)
	}
	return path, info
}

func points(ids ...uint64) []*qc.PointStruct {
	ps := make([]*qc.PointStruct, len(ids))
	for i, id := range ids {
		f := float32(id)
		ps[i] = &qc.PointStruct{Id: qc.NewIDNum(id), Vectors: qc.NewVectors(f, 1, 2, 3), Payload: qc.NewValueMap(map[string]any{"id": int64(id)})}
	}
	return ps
}

func upsert(t *testing.T, c *qc.Client, coll string, key *qc.ShardKey, ps []*qc.PointStruct) {
	t.Helper()
	req := &qc.UpsertPoints{CollectionName: coll, Points: ps, Wait: qc.PtrOf(true)}
	if key != nil {
		req.ShardKeySelector = &qc.ShardKeySelector{ShardKeys: []*qc.ShardKey{key}}
	}
	if _, err := c.Upsert(adaptertest.Ctx(t), req); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, c *qc.Client, coll string, key *qc.ShardKey) uint64 {
	t.Helper()
	req := &qc.CountPoints{CollectionName: coll, Exact: qc.PtrOf(true)}
	if key != nil {
		req.ShardKeySelector = &qc.ShardKeySelector{ShardKeys: []*qc.ShardKey{key}}
	}
	n, err := c.Count(adaptertest.Ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	keyEU    = qc.NewShardKeyKeyword("eu")
	keyUS    = qc.NewShardKeyKeyword("us")
	keySeven = qc.NewShardKeyNum(7)
)

// shardedCollection makes coll on n with shard keys eu (1 shard), 7 (2
// shards) and us, where a key deleted between eu and 7 left a gap in the
// shard ids, and puts 5, 10 and 3 points under them.
func shardedCollection(t *testing.T, n *qdranttest.Node, coll string) {
	t.Helper()
	c, ctx := n.Client(t), adaptertest.Ctx(t)
	err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll, ShardNumber: qc.PtrOf(uint32(1)),
		ShardingMethod: qc.ShardingMethod_Custom.Enum(),
		VectorsConfig:  qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})})
	if err != nil {
		t.Fatal(err)
	}
	gone := qc.NewShardKeyKeyword("gone")
	for _, k := range []struct {
		key    *qc.ShardKey
		shards uint32
	}{{keyEU, 1}, {gone, 1}, {keySeven, 2}, {keyUS, 1}} {
		if err := c.CreateShardKey(ctx, coll, &qc.CreateShardKey{ShardKey: k.key, ShardsNumber: qc.PtrOf(k.shards)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.DeleteShardKey(ctx, coll, &qc.DeleteShardKey{ShardKey: gone}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c, coll, keyEU, points(1, 2, 3, 4, 5))
	upsert(t, c, coll, keySeven, points(10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
	upsert(t, c, coll, keyUS, points(20, 21, 22))
}

func assertKeyCounts(t *testing.T, c *qc.Client, coll string) {
	t.Helper()
	for _, k := range []struct {
		key  *qc.ShardKey
		want uint64
	}{{keyEU, 5}, {keySeven, 10}, {keyUS, 3}} {
		if got := count(t, c, coll, k.key); got != k.want {
			t.Errorf("%s: %d points under key %s, want %d", coll, got, qdrant.PartitionName(k.key), k.want)
		}
	}
}

func TestSnapshotRecoverLaysOutShardKeys(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	src, dst := openSnapshots(t, q1, nil), openSnapshots(t, q2, nil)
	ctx := adaptertest.Ctx(t)
	coll := q1.NewName(t, "keys")
	shardedCollection(t, q1, coll)

	want, err := src.ShardLayout(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	// Qdrant gives a new key the ids after the highest one in use.
	if got := want.String(); got != `"eu" [1], 7 [3 4], "us" [5]` {
		t.Fatalf("source layout %s; the test expects the ids Qdrant 1.18.3 gives out", got)
	}
	file, info := snapshotFile(t, src, coll)
	inFile, err := qdrant.ReadSnapshotLayout(file)
	if err != nil {
		t.Fatal(err)
	}
	if !inFile.Equal(want) {
		t.Errorf("layout read from the snapshot file: %s, want %s", inFile, want)
	}

	c2 := q2.Client(t)
	t.Run("a plain recovery loses the keys", func(t *testing.T) {
		// The issue in Qdrant that RecoverSnapshot works around.
		to := q2.NewName(t, "plain")
		name, err := dst.Upload(ctx, to, file, info.Checksum)
		if err != nil {
			t.Fatal(err)
		}
		dst.Delete(ctx, to, name)
		have, err := dst.ShardLayout(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, c2, to, nil); len(have) != 0 || n != 0 {
			t.Errorf("a new collection recovered from a sharded snapshot has %s and %d points; Qdrant used to give it none of either, and RecoverSnapshot's double recovery may no longer be needed", have, n)
		}
	})
	t.Run("file", func(t *testing.T) {
		to := q2.NewName(t, "file")
		if err := qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: dst, Collection: to}, qdrant.SnapshotRecovery{File: file, Checksum: info.Checksum, Logf: t.Logf}); err != nil {
			t.Fatal(err)
		}
		have, err := dst.ShardLayout(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		if !have.Equal(want) {
			t.Errorf("target layout %s, want %s (the placeholder for the gap must be gone)", have, want)
		}
		assertKeyCounts(t, c2, to)
		if l, err := dst.List(ctx, to); err != nil || len(l) != 0 {
			t.Errorf("uploads left on the target: %v %v", l, err)
		}
	})
	t.Run("standalone target", func(t *testing.T) {
		// Shard keys need distributed mode: refused before the upload.
		alone := qdranttest.Start(t, qdranttest.Options{})
		s := openSnapshots(t, alone, nil)
		err := qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: s, Collection: "keys"}, qdrant.SnapshotRecovery{File: file, Checksum: info.Checksum})
		if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "distributed mode") {
			t.Errorf("recovering shard keys on a standalone server: %v; want a refusal naming distributed mode", err)
		}
		if shape, err := s.CollectionShape(ctx, "keys"); err != nil || shape != nil {
			t.Errorf("the refused recovery created the collection (%v, %v)", shape, err)
		}
	})
	t.Run("url", func(t *testing.T) {
		kept, err := src.Create(ctx, coll)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Delete(context.Background(), coll, kept.Name)
		to := q2.NewName(t, "url")
		r := qdrant.SnapshotRecovery{URL: src.DownloadURL(coll, kept.Name), Checksum: kept.Checksum, Layout: want, Logf: t.Logf}
		if err := qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: dst, Collection: to}, r); err != nil {
			t.Fatal(err)
		}
		assertKeyCounts(t, c2, to)

		// Without the layout the keys cannot arrive, and RecoverSnapshot says so.
		other := q2.NewName(t, "url_blind")
		r.Layout = nil
		err = qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: dst, Collection: other}, r)
		if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), "recover the file") {
			t.Errorf("recovering a sharded snapshot from a URL without its layout: %v; want an error that says to recover the file", err)
		}
		if ok, err := q2.Client(t).CollectionExists(ctx, other); err != nil || ok {
			t.Errorf("the empty collection the blind recovery made is still there (exists=%v, %v)", ok, err)
		}
	})
}

func TestUploadedSnapshotStaysOnTarget(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	src, dst := openSnapshots(t, q1, nil), openSnapshots(t, q2, nil)
	ctx := adaptertest.Ctx(t)
	coll := q1.NewName(t, "stays")
	c1 := q1.Client(t)
	if err := c1.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c1, coll, nil, points(1, 2, 3))
	file, info := snapshotFile(t, src, coll)
	to := q2.NewName(t, "stays")
	dir := filepath.Join(q2.SnapshotsDir, to)

	// Qdrant keeps the upload under the name it was sent with, and lists it.
	name, err := dst.Upload(ctx, to, file, info.Checksum)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := dst.List(ctx, to); err != nil || len(l) != 1 || l[0].Name != name {
		t.Errorf("after an upload the target lists %+v (%v); Qdrant 1.18.3 lists the upload %s", l, err, name)
	}
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		t.Errorf("the upload is not on the target's disk: %v", err)
	}
	// A name without ".snapshot" is kept as well but never listed, so it
	// could not be deleted over the API: Upload names its uploads itself.
	rawUpload(t, q2, to, file, "copy.bin")
	t.Cleanup(func() { os.Remove(filepath.Join(dir, "copy.bin")) })
	if l, _ := dst.List(ctx, to); len(l) != 1 {
		t.Errorf("a file uploaded as copy.bin is listed: %+v", l)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy.bin")); err != nil {
		t.Errorf("Qdrant no longer keeps an upload named copy.bin (%v); the naming in Upload may be unnecessary", err)
	}
	if err := dst.Delete(ctx, to, name); err != nil {
		t.Fatal(err)
	}

	// RecoverSnapshot deletes what it uploaded, whatever the local file is called.
	renamed := filepath.Join(t.TempDir(), "backup.bin")
	if err := os.Rename(file, renamed); err != nil {
		t.Fatal(err)
	}
	to2 := q2.NewName(t, "clean")
	if err := qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: dst, Collection: to2}, qdrant.SnapshotRecovery{File: renamed, Checksum: info.Checksum}); err != nil {
		t.Fatal(err)
	}
	if l, err := dst.List(ctx, to2); err != nil || len(l) != 0 {
		t.Errorf("RecoverSnapshot left snapshots on the target: %+v %v", l, err)
	}
	if ents, _ := os.ReadDir(filepath.Join(q2.SnapshotsDir, to2)); len(ents) != 0 {
		t.Errorf("RecoverSnapshot left files in the target's snapshots directory: %v", ents)
	}
}

// rawUpload uploads file under the multipart file name name, as another
// client could.
func rawUpload(t *testing.T, n *qdranttest.Node, coll, file, name string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, err := mw.CreateFormFile("snapshot", name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	mw.Close()
	resp, err := http.Post(n.RESTURL()+"/collections/"+coll+"/snapshots/upload?wait=true&priority=snapshot", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload as %s: %s %s", name, resp.Status, msg)
	}
}

// recorder keeps the query or body of the snapshot requests it passes on.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	entry := req.Method + " " + req.URL.Path + "?" + req.URL.RawQuery
	if strings.HasSuffix(req.URL.Path, "/snapshots/recover") && req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(b))
		entry += " " + string(b)
	}
	r.mu.Lock()
	r.seen = append(r.seen, entry)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) find(part string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.seen {
		if strings.Contains(s, part) {
			return s
		}
	}
	return ""
}

func hnswM(t *testing.T, c *qc.Client, coll string) uint64 {
	t.Helper()
	info, err := c.GetCollectionInfo(adaptertest.Ctx(t), coll)
	if err != nil {
		t.Fatal(err)
	}
	return info.GetConfig().GetHnswConfig().GetM()
}

func TestSnapshotRecoverPriorityAndReplace(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	rec := &recorder{}
	src, dst := openSnapshots(t, q1, nil), openSnapshots(t, q2, rec)
	ctx := adaptertest.Ctx(t)
	c1, c2 := q1.Client(t), q2.Client(t)
	coll := q1.NewName(t, "prio")
	if err := c1.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll, HnswConfig: &qc.HnswConfigDiff{M: qc.PtrOf(uint64(32))},
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c1, coll, nil, points(1, 2, 3))
	file, info := snapshotFile(t, src, coll)

	// An existing target with another point, other settings and an alias.
	to := q2.NewName(t, "prio")
	if err := c2.CreateCollection(ctx, &qc.CreateCollection{CollectionName: to, HnswConfig: &qc.HnswConfigDiff{M: qc.PtrOf(uint64(8))},
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c2, to, nil, points(9))
	alias := to + "_live"
	if err := c2.CreateAlias(ctx, alias, to); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.DeleteAlias(context.Background(), alias) })

	// What Qdrant does with priority=snapshot on a one-peer node: the
	// snapshot's points replace the collection's, the collection's own
	// settings stay.
	name, err := dst.Upload(ctx, to, file, info.Checksum)
	if err != nil {
		t.Fatal(err)
	}
	dst.Delete(ctx, to, name)
	if q := rec.find("/snapshots/upload"); !strings.Contains(q, "priority=snapshot") || !strings.Contains(q, "checksum="+info.Checksum) {
		t.Errorf("upload sent %q; want priority=snapshot and the checksum", q)
	}
	if n := count(t, c2, to, nil); n != 3 {
		t.Errorf("after recovering into the existing collection it holds %d points, want the snapshot's 3", n)
	}
	if m := hnswM(t, c2, to); m != 8 {
		t.Errorf("recovering into an existing collection gave it hnsw m %d; Qdrant 1.18.3 keeps the collection's own (8), which is why RecoverSnapshot deletes it first", m)
	}

	// RecoverSnapshot replaces the collection: the source's settings, the alias kept.
	if err := qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: dst, Collection: to}, qdrant.SnapshotRecovery{File: file, Checksum: info.Checksum}); adapters.KindOf(err) != adapters.KindExists {
		t.Errorf("RecoverSnapshot onto an existing collection without Replace: %v, want a KindExists error", err)
	}
	kept, err := src.Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Delete(context.Background(), coll, kept.Name)
	r := qdrant.SnapshotRecovery{URL: src.DownloadURL(coll, kept.Name), Checksum: kept.Checksum, Replace: true}
	if err := qdrant.RecoverSnapshot(ctx, qdrant.SnapshotSide{Server: dst, Collection: to}, r); err != nil {
		t.Fatal(err)
	}
	if body := rec.find("/snapshots/recover"); !strings.Contains(body, `"priority":"snapshot"`) || !strings.Contains(body, kept.Checksum) {
		t.Errorf("recover sent %q; want priority snapshot and the checksum", body)
	}
	if m := hnswM(t, c2, to); m != 32 {
		t.Errorf("replaced collection has hnsw m %d, want the source's 32", m)
	}
	if n := count(t, c2, to, nil); n != 3 {
		t.Errorf("replaced collection holds %d points, want 3", n)
	}
	aliases, err := dst.Aliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if aliases[alias] != to {
		t.Errorf("alias %s points at %q after the replacement, want %s", alias, aliases[alias], to)
	}
}

// cancelOn cancels the run when a request whose path ends in suffix goes
// out, as a SIGINT at that moment would, and passes the request on.
type cancelOn struct {
	suffix string
	cancel context.CancelFunc
}

func (c *cancelOn) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, c.suffix) {
		c.cancel()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A run stopped during the upload still says what it left behind: the
// replaced collection deleted, or a new one possibly half made.
func TestSnapshotRecoverInterruptedSaysWhatItLeft(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	src := openSnapshots(t, q1, nil)
	ctx := adaptertest.Ctx(t)
	c1, c2 := q1.Client(t), q2.Client(t)
	coll := q1.NewName(t, "intr")
	vectors := qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})
	if err := c1.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll, VectorsConfig: vectors}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c1, coll, nil, points(1, 2, 3))
	file, info := snapshotFile(t, src, coll)

	for _, replace := range []bool{true, false} {
		to := q2.NewName(t, "intr")
		want := "did not finish"
		if replace {
			if err := c2.CreateCollection(ctx, &qc.CreateCollection{CollectionName: to, VectorsConfig: vectors}); err != nil {
				t.Fatal(err)
			}
			want = "had been deleted to be replaced"
		}
		run, cancel := context.WithCancel(ctx)
		dst := openSnapshots(t, q2, &cancelOn{suffix: "/snapshots/upload", cancel: cancel})
		err := qdrant.RecoverSnapshot(run, qdrant.SnapshotSide{Server: dst, Collection: to}, qdrant.SnapshotRecovery{File: file, Checksum: info.Checksum, Replace: replace})
		cancel()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--on-exists recreate") {
			t.Errorf("recovery (replace %v) interrupted during the upload: %v; want the cancellation, %q and the advice to rerun with --on-exists recreate", replace, err, want)
		}
		if ok, err := c2.CollectionExists(ctx, to); err != nil || ok {
			t.Errorf("after the interrupted recovery (replace %v) collection %s exists: %v, %v; want it absent (deleted, upload never sent)", replace, to, ok, err)
		}
	}
}
