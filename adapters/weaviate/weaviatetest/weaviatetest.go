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
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallCommand is how the server binary is installed (run outside the module).
const InstallCommand = "GOBIN=$HOME/.cache/vecmig/bin go install github.com/weaviate/weaviate/cmd/weaviate-server@v1.35.2"

// APIKeyUser is the user name an Options.APIKey is given to.
const APIKeyUser = "vecmig"

const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 20 * time.Second
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

	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logPath  string // "" when the log goes to a caller's writer
	logFile  *os.File
	tempDirs []string
	stopOnce sync.Once
	stopErr  error
}

// Binary returns the path of the server binary: $VECMIG_WEAVIATE_BIN, else
// $HOME/.cache/vecmig/bin/weaviate-server. It fails, saying how to install
// it, when the file does not exist.
func Binary() (string, error) {
	return cachedBinary("VECMIG_WEAVIATE_BIN", "weaviate-server", "Weaviate server", InstallCommand, "make weaviate")
}

// cachedBinary finds a test server binary: $env, else
// $HOME/.cache/vecmig/bin/name, failing with how to install it.
func cachedBinary(env, name, what, install, target string) (string, error) {
	p := os.Getenv(env)
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("weaviatetest: cannot find the home directory (%v); set %s to the %s binary", err, env, name)
		}
		p = filepath.Join(home, ".cache", "vecmig", "bin", name)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("weaviatetest: %s binary %s not found; install it with `%s` (or `%s`), or set %s", what, p, install, target, env)
	}
	return p, nil
}

// Launch starts a server and waits until it is ready (up to about 60 s).
// The caller must Stop it. Usable outside tests.
func Launch(ctx context.Context, opts Options) (*Node, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	n := &Node{Opts: opts, NodeName: opts.NodeName, DataDir: opts.DataDir, BackupPath: opts.BackupPath, exited: make(chan struct{})}
	if n.NodeName == "" {
		n.NodeName = "node1"
	}
	ok := false
	defer func() {
		if !ok {
			n.removeTemp()
		}
	}()
	// The log lives outside the data dir: Weaviate takes every entry of
	// its data dir for its own.
	work, err := n.mkTemp("weaviatetest-")
	if err != nil {
		return nil, err
	}
	if n.DataDir == "" {
		n.DataDir = filepath.Join(work, "data")
	}
	if n.BackupPath == "" {
		n.BackupPath = filepath.Join(work, "backups")
	}
	for _, d := range []string{n.DataDir, n.BackupPath} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("weaviatetest: create directory %s: %w", d, err)
		}
	}
	ports, err := freePorts()
	if err != nil {
		return nil, err
	}
	n.HTTPPort, n.GRPCPort = ports[0], ports[1]
	modules := opts.Modules
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
		"CLUSTER_GOSSIP_BIND_PORT=" + strconv.Itoa(ports[3]),
		"CLUSTER_DATA_BIND_PORT=" + strconv.Itoa(ports[4]),
		"RAFT_PORT=" + strconv.Itoa(ports[5]),
		"RAFT_INTERNAL_RPC_PORT=" + strconv.Itoa(ports[6]),
		"RAFT_BOOTSTRAP_EXPECT=1",
		"GRPC_PORT=" + strconv.Itoa(n.GRPCPort),
		"GO_PROFILING_PORT=" + strconv.Itoa(ports[2]),
		"DISABLE_TELEMETRY=true",
		"DEFAULT_VECTORIZER_MODULE=none",
		"ENABLE_MODULES=" + strings.Join(modules, ","),
		"BACKUP_FILESYSTEM_PATH=" + n.BackupPath,
		"LOG_LEVEL=info",
	}
	if opts.APIKey != "" {
		env = append(env,
			"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false",
			"AUTHENTICATION_APIKEY_ENABLED=true",
			"AUTHENTICATION_APIKEY_ALLOWED_KEYS="+opts.APIKey,
			"AUTHENTICATION_APIKEY_USERS="+APIKeyUser,
		)
	} else {
		env = append(env, "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true")
	}
	// Later duplicates win in os/exec, so opts.Env overrides the defaults.
	env = append(env, opts.Env...)

	cmd := exec.Command(bin, "--scheme", "http", "--host", "127.0.0.1", "--port", strconv.Itoa(n.HTTPPort))
	cmd.Env = env
	cmd.Dir = work
	cmd.SysProcAttr = sysProcAttr()
	if opts.Stdout != nil {
		cmd.Stdout, cmd.Stderr = opts.Stdout, opts.Stdout
	} else {
		n.logPath = filepath.Join(work, logFileName)
		f, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("weaviatetest: create server log: %w", err)
		}
		n.logFile = f
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		n.closeLog()
		return nil, fmt.Errorf("weaviatetest: start %s: %w", bin, err)
	}
	n.cmd = cmd
	go func() {
		n.waitErr = cmd.Wait()
		close(n.exited)
	}()
	if err := n.waitReady(ctx); err != nil {
		_ = n.Kill()
		n.closeLog()
		return nil, fmt.Errorf("%w%s", err, n.tailNote())
	}
	ok = true
	return n, nil
}

