package migrate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vecmig/vecmig/migrate"
)

// TestStateFileIsPrivate: a state file names the endpoints of a run; Save
// makes it 0600, also over an older state file someone made readable.
func TestStateFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.state.json")
	st := migrate.NewState("qdrant://a:6334/x", "qdrant://b:6334/x", "live", "fp", []string{""})
	for _, before := range []os.FileMode{0, 0o644} {
		if before != 0 {
			os.Chmod(path, before)
		}
		if err := st.Save(path); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("state file saved over mode %o has mode %o, want 600", before, fi.Mode().Perm())
		}
	}
}
