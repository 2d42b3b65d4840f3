package main

// The Kubernetes manifests' own commands, run as local processes: pod i of
// the Indexed Job gets its environment as Kubernetes would build it (the
// completion index through the downward API, $(VAR) expanded, the API key
// files of the Secret), against real servers.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

func readManifest(t *testing.T, name string) *corev1.Container {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "k8s", name))
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &job.Spec.Template.Spec.Containers[0]
}

// pod is what a container of the manifest runs here: its endpoints,
// secrets and state directory replaced by local ones.
type pod struct {
	from, to, secrets, state string
}

func (p pod) args(c *corev1.Container) []string {
	var out []string
	for _, a := range c.Args {
		switch {
		case strings.HasPrefix(a, "--from="):
			a = "--from=" + p.from
		case strings.HasPrefix(a, "--to="):
			a = "--to=" + p.to
		case strings.HasPrefix(a, "--state="):
			a = "--state=" + filepath.Join(p.state, filepath.Base(strings.TrimPrefix(a, "--state=")))
		}
		out = append(out, a)
	}
	return out
}

// env builds the container's environment for completion index i.
func (p pod) env(t *testing.T, c *corev1.Container, i int) []string {
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	vars := map[string]string{}
	var out []string
	for _, e := range c.Env {
		v := e.Value
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil:
			v = fmt.Sprint(i)
		case e.ValueFrom != nil:
			t.Fatalf("env %s: only the completion index comes from elsewhere", e.Name)
		case strings.HasSuffix(e.Name, "_API_KEY_FILE"):
			v = filepath.Join(p.secrets, filepath.Base(v))
		}
		v = ref.ReplaceAllStringFunc(v, func(m string) string { return vars[ref.FindStringSubmatch(m)[1]] })
		vars[e.Name] = v
		out = append(out, e.Name+"="+v)
	}
	return out
}

func TestKubernetesJobs(t *testing.T) {
	// One server with an API key holds both collections: the key files
	// must be read (an empty key file is refused).
	q := qdranttest.Start(t, qdranttest.Options{APIKey: "k8s-secret-key"})
	q1, q2 := q, q
	const total = 4000
	p := pod{from: loadBig(t, q1, total), to: q2.Endpoint(q2.NewName(t, "k8s")), secrets: t.TempDir()}
	for name, key := range map[string]string{"from-api-key": q1.APIKey, "to-api-key": q2.APIKey} {
		if err := os.WriteFile(filepath.Join(p.secrets, name), []byte(key+"\n"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	mc := readManifest(t, "migrate-job.yaml")
	// N as the manifest gives it (deploy/k8s's test checks it is the
	// Job's completions).
	n, share := 0, ""
	for _, e := range mc.Env {
		if e.Name == partitionEnv {
			share = e.Value
		}
	}
	if _, err := fmt.Sscanf(share[strings.Index(share, "/")+1:], "%d", &n); err != nil || n < 2 {
		t.Fatalf("%s=%q in the manifest", partitionEnv, share)
	}
	codes := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pi := p
			pi.state = t.TempDir() // each pod's emptyDir
			cmd := exec.Command(vecmigBin, pi.args(mc)...)
			cmd.Env = append(os.Environ(), pi.env(t, mc, i)...)
			var so, se bytes.Buffer
			cmd.Stdout, cmd.Stderr = &so, &se
			cmd.Run()
			codes[i] = result{so.String(), se.String(), cmd.ProcessState.ExitCode()}
		}()
	}
	wg.Wait()
	for i, r := range codes {
		mustExit(t, r, 0)
		if !strings.Contains(r.stderr, fmt.Sprintf("--partition %d/%d", i, n)) {
			t.Errorf("pod %d did not copy share %d/%d:\n%s", i, i, n, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, q1.APIKey) || strings.Contains(r.stdout+r.stderr, q2.APIKey) {
			t.Errorf("pod %d printed an API key", i)
		}
	}
	vc := readManifest(t, "verify-job.yaml")
	cmd := exec.Command(vecmigBin, p.args(vc)...)
	cmd.Env = append(os.Environ(), p.env(t, vc, 0)...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("points compared %d: %d equal", total, total)) {
		t.Fatalf("the verify Job's command: %v\n%s", err, out)
	}
	assertCopied(t, p.from, p.to, q1.APIKey, q2.APIKey)
}
