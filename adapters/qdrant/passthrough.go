package qdrant

import (
	"context"
	"fmt"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/protoraw"
)

// The raw pass-through between two Qdrant servers (adapters.RawReader,
// adapters.RawWriter).
//
// A raw page keeps the bytes of the RetrievedPoint messages the source
// sent (rawPoints, slices of the scroll answer), and the sink writes them
// as PointStructs without decoding a single vector or payload value. The
// two messages share their wire form:
//
//	RetrievedPoint            PointStruct
//	1 id       PointId        1 id       PointId
//	2 payload  map<Value>     3 payload  map<Value>
//	4 vectors  VectorsOutput  4 vectors  Vectors (same fields and numbers)
//	5 shard_key, 6 order_value: not part of a point; dropped
//
// so the sink only renumbers the payload field. A page with a point
// carrying any other field (a newer server) does not travel raw: it is
// decoded into the neutral model (RawPage.Points) and written with Write.
// TestWireFieldNumbers holds the numbers below against the go-client's
// descriptors.
//
// The raw messages travel through gRPC as bytes, with a codec of their own
// (protoraw.Call): decoding a scroll answer into the unknown fields of an empty
// message, or encoding a hand-made request from them, cost a third of
// vecmig's CPU in a Qdrant copy (pooled buffers cleared whole, the unknown
// fields grown field by field, and a copy each way).

// PointFormat names the raw encoding of Qdrant points.
const PointFormat = "qdrant.RetrievedPoint"

// RawFormat tells migrate that pages can be read in Qdrant's encoding;
// "" (none) with a tenant field, whose points are read without it.
func (s *Source) RawFormat() string {
	if s.c.layout.field != "" {
		return ""
	}
	return PointFormat
}

// AcceptsRaw tells migrate that the sink writes Qdrant-encoded points;
// not with a tenant field, which each point must be given.
func (s *Sink) AcceptsRaw(format string) bool { return format == PointFormat && s.c.layout.field == "" }

// rawPoints is a batch in PointFormat: each point's RetrievedPoint bytes,
// with its id read from them.
type rawPoints struct {
	ids  []adapters.ID
	msgs [][]byte
}

func (b rawPoints) Len() int                         { return len(b.ids) }
func (b rawPoints) ID(i int) adapters.ID             { return b.ids[i] }
func (b rawPoints) Slice(i, j int) adapters.RawBatch { return b.sub(i, j) }
func (b rawPoints) sub(i, j int) rawPoints           { return rawPoints{b.ids[i:j], b.msgs[i:j]} }

