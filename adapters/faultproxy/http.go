package faultproxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"
)

// HTTP is a reverse proxy on 127.0.0.1 in front of a plain-HTTP server.
// Bodies stream both ways, so multi-gigabyte snapshots pass without being
// held in memory. It is safe for concurrent use.
type HTTP struct {
	target    string
	listener  net.Listener
	server    *http.Server
	transport *http.Transport
	proxy     *httputil.ReverseProxy
	faults    *table
}

// NewHTTP starts a proxy for target ("host:port") on a free local port.
func NewHTTP(target string) (*HTTP, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen for HTTP proxy to %s: %w", target, err)
	}
	p := &HTTP{target: target, listener: ln, faults: newTable(httpDialect)}
	p.transport = newTransport()
	p.proxy = p.newReverseProxy(&url.URL{Scheme: "http", Host: target})
	p.server = &http.Server{Handler: p, ReadHeaderTimeout: time.Minute}
	go p.server.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Close.
	return p, nil
}

// StartHTTP is NewHTTP for a test: it fails the test on error and closes
// the proxy when the test ends.
func StartHTTP(t testing.TB, target string) *HTTP {
	t.Helper()
	p, err := NewHTTP(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// newTransport leaves compression alone: Go's default would ask for gzip
// on the client's behalf and hand back a body without its Content-Length.
func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	tr.MaxIdleConnsPerHost = 64
	return tr
}

func (p *HTTP) newReverseProxy(target *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// Keep the client's Host, so links a server builds from it
			// point back through the proxy.
			r.Out.Host = r.In.Host
		},
		Transport:     p.transport,
		FlushInterval: -1,
		ErrorHandler:  p.backendError,
	}
}

// backendError answers 502 when the backend cannot be reached, naming it,
// so a test that forgot to start its server says so.
func (p *HTTP) backendError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, r.Context().Err()) {
		return // the client left; nobody is listening for an answer
	}
	writeJSONError(w, http.StatusBadGateway,
		fmt.Sprintf("faultproxy: backend %s for %s %s: %v; is the server running?", p.target, r.Method, r.URL.Path, err))
}

// Port is the proxy's local port.
func (p *HTTP) Port() int { return p.listener.Addr().(*net.TCPAddr).Port }

// Addr is the proxy's "127.0.0.1:port".
func (p *HTTP) Addr() string { return p.listener.Addr().String() }

// URL is the proxy's "http://127.0.0.1:port".
func (p *HTTP) URL() string { return "http://" + p.Addr() }

// Target is the backend's "host:port".
func (p *HTTP) Target() string { return p.target }

// Close stops the proxy and drops its connections.
func (p *HTTP) Close() error {
	err := p.server.Close()
	p.transport.CloseIdleConnections()
	return err
}
