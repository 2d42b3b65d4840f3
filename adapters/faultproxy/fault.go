package faultproxy

import (
	"errors"
	"time"

	"google.golang.org/grpc/codes"
)

// Fault describes what a proxy does to the calls it selects.
//
// Match selects calls. For HTTP it is "METHOD /path/pattern", where a path
// segment "*" matches any one segment and a trailing "/**" any rest, e.g.
// "GET /collections/*/snapshots/*"; the method may be "*" or left out
// ("/collections/**"), and "" or "*" selects every request. For gRPC it is a
// method short name "Upsert", a qualified "Points/Upsert" or a full
// "/qdrant.Points/Upsert"; "" or "*" selects every call except health checks
// (qdrant.Qdrant/HealthCheck and grpc.health.v1).
//
// Delay may be combined with any other effect; of the rest, use one. A
// Fault with no effect lets its Times matching calls through untouched, so
// a fault injected after it hits the calls that follow.
type Fault struct {
	Match string
	// Times is how many matching calls the fault hits; 0 means every one
	// until Reset.
	Times int

	// Status (HTTP) answers this status with a small Qdrant-style JSON
	// body instead of forwarding.
	Status int
	// Code (gRPC) fails the call with this code instead of forwarding.
	Code codes.Code
	// RetryAfter adds, in whole seconds, a Retry-After header to Status or
	// a "retry-after" trailer to Code, as Qdrant does when rate limiting.
	RetryAfter time.Duration
	// Delay waits before acting or forwarding; a caller that gives up
	// first gets its own cancellation, as from a slow server.
	Delay time.Duration
	// HoldAnswer (gRPC) forwards the call at once and holds the backend's
	// answer this long before relaying it: a write the server applied
	// whose answer comes after the caller's deadline. A caller that gives
	// up first sees its own DeadlineExceeded, though the backend handled
	// the call.
	HoldAnswer time.Duration
	// CutAfter forwards the call but breaks the connection once this many
	// response bytes have reached the client: a download ends early, or a
	// write is applied without its answer arriving. HTTP counts body bytes
	// as sent, after any Content-Encoding (Qdrant gzips for a client that
	// accepts gzip, as Go's transport does by default), and the client
	// sees io.ErrUnexpectedEOF. gRPC counts whole response messages, so 1
	// cuts a unary call after the backend has handled it, and the client
	// sees codes.Unavailable ("connection reset by peer"), as does every
	// other call on that connection. A shorter response ends normally.
	CutAfter int64
	// Corrupt (HTTP) flips the low bit of every 4096th response body byte
	// as sent, starting with the first: same length, different checksum
	// (and a gzip body that no longer decompresses).
	Corrupt bool
	// StripRange (HTTP) drops the request's Range and If-Range headers and
	// the response's Accept-Ranges, as a server without range support.
	StripRange bool
	// DenyWrites narrows the fault to calls that would modify data and
	// refuses them: 403 over HTTP, PermissionDenied over gRPC, unless
	// Status or Code says otherwise.
	DenyWrites bool
	// Rewrite replaces text in the forwarded response (see Rewrite).
	Rewrite *Rewrite
}

// retryAfterSeconds rounds up, so a sub-second RetryAfter still asks the
// client to wait rather than sending "0".
func (f Fault) retryAfterSeconds() int {
	return int((f.RetryAfter + time.Second - 1) / time.Second)
}

// checkEffects rejects a Fault that both answers in the proxy's name and
// changes a forwarded response, since only one of the two can happen.
// A Fault with no effect at all is allowed: with Times it lets that many
// matching calls through before the faults injected after it.
func checkEffects(f Fault, answers bool) error {
	forwards := f.CutAfter != 0 || f.Corrupt || f.StripRange || f.HoldAnswer != 0
	switch {
	case f.CutAfter < 0 || f.Delay < 0 || f.RetryAfter < 0 || f.Times < 0 || f.HoldAnswer < 0:
		return errors.New("CutAfter, Delay, HoldAnswer, RetryAfter and Times cannot be negative")
	case (answers || f.DenyWrites) && forwards:
		return errors.New("a fault that answers itself (Status, Code, DenyWrites) cannot also cut, corrupt, strip or hold a forwarded response")
	case f.RetryAfter != 0 && !answers && !f.DenyWrites:
		return errors.New("RetryAfter needs a Status or Code to go with")
	}
	return nil
}
