package main

import (
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// TestQdrantTLSAndAPIKey copies through a real Qdrant that serves REST and
// gRPC over TLS and wants an API key: live in and out, and by snapshot out.
// The certificate is trusted through SSL_CERT_FILE, as a user with a
// private CA would; without it the run stops on the certificate.
func TestQdrantTLSAndAPIKey(t *testing.T) {
	const key = "tls-test-key-4f1c"
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	secure := qdranttest.Start(t, qdranttest.Options{TLS: true, APIKey: key})
	from := loadBig(t, q1, 500)
	mid := secure.Endpoint(secure.NewName(t, "tls"))
	trust := "SSL_CERT_FILE=" + secure.CACert

	steps := []struct {
		name string
		env  []string
		args []string
	}{
		{"live into TLS", []string{trust, "VECMIG_TO_API_KEY=" + key}, []string{"--from", from, "--to", mid}},
		{"live out of TLS", []string{trust, "VECMIG_FROM_API_KEY=" + key}, []string{"--from", mid, "--to", q2.Endpoint(q2.NewName(t, "from_tls"))}},
		{"snapshot out of TLS", []string{trust, "VECMIG_FROM_API_KEY=" + key}, []string{"--method", "snapshot", "--from", mid, "--to", q2.Endpoint(q2.NewName(t, "snap_tls"))}},
	}
	for _, s := range steps {
		r := runVecmig(t, t.TempDir(), s.env, append([]string{"migrate", "--verify", "full"}, s.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", s.name, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, key) {
			t.Errorf("%s: the API key is in the output", s.name)
		}
		to := s.args[len(s.args)-1]
		if !strings.Contains(to, "tls=true") {
			assertCopied(t, from, to, "", "")
		}
	}

	r := runVecmig(t, t.TempDir(), []string{"VECMIG_FROM_API_KEY=" + key}, "migrate", "--from", mid, "--to", q2.Endpoint(q2.NewName(t, "untrusted")))
	mustExit(t, r, exitError)
	if msg := strings.TrimSpace(r.stderr); strings.Count(msg, "\n") > 0 || !strings.Contains(msg, "certificate") {
		t.Errorf("an untrusted certificate should stop the run with one line naming it, got:\n%s", msg)
	}
}
