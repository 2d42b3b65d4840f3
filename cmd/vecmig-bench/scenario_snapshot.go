package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// snapshotMinBytes is the smallest snapshot the scenario measures.
const snapshotMinBytes = 1_000_000_000

const snapshotAbout = "Qdrant -> Qdrant by snapshot (>= 1 GB) between two real Qdrant " + qdranttest.Version + " servers: vecmig migrate --method snapshot vs a plain HTTP download-then-upload of the same file"

func snapshotScenario() scenario {
	return scenario{name: "snapshot", about: snapshotAbout, run: runSnapshotScenario}
}

func runSnapshotScenario(ctx context.Context, b *bench) (*report, error) {
	r := &report{Scenario: "snapshot", About: snapshotAbout, Dim: 1024}
	src, dst, err := launchQdrantPair(ctx, b)
	if err != nil {
		return r, err
	}
	defer src.Stop()
	defer dst.Stop()
	pids := []int{src.PID(), dst.PID()}
	const coll = "snap_source"
	const dim = 1024
	// ~4.2 KB per point in the snapshot: dim float32s plus a small payload.
	n := snapshotMinBytes/(dim*4+90)*21/20 + 1000
	r.Points = n
	if err := loadSnapshotSource(ctx, b, src, coll, dim, n); err != nil {
		return r, err
	}
	if waited, quiet := waitQuiet(ctx, pids); !quiet {
		b.logf("snapshot: the source did not come to rest within %s after loading", waited.Round(time.Second))
	}
	base := src.RESTURL()
	snap, err := createSnapshot(ctx, base, coll)
	if err != nil {
		return r, err
	}
	if snap.Size < snapshotMinBytes {
		return r, fmt.Errorf("the snapshot has %d bytes, under 1 GB; raise the point estimate", snap.Size)
	}
	b.logf("snapshot %s: %.2f GB", snap.Name, float64(snap.Size)/1e9)
	r.SourceCount = uint64(n)
	r.Notes = append(r.Notes, fmt.Sprintf("snapshot %.2f GB (%d points of %d-d, no HNSW index); both servers are processes on the same machine, on loopback, snapshots on the same disk", float64(snap.Size)/1e9, n, dim),
		"both methods move the same existing snapshot (vecmig --snapshot NAME): download to a file, upload as multipart, target recovers; vecmig also checks versions, the checksum (SHA-256 while streaming), cleans up and verifies counts")

	// finish counts a measured target (it must hold every point) and
	// deletes it.
	finish := func(name string) error {
		c, err := dialQdrant(dst.Endpoint(name))
		if err != nil {
			return err
		}
		defer c.close()
		got, err := c.count(ctx)
		if err == nil && got != uint64(n) {
			err = fmt.Errorf("wrong copy: the target %s holds %d points, the source %d; a wrong copy voids the benchmark", name, got, n)
		}
		if derr := c.drop(ctx); err == nil {
			err = derr
		}
		return err
	}
	// rest waits, after a sync, until both servers are at rest, so that
	// neither method pays for the other's gigabyte of dirty pages being
	// written back or the target still loading the previous copy.
	rest := func() {
		syscall.Sync()
		if waited, quiet := waitQuiet(ctx, pids); !quiet {
			b.busyStarts.Add(1)
			b.logf("snapshot: the servers did not come to rest within %s; measuring anyway", waited.Round(time.Second))
		}
	}
	// The two methods alternate; the fastest of --repeat rounds (at least
	// 3) is kept for each.
	rounds := max(b.cfg.repeat, 3)
	var plain, st *procStats
	var plainServer, vecmigServer time.Duration
	for i := 0; i < rounds; i++ {
		// Plain: net/http, io.Copy to a file, then a multipart upload, in
		// this process (which does nothing else meanwhile).
		rest()
		plainTarget := fmt.Sprintf("snap_plain%d", i)
		srv0, _ := processesCPU(pids)
		t0, cpu0 := time.Now(), selfCPU()
		if err := plainDownloadUpload(ctx, b.workDir, base, dst.RESTURL(), coll, plainTarget, snap.Name); err != nil {
			return r, fmt.Errorf("plain download-then-upload: %w", err)
		}
		p := &procStats{Wall: time.Since(t0), CPU: selfCPU() - cpu0}
		srv1, _ := processesCPU(pids)
		if err := finish(plainTarget); err != nil {
			return r, fmt.Errorf("plain download-then-upload: %w", err)
		}
		b.logf("snapshot: plain download+upload %.2f s", p.Wall.Seconds())
		if plain == nil || p.Wall < plain.Wall {
			plain, plainServer = p, srv1-srv0
		}

		rest()
		vt := fmt.Sprintf("snap_vecmig%d", i)
		srv0, _ = processesCPU(pids)
		s, err := b.vecmig(ctx, "migrate", "--method", "snapshot", "--snapshot", snap.Name, "--verify", "count", "-q",
			"--from", src.Endpoint(coll), "--to", dst.Endpoint(vt), "--temp-dir", b.workDir)
		if err != nil {
			return r, err
		}
		srv1, _ = processesCPU(pids)
		if err := finish(vt); err != nil {
			return r, fmt.Errorf("vecmig: %w", err)
		}
		b.logf("snapshot: vecmig %.2f s, peak RSS %.1f MB", s.Wall.Seconds(), float64(s.PeakRSS)/megabyte)
		if st == nil || s.Wall < st.Wall {
			st, vecmigServer = s, srv1-srv0
		}
	}
	r.Notes = append(r.Notes, fmt.Sprintf("each figure is the fastest of %d rounds; the methods alternate, each after a sync and once both servers are at rest", rounds),
		"plain: its CPU is the benchmark process's own during the copy (it has no peak RSS of its own); every target was counted (= source) and deleted")
	if n := b.busyStarts.Load(); n > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d measurements started with the servers still busy", n))
	}
	prow := bytesRow("plain HTTP download+upload", uint64(n), plain.Wall.Seconds(), plain.CPU.Seconds(), 0, snap.Size)
	prow.ServerCPUSeconds = plainServer.Seconds()
	vrow := bytesRow("vecmig migrate --method snapshot", uint64(n), st.Wall.Seconds(), st.CPU.Seconds(), st.PeakRSS, snap.Size)
	vrow.ServerCPUSeconds = vecmigServer.Seconds()
	r.Rows = append(r.Rows, prow, vrow)

	speed := plain.Wall.Seconds() / st.Wall.Seconds()
	r.Ratios = append(r.Ratios, ratio{Name: "vecmig / plain throughput", Value: speed})
	rss := float64(st.PeakRSS) / megabyte
	r.Targets = append(r.Targets,
		target{Name: "snapshot throughput vs plain", Want: ">= 80%", Got: fmt.Sprintf("%.0f%%", speed*100), Pass: speed >= 0.8},
		target{Name: "vecmig peak RSS", Want: "< 100 MB", Got: fmt.Sprintf("%.1f MB", rss), Pass: rss < 100},
	)
	return r, nil
}

