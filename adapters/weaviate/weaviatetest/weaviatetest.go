// Package weaviatetest starts real Weaviate servers on free local ports, for
// tests, the demo and benchmarks, the way net/http/httptest starts HTTP
// servers.
//
// The server binary is not part of the module (its Go module is far newer
// than the v1.27.0 vecmig compiles against). Install it once with
//
//	GOBIN=$HOME/.cache/vecmig/bin go install github.com/weaviate/weaviate/cmd/weaviate-server@v1.35.2
//
// (or `make weaviate`), or point VECMIG_WEAVIATE_BIN at a binary.
package weaviatetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/testserver"
)

// InstallCommand is how the server binary is installed (run outside the module).
const InstallCommand = "GOBIN=$HOME/.cache/vecmig/bin go install github.com/weaviate/weaviate/cmd/weaviate-server@v1.35.2"

// APIKeyUser is the user name an Options.APIKey is given to.
const APIKeyUser = "vecmig"

const (
	readyTimeout = 60 * time.Second
	logFileName  = "weaviate.log"
)

// Options configure one server. The zero value is a fresh anonymous node.
type Options struct {
	// APIKey turns on API-key authentication (user "vecmig") and turns off
	// anonymous access.
	APIKey string
	// BackupPath is BACKUP_FILESYSTEM_PATH; default a temporary directory.
	BackupPath string
	// NodeName is CLUSTER_HOSTNAME; default "node1". Backups restore only on
	// a node of the same name.
	NodeName string
	// DataDir is PERSISTENCE_DATA_PATH; default a fresh temporary directory,
	// removed by Stop. Relaunching on the same DataDir keeps the data; a
	// given DataDir is never removed.
	DataDir string
	// Modules is ENABLE_MODULES; default backup-filesystem. backup-s3 refuses
	// to start without its BACKUP_S3_* settings, so add it only with them.
	Modules []string
	// TLS serves REST and gRPC over TLS only, with a certificate for
	// 127.0.0.1 and localhost signed by a CA made for the node (Node.CACert).
	TLS bool
	// Env is extra environment (KEY=VALUE); it wins over the settings above.
	Env []string
	// Stdout receives the server log; default a weaviate.log file beside
	// the data dir (see Node.LogPath), whose tail is printed when the server fails to start.
	Stdout io.Writer
}

// Node is one running server.
type Node struct {
	HTTPPort, GRPCPort int
	DataDir            string
	BackupPath         string
	NodeName           string
	// Opts are the options the node was launched with, ports excluded.
	Opts Options
	// CACert is the PEM file of the CA that signed the node's certificate
	// (TLS only); clients trust it through TLSConfig, --ca-cert or
	// SSL_CERT_FILE.
	CACert string

	ports   []int  // from testserver.FreePorts(3, 2); see newNode
	work    string // the node's own directory: cwd, log, default dirs
	logPath string // "" when the log goes to Options.Stdout
	proc    *testserver.Process
}

// Binary returns the path of the server binary: $VECMIG_WEAVIATE_BIN, else
// $HOME/.cache/vecmig/bin/weaviate-server. It fails, saying how to install
// it, when the file does not exist.
func Binary() (string, error) {
	p, err := testserver.CachedBinary("VECMIG_WEAVIATE_BIN", "weaviate-server",
		"install it with `"+InstallCommand+"` (or `make weaviate`)")
	if err != nil {
		return "", fmt.Errorf("weaviatetest: %w", err)
	}
	return p, nil
}

// Launch starts a server and waits until it is ready (up to about 60 s).
// The caller must Stop it. Usable outside tests.
func Launch(ctx context.Context, opts Options) (*Node, error) {
	if _, err := Binary(); err != nil {
		return nil, err
	}
	for try := 1; ; try++ {
		n, err := newNode(opts)
		if err != nil {
			return nil, err
		}
		err = n.start(ctx)
		if err == nil {
			return n, nil
		}
		n.removeWork()
		// A port found free can be taken by another process before the
		// server binds it (tests run in parallel): take new ones.
		if try == portTries || !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
	}
}

// portTries is how many sets of free ports Launch tries.
const portTries = 3

