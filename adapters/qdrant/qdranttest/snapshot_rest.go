package qdranttest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Snapshots live on disk like Qdrant's: SnapshotsDir/COLLECTION/NAME for
// collection snapshots, SnapshotsDir/NAME for full ones, each with a
// NAME.checksum file holding its SHA-256.

// snapshotTimeLayout is how Qdrant prints creation_time (a NaiveDateTime).
const snapshotTimeLayout = "2006-01-02T15:04:05.999999"

// peerID is the id the test server reports for itself.
const peerID = 5943813145112487

// SnapshotDescription is Qdrant's REST SnapshotDescription.
type SnapshotDescription struct {
	Name         string  `json:"name"`
	CreationTime string  `json:"creation_time"`
	Size         int64   `json:"size"`
	Checksum     *string `json:"checksum"`
}

type restFault struct {
	remaining  int
	code       int
	retryAfter time.Duration
	routes     []string
}

// FailNextREST makes the next n REST requests to routes (all but the
// probes when none is named) fail with status code; retryAfter > 0 adds a
// Retry-After header in whole seconds (as Qdrant does with 429). Route
// names: CreateSnapshot, ListSnapshots, DownloadSnapshot, DeleteSnapshot,
// UploadSnapshot, RecoverSnapshot, CreateFullSnapshot, ListFullSnapshots,
// DownloadFullSnapshot, DeleteFullSnapshot, Cluster, Root, GetCollection.
func (s *Server) FailNextREST(n, code int, retryAfter time.Duration, routes ...string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.restFaults = append(s.restFaults, &restFault{remaining: n, code: code, retryAfter: retryAfter, routes: routes})
}

// RESTCalls reports how many REST requests reached route (counted before
// auth and faults); route names are listed on FailNextREST.
func (s *Server) RESTCalls(route string) int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.restCalls[route]
}

// CutDownloads makes the next n snapshot downloads (collection or full)
// close the connection after sending afterBytes bytes of the body.
func (s *Server) CutDownloads(n int, afterBytes int64) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.cutLeft, s.cutAfter = n, afterBytes
}

// CorruptDownloads makes the next n snapshot downloads flip one byte in the
// middle of the body; the stored file and its checksum stay intact.
func (s *Server) CorruptDownloads(n int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.corruptLeft = n
}

// SetRanges turns support for Range requests on downloads on (the
// default) or off; off, the server answers 200 with the whole file and no
// Accept-Ranges, as a proxy that strips ranges would.
func (s *Server) SetRanges(on bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.noRanges = !on
}

// SetClusterPeers makes GET /cluster report cluster mode with n peers; 0
// (the default) reports cluster mode disabled.
func (s *Server) SetClusterPeers(n int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.clusterPeers = n
}

// SnapshotsDir is the directory holding this server's snapshots.
func (s *Server) SnapshotsDir() string { return s.snapDir }

// route counts a REST request and applies injected faults.
func (s *Server) route(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.faultMu.Lock()
		s.restCalls[name]++
		var hit *restFault
		for _, f := range s.restFaults {
			if f.remaining > 0 && f.matches(name) {
				f.remaining--
				hit = f
				break
			}
		}
		s.faultMu.Unlock()
		if hit == nil {
			h(w, r)
			return
		}
		if err := s.keyOK(r.Header.Get); err != nil {
			h(w, r) // the auth middleware already answered; unreachable
			return
		}
		start := time.Now()
		if hit.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(hit.retryAfter.Seconds()))))
		}
		msg := fmt.Sprintf("qdranttest: injected failure %d for %s", hit.code, name)
		if hit.code == http.StatusTooManyRequests {
			msg = "Rate limiting exceeded: Read rate limit exceeded: Operation requires more tokens than available"
		}
		// Drain a little of an upload so the client sees the answer, not a reset.
		_, _ = io.CopyN(io.Discard, r.Body, 1<<20)
		restError(w, hit.code, start, msg)
	}
}

func (f *restFault) matches(route string) bool {
	if len(f.routes) == 0 {
		return true
	}
	for _, r := range f.routes {
		if r == route {
			return true
		}
	}
	return false
}

