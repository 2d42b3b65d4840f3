package weaviate

import (
	"context"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/protoraw"
)

// Search replies are read in protobuf's wire format by hand: decoding them
// into the generated messages was the largest part of a copy's CPU
// (Weaviate 1.35 sends each class-level vector twice, as floats and as
// bytes, and every property value as its own message). A result is read by
// hand when it holds what a page read asks for: its id, vector bytes,
// named vectors and scalar properties. Any other result (an object, list,
// geo or phone value, a multi-vector's index, a field this reader does not
// know) is decoded by proto from its bytes, as before.

// Field numbers of protocol v1 (search_get.proto, base.proto,
// properties.proto).
const (
	replyResults     = 2  // SearchReply.results
	resultProperties = 1  // SearchResult.properties
	resultMetadata   = 2  // SearchResult.metadata
	mdID             = 1  // MetadataResult.id
	mdVector         = 2  // MetadataResult.vector (floats, deprecated)
	mdVectorBytes    = 19 // MetadataResult.vector_bytes
	mdIDAsBytes      = 20
	mdVectors        = 23
	propsNonRefProps = 11 // PropertiesResult.non_ref_props
	propsFields      = 1  // Properties.fields (map entries: key 1, value 2)
	vecName          = 1  // Vectors.name
	vecBytes         = 3  // Vectors.vector_bytes
	pvNumber         = 1  // Value.number_value
	pvString         = 2
	pvBool           = 3
	pvDate           = 6
	pvUUID           = 7
	pvInt            = 8
	pvBlob           = 10
	pvNull           = 12
	pvText           = 13
)

const searchMethod = "/weaviate.v1.Weaviate/Search"

// wireProp is one scalar property value: its Value field number, and the
// string (s) or number bits (n) it holds.
type wireProp struct {
	key  string
	kind protowire.Number
	s    string
	n    uint64
}

// wireResult is one search result as read from the wire. When ok, md (id
// and vectors only) and props hold all a copy reads from it; otherwise raw
// is decoded by proto.
type wireResult struct {
	raw   []byte
	md    *pb.MetadataResult
	props []wireProp
	ok    bool
}

// full is the result decoded by proto.
func (w *wireResult) full() (*pb.SearchResult, error) {
	r := &pb.SearchResult{}
	if err := proto.Unmarshal(w.raw, r); err != nil {
		return nil, fmt.Errorf("a search result does not decode: %v", err)
	}
	return r, nil
}

// searchWire runs a Search and returns its results as read from the wire.
func (c *conn) searchWire(ctx context.Context, sr *pb.SearchRequest, what string) ([]wireResult, error) {
	gctx, cancel := c.grpcCtx(ctx)
	defer cancel()
	var raw protoraw.Message
	if err := c.gc.Invoke(gctx, searchMethod, sr, &raw, protoraw.Call); err != nil {
		return nil, c.searchErr(ctx, sr, what, err)
	}
	res, err := parseSearchReply(raw)
	if err != nil {
		return nil, c.errorf(adapters.KindUnknown, "%s: the server's answer does not decode: %v", what, err)
	}
	return res, nil
}

// parseSearchReply splits a SearchReply into its results.
func parseSearchReply(b []byte) ([]wireResult, error) {
	var out []wireResult
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != replyResults || typ != protowire.BytesType {
			return nil // took, generative and group-by answers: not asked for
		}
		w := wireResult{raw: v}
		var err error
		w.md, w.props, w.ok, err = parseResult(v)
		out = append(out, w)
		return err
	})
	return out, err
}

func parseResult(b []byte) (md *pb.MetadataResult, props []wireProp, ok bool, err error) {
	md, ok = &pb.MetadataResult{}, true
	err = protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		var fine bool
		var err error
		switch {
		case num == resultMetadata && typ == protowire.BytesType:
			fine, err = parseMetadata(v, md)
		case num == resultProperties && typ == protowire.BytesType:
			props, fine, err = parseProperties(v, props)
		}
		ok = ok && fine
		return err
	})
	return md, props, ok, err
}

