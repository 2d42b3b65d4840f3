// Package qdranttest starts real Qdrant servers on free loopback ports, for
// tests, the demo and benchmarks, the way net/http/httptest starts HTTP
// servers. Faults are injected with adapters/faultproxy in front of a node,
// never by imitating the server.
//
// The server binary is found at $VECMIG_QDRANT_BIN, else at
// $HOME/.cache/vecmig/bin/qdrant. `make qdrant` puts it there: from the
// compressed binary in ../shared/qdrant/ when that exists, else from the
// official release archive (see ReleaseURL).
package qdranttest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/testserver"
)

// Version is the Qdrant release the suite pins.
const Version = "1.18.3"

// ReleaseURL is the official release archive of Version for x86_64 Linux;
// it holds the binary "qdrant".
const ReleaseURL = "https://github.com/qdrant/qdrant/releases/download/v" + Version + "/qdrant-x86_64-unknown-linux-gnu.tar.gz"

// BinaryEnv names the environment variable that points at a server binary.
const BinaryEnv = "VECMIG_QDRANT_BIN"

const howToInstall = "run `make qdrant` (it unpacks ../shared/qdrant/ or downloads " + ReleaseURL +
	"), or start one with `docker run -p 6333:6333 -p 6334:6334 qdrant/qdrant:v" + Version + "` for manual use"

// Binary returns the path of the Qdrant server binary, or an error that
// says how to get one.
func Binary() (string, error) {
	return testserver.CachedBinary(BinaryEnv, "qdrant", howToInstall)
}

// Options configure one node. The zero value is a fresh standalone node
// without authentication.
type Options struct {
	// APIKey turns on authentication (service.api_key).
	APIKey string
	// ReadOnlyAPIKey adds a key that may only read (service.read_only_api_key).
	ReadOnlyAPIKey string
	// TLS serves REST and gRPC over TLS with a certificate made for
	// 127.0.0.1 by a fresh CA (Node.CACert).
	TLS bool
	// Cluster runs the node in distributed mode (a one-peer cluster unless
	// Bootstrap is set). Custom shard keys need it.
	Cluster bool
	// Bootstrap joins the node to the cluster of that peer (implies Cluster).
	Bootstrap *Node
	// StorageDir is storage.storage_path; default a fresh temporary
	// directory removed by Stop. A given one is never removed.
	StorageDir string
	// SnapshotsDir is storage.snapshots_path; default beside the storage.
	SnapshotsDir string
	// Env is extra environment (QDRANT__SECTION__KEY=VALUE); it wins.
	Env []string
}

// Node is one running Qdrant server.
type Node struct {
	Host                        string
	RESTPort, GRPCPort, P2PPort int
	StorageDir, SnapshotsDir    string
	APIKey                      string
	TLS                         bool
	// CACert is the PEM file of the CA that signed the node's certificate
	// (TLS only); clients trust it through Config or SSL_CERT_FILE.
	CACert string
	Opts   Options

	work string // the node's own directory: cwd, log, default dirs
	proc *testserver.Process
}

