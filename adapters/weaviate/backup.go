package weaviate

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/httpretry"
)

// Backup statuses, as the server reports them.
const (
	BackupStarted      = "STARTED"
	BackupTransferring = "TRANSFERRING"
	BackupTransferred  = "TRANSFERRED"
	BackupSuccess      = "SUCCESS"
	BackupFailed       = "FAILED"
	BackupCanceled     = "CANCELED"
)

// Backends are the backup backends vecmig knows (module backup-<name>).
var Backends = []string{"filesystem", "s3", "gcs", "azure"}

var backupIDRe = regexp.MustCompile(`^[a-z0-9_-]+$`)

// ValidBackupID checks an id against the server's rule.
func ValidBackupID(id string) error {
	if !backupIDRe.MatchString(id) {
		return adapters.Errorf(adapters.KindInvalid, "backup id %q: use only lowercase letters, digits, '_' and '-'", id)
	}
	return nil
}

// NewBackupID returns a fresh id: vecmig-<hint>-<UTC time>-<4 hex>. The
// hint (a class name) is lowered and stripped to the allowed characters.
func NewBackupID(hint string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(hint) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	h := b.String()
	if len(h) > 40 {
		h = h[:40]
	}
	var x [2]byte
	_, _ = rand.Read(x[:])
	id := "vecmig-"
	if h != "" {
		id += h + "-"
	}
	return id + time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(x[:])
}

// ValidBackend checks a backend name.
func ValidBackend(b string) error {
	for _, k := range Backends {
		if b == k {
			return nil
		}
	}
	return adapters.Errorf(adapters.KindInvalid, "backup backend %q: use %s", b, strings.Join(Backends, ", "))
}

// Location is where a backup lives inside its backend: a bucket (s3, gcs,
// azure container) and a path; empty means the server's configured default.
// A backup made with a custom location can only be found again with it.
type Location struct {
	Bucket string
	Path   string
}

