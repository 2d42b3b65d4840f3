package qdrant

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/vecmig/vecmig/adapters"
)

// The catch-up abilities (adapters.ChangeReader, adapters.Deleter): a
// scroll filtered by a DatetimeRange (an RFC 3339 string) or a Range (Unix
// seconds) on the update-time payload key, and a delete by ids.

var (
	_ adapters.ChangeReader = (*Source)(nil)
	_ adapters.Deleter      = (*Sink)(nil)
)

// CheckChangedField finds the type of payload key field: from its payload
// index when there is one, else from a point that has it (with a warning:
// without an index every catch-up filter scans the collection).
func (s *Source) CheckChangedField(ctx context.Context, field string) (adapters.ChangedField, []adapters.Finding, error) {
	f := adapters.ChangedField{Name: field}
	c, err := s.fieldConn(ctx)
	if err != nil || c == nil {
		return f, nil, err
	}
	_, n, err := c.describe(ctx)
	if err != nil {
		return f, nil, err
	}
	if info, ok := n.PayloadSchema[field]; ok {
		switch info.GetDataType() {
		case qdrant.PayloadSchemaType_Datetime:
			return f, nil, nil
		case qdrant.PayloadSchemaType_Integer, qdrant.PayloadSchemaType_Float:
			f.Numeric, f.Integer = true, info.GetDataType() == qdrant.PayloadSchemaType_Integer
			return f, nil, nil
		}
		return f, []adapters.Finding{adapters.ErrorFinding(adapters.KindInvalid, "source",
			"--changed-since-field %q is indexed as %s on %s; it must hold each point's update time as a datetime (RFC 3339) or a number (Unix seconds)",
			field, strings.ToLower(info.GetDataType().String()), c.prefix)}, nil
	}
	noIndex := adapters.Finding{Level: adapters.LevelWarning, Subject: "source", Message: fmt.Sprintf(
		"payload key %q has no index on %s, so each catch-up filter scans every point; to make it fast: PUT /collections/%s/index {\"field_name\": %q, \"field_schema\": \"datetime\"} (or \"float\" for Unix seconds)",
		field, c.prefix, c.coll, field)}
	return c.sampleChangedField(ctx, f, noIndex)
}

// fieldConn is the connection whose collection tells a key's type: the
// first tenant's collection where each tenant has one (nil when there is
// none yet).
func (s *Source) fieldConn(ctx context.Context) (*conn, error) {
	if !s.c.layout.perColl {
		return s.c, nil
	}
	tenants, err := s.c.tenantCollections(ctx)
	if err != nil || len(tenants) == 0 {
		return nil, err
	}
	return s.c.view(tenants[0]), nil
}

// sampleChangedField reads one point that has the key and takes its type
// from the value.
func (c *conn) sampleChangedField(ctx context.Context, f adapters.ChangedField, noIndex adapters.Finding) (adapters.ChangedField, []adapters.Finding, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.client.Scroll(cctx, &qdrant.ScrollPoints{
		CollectionName: c.coll,
		Limit:          ptr(uint32(1)),
		WithPayload:    allPayload,
		WithVectors:    qdrant.NewWithVectors(false),
		Filter:         &qdrant.Filter{MustNot: []*qdrant.Condition{qdrant.NewIsEmpty(f.Name)}},
	})
	if err != nil {
		return f, nil, c.classify(ctx, err, fmt.Sprintf("look for payload key %q", f.Name))
	}
	if len(res) == 0 {
		return f, []adapters.Finding{adapters.ErrorFinding(adapters.KindInvalid, "source",
			"--changed-since-field %q: no point of %s has this payload key; name the key that holds each point's update time", f.Name, c.prefix)}, nil
	}
	p, err := neutralPoint(res[0])
	if err != nil {
		return f, nil, err
	}
	switch v := payloadAt(p.Payload, f.Name).(type) {
	case int64:
		f.Numeric, f.Integer = true, true
		return f, []adapters.Finding{noIndex}, nil
	case float64:
		f.Numeric = true
		return f, []adapters.Finding{noIndex}, nil
	case string:
		if _, ok := parseDatetime(v); ok {
			return f, []adapters.Finding{noIndex}, nil
		}
	}
	return f, []adapters.Finding{adapters.ErrorFinding(adapters.KindInvalid, "source",
		"--changed-since-field %q holds %s in point %s of %s; it must hold each point's update time as a date Qdrant's datetime filter reads (RFC 3339, e.g. 2024-05-01T10:00:00Z; or 2024-05-01 10:00:00, taken as UTC) or a number (Unix seconds)",
		f.Name, describeValue(payloadAt(p.Payload, f.Name)), p.ID, c.prefix)}, nil
}

