package migrate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/file"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/migrate"
)

// A dump damaged midway fails its reader while writers have batches in
// flight to a real Qdrant; the writers then end with "context canceled".
// The run must report the dump's problem, the first cause. migrate.Run
// skips the plan (which would find the damage before writing), so the
// damage is met while copying.
func TestDamagedDumpReportsTheDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(data []byte) []byte
		want   string
	}{
		// A digit changed: every line still decodes, and the checksum
		// fails once the file is read to its end.
		{"altered", func(b []byte) []byte {
			i := len(b)/2 + bytes.IndexAny(b[len(b)/2:], "123456789")
			b[i] = '0' + (b[i]-'0'+1)%10
			return b
		}, "its sha256 is"},
		// Garbage midway: decoding stops there.
		{"garbled", func(b []byte) []byte {
			i := len(b)/2 + bytes.IndexByte(b[len(b)/2:], '\n') + 1
			copy(b[i:], "{{{{ not json }}}}")
			return b
		}, "cannot be decoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := adapters.NewRegistry(qdrant.Driver(), file.Driver())
			dir := t.TempDir()
			adaptertest.Load(t, reg, adapters.Config{}, "file://"+dir+"?compress=none", adaptertest.QdrantFixtures(4000)[0])
			data := filepath.Join(dir, "points.jsonl")
			b, err := os.ReadFile(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(data, tc.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}

			ctx := adaptertest.Ctx(t)
			q := qdranttest.Instance(t, 2)
			src := adaptertest.OpenSource(t, reg, "file://"+dir, adapters.Config{})
			dst := adaptertest.OpenSink(t, reg, q.Endpoint(q.NewName(t, "damaged")), adapters.Config{APIKey: adapters.NewSecret(q.APIKey)})
			_, err = migrate.Run(ctx, src, dst, migrate.Options{BatchSize: 20, Workers: 8, StatePath: filepath.Join(t.TempDir(), "state.json")})
			if err == nil {
				t.Fatal("a damaged dump was copied without an error")
			}
			msg := err.Error()
			if strings.Contains(msg, "canceled") || !strings.Contains(msg, "points file points.jsonl is damaged") || !strings.Contains(msg, tc.want) {
				t.Fatalf("error: %v\nwant the dump's damage (%q), not a cancellation", err, tc.want)
			}
			if adapters.KindOf(err) != adapters.KindInvalid {
				t.Errorf("kind %v; want KindInvalid, the dump's", adapters.KindOf(err))
			}
		})
	}
}
