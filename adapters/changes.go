package adapters

import (
	"context"
	"time"
)

// The abilities of a catch-up pass (`vecmig migrate --catch-up`): after a
// live copy of a source that kept taking writes, re-copy the points it
// changed since, and delete on the target the points it no longer holds.

// ChangedField is a payload field (a Qdrant payload key, a Weaviate
// property) that holds each point's last update time.
type ChangedField struct {
	Name string `json:"name"`
	// Numeric is true for Unix seconds in a number; false for a date
	// (an RFC 3339 string in Qdrant, a date property in Weaviate).
	Numeric bool `json:"numeric,omitempty"`
	// Integer is true (with Numeric) for whole seconds: a catch-up then
	// starts at the whole second of its start, so that a point stamped
	// 100 by a write at 100.7 is not missed by a pass starting at 100.5.
	// A float field keeps the exact start.
	Integer bool `json:"integer,omitempty"`
}

// Type names the field's kind for messages: "date", "integer" or
// "number".
func (f ChangedField) Type() string {
	switch {
	case f.Integer:
		return "integer"
	case f.Numeric:
		return "number"
	}
	return "date"
}

// SinceSeconds is the lower bound, in Unix seconds, of a numeric field
// for points changed at or after since: the whole second for an integer
// field (floor), the exact moment for a float one.
func (f ChangedField) SinceSeconds(since time.Time) float64 {
	if f.Integer {
		return float64(since.Unix()) // Unix rounds down, before 1970 too
	}
	return float64(since.UnixNano()) / 1e9
}

// ChangedRequest asks a ChangeReader for one page of changed points.
type ChangedRequest struct {
	Partition string
	Field     ChangedField
	// Since: points whose Field is at or after it are returned.
	Since time.Time
	After *ID // exclusive; nil reads from the first point
	Limit int // at most this many points; adapters may return fewer
}

// ChangeReader is a Source that reads only the points whose update-time
// field is at or after a moment, with their vectors and payload, in ID
// order, filtered on the server.
type ChangeReader interface {
	// CheckChangedField tells whether field can select changed points:
	// it must exist with a date or numeric type (an error Finding
	// otherwise); a warning says when the filter will be slow (no index).
	// The returned error is for a check that could not run.
	CheckChangedField(ctx context.Context, field string) (ChangedField, []Finding, error)
	// ReadChanged returns the next page of changed points strictly after
	// req.After; Page.Done is true after the last.
	ReadChanged(ctx context.Context, req ChangedRequest) (Page, error)
}

// Deleter is a Sink that deletes points by id from a partition and
// returns once the deletion is applied. Ids that do not exist are
// ignored, so a repeated Delete is harmless.
type Deleter interface {
	Delete(ctx context.Context, partition string, ids []ID) error
}
