package adapters

import (
	"errors"
	"fmt"
)

// Requests too large for the target: a server refuses a write request over
// its size limit (Weaviate: GRPC_MAX_MESSAGE_SIZE; a proxy in front of
// either engine: its own). migrate cuts batches under the target's limit
// beforehand (RequestLimiter, by EstimateSize), and halves a batch the
// server still refuses as too large (TooLargeError), until one point
// alone is over the limit.

// TooLargeError says the server refused a request for its size. Adapters
// return it wrapped in an Error of KindInvalid, so that it is never
// retried as it is.
type TooLargeError struct {
	// Size and Limit are the request's size and the server's limit in
	// bytes, as the server reported them; 0 when it did not say.
	Size, Limit int64
	// Raise says how to raise the limit on this engine, for messages.
	Raise string
	Err   error
}

func (e *TooLargeError) Error() string { return e.Err.Error() }
func (e *TooLargeError) Unwrap() error { return e.Err }

// TooLarge wraps err, a refusal for size, as a TooLargeError of
// KindInvalid.
func TooLarge(err error, size, limit int64, raise string) error {
	return &Error{Kind: KindInvalid, Err: &TooLargeError{Size: size, Limit: limit, Raise: raise, Err: err}}
}

// AsTooLarge finds a TooLargeError in err's chain.
func AsTooLarge(err error) (*TooLargeError, bool) {
	var tl *TooLargeError
	ok := errors.As(err, &tl)
	return tl, ok
}

// RequestLimiter is a Sink that knows the largest write request its server
// takes by default, in bytes (0: no known limit).
type RequestLimiter interface {
	MaxRequestBytes() int64
}

// RawSizer is a RawBatch that knows each point's encoded size in bytes.
type RawSizer interface {
	PointSize(i int) int
}

// EstimateSize is about the number of bytes a point takes in a write
// request of either engine's gRPC encoding: 4 per float, the payload's
// strings and keys as they are, a few bytes per number and per field.
func EstimateSize(p *Point) int {
	n := 24
	for name, v := range p.Vectors {
		n += len(name) + 8 + 4*len(v.Dense)
		for _, row := range v.Multi {
			n += 4 + 4*len(row)
		}
		if v.Sparse != nil {
			n += 8 + 4*len(v.Sparse.Values) + 5*len(v.Sparse.Indices)
		}
	}
	for k, v := range p.Payload {
		n += len(k) + 4 + valueSize(v)
	}
	return n
}

func valueSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 4
	case []any:
		n := 4
		for _, e := range x {
			n += valueSize(e)
		}
		return n
	case map[string]any:
		n := 4
		for k, e := range x {
			n += len(k) + 4 + valueSize(e)
		}
		return n
	}
	return 11
}

// SizeString writes a byte count for people, as in "2.0 MiB (2097756 bytes)".
func SizeString(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
}
