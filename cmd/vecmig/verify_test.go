package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/all"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

var waitTrue = true

// TestVerifyExitCodes: 0 when equal, 1 when the target differs (with the
// report and listing naming the point), 2 when verification cannot run.
func TestVerifyExitCodes(t *testing.T) {
	q := qdranttest.Instance(t, 1)
	locked := qdranttest.Start(t, qdranttest.Options{APIKey: "right-key"})
	fx := adaptertest.QdrantFixtures(2000)[1]
	cfg := adapters.Config{APIKey: adapters.NewSecret(q.APIKey)}
	srcName, dstName := q.NewName(t, "vsrc"), q.NewName(t, "vdst")
	from, to := q.Endpoint(srcName), q.Endpoint(dstName)
	adaptertest.Load(t, all.Registry(), cfg, from, fx)
	adaptertest.Load(t, all.Registry(), cfg, to, fx)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey, "VECMIG_TO_API_KEY=" + q.APIKey}
	dir := t.TempDir()

	for _, mode := range []string{"count", "sample", "full"} {
		r := runVecmig(t, dir, env, "verify", "--from", from, "--to", to, "--mode", mode)
		mustExit(t, r, exitOK)
		if !strings.Contains(r.stdout, "EQUAL") {
			t.Errorf("%s: summary lacks EQUAL:\n%s", mode, r.stdout)
		}
	}
	r := runVecmig(t, dir, env, "verify", "--from", from, "--to", to)
	t.Logf("vecmig verify (default sample):\n%s", r.stdout)
	if !strings.Contains(r.stdout, "(sample 1000)") || !strings.Contains(r.stdout, "caught it with probability") || !strings.Contains(r.stdout, "--seed") {
		t.Errorf("default verify is not a 1000-point sample with its probability and seed:\n%s", r.stdout)
	}

	victim := fx.Points[""][42].ID
	cl := q.Client(t)
	if _, err := cl.Delete(adaptertest.Ctx(t), &qc.DeletePoints{CollectionName: dstName, Wait: &waitTrue, Points: qc.NewPointsSelector(qc.NewIDUUID(victim.String()))}); err != nil {
		t.Fatal(err)
	}
	report, list := filepath.Join(dir, "report.json"), filepath.Join(dir, "list.txt")
	r = runVecmig(t, dir, env, "verify", "--from", from, "--to", to, "--mode", "full", "--report", report, "--list", list)
	mustExit(t, r, exitDiffer)
	t.Logf("vecmig verify --mode full on a damaged copy:\n%s", r.stdout)
	if strings.Contains(r.stderr, "vecmig:") || !strings.Contains(r.stdout, "- "+victim.String()+": missing on the target") {
		t.Errorf("a difference must be reported in the summary, not as an error:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	var rep struct {
		Result     string `json:"result"`
		Mismatches []struct {
			ID     adapters.ID `json:"id"`
			Status string      `json:"status"`
		} `json:"mismatches"`
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if rep.Result != "different" || len(rep.Mismatches) != 1 || rep.Mismatches[0].ID != victim || rep.Mismatches[0].Status != "missing" {
		t.Errorf("report = %+v; want one missing point %s", rep, victim)
	}
	lb, _ := os.ReadFile(list)
	lines := strings.Split(strings.TrimSpace(string(lb)), "\n")
	if len(lines) != 2000 || !strings.Contains(string(lb), "- "+victim.String()+"\n") || strings.Count(string(lb), "= ") != 1999 {
		t.Errorf("listing has %d lines; want 1999 '=' and '- %s'", len(lines), victim)
	}
	r = runVecmig(t, dir, env, "verify", "--from", from, "--to", to, "--mode", "count", "--list", "-")
	mustExit(t, r, exitDiffer)
	r = runVecmig(t, dir, env, "verify", "--from", from, "--to", to, "--mode", "full", "--list", "-", "--quiet")
	mustExit(t, r, exitDiffer)
	if strings.TrimSpace(r.stdout) == "" || strings.Contains(r.stdout, "verified") {
		t.Errorf("--list - must put the listing alone on stdout:\n%s", r.stdout)
	}
	r = runVecmig(t, dir, env, "verify", "--from", from, "--to", to, "--mode", "full", "--json")
	mustExit(t, r, exitDiffer)
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Result != "different" {
		t.Errorf("--json output %v: %s", err, r.stdout)
	}

	cases := []struct {
		name, want string
		args       []string
		env        []string
	}{
		{"unreachable", "cannot connect", []string{"--from", from, "--to", "qdrant://127.0.0.1:1/docs"}, nil},
		{"missing collection", "does not exist", []string{"--from", q.Endpoint("no_such_collection"), "--to", to}, nil},
		{"wrong api key", "key", []string{"--from", from, "--to", locked.Endpoint("docs")}, []string{"VECMIG_TO_API_KEY=wrong-key"}},
		{"bad sample", "--sample", []string{"--from", from, "--to", to, "--sample", "0"}, nil},
		{"bad slice", "--sample", []string{"--from", from, "--to", to, "--sample", "4/3"}, nil},
		{"bad mode", "--mode", []string{"--from", from, "--to", to, "--mode", "most"}, nil},
		{"bad tolerance", "--tolerance", []string{"--from", from, "--to", to, "--tolerance", "rel=-1"}, nil},
		{"bad since", "--since", []string{"--from", from, "--to", to, "--changed-since-field", "t", "--since", "yesterday"}, nil},
		{"malformed url", "not a URL", []string{"--from", "::nope", "--to", to}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runVecmig(t, dir, append(append([]string{}, env...), c.env...), append([]string{"verify"}, c.args...)...)
			mustExit(t, r, exitError)
			msg := strings.TrimSpace(r.stderr)
			if !strings.Contains(msg, c.want) {
				t.Errorf("error should contain %q, got:\n%s", c.want, msg)
			}
			if strings.Contains(msg, "wrong-key") || strings.Contains(msg, "right-key") {
				t.Errorf("error shows a secret: %s", msg)
			}
		})
	}
}
