package adapters

import (
	"context"
	"fmt"
	"sort"
)

// recreateAdvice ends every incompatibility finding: what the user can do.
const recreateAdvice = "use --on-exists recreate to replace the target, or another target name"

// CompareVectors tells whether an existing target declaring have's vectors
// can take the points of want (the source's definition) under
// --on-exists append. Each incompatibility is its own error Finding of kind
// KindIncompatible about subject (the target, as its Sink names itself):
// a vector missing on either side, a different kind (dense, sparse,
// multi), dimension, distance or stored datatype. A size, distance or
// datatype that one side leaves open (0 or "") is not compared.
func CompareVectors(subject string, want, have *Collection) []Finding {
	var names []string
	for n := range want.Vectors {
		names = append(names, n)
	}
	for n := range have.Vectors {
		if _, ok := want.Vectors[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []Finding
	add := func(format string, args ...any) {
		out = append(out, ErrorFinding(KindIncompatible, subject, format+"; "+recreateAdvice, args...))
	}
	for _, n := range names {
		w, inWant := want.Vectors[n]
		h, inHave := have.Vectors[n]
		label := VectorLabel(n)
		switch {
		case !inHave:
			add("the source's %s (%s) does not exist on the target, which has %s", ownLabel(n), w, vectorList(have))
			continue
		case !inWant:
			add("the target's %s (%s) does not exist on the source, which has %s", ownLabel(n), h, vectorList(want))
			continue
		case w.Kind != h.Kind:
			add("%s is %s on the target and %s on the source", label, h.Kind, w.Kind)
			continue
		}
		if w.Size != 0 && h.Size != 0 && w.Size != h.Size {
			add("%s has %d dimensions on the target and %d on the source", label, h.Size, w.Size)
		}
		if w.Distance != "" && h.Distance != "" && w.Distance != h.Distance {
			add("%s uses distance %s on the target and %s on the source", label, h.Distance, w.Distance)
		}
		if w.Datatype != "" && h.Datatype != "" && w.Datatype != h.Datatype {
			add("%s stores %s on the target and %s on the source", label, h.Datatype, w.Datatype)
		}
	}
	return out
}

// VectorLabel names a vector in messages: `vector "text"`, or "the
// unnamed vector" for DefaultVector.
func VectorLabel(name string) string {
	if name == DefaultVector {
		return "the unnamed vector"
	}
	return fmt.Sprintf("vector %q", name)
}

// ownLabel names a vector after a possessive: `vector "text"`, "unnamed
// vector".
func ownLabel(name string) string {
	if name == DefaultVector {
		return "unnamed vector"
	}
	return fmt.Sprintf("vector %q", name)
}

// String describes a vector declaration briefly: "dense, 768-d, cosine,
// float16".
func (v VectorSpec) String() string {
	s := v.Kind
	if s == "" {
		s = "dense"
	}
	if v.Size > 0 {
		s += fmt.Sprintf(", %d-d", v.Size)
	}
	if v.Distance != "" {
		s += ", " + string(v.Distance)
	}
	if v.Datatype != "" && v.Datatype != "float32" {
		s += ", " + v.Datatype
	}
	return s
}

func vectorList(c *Collection) string {
	if len(c.Vectors) == 0 {
		return "no vectors"
	}
	var names []string
	for n := range c.Vectors {
		names = append(names, n)
	}
	sort.Strings(names)
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		if n == DefaultVector {
			s += "an unnamed vector"
		} else {
			s += fmt.Sprintf("%q", n)
		}
	}
	return s
}

// Sampling bounds for SampleSizes: a few points from a few partitions
// (a point may lack some of its collection's named vectors).
const (
	sampledPartitions = 3
	sampledPoints     = 16
)

// SampleSizes returns def with the dimension of every dense or multi
// vector that def leaves open (Size 0: Weaviate fixes a vector's dimension
// with the first object written, not in its schema) taken from points src
// holds, so that CompareVectors can find a dimension mismatch before
// anything is written. It reads one small page from each of at most a few
// partitions, skipping a partition it cannot read (an inactive tenant: the
// copy itself activates it, and reports the error if it persists). A size
// no point shows stays 0. Only the end of ctx is an error.
func SampleSizes(ctx context.Context, src Source, def *Collection) (*Collection, error) {
	open := func(c *Collection) int {
		n := 0
		for _, v := range c.Vectors {
			if v.Size == 0 && v.Kind != "sparse" {
				n++
			}
		}
		return n
	}
	if open(def) == 0 {
		return def, nil
	}
	out := def.Clone()
	for i, part := range def.PartitionNames() {
		if i == sampledPartitions || open(out) == 0 {
			break
		}
		page, err := src.Read(ctx, ReadRequest{Partition: part, Limit: sampledPoints})
		if ctx.Err() != nil {
			return def, ctx.Err()
		}
		if err != nil {
			continue
		}
		for _, p := range page.Points {
			for name, v := range p.Vectors {
				spec, ok := out.Vectors[name]
				if !ok || spec.Size != 0 || spec.Kind == "sparse" {
					continue
				}
				switch {
				case len(v.Dense) > 0:
					spec.Size = len(v.Dense)
				case len(v.Multi) > 0:
					spec.Size = len(v.Multi[0])
				}
				out.Vectors[name] = spec
			}
		}
	}
	return out, nil
}