func (l Location) query() string {
	q := url.Values{}
	if l.Bucket != "" {
		q.Set("bucket", l.Bucket)
	}
	if l.Path != "" {
		q.Set("path", l.Path)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// BackupRequest creates a backup. Include and Exclude are exclusive.
type BackupRequest struct {
	ID               string
	Include, Exclude []string
	Location
	CPUPercentage    int    // 0: the server's default
	CompressionLevel string // DefaultCompression, BestSpeed, BestCompression; "": default
}

// RestoreRequest restores a backup. Include and Exclude are relative to the
// classes in the backup.
type RestoreRequest struct {
	Include, Exclude []string
	Location
	CPUPercentage int
	// NodeMapping maps source node names to target ones. Broken in 1.35.2:
	// vecmig requires equal names instead and never sends it.
	NodeMapping map[string]string
}

// BackupStatus is the server's answer about one backup or restore.
type BackupStatus struct {
	ID          string   `json:"id"`
	Backend     string   `json:"backend,omitempty"`
	Path        string   `json:"path,omitempty"`
	Status      string   `json:"status"`
	Error       string   `json:"error,omitempty"`
	Classes     []string `json:"classes,omitempty"`
	StartedAt   string   `json:"startedAt,omitempty"`
	CompletedAt string   `json:"completedAt,omitempty"`
}

// Done reports a final status.
func (s *BackupStatus) Done() bool {
	return s.Status == BackupSuccess || s.Status == BackupFailed || s.Status == BackupCanceled
}

// BackupOptions configure a BackupClient.
type BackupOptions struct {
	APIKey  adapters.Secret
	Timeout time.Duration // per request; default 60 s
	// Retry is the run's retry policy: its Attempts and Timeout bound the
	// tries of each request on 429, 502, 503, 504 and connection errors
	// (honouring Retry-After), its Base and Max bound the backoff, and it
	// counts and reports every retry. nil: adapters.DefaultRetry().
	Retry *adapters.RetryPolicy
	// TLS tunes certificate checks when the URL has tls=true.
	TLS adapters.TLSOptions
}

// BackupClient speaks Weaviate's backup API (and the few schema and node
// calls its checks need) over plain HTTP with retries. The weaviate-go-client
// cannot pass bucket/path on status calls, cannot list, and hangs on
// CANCELED, so it is not used here.
type BackupClient struct {
	where   string // "weaviate HOST:PORT", the start of every message
	base    string
	hostURL string // weaviate://HOST:PORT as the user wrote it
	key     adapters.Secret
	timeout time.Duration
	hc      *retryablehttp.Client
	retry   *adapters.RetryPolicy
}

type attemptsKey struct{}

// ParseServerURL parses weaviate://HOST[:PORT][/CLASS][?tls=true] and
// returns the REST base URL, the class ("" when none) and the HOST:PORT.
func ParseServerURL(raw string) (base, class, hostPort string, err error) {
	ep, err := adapters.ParseServer(raw)
	if err != nil {
		return "", "", "", adapters.WithKind(adapters.KindInvalid, err)
	}
	if ep.Scheme != Scheme {
		return "", "", "", adapters.Errorf(adapters.KindInvalid, "%q is not a Weaviate URL; use weaviate://HOST:8080 (or weaviate://HOST:8080/Class)", raw)
	}
	scheme := "http"
	if tls, _ := ep.QueryBool("tls", false); tls {
		scheme = "https"
	}
	hostPort = ep.HostPort(defaultHTTPPort)
	return scheme + "://" + hostPort, ep.Name, hostPort, nil
}

// NewBackupClient returns a client for the server of a weaviate:// URL and
// the class the URL names ("" when none). It does not contact the server.
func NewBackupClient(raw string, opts BackupOptions) (*BackupClient, string, error) {
	base, class, hp, err := ParseServerURL(raw)
	if err != nil {
		return nil, "", err
	}
	ep, _ := adapters.ParseServer(raw) // parsed without error just above
	tlsCfg, err := opts.TLS.TLSConfig(ep)
	if err != nil {
		return nil, "", err
	}
	return newBackupClient(base, hp, tlsCfg, opts), class, nil
}

// newBackupClient returns a client for the REST API at base (HOST:PORT hp),
// with tlsCfg's certificate checks (nil without TLS).
func newBackupClient(base, hp string, tlsCfg *tls.Config, opts BackupOptions) *BackupClient {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Retry == nil {
		opts.Retry = adapters.DefaultRetry()
	}
	b := &BackupClient{where: "weaviate " + hp, base: base, hostURL: "weaviate://" + hp, key: opts.APIKey, timeout: opts.Timeout, retry: opts.Retry}
	hc := retryablehttp.NewClient()
	// Each attempt gets the timeout; the run's policy bounds the tries
	// (its Attempts and Timeout) and makes the waits: see httpretry.BudgetCheck.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	hc.HTTPClient = &http.Client{Transport: tr, Timeout: opts.Timeout}
	hc.Logger = nil // quiet: vecmig reports retries itself
	hc.RetryMax = math.MaxInt32
	hc.CheckRetry = httpretry.BudgetCheck(0)
	hc.Backoff = func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }
	hc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	hc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if n, ok := req.Context().Value(attemptsKey{}).(*atomic.Int32); ok {
			n.Store(int32(attempt + 1))
		}
	}
	b.hc = hc
	return b
}

// Where is "weaviate HOST:PORT", for messages.
func (b *BackupClient) Where() string { return b.where }

// URL is weaviate://HOST:PORT.
func (b *BackupClient) URL() string { return b.hostURL }

