package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/faultproxy"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// A snapshot from a server two minor versions newer than the target cannot
// be recovered there. Every server here runs the same Qdrant, so a proxy in
// front of the real source rewrites the version its health check reports
// (vecmig reads versions over gRPC). The run is refused in the plan: exit
// 2, one line naming both versions and --method live, no snapshot made on
// the source and no target created.
func TestSnapshotFromTooNewServerRefused(t *testing.T) {
	q1, q2 := qdranttest.Instance(t, 1), qdranttest.Instance(t, 2)
	ctx := adaptertest.Ctx(t)
	h, err := q1.Client(t).HealthCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	real := h.GetVersion() // "1.18.3"
	major, rest, _ := strings.Cut(real, ".")
	minor, patch, _ := strings.Cut(rest, ".")
	newer := major + "." + bump(minor, 2) + "." + patch // same length as long as minor stays two digits
	if len(newer) != len(real) {
		t.Fatalf("cannot rewrite version %q into one of the same length (%q)", real, newer)
	}

	coll := loadSnapCollection(t, q1, "qdrant_int_dense", "toonew", 50)
	src := qdranttest.StartProxy(t, q1)
	src.GRPC.Inject(faultproxy.Fault{Match: "HealthCheck", Rewrite: &faultproxy.Rewrite{Old: real, New: newer}})
	toColl := q2.NewName(t, "toonew")
	r := runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", src.Endpoint(coll), "--to", q2.Endpoint(toColl))
	mustExit(t, r, 2)
	line := refusal(t, r.stderr, "--method live")
	for _, want := range []string{"Qdrant " + newer, "the target " + real, "--method live"} {
		if !strings.Contains(line, want) {
			t.Errorf("the error line lacks %q:\n%s", want, r.stderr)
		}
	}
	if src.GRPC.Faulted("HealthCheck") == 0 {
		t.Fatal("no health check went through the rewriting proxy: the test proved nothing")
	}
	if n := src.HTTP.Calls(matchCreate) + src.HTTP.Calls(matchDownload); n != 0 {
		t.Errorf("%d create/download requests reached the source before the refusal, want 0", n)
	}
	if l := snapList(t, q1, q1.Endpoint(coll), false); len(l) != 0 {
		t.Errorf("snapshots left on the source: %+v", l)
	}
	if ok, err := q2.Client(t).CollectionExists(ctx, toColl); err != nil || ok {
		t.Errorf("the refused run created the target (exists=%v, %v)", ok, err)
	}

	// One minor newer on the target is allowed: the same proxy with the
	// version one below the target's lets the copy through.
	older := major + "." + bump(minor, -1) + "." + patch
	src.GRPC.Reset()
	src.GRPC.Inject(faultproxy.Fault{Match: "HealthCheck", Rewrite: &faultproxy.Rewrite{Old: real, New: older}})
	r = runVecmig(t, t.TempDir(), qenv(q1, q2), "migrate", "--method", "snapshot", "--from", src.Endpoint(coll), "--to", q2.Endpoint(toColl), "--verify", "full")
	mustExit(t, r, 0)
	assertCopied(t, q1.Endpoint(coll), q2.Endpoint(toColl), q1.APIKey, q2.APIKey)
}

// bump adds d to a decimal version part.
func bump(part string, d int) string {
	n, _ := strconv.Atoi(part)
	return strconv.Itoa(n + d)
}

// refusal is the last line of stderr, where vecmig says why it stopped;
// the test fails when another line also mentions want.
func refusal(t *testing.T, stderr, want string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	n := 0
	for _, l := range lines {
		if strings.Contains(l, want) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("want one line naming %q, have %d:\n%s", want, n, stderr)
	}
	return lines[len(lines)-1]
}