// parseMetadata reads the id and the vectors into md; ok is false at a
// field it does not know.
func parseMetadata(b []byte, md *pb.MetadataResult) (ok bool, err error) {
	ok, floats := true, false
	err = protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			ok = false
			return nil
		}
		switch num {
		case mdID:
			md.Id = string(v)
		case mdVector:
			floats = true // the same vector as vector_bytes
		case mdVectorBytes:
			md.VectorBytes = v
		case mdIDAsBytes:
			md.IdAsBytes = v
		case mdVectors:
			nv := &pb.Vectors{}
			err := protoraw.Fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				switch {
				case num == vecName && typ == protowire.BytesType:
					nv.Name = string(v)
				case num == vecBytes && typ == protowire.BytesType:
					nv.VectorBytes = v
				default:
					ok = false // an index or a type: proto reads it
				}
				return nil
			})
			md.Vectors = append(md.Vectors, nv)
			return err
		default:
			ok = false
		}
		return nil
	})
	if floats && len(md.VectorBytes) == 0 {
		ok = false
	}
	return ok, err
}

// parseProperties reads the scalar non-reference properties; ok is false
// at any other value. Other fields of PropertiesResult are not read by a
// copy (decodeResult and transcode look at non_ref_props only).
func parseProperties(b []byte, props []wireProp) (_ []wireProp, ok bool, err error) {
	ok = true
	err = protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != propsNonRefProps || typ != protowire.BytesType {
			return nil
		}
		return protoraw.Fields(v, func(num protowire.Number, typ protowire.Type, entry []byte, _ uint64) error {
			if num != propsFields || typ != protowire.BytesType {
				ok = false
				return nil
			}
			p, fine, err := parseEntry(entry)
			if fine {
				props = append(props, p)
			}
			ok = ok && fine
			return err
		})
	})
	return props, ok, err
}

// parseEntry reads one map entry of Properties.fields.
func parseEntry(b []byte) (p wireProp, ok bool, err error) {
	ok, p.kind = true, pvNull // a missing value is no value
	err = protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			p.key = string(v)
		case num == 2 && typ == protowire.BytesType:
			p.kind = pvNull
			return protoraw.Fields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch {
				case typ == protowire.BytesType && (num == pvString || num == pvDate || num == pvUUID || num == pvBlob || num == pvText):
					p.kind, p.s = num, string(v)
				case (typ == protowire.VarintType && (num == pvBool || num == pvInt || num == pvNull)) || (typ == protowire.Fixed64Type && num == pvNumber):
					p.kind, p.n = num, x
				default:
					ok = false
				}
				return nil
			})
		default:
			ok = false
		}
		return nil
	})
	return p, ok, err
}

// value is a scalar property value as decodeValue gives it (nil: null).
func (p *wireProp) value(ps *propSchema) any {
	bt, _ := baseType(ps)
	switch p.kind {
	case pvNull:
		return nil
	case pvBool:
		return p.n != 0
	case pvInt:
		if bt == "number" {
			return float64(int64(p.n))
		}
		return int64(p.n)
	case pvNumber:
		f := math.Float64frombits(p.n)
		if bt == "int" && f == math.Trunc(f) && math.Abs(f) <= 1<<63 {
			return int64(f)
		}
		return f
	}
	return p.s
}

// decodeWire is decodeResult for a result read by hand.
func (cl *class) decodeWire(w *wireResult) (adapters.Point, error) {
	if !w.ok {
		r, err := w.full()
		if err != nil {
			return adapters.Point{}, err
		}
		return cl.decodeResult(r)
	}
	p, err := cl.decodeResult(&pb.SearchResult{Metadata: w.md})
	if err != nil || len(w.props) == 0 {
		return p, err
	}
	p.Payload = make(map[string]any, len(w.props))
	for i := range w.props {
		if x := w.props[i].value(cl.props[w.props[i].key]); x != nil {
			p.Payload[w.props[i].key] = x
		}
	}
	if len(p.Payload) == 0 {
		p.Payload = nil
	}
	return p, nil
}