func newNode(opts Options) (*Node, error) {
	// The log lives outside the data dir: Weaviate takes every entry of
	// its data dir for its own.
	work, err := os.MkdirTemp("", "weaviatetest-")
	if err != nil {
		return nil, fmt.Errorf("weaviatetest: create a temporary directory: %w", err)
	}
	n := &Node{Opts: opts, NodeName: opts.NodeName, DataDir: opts.DataDir, BackupPath: opts.BackupPath, work: work}
	if n.NodeName == "" {
		n.NodeName = "node1"
	}
	if n.DataDir == "" {
		n.DataDir = filepath.Join(work, "data")
	}
	if n.BackupPath == "" {
		n.BackupPath = filepath.Join(work, "backups")
	}
	if opts.Stdout == nil {
		n.logPath = filepath.Join(work, logFileName)
	}
	// HTTP, gRPC and profiling, then gossip and data, then raft and raft
	// RPC: with CLUSTER_IN_LOCALHOST Weaviate dials the raft RPC port as the
	// raft port + 1, so the last two must be pairs.
	n.ports, err = testserver.FreePorts(3, 2)
	if err != nil {
		n.removeWork()
		return nil, err
	}
	n.HTTPPort, n.GRPCPort = n.ports[0], n.ports[1]
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
		return err
	}
	for _, d := range []string{n.DataDir, n.BackupPath} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("weaviatetest: create directory %s: %w", d, err)
		}
	}
	ready, err := n.readyClient()
	if err != nil {
		return err
	}
	proc, err := testserver.Start(ctx, testserver.Spec{
		Name: fmt.Sprintf("weaviate-server (HTTP port %d)", n.HTTPPort), Bin: bin,
		Args: n.args(), Env: n.env(), Dir: n.work, Log: n.logPath, Stdout: n.Opts.Stdout,
		ReadyURL: n.HTTPURL() + "/v1/.well-known/ready", ReadyClient: ready, ReadyTimeout: readyTimeout,
	})
	if err != nil {
		return fmt.Errorf("weaviatetest: %w", err)
	}
	n.proc = proc
	return nil
}

func (n *Node) env() []string {
	modules := n.Opts.Modules
	if len(modules) == 0 {
		modules = []string{"backup-filesystem"}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(),
		"PERSISTENCE_DATA_PATH=" + n.DataDir,
		"CLUSTER_HOSTNAME=" + n.NodeName,
		"CLUSTER_IN_LOCALHOST=true",
		"CLUSTER_BIND_ADDR=127.0.0.1",
		"CLUSTER_GOSSIP_BIND_PORT=" + strconv.Itoa(n.ports[3]),
		"CLUSTER_DATA_BIND_PORT=" + strconv.Itoa(n.ports[4]),
		"RAFT_PORT=" + strconv.Itoa(n.ports[5]),
		"RAFT_INTERNAL_RPC_PORT=" + strconv.Itoa(n.ports[6]),
		"RAFT_BOOTSTRAP_EXPECT=1",
		"GRPC_PORT=" + strconv.Itoa(n.GRPCPort),
		"GO_PROFILING_PORT=" + strconv.Itoa(n.ports[2]),
		"DISABLE_TELEMETRY=true",
		"DEFAULT_VECTORIZER_MODULE=none",
		"ENABLE_MODULES=" + strings.Join(modules, ","),
		"BACKUP_FILESYSTEM_PATH=" + n.BackupPath,
		"LOG_LEVEL=info",
	}
	if n.Opts.TLS {
		env = append(env, "GRPC_CERT_FILE="+filepath.Join(n.work, testserver.CertFile), "GRPC_KEY_FILE="+filepath.Join(n.work, testserver.KeyFile))
	}
	if n.Opts.APIKey != "" {
		env = append(env,
			"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false",
			"AUTHENTICATION_APIKEY_ENABLED=true",
			"AUTHENTICATION_APIKEY_ALLOWED_KEYS="+n.Opts.APIKey,
			"AUTHENTICATION_APIKEY_USERS="+APIKeyUser,
		)
	} else {
		env = append(env, "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true")
	}
	// Later duplicates win in os/exec, so Opts.Env overrides the defaults.
	return append(env, n.Opts.Env...)
}

