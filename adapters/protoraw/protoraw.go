// Package protoraw carries gRPC messages as their bytes, for the adapters'
// hand-written encoders and decoders on the hot paths: a codec that sends
// and receives a Message undecoded, and a walk over a message's fields.
package protoraw

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// Message is a message gRPC carries as its bytes, undecoded.
type Message []byte

// codec sends a *Message as it is and reads an answer into one with a
// single copy out of gRPC's buffers (the decoded values alias it); any
// other message goes through the ordinary protobuf codec.
type codec struct{}

var protoCodec = encoding.GetCodecV2(grpcproto.Name)

func (codec) Name() string { return grpcproto.Name }

func (codec) Marshal(v any) (mem.BufferSlice, error) {
	if m, ok := v.(*Message); ok {
		return mem.BufferSlice{mem.SliceBuffer(*m)}, nil
	}
	return protoCodec.Marshal(v)
}

func (codec) Unmarshal(data mem.BufferSlice, v any) error {
	if m, ok := v.(*Message); ok {
		*m = data.Materialize()
		return nil
	}
	return protoCodec.Unmarshal(data, v)
}

// Call forces the codec on one call: it leaves the content type, and
// every other call, as they are.
var Call = grpc.ForceCodecV2(codec{})

// Fields calls fn with each field of message b: a bytes field's content as
// v (capped, so that appending to it never overwrites what follows), a
// varint or fixed field's value as x.
func Fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		v, x, n := value(num, typ, b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// value reads the value of one field of type typ from b.
func value(num protowire.Number, typ protowire.Type, b []byte) (v []byte, x uint64, n int) {
	switch typ {
	case protowire.BytesType:
		v, n = protowire.ConsumeBytes(b)
		v = v[:len(v):len(v)]
	case protowire.VarintType:
		x, n = protowire.ConsumeVarint(b)
	case protowire.Fixed64Type:
		x, n = protowire.ConsumeFixed64(b)
	case protowire.Fixed32Type:
		var y uint32
		y, n = protowire.ConsumeFixed32(b)
		x = uint64(y)
	default:
		n = protowire.ConsumeFieldValue(num, typ, b)
	}
	return v, x, n
}
