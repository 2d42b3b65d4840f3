package weaviate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/weaviate/weaviate-go-client/v4/weaviate"
	"github.com/weaviate/weaviate-go-client/v4/weaviate/fault"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/httpretry"
)

// rest sends one REST request with the API key and the request timeout,
// decodes a 2xx answer into out (when not nil) and classifies failures by
// HTTP status. It returns the status code.
func (c *conn) rest(ctx context.Context, method, path string, body, out any) (int, error) {
	return c.restAs(ctx, method+" "+path, method, path, body, out)
}

// restAs is rest with what the request does, for messages.
func (c *conn) restAs(ctx context.Context, what, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case json.RawMessage:
			rd = bytes.NewReader(b)
		default:
			raw, err := json.Marshal(body)
			if err != nil {
				return 0, c.errorf(adapters.KindInvalid, "%s: encode the request: %w", what, err)
			}
			rd = bytes.NewReader(raw)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, c.errorf(adapters.KindInvalid, "%s: %w", what, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.key.IsSet() {
		req.Header.Set("Authorization", "Bearer "+c.key.Reveal())
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, c.transportErr(what, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, c.transportErr(what, err)
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, c.httpErr(what, resp, data)
	}
	if out != nil && len(data) > 0 {
		if raw, ok := out.(*json.RawMessage); ok {
			*raw = append((*raw)[:0], data...)
			return resp.StatusCode, nil
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return resp.StatusCode, c.errorf(adapters.KindUnknown, "%s: unexpected answer (%v): %.200s", what, err, data)
		}
	}
	return resp.StatusCode, nil
}

// transportErr classifies a failure to get an HTTP answer at all.
func (c *conn) transportErr(what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %s: %w", c.where, what, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return adapters.Retryable(fmt.Errorf("%s: %s: no answer within %s: %w", c.where, what, c.timeout, err), 0)
	}
	// Refused connections, resets and the like may pass (a restarting
	// server): retryable; open turns them into KindUnreachable.
	return adapters.Retryable(fmt.Errorf("%s: %s: %w", c.where, what, err), 0)
}

// isConnErr reports a connection that could not be made at all.
func isConnErr(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial")
}

// serverMessage extracts Weaviate's error messages from an answer body.
func serverMessage(data []byte) string {
	var e struct {
		Error []struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil {
		var ms []string
		for _, m := range e.Error {
			ms = append(ms, m.Message)
		}
		if e.Message != "" {
			ms = append(ms, e.Message)
		}
		if len(ms) > 0 {
			return strings.Join(ms, "; ")
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func (c *conn) httpErr(what string, resp *http.Response, data []byte) error {
	msg := fmt.Errorf("%s: %s: HTTP %d: %s", c.where, what, resp.StatusCode, serverMessage(data))
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return adapters.WithKind(adapters.KindAuth, fmt.Errorf("%w; check the API key (--from-api-key/--to-api-key) and its permissions", msg))
	case http.StatusNotFound:
		return adapters.WithKind(adapters.KindNotFound, msg)
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return adapters.WithKind(adapters.KindInvalid, msg)
	}
	if httpretry.Status(resp.StatusCode) {
		return adapters.Retryable(msg, httpretry.After(resp.Header.Get("Retry-After")))
	}
	return adapters.WithKind(adapters.KindUnknown, msg)
}

// grpcErr classifies a gRPC failure by its status code.
func (c *conn) grpcErr(what string, err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %s: %w", c.where, what, err)
		}
		return adapters.Retryable(fmt.Errorf("%s: %s: %w", c.where, what, err), 0)
	}
	if tl := c.tooLarge(what, st); tl != nil {
		return tl // before ResourceExhausted, which also means a rate limit (size.go)
	}
	msg := fmt.Errorf("%s: %s: %s (gRPC %s)", c.where, what, adapters.ShortMessage(st.Message()), st.Code())
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted:
		return adapters.Retryable(msg, 0)
	case codes.ResourceExhausted:
		return adapters.Retryable(msg, grpcRetryAfter(st))
	case codes.Unauthenticated, codes.PermissionDenied:
		return adapters.WithKind(adapters.KindAuth, fmt.Errorf("%w; check the API key (--from-api-key/--to-api-key) and its permissions", msg))
	case codes.NotFound:
		return adapters.WithKind(adapters.KindNotFound, msg)
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return adapters.WithKind(adapters.KindInvalid, msg)
	case codes.Canceled:
		return msg
	}
	if schemaNotReady(st.Message()) {
		return adapters.Retryable(fmt.Errorf("%w; the server does not know the class yet (restarting?)", msg), 0)
	}
	return adapters.WithKind(adapters.KindUnknown, msg)
}

// schemaNotReady reports a message of a server that has not restored its
// schema yet: right after a restart Weaviate answers reads of an existing
// class with "could not find class" or, while its index is still loading,
// "tried to browse non-existing index", and writes with an attempt to
// create the class ("class already exists"). vecmig has checked the class
// before writing or reading, so these pass once the server has caught up;
// a class truly gone fails after the retries with the same message.
func schemaNotReady(msg string) bool {
	return strings.Contains(msg, "could not find class") || strings.Contains(msg, "class already exists") ||
		strings.Contains(msg, "non-existing index") ||
		(strings.Contains(msg, "class name") && strings.Contains(msg, "already exists"))
}

// grpcRetryAfter reads a retry delay a server may put in the status details
// (google.rpc.RetryInfo); Weaviate rarely does.
func grpcRetryAfter(st *status.Status) time.Duration {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

// client returns the weaviate-go-client for the typed schema calls it
// serves well (tenants), sharing this connection's HTTP client, timeout
// and key.
func (c *conn) client() *weaviate.Client {
	c.wcOnce.Do(func() {
		u, _ := url.Parse(c.base)
		h := map[string]string{}
		if c.key.IsSet() {
			h["Authorization"] = "Bearer " + c.key.Reveal()
		}
		c.wc = weaviate.New(weaviate.Config{Host: u.Host, Scheme: u.Scheme, ConnectionClient: c.http, Headers: h, Timeout: c.timeout})
	})
	return c.wc
}

// clientErr classifies an error of the weaviate-go-client by its HTTP
// status, like every other REST answer.
func (c *conn) clientErr(what string, err error) error {
	var fe *fault.WeaviateClientError
	if errors.As(err, &fe) {
		if fe.StatusCode > 0 {
			return c.httpErr(what, &http.Response{StatusCode: fe.StatusCode, Header: http.Header{}}, []byte(fe.Msg))
		}
		if fe.DerivedFromError != nil {
			return c.transportErr(what, fe.DerivedFromError)
		}
	}
	return c.transportErr(what, err)
}

// rejected reports the objects of a batch the server refused: one line
// naming the first few, every one in the error value.
func (c *conn) rejected(tenant string, n int, id func(i int) adapters.ID, errs []*pb.BatchObjectsReply_BatchError) error {
	e := &adapters.RejectedError{Endpoint: c.where, Partition: tenant, Noun: "objects", Total: n}
	notReady := true
	for _, be := range errs {
		notReady = notReady && schemaNotReady(be.GetError())
		r := adapters.Rejection{Message: adapters.ShortMessage(be.GetError())}
		if k := int(be.GetIndex()); k >= 0 && k < n {
			r.ID = id(k)
		} else {
			r.Message = fmt.Sprintf("(object at batch position %d) %s", k, r.Message)
		}
		e.Rejected = append(e.Rejected, r)
	}
	if notReady {
		return adapters.Retryable(fmt.Errorf("%w; the server does not know the class yet (restarting?)", adapters.Rejected(e)), 0)
	}
	return adapters.Rejected(e)
}