func (s *Server) registerSnapshotRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /collections/{collection}/snapshots", s.route("CreateSnapshot", s.restCreateSnapshot))
	mux.HandleFunc("GET /collections/{collection}/snapshots", s.route("ListSnapshots", s.restListSnapshots))
	mux.HandleFunc("POST /collections/{collection}/snapshots/upload", s.route("UploadSnapshot", s.restUploadSnapshot))
	mux.HandleFunc("PUT /collections/{collection}/snapshots/recover", s.route("RecoverSnapshot", s.restRecoverSnapshot))
	mux.HandleFunc("GET /collections/{collection}/snapshots/{snapshot}", s.route("DownloadSnapshot", s.restDownloadSnapshot))
	mux.HandleFunc("DELETE /collections/{collection}/snapshots/{snapshot}", s.route("DeleteSnapshot", s.restDeleteSnapshot))
	mux.HandleFunc("POST /snapshots", s.route("CreateFullSnapshot", s.restCreateFullSnapshot))
	mux.HandleFunc("GET /snapshots", s.route("ListFullSnapshots", s.restListFullSnapshots))
	mux.HandleFunc("GET /snapshots/{snapshot}", s.route("DownloadFullSnapshot", s.restDownloadFullSnapshot))
	mux.HandleFunc("DELETE /snapshots/{snapshot}", s.route("DeleteFullSnapshot", s.restDeleteFullSnapshot))
	mux.HandleFunc("GET /cluster", s.route("Cluster", s.restCluster))
}

// collectionDir is where a collection's snapshots live.
func (s *Server) collectionDir(coll string) string { return filepath.Join(s.snapDir, coll) }

