package faultproxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	"google.golang.org/grpc"
)

// Rewrite replaces every Old with New in the responses a Fault selects,
// so a real server can be made to say what it cannot be made to be: a
// newer version in Qdrant's HealthCheck or GET / answer, say. It is for
// small answers. HTTP reads the whole body (up to rewriteLimit; a larger
// one fails the call with 502), asks the backend for it uncompressed, and
// fixes Content-Length. gRPC rewrites each response message as bytes, so
// Old and New must have the same length there: protobuf's own length
// prefixes are left as they are.
type Rewrite struct {
	Old, New string
}

// rewriteLimit bounds the body an HTTP Rewrite holds in memory.
const rewriteLimit = 1 << 20

// checkRewrite rejects a Rewrite that cannot happen; sameLength is gRPC's
// rule.
func checkRewrite(f Fault, sameLength bool) error {
	r := f.Rewrite
	switch {
	case r == nil:
		return nil
	case r.Old == "":
		return errors.New("Rewrite needs a non-empty Old")
	case f.Status != 0 || f.Code != 0 || f.DenyWrites:
		return errors.New("a fault that answers itself (Status, Code, DenyWrites) cannot also rewrite a forwarded response")
	case sameLength && len(r.Old) != len(r.New):
		return fmt.Errorf("gRPC Rewrite needs Old and New of the same length (%d and %d bytes): message lengths are not rewritten", len(r.Old), len(r.New))
	}
	return nil
}

// rewritingProxy is the proxy's reverse proxy with r applied to each
// response body.
func (p *HTTP) rewritingProxy(r Rewrite) *httputil.ReverseProxy {
	rp := p.newReverseProxy(&url.URL{Scheme: "http", Host: p.target})
	rewrite := rp.Rewrite
	rp.Rewrite = func(pr *httputil.ProxyRequest) {
		rewrite(pr)
		pr.Out.Header.Del("Accept-Encoding") // a body the proxy can read
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		b, err := io.ReadAll(io.LimitReader(resp.Body, rewriteLimit+1))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if len(b) > rewriteLimit {
			return fmt.Errorf("faultproxy: Rewrite: the response is over %d bytes", rewriteLimit)
		}
		b = bytes.ReplaceAll(b, []byte(r.Old), []byte(r.New))
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	return rp
}

// rewritingStream applies a Rewrite to each message the proxy sends back
// to the client.
type rewritingStream struct {
	grpc.ServerStream
	old, new []byte
}

func (s *rewritingStream) SendMsg(m any) error {
	if f, ok := m.(*frame); ok {
		m = &frame{data: bytes.ReplaceAll(f.data, s.old, s.new)}
	}
	return s.ServerStream.SendMsg(m)
}
