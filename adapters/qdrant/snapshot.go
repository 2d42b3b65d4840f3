package qdrant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/httpretry"
)

// Snapshots talks to one Qdrant server's snapshot API: REST (port 6333)
// for create, list, download, upload, recover and delete, with retries by
// go-retryablehttp, and gRPC for the version and the collections' shapes.
// Collection "" means full-storage snapshots where a method allows it.
type Snapshots struct {
	http   *retryablehttp.Client
	base   string // http(s)://host:rest_port
	key    adapters.Secret
	addr   string // host:grpc_port, for messages
	ep     *adapters.Endpoint
	cfg    adapters.Config
	grpc   *qdrant.Client
	opts   SnapshotOptions
	closed bool
}

// SnapshotOptions tune the snapshot client.
type SnapshotOptions struct {
	// Retry is the run's retry policy: its Attempts and Timeout bound the
	// tries of each request on 429/502/503/504 and connection errors, and
	// of each download on a cut connection; its Base and Max bound the
	// backoff when the server sends no Retry-After; it counts and reports
	// every retry. nil: adapters.DefaultRetry().
	Retry *adapters.RetryPolicy
	// MaxRetryAfter caps a server's Retry-After (default 5m).
	MaxRetryAfter time.Duration
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// createFile makes the file a download writes (tests: a disk that
	// fills up); nil is createSnapshotFile.
	createFile func(path string) (snapshotFile, error)
}

// SnapshotInfo describes one snapshot.
type SnapshotInfo struct {
	Name         string    `json:"name"`
	CreationTime time.Time `json:"creation_time"`
	Size         int64     `json:"size"`
	// Checksum is the SHA-256 in hex; empty when the server keeps none
	// (snapshots stored in S3).
	Checksum string `json:"checksum,omitempty"`
}

// ClusterInfo is what GET /cluster says.
type ClusterInfo struct {
	Enabled bool
	Peers   int
}

// OpenSnapshots returns a snapshot client for the server of ep (its
// collection name, if any, is not used). It does not contact the server.
func OpenSnapshots(ep *adapters.Endpoint, cfg adapters.Config, opts SnapshotOptions) (*Snapshots, error) {
	restPort, err := ep.QueryInt("rest_port", DefaultRESTPort)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	tlsCfg, err := cfg.TLS.TLSConfig(ep)
	if err != nil {
		return nil, err
	}
	if opts.Retry == nil {
		opts.Retry = adapters.DefaultRetry()
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 5 * time.Minute
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	s := &Snapshots{
		base: scheme + "://" + net.JoinHostPort(ep.Host, strconv.Itoa(restPort)),
		key:  cfg.APIKey,
		addr: ep.HostPort(DefaultGRPCPort),
		ep:   ep,
		cfg:  cfg,
		opts: opts,
	}
	c := retryablehttp.NewClient()
	// retryablehttp's default logger prints every URL; vecmig reports
	// retries itself through the policy.
	c.Logger = nil
	// The run's policy bounds the tries (its Attempts and Timeout) and
	// makes the waits: see httpretry.BudgetCheck.
	c.RetryMax = math.MaxInt32
	c.CheckRetry = httpretry.BudgetCheck(s.opts.MaxRetryAfter)
	c.Backoff = func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Large buffers: the snapshot path is bound by copying bytes.
		t.WriteBufferSize, t.ReadBufferSize = 256<<10, 256<<10
		t.ResponseHeaderTimeout = 0 // creating or recovering a big snapshot takes long
		t.TLSClientConfig = tlsCfg
		tr = t
	}
	c.HTTPClient = &http.Client{Transport: tr}
	s.http = c
	return s, nil
}

// Close releases the gRPC connection, if one was made.
func (s *Snapshots) Close() error {
	if s.grpc != nil {
		return s.grpc.Close()
	}
	return nil
}

// Prefix starts every message about coll ("" for the server).
func (s *Snapshots) Prefix(coll string) string {
	if coll == "" {
		return "qdrant " + s.addr
	}
	return "qdrant " + s.addr + "/" + coll
}

// snapPath is the REST path of a collection's snapshots, or of full ones.
func snapPath(coll string) string {
	if coll == "" {
		return "/snapshots"
	}
	return "/collections/" + url.PathEscape(coll) + "/snapshots"
}

// DownloadURL is where a snapshot is downloaded from (and where a target
// recovers from with --transfer direct).
func (s *Snapshots) DownloadURL(coll, name string) string {
	return s.base + snapPath(coll) + "/" + url.PathEscape(name)
}

