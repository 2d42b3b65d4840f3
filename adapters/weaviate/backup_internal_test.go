package weaviate

import (
	"errors"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// The cleanup commands printed after an unfinished restore work on a
// server with authentication, and never hold the key.
func TestRestoreUnfinishedCurlAuth(t *testing.T) {
	const key = "s3cret-key-value"
	for _, k := range []adapters.Secret{adapters.NewSecret(key), {}} {
		m := &BackupMigration{Target: &BackupClient{base: "http://127.0.0.1:8080", hostURL: "weaviate://127.0.0.1:8080", key: k},
			Backend: "filesystem", ID: "b1", Classes: []string{"A", "B"}}
		msg := m.restoreUnfinished(errors.New("lost")).Error()
		auth := `curl -X DELETE -H "Authorization: Bearer $VECMIG_API_KEY" http://127.0.0.1:8080/v1/schema/B`
		if strings.Contains(msg, key) {
			t.Fatalf("the advice shows the API key: %s", msg)
		}
		if k.IsSet() != strings.Contains(msg, auth) || !strings.Contains(msg, "http://127.0.0.1:8080/v1/schema/A") {
			t.Errorf("advice (key set %v): %s\nwant curl commands for A and B, with %q exactly when a key is set", k.IsSet(), msg, `-H "Authorization: Bearer $VECMIG_API_KEY"`)
		}
	}
}
