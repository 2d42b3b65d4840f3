package main

// Round trips: Qdrant -> Weaviate -> Qdrant and Weaviate -> Qdrant ->
// Weaviate must give back the source (minus null payload values): the
// same ids, payload (integers and floats kept apart), vectors within
// tolerance and an equivalent definition.

import (
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
	"github.com/vecmig/vecmig/adapters/weaviate/weaviatetest"
	"github.com/vecmig/vecmig/verify"
)

// withoutNulls returns ps with every null payload value removed, at any
// depth of objects: what a trip through Weaviate keeps.
func withoutNulls(ps []adapters.Point) []adapters.Point {
	out := make([]adapters.Point, len(ps))
	for i, p := range ps {
		p.Payload = dropNulls(p.Payload)
		out[i] = p
	}
	return out
}

func dropNulls(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case nil:
		case map[string]any:
			out[k] = dropNulls(x)
		default:
			out[k] = v
		}
	}
	return out
}

// assertRoundTrip checks back holds what from holds, minus nulls, with
// the same vectors declared and the same partitions.
func assertRoundTrip(t *testing.T, from, back, key string) {
	t.Helper()
	sdef, src := readPartitions(t, from, key)
	bdef, got := readPartitions(t, back, key)
	if s, b := strings.Join(sdef.PartitionNames(), ","), strings.Join(bdef.PartitionNames(), ","); s != b {
		t.Errorf("partitions after the round trip are [%s], the source has [%s]", b, s)
	}
	for name, sv := range sdef.Vectors {
		bv, ok := bdef.Vectors[name]
		if !ok || sv.Kind != bv.Kind || sv.Size != bv.Size || sv.Distance != bv.Distance {
			t.Errorf("vector %q after the round trip is %+v (declared: %v), the source has %+v", name, bv, ok, sv)
		}
	}
	for name := range bdef.Vectors {
		if _, ok := sdef.Vectors[name]; !ok {
			t.Errorf("vector %q appeared in the round trip", name)
		}
	}
	// Qdrant stores cosine vectors scaled to unit length: a round trip
	// through it keeps their direction.
	want := sdef.Clone()
	for name, v := range want.Vectors {
		v.Normalized = v.Normalized || v.Distance == adapters.Cosine
		want.Vectors[name] = v
	}
	c := &verify.Comparer{Src: want, Dst: bdef, Tol: crossTolerance}
	for part, ps := range src {
		if len(got[part]) != len(ps) {
			t.Errorf("partition %q: %d points after the round trip, the source has %d", part, len(got[part]), len(ps))
		}
		adaptertest.AssertPoints(t, c, withoutNulls(ps), got[part])
	}
}

// assertSameIndexes checks two Qdrant collections index the same payload
// fields with the same types.
func assertSameIndexes(t *testing.T, q *qdranttest.Node, a, b string) {
	t.Helper()
	cl, ctx := q.Client(t), adaptertest.Ctx(t)
	ia, err := cl.GetCollectionInfo(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := cl.GetCollectionInfo(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	for f, s := range ia.GetPayloadSchema() {
		if g, ok := ib.GetPayloadSchema()[f]; !ok || g.GetDataType() != s.GetDataType() {
			t.Errorf("payload index %q after the round trip: %v (present: %v), the source has %v", f, g.GetDataType(), ok, s.GetDataType())
		}
	}
	for f, s := range ib.GetPayloadSchema() {
		if _, ok := ia.GetPayloadSchema()[f]; !ok {
			t.Errorf("payload index %q (%v) appeared in the round trip", f, s.GetDataType())
		}
	}
}

// assertSameClassTypes checks two Weaviate classes have the same
// properties with the same data types, nested ones included.
func assertSameClassTypes(t *testing.T, w1 *weaviatetest.Node, a, b string) {
	t.Helper()
	ta, tb := map[string]string{}, map[string]string{}
	propTypes(readClass(t, w1, a).Properties, "", ta, map[string]string{})
	propTypes(readClass(t, w1, b).Properties, "", tb, map[string]string{})
	for p, typ := range ta {
		if tb[p] != typ {
			t.Errorf("property %q after the round trip has data type %q, the source has %q", p, tb[p], typ)
		}
	}
	for p, typ := range tb {
		if _, ok := ta[p]; !ok {
			t.Errorf("property %q (%s) appeared in the round trip", p, typ)
		}
	}
}

func TestCrossEngineRoundTripQdrant(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey, "VECMIG_TO_API_KEY=" + q.APIKey}
	cases := []struct {
		fx   crossFixture
		back []string // flags of the way back
	}{
		{qdrantRich(150), nil},
		{qdrantNamedVectors(150, false), nil},
		{qdrantShardKeys(150), []string{"--tenants-as", "shard-key"}},
	}
	for _, c := range cases {
		t.Run(c.fx.Name, func(t *testing.T) {
			from := loadQdrant(t, q, c.fx.Fixture)
			mid := w.Endpoint(newClass(t, w, c.fx.Name))
			backColl := q.NewName(t, "back")
			back := q.Endpoint(backColl)
			mustExit(t, runVecmig(t, t.TempDir(), env, "migrate", "--from", from, "--to", mid), 0)
			mustExit(t, runVecmig(t, t.TempDir(), env, append([]string{"migrate", "--from", mid, "--to", back, "--verify", "full"}, c.back...)...), 0)
			assertRoundTrip(t, from, back, q.APIKey)
			ep, err := adapters.ParseEndpoint(from)
			if err != nil {
				t.Fatal(err)
			}
			assertSameIndexes(t, q, ep.Name, backColl)
		})
	}
}

func TestCrossEngineRoundTripWeaviate(t *testing.T) {
	q, w := qdranttest.Instance(t, 1), weaviateNode(t, 1)
	env := []string{"VECMIG_FROM_API_KEY=" + q.APIKey, "VECMIG_TO_API_KEY=" + q.APIKey}
	fxs := adaptertest.WeaviateFixtures(150)
	cases := []struct {
		name, fx    string
		there, back []string // flags of each way
	}{
		{"plain", "plain", nil, nil},
		{"named", "named", nil, nil},
		{"tenants as shard keys", "tenants", []string{"--tenants-as", "shard-key"}, nil},
		{"tenants in a payload field", "tenants", []string{"--tenants-as", "payload", "--tenant-field", "org"}, []string{"--tenants-as", "payload", "--tenant-field", "org"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from := loadWeaviate(t, w, adaptertest.FixtureNamed(t, fxs, c.fx))
			mid := q.Endpoint(q.NewName(t, c.fx))
			backClass := newClass(t, w, "back")
			back := w.Endpoint(backClass)
			mustExit(t, runVecmig(t, t.TempDir(), env, append([]string{"migrate", "--from", from, "--to", mid}, c.there...)...), 0)
			mustExit(t, runVecmig(t, t.TempDir(), env, append([]string{"migrate", "--from", mid, "--to", back, "--verify", "full"}, c.back...)...), 0)
			assertRoundTrip(t, from, back, "")
			ep, err := adapters.ParseEndpoint(from)
			if err != nil {
				t.Fatal(err)
			}
			assertSameClassTypes(t, w, ep.Name, backClass)
		})
	}
}