// Launch starts a node and waits until /readyz answers. The caller must
// Stop it. Usable outside tests.
func Launch(ctx context.Context, opts Options) (*Node, error) {
	if _, err := Binary(); err != nil {
		return nil, fmt.Errorf("qdranttest: %w", err)
	}
	var errs []error
	// A free port can be taken by another process before the node binds
	// it; the node then serves REST without gRPC, so try fresh ports.
	for range launchAttempts {
		n, err := newNode(opts)
		if err != nil {
			return nil, err
		}
		if err = n.start(ctx); err == nil {
			return n, nil
		}
		n.removeWork()
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

const launchAttempts = 3

func newNode(opts Options) (*Node, error) {
	work, err := os.MkdirTemp("", "qdranttest-")
	if err != nil {
		return nil, fmt.Errorf("qdranttest: create a temporary directory: %w", err)
	}
	n := &Node{Host: "127.0.0.1", Opts: opts, APIKey: opts.APIKey, TLS: opts.TLS, work: work,
		StorageDir: opts.StorageDir, SnapshotsDir: opts.SnapshotsDir}
	if n.StorageDir == "" {
		n.StorageDir = filepath.Join(work, "storage")
	}
	if n.SnapshotsDir == "" {
		n.SnapshotsDir = filepath.Join(work, "snapshots")
	}
	ports, err := testserver.FreePorts(3, 0)
	if err != nil {
		n.removeWork()
		return nil, err
	}
	n.RESTPort, n.GRPCPort, n.P2PPort = ports[0], ports[1], ports[2]
	if opts.TLS {
		if n.CACert, err = testserver.WriteCerts(work); err != nil {
			n.removeWork()
			return nil, err
		}
	}
	return n, nil
}

func (n *Node) start(ctx context.Context) error {
	bin, err := Binary()
	if err != nil {
		return fmt.Errorf("qdranttest: %w", err)
	}
	for _, d := range []string{n.StorageDir, n.SnapshotsDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("qdranttest: create directory %s: %w", d, err)
		}
	}
	client, err := n.httpClient()
	if err != nil {
		return err
	}
	proc, err := testserver.Start(ctx, testserver.Spec{
		Name: fmt.Sprintf("qdrant (REST port %d)", n.RESTPort), Bin: bin, Args: n.args(),
		Env: n.env(), Dir: n.work, Log: filepath.Join(n.work, "qdrant.log"),
		ReadyURL: n.RESTURL() + "/readyz", ReadyClient: client,
	})
	if err != nil {
		return fmt.Errorf("qdranttest: %w", err)
	}
	n.proc = proc
	// /readyz answers even when the gRPC server failed to bind its port.
	if err := n.waitGRPC(ctx); err != nil {
		_ = proc.Kill()
		return fmt.Errorf("%w\nlast lines of the log:\n%s", err, proc.LogTail(20))
	}
	return nil
}

func (n *Node) waitGRPC(ctx context.Context) error {
	addr := net.JoinHostPort(n.Host, strconv.Itoa(n.GRPCPort))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			// Another process may hold the port; the node says so.
			if strings.Contains(n.proc.LogTail(50), "Error while starting gRPC server") {
				return fmt.Errorf("qdranttest: qdrant could not bind its gRPC port %d", n.GRPCPort)
			}
			return nil
		}
		select {
		case <-n.proc.Exited():
			return fmt.Errorf("qdranttest: qdrant exited before its gRPC port %d answered", n.GRPCPort)
		case <-ctx.Done():
			return fmt.Errorf("qdranttest: qdrant's gRPC port %d does not accept connections: %w", n.GRPCPort, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (n *Node) args() []string {
	if !n.Opts.Cluster && n.Opts.Bootstrap == nil {
		return nil
	}
	args := []string{"--uri", "http://127.0.0.1:" + strconv.Itoa(n.P2PPort)}
	if b := n.Opts.Bootstrap; b != nil {
		args = append(args, "--bootstrap", "http://127.0.0.1:"+strconv.Itoa(b.P2PPort))
	}
	return args
}

func (n *Node) env() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(),
		"QDRANT__SERVICE__HOST=127.0.0.1",
		"QDRANT__SERVICE__HTTP_PORT=" + strconv.Itoa(n.RESTPort),
		"QDRANT__SERVICE__GRPC_PORT=" + strconv.Itoa(n.GRPCPort),
		"QDRANT__STORAGE__STORAGE_PATH=" + n.StorageDir,
		"QDRANT__STORAGE__SNAPSHOTS_PATH=" + n.SnapshotsDir,
		"QDRANT__TELEMETRY_DISABLED=true",
		"QDRANT__LOG_LEVEL=WARN",
	}
	if n.Opts.Cluster || n.Opts.Bootstrap != nil {
		env = append(env, "QDRANT__CLUSTER__ENABLED=true", "QDRANT__CLUSTER__P2P__PORT="+strconv.Itoa(n.P2PPort))
	}
	if n.APIKey != "" {
		env = append(env, "QDRANT__SERVICE__API_KEY="+n.APIKey)
	}
	if n.Opts.ReadOnlyAPIKey != "" {
		env = append(env, "QDRANT__SERVICE__READ_ONLY_API_KEY="+n.Opts.ReadOnlyAPIKey)
	}
	if n.TLS {
		env = append(env, "QDRANT__SERVICE__ENABLE_TLS=true",
			"QDRANT__TLS__CERT="+filepath.Join(n.work, testserver.CertFile),
			"QDRANT__TLS__KEY="+filepath.Join(n.work, testserver.KeyFile))
	}
	return append(env, n.Opts.Env...)
}

func (n *Node) httpClient() (*http.Client, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	if n.TLS {
		cfg, err := n.TLSConfig()
		if err != nil {
			return nil, err
		}
		c.Transport = &http.Transport{TLSClientConfig: cfg}
	}
	return c, nil
}

// TLSConfig trusts the node's CA (nil for a node without TLS).
func (n *Node) TLSConfig() (*tls.Config, error) {
	if !n.TLS {
		return nil, nil
	}
	return testserver.CAConfig(n.CACert)
}

// RESTURL is the REST base URL, e.g. http://127.0.0.1:PORT.
func (n *Node) RESTURL() string {
	scheme := "http"
	if n.TLS {
		scheme = "https"
	}
	return scheme + "://127.0.0.1:" + strconv.Itoa(n.RESTPort)
}

// Endpoint is the vecmig URL of a collection on this node.
func (n *Node) Endpoint(collection string) string {
	e := fmt.Sprintf("qdrant://%s:%d/%s?rest_port=%d", n.Host, n.GRPCPort, collection, n.RESTPort)
	if n.TLS {
		e += "&tls=true"
	}
	return e
}

// Stop stops the node (SIGTERM, then SIGKILL after 20 s) and removes the
// directories it created. Safe to call more than once.
func (n *Node) Stop() error {
	var err error
	if n.proc != nil {
		err = n.proc.Stop()
	}
	n.removeWork()
	return err
}

// Kill stops the node at once with SIGKILL, as a crash would. Its data
// stays; Restart brings it back on the same ports and storage.
func (n *Node) Kill() error {
	if n.proc == nil {
		return nil
	}
	return n.proc.Kill()
}

// Restart starts a killed or stopped-by-Kill node again on its ports and
// storage, and waits until it is ready.
func (n *Node) Restart(ctx context.Context) error {
	if err := n.Kill(); err != nil {
		return err
	}
	return n.start(ctx)
}

// PID is the server's process id.
func (n *Node) PID() int { return n.proc.PID() }

// LogTail returns the last lines of the server log.
func (n *Node) LogTail(lines int) string { return n.proc.LogTail(lines) }

// removeWork removes the node's own directory: log, certificates and the
// default storage and snapshots dirs. A caller's StorageDir lies outside.
func (n *Node) removeWork() { _ = os.RemoveAll(n.work) }

// Start launches a node for a test, stops it when the test ends, and fails
// the test (never skips it) when the node cannot start.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := Launch(ctx, opts)
	if err != nil {
		t.Fatalf("start Qdrant: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stop Qdrant: %v", err)
		}
	})
	return n
}