func (s *Snapshots) newRequest(ctx context.Context, method, path string, body any) (*retryablehttp.Request, error) {
	op := fmt.Sprintf("qdrant %s: %s %s", s.addr, method, strings.SplitN(path, "?", 2)[0])
	ctx = adapters.WithBudget(ctx, s.opts.Retry.Budget(op))
	req, err := retryablehttp.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "qdrant %s: build request %s %s: %w", s.addr, method, path, err)
	}
	if s.key.IsSet() {
		req.Header.Set("api-key", s.key.Reveal())
	}
	return req, nil
}

// do sends a request and returns the response of a 2xx answer; any other
// ends as a classified error (the body read for the server's message).
func (s *Snapshots) do(ctx context.Context, req *retryablehttp.Request, coll, what string) (*http.Response, error) {
	resp, err := s.http.Do(req)
	var gaveUp *adapters.GaveUpError
	if errors.As(err, &gaveUp) {
		// The policy is spent: say what kept failing, then how long.
		if resp != nil {
			gaveUp.Err = s.statusError(resp, coll, what)
			resp.Body.Close()
		} else {
			gaveUp.Err = s.connError(coll, what, gaveUp.Err)
		}
		return nil, gaveUp
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s: %w", s.Prefix(coll), what, ctx.Err())
		}
		return nil, s.connError(coll, what, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, s.statusError(resp, coll, what)
}

// connError is a request that got no answer.
func (s *Snapshots) connError(coll, what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in the message already
	}
	return adapters.Errorf(adapters.KindUnreachable, "%s: %s: cannot reach the REST API at %s (%v); is Qdrant running and is its REST port given with ?rest_port= in the URL?",
		s.Prefix(coll), what, s.base, err)
}

// statusError classifies a non-2xx answer by its status code.
func (s *Snapshots) statusError(resp *http.Response, coll, what string) error {
	msg := serverMessage(resp)
	p := s.Prefix(coll)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return adapters.Errorf(adapters.KindAuth, "%s: %s: the server refused the API key (%s); give the right key with --api-key or its environment variable", p, what, msg)
	case http.StatusForbidden:
		return adapters.Errorf(adapters.KindAuth, "%s: %s: the API key is not allowed to do this (%s); snapshots need a key with manage (read-write) access", p, what, msg)
	case http.StatusNotFound:
		return adapters.Errorf(adapters.KindNotFound, "%s: %s: not found (%s); list what exists with 'vecmig snapshot list'", p, what, msg)
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return adapters.Errorf(adapters.KindInvalid, "%s: %s: the server rejected the request: %s", p, what, msg)
	case http.StatusConflict:
		return adapters.Errorf(adapters.KindExists, "%s: %s: %s", p, what, msg)
	case http.StatusInsufficientStorage:
		return adapters.Errorf(adapters.KindInvalid, "%s: %s: the server has no space left (%s); free disk space on it (old snapshots: 'vecmig snapshot prune')", p, what, msg)
	}
	if httpretry.Status(resp.StatusCode) {
		return adapters.Retryable(fmt.Errorf("%s: %s: the server answered %s (%s)", p, what, resp.Status, msg), httpretry.After(resp.Header.Get("Retry-After")))
	}
	return fmt.Errorf("%s: %s: the server answered %s: %s", p, what, resp.Status, msg)
}

// serverMessage reads Qdrant's {"status":{"error":...}} or the text body.
func serverMessage(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Status json.RawMessage `json:"status"`
	}
	if json.Unmarshal(b, &env) == nil && len(env.Status) > 0 {
		var st struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(env.Status, &st) == nil && st.Error != "" {
			return st.Error
		}
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return resp.Status
	}
	if len(t) > 300 {
		t = t[:300] + "..."
	}
	return t
}

// call sends a JSON request and decodes the envelope's result into out.
func (s *Snapshots) call(ctx context.Context, method, path string, body, out any, coll, what string) error {
	var raw any
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		raw = b
	}
	req, err := s.newRequest(ctx, method, path, raw)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.do(ctx, req, coll, what)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("%s: %s: the answer is not Qdrant's JSON (%v); is %s Qdrant's REST API?", s.Prefix(coll), what, err, s.base)
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return fmt.Errorf("%s: %s: unexpected result %s: %v", s.Prefix(coll), what, truncate(env.Result), err)
		}
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