// neutral decodes the points, for messages; a point that does not decode
// is left out.
func (b rawPoints) neutral() []adapters.Point {
	out := make([]adapters.Point, 0, len(b.msgs))
	for _, m := range b.msgs {
		var rp qdrant.RetrievedPoint
		if proto.Unmarshal(m, &rp) != nil {
			continue
		}
		if p, err := neutralPoint(&rp); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ReadRaw reads the page Read would return, as the points' own bytes.
// With a tenant field the page comes in the neutral model, filtered and
// without the field, as Read returns it.
func (s *Source) ReadRaw(ctx context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	src, part, err := s.tenant(req.Partition)
	if err != nil {
		return adapters.RawPage{}, err
	}
	req.Partition = part
	if src.c.layout.field != "" {
		page, err := src.read(ctx, req)
		return adapters.RawPage{Points: page.Points, Done: page.Done}, err
	}
	return src.readRaw(ctx, req)
}

func (s *Source) readRaw(ctx context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	scroll, limit, err := s.scrollRequest(req)
	if err != nil {
		return adapters.RawPage{}, err
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	raw, err := s.c.scrollRaw(cctx, scroll)
	if err != nil {
		return adapters.RawPage{}, s.c.readError(ctx, err, "scroll", req.Partition)
	}
	b, hasNext, ok, err := parseScroll(raw)
	if err != nil {
		return adapters.RawPage{}, fmt.Errorf("%s: %s: the server's answer cannot be read: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
	}
	if !ok {
		// A field the pass-through does not know: this page goes through
		// the neutral model.
		var resp qdrant.ScrollResponse
		if err := proto.Unmarshal(raw, &resp); err != nil {
			return adapters.RawPage{}, fmt.Errorf("%s: %s: the server's answer cannot be read: %w", s.c.prefix, partitionWhat("scroll", req.Partition), err)
		}
		page, err := s.page(resp.GetResult(), resp.GetNextPageOffset() == nil, req, limit)
		return adapters.RawPage{Points: page.Points, Done: page.Done}, err
	}
	skip := req.After != nil && b.Len() > 0 && b.ids[0] == *req.After
	i, j, done := window(b.Len(), skip, limit, !hasNext)
	return adapters.RawPage{Batch: b.sub(i, j), Done: done}, nil
}

// WriteRaw upserts a batch read by ReadRaw and waits until it is applied.
func (s *Sink) WriteRaw(ctx context.Context, partition string, batch adapters.RawBatch) error {
	if s.c.layout.field != "" {
		return adapters.Errorf(adapters.KindInvalid, "%s: raw points cannot be given the tenant field %q; write them with Write (AcceptsRaw said no: this is a bug in the caller)", s.c.prefix, s.c.layout.field)
	}
	if s.c.layout.perColl {
		v, err := s.tenantSink(partition)
		if err != nil {
			return err
		}
		return v.WriteRaw(ctx, "", batch)
	}
	b, ok := batch.(rawPoints)
	if !ok {
		return adapters.Errorf(adapters.KindInvalid, "%s: a batch of %T is not in %s; this is a bug in the caller", s.c.prefix, batch, PointFormat)
	}
	if b.Len() == 0 {
		return nil
	}
	sel, err := s.c.selector(partition)
	if err != nil {
		return err
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	if err := s.c.upsertRaw(cctx, sel, b); err != nil {
		return s.writeError(ctx, err, partition, b.Len(), b.ids[0], b.ids[b.Len()-1], b.neutral)
	}
	return nil
}

// Field numbers of the messages read and written as bytes.
const (
	scrollNextOffset   = 1 // ScrollResponse.next_page_offset
	scrollResult       = 2 // ScrollResponse.result
	retrievedID        = 1
	retrievedPayload   = 2
	retrievedVectors   = 4
	retrievedShardKey  = 5
	retrievedOrder     = 6
	pointStructPayload = 3
	upsertCollection   = 1
	upsertWait         = 2
	upsertPoints       = 3
	upsertShardKeySel  = 5
	pointIDNum         = 1
	pointIDUUID        = 2
)

// scrollRaw runs a scroll and returns the answer's bytes undecoded.
func (c *conn) scrollRaw(ctx context.Context, req *qdrant.ScrollPoints) ([]byte, error) {
	var raw protoraw.Message
	if err := c.client.GetConnection().Invoke(ctx, qdrant.Points_Scroll_FullMethodName, req, &raw, protoraw.Call); err != nil {
		return nil, err
	}
	return raw, nil
}

// parseScroll splits a ScrollResponse into its points' RetrievedPoint
// bytes. ok is false when a point has a field the pass-through does not
// know; the caller then decodes the page as usual.
func parseScroll(b []byte) (pts rawPoints, hasNext, ok bool, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return rawPoints{}, false, false, protowire.ParseError(n)
		}
		b = b[n:]
		if typ != protowire.BytesType || (num != scrollNextOffset && num != scrollResult) {
			// time, usage: nothing a copy needs.
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return rawPoints{}, false, false, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return rawPoints{}, false, false, protowire.ParseError(n)
		}
		b = b[n:]
		if num == scrollNextOffset {
			hasNext = true
			continue
		}
		id, known, err := retrievedPointID(v)
		if err != nil || !known {
			return rawPoints{}, false, known, err
		}
		pts.ids = append(pts.ids, id)
		pts.msgs = append(pts.msgs, v[:len(v):len(v)])
	}
	return pts, hasNext, true, nil
}

// retrievedPointID reads a RetrievedPoint's id and checks that every field
// is one the sink knows how to write (known is false otherwise).
func retrievedPointID(b []byte) (id adapters.ID, known bool, err error) {
	haveID := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return id, false, protowire.ParseError(n)
		}
		b = b[n:]
		switch num {
		case retrievedID, retrievedPayload, retrievedVectors, retrievedShardKey, retrievedOrder:
			if typ != protowire.BytesType {
				return id, false, nil
			}
		default:
			return id, false, nil
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return id, false, protowire.ParseError(n)
		}
		b = b[n:]
		if num == retrievedID {
			if id, err = wirePointID(v); err != nil {
				return id, false, err
			}
			haveID = true
		}
	}
	if !haveID {
		return id, false, fmt.Errorf("the server sent a point without an id")
	}
	return id, true, nil
}

// wirePointID decodes a PointId message.
func wirePointID(b []byte) (adapters.ID, error) {
	var id adapters.ID
	found := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return id, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == pointIDNum && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return id, protowire.ParseError(n)
			}
			b = b[n:]
			id, found = adapters.NumID(v), true
		case num == pointIDUUID && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return id, protowire.ParseError(n)
			}
			b = b[n:]
			if u, ok := parseUUID(string(v)); ok {
				id = adapters.UUIDID(u)
			} else if parsed, err := adapters.ParseID(string(v)); err == nil && parsed.IsUUID() {
				id = parsed
			} else {
				return id, fmt.Errorf("the server sent point id %q, which is not a UUID", v)
			}
			found = true
		default:
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return id, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	if !found {
		return id, fmt.Errorf("the server sent an empty point id")
	}
	return id, nil
}

