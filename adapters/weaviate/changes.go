package weaviate

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

// The catch-up abilities (adapters.ChangeReader, adapters.Deleter). The
// cursor (`after`) cannot be combined with a filter in Weaviate, so a page
// of changed objects is a search filtered by "field >= since" and an id
// range (ReadChanged).

var (
	_ adapters.ChangeReader = (*Source)(nil)
	_ adapters.Deleter      = (*Sink)(nil)
)

// CheckChangedField requires field to be a top-level property of type
// date, int or number that can be filtered on.
func (s *Source) CheckChangedField(ctx context.Context, field string) (adapters.ChangedField, []adapters.Finding, error) {
	f := adapters.ChangedField{Name: field}
	cl, err := s.class(ctx)
	if err != nil {
		return f, nil, err
	}
	bad := func(format string, args ...any) (adapters.ChangedField, []adapters.Finding, error) {
		return f, []adapters.Finding{adapters.ErrorFinding(adapters.KindInvalid, "source", "--changed-since-field %q: "+format, append([]any{field}, args...)...)}, nil
	}
	ps, ok := cl.props[field]
	if !ok {
		return bad("class %s on %s has no such property (a nested property cannot be filtered on); name the date property that holds each object's update time", s.c.class, s.Endpoint())
	}
	t, array := baseType(ps)
	switch {
	case array:
		return bad("property of class %s is an array (%s); it must hold one update time", s.c.class, ps.DataType[0])
	case t == "date":
	case t == "int" || t == "number":
		f.Numeric, f.Integer = true, t == "int"
	default:
		return bad("property of class %s has data type %s; it must be a date, or an int or number of Unix seconds", s.c.class, strings.Join(ps.DataType, ","))
	}
	if !filterable(cl.raw, field) {
		return bad("property of class %s has indexFilterable false, so Weaviate cannot filter on it", s.c.class)
	}
	return f, nil, nil
}

