package weaviatetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters/testserver"
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
	p, err := testserver.CachedBinary("VECMIG_VERSITYGW_BIN", "versitygw",
		"install the S3 server with `"+VersityGWInstallCommand+"` (or `make versitygw`)")
	if err != nil {
		return "", fmt.Errorf("weaviatetest: %w", err)
	}
	return p, nil
}

// S3 is a running local S3-compatible server (versitygw, posix backend):
// each bucket is a subdirectory of Dir.
type S3 struct {
	Port int
	Dir  string

	proc *testserver.Process
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
		return nil, fmt.Errorf("weaviatetest: create a temporary directory: %w", err)
	}
	s := &S3{Dir: filepath.Join(work, "root")}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(work)
		}
	}()
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("weaviatetest: create directory %s: %w", s.Dir, err)
	}
	ports, err := testserver.FreePorts(1, 0)
	if err != nil {
		return nil, err
	}
	s.Port = ports[0]
	s.proc, err = testserver.Start(ctx, testserver.Spec{
		Name: "versitygw (port " + strconv.Itoa(s.Port) + ")", Bin: bin,
		Args: []string{"--port", s.Endpoint(), "posix", s.Dir},
		Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
			"ROOT_ACCESS_KEY_ID=" + S3AccessKey, "ROOT_SECRET_ACCESS_KEY=" + S3SecretKey},
		Dir: work, Log: filepath.Join(work, "versitygw.log"),
		// An unsigned GET / gets 403, which still means it serves.
		ReadyURL: "http://" + s.Endpoint() + "/", ReadyAnyStatus: true, ReadyTimeout: 30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("weaviatetest: %w", err)
	}
	ok = true
	return s, nil
}

// Stop ends the server (SIGTERM, then SIGKILL after
// testserver.StopTimeout) and removes its directory.
func (s *S3) Stop() {
	_ = s.proc.Stop()
	_ = os.RemoveAll(filepath.Dir(s.Dir))
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
