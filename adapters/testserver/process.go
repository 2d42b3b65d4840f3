// Package testserver runs real server binaries (Qdrant, Weaviate, an S3
// server) as child processes for tests, the demo and the benchmark: it finds
// the cached binary, picks free loopback ports, keeps the log outside the
// server's data, waits until the server is ready, and stops it.
package testserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// StopTimeout is how long Stop waits after SIGTERM before it kills.
const StopTimeout = 20 * time.Second

// Spec says how to run one server process.
type Spec struct {
	Name   string   // for messages: "qdrant", "weaviate-server"
	Bin    string   // binary path
	Args   []string // arguments
	Env    []string // the whole environment (KEY=VALUE); later duplicates win
	Dir    string   // working directory
	Log    string   // log file path; "" sends output to Stdout
	Stdout io.Writer
	// ReadyURL answers 200 once the server is ready.
	ReadyURL string
	// ReadyAnyStatus counts any HTTP answer from ReadyURL as ready, for a
	// server that has no unauthenticated health URL (versitygw answers 403).
	ReadyAnyStatus bool
	// ReadyClient fetches ReadyURL; default a plain client with a 2 s timeout.
	ReadyClient *http.Client
	// ReadyTimeout bounds the wait; default 60 s.
	ReadyTimeout time.Duration
}

// Process is one running server.
type Process struct {
	spec     Spec
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logFile  *os.File
	stopOnce sync.Once
	stopErr  error
}

// Start launches the process and waits until ReadyURL answers 200 (any
// status with ReadyAnyStatus). On failure the process is killed and the
// error carries the log's tail.
func Start(ctx context.Context, spec Spec) (*Process, error) {
	p := &Process{spec: spec, exited: make(chan struct{})}
	cmd := exec.Command(spec.Bin, spec.Args...)
	cmd.Env, cmd.Dir = spec.Env, spec.Dir
	cmd.SysProcAttr = sysProcAttr()
	if spec.Log != "" {
		f, err := os.OpenFile(spec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("testserver: create the %s log: %w", spec.Name, err)
		}
		p.logFile = f
		cmd.Stdout, cmd.Stderr = f, f
	} else if spec.Stdout != nil {
		cmd.Stdout, cmd.Stderr = spec.Stdout, spec.Stdout
	}
	if err := cmd.Start(); err != nil {
		p.closeLog()
		return nil, fmt.Errorf("testserver: start %s: %w", spec.Bin, err)
	}
	p.cmd = cmd
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ctx); err != nil {
		_ = p.Kill()
		p.closeLog()
		return nil, fmt.Errorf("%w%s", err, p.tailNote())
	}
	return p, nil
}

func (p *Process) waitReady(ctx context.Context) error {
	timeout := p.spec.ReadyTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := p.spec.ReadyClient
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	// An idle keep-alive connection would hold up a graceful stop.
	defer client.CloseIdleConnections()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready(ctx, client, p.spec.ReadyURL, p.spec.ReadyAnyStatus) {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("testserver: %s exited before it was ready at %s: %v", p.spec.Name, p.spec.ReadyURL, p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("testserver: %s not ready at %s: %w", p.spec.Name, p.spec.ReadyURL, ctx.Err())
		case <-tick.C:
		}
	}
}

func ready(ctx context.Context, client *http.Client, url string, anyStatus bool) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return anyStatus || resp.StatusCode == http.StatusOK
}

// LogTail returns the last lines of the log file, for failure messages.
func (p *Process) LogTail(lines int) string {
	if p.spec.Log == "" {
		return ""
	}
	b, err := os.ReadFile(p.spec.Log)
	if err != nil {
		return ""
	}
	ls := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return string(bytes.Join(ls, []byte("\n")))
}

func (p *Process) tailNote() string {
	if p.spec.Log == "" {
		return " (the server log went to the caller's writer)"
	}
	return fmt.Sprintf("\nlast lines of %s:\n%s", p.spec.Log, p.LogTail(40))
}

// Stop sends SIGTERM, waits up to StopTimeout, then SIGKILLs. Safe to call
// more than once; it reports a kill as an error.
func (p *Process) Stop() error {
	p.stopOnce.Do(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(StopTimeout):
				_ = p.cmd.Process.Kill()
				<-p.exited
				p.stopErr = fmt.Errorf("testserver: %s pid %d did not stop within %s of SIGTERM; killed it", p.spec.Name, p.PID(), StopTimeout)
			}
		}
		p.closeLog()
	})
	return p.stopErr
}

// Kill stops the process at once with SIGKILL, as a crash would, waits
// for it to exit and closes its log.
func (p *Process) Kill() error {
	select {
	case <-p.exited:
	default:
		if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("testserver: kill %s pid %d: %w", p.spec.Name, p.PID(), err)
		}
		<-p.exited
	}
	p.closeLog()
	return nil
}

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

func (p *Process) closeLog() {
	if p.logFile != nil {
		_ = p.logFile.Close()
		p.logFile = nil
	}
}

// CachedBinary finds a server binary: $env, else
// $HOME/.cache/vecmig/bin/name. It fails, saying how to get one, when the
// file does not exist.
func CachedBinary(env, name, how string) (string, error) {
	p := os.Getenv(env)
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find the home directory (%v); set %s to the %s binary", err, env, name)
		}
		p = filepath.Join(home, ".cache", "vecmig", "bin", name)
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s binary %s not found; %s, or set %s to its path", name, p, how, env)
	}
	return p, nil
}