// validName refuses names that would leave the snapshots directory.
func validName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, `/\`) && !strings.HasSuffix(n, ".checksum")
}

func describeFile(path string) (SnapshotDescription, error) {
	st, err := os.Stat(path)
	if err != nil {
		return SnapshotDescription{}, err
	}
	d := SnapshotDescription{Name: filepath.Base(path), Size: st.Size(),
		CreationTime: st.ModTime().UTC().Format(snapshotTimeLayout)}
	if b, err := os.ReadFile(path + ".checksum"); err == nil {
		sum := strings.TrimSpace(string(b))
		d.Checksum = &sum
	}
	return d, nil
}

func listDir(dir string) ([]SnapshotDescription, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return []SnapshotDescription{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []SnapshotDescription{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".snapshot") {
			continue
		}
		if d, err := describeFile(filepath.Join(dir, e.Name())); err == nil {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// newSnapshotPath picks a free name COLLECTION-PEER-YYYY-MM-DD-HH-MM-SS.snapshot
// in dir (a suffix keeps two snapshots in the same second apart).
func newSnapshotPath(dir, prefix string) string {
	base := fmt.Sprintf("%s-%d-%s", prefix, peerID, time.Now().UTC().Format("2006-01-02-15-04-05"))
	p := filepath.Join(dir, base+".snapshot")
	for i := 2; ; i++ {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = filepath.Join(dir, fmt.Sprintf("%s-%d.snapshot", base, i))
	}
}

// writeSnapshotFile writes a snapshot through write into path (via a
// temporary name) with its checksum file.
func writeSnapshotFile(path string, write func(io.Writer) error) (SnapshotDescription, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return SnapshotDescription{}, err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return SnapshotDescription{}, err
	}
	h := sha256.New()
	err = write(io.MultiWriter(f, h))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.WriteFile(path+".checksum", []byte(hex.EncodeToString(h.Sum(nil))), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(path + ".checksum")
		return SnapshotDescription{}, err
	}
	return describeFile(path)
}

// createSnapshot snapshots collection name (or alias) on disk.
func (s *Server) createSnapshot(name string) (SnapshotDescription, error) {
	c, err := s.lookup(name)
	if err != nil {
		return SnapshotDescription{}, err
	}
	s.snapMu.Lock()
	path := newSnapshotPath(s.collectionDir(c.name), c.name)
	// Reserve the name before releasing the lock.
	_ = os.MkdirAll(filepath.Dir(path), 0o755)
	_ = os.WriteFile(path, nil, 0o644)
	s.snapMu.Unlock()
	d, err := writeSnapshotFile(path, func(w io.Writer) error { return s.writeSnapshot(w, c) })
	if err != nil {
		os.Remove(path)
	}
	return d, err
}

// restAccepted answers wait=false the way Qdrant does.
func restAccepted(w http.ResponseWriter, start time.Time) {
	writeJSON(w, http.StatusAccepted, map[string]any{"result": map[string]string{"status": "accepted"}, "status": "accepted", "time": elapsed(start)})
}

func waitParam(r *http.Request) bool { return r.URL.Query().Get("wait") != "false" }

func (s *Server) restCreateSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("collection")
	d, err := s.createSnapshot(name)
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	if !waitParam(r) {
		restAccepted(w, start)
		return
	}
	restOK(w, start, d)
}

// restFail maps an internal error onto Qdrant's status codes.
func (s *Server) restFail(w http.ResponseWriter, start time.Time, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		restError(w, he.code, start, he.msg)
	case isGRPCNotFound(err):
		restError(w, http.StatusNotFound, start, grpcMsg(err))
	default:
		restError(w, http.StatusInternalServerError, start, "Service internal error: "+err.Error())
	}
}

type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf("Bad request: "+format, args...)}
}

func (s *Server) restListSnapshots(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c, err := s.lookup(r.PathValue("collection"))
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	list, err := listDir(s.collectionDir(c.name))
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	restOK(w, start, list)
}

func (s *Server) restDownloadSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c, err := s.lookup(r.PathValue("collection"))
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	s.serveSnapshot(w, r, start, s.collectionDir(c.name), r.PathValue("snapshot"))
}

func (s *Server) restDownloadFullSnapshot(w http.ResponseWriter, r *http.Request) {
	s.serveSnapshot(w, r, time.Now(), s.snapDir, r.PathValue("snapshot"))
}

// serveSnapshot sends a snapshot file, with Range support and the
// download faults.
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request, start time.Time, dir, name string) {
	path := filepath.Join(dir, name)
	st, err := os.Stat(path)
	if !validName(name) || err != nil || st.IsDir() {
		restError(w, http.StatusNotFound, start, fmt.Sprintf("Not found: Snapshot %s not found", name))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	defer f.Close()
	s.faultMu.Lock()
	noRanges := s.noRanges
	fw := &faultyWriter{ResponseWriter: w, cut: -1, corrupt: -1}
	if s.cutLeft > 0 {
		s.cutLeft--
		fw.cut = s.cutAfter
	}
	if s.corruptLeft > 0 {
		s.corruptLeft--
		fw.corrupt = st.Size() / 2
	}
	s.faultMu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	if noRanges {
		r.Header.Del("Range")
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		w.WriteHeader(http.StatusOK)
		_, _ = io.Copy(fw, f)
		return
	}
	http.ServeContent(fw, r, "", st.ModTime(), f)
}

// faultyWriter cuts the connection after cut body bytes and flips the byte
// at body offset corrupt (-1: never).
type faultyWriter struct {
	http.ResponseWriter
	n, cut, corrupt int64
}

func (fw *faultyWriter) Write(b []byte) (int, error) {
	if fw.cut >= 0 && fw.n+int64(len(b)) > fw.cut {
		keep := fw.cut - fw.n
		_, _ = fw.ResponseWriter.Write(b[:keep])
		if f, ok := fw.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		// Closes the connection without a complete body, as a dropped link does.
		panic(http.ErrAbortHandler)
	}
	if fw.corrupt >= fw.n && fw.corrupt < fw.n+int64(len(b)) {
		c := append([]byte(nil), b...)
		c[fw.corrupt-fw.n] ^= 0xff
		b = c
	}
	n, err := fw.ResponseWriter.Write(b)
	fw.n += int64(n)
	return n, err
}

func (s *Server) deleteSnapshotFile(w http.ResponseWriter, r *http.Request, start time.Time, dir, name string) {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); !validName(name) || err != nil {
		restError(w, http.StatusNotFound, start, fmt.Sprintf("Not found: Snapshot %s not found", name))
		return
	}
	if err := os.Remove(path); err != nil {
		s.restFail(w, start, err)
		return
	}
	os.Remove(path + ".checksum")
	if !waitParam(r) {
		restAccepted(w, start)
		return
	}
	restOK(w, start, true)
}

func (s *Server) restDeleteSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c, err := s.lookup(r.PathValue("collection"))
	if err != nil {
		s.restFail(w, start, err)
		return
	}
	s.deleteSnapshotFile(w, r, start, s.collectionDir(c.name), r.PathValue("snapshot"))
}

func (s *Server) restDeleteFullSnapshot(w http.ResponseWriter, r *http.Request) {
	s.deleteSnapshotFile(w, r, time.Now(), s.snapDir, r.PathValue("snapshot"))
}

func checkPriority(p string) error {
	switch p {
	case "", "snapshot", "replica", "no_sync":
		return nil
	}
	return badRequest("unknown snapshot priority %q; expected snapshot, replica or no_sync", p)
}

// restUploadSnapshot stores the multipart field "snapshot" in the
// collection's snapshots directory (where it stays, as on Qdrant), checks
// the checksum and recovers the collection from it.
func (s *Server) restUploadSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	coll := r.PathValue("collection")
	q := r.URL.Query()
	if err := checkPriority(q.Get("priority")); err != nil {
		s.restFail(w, start, err)
		return
	}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		restError(w, http.StatusBadRequest, start, "Bad request: expected a multipart/form-data body with a field named snapshot")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var path string
	var sum string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.removeUpload(path)
			restError(w, http.StatusBadRequest, start, "Bad request: multipart body: "+err.Error())
			return
		}
		if part.FormName() != "snapshot" || path != "" {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		name := part.FileName()
		if !validName(name) || !strings.HasSuffix(name, ".snapshot") {
			name = "upload-" + randomHex() + ".snapshot"
		}
		dir := s.collectionDir(coll)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			s.restFail(w, start, err)
			return
		}
		path = filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			s.restFail(w, start, err)
			return
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(f, h), part)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.removeUpload(path)
			restError(w, http.StatusBadRequest, start, "Bad request: reading the uploaded snapshot: "+err.Error())
			return
		}
		sum = hex.EncodeToString(h.Sum(nil))
	}
	if path == "" {
		restError(w, http.StatusBadRequest, start, "Bad request: the multipart body has no field named snapshot")
		return
	}
	if want := q.Get("checksum"); want != "" && !strings.EqualFold(want, sum) {
		s.removeUpload(path)
		restError(w, http.StatusBadRequest, start, fmt.Sprintf("Bad request: Snapshot checksum mismatch: expected %s, got %s", want, sum))
		return
	}
	_ = os.WriteFile(path+".checksum", []byte(sum), 0o644)
	if err := s.recoverFromFile(coll, path); err != nil {
		s.restFail(w, start, err)
		return
	}
	if !waitParam(r) {
		restAccepted(w, start)
		return
	}
	restOK(w, start, true)
}

func (s *Server) removeUpload(path string) {
	if path != "" {
		os.Remove(path)
		os.Remove(path + ".checksum")
	}
}

func randomHex() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type recoverRequest struct {
	Location string  `json:"location"`
	Priority string  `json:"priority"`
	Checksum *string `json:"checksum"`
	APIKey   *string `json:"api_key"`
}

// restRecoverSnapshot recovers from a location the server reads itself: an
// http(s) URL (downloaded with api_key) or a file:// path inside its
// snapshots directory.
func (s *Server) restRecoverSnapshot(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	coll := r.PathValue("collection")
	var req recoverRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		restError(w, http.StatusBadRequest, start, "Format error in JSON body: "+err.Error())
		return
	}
	if err := checkPriority(req.Priority); err != nil {
		s.restFail(w, start, err)
		return
	}
	u, err := url.Parse(req.Location)
	if err != nil || req.Location == "" {
		restError(w, http.StatusBadRequest, start, fmt.Sprintf("Bad request: location %q is not a URL", req.Location))
		return
	}
	var path string
	switch u.Scheme {
	case "file":
		p, err := filepath.Abs(filepath.Clean(u.Path))
		root, _ := filepath.Abs(s.snapDir)
		if err != nil || !strings.HasPrefix(p, root+string(filepath.Separator)) {
			restError(w, http.StatusBadRequest, start, fmt.Sprintf("Bad request: Snapshot file %s must be inside the snapshots directory %s", u.Path, root))
			return
		}
		path = p
	case "http", "https":
		tmp, err := os.CreateTemp(s.snapDir, "recover-*.snapshot.download")
		if err != nil {
			s.restFail(w, start, err)
			return
		}
		path = tmp.Name()
		defer os.Remove(path)
		err = s.fetch(r, u.String(), req.APIKey, tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.restFail(w, start, err)
			return
		}
	default:
		restError(w, http.StatusBadRequest, start, fmt.Sprintf("Bad request: location scheme %q is not supported; use http, https or file", u.Scheme))
		return
	}
	if req.Checksum != nil && *req.Checksum != "" {
		f, err := os.Open(path)
		if err != nil {
			restError(w, http.StatusNotFound, start, fmt.Sprintf("Not found: Snapshot file %s not found", u.Path))
			return
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if got := hex.EncodeToString(h.Sum(nil)); err != nil || !strings.EqualFold(got, *req.Checksum) {
			restError(w, http.StatusBadRequest, start, fmt.Sprintf("Bad request: Snapshot checksum mismatch: expected %s, got %s", *req.Checksum, got))
			return
		}
	}
	if err := s.recoverFromFile(coll, path); err != nil {
		s.restFail(w, start, err)
		return
	}
	if !waitParam(r) {
		restAccepted(w, start)
		return
	}
	restOK(w, start, true)
}

func (s *Server) fetch(r *http.Request, loc string, key *string, w io.Writer) error {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, loc, nil)
	if err != nil {
		return badRequest("location %q: %v", loc, err)
	}
	if key != nil && *key != "" {
		req.Header.Set("api-key", *key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return badRequest("cannot download the snapshot from %s: %v", loc, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return badRequest("downloading the snapshot from %s answered %s", loc, resp.Status)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// recoverFromFile replaces (or creates) collection coll with the snapshot
// at path. An existing collection must have the same vectors and shard
// number.
func (s *Server) recoverFromFile(coll, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf("Not found: Snapshot file %s not found", filepath.Base(path))}
	}
	defer f.Close()
	meta, c, tr, err := readSnapshotMeta(f)
	if err != nil {
		return badRequest("%v", err)
	}
	c.name = coll
	if old, err := s.lookup(coll); err == nil {
		if why := incompatible(old, c); why != "" {
			return badRequest("Snapshot is not compatible with existing collection: %s", why)
		}
	}
	if err := readSnapshotPoints(tr, c, meta.Points); err != nil {
		return badRequest("%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if target, ok := s.aliases[coll]; ok {
		// Recovering under an alias name replaces the collection it points to.
		c.name = target
		coll = target
	}
	s.collections[coll] = c
	return nil
}

// incompatible says why snapshot collection c cannot replace old.
func incompatible(old, c *collection) string {
	old.mu.RLock()
	defer old.mu.RUnlock()
	op, np := old.config.GetParams(), c.config.GetParams()
	if op.GetShardNumber() != np.GetShardNumber() {
		return fmt.Sprintf("shard_number %d in the snapshot, %d in the collection", np.GetShardNumber(), op.GetShardNumber())
	}
	if !proto.Equal(op.GetVectorsConfig(), np.GetVectorsConfig()) {
		return fmt.Sprintf("vectors config differs: snapshot %s, collection %s", protojson.Format(np.GetVectorsConfig()), protojson.Format(op.GetVectorsConfig()))
	}
	if !proto.Equal(op.GetSparseVectorsConfig(), np.GetSparseVectorsConfig()) {
		return fmt.Sprintf("sparse vectors config differs: snapshot %s, collection %s", protojson.Format(np.GetSparseVectorsConfig()), protojson.Format(op.GetSparseVectorsConfig()))
	}
	return ""
}

func isGRPCNotFound(err error) bool { return status.Code(err) == codes.NotFound }

func grpcMsg(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Message()
	}
	return err.Error()
}
