package weaviatetest

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// status sends a request to the node, with key as its API key unless
// empty, and returns the HTTP status.
func status(t *testing.T, n *Node, method, path, key, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, n.HTTPURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestLaunchAndAuth(t *testing.T) {
	n := Start(t, Options{APIKey: "secret-key"})
	get := func(key string) int { return status(t, n, http.MethodGet, "/v1/schema", key, "") }
	if c := get("secret-key"); c != 200 {
		t.Errorf("GET /v1/schema with the key = %d, want 200", c)
	}
	if c := get(""); c != 401 {
		t.Errorf("GET /v1/schema without a key = %d, want 401", c)
	}
	if c := get("wrong"); c != 401 {
		t.Errorf("GET /v1/schema with a wrong key = %d, want 401", c)
	}
}

func TestShared(t *testing.T) {
	a, b := Shared(t), Shared(t)
	if a != b {
		t.Fatal("Shared started two nodes")
	}
	resp, err := http.Get(a.HTTPURL() + "/v1/meta")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /v1/meta = %d", resp.StatusCode)
	}
}

func TestKillAndRestartKeepsData(t *testing.T) {
	n := Start(t, Options{})
	class := NewClassName("restart")
	if c := status(t, n, http.MethodPost, "/v1/schema", "", `{"class":"`+class+`","vectorizer":"none"}`); c != 200 {
		t.Fatalf("create class %s = %d, want 200", class, c)
	}
	pid := n.PID()
	if err := n.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := n.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.PID() == pid {
		t.Errorf("Restart kept pid %d", pid)
	}
	if c := status(t, n, http.MethodGet, "/v1/schema/"+class, "", ""); c != 200 {
		t.Errorf("GET class %s after restart = %d, want 200", class, c)
	}
}

func TestNewClassName(t *testing.T) {
	re := regexp.MustCompile(`^Vt[_0-9A-Za-z]*[0-9a-f]{6}$`)
	a, b := NewClassName("plain/absent x"), NewClassName("plain/absent x")
	if !re.MatchString(a) || a == b {
		t.Errorf("NewClassName = %q, %q", a, b)
	}
}

func TestMissingBinary(t *testing.T) {
	t.Setenv("VECMIG_WEAVIATE_BIN", "/nonexistent/weaviate-server")
	_, err := Launch(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), InstallCommand) {
		t.Errorf("Launch without a binary = %v; want a message with %q", err, InstallCommand)
	}
}
