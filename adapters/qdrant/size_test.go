package qdrant

import (
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters"
)

// A real Qdrant cannot be made to refuse a gRPC request for its size (its
// gRPC port has no limit), so these are the refusals of what stands in
// front of it, as grpc-go and tonic word them.
func TestTooLargeIsRecognised(t *testing.T) {
	cases := []struct {
		name        string
		err         error
		size, limit int64
	}{
		{"grpc-go proxy", status.Error(codes.ResourceExhausted, "grpc: received message larger than max (2097756 vs. 1048576)"), 2097756, 1048576},
		{"tonic", status.Error(codes.OutOfRange, "Error, decoded message length too large: found 5000000 bytes, the limit is: 4194304 bytes"), 5000000, 4194304},
		{"http 413 through a proxy", status.Error(codes.Unknown, "unexpected HTTP status code received from server: 413 (Request Entity Too Large)"), 0, 0},
		{"wrapped by the go-client", fmt.Errorf("Upsert() failed: %w", status.Error(codes.ResourceExhausted, "grpc: received message larger than max (9 vs. 8)")), 9, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tooLarge(c.err, "write 3 points", "qdrant 127.0.0.1:6334/docs")
			tl, ok := adapters.AsTooLarge(err)
			if !ok {
				t.Fatalf("%v was not recognised as too large", c.err)
			}
			if tl.Size != c.size || tl.Limit != c.limit || adapters.KindOf(err) != adapters.KindInvalid {
				t.Errorf("got size %d limit %d kind %v; want %d, %d, invalid", tl.Size, tl.Limit, adapters.KindOf(err), c.size, c.limit)
			}
		})
	}
	for _, err := range []error{
		status.Error(codes.ResourceExhausted, "rate limit exceeded"),
		status.Error(codes.OutOfRange, "offset out of range"),
		status.Error(codes.Unavailable, "dial tcp 127.0.0.1:41345: connection refused"),
		status.Error(codes.Unknown, "port 41300 said no"),
		errors.New("plain"),
	} {
		if tooLarge(err, "write", "q") != nil {
			t.Errorf("%v taken for a refusal for size", err)
		}
	}
}
