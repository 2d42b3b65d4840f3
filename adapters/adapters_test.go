package adapters_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

func TestIDOrderIsQdrantScrollOrder(t *testing.T) {
	ids := []adapters.ID{
		adapters.MustParseID("ffffffff-0000-4000-8000-000000000000"),
		adapters.NumID(10),
		adapters.MustParseID("00000000-0000-4000-8000-000000000001"),
		adapters.NumID(2),
		adapters.NumID(1 << 63),
		adapters.MustParseID("0A000000-0000-4000-8000-000000000000"),
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Less(ids[j]) })
	var got []string
	for _, id := range ids {
		got = append(got, id.String())
	}
	want := "2 10 9223372036854775808 00000000-0000-4000-8000-000000000001 0a000000-0000-4000-8000-000000000000 ffffffff-0000-4000-8000-000000000000"
	if strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s (integers ascending, then UUIDs by bytes = lowercase string order)", got, want)
	}
}

func TestIDParseAndJSON(t *testing.T) {
	for _, s := range []string{"0", "18446744073709551615", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6BA7B8109DAD11D180B400C04FD430C8"} {
		id, err := adapters.ParseID(s)
		if err != nil {
			t.Fatalf("ParseID(%q): %v", s, err)
		}
		b, _ := json.Marshal(id)
		var back adapters.ID
		if err := json.Unmarshal(b, &back); err != nil || back != id {
			t.Errorf("JSON round trip of %s: %s -> %v, %v", s, b, back, err)
		}
		if id.IsUUID() != (len(s) > 20) {
			t.Errorf("%s: IsUUID = %v", s, id.IsUUID())
		}
	}
	if b, _ := json.Marshal(adapters.NumID(7)); string(b) != "7" {
		t.Errorf("integer id marshals as %s, want a JSON number", b)
	}
	for _, bad := range []string{"", "-1", "1.5", "abc", "6ba7b810-9dad-11d1-80b4-00c04fd430c"} {
		if _, err := adapters.ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted a bad id", bad)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	cases := []struct {
		raw                          string
		scheme, host, name, hostport string
	}{
		{"qdrant://db.internal/docs", "qdrant", "db.internal", "docs", "db.internal:6334"},
		{"qdrant://10.0.0.1:7334/docs?rest_port=7333", "qdrant", "10.0.0.1", "docs", "10.0.0.1:7334"},
		{"weaviate://[::1]:8081/Article?grpc_port=50052", "weaviate", "::1", "Article", "[::1]:8081"},
		{"file:///var/backups/docs", "file", "", "/var/backups/docs", ""},
		{"file://relative/dir", "file", "", "relative/dir", ""},
	}
	for _, c := range cases {
		ep, err := adapters.ParseEndpoint(c.raw)
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		if ep.Scheme != c.scheme || ep.Host != c.host || ep.Name != c.name {
			t.Errorf("%s: got %s %s %s", c.raw, ep.Scheme, ep.Host, ep.Name)
		}
		if c.hostport != "" && ep.HostPort(6334) != c.hostport && ep.HostPort(8080) != c.hostport {
			t.Errorf("%s: HostPort = %s", c.raw, ep.HostPort(6334))
		}
		if strings.Contains(ep.String(), "?") {
			t.Errorf("%s: String() keeps the query: %s", c.raw, ep)
		}
	}
	for _, bad := range []string{"docs", "qdrant:///docs", "qdrant://h:99999/docs", "qdrant://h:6334/", "qdrant://h/a/b", "qdrant://user:key@h/docs", "file://"} {
		if _, err := adapters.ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q) accepted a bad URL", bad)
		} else if strings.Contains(err.Error(), "key@") {
			t.Errorf("error repeats the credentials: %v", err)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := adapters.NewSecret("hunter2")
	cfg := adapters.Config{APIKey: s}
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %s %+v %#v", s, s, cfg, cfg), fmt.Errorf("x: %v", s).Error(),
	} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("secret printed: %s", out)
		}
	}
	b, _ := json.Marshal(cfg)
	if strings.Contains(string(b), "hunter2") {
		t.Errorf("secret in JSON: %s", b)
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal lost the key")
	}
}

func TestFingerprintIgnoresNameAndStatuses(t *testing.T) {
	def := func(name, status string) *adapters.Collection {
		return &adapters.Collection{
			Engine: "weaviate", Name: name, Partitioned: true,
			Vectors:    map[string]adapters.VectorSpec{"": {Kind: "dense", Distance: adapters.Cosine}},
			Partitions: []adapters.Partition{{Name: "b", Status: status}, {Name: "a", Status: "HOT"}},
			Native:     json.RawMessage(`{"class":"X"}`),
		}
	}
	if def("A", "COLD").Fingerprint() != def("B", "HOT").Fingerprint() {
		t.Error("fingerprint changes with the name or a tenant's status, which vecmig itself changes")
	}
	other := def("A", "HOT")
	other.Partitions = append(other.Partitions, adapters.Partition{Name: "c"})
	if other.Fingerprint() == def("A", "HOT").Fingerprint() {
		t.Error("fingerprint ignores an added partition")
	}
}

func TestNormalizeValueKeepsIntegersAndFloatsApart(t *testing.T) {
	got, err := adapters.NormalizeValue(map[string]any{
		"i": json.Number("9007199254740993"), "f": json.Number("2.0"), "n": 3, "list": []any{json.Number("1"), nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if m["i"] != int64(9007199254740993) || m["f"] != 2.0 || m["n"] != int64(3) {
		t.Errorf("normalised %#v", m)
	}
	if _, ok := m["f"].(float64); !ok {
		t.Errorf("2.0 became %T, want float64", m["f"])
	}
	if _, err := adapters.NormalizeValue(struct{}{}); err == nil {
		t.Error("a non-JSON value was accepted")
	}
}

// One parser serves collection URLs and bare servers.
func TestParseServer(t *testing.T) {
	ep, err := adapters.ParseServer("qdrant://db:6334?rest_port=7333")
	if err != nil || ep.Name != "" || ep.String() != "qdrant://db:6334" || ep.Query.Get("rest_port") != "7333" {
		t.Errorf("ParseServer(bare) = %+v, %v", ep, err)
	}
	ep, err = adapters.ParseServer("weaviate://db:8080/Docs")
	if err != nil || ep.Name != "Docs" {
		t.Errorf("ParseServer(with class) = %+v, %v", ep, err)
	}
	if _, err := adapters.ParseEndpoint("qdrant://db:6334"); err == nil {
		t.Error("ParseEndpoint took a URL without a collection")
	}
	if _, err := adapters.ParseServer("qdrant://key@db:6334"); err == nil {
		t.Error("ParseServer took a key from the URL")
	}
}
