package qdranttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Environment variables that point the shared adapter tests at a real Qdrant.
const (
	EnvURL    = "VECMIG_TEST_QDRANT_URL"
	EnvURL2   = "VECMIG_TEST_QDRANT_URL2"
	EnvAPIKey = "VECMIG_TEST_QDRANT_API_KEY"
)

// Target is a Qdrant that tests run against: the in-process Server, or a
// real server named by the environment.
type Target struct {
	Server   *Server // nil when Real
	Host     string
	GRPCPort int
	RESTPort int
	APIKey   string
	TLS      bool // https:// URL given
	Real     bool
}

// Instance returns test instance n (1 or 2). If VECMIG_TEST_QDRANT_URL (n=1)
// or VECMIG_TEST_QDRANT_URL2 (n=2) is set, it points at that real server
// ("http://HOST:6333" means REST 6333 and gRPC 6334;
// "qdrant://HOST:6334?rest_port=6333" names both), with the API key from
// VECMIG_TEST_QDRANT_API_KEY. Otherwise it starts an in-process Server that
// lives until the test ends. It checks the server answers HealthCheck.
func Instance(t testing.TB, n int) *Target {
	t.Helper()
	env := EnvURL
	switch n {
	case 1:
	case 2:
		env = EnvURL2
	default:
		t.Fatalf("qdranttest.Instance: instance %d does not exist; use 1 or 2", n)
	}
	raw := strings.TrimSpace(os.Getenv(env))
	if raw == "" {
		s := Start(t, Options{})
		tg := &Target{Server: s, Host: "127.0.0.1", GRPCPort: s.GRPCPort(), RESTPort: s.RESTPort()}
		tg.mustAnswer(t, "the in-process test server")
		return tg
	}
	tg, err := parseTargetURL(raw)
	if err != nil {
		t.Fatalf("%s=%q: %v; use http://HOST:6333 or qdrant://HOST:6334?rest_port=6333, or unset it to use the in-process server", env, raw, err)
	}
	tg.APIKey = os.Getenv(EnvAPIKey)
	tg.mustAnswer(t, fmt.Sprintf("the Qdrant named by %s=%s", env, raw))
	return tg
}

func parseTargetURL(raw string) (*Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("no host")
	}
	tg := &Target{Host: u.Hostname(), Real: true}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("port %q is not a number", p)
		}
	}
	q := u.Query()
	switch u.Scheme {
	case "http", "https":
		tg.TLS = u.Scheme == "https"
		tg.RESTPort = 6333
		if port != 0 {
			tg.RESTPort = port
		}
		tg.GRPCPort = tg.RESTPort + 1
		if g := q.Get("grpc_port"); g != "" {
			if tg.GRPCPort, err = strconv.Atoi(g); err != nil {
				return nil, fmt.Errorf("grpc_port %q is not a number", g)
			}
		}
	case "qdrant":
		tg.GRPCPort = 6334
		if port != 0 {
			tg.GRPCPort = port
		}
		tg.RESTPort = 6333
		if r := q.Get("rest_port"); r != "" {
			if tg.RESTPort, err = strconv.Atoi(r); err != nil {
				return nil, fmt.Errorf("rest_port %q is not a number", r)
			}
		}
		tg.TLS = q.Get("tls") == "true"
	default:
		return nil, fmt.Errorf("scheme %q is not http, https or qdrant", u.Scheme)
	}
	return tg, nil
}

// Endpoint is the vecmig URL of collection on this target.
func (tg *Target) Endpoint(collection string) string {
	e := fmt.Sprintf("qdrant://%s:%d/%s?rest_port=%d", tg.Host, tg.GRPCPort, collection, tg.RESTPort)
	if tg.TLS {
		e += "&tls=true"
	}
	return e
}

// Config is a go-client configuration for this target.
func (tg *Target) Config() *qdrant.Config {
	return &qdrant.Config{
		Host:                   tg.Host,
		Port:                   tg.GRPCPort,
		APIKey:                 tg.APIKey,
		UseTLS:                 tg.TLS,
		SkipCompatibilityCheck: true,
		PoolSize:               1,
	}
}

// Client returns a go-client connected to the target, closed when the test ends.
func (tg *Target) Client(t testing.TB) *qdrant.Client {
	t.Helper()
	c, err := qdrant.NewClient(tg.Config())
	if err != nil {
		t.Fatalf("connect to Qdrant %s:%d: %v", tg.Host, tg.GRPCPort, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (tg *Target) mustAnswer(t testing.TB, what string) {
	t.Helper()
	c, err := qdrant.NewClient(tg.Config())
	if err == nil {
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = c.HealthCheck(ctx)
		if err == nil {
			// HealthCheck needs no key; listing proves the key works.
			_, err = c.ListCollections(ctx)
			if status.Code(err) == codes.Unauthenticated || status.Code(err) == codes.PermissionDenied {
				t.Fatalf("%s at %s:%d rejects the API key: %v\nSet %s to the server's API key.",
					what, tg.Host, tg.GRPCPort, err, EnvAPIKey)
			}
		}
	}
	if err != nil {
		t.Fatalf("%s at %s:%d (gRPC) does not answer HealthCheck: %v\n"+
			"Start one with: docker run -p %d:6333 -p %d:6334 qdrant/qdrant:v%s\n"+
			"or unset %s/%s to use the in-process test server (set %s when it needs an API key).",
			what, tg.Host, tg.GRPCPort, err, tg.RESTPort, tg.GRPCPort, DefaultVersion, EnvURL, EnvURL2, EnvAPIKey)
	}
}

// NewName returns a fresh collection name "vecmig_<hint>_<8 hex>" and
// deletes that collection (if it exists) when the test ends.
func (tg *Target) NewName(t testing.TB, hint string) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, hint)
	name := "vecmig_" + clean + "_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		c, err := qdrant.NewClient(tg.Config())
		if err != nil {
			t.Logf("clean up Qdrant collection %q: %v", name, err)
			return
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// A missing collection is fine: the test may never have created it.
		_, err = c.GetCollectionsClient().Delete(ctx, &qdrant.DeleteCollection{CollectionName: name})
		if err != nil && status.Code(err) != codes.NotFound {
			t.Logf("clean up Qdrant collection %q: %v", name, err)
		}
	})
	return name
}
