package qdrant

import (
	"context"
	"fmt"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

var _ adapters.TargetChecker = (*Sink)(nil)

// CheckTarget tells, writing nothing, whether def can be written to the
// collection under onExists: a definition this sink can create the
// collection from (when it does not exist, or under recreate), an
// existing collection under fail (an error) or recreate (a note with its
// approximate size), and under append every way the existing collection
// differs from def, each its own finding: vectors (names, kind, dimension,
// distance, datatype), sharding method and shard keys.
func (s *Sink) CheckTarget(ctx context.Context, def *adapters.Collection, onExists adapters.OnExists) ([]adapters.Finding, error) {
	switch onExists {
	case adapters.ExistsFail, adapters.ExistsAppend, adapters.ExistsRecreate:
	default:
		return []adapters.Finding{s.c.finding(adapters.Errorf(adapters.KindInvalid, "%s: --on-exists %q is not one of fail, append, recreate", s.c.prefix, onExists))}, nil
	}
	if s.c.layout.perColl {
		return s.checkCollections(ctx, def, onExists)
	}
	def, err := s.c.layoutDef(def)
	if err != nil {
		return []adapters.Finding{s.c.finding(err)}, nil
	}
	exists, err := s.c.exists(ctx)
	if err != nil {
		return nil, err
	}
	var out []adapters.Finding
	if !exists || onExists == adapters.ExistsRecreate {
		if _, err := s.plan(def); err != nil {
			out = append(out, s.c.finding(err))
		}
	}
	if !exists {
		return out, nil
	}
	switch onExists {
	case adapters.ExistsFail:
		out = append(out, s.c.finding(s.existsErr()))
	case adapters.ExistsRecreate:
		out = append(out, adapters.NoteFinding(s.c.prefix, "collection %q exists (%s) and will be deleted first", s.c.coll, s.c.approxSize(ctx)))
	case adapters.ExistsAppend:
		have, _, err := s.c.describe(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, s.appendFindings(def, have)...)
	}
	return out, nil
}

func (s *Sink) existsErr() error {
	if s.c.layout.perColl {
		return adapters.Errorf(adapters.KindExists, "%s: collections matching %s exist on the target; use --on-exists append to write into them (missing ones are created) or recreate to replace them all", s.c.prefix, s.c.pattern())
	}
	return adapters.Errorf(adapters.KindExists, "%s: collection %q exists on the target; use --on-exists append to write into it or recreate to replace it", s.c.prefix, s.c.coll)
}

// finding turns an error of this collection into an error Finding about
// it.
func (c *conn) finding(err error) adapters.Finding {
	return adapters.Finding{Level: adapters.LevelError, Kind: adapters.KindOf(err), Subject: c.prefix,
		Message: strings.TrimPrefix(err.Error(), c.prefix+": ")}
}

// approxSize is the collection's approximate point count (cheap, unlike
// an exact count), for the recreate note.
func (c *conn) approxSize(ctx context.Context) string {
	cctx, cancel := c.call(ctx)
	defer cancel()
	info, err := c.client.GetCollectionInfo(cctx, c.coll)
	if err != nil || info.PointsCount == nil {
		return "size unknown"
	}
	return fmt.Sprintf("about %d points", info.GetPointsCount())
}

// appendFindings lists every way the existing collection (have) differs
// from def so that def's points cannot be appended, each its own error
// finding, and notes the shard keys Prepare will create.
func (s *Sink) appendFindings(def, have *adapters.Collection) []adapters.Finding {
	c := s.c
	out := adapters.CompareVectors(c.prefix, def, have)
	if c.layout.field != "" {
		return append(out, s.tenantFieldFindings(have)...)
	}
	switch {
	case !def.Partitioned && have.Partitioned:
		out = append(out, adapters.ErrorFinding(adapters.KindIncompatible, c.prefix,
			"collection %q uses custom shard keys (sharding method custom) and the source has no partitions to write them to; use --on-exists recreate to replace the collection, or another target name", c.coll))
	case def.Partitioned && !have.Partitioned:
		out = append(out, adapters.ErrorFinding(adapters.KindIncompatible, c.prefix,
			"the source has partitions (%s) and collection %q does not use custom shard keys (sharding method auto); use --on-exists recreate to replace the collection, or another target name", strings.Join(def.PartitionNames(), ", "), c.coll))
	case def.Partitioned:
		got := map[string]bool{}
		for _, p := range have.Partitions {
			got[p.Name] = true
		}
		var create []string
		for _, p := range def.Partitions {
			if _, err := ShardKeyOf(p.Name); err != nil {
				out = append(out, adapters.ErrorFinding(adapters.KindInvalid, c.prefix, "partition %q cannot be a shard key: %v", p.Name, err))
				continue
			}
			if !got[p.Name] {
				create = append(create, fmt.Sprintf("%q", p.Name))
			}
		}
		if len(create) > 0 {
			out = append(out, adapters.NoteFinding(c.prefix, "shard keys %s will be created on collection %q", strings.Join(create, ", "), c.coll))
		}
	}
	return out
}

// tenantFieldFindings checks an existing collection can hold tenants in a
// payload field: no custom shard keys, and the field keyword-indexed (or
// not indexed yet: Prepare creates the index).
func (s *Sink) tenantFieldFindings(have *adapters.Collection) []adapters.Finding {
	c := s.c
	if have.Partitioned {
		return []adapters.Finding{adapters.ErrorFinding(adapters.KindIncompatible, c.prefix,
			"collection %q uses custom shard keys, and tenants in payload field %q need a collection without them; use --on-exists recreate to replace it, or another target name", c.coll, c.layout.field)}
	}
	n, err := ParseNative(have.Native)
	if err != nil {
		return []adapters.Finding{c.finding(adapters.Errorf(adapters.KindIncompatible, "%s: %w", c.prefix, err))}
	}
	missing, err := c.tenantIndexMissing(n)
	switch {
	case err != nil:
		return []adapters.Finding{c.finding(err)}
	case missing:
		return []adapters.Finding{adapters.NoteFinding(c.prefix, "a keyword index with is_tenant will be created on payload field %q of collection %q", c.layout.field, c.coll)}
	}
	return nil
}