// filterable reads a property's indexFilterable from the raw schema
// (absent means true).
func filterable(raw json.RawMessage, name string) bool {
	var s struct {
		Properties []struct {
			Name            string `json:"name"`
			IndexFilterable *bool  `json:"indexFilterable"`
		} `json:"properties"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return true
	}
	for _, p := range s.Properties {
		if p.Name == name {
			return p.IndexFilterable == nil || *p.IndexFilterable
		}
	}
	return true
}

// ReadChanged returns the page of objects changed since req.Since after
// req.After, in UUID order. Weaviate returns a filtered search's matches
// in its own order (and sorting by _id orders only the matches it picked
// for the limit), so the page is found by narrowing an id range: ask for
// one more than the limit in (After, hi]; while that many come back, move
// hi down to the middle of what came; once fewer come, they are all the
// range holds, and sorted they are the page.
func (s *Source) ReadChanged(ctx context.Context, req adapters.ChangedRequest) (adapters.Page, error) {
	cl, err := s.class(ctx)
	if err != nil {
		return adapters.Page{}, err
	}
	since, err := sinceFilter(cl, req.Field, req.Since)
	if err != nil {
		return adapters.Page{}, s.c.errorf(adapters.KindInvalid, "%v", err)
	}
	if req.After != nil && !req.After.IsUUID() {
		return adapters.Page{}, s.c.errorf(adapters.KindInvalid, "read after id %s: Weaviate ids are UUIDs", req.After)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxLimit-1)
	after := req.After
	var hi *adapters.ID // inclusive; nil: no upper bound
	for {
		sr := s.c.searchRequest(cl, req.Partition)
		sr.Limit = uint32(limit + 1)
		sr.Filters = idRange(since, after, hi)
		pts, err := s.c.search(ctx, cl, sr, "read changed objects of tenant "+strconv.Quote(req.Partition))
		if err != nil {
			return adapters.Page{}, err
		}
		sortPoints(pts)
		switch {
		case len(pts) == 0 && hi != nil:
			// Deleted meanwhile: (after, hi] holds nothing now, so the
			// page continues after hi.
			after, hi = hi, nil
			if testHookEmptied != nil {
				testHookEmptied()
			}
		case len(pts) <= limit:
			return adapters.Page{Points: pts, Done: hi == nil}, nil
		default:
			mid := pts[limit/2].ID
			hi = &mid
			if testHookNarrowed != nil {
				testHookNarrowed(mid)
			}
		}
	}
}

// testHookNarrowed, when a test sets it, runs after ReadChanged narrows
// its id range to hi (a test deletes objects there meanwhile);
// testHookEmptied after it found the narrowed range empty.
var testHookNarrowed func(hi adapters.ID)
var testHookEmptied func()

// idRange is filter f for the ids in (after, hi].
func idRange(f *pb.Filters, after, hi *adapters.ID) *pb.Filters {
	all := []*pb.Filters{f}
	if after != nil {
		all = append(all, &pb.Filters{Operator: pb.Filters_OPERATOR_GREATER_THAN, On: []string{"_id"},
			TestValue: &pb.Filters_ValueText{ValueText: after.String()}})
	}
	if hi != nil {
		all = append(all, &pb.Filters{Operator: pb.Filters_OPERATOR_LESS_THAN_EQUAL, On: []string{"_id"},
			TestValue: &pb.Filters_ValueText{ValueText: hi.String()}})
	}
	if len(all) == 1 {
		return f
	}
	return &pb.Filters{Operator: pb.Filters_OPERATOR_AND, Filters: all}
}

// sinceFilter selects the objects whose field is at or after since, by
// the property's type.
func sinceFilter(cl *class, f adapters.ChangedField, since time.Time) (*pb.Filters, error) {
	ps, ok := cl.props[f.Name]
	if !ok {
		return nil, fmt.Errorf("class has no property %q to select changed objects by", f.Name)
	}
	flt := &pb.Filters{Operator: pb.Filters_OPERATOR_GREATER_THAN_EQUAL, On: []string{f.Name}}
	switch t, _ := baseType(ps); t {
	case "date":
		flt.TestValue = &pb.Filters_ValueText{ValueText: since.UTC().Format(time.RFC3339Nano)}
	case "int":
		// An object changed during the second `since` falls in it.
		flt.TestValue = &pb.Filters_ValueInt{ValueInt: since.Unix()}
	case "number":
		// Exact: a float stamp carries the fraction of its second.
		flt.TestValue = &pb.Filters_ValueNumber{ValueNumber: adapters.ChangedField{Numeric: true}.SinceSeconds(since)}
	default:
		return nil, fmt.Errorf("property %q has data type %s, not date, int or number", f.Name, strings.Join(ps.DataType, ","))
	}
	return flt, nil
}

// Delete removes objects by id from a tenant with a batch delete and
// fails when any could not be deleted.
func (s *Sink) Delete(ctx context.Context, partition string, ids []adapters.ID) error {
	var want []string
	for _, id := range ids {
		if id.IsUUID() { // an integer id cannot exist in Weaviate
			want = append(want, id.String())
		}
	}
	for i := 0; i < len(want); i += maxLimit {
		chunk := want[i:min(i+maxLimit, len(want))]
		req := &pb.BatchDeleteRequest{Collection: s.c.class, Filters: &pb.Filters{
			Operator: pb.Filters_OPERATOR_CONTAINS_ANY, On: []string{"_id"},
			TestValue: &pb.Filters_ValueTextArray{ValueTextArray: &pb.TextArray{Values: chunk}},
		}}
		if partition != "" {
			req.Tenant = &partition
		}
		what := fmt.Sprintf("delete %d objects from tenant %q (ids %s to %s)", len(chunk), partition, chunk[0], chunk[len(chunk)-1])
		gctx, cancel := s.c.grpcCtx(ctx)
		reply, err := s.c.rpc.BatchDelete(gctx, req)
		cancel()
		if err != nil {
			return s.c.grpcErr(what, err)
		}
		if reply.GetFailed() > 0 {
			return s.c.errorf(adapters.KindUnknown, "%s: %d of them failed; run the catch-up again", what, reply.GetFailed())
		}
	}
	return nil
}
