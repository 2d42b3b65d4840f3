package faultproxy_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters/faultproxy"
)

// A Rewrite makes a real Qdrant report another version: over REST (GET /,
// with a replacement of another length) and over gRPC (HealthCheck, same
// length); calls it does not select pass unchanged.
func TestRewriteChangesTheReportedVersion(t *testing.T) {
	node := sharedQdrant(t)
	h := faultproxy.StartHTTP(t, loopback(node.RESTPort))
	var direct struct{ Version string }
	if err := json.Unmarshal(restBody(t, http.MethodGet, "http://"+loopback(node.RESTPort)+"/", nil, http.StatusOK), &direct); err != nil || direct.Version == "" {
		t.Fatalf("GET / on Qdrant: version %q, %v", direct.Version, err)
	}
	h.Inject(faultproxy.Fault{Match: "GET /", Times: 1, Rewrite: &faultproxy.Rewrite{Old: `"version":"` + direct.Version + `"`, New: `"version":"9.10.11"`}})
	for i, want := range []string{"9.10.11", direct.Version} {
		// A client that asks for gzip gets the rewritten body plain: the
		// proxy asked the backend for a body it can read.
		var header []string
		if i == 0 {
			header = []string{"Accept-Encoding", "gzip"}
		}
		var got struct{ Version string }
		if err := json.Unmarshal(restBody(t, http.MethodGet, h.URL()+"/", nil, http.StatusOK, header...), &got); err != nil {
			t.Fatal(err)
		}
		if got.Version != want {
			t.Errorf("GET / #%d through the proxy: version %q, want %q", i+1, got.Version, want)
		}
	}

	p, c, _ := throughGRPCProxy(t)
	ctx := testContext(t)
	before, err := c.HealthCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := before.GetVersion()
	newer := "9" + v[1:] // same length
	p.Inject(faultproxy.Fault{Match: "HealthCheck", Rewrite: &faultproxy.Rewrite{Old: v, New: newer}})
	after, err := c.HealthCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.GetVersion() != newer || after.GetTitle() != before.GetTitle() {
		t.Errorf("HealthCheck through the rewriting proxy: %q %q; want %q %q", after.GetTitle(), after.GetVersion(), before.GetTitle(), newer)
	}
	if p.Faulted("HealthCheck") != 1 {
		t.Errorf("Faulted(HealthCheck) = %d, want 1", p.Faulted("HealthCheck"))
	}
}

// A Rewrite that cannot happen is a mistake in the test: Inject panics.
func TestRewriteRefusesWhatItCannotDo(t *testing.T) {
	for name, inject := range map[string]func(){
		"gRPC lengths differ": func() {
			faultproxy.StartGRPC(t, "127.0.0.1:1").Inject(faultproxy.Fault{Match: "HealthCheck", Rewrite: &faultproxy.Rewrite{Old: "1.18.3", New: "1.20"}})
		},
		"empty Old": func() {
			faultproxy.StartHTTP(t, "127.0.0.1:1").Inject(faultproxy.Fault{Match: "GET /", Rewrite: &faultproxy.Rewrite{New: "x"}})
		},
		"with Status": func() {
			faultproxy.StartHTTP(t, "127.0.0.1:1").Inject(faultproxy.Fault{Match: "GET /", Status: 500, Rewrite: &faultproxy.Rewrite{Old: "a", New: "b"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "Rewrite") {
					t.Errorf("Inject: panic %v; want one naming Rewrite", r)
				}
			}()
			inject()
		})
	}
}
