package adapters

import "context"

// Same-engine pass-through: between two servers of one engine, migrate
// moves pages in the engine's own encoding instead of converting every
// vector and payload value to the neutral model and back. It is a pair of
// optional abilities, a raw page read and a raw batch write, chosen once
// per run (RawFormat); the neutral Point never carries engine data.
//
// A copy that changes points on the way (ids, vector names, payload) must
// use the neutral model.

// RawReader is a Source that can hand pages over in its engine's own
// encoding.
type RawReader interface {
	// RawFormat names the encoding, as in "qdrant.RetrievedPoint".
	RawFormat() string
	// ReadRaw reads the page Read would return for req, in RawFormat.
	ReadRaw(ctx context.Context, req ReadRequest) (RawPage, error)
}

// RawWriter is a Sink that writes batches of a raw format it accepts.
type RawWriter interface {
	AcceptsRaw(format string) bool
	// WriteRaw writes a batch read by ReadRaw in an accepted format, with
	// Write's guarantees: it returns once the target has accepted every
	// point, names a rejected one, and writing a point twice leaves one.
	WriteRaw(ctx context.Context, partition string, b RawBatch) error
}

// RawPage is one page of ReadRaw, in ID order. Its points are in Batch;
// a page that cannot travel raw (Qdrant: a point with a field this build
// does not know how to write) comes in Points instead, in the neutral
// model, and is written with Write. At most one of the two is non-empty.
type RawPage struct {
	Batch  RawBatch // nil or empty when the page is empty or in Points
	Points []Point
	// Done is true when no point follows the last one of this page.
	Done bool
}

// RawBatch is an opaque batch of points in an engine's own encoding, in ID
// order. Only the adapters of its format look inside; the ids are what
// migrate needs (watermarks, counts, range cuts).
type RawBatch interface {
	Len() int
	ID(i int) ID
	// Slice returns points i to j-1, sharing the batch's memory.
	Slice(i, j int) RawBatch
}

// RawFormat returns the raw encoding src can read and dst can write, or ""
// when points must travel in the neutral model (different engines, or an
// adapter without the ability). Abilities are found through wrappers (As).
func RawFormat(src Source, dst Sink) string {
	r, ok := As[RawReader](src)
	if !ok {
		return ""
	}
	w, ok := As[RawWriter](dst)
	if !ok {
		return ""
	}
	if f := r.RawFormat(); f != "" && w.AcceptsRaw(f) {
		return f
	}
	return ""
}
