package weaviatetest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// VersityGWInstallCommand installs the S3 server the tests use (outside the module).
const VersityGWInstallCommand = "GOBIN=$HOME/.cache/vecmig/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// S3 credentials of the test server.
const (
	S3AccessKey = "vecmigtest"
	S3SecretKey = "vecmigtestsecret"
	S3Region    = "us-east-1"
)

// VersityGWBinary returns $VECMIG_VERSITYGW_BIN, else
// $HOME/.cache/vecmig/bin/versitygw, failing with the install command when
// it does not exist.
func VersityGWBinary() (string, error) {
	return cachedBinary("VECMIG_VERSITYGW_BIN", "versitygw", "S3 server", VersityGWInstallCommand, "make versitygw")
}

// S3 is a running local S3-compatible server (versitygw, posix backend):
// each bucket is a subdirectory of Dir.
type S3 struct {
	Port int
	Dir  string

	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logPath  string
	stopOnce sync.Once
}

// Endpoint is HOST:PORT, as BACKUP_S3_ENDPOINT wants it.
func (s *S3) Endpoint() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// CreateBucket creates a bucket (a subdirectory).
func (s *S3) CreateBucket(name string) error {
	if err := os.MkdirAll(filepath.Join(s.Dir, name), 0o755); err != nil {
		return fmt.Errorf("weaviatetest: create bucket %s: %w", name, err)
	}
	return nil
}

// WeaviateOptions returns Options for a Weaviate node whose backup-s3 module
// uses this server and bucket (backup-filesystem stays enabled too).
func (s *S3) WeaviateOptions(bucket string) Options {
	return Options{
		Modules: []string{"backup-filesystem", "backup-s3"},
		Env: []string{
			"BACKUP_S3_BUCKET=" + bucket,
			"BACKUP_S3_ENDPOINT=" + s.Endpoint(),
			"BACKUP_S3_USE_SSL=false",
			"AWS_ACCESS_KEY_ID=" + S3AccessKey,
			"AWS_SECRET_ACCESS_KEY=" + S3SecretKey,
			"AWS_REGION=" + S3Region,
		},
	}
}

// LaunchS3 starts versitygw on a free loopback port over a fresh directory
// and waits until it answers. The caller must Stop it.
func LaunchS3(ctx context.Context) (*S3, error) {
	bin, err := VersityGWBinary()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "vecmig-s3-")
	if err != nil {
		return nil, fmt.Errorf("weaviatetest: create temporary directory: %w", err)
	}
	s := &S3{Dir: filepath.Join(work, "root"), exited: make(chan struct{}), logPath: filepath.Join(work, "versitygw.log")}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(work)
		}
	}()
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("weaviatetest: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("weaviatetest: find a free port: %w", err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, fmt.Errorf("weaviatetest: %w", err)
	}
	cmd := exec.Command(bin, "--port", s.Endpoint(), "posix", s.Dir)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"ROOT_ACCESS_KEY_ID=" + S3AccessKey, "ROOT_SECRET_ACCESS_KEY=" + S3SecretKey}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("weaviatetest: start %s: %w", bin, err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		// Any HTTP answer (403 without a signature) means it serves.
		if resp, err := client.Get("http://" + s.Endpoint() + "/"); err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-s.exited:
			b, _ := os.ReadFile(s.logPath)
			return nil, fmt.Errorf("weaviatetest: versitygw exited before serving: %v\n%s", s.waitErr, b)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-s.exited
			return nil, fmt.Errorf("weaviatetest: versitygw on %s did not answer: %w", s.Endpoint(), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	ok = true
	return s, nil
}

// Stop ends the server and removes its directory.
func (s *S3) Stop() {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
		os.RemoveAll(filepath.Dir(s.Dir))
	})
}

// StartS3 launches an S3 server for a test with these buckets and stops it
// when the test ends.
func StartS3(t testing.TB, buckets ...string) *S3 {
	t.Helper()
	s, err := LaunchS3(context.Background())
	if err != nil {
		t.Fatalf("start the S3 server: %v", err)
	}
	t.Cleanup(s.Stop)
	for _, b := range buckets {
		if err := s.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
