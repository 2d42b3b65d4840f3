package qdrant_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/adaptertest"
	"github.com/vecmig/vecmig/adapters/qdrant/qdranttest"
)

func checkTarget(t *testing.T, sink adapters.Sink, def *adapters.Collection, onExists adapters.OnExists) []adapters.Finding {
	t.Helper()
	ck, ok := adapters.As[adapters.TargetChecker](sink)
	if !ok {
		t.Fatal("a Qdrant sink is not a TargetChecker")
	}
	fs, err := ck.CheckTarget(adaptertest.Ctx(t), def, onExists)
	if err != nil {
		t.Fatalf("CheckTarget: %v", err)
	}
	for _, f := range fs {
		if strings.Contains(f.Message, "\n") {
			t.Errorf("finding is not one line: %q", f.Message)
		}
	}
	return fs
}

// Under append, each way the existing collection differs is one finding,
// found before anything is written; Prepare refuses and the collection
// keeps its points.
func TestCheckTargetAppendMismatches(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, fx := loaded(t, tg, "qdrant_int_dense", 10) // 32-d Cosine, float32
	sink := openSink(t, url, config(tg))
	with := func(change func(*adapters.VectorSpec)) *adapters.Collection {
		def := fx.Def.Clone()
		v := def.Vectors[adapters.DefaultVector]
		change(&v)
		def.Vectors[adapters.DefaultVector] = v
		return def
	}
	for _, tc := range []struct {
		name string
		def  *adapters.Collection
		want []string
	}{
		{"dimension", with(func(v *adapters.VectorSpec) { v.Size = 16 }), []string{"the unnamed vector has 32 dimensions on the target and 16 on the source"}},
		{"distance", with(func(v *adapters.VectorSpec) { v.Distance = adapters.Dot }), []string{"the unnamed vector uses distance cosine on the target and dot on the source"}},
		{"datatype", with(func(v *adapters.VectorSpec) { v.Datatype = "uint8" }), []string{"the unnamed vector stores float32 on the target and uint8 on the source"}},
		{"all three", with(func(v *adapters.VectorSpec) { v.Size, v.Distance, v.Datatype = 16, adapters.Dot, "uint8" }), []string{
			"the unnamed vector has 32 dimensions", "the unnamed vector uses distance cosine", "the unnamed vector stores float32"}},
		{"names", &adapters.Collection{Engine: "qdrant", Vectors: map[string]adapters.VectorSpec{"text": {Kind: "dense", Size: 32}}}, []string{
			`the target's unnamed vector (dense, 32-d, cosine) does not exist on the source, which has "text"`,
			`the source's vector "text" (dense, 32-d) does not exist on the target, which has an unnamed vector`}},
		{"shard keys", func() *adapters.Collection {
			def := fx.Def.Clone()
			def.Partitioned, def.Partitions = true, []adapters.Partition{{Name: "eu"}}
			return def
		}(), []string{`the source has partitions (eu) and collection "vecmig_` + fx.Name}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := checkTarget(t, sink, tc.def, adapters.ExistsAppend)
			if len(fs) != len(tc.want) {
				t.Fatalf("%d findings, want %d: %v", len(fs), len(tc.want), fs)
			}
			for _, f := range fs {
				if f.Level != adapters.LevelError || !strings.Contains(f.Message, "use --on-exists recreate") {
					t.Errorf("finding %v: want an error saying what to do", f)
				}
				t.Log(f)
			}
			for _, w := range tc.want {
				found := false
				for _, f := range fs {
					found = found || strings.Contains(f.Message, w)
				}
				if !found {
					t.Errorf("no finding says %q: %v", w, fs)
				}
			}
			err := sink.Prepare(adaptertest.Ctx(t), tc.def, adapters.ExistsAppend)
			if adapters.KindOf(err) != adapters.KindIncompatible || !strings.Contains(err.Error(), fs[0].Message) {
				t.Errorf("Prepare = %v; want the first finding", err)
			}
		})
	}
	if n, err := openSource(t, url, config(tg)).Count(adaptertest.Ctx(t), ""); err != nil || n != 10 {
		t.Errorf("after the refused appends Count = %d, %v; want 10", n, err)
	}
	if fs := checkTarget(t, sink, fx.Def, adapters.ExistsAppend); len(fs) != 0 {
		t.Errorf("append the same definition: %v", fs)
	}
}

func TestCheckTargetExisting(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, fx := loaded(t, tg, "qdrant_int_dense", 10)
	sink := openSink(t, url, config(tg))
	fs := checkTarget(t, sink, fx.Def, adapters.ExistsFail)
	if len(fs) != 1 || fs[0].Kind != adapters.KindExists || !strings.HasSuffix(fs[0].Message, "exists on the target; use --on-exists append to write into it or recreate to replace it") {
		t.Errorf("under fail: %v", fs)
	}
	fs = checkTarget(t, sink, fx.Def, adapters.ExistsRecreate)
	if len(fs) != 1 || fs[0].Level != adapters.LevelNote || !strings.Contains(fs[0].Message, "(about 10 points) and will be deleted first") {
		t.Errorf("under recreate: %v", fs)
	}
	other := fx.Def.Clone()
	other.Engine, other.Native = "weaviate", nil
	fs = checkTarget(t, sink, other, adapters.ExistsRecreate)
	if len(adapters.ErrorFindings(fs)) != 1 || !strings.Contains(fs[0].Message, "cross-engine definition mapping is not supported yet") {
		t.Errorf("recreate from another engine's definition: %v", fs)
	}
	fresh := openSink(t, tg.Endpoint(tg.NewName(t, "fresh")), config(tg))
	if fs := checkTarget(t, fresh, fx.Def, adapters.ExistsFail); len(fs) != 0 {
		t.Errorf("a new collection: %v", fs)
	}
	if ok, err := fresh.Exists(adaptertest.Ctx(t)); err != nil || ok {
		t.Errorf("CheckTarget created the collection: %v, %v", ok, err)
	}
}

// A batch the server refuses is one line naming the point at fault, and
// the error value carries it.
func TestRejectedBatchIsOneLine(t *testing.T) {
	tg := qdranttest.Instance(t, 1)
	url, _ := loaded(t, tg, "qdrant_int_dense", 5)
	var bad []adapters.Point
	for i := 0; i < 50; i++ {
		dim := 32
		if i%10 == 3 {
			dim = 31
		}
		v := make([]float32, dim)
		v[0] = 1
		bad = append(bad, adapters.Point{ID: adapters.NumID(uint64(9000 + i)), Vectors: map[string]adapters.Vector{"": {Dense: v}}})
	}
	err := openSink(t, url, config(tg)).Write(adaptertest.Ctx(t), "", bad)
	var re *adapters.RejectedError
	if !errors.As(err, &re) || adapters.KindOf(err) != adapters.KindInvalid {
		t.Fatalf("write = %v; want a RejectedError of KindInvalid", err)
	}
	if !re.Whole || re.Total != 50 || len(re.Rejected) != 5 || re.Rejected[0].ID != adapters.NumID(9003) {
		t.Errorf("rejected = %+v; want the whole batch of 50, points 9003, 9013, ... at fault", re)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || len(msg) > 400 ||
		!strings.Contains(msg, "a batch of 50 points (ids 9000 to 9049) was rejected, none written; first: point 9003: vector (unnamed) has 31 dimensions, the collection 32 (also points 9013, 9023); and 2 more") {
		t.Errorf("message %q", msg)
	}
	t.Log(msg)
}
