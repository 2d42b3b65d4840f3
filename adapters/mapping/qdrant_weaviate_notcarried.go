package mapping

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
)

// Every Qdrant setting is listed in the report unless the class carries
// it: the config is walked leaf by leaf (so a setting added by a newer
// Qdrant is listed too), and the leaves the class carries are left out.

// qwCarried match config leaves the class carries over.
var qwCarried = []*regexp.Regexp{
	regexp.MustCompile(`^params\.vectors_config\.(params|params_map\.map\.[^.]+)\.(size|distance|multivector_config\.comparator)$`),
	regexp.MustCompile(`(^|\.)hnsw_config\.(m|ef_construct)$`),
	regexp.MustCompile(`(^|\.)quantization_config\.scalar\.type$`),
}

func (t *qwTranslator) notCarried() {
	cfg := t.native.Config
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(cfg)
	if err != nil {
		t.report.NotCarried = append(t.report.NotCarried, fmt.Sprintf("the collection's settings could not be listed: %v", err))
		return
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.report.NotCarried = append(t.report.NotCarried, fmt.Sprintf("the collection's settings could not be listed: %v", err))
		return
	}
	var leaves []string
	flatten("", tree, &leaves)
	for _, l := range leaves {
		if line := t.notCarriedLine(l); line != "" {
			t.report.NotCarried = append(t.report.NotCarried, line)
		}
	}
	t.payloadIndexParams()
	if len(t.native.Aliases) > 0 {
		t.report.NotCarried = append(t.report.NotCarried, fmt.Sprintf("aliases = %s (create Weaviate aliases by hand if needed)", strings.Join(t.native.Aliases, ", ")))
	}
	for _, u := range t.native.Unmapped {
		t.report.NotCarried = append(t.report.NotCarried, u+" (a setting this vecmig cannot read)")
	}
}

// notCarriedLine is the report line of one "path = value" leaf, "" when
// the class carries it.
func (t *qwTranslator) notCarriedLine(leaf string) string {
	path, value, _ := strings.Cut(leaf, " = ")
	for _, re := range qwCarried {
		if re.MatchString(path) {
			return ""
		}
	}
	switch {
	case path == "params.sharding_method" && t.def.Partitioned:
		return "" // custom shard keys become tenants
	case strings.HasSuffix(path, ".datatype") && value != "Float32":
		return leaf + " (Weaviate stores float32)"
	}
	return leaf
}

// payloadIndexParams lists the payload index parameters (tokenizer,
// on_disk, ...) the class has no counterpart for.
func (t *qwTranslator) payloadIndexParams() {
	fields := make([]string, 0, len(t.native.PayloadSchema))
	for f := range t.native.PayloadSchema {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(t.native.PayloadSchema[f].GetParams())
		if err != nil {
			continue
		}
		var tree any
		if json.Unmarshal(raw, &tree) != nil {
			continue
		}
		var leaves []string
		flatten("", tree, &leaves)
		for _, l := range leaves {
			t.report.NotCarried = append(t.report.NotCarried, fmt.Sprintf("payload index %q: %s", f, l))
		}
	}
}

// flatten lists the leaves of a JSON tree as "a.b = value", sorted.
func flatten(prefix string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x[k], out)
		}
	default:
		b, _ := json.Marshal(x)
		s := string(b)
		if str, ok := x.(string); ok {
			s = str
		}
		*out = append(*out, prefix+" = "+s)
	}
}
