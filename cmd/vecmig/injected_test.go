package main

// Injected faults: a faultproxy in front of real Qdrant and Weaviate
// servers makes calls slow, cut or refused. A run that can recover must
// finish with a target equal to the source, and `vecmig verify --mode
// full` must find nothing; a run that cannot must stop at once and say
// why. TestRetriesTransientFaults (e2e_test.go) covers Qdrant's
// Unavailable and ResourceExhausted bursts; the rest is here.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// faultCase is a source and a target, either of them behind a proxy.
type faultCase struct {
	engine      string
	from, to    string // URLs vecmig is given (through the proxies)
	directFrom  string // the same collections without proxies, to read back
	directTo    string
	src, dst    *faultproxy.Pair
	env         []string
	fromKey     string
	toKey       string
	read, write string // the gRPC calls that read the source and write the target
	firstIDs    []adapters.ID
}

// faultCases loads n points on a source per engine and gives each a fresh
// target, both behind proxies.
func faultCases(t *testing.T, n int) []faultCase {
	t.Helper()
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	qfx := adaptertest.QdrantFixtures(n)[0]
	qcoll, qto := q1.NewName(t, "inj"), q2.NewName(t, "inj")
	adaptertest.Load(t, all.Registry(), adapters.Config{APIKey: adapters.NewSecret(q1.APIKey)}, q1.Endpoint(qcoll), qfx)
	qs, qd := qdranttest.StartProxy(t, q1), qdranttest.StartProxy(t, q2)

	w1, w2 := weaviateNode(t, 1), weaviateNode(t, 2)
	wfx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(n), "plain")
	wclass, wto := weaviatetest.NewClassName("Inj"), weaviatetest.NewClassName("Inj")
	wfrom := w1.Endpoint(wclass)
	adaptertest.Load(t, all.Registry(), adapters.Config{}, wfrom, wfx)
	ws, wd := weaviateProxy(t, w1), weaviateProxy(t, w2)
	return []faultCase{
		{engine: "qdrant", from: qs.Endpoint(qcoll), to: qd.Endpoint(qto), directFrom: q1.Endpoint(qcoll), directTo: q2.Endpoint(qto),
			src: qs.Pair, dst: qd.Pair, env: qenv(q1, q2), fromKey: q1.APIKey, toKey: q2.APIKey,
			read: "Scroll", write: "Upsert", firstIDs: ids(qfx)},
		{engine: "weaviate", from: proxiedClass(ws, wclass), to: proxiedClass(wd, wto), directFrom: wfrom, directTo: w2.Endpoint(wto),
			src: ws, dst: wd, read: "Search", write: "BatchObjects", firstIDs: ids(wfx)},
	}
}

func weaviateProxy(t *testing.T, n *weaviatetest.Node) *faultproxy.Pair {
	return faultproxy.StartPair(t, fmt.Sprintf("127.0.0.1:%d", n.HTTPPort), fmt.Sprintf("127.0.0.1:%d", n.GRPCPort))
}

func proxiedClass(p *faultproxy.Pair, class string) string {
	return fmt.Sprintf("weaviate://127.0.0.1:%d/%s?grpc_port=%d", p.HTTP.Port(), class, p.GRPC.Port())
}

func ids(fx adaptertest.Fixture) []adapters.ID {
	var out []adapters.ID
	for _, ps := range fx.Points {
		for _, p := range ps {
			out = append(out, p.ID)
		}
	}
	return out
}

// migrateJSON runs a migration with --json and returns its outcome and
// the retries it counted.
func migrateJSON(t *testing.T, c faultCase, extra ...string) (result, int) {
	t.Helper()
	args := append([]string{"migrate", "--from", c.from, "--to", c.to, "--json", "--batch-size", "100"}, extra...)
	r := runVecmig(t, t.TempDir(), c.env, args...)
	var sum struct {
		Retries int `json:"retries"`
	}
	if r.code == 0 {
		if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
			t.Fatalf("--json output is not one JSON object: %v\n%s", err, r.stdout)
		}
	}
	return r, sum.Retries
}

// assertRecovered checks the target equals the source, read back from
// both servers, and that `vecmig verify --mode full` (no proxies) finds
// every point equal.
func assertRecovered(t *testing.T, c faultCase) {
	t.Helper()
	assertCopied(t, c.directFrom, c.directTo, c.fromKey, c.toKey)
	verifyClean(t, c.env, c.directFrom, c.directTo)
}

func verifyClean(t *testing.T, env []string, from, to string) {
	t.Helper()
	r := runVecmig(t, t.TempDir(), env, "verify", "--mode", "full", "--from", from, "--to", to)
	mustExit(t, r, 0)
	if !regexp.MustCompile(`points compared (\d+): (\d+) equal`).MatchString(r.stdout) {
		t.Errorf("verify --mode full does not report every point equal:\n%s", r.stdout)
	}
}

