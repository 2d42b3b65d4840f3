package adapters

import (
	"context"
	"fmt"
	"sort"
	"strings"
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
// active partitions, in name order, then, for a size still open, of a few
// inactive ones, each activated with ActivatePartition and put back with
// PutBackPartition: reading an inactive Weaviate tenant of a class with
// autoTenantActivation would activate it and leave it so. A partition
// that cannot be read or activated is skipped (the copy reports it); a
// size no point shows stays 0. The end of ctx, and a partition that could
// not be put back, are errors.
func SampleSizes(ctx context.Context, src Source, def *Collection) (*Collection, error) {
	if unsized(def) == 0 {
		return def, nil
	}
	out := def.Clone()
	active, inactive := partitionsByActivity(def)
	for i, part := range active {
		if i == sampledPartitions || unsized(out) == 0 {
			break
		}
		if err := sampleInto(ctx, src, part, out); err != nil {
			return def, err
		}
	}
	for i, part := range inactive {
		if i == sampledPartitions || unsized(out) == 0 {
			break
		}
		if err := sampleInactive(ctx, src, part, out); err != nil {
			return def, err
		}
	}
	return out, nil
}

// sampleInactive reads sizes from an inactive partition made readable
// for the read and put back to its status, even when ctx has ended.
func sampleInactive(ctx context.Context, src Source, part string, out *Collection) (err error) {
	undo, err := ActivatePartition(ctx, src, part)
	if err != nil {
		return ctx.Err() // skipped: the copy activates it and reports a lasting error
	}
	var putBack error
	defer func() {
		PutBackPartition(ctx, src, part, undo, func(format string, args ...any) {
			putBack = fmt.Errorf(strings.TrimPrefix(format, "warning: "), args...)
		})
		if putBack != nil {
			err = Errorf(KindUnknown, "%w; vecmig read a few of its points to learn its vector sizes; set its status back by hand, then run the same command again", putBack)
		}
	}()
	return sampleInto(ctx, src, part, out)
}

// sampleInto reads one small page of part and fills the sizes out leaves
// open. A read error other than the end of ctx is passed over.
func sampleInto(ctx context.Context, src Source, part string, out *Collection) error {
	page, err := src.Read(ctx, ReadRequest{Partition: part, Limit: sampledPoints})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return nil
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
	return nil
}

// unsized counts the dense and multi vectors of c with no size.
func unsized(c *Collection) int {
	n := 0
	for _, v := range c.Vectors {
		if v.Size == 0 && v.Kind != "sparse" {
			n++
		}
	}
	return n
}

// PartitionActive reports whether a partition of this status can be read
// without activating it: a shard key (no status), a HOT or ACTIVE tenant.
func PartitionActive(status string) bool {
	switch strings.ToUpper(status) {
	case "", "HOT", "ACTIVE":
		return true
	}
	return false
}

// partitionsByActivity splits def's partitions, in name order, into those
// readable as they are and those a read would have to activate.
func partitionsByActivity(def *Collection) (active, inactive []string) {
	status := map[string]string{}
	for _, p := range def.Partitions {
		status[p.Name] = p.Status
	}
	for _, part := range def.PartitionNames() {
		if PartitionActive(status[part]) {
			active = append(active, part)
		} else {
			inactive = append(inactive, part)
		}
	}
	return active, inactive
}