func bytesRow(method string, points uint64, sec, cpu float64, rss, size int64) row {
	x := newRow(method, points, sec, cpu, rss)
	x.TargetCount = points
	x.Note = fmt.Sprintf("%.0f MB/s", float64(size)/1e6/sec)
	return x
}

// loadSnapshotSource creates coll with n points of dim using 4 writers:
// Dot distance (no normalisation cost) and no HNSW index (indexing
// threshold 0), so that loading takes seconds, not an index build; the
// snapshot is then mostly the vectors.
func loadSnapshotSource(ctx context.Context, b *bench, s *qdranttest.Node, coll string, dim, n int) error {
	c, err := dialQdrant(s.Endpoint(coll))
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.client.CreateCollection(ctx, &qdrant.CreateCollection{CollectionName: coll,
		VectorsConfig:    qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(dim), Distance: qdrant.Distance_Dot}),
		OptimizersConfig: &qdrant.OptimizersConfigDiff{IndexingThreshold: ptr(uint64(0))}}); err != nil {
		return fmt.Errorf("qdrant %s: create the source collection: %w", s.RESTURL(), err)
	}
	b.logf("loading %d points of %d-d for a >= 1 GB snapshot", n, dim)
	const batch = 256
	ctx, fc := adapters.WithFirstCause(ctx)
	defer fc.Stop()
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				hi := min(lo+batch, n)
				pts := make([]*qdrant.PointStruct, 0, hi-lo)
				for i := lo; i < hi; i++ {
					v := make([]float32, dim)
					for j := range v {
						v[j] = float32((i*31+j*17)%1000) / 1000
					}
					pts = append(pts, &qdrant.PointStruct{Id: qdrant.NewIDNum(uint64(i)), Vectors: qdrant.NewVectorsDense(v),
						Payload: qdrant.NewValueMap(map[string]any{"i": i, "tag": "bench"})})
				}
				if fc.Fail(c.upsert(ctx, pts)) || ctx.Err() != nil {
					return
				}
			}
		}()
	}
feed:
	for lo := 0; lo < n; lo += batch {
		select {
		case next <- lo:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := fc.Err(); err != nil {
		return err
	}
	return ctx.Err()
}

type benchSnapshot struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

func createSnapshot(ctx context.Context, base, coll string) (*benchSnapshot, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/collections/"+coll+"/snapshots?wait=true", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var env struct {
		Result benchSnapshot `json:"result"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("create snapshot: %s", resp.Status)
	}
	return &env.Result, json.NewDecoder(resp.Body).Decode(&env)
}

// plainDownloadUpload is what a user's script does: GET to a file, then
// POST it as multipart (streamed through a pipe) to the target.
func plainDownloadUpload(ctx context.Context, dir, srcBase, dstBase, coll, target, name string) error {
	path := filepath.Join(dir, "plain-"+name)
	defer os.Remove(path)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srcBase+"/collections/"+coll+"/snapshots/"+url.PathEscape(name), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		resp.Body.Close()
		return err
	}
	_, err = io.Copy(f, resp.Body)
	resp.Body.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("snapshot", name)
		if err == nil {
			var in *os.File
			if in, err = os.Open(path); err == nil {
				_, err = io.Copy(part, in)
				in.Close()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	up, _ := http.NewRequestWithContext(ctx, http.MethodPost, dstBase+"/collections/"+target+"/snapshots/upload?wait=true&priority=snapshot", pr)
	up.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err = http.DefaultClient.Do(up)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upload: %s", resp.Status)
	}
	return nil
}