// appendPointStruct appends field `upsertPoints` of an UpsertPoints
// message holding the PointStruct form of RetrievedPoint bytes.
func appendPointStruct(buf, rp []byte) ([]byte, error) {
	// The PointStruct is as long as the fields it keeps: tags keep their
	// length (fields 2 and 3 both take one byte).
	size := 0
	if err := eachField(rp, func(num protowire.Number, field []byte) {
		if num != retrievedShardKey && num != retrievedOrder {
			size += len(field)
		}
	}); err != nil {
		return nil, err
	}
	buf = protowire.AppendTag(buf, upsertPoints, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(size))
	err := eachField(rp, func(num protowire.Number, field []byte) {
		switch num {
		case retrievedShardKey, retrievedOrder:
		case retrievedPayload:
			buf = protowire.AppendTag(buf, pointStructPayload, protowire.BytesType)
			buf = append(buf, field[protowire.SizeTag(retrievedPayload):]...)
		default:
			buf = append(buf, field...)
		}
	})
	return buf, err
}

// eachField calls fn with every field of a message the read checked
// (length-delimited fields of the known numbers), tag included.
func eachField(b []byte, fn func(num protowire.Number, field []byte)) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		if typ != protowire.BytesType {
			return fmt.Errorf("field %d of a raw point is not length-delimited", num)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		switch num {
		case retrievedID, retrievedPayload, retrievedVectors, retrievedShardKey, retrievedOrder:
		default:
			return fmt.Errorf("field %d of a raw point is not one vecmig can write", num)
		}
		fn(num, b[:n+m])
		b = b[n+m:]
	}
	return nil
}

// upsertRaw writes raw points in one UpsertPoints with wait=true, encoded
// by hand around their bytes.
func (c *conn) upsertRaw(ctx context.Context, sel *qdrant.ShardKeySelector, b rawPoints) error {
	size := 16 + len(c.coll)
	for _, m := range b.msgs {
		size += len(m) + 8
	}
	buf := make([]byte, 0, size)
	buf = protowire.AppendTag(buf, upsertCollection, protowire.BytesType)
	buf = protowire.AppendString(buf, c.coll)
	buf = protowire.AppendTag(buf, upsertWait, protowire.VarintType)
	buf = protowire.AppendVarint(buf, 1)
	var err error
	for i, m := range b.msgs {
		if buf, err = appendPointStruct(buf, m); err != nil {
			return adapters.Errorf(adapters.KindInvalid, "%s: point %s: %w", c.prefix, b.ids[i], err)
		}
	}
	if sel != nil {
		sb, err := proto.Marshal(sel)
		if err != nil {
			return err
		}
		buf = protowire.AppendTag(buf, upsertShardKeySel, protowire.BytesType)
		buf = protowire.AppendBytes(buf, sb)
	}
	req := protoraw.Message(buf)
	return c.client.GetConnection().Invoke(ctx, qdrant.Points_Upsert_FullMethodName, &req, &qdrant.PointsOperationResponse{}, protoraw.Call)
}