// HTTPURL is the REST base URL, e.g. http://127.0.0.1:PORT (https with TLS).
func (n *Node) HTTPURL() string {
	if n.Opts.TLS {
		return "https://127.0.0.1:" + strconv.Itoa(n.HTTPPort)
	}
	return "http://127.0.0.1:" + strconv.Itoa(n.HTTPPort)
}

// Endpoint is the vecmig endpoint URL of a class on this node (with
// tls=true on a TLS node).
func (n *Node) Endpoint(class string) string {
	e := fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", n.HTTPPort, class, n.GRPCPort)
	if n.Opts.TLS {
		e += "&tls=true"
	}
	return e
}

// LogPath is the server log file ("" when Options.Stdout was given).
func (n *Node) LogPath() string { return n.logPath }

// LogTail returns the last lines of the server log, for failure messages
// ("" when Options.Stdout was given).
func (n *Node) LogTail(lines int) string { return n.proc.LogTail(lines) }

// Stop sends SIGTERM, waits up to testserver.StopTimeout (20 s), then
// SIGKILLs. It removes the temporary directories Launch created. Safe to
// call more than once.
func (n *Node) Stop() error {
	var err error
	if n.proc != nil {
		err = n.proc.Stop()
	}
	n.removeWork()
	return err
}

// Kill stops the server at once with SIGKILL, as a crash would, and waits
// for it to exit. The data directory stays until Stop.
func (n *Node) Kill() error {
	if n.proc == nil {
		return nil
	}
	return n.proc.Kill()
}

// Restart kills the server if it runs, starts it again on the same ports,
// data and backup directories, and waits until it is ready. Use it after
// Kill, not after Stop: Stop removes the default directories.
func (n *Node) Restart(ctx context.Context) error {
	if err := n.Kill(); err != nil {
		return err
	}
	if n.proc != nil {
		// The process has exited, so Stop only closes its log file.
		_ = n.proc.Stop()
	}
	return n.start(ctx)
}

// Exited is closed when the server process has ended. After a Restart it
// is the new process's channel.
func (n *Node) Exited() <-chan struct{} { return n.proc.Exited() }

// PID is the server process's id.
func (n *Node) PID() int { return n.proc.PID() }

// removeWork removes the node's own directory: log and the default data
// and backup dirs. A caller's DataDir or BackupPath lies outside.
func (n *Node) removeWork() { _ = os.RemoveAll(n.work) }

// Start launches a server for a test, stops it when the test ends, and
// fails the test with the server log's tail when it cannot start.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*readyTimeout)
	defer cancel()
	n, err := Launch(ctx, opts)
	if err != nil {
		t.Fatalf("start Weaviate: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Errorf("stop Weaviate: %v", err)
		}
	})
	return n
}

var shared struct {
	mu   sync.Mutex
	node *Node
	err  error
}

// Shared returns one anonymous node for the whole test binary, started on
// first use. Tests sharing it must use their own class names (NewClassName).
// Call it from TestMain through Main, or the node stops only when the test
// process exits (the server dies with its parent on Linux).
func Shared(t testing.TB) *Node {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.node == nil && shared.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*readyTimeout)
		shared.node, shared.err = Launch(ctx, Options{})
		cancel()
		if shared.err == nil {
			testserver.OnExit(shared.node.Stop)
		}
	}
	if shared.err != nil {
		t.Fatalf("start the shared Weaviate: %v", shared.err)
	}
	return shared.node
}

// Main runs a package's tests and stops the shared node (and any other
// shared test server) afterwards:
//
//	func TestMain(m *testing.M) { weaviatetest.Main(m) }
func Main(m *testing.M) { testserver.Main(m) }

// NewClassName returns a unique valid class name built from hint:
// "Vt" + the hint's letters, digits and underscores + 6 hex digits.
func NewClassName(hint string) string {
	var b strings.Builder
	b.WriteString("Vt")
	for _, r := range hint {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var x [3]byte
	_, _ = rand.Read(x[:])
	b.WriteString(hex.EncodeToString(x[:]))
	return b.String()
}