// datetimeLayouts are the spellings Qdrant's datetime filter and index
// accept besides RFC 3339 (its parser in lib/segment, mirrored by
// qdrant-client's local mode): a "T" or a space between date and time,
// optional fractional seconds, an offset as Z, +01:00 or +0100, or none
// (UTC), minutes without seconds, or a date alone. A space is replaced
// by "T" before these are tried.
var datetimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDatetime reads a payload string as Qdrant's datetime filter would.
func parseDatetime(v string) (time.Time, bool) {
	if len(v) > 10 && v[10] == ' ' {
		v = v[:10] + "T" + v[11:]
	}
	for _, layout := range datetimeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// payloadAt follows a dotted path into a payload.
func payloadAt(payload map[string]any, path string) any {
	var cur any = payload
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func describeValue(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return fmt.Sprintf("%T %q", v, s)
}

// ReadChanged returns the page of points changed since req.Since after
// req.After: a scroll (in id order) with the change condition added to
// the tenant's filter.
func (s *Source) ReadChanged(ctx context.Context, req adapters.ChangedRequest) (adapters.Page, error) {
	src, part, err := s.tenant(req.Partition)
	if err != nil {
		return adapters.Page{}, err
	}
	rr := adapters.ReadRequest{Partition: part, After: req.After, Limit: req.Limit}
	scroll, limit, err := src.scrollRequest(rr)
	if err != nil {
		return adapters.Page{}, err
	}
	if scroll.Filter == nil {
		scroll.Filter = &qdrant.Filter{}
	}
	scroll.Filter.Must = append(scroll.Filter.Must, changedCondition(req.Field, req.Since))
	cctx, cancel := src.c.call(ctx)
	defer cancel()
	res, next, err := src.c.client.ScrollAndOffset(cctx, scroll)
	if err != nil {
		return adapters.Page{}, src.c.readError(ctx, err, "scroll changed points", part)
	}
	return src.page(res, next == nil, rr, limit)
}

// changedCondition selects the points whose field is at or after since.
func changedCondition(f adapters.ChangedField, since time.Time) *qdrant.Condition {
	if f.Numeric {
		gte := f.SinceSeconds(since)
		return qdrant.NewRange(f.Name, &qdrant.Range{Gte: &gte})
	}
	return qdrant.NewDatetimeRange(f.Name, &qdrant.DatetimeRange{Gte: timestamppb.New(since)})
}

// Delete removes points by id from a partition and waits until applied.
// With tenants in a payload field only the partition's points with those
// ids are deleted (ids are shared by every tenant).
func (s *Sink) Delete(ctx context.Context, partition string, ids []adapters.ID) error {
	if len(ids) == 0 {
		return nil
	}
	if s.c.layout.perColl {
		v, err := s.tenantSink(partition)
		if err != nil {
			return err
		}
		return v.Delete(ctx, "", ids)
	}
	if err := s.c.needPartition(partition); err != nil {
		return err
	}
	sel, err := s.c.selector(partition)
	if err != nil {
		return err
	}
	pids := make([]*qdrant.PointId, len(ids))
	for i, id := range ids {
		pids[i] = pointID(id)
	}
	points := qdrant.NewPointsSelector(pids...)
	if f := s.c.tenantFilter(partition); f != nil {
		f.Must = append(f.Must, qdrant.NewHasID(pids...))
		points = qdrant.NewPointsSelectorFilter(f)
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	_, err = s.c.client.Delete(cctx, &qdrant.DeletePoints{CollectionName: s.c.coll, Wait: ptr(true), Points: points, ShardKeySelector: sel})
	if err != nil {
		return s.c.classify(ctx, err, fmt.Sprintf("delete %d points (ids %s to %s)%s", len(ids), ids[0], ids[len(ids)-1], inPartition(partition)))
	}
	return nil
}