// do sends one request with retries and decodes a 2xx answer into out.
// It returns the status code and how many attempts were made.
func (b *BackupClient) do(ctx context.Context, what, method, path string, body, out any) (int, int, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, 0, adapters.Errorf(adapters.KindInvalid, "%s: %s: encode the request: %w", b.where, what, err)
		}
	}
	attempts := new(atomic.Int32)
	ctx = context.WithValue(ctx, attemptsKey{}, attempts)
	ctx = adapters.WithBudget(ctx, b.retry.Budget(fmt.Sprintf("%s: %s %s", b.where, method, strings.SplitN(path, "?", 2)[0])))
	var rd any
	if raw != nil {
		rd = raw // []byte: retryablehttp re-reads it on every attempt
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return 0, 0, adapters.Errorf(adapters.KindInvalid, "%s: %s: %w", b.where, what, err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if b.key.IsSet() {
		req.Header.Set("Authorization", "Bearer "+b.key.Reveal())
	}
	resp, err := b.hc.Do(req)
	n := int(attempts.Load())
	var gaveUp *adapters.GaveUpError
	if errors.As(err, &gaveUp) {
		// The policy is spent: say what kept failing, then how long.
		if resp != nil {
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			gaveUp.Err = b.httpErr(what, resp, data)
			return resp.StatusCode, n, gaveUp
		}
		gaveUp.Err = b.transportErr(what, n, gaveUp.Err)
		return 0, n, gaveUp
	}
	if err != nil {
		return 0, n, b.transportErr(what, n, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, n, b.transportErr(what, n, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, n, b.httpErr(what, resp, data)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, n, adapters.Errorf(adapters.KindUnknown, "%s: %s: unexpected answer (%v): %.200s", b.where, what, err, data)
		}
	}
	return resp.StatusCode, n, nil
}

func (b *BackupClient) transportErr(what string, attempts int, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %s: %w", b.where, what, err)
	}
	if isConnErr(err) {
		return adapters.Errorf(adapters.KindUnreachable, "%s: %s: cannot reach the server at %s after %d attempts: %w; check the host and port (REST, default 8080) and that Weaviate is running", b.where, what, b.base, attempts, err)
	}
	return adapters.Retryable(fmt.Errorf("%s: %s: no usable answer after %d attempts: %w", b.where, what, attempts, err), 0)
}

func (b *BackupClient) httpErr(what string, resp *http.Response, data []byte) error {
	c := &conn{where: b.where}
	return c.httpErr(what, resp, data)
}

func (b *BackupClient) backupPath(backend, id string) string {
	return "/v1/backups/" + url.PathEscape(backend) + "/" + url.PathEscape(id)
}

// Create starts a backup. When the id was already taken the error is
// KindExists. When a retried create was in fact received by the server (a
// lost answer), the running backup is adopted.
func (b *BackupClient) Create(ctx context.Context, backend string, r BackupRequest) (*BackupStatus, error) {
	if err := ValidBackend(backend); err != nil {
		return nil, err
	}
	if err := ValidBackupID(r.ID); err != nil {
		return nil, err
	}
	if len(r.Include) > 0 && len(r.Exclude) > 0 {
		return nil, adapters.Errorf(adapters.KindInvalid, "give either include or exclude classes, not both")
	}
	// An id can never be reused (not even after a cancel): check first, so
	// that a 422 below is known to be about this new backup.
	if st, err := b.Status(ctx, backend, r.ID, r.Location); err == nil {
		return nil, adapters.Errorf(adapters.KindExists, "%s: backup id %q is already used on backend %s (status %s); ids cannot be reused, pick another or leave --id out for a generated one", b.where, r.ID, backend, st.Status)
	} else if adapters.KindOf(err) != adapters.KindNotFound {
		return nil, err
	}
	body := newBackupBody(r.ID, r.Include, r.Exclude, nil, backupConfig{
		CPUPercentage: r.CPUPercentage, CompressionLevel: r.CompressionLevel, Bucket: r.Bucket, Path: r.Path})
	what := fmt.Sprintf("create backup %q on %s", r.ID, backend)
	var st BackupStatus
	code, attempts, err := b.do(ctx, what, http.MethodPost, "/v1/backups/"+url.PathEscape(backend), body, &st)
	if err != nil && attempts > 1 && code == http.StatusUnprocessableEntity {
		// A lost answer to an earlier attempt: the backup may be ours.
		if got, serr := b.Status(ctx, backend, r.ID, r.Location); serr == nil {
			return got, nil
		}
	}
	if err != nil && code == http.StatusUnprocessableEntity {
		// 1.35.2 keeps a backup that failed to start "in progress" and
		// refuses every later one until it is cancelled: release it. The id
		// was checked unused above, so this cancels nothing of anyone else's.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		_ = b.Cancel(cctx, backend, r.ID, r.Location)
		cancel()
		if code == http.StatusUnprocessableEntity && backend != "filesystem" {
			err = fmt.Errorf("%w; check that module backup-%s is configured (bucket, endpoint, credentials) and the bucket exists", err, backend)
		}
	}
	if err != nil {
		if code == http.StatusInternalServerError || code == http.StatusNotImplemented {
			return nil, adapters.WithKind(adapters.KindInvalid, fmt.Errorf("%w; is module backup-%s enabled (ENABLE_MODULES)?", err, backend))
		}
		return nil, err
	}
	return &st, nil
}

// Status reads a backup's creation status.
func (b *BackupClient) Status(ctx context.Context, backend, id string, loc Location) (*BackupStatus, error) {
	var st BackupStatus
	if _, _, err := b.do(ctx, fmt.Sprintf("status of backup %q on %s", id, backend), http.MethodGet, b.backupPath(backend, id)+loc.query(), nil, &st); err != nil {
		if adapters.KindOf(err) == adapters.KindNotFound {
			return nil, adapters.WithKind(adapters.KindNotFound, fmt.Errorf("%w\n(no backup %q on %s%s; a backup made with --bucket/--path is only found with the same flags)", err, id, backend, locNote(loc)))
		}
		return nil, err
	}
	return &st, nil
}

func locNote(l Location) string {
	var s []string
	if l.Bucket != "" {
		s = append(s, "bucket "+l.Bucket)
	}
	if l.Path != "" {
		s = append(s, "path "+l.Path)
	}
	if len(s) == 0 {
		return " at the server's default location"
	}
	return " at " + strings.Join(s, ", ")
}

// Cancel asks the server to cancel a running backup.
func (b *BackupClient) Cancel(ctx context.Context, backend, id string, loc Location) error {
	_, _, err := b.do(ctx, fmt.Sprintf("cancel backup %q on %s", id, backend), http.MethodDelete, b.backupPath(backend, id)+loc.query(), nil, nil)
	return err
}

// List lists the backups on a backend, newest first (by start time).
func (b *BackupClient) List(ctx context.Context, backend string) ([]BackupStatus, error) {
	var out []BackupStatus
	if _, _, err := b.do(ctx, "list backups on "+backend, http.MethodGet, "/v1/backups/"+url.PathEscape(backend), nil, &out); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt > out[j].StartedAt })
	return out, nil
}

