// Package k8s_test checks the Kubernetes manifests in this directory
// against the official Kubernetes Go types (no cluster runs here): every
// field must be one the API knows, and the Jobs must say what the README
// promises.
package k8s_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// readJob decodes a manifest strictly: an unknown or misspelt field fails.
func readJob(t *testing.T, path string) *batchv1.Job {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("%s is not a valid batch/v1 Job: %v", path, err)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Fatalf("%s: apiVersion %q kind %q, want batch/v1 Job", path, job.APIVersion, job.Kind)
	}
	if n := len(job.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%s: %d containers, want 1", path, n)
	}
	return &job
}

func container(j *batchv1.Job) *corev1.Container { return &j.Spec.Template.Spec.Containers[0] }

// flag returns the value of --name=value in args ("" when absent).
func flag(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

func env(c *corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

const indexAnnotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']"

// partitionCount checks VECMIG_PARTITION is "$(INDEX)/N", INDEX this
// pod's completion index, and returns N.
func partitionCount(t *testing.T, c *corev1.Container) int {
	t.Helper()
	p := env(c, "VECMIG_PARTITION")
	if p == nil {
		t.Fatal("the migrate Job sets no VECMIG_PARTITION")
	}
	m := regexp.MustCompile(`^\$\(([A-Z_]+)\)/([0-9]+)$`).FindStringSubmatch(p.Value)
	if m == nil {
		t.Fatalf("VECMIG_PARTITION = %q, want $(INDEX_VAR)/N", p.Value)
	}
	if m[1] != "JOB_COMPLETION_INDEX" {
		idx := env(c, m[1])
		if idx == nil || idx.ValueFrom == nil || idx.ValueFrom.FieldRef == nil || idx.ValueFrom.FieldRef.FieldPath != indexAnnotation {
			t.Fatalf("VECMIG_PARTITION uses $(%s), which is not the pod's completion index (%s)", m[1], indexAnnotation)
		}
		for _, e := range c.Env {
			if e.Name == "VECMIG_PARTITION" {
				t.Fatalf("$(%s) is defined after VECMIG_PARTITION; Kubernetes expands only variables defined before", m[1])
			}
			if e.Name == m[1] {
				break
			}
		}
	}
	n, _ := strconv.Atoi(m[2])
	return n
}

// assertSecrets checks API keys come from a Secret: key files on a Secret
// volume, or variables from secretKeyRef; never a literal.
func assertSecrets(t *testing.T, j *batchv1.Job) {
	t.Helper()
	c := container(j)
	for _, a := range c.Args {
		if strings.Contains(a, "api-key") {
			t.Errorf("%s: API key given on the command line (%q)", j.Name, a)
		}
	}
	secretMounts := map[string]bool{}
	for _, v := range j.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			for _, m := range c.VolumeMounts {
				if m.Name == v.Name {
					secretMounts[m.MountPath] = true
				}
			}
		}
	}
	found := 0
	for _, e := range c.Env {
		switch {
		case strings.HasSuffix(e.Name, "_API_KEY_FILE"):
			dir := e.Value[:strings.LastIndex(e.Value, "/")]
			if !secretMounts[dir] {
				t.Errorf("%s: %s=%s is not on a volume from a Secret", j.Name, e.Name, e.Value)
			}
			found++
		case strings.HasSuffix(e.Name, "_API_KEY"):
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("%s: %s is not taken from a Secret", j.Name, e.Name)
			}
			found++
		}
	}
	if found != 2 {
		t.Errorf("%s: %d API key settings, want one for each side", j.Name, found)
	}
}

func TestMigrateJob(t *testing.T) {
	j := readJob(t, "migrate-job.yaml")
	s := j.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode %v, want Indexed", s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil || *s.Completions != *s.Parallelism {
		t.Fatalf("completions %v and parallelism %v must be set and equal: every share runs at once", s.Completions, s.Parallelism)
	}
	c := container(j)
	if n := partitionCount(t, c); int32(n) != *s.Completions {
		t.Errorf("the command copies shares of %d, but the Job runs %d pods", n, *s.Completions)
	}
	if len(c.Args) == 0 || c.Args[0] != "migrate" || flag(c.Args, "partition") != "" {
		t.Errorf("args %q: want migrate, with the share from VECMIG_PARTITION only", c.Args)
	}
	if flag(c.Args, "on-exists") != "append" {
		t.Errorf("args %q: --partition needs --on-exists=append", c.Args)
	}
	state := flag(c.Args, "state")
	onVolume := false
	for _, m := range c.VolumeMounts {
		for _, v := range j.Spec.Template.Spec.Volumes {
			if v.Name == m.Name && strings.HasPrefix(state, m.MountPath+"/") && (v.EmptyDir != nil || v.PersistentVolumeClaim != nil) {
				onVolume = true
			}
		}
	}
	if !onVolume {
		t.Errorf("--state=%q is not on an emptyDir or PVC volume", state)
	}
	if p := j.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy %q: OnFailure keeps the pod, and so the state on its emptyDir, across retries", p)
	}
	assertSecrets(t, j)
}

func TestVerifyJob(t *testing.T) {
	m, v := readJob(t, "migrate-job.yaml"), readJob(t, "verify-job.yaml")
	mc, vc := container(m), container(v)
	if mc.Image != vc.Image || vc.Image == "" || !strings.Contains(vc.Image, ":") || strings.HasSuffix(vc.Image, ":latest") {
		t.Errorf("images %q and %q: want one image, pinned to a version", mc.Image, vc.Image)
	}
	if len(vc.Args) == 0 || vc.Args[0] != "verify" {
		t.Fatalf("verify Job args %q", vc.Args)
	}
	if flag(vc.Args, "partition") != "" || env(vc, "VECMIG_PARTITION") != nil {
		t.Errorf("the verify Job must check the whole collection, not a share: %q", vc.Args)
	}
	if mode := flag(vc.Args, "mode"); mode != "full" && mode != "digest" {
		t.Errorf("verify --mode=%q: the final check reads every point (full or digest)", mode)
	}
	for _, f := range []string{"from", "to"} {
		if flag(vc.Args, f) == "" || flag(vc.Args, f) != flag(mc.Args, f) {
			t.Errorf("--%s: migrate %q, verify %q", f, flag(mc.Args, f), flag(vc.Args, f))
		}
	}
	if v.Spec.CompletionMode != nil && *v.Spec.CompletionMode == batchv1.IndexedCompletion || v.Spec.Completions == nil || *v.Spec.Completions != 1 {
		t.Errorf("the verify Job runs one pod")
	}
	if p := v.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
		t.Errorf("verify restartPolicy %q, want Never", p)
	}
	assertSecrets(t, v)
}

// TestStrictDecoding proves readJob's check can fail: a misspelt field.
func TestStrictDecoding(t *testing.T) {
	b, err := os.ReadFile("migrate-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), "completionMode:", "completionMod:", 1)
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(bad), &job); err == nil {
		t.Fatal("a misspelt field was accepted")
	}
}
