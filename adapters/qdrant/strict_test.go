package qdrant_test

import (
	"encoding/json"
	"net/http"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

// restConfig reads a collection's config as the REST API reports it.
func restConfig(t *testing.T, tg *qdranttest.Node, name string) map[string]json.RawMessage {
	t.Helper()
	resp, err := http.Get(tg.RESTURL() + "/collections/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Result struct {
			Config map[string]json.RawMessage `json:"config"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /collections/%s: %s, %v", name, resp.Status, err)
	}
	return body.Result.Config
}

// A copy carries strict mode exactly as the source has it: none when the
// source has none (sending {"enabled": false} would add a block a real
// Qdrant reports from then on), and the source's settings when it has some.
func TestStrictModeCopiedAsIs(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	ctx := adaptertest.Ctx(t)
	cases := map[string]*qc.StrictModeConfig{
		"none":    nil,
		"enabled": {Enabled: qc.PtrOf(true), MaxQueryLimit: qc.PtrOf(uint32(100))},
	}
	for name, strict := range cases {
		t.Run(name, func(t *testing.T) {
			src := tg.NewName(t, "strict_"+name)
			err := tg.Client(t).CreateCollection(ctx, &qc.CreateCollection{CollectionName: src,
				VectorsConfig:    qc.NewVectorsConfig(&qc.VectorParams{Size: 4, Distance: qc.Distance_Dot}),
				StrictModeConfig: strict})
			if err != nil {
				t.Fatal(err)
			}
			def := describe(t, tg.Endpoint(src), config(tg))
			dst := tg.NewName(t, "strict_"+name+"_copy")
			d := *def
			d.Name = dst
			if err := openSink(t, tg.Endpoint(dst), config(tg)).Prepare(ctx, &d, adapters.ExistsFail); err != nil {
				t.Fatal(err)
			}
			a, b := restConfig(t, tg, src)["strict_mode_config"], restConfig(t, tg, dst)["strict_mode_config"]
			if string(a) != string(b) {
				t.Errorf("strict_mode_config of the source %s, of the copy %s", a, b)
			}
			if strict == nil && b != nil {
				t.Errorf("the copy gained strict_mode_config %s that the source does not have", b)
			}
		})
	}
}
