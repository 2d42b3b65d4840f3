package qdrant_test

import (
	"net/http"
	"path/filepath"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters/adaptertest"
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
