package qdrant_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// Qdrant gzips a whole snapshot download on the fly for a client that
// accepts gzip, as Go's transport does by default: no Content-Length, and
// the server's CPU as the limit. Download asks for the file as it is.
func TestSnapshotDownloadIsNotCompressed(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	s := openSnapshots(t, q, nil)
	ctx := adaptertest.Ctx(t)
	coll := q.NewName(t, "gzip")
	c := q.Client(t)
	if err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c, coll, nil, points(1, 2, 3))
	info, err := s.Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Delete(ctx, coll, info.Name)

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.DownloadURL(coll, info.Name), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != -1 {
		t.Errorf("asked for gzip, Qdrant answered Content-Encoding %q, length %d; it used to compress on the fly without a length",
			resp.Header.Get("Content-Encoding"), resp.ContentLength)
	}

	var total int64
	d, err := s.Download(ctx, coll, info.Name, filepath.Join(t.TempDir(), "s"), info.Checksum, func(_, t int64) { total = t })
	if err != nil {
		t.Fatal(err)
	}
	if total != info.Size || d.Size != info.Size {
		t.Errorf("download announced %d bytes and got %d; the snapshot has %d", total, d.Size, info.Size)
	}
}

// The cuts of a download are bounded like the tries of a request, but a
// try that brought bytes starts the count again: with --retries 1 (two
// tries), a download cut twice, each time after progress, still ends.
func TestSnapshotDownloadCutsWithProgressDoNotAddUp(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	coll := q.NewName(t, "cuts")
	c := q.Client(t)
	if err := c.CreateCollection(ctx, &qc.CreateCollection{CollectionName: coll,
		VectorsConfig: qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot})}); err != nil {
		t.Fatal(err)
	}
	upsert(t, c, coll, nil, points(1, 2, 3))
	direct := openSnapshots(t, q, nil)
	info, err := direct.Create(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Delete(context.Background(), coll, info.Name)

	p := faultproxy.StartHTTP(t, net.JoinHostPort(q.Host, strconv.Itoa(q.RESTPort)))
	ep, err := adapters.ParseEndpoint(fmt.Sprintf("qdrant://%s:%d/_?rest_port=%d", q.Host, q.GRPCPort, p.Port()))
	if err != nil {
		t.Fatal(err)
	}
	policy := &adapters.RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}
	s, err := qdrant.OpenSnapshots(ep, adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}, qdrant.SnapshotOptions{Retry: policy})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p.Inject(faultproxy.Fault{Match: "GET /collections/*/snapshots/*", Times: 2, CutAfter: info.Size / 4})
	d, err := s.Download(ctx, coll, info.Name, filepath.Join(t.TempDir(), "s"), info.Checksum, nil)
	if err != nil {
		t.Fatalf("download cut twice, each time after progress, with 2 tries allowed: %v; want it to finish", err)
	}
	if p.Faulted("GET /collections/*/snapshots/*") != 2 || d.Resumed != 2 || d.Size != info.Size {
		t.Errorf("download: %d cuts made, resumed %d times, %d of %d bytes; want 2 cuts, 2 resumptions and the whole file",
			p.Faulted("GET /collections/*/snapshots/*"), d.Resumed, d.Size, info.Size)
	}
}