// An upsert slower than --timeout: the proxy forwards it at once, the
// server applies it, and the answer comes after the deadline. vecmig
// retries the batch, so the same points are written twice; the target
// must still hold each point once, equal to the source.
func TestInjectedSlowWriteIsIdempotent(t *testing.T) {
	for _, c := range faultCases(t, 1000) {
		t.Run(c.engine, func(t *testing.T) {
			const held = 2
			c.dst.GRPC.Inject(faultproxy.Fault{Match: c.write, Times: held, HoldAnswer: 4 * time.Second})
			r, retries := migrateJSON(t, c, "--timeout", "1s", "--workers", "2")
			mustExit(t, r, 0)
			// The held calls were forwarded and handled by the server:
			// the write landed, then landed again when retried.
			if f, done := c.dst.GRPC.Faulted(c.write), c.dst.GRPC.Completed(c.write); f != held || done != c.dst.GRPC.Calls(c.write) {
				t.Errorf("%s: %d held (want %d), %d of %d completed", c.write, f, held, done, c.dst.GRPC.Calls(c.write))
			}
			if retries < held {
				t.Errorf("the run counted %d retries; want at least %d (one per late answer)", retries, held)
			}
			assertRecovered(t, c)
		})
	}
}

// A connection cut in the middle of the source's read and of the target's
// write (CutAfter 1 on a unary call: the server handled it, the answer
// is lost and the whole connection with it).
func TestInjectedConnectionReset(t *testing.T) {
	for _, c := range faultCases(t, 1000) {
		t.Run(c.engine, func(t *testing.T) {
			c.src.GRPC.Inject(faultproxy.Fault{Match: c.read, Times: 2, CutAfter: 1})
			c.dst.GRPC.Inject(faultproxy.Fault{Match: c.write, Times: 2, CutAfter: 1})
			r, retries := migrateJSON(t, c)
			mustExit(t, r, 0)
			if c.src.GRPC.Faulted(c.read) != 2 || c.dst.GRPC.Faulted(c.write) != 2 {
				t.Errorf("cuts: %d reads, %d writes; want 2 each", c.src.GRPC.Faulted(c.read), c.dst.GRPC.Faulted(c.write))
			}
			if retries < 4 {
				t.Errorf("the run counted %d retries; want at least 4 (one per cut)", retries)
			}
			assertRecovered(t, c)
		})
	}
}

// The Weaviate target's batch call fails with Unavailable bursts and
// ResourceExhausted carrying a retry-after trailer (as Qdrant sends it;
// Weaviate's adapter reads a google.rpc.RetryInfo detail instead, so here
// it backs off by the policy), and its GraphQL count answers 429 with
// Retry-After: 1, which is honoured.
func TestInjectedWeaviateTransientFaults(t *testing.T) {
	c := faultCases(t, 1000)[1]
	c.dst.GRPC.Inject(faultproxy.Fault{Match: c.write, Times: 3, Code: codes.Unavailable})
	c.dst.GRPC.Inject(faultproxy.Fault{Match: c.write, Times: 2, Code: codes.ResourceExhausted, RetryAfter: time.Second})
	c.dst.HTTP.Inject(faultproxy.Fault{Match: "POST /v1/graphql", Times: 1, Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	r := runVecmig(t, t.TempDir(), c.env, "migrate", "--from", c.from, "--to", c.to, "--batch-size", "100", "--verify", "count")
	mustExit(t, r, 0)
	if f := c.dst.GRPC.Faulted(c.write); f != 5 {
		t.Errorf("%d batch calls faulted; want 5", f)
	}
	for _, want := range []string{"injected Unavailable", "injected ResourceExhausted", "retrying count in 1s", "HTTP 429"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not report the retry %q:\n%s", want, r.stderr)
		}
	}
	if got := strings.Count(r.stderr, "retrying "); got < 6 {
		t.Errorf("%d retries reported; want at least 6 (3 Unavailable, 2 ResourceExhausted, one 429):\n%s", got, r.stderr)
	}
	assertRecovered(t, c)
}

// InvalidArgument on a write is permanent: the run stops at the first
// one, names the batch's point ids, and sends the write only once.
func TestInjectedInvalidArgumentStops(t *testing.T) {
	for _, c := range faultCases(t, 500) {
		t.Run(c.engine, func(t *testing.T) {
			c.dst.GRPC.Inject(faultproxy.Fault{Match: c.write, Times: 1, Code: codes.InvalidArgument})
			r, _ := migrateJSON(t, c, "--workers", "1", "--readers", "1")
			mustExit(t, r, exitError)
			if n := c.dst.GRPC.Calls(c.write); n != 1 {
				t.Errorf("%d %s calls reached the proxy; want 1 (InvalidArgument is not retried)", n, c.write)
			}
			m := regexp.MustCompile(`ids (\S+) to (\S+)\)`).FindStringSubmatch(r.stderr)
			if m == nil {
				t.Fatalf("the message does not name the batch's point ids:\n%s", r.stderr)
			}
			known := map[string]bool{}
			for _, id := range c.firstIDs {
				known[id.String()] = true
			}
			if !known[m[1]] || !known[m[2]] {
				t.Errorf("the ids named, %s and %s, are not the source's:\n%s", m[1], m[2], r.stderr)
			}
			if !strings.Contains(r.stderr, "InvalidArgument") || strings.Contains(r.stderr, "retrying") {
				t.Errorf("the message should give the server's code and no retry:\n%s", r.stderr)
			}
		})
	}
}
