package main

// The plan's sample reads (vector dimensions, NaN check) never change a
// source tenant's activity status, in one run or in partitioned runs.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
)

// autoActivatedTenants loads the "tenants" fixture (alpha, beta, gamma)
// into a class with autoTenantActivation, alpha and beta COLD: the first
// tenants by name are the inactive ones, which a plain read activates.
func autoActivatedTenants(t *testing.T, w *weaviatetest.Node) (string, adaptertest.Fixture) {
	t.Helper()
	fx := adaptertest.FixtureNamed(t, adaptertest.WeaviateFixtures(60), "tenants")
	fx.Def = fx.Def.Clone()
	native := strings.Replace(string(fx.Def.Native), `"multiTenancyConfig": {"enabled": true}`,
		`"multiTenancyConfig": {"enabled": true, "autoTenantActivation": true}`, 1)
	fx.Def.Native = json.RawMessage(native)
	for i, p := range fx.Def.Partitions {
		fx.Def.Partitions[i].Status = map[string]string{"alpha": "COLD", "beta": "COLD", "gamma": "HOT"}[p.Name]
	}
	from := loadWeaviate(t, w, fx)
	class := from[strings.LastIndex(from, "/")+1:]
	if i := strings.IndexAny(class, "?#"); i >= 0 {
		class = class[:i]
	}
	var got struct {
		MT struct {
			Auto bool `json:"autoTenantActivation"`
		} `json:"multiTenancyConfig"`
	}
	if err := json.Unmarshal(mustREST(t, w, http.MethodGet, "/v1/schema/"+class, nil), &got); err != nil || !got.MT.Auto {
		t.Fatalf("class %s: autoTenantActivation %v (%v), want true", class, got.MT.Auto, err)
	}
	want := map[string]string{"alpha": "COLD", "beta": "COLD", "gamma": "HOT"}
	if st := tenantStatuses(t, from); !reflect.DeepEqual(st, want) {
		t.Fatalf("source tenants %v before the copy, want %v", st, want)
	}
	return from, fx
}

// TestSampleKeepsTenantStatuses copies to Qdrant (the dimension is not in
// Weaviate's schema: the plan reads it from objects) a class whose first
// tenants are COLD with autoTenantActivation, in one run and in two
// partitioned runs (one shard key per tenant: share 1 waits for share 0
// to create them all): every point is copied and every tenant keeps its
// status.
func TestSampleKeepsTenantStatuses(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	vectors := map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 16, Distance: adapters.Euclid}}
	env := []string{"VECMIG_TO_API_KEY=" + q.APIKey}

	t.Run("one run", func(t *testing.T) {
		from, fx := autoActivatedTenants(t, w)
		before := tenantStatuses(t, from)
		coll := q.NewName(t, "sampled")
		mustExit(t, runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", q.Endpoint(coll)), 0)
		if got := tenantStatuses(t, from); !reflect.DeepEqual(got, before) {
			t.Errorf("source tenants %v after the copy, were %v", got, before)
		}
		def, got := readPartitions(t, q.Endpoint(coll)+"&tenant_field=tenant", q.APIKey)
		assertVectorSpecs(t, def, vectors)
		assertHolds(t, def, got, fx.Points, vectors)
	})
	// Shard keys are created by share 0 for every tenant; tenants in a
	// payload field (the default) appear only as each share writes its
	// own, so share 1 must not wait for the others' (it once waited 30
	// minutes for them).
	for _, layout := range []string{"shard-key", "payload"} {
		t.Run("two partitioned runs, "+layout, func(t *testing.T) {
			from, fx := autoActivatedTenants(t, w)
			before := tenantStatuses(t, from)
			coll := q.NewName(t, "shared")
			runSharesBounded(t, 2, env, "migrate", "--from", from, "--to", q.Endpoint(coll), "--on-exists", "append", "--tenants-as", layout)
			if got := tenantStatuses(t, from); !reflect.DeepEqual(got, before) {
				t.Errorf("source tenants %v after the copy, were %v", got, before)
			}
			to := q.Endpoint(coll)
			if layout == "payload" {
				to += "&tenant_field=tenant"
			}
			def, got := readPartitions(t, to, q.APIKey)
			assertVectorSpecs(t, def, vectors)
			assertHolds(t, def, got, fx.Points, vectors)
		})
	}
}

// runSharesBounded runs n shares at once, each stopped with SIGQUIT (a
// goroutine dump on its stderr) if it has not ended within a minute.
func runSharesBounded(t *testing.T, n int, env []string, args ...string) []string {
	t.Helper()
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, vecmigBin, args...)
			cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
			cmd.Dir = t.TempDir()
			cmd.Env = append(append(os.Environ(), env...), fmt.Sprintf("VECMIG_PARTITION=%d/%d", i, n))
			var se bytes.Buffer
			cmd.Stderr = &se
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Sprintf("%v: %s", err, se.String())
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("share %d/%d: %s", i, n, e)
		}
	}
	return errs
}