type restSnapshot struct {
	Name         string  `json:"name"`
	CreationTime string  `json:"creation_time"`
	Size         int64   `json:"size"`
	Checksum     *string `json:"checksum"`
}

func (r restSnapshot) info() SnapshotInfo {
	i := SnapshotInfo{Name: r.Name, Size: r.Size}
	if r.Checksum != nil {
		i.Checksum = strings.ToLower(*r.Checksum)
	}
	// Qdrant prints a NaiveDateTime in UTC, fraction optional.
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, r.CreationTime); err == nil {
			i.CreationTime = t.UTC()
			break
		}
	}
	return i
}

func what(verb, coll string) string {
	if coll == "" {
		return verb + " full snapshot"
	}
	return verb + " snapshot"
}

// Create makes a snapshot of coll ("" makes a full-storage snapshot) and
// waits for it.
func (s *Snapshots) Create(ctx context.Context, coll string) (SnapshotInfo, error) {
	var r restSnapshot
	err := s.call(ctx, http.MethodPost, snapPath(coll)+"?wait=true", nil, &r, coll, what("create", coll))
	return r.info(), err
}

// List returns the snapshots of coll ("" for full ones), newest first.
func (s *Snapshots) List(ctx context.Context, coll string) ([]SnapshotInfo, error) {
	var rs []restSnapshot
	if err := s.call(ctx, http.MethodGet, snapPath(coll), nil, &rs, coll, what("list", coll)+"s"); err != nil {
		return nil, err
	}
	out := make([]SnapshotInfo, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.info())
	}
	SortNewestFirst(out)
	return out, nil
}

// SortNewestFirst orders snapshots by creation time, newest first (by name
// when two share a time).
func SortNewestFirst(list []SnapshotInfo) {
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].CreationTime.Equal(list[j].CreationTime) {
			return list[i].CreationTime.After(list[j].CreationTime)
		}
		return list[i].Name > list[j].Name
	})
}

// Find returns the snapshot called name, or a KindNotFound error.
func (s *Snapshots) Find(ctx context.Context, coll, name string) (SnapshotInfo, error) {
	list, err := s.List(ctx, coll)
	if err != nil {
		return SnapshotInfo{}, err
	}
	for _, i := range list {
		if i.Name == name {
			return i, nil
		}
	}
	return SnapshotInfo{}, adapters.Errorf(adapters.KindNotFound, "%s: snapshot %q does not exist; list them with 'vecmig snapshot list'", s.Prefix(coll), name)
}

// Delete removes a snapshot of coll ("" for a full one).
func (s *Snapshots) Delete(ctx context.Context, coll, name string) error {
	return s.call(ctx, http.MethodDelete, snapPath(coll)+"/"+url.PathEscape(name)+"?wait=true", nil, nil, coll, what("delete", coll)+" "+strconv.Quote(name))
}

// Recover makes coll recover from location, which the server reads
// itself: an http(s) URL (sent locationKey as its api-key) or a file://
// path inside its snapshots directory. checksum, when set, is verified by
// the server.
func (s *Snapshots) Recover(ctx context.Context, coll, location, checksum string, locationKey adapters.Secret) error {
	body := map[string]any{"location": location, "priority": "snapshot"}
	if checksum != "" {
		body["checksum"] = checksum
	}
	if locationKey.IsSet() {
		body["api_key"] = locationKey.Reveal()
	}
	return s.call(ctx, http.MethodPut, snapPath(coll)+"/recover?wait=true", body, nil, coll, "recover from a snapshot")
}

// Cluster reports whether the server runs in cluster mode, with how many peers.
func (s *Snapshots) Cluster(ctx context.Context) (ClusterInfo, error) {
	var r struct {
		Status string                     `json:"status"`
		Peers  map[string]json.RawMessage `json:"peers"`
	}
	if err := s.call(ctx, http.MethodGet, "/cluster", nil, &r, "", "read the cluster status"); err != nil {
		return ClusterInfo{}, err
	}
	return ClusterInfo{Enabled: r.Status == "enabled", Peers: len(r.Peers)}, nil
}

