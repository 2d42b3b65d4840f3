package qdrant

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/protoraw"
)

// A scroll's answer is decoded into neutral points by hand: decoding it
// into the go-client's messages first was the largest part of a Q→W copy's
// CPU. A point is read by hand when its vectors are dense and its payload
// values are scalars; any other point (sparse or multi-vectors, nested
// payload, a field this reader does not know) is decoded by proto and
// neutralPoint, as before.

// Field numbers: passthrough.go, vectorcheck.go and upsertwire.go.

// decodeScroll reads a ScrollResponse: its points, and whether it is the
// last page (no next_page_offset).
func decodeScroll(b []byte) (pts []adapters.Point, last bool, err error) {
	last = true
	err = protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case scrollNextOffset:
			last = false
		case scrollResult:
			p, err := decodeRetrieved(v)
			if err != nil {
				return err
			}
			pts = append(pts, p)
		}
		return nil
	})
	return pts, last, err
}

// decodeRetrieved is neutralPoint for a RetrievedPoint's bytes.
func decodeRetrieved(b []byte) (adapters.Point, error) {
	if p, ok := handPoint(b); ok {
		return p, nil
	}
	rp := &qdrant.RetrievedPoint{}
	if err := proto.Unmarshal(b, rp); err != nil {
		return adapters.Point{}, fmt.Errorf("a point does not decode: %v", err)
	}
	return neutralPoint(rp)
}

// handPoint reads a point by hand; ok is false when proto must.
func handPoint(b []byte) (p adapters.Point, ok bool) {
	ok = true
	haveID := false
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			ok = false
			return nil
		}
		switch num {
		case retrievedID:
			id, err := wirePointID(v)
			p.ID, haveID, ok = id, err == nil, ok && err == nil
		case retrievedPayload:
			k, x, fine := payloadEntry(v)
			if p.Payload == nil {
				p.Payload = map[string]any{}
			}
			p.Payload[k], ok = x, ok && fine
		case retrievedVectors:
			ok = ok && handVectors(v, &p)
		case retrievedShardKey, retrievedOrder:
		default:
			ok = false
		}
		return nil
	})
	return p, ok && haveID && err == nil
}

// payloadEntry reads a payload map entry holding a scalar.
func payloadEntry(b []byte) (key string, x any, ok bool) {
	ok = true
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == mapKey && typ == protowire.BytesType:
			key = string(v)
		case num == mapValue && typ == protowire.BytesType:
			x, ok = scalarValue(v)
		default:
			ok = false
		}
		return nil
	})
	return key, x, ok && err == nil
}

// scalarValue reads a Value holding null, a double, an integer, a string
// or a bool (neutralValue's types); ok is false for a struct or list.
func scalarValue(b []byte) (x any, ok bool) {
	ok = true
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == qvNull && typ == protowire.VarintType:
			x = nil
		case num == qvDouble && typ == protowire.Fixed64Type:
			x = math.Float64frombits(n)
		case num == qvInteger && typ == protowire.VarintType:
			x = int64(n)
		case num == qvString && typ == protowire.BytesType:
			x = string(v)
		case num == qvBool && typ == protowire.VarintType:
			x = n != 0
		default:
			ok = false
		}
		return nil
	})
	return x, ok && err == nil
}

// handVectors reads a VectorsOutput of dense vectors into p.
func handVectors(b []byte, p *adapters.Point) bool {
	ok := true
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if typ != protowire.BytesType {
			ok = false
			return nil
		}
		switch num {
		case vectorsOutputVector:
			d, fine := denseOutput(v)
			p.Vectors, ok = map[string]adapters.Vector{adapters.DefaultVector: {Dense: d}}, ok && fine
		case vectorsOutputNamed:
			p.Vectors = nil
			return protoraw.Fields(v, func(num protowire.Number, typ protowire.Type, entry []byte, _ uint64) error {
				if num != namedVectorsMap || typ != protowire.BytesType {
					ok = false
					return nil
				}
				name, d, fine := namedDense(entry)
				if p.Vectors == nil {
					p.Vectors = map[string]adapters.Vector{}
				}
				p.Vectors[name], ok = adapters.Vector{Dense: d}, ok && fine
				return nil
			})
		default:
			ok = false
		}
		return nil
	})
	return ok && err == nil
}

func namedDense(b []byte) (name string, d []float32, ok bool) {
	ok = true
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == mapKey && typ == protowire.BytesType:
			name = string(v)
		case num == mapValue && typ == protowire.BytesType:
			d, ok = denseOutput(v)
		default:
			ok = false
		}
		return nil
	})
	if d == nil {
		d = []float32{} // an entry without a value: neutralVector's empty vector
	}
	return name, d, ok && err == nil
}

// denseOutput reads a VectorOutput holding a dense vector, in its typed
// form (dense) or the deprecated flat one (data), as neutralVector does.
func denseOutput(b []byte) (d []float32, ok bool) {
	var flat, dense []float32
	haveDense := false
	ok = true
	err := protoraw.Fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == vectorOutputData && typ == protowire.BytesType:
			flat, ok = packedFloats(v, flat), ok && len(v)%4 == 0
		case num == vectorOutputDense && typ == protowire.BytesType:
			haveDense = true
			return protoraw.Fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if num != denseData || typ != protowire.BytesType || len(v)%4 != 0 {
					ok = false
					return nil
				}
				dense = packedFloats(v, dense)
				return nil
			})
		default:
			ok = false // sparse, multi-dense, indices, vectors_count
		}
		return nil
	})
	if haveDense {
		flat = dense
	}
	if flat == nil {
		flat = []float32{}
	}
	return flat, ok && err == nil
}

// packedFloats appends packed little-endian float32s to d.
func packedFloats(b []byte, d []float32) []float32 {
	if d == nil {
		d = make([]float32, 0, len(b)/4)
	}
	for i := 0; i+4 <= len(b); i += 4 {
		d = append(d, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return d
}
