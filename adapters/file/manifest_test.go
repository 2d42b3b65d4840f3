package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/file"
)

// TestHostileManifestRefused: a manifest.json whose partition names a file
// outside the dump (../../victim, an absolute path) is refused by every
// reader and writer before any file is read, written or removed.
func TestHostileManifestRefused(t *testing.T) {
	root := t.TempDir()
	victim := filepath.Join(root, "victim.jsonl")
	const precious = `{"id":1}` + "\n"
	hostile := []string{"../../victim.jsonl", victim, "../dump/../../victim.jsonl", "..", `..\..\victim.jsonl`, "manifest.json"}
	for i, name := range hostile {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			if err := os.WriteFile(victim, []byte(precious), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(root, fmt.Sprintf("x%d", i), "dump")
			writeHostileManifest(t, dir, name)
			for what, err := range useDump(t, "file://"+dir) {
				if err == nil || !strings.Contains(err.Error(), "not a plain file name in the dump directory") {
					t.Errorf("%s with points file %q: error %v; want a refusal naming the file", what, name, err)
				}
			}
			if b, err := os.ReadFile(victim); err != nil || string(b) != precious {
				t.Errorf("points file %q: the file outside the dump was changed or removed (%q, %v)", name, b, err)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("points file %q: the dump directory holds %d entries, want only the manifest", name, len(ents))
			}
		})
	}
}

// writeHostileManifest writes a complete manifest naming points file name.
func writeHostileManifest(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	m := fmt.Sprintf(`{"format":"vecmig-dump","version":1,"complete":true,"created":"2024-03-01T12:00:00Z",
 "collection":{"engine":"qdrant","name":"hostile","vectors":{"":{"kind":"dense","size":2}}},
 "partitions":[{"name":"","file":%q,"count":1,"sha256":""}]}`, name)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
}

// useDump reads, inspects and prepares writes (append and recreate) into
// url, returning each one's error.
func useDump(t *testing.T, url string) map[string]error {
	ctx := adaptertest.Ctx(t)
	errs := map[string]error{}
	src, err := reg.OpenSource(ctx, url, adapters.Config{})
	if err == nil {
		_, err = src.Describe(ctx)
		if err == nil {
			_, err = adaptertest.ReadAll(ctx, src, "", 10)
		}
		src.Close()
	}
	errs["read"] = err
	ep, _ := adapters.ParseEndpoint(url)
	_, errs["inspect"] = file.Inspect(ctx, ep)
	for _, how := range []adapters.OnExists{adapters.ExistsAppend, adapters.ExistsRecreate} {
		errs["write ("+string(how)+")"] = prepareSink(ctx, url, how)
	}
	return errs
}

func prepareSink(ctx context.Context, url string, how adapters.OnExists) error {
	sink, err := reg.OpenSink(ctx, url, adapters.Config{})
	if err != nil {
		return err
	}
	defer sink.Close()
	def := &adapters.Collection{Engine: "qdrant", Name: "hostile", Vectors: map[string]adapters.VectorSpec{"": {Kind: "dense", Size: 2}}}
	return sink.Prepare(ctx, def, how)
}
