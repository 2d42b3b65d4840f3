package weaviate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters"
)

// Request size. Weaviate's gRPC server refuses a message over
// GRPC_MAX_MESSAGE_SIZE (default 104858000 bytes, 100 MiB + 400) with
// ResourceExhausted "grpc: received message larger than max (SIZE vs.
// LIMIT)" (seen on 1.35.2 with GRPC_MAX_MESSAGE_SIZE=1048576). The code
// alone also means a rate limit, so the message tells them apart; it gives
// the limit, which migrate then keeps its requests under. The same limit
// bounds the server's answers ("trying to send message larger than max"):
// a page to read larger than it fails, seen with verify.

// defaultRequestLimit is GRPC_MAX_MESSAGE_SIZE's default.
const defaultRequestLimit = 104858000

const raiseLimit = "raise GRPC_MAX_MESSAGE_SIZE (bytes) on the target Weaviate server"

// MaxRequestBytes is the server's default message limit
// (adapters.RequestLimiter); migrate learns a smaller one from a refusal.
func (s *Sink) MaxRequestBytes() int64 { return defaultRequestLimit }

// PointSize is a raw object's size as the source sent it, close to its
// size in a batch request (adapters.RawSizer).
func (b rawObjects) PointSize(i int) int { return b.pointSize(i) }

var grpcSizes = regexp.MustCompile(`\((\d+) vs\. (\d+)\)`)

// tooLarge recognises a gRPC refusal for size (nil: not one).
func (c *conn) tooLarge(what string, st *status.Status) error {
	if st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "larger than max") {
		return nil
	}
	var size, limit int64
	if m := grpcSizes.FindStringSubmatch(st.Message()); m != nil {
		size, _ = strconv.ParseInt(m[1], 10, 64)
		limit, _ = strconv.ParseInt(m[2], 10, 64)
	}
	if strings.Contains(st.Message(), "trying to send") {
		// The same limit bounds the server's answers: a page to read.
		return adapters.TooLarge(fmt.Errorf("%s: %s: the answer is larger than the server may send: %s (gRPC %s); read smaller pages (--batch-size, verify --page-size) or %s", c.where, what, adapters.ShortMessage(st.Message()), st.Code(), raiseLimit), size, limit, raiseLimit)
	}
	return adapters.TooLarge(fmt.Errorf("%s: %s: the request is too large for the server: %s (gRPC %s)", c.where, what, adapters.ShortMessage(st.Message()), st.Code()), size, limit, raiseLimit)
}