// client returns the gRPC client, connecting on first use.
func (s *Snapshots) client() (*qdrant.Client, error) {
	if s.grpc != nil {
		return s.grpc, nil
	}
	port := s.ep.Port
	if port == 0 {
		port = DefaultGRPCPort
	}
	tlsCfg, err := s.cfg.TLS.TLSConfig(s.ep)
	if err != nil {
		return nil, err
	}
	opts := []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage))}
	if s.key.IsSet() {
		opts = append(opts, grpc.WithPerRPCCredentials(apiKey(s.key.Reveal())))
	}
	c, err := qdrant.NewClient(&qdrant.Config{Host: s.ep.Host, Port: port, UseTLS: tlsCfg != nil, TLSConfig: tlsCfg, GrpcOptions: opts, SkipCompatibilityCheck: true})
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "qdrant %s: cannot set up a gRPC client: %w", s.addr, err)
	}
	s.grpc = c
	return c, nil
}

// conn wraps the gRPC client for the adapter's error classification.
func (s *Snapshots) conn(coll string) (*conn, error) {
	c, err := s.client()
	if err != nil {
		return nil, err
	}
	return &conn{client: c, coll: coll, ep: "qdrant://" + s.addr + "/" + coll, prefix: s.Prefix(coll), addr: s.addr, timeout: defaultTimeout}, nil
}

// Version is the server's version from the gRPC health check.
func (s *Snapshots) Version(ctx context.Context) (string, error) {
	c, err := s.conn("")
	if err != nil {
		return "", err
	}
	hctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	reply, err := c.client.HealthCheck(hctx)
	if err != nil {
		return "", adapters.Errorf(adapters.KindUnreachable, "%s: cannot connect over gRPC (%s); is Qdrant running there and is %s its gRPC port?", s.Prefix(""), grpcMessage(err), portOf(s.addr))
	}
	return reply.GetVersion(), nil
}

// Shape is what the snapshot commands need to know of a collection.
type Shape struct {
	Vectors     *qdrant.VectorsConfig
	Sparse      *qdrant.SparseVectorConfig
	ShardNumber uint32
	// Custom says the collection uses custom shard keys.
	Custom bool
	Points uint64 // approximate
}

// CollectionShape returns coll's vectors config and shard number, or nil
// when it does not exist.
func (s *Snapshots) CollectionShape(ctx context.Context, coll string) (*Shape, error) {
	c, err := s.conn(coll)
	if err != nil {
		return nil, err
	}
	ok, err := c.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	info, err := c.client.GetCollectionInfo(cctx, coll)
	if err != nil {
		return nil, c.classify(ctx, err, "describe the collection")
	}
	p := info.GetConfig().GetParams()
	return &Shape{Vectors: p.GetVectorsConfig(), Sparse: p.GetSparseVectorsConfig(), ShardNumber: p.GetShardNumber(),
		Custom: p.GetShardingMethod() == qdrant.ShardingMethod_Custom, Points: info.GetPointsCount()}, nil
}

// Aliases returns every alias of the server (alias -> collection).
func (s *Snapshots) Aliases(ctx context.Context) (map[string]string, error) {
	c, err := s.conn("")
	if err != nil {
		return nil, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	list, err := c.client.ListAliases(cctx)
	if err != nil {
		return nil, c.classify(ctx, err, "list aliases")
	}
	out := map[string]string{}
	for _, a := range list {
		out[a.GetAliasName()] = a.GetCollectionName()
	}
	return out, nil
}

// SetAlias points alias at coll, replacing what it pointed at.
func (s *Snapshots) SetAlias(ctx context.Context, alias, coll string) error {
	c, err := s.conn(coll)
	if err != nil {
		return err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	_, err = c.client.GetCollectionsClient().UpdateAliases(cctx, &qdrant.ChangeAliases{Actions: []*qdrant.AliasOperations{
		{Action: &qdrant.AliasOperations_DeleteAlias{DeleteAlias: &qdrant.DeleteAlias{AliasName: alias}}},
		{Action: &qdrant.AliasOperations_CreateAlias{CreateAlias: &qdrant.CreateAlias{AliasName: alias, CollectionName: coll}}},
	}})
	if err != nil {
		// Deleting an alias that does not exist fails the whole change on
		// some versions: try the creation alone.
		_, err2 := c.client.GetCollectionsClient().UpdateAliases(cctx, &qdrant.ChangeAliases{Actions: []*qdrant.AliasOperations{
			{Action: &qdrant.AliasOperations_CreateAlias{CreateAlias: &qdrant.CreateAlias{AliasName: alias, CollectionName: coll}}},
		}})
		if err2 != nil {
			return c.classify(ctx, err2, "create alias")
		}
	}
	return nil
}

// readCloser joins a reader with what closes it.
type readCloser struct {
	io.Reader
	io.Closer
}
