package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
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

// tlsCase is one vecmig run of a TLS test and what it must do.
type tlsCase struct {
	name string
	env  []string
	args []string
	code int
	// want is in the output; oneLine says the output (stderr) is one line.
	want    string
	oneLine bool
}

// runTLSCases runs each case and checks its exit code and output.
func runTLSCases(t *testing.T, cases []tlsCase) {
	t.Helper()
	for _, c := range cases {
		r := runVecmig(t, t.TempDir(), c.env, c.args...)
		if r.code != c.code {
			t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", c.name, r.code, c.code, r.stdout, r.stderr)
			continue
		}
		msg := strings.TrimSpace(r.stderr)
		if c.want != "" && !strings.Contains(r.stdout+r.stderr, c.want) {
			t.Errorf("%s: output lacks %q:\n%s\n%s", c.name, c.want, r.stdout, r.stderr)
		}
		if c.oneLine && strings.Count(msg, "\n") > 0 {
			t.Errorf("%s: want one line on stderr, got:\n%s", c.name, msg)
		}
		t.Logf("%s: exit %d: %s", c.name, r.code, msg)
	}
}

const insecureWarning = "warning: --insecure-skip-verify"

// TestQdrantCACertFlag trusts a TLS Qdrant's private CA with --ca-cert
// (no SSL_CERT_FILE): live in, verify, live and snapshot out; without it
// the run stops on the certificate; --insecure-skip-verify works and warns;
// TLS on one side only fails in one line, both ways.
func TestQdrantCACertFlag(t *testing.T) {
	const key = "tls-test-key-ca-77"
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	secure := qdranttest.Start(t, qdranttest.Options{TLS: true, APIKey: key})
	from := loadBig(t, q1, 200)
	mid := secure.Endpoint(secure.NewName(t, "ca"))
	ca := []string{"--ca-cert", secure.CACert}
	into, outOf := []string{"VECMIG_TO_API_KEY=" + key}, []string{"VECMIG_FROM_API_KEY=" + key}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runTLSCases(t, []tlsCase{
		{name: "live into TLS with --ca-cert", env: into, code: 0,
			args: append([]string{"migrate", "--verify", "full", "--from", from, "--to", mid}, ca...)},
		{name: "verify with --ca-cert", env: into, code: 0,
			args: append([]string{"verify", "--mode", "full", "--from", from, "--to", mid}, ca...)},
		{name: "live out of TLS without --ca-cert", env: outOf, code: exitError, want: "--ca-cert FILE", oneLine: true,
			args: []string{"migrate", "--from", mid, "--to", q2.Endpoint(q2.NewName(t, "untrusted"))}},
		{name: "live out with --insecure-skip-verify", env: outOf, code: 0, want: insecureWarning,
			args: []string{"migrate", "--verify", "full", "--insecure-skip-verify", "--from", mid, "--to", q2.Endpoint(q2.NewName(t, "insecure"))}},
		{name: "snapshot out of TLS with --ca-cert", env: outOf, code: 0,
			args: append([]string{"migrate", "--verify", "full", "--method", "snapshot", "--from", mid, "--to", q2.Endpoint(q2.NewName(t, "snap_ca"))}, ca...)},
		{name: "snapshot list with --ca-cert", env: []string{"VECMIG_API_KEY=" + key}, code: 0,
			args: append([]string{"snapshot", "list"}, append(ca, mid)...)},
		{name: "--ca-cert not PEM", env: outOf, code: exitError, want: notPEM, oneLine: true,
			args: []string{"migrate", "--ca-cert", notPEM, "--from", mid, "--to", q2.Endpoint(q2.NewName(t, "notpem"))}},
		{name: "--ca-cert missing", env: outOf, code: exitError, want: notPEM + ".missing", oneLine: true,
			args: []string{"inspect", "--ca-cert", notPEM + ".missing", mid}},
		{name: "tls=true against plain Qdrant", code: exitError, want: "remove tls=true", oneLine: true,
			args: []string{"inspect", from + "&tls=true"}},
		{name: "no tls against TLS Qdrant", env: []string{"VECMIG_API_KEY=" + key}, code: exitError, want: "add tls=true", oneLine: true,
			args: []string{"inspect", strings.Replace(mid, "tls=true", "tls=false", 1)}},
	})
}

// TestWeaviateTLS copies out of a Weaviate that serves REST and gRPC over
// TLS only, its CA trusted with --ca-cert, into Weaviate and Qdrant; without
// it the run stops on the certificate; --insecure-skip-verify works and
// warns; TLS on one side only fails in one line, both ways.
func TestWeaviateTLS(t *testing.T) {
	secure := weaviatetest.Start(t, weaviatetest.Options{TLS: true})
	plain := weaviateNode(t, 1)
	q := qdranttest.Instance(t, 1)
	fx := adaptertest.WeaviateFixtures(60)[0]
	class := weaviatetest.NewClassName(fx.Name)
	from := secure.Endpoint(class)
	adaptertest.Load(t, all.Registry(), adapters.Config{TLS: adapters.TLSOptions{CACertFile: secure.CACert}}, from, fx)
	ca := []string{"--ca-cert", secure.CACert}
	toW := plain.Endpoint(newClass(t, plain, "from_tls"))
	toQ := q.Endpoint(q.NewName(t, "from_wtls"))
	intoQ := []string{"VECMIG_TO_API_KEY=" + q.APIKey}
	runTLSCases(t, []tlsCase{
		{name: "Weaviate(TLS) to Weaviate with --ca-cert", code: 0,
			args: append([]string{"migrate", "--verify", "full", "--from", from, "--to", toW}, ca...)},
		{name: "Weaviate(TLS) to Qdrant with --ca-cert", env: intoQ, code: 0,
			args: append([]string{"migrate", "--verify", "full", "--from", from, "--to", toQ}, ca...)},
		{name: "without --ca-cert", code: exitError, want: "--ca-cert FILE", oneLine: true,
			args: []string{"migrate", "--from", from, "--to", plain.Endpoint(newClass(t, plain, "untrusted"))}},
		{name: "with --insecure-skip-verify", code: 0, want: insecureWarning,
			args: []string{"migrate", "--verify", "full", "--insecure-skip-verify", "--from", from, "--to", plain.Endpoint(newClass(t, plain, "insecure"))}},
		{name: "backup create with --ca-cert", code: 0,
			args: append([]string{"backup", "create", "--backend", "filesystem", "--wait", "--include", class}, append(ca, strings.SplitN(from, "/"+class, 2)[0]+"?tls=true")...)},
		{name: "backup list without --ca-cert", code: exitError, want: "certificate", oneLine: true,
			args: []string{"backup", "list", "--backend", "filesystem", strings.SplitN(from, "/"+class, 2)[0] + "?tls=true"}},
		{name: "inspect with --ca-cert", code: 0, want: class,
			args: append([]string{"inspect"}, append(ca, from)...)},
		{name: "tls=true against plain Weaviate", code: exitError, want: "remove tls=true", oneLine: true,
			args: []string{"inspect", toW + "&tls=true"}},
		{name: "no tls against TLS Weaviate", code: exitError, want: "add tls=true", oneLine: true,
			args: []string{"inspect", strings.Replace(from, "tls=true", "tls=false", 1)}},
	})
	tc := adapters.Config{TLS: adapters.TLSOptions{CACertFile: secure.CACert}}
	src := adaptertest.OpenSource(t, all.Registry(), from, tc)
	adaptertest.AssertSameData(t, src, openSource(t, toW, ""))
}