func (n *Node) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	url := n.HTTPURL() + "/v1/.well-known/ready"
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-n.exited:
			return fmt.Errorf("weaviatetest: weaviate-server on port %d exited before it was ready: %v", n.HTTPPort, n.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("weaviatetest: weaviate-server on port %d not ready at %s: %w", n.HTTPPort, url, ctx.Err())
		case <-tick.C:
		}
	}
}

// HTTPURL is the REST base URL, e.g. http://127.0.0.1:PORT.
func (n *Node) HTTPURL() string { return "http://127.0.0.1:" + strconv.Itoa(n.HTTPPort) }

// Endpoint is the vecmig endpoint URL of a class on this node.
func (n *Node) Endpoint(class string) string {
	return fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", n.HTTPPort, class, n.GRPCPort)
}

// LogPath is the server log file ("" when Options.Stdout was given).
func (n *Node) LogPath() string { return n.logPath }

// LogTail returns the last lines of the server log, for failure messages.
func (n *Node) LogTail(lines int) string {
	if n.logPath == "" {
		return ""
	}
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return ""
	}
	ls := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return string(bytes.Join(ls, []byte("\n")))
}

func (n *Node) tailNote() string {
	if n.logPath == "" {
		return " (the server log went to Options.Stdout)"
	}
	return fmt.Sprintf("\nlast lines of %s:\n%s", n.logPath, n.LogTail(40))
}

// Stop sends SIGTERM, waits up to 20 s, then SIGKILLs. It removes the
// temporary directories Launch created. Safe to call more than once.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		if n.cmd != nil {
			select {
			case <-n.exited:
			default:
				_ = n.cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-n.exited:
				case <-time.After(stopTimeout):
					_ = n.cmd.Process.Kill()
					<-n.exited
					n.stopErr = fmt.Errorf("weaviatetest: weaviate-server on port %d did not stop within %s of SIGTERM; killed it", n.HTTPPort, stopTimeout)
				}
			}
		}
		n.closeLog()
		n.removeTemp()
	})
	return n.stopErr
}

// Kill stops the server at once with SIGKILL, as a crash would, and waits
// for it to exit. The data directory stays until Stop.
func (n *Node) Kill() error {
	if n.cmd == nil {
		return nil
	}
	select {
	case <-n.exited:
		return nil
	default:
	}
	if err := n.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("weaviatetest: kill weaviate-server pid %d: %w", n.cmd.Process.Pid, err)
	}
	<-n.exited
	return nil
}

// Exited is closed when the server process has ended.
func (n *Node) Exited() <-chan struct{} { return n.exited }

// PID is the server process's id.
func (n *Node) PID() int { return n.cmd.Process.Pid }

func (n *Node) mkTemp(prefix string) (string, error) {
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("weaviatetest: create temporary directory: %w", err)
	}
	n.tempDirs = append(n.tempDirs, d)
	return d, nil
}

func (n *Node) removeTemp() {
	for _, d := range n.tempDirs {
		_ = os.RemoveAll(d)
	}
	n.tempDirs = nil
}

func (n *Node) closeLog() {
	if n.logFile != nil {
		_ = n.logFile.Close()
		n.logFile = nil
	}
}

// freePorts returns distinct free TCP ports on 127.0.0.1: 3 singles
// (HTTP, gRPC, profiling) then 2 pairs of consecutive ports (gossip and
// data, raft and raft RPC). With CLUSTER_IN_LOCALHOST Weaviate dials the
// raft RPC port as the raft port + 1, so the pairs must be consecutive.
// All listeners are held until every port is picked.
func freePorts() ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	listen := func(port int) (int, error) {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return 0, err
		}
		ls = append(ls, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	var ports []int
	for range 3 {
		p, err := listen(0)
		if err != nil {
			return nil, fmt.Errorf("weaviatetest: find a free port on 127.0.0.1: %w", err)
		}
		ports = append(ports, p)
	}
	for pairs := 0; pairs < 2; {
		p, err := listen(0)
		if err != nil {
			return nil, fmt.Errorf("weaviatetest: find a free port on 127.0.0.1: %w", err)
		}
		if p == 65535 {
			continue
		}
		if _, err := listen(p + 1); err != nil {
			continue // taken: keep p held and try another
		}
		ports = append(ports, p, p+1)
		pairs++
	}
	return ports, nil
}

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
	}
	if shared.err != nil {
		t.Fatalf("start the shared Weaviate: %v", shared.err)
	}
	return shared.node
}

// Main runs a package's tests and stops the shared node afterwards:
//
//	func TestMain(m *testing.M) { weaviatetest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	if shared.node != nil {
		_ = shared.node.Stop()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

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
