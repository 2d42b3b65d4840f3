package qdrant

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters"
)

// Request size. Qdrant's gRPC port took a 70 MiB upsert even with
// QDRANT__SERVICE__MAX_REQUEST_SIZE_MB=1 (seen on 1.18.3):
// service.max_request_size_mb (default 32) bounds REST requests only.
// What refuses a large gRPC request is something in front of the port (a
// proxy or load balancer) or a build with a limit (tonic's "decoded
// message length too large", code OutOfRange). The sink keeps its
// requests under the REST default all the same, so that a batch of huge
// payloads passes a proxy configured like Qdrant itself.

// defaultRequestLimit is service.max_request_size_mb's default.
const defaultRequestLimit = 32 << 20

// raiseLimit says where the limit a large request met is raised.
const raiseLimit = "raise the request size limit of the proxy in front of Qdrant's gRPC port (Qdrant itself set none on gRPC; service.max_request_size_mb bounds REST only)"

// MaxRequestBytes is the size the sink keeps its write requests under
// (adapters.RequestLimiter).
func (s *Sink) MaxRequestBytes() int64 { return defaultRequestLimit }

// PointSize is a raw point's size in an upsert (adapters.RawSizer).
func (b rawPoints) PointSize(i int) int { return len(b.msgs[i]) + 6 }

// grpcSizes reads "(2097756 vs. 1048576)" (grpc-go) or "found 2097756
// bytes, the limit is: 1048576 bytes" (tonic).
var grpcSizes = regexp.MustCompile(`\((\d+) vs\. (\d+)\)|found (\d+) bytes, the limit is:? (\d+)`)

// tooLarge recognises a refusal for size: by code first (OutOfRange,
// ResourceExhausted), then, since those codes also mean other things (a
// rate limit, an offset out of range), by the message gRPC and tonic give
// with them; a proxy's HTTP 413 comes through grpc-go with code Unknown
// and only its message says so.
func tooLarge(err error, what, prefix string) error {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	msg := st.Message()
	switch st.Code() {
	case codes.OutOfRange, codes.ResourceExhausted:
		if !strings.Contains(msg, "larger than max") && !strings.Contains(msg, "length too large") {
			return nil
		}
	case codes.Unknown, codes.Internal:
		if !strings.Contains(msg, "status code received from server: 413") {
			return nil
		}
	default:
		return nil
	}
	var size, limit int64
	if m := grpcSizes.FindStringSubmatch(msg); m != nil {
		size, limit = atoi(m[1]+m[3]), atoi(m[2]+m[4])
	}
	return adapters.TooLarge(fmt.Errorf("%s: %s: the request is too large for the server: %s (%s)", prefix, what, adapters.ShortMessage(msg), st.Code()), size, limit, raiseLimit)
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