// Restore starts restoring a backup on this server.
func (b *BackupClient) Restore(ctx context.Context, backend, id string, r RestoreRequest) (*BackupStatus, error) {
	if err := ValidBackupID(id); err != nil {
		return nil, err
	}
	body := newBackupBody("", r.Include, r.Exclude, r.NodeMapping, backupConfig{
		CPUPercentage: r.CPUPercentage, Bucket: r.Bucket, Path: r.Path})
	what := fmt.Sprintf("restore backup %q from %s", id, backend)
	var st BackupStatus
	code, attempts, err := b.do(ctx, what, http.MethodPost, b.backupPath(backend, id)+"/restore", body, &st)
	if err != nil && attempts > 1 && code == http.StatusUnprocessableEntity {
		if got, serr := b.RestoreStatus(ctx, backend, id, r.Location); serr == nil && !got.Done() {
			return got, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// RestoreStatus reads a restore's status.
func (b *BackupClient) RestoreStatus(ctx context.Context, backend, id string, loc Location) (*BackupStatus, error) {
	var st BackupStatus
	if _, _, err := b.do(ctx, fmt.Sprintf("status of the restore of backup %q from %s", id, backend), http.MethodGet, b.backupPath(backend, id)+"/restore"+loc.query(), nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// WaitOptions tune polling.
type WaitOptions struct {
	// Interval is the first pause between polls (default 500 ms); it grows
	// by half up to MaxInterval (default 5 s).
	Interval, MaxInterval time.Duration
	// OnStatus hears every answer, with the time since waiting began.
	OnStatus func(st *BackupStatus, elapsed time.Duration)
}

// BackupEndedError is a backup or restore that ended FAILED or CANCELED.
type BackupEndedError struct {
	Where, Op, ID, Status, Reason string
}

func (e *BackupEndedError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "the server gave no reason"
	}
	hint := "see the server log for details"
	if e.Status == BackupCanceled {
		hint = "it was cancelled (by 'vecmig backup cancel', another client, or the server); ids cannot be reused, so start again with a new id"
	}
	return fmt.Sprintf("%s: %s %q ended %s: %s; %s", e.Where, e.Op, e.ID, e.Status, reason, hint)
}

// Wait polls status until it is final. SUCCESS returns the status; FAILED
// and CANCELED return it with a *BackupEndedError (KindUnknown: permanent).
// A poll that fails after its retries ends the wait with that error.
func (b *BackupClient) Wait(ctx context.Context, op, id string, status func(context.Context) (*BackupStatus, error), wo WaitOptions) (*BackupStatus, error) {
	iv, maxIv := wo.Interval, wo.MaxInterval
	if iv <= 0 {
		iv = 500 * time.Millisecond
	}
	if maxIv <= 0 {
		maxIv = 5 * time.Second
	}
	start := time.Now()
	for {
		st, err := status(ctx)
		if err != nil {
			return nil, err
		}
		if wo.OnStatus != nil {
			wo.OnStatus(st, time.Since(start))
		}
		switch st.Status {
		case BackupSuccess:
			return st, nil
		case BackupFailed, BackupCanceled:
			return st, adapters.WithKind(adapters.KindUnknown, &BackupEndedError{Where: b.where, Op: op, ID: id, Status: st.Status, Reason: st.Error})
		}
		t := time.NewTimer(iv)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, fmt.Errorf("%s: stopped waiting for %s %q (last status %s): %w", b.where, op, id, st.Status, ctx.Err())
		case <-t.C:
		}
		iv = min(iv*3/2, maxIv)
	}
}

// WaitBackup polls a backup's creation until it is final.
func (b *BackupClient) WaitBackup(ctx context.Context, backend, id string, loc Location, wo WaitOptions) (*BackupStatus, error) {
	return b.Wait(ctx, "backup", id, func(ctx context.Context) (*BackupStatus, error) { return b.Status(ctx, backend, id, loc) }, wo)
}

// WaitRestore polls a restore until it is final.
func (b *BackupClient) WaitRestore(ctx context.Context, backend, id string, loc Location, wo WaitOptions) (*BackupStatus, error) {
	return b.Wait(ctx, "restore of backup", id, func(ctx context.Context) (*BackupStatus, error) { return b.RestoreStatus(ctx, backend, id, loc) }, wo)
}

// NodeInfo is one node of GET /v1/nodes.
type NodeInfo struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Version string `json:"version"`
}

// Nodes lists the cluster's nodes, sorted by name.
func (b *BackupClient) Nodes(ctx context.Context) ([]NodeInfo, error) {
	var out struct {
		Nodes []NodeInfo `json:"nodes"`
	}
	if _, _, err := b.do(ctx, "list nodes", http.MethodGet, "/v1/nodes", nil, &out); err != nil {
		return nil, err
	}
	sort.Slice(out.Nodes, func(i, j int) bool { return out.Nodes[i].Name < out.Nodes[j].Name })
	return out.Nodes, nil
}

// Meta is what GET /v1/meta says about the server.
type Meta struct {
	Version string                     `json:"version"`
	Modules map[string]json.RawMessage `json:"modules"`
}

// Meta reads the server version and enabled modules (and checks the key).
func (b *BackupClient) Meta(ctx context.Context) (*Meta, error) {
	var m Meta
	if _, _, err := b.do(ctx, "read server meta", http.MethodGet, "/v1/meta", nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// BackendPath returns the default root of backup-filesystem (its
// BACKUP_FILESYSTEM_PATH as /v1/meta reports it), "" if not reported.
func (m *Meta) BackendPath(backend string) string {
	var v struct {
		BackupsPath string `json:"backupsPath"`
	}
	if raw, ok := m.Modules["backup-"+backend]; ok {
		_ = json.Unmarshal(raw, &v)
	}
	return v.BackupsPath
}

// HasModule reports an enabled module.
func (m *Meta) HasModule(name string) bool { _, ok := m.Modules[name]; return ok }

// ClassNames lists the classes of the schema, sorted.
func (b *BackupClient) ClassNames(ctx context.Context) ([]string, error) {
	var s struct {
		Classes []struct {
			Class string `json:"class"`
		} `json:"classes"`
	}
	if _, _, err := b.do(ctx, "read the schema", http.MethodGet, "/v1/schema", nil, &s); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range s.Classes {
		out = append(out, c.Class)
	}
	sort.Strings(out)
	return out, nil
}

// ClassInfo is what the checks need of one class.
type ClassInfo struct {
	Name        string
	MultiTenant bool
}

// Class reads one class; nil, nil when it does not exist.
func (b *BackupClient) Class(ctx context.Context, name string) (*ClassInfo, error) {
	var s classSchema
	_, _, err := b.do(ctx, fmt.Sprintf("read class %q", name), http.MethodGet, "/v1/schema/"+url.PathEscape(name), nil, &s)
	if adapters.KindOf(err) == adapters.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &ClassInfo{Name: s.Class, MultiTenant: s.MultiTenancyConfig.Enabled}, nil
}

// Tenant is a tenant and its activity status.
type Tenant struct {
	Name           string `json:"name"`
	ActivityStatus string `json:"activityStatus,omitempty"`
}

// Active reports a status whose data a backup includes.
func (t Tenant) Active() bool { return isActive(t.ActivityStatus) }

// Tenants lists a multi-tenant class's tenants, sorted by name.
func (b *BackupClient) Tenants(ctx context.Context, class string) ([]Tenant, error) {
	var ts []Tenant
	if _, _, err := b.do(ctx, fmt.Sprintf("list tenants of %q", class), http.MethodGet, "/v1/schema/"+url.PathEscape(class)+"/tenants", nil, &ts); err != nil {
		return nil, err
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts, nil
}

// SetTenants sets tenants' activity statuses, 100 per request.
func (b *BackupClient) SetTenants(ctx context.Context, class string, ts []Tenant) error {
	for i := 0; i < len(ts); i += 100 {
		part := ts[i:min(i+100, len(ts))]
		names := make([]string, len(part))
		for k, t := range part {
			names[k] = t.Name + "=" + t.ActivityStatus
		}
		what := fmt.Sprintf("set tenants of %q (%s)", class, strings.Join(names, ", "))
		if _, _, err := b.do(ctx, what, http.MethodPut, "/v1/schema/"+url.PathEscape(class)+"/tenants", part, nil); err != nil {
			return err
		}
	}
	return nil
}

// backupBody is the JSON body of a backup create or restore request.
type backupBody struct {
	ID          string            `json:"id,omitempty"`
	Include     []string          `json:"include,omitempty"`
	Exclude     []string          `json:"exclude,omitempty"`
	NodeMapping map[string]string `json:"node_mapping,omitempty"`
	Config      *backupConfig     `json:"config,omitempty"`
}

// backupConfig is its "config" object; zero fields leave the server's
// defaults.
type backupConfig struct {
	CPUPercentage    int    `json:"CPUPercentage,omitempty"`
	CompressionLevel string `json:"CompressionLevel,omitempty"`
	Bucket           string `json:"Bucket,omitempty"`
	Path             string `json:"Path,omitempty"`
}

func newBackupBody(id string, include, exclude []string, nodeMapping map[string]string, cfg backupConfig) backupBody {
	b := backupBody{ID: id, Include: include, Exclude: exclude, NodeMapping: nodeMapping}
	if cfg != (backupConfig{}) {
		b.Config = &cfg
	}
	return b
}
