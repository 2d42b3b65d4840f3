package migrate

import (
	"context"
	"strconv"

	"github.com/vecmig/vecmig/adapters"
)

// How much of the source the plan reads to look for NaN and infinite
// vector components: the first page of the first few partitions. The
// copy checks every other point before writing it.
const (
	sampleCheckPoints     = 64
	sampleCheckPartitions = 3
)

// sampleFindings reads the first points of the first partitions and
// returns an error finding for each point with a NaN or infinite vector
// component. A partition that cannot be read now (an inactive tenant) is
// passed over: the copy checks it.
func sampleFindings(ctx context.Context, src adapters.Source, parts []string) ([]adapters.Finding, error) {
	var out []adapters.Finding
	for i, part := range parts {
		if i == sampleCheckPartitions {
			break
		}
		page, err := src.Read(ctx, adapters.ReadRequest{Partition: part, Limit: sampleCheckPoints})
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			continue
		}
		pts := page.Points
		for {
			bad := adapters.FindNonFinite(pts)
			if bad == nil {
				break
			}
			out = append(out, adapters.ErrorFinding(adapters.KindInvalid, src.Endpoint()+partitionSuffix(part),
				"%s; vecmig does not copy NaN or infinite vectors: fix or delete the point in the source, then run the same command again", bad))
			pts = pts[indexOf(pts, bad.ID)+1:]
		}
	}
	return out, nil
}

// activeParts keeps the partitions that can be read without activating
// them: reading an inactive Weaviate tenant of a class with
// autoTenantActivation would activate it, and nothing would put it back.
// With --partition i/N by partitions, parts is this run's share: the N
// runs sample different tenants.
func activeParts(def *adapters.Collection, parts []string) []string {
	status := map[string]string{}
	for _, p := range def.Partitions {
		status[p.Name] = p.Status
	}
	var out []string
	for _, part := range parts {
		if adapters.PartitionActive(status[part]) {
			out = append(out, part)
		}
	}
	return out
}

func indexOf(pts []adapters.Point, id adapters.ID) int {
	for i := range pts {
		if pts[i].ID == id {
			return i
		}
	}
	return len(pts) - 1
}

func partitionSuffix(part string) string {
	if part == "" {
		return ""
	}
	return " partition " + strconv.Quote(part)
}

// checkBatch refuses a batch holding a NaN or infinite vector component
// before anything of it is sent. The batches acknowledged before it stay
// written and the state records them, so once the point is fixed in the
// source the same command resumes from there. A raw batch is checked in
// its own encoding (adapters.NonFiniteFinder); one of an adapter without
// that ability is sent unchecked.
func (c *copier) checkBatch(part string, b batch) error {
	var bad *adapters.NonFinite
	if b.raw != nil {
		if f, ok := b.raw.(adapters.NonFiniteFinder); ok {
			bad = f.FindNonFinite()
		}
	} else {
		bad = adapters.FindNonFinite(b.points)
	}
	if bad == nil {
		return nil
	}
	return adapters.Errorf(adapters.KindInvalid,
		"%s%s: %s; vecmig does not copy NaN or infinite vectors, and sent nothing of its batch: %s holds the points copied before it. "+
			"Fix or delete the point in the source, then run the same command again: it resumes where it stopped",
		c.src.Endpoint(), partitionSuffix(part), bad, c.dst.Endpoint())
}
