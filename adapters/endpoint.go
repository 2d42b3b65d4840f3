package adapters

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Endpoint is a parsed source or target URL:
//
//	qdrant://HOST[:GRPC_PORT]/COLLECTION[?rest_port=6333&tls=true]
//	weaviate://HOST[:HTTP_PORT]/CLASS[?grpc_port=50051&tls=true&tenant=a,b]
//	file://PATH
//
// API keys never come from the URL: a URL with user information is refused.
type Endpoint struct {
	Scheme string
	Host   string // without port; empty for file://
	Port   int    // 0 when the URL has none (the adapter picks its default)
	// Name is the collection or class (engines), or the path (file://).
	Name  string
	Query url.Values
	raw   string
}

// ParseEndpoint parses and checks an endpoint URL that names a collection.
func ParseEndpoint(raw string) (*Endpoint, error) { return parseEndpoint(raw, true) }

// ParseServer parses and checks the URL of a server, with or without a
// collection (Name is then ""): for commands that act on a whole server,
// as full snapshots and backups do.
func ParseServer(raw string) (*Endpoint, error) { return parseEndpoint(raw, false) }

func parseEndpoint(raw string, needName bool) (*Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("endpoint %q is not a URL; use qdrant://HOST:6334/COLLECTION, weaviate://HOST:8080/CLASS or file://PATH", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("endpoint %s://%s: API keys are not taken from URLs; use --from-api-key/--to-api-key or VECMIG_FROM_API_KEY/VECMIG_TO_API_KEY", u.Scheme, u.Host)
	}
	ep := &Endpoint{Scheme: strings.ToLower(u.Scheme), Query: u.Query()}
	if ep.Scheme == "file" {
		p := u.Path
		if u.Host != "" && u.Host != "localhost" {
			// file://relative/dir: treat the "host" as the first path element.
			p = u.Host + p
		}
		if u.Opaque != "" {
			p = u.Opaque
		}
		if p == "" {
			return nil, fmt.Errorf("endpoint %q names no path; use file:///absolute/dir or file://relative/dir", raw)
		}
		ep.Name = p
		ep.raw = "file://" + p
		return ep, nil
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint %q has no host; use %s://HOST[:PORT]/NAME", raw, ep.Scheme)
	}
	ep.Host = u.Hostname()
	if ps := u.Port(); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("endpoint %q: port %q is not a number from 1 to 65535", raw, ps)
		}
		ep.Port = n
	}
	ep.Name = strings.Trim(u.Path, "/")
	if (needName && ep.Name == "") || strings.Contains(ep.Name, "/") {
		return nil, fmt.Errorf("endpoint %q: the path must be one collection or class name, as in %s://%s/NAME", raw, ep.Scheme, u.Host)
	}
	ep.raw = ep.Scheme + "://" + u.Host
	if ep.Name != "" {
		ep.raw += "/" + ep.Name
	}
	return ep, nil
}

// String prints the endpoint without its query, for messages and state.
func (e *Endpoint) String() string { return e.raw }

// HostPort joins the host with the port, or with def when the URL had none.
func (e *Endpoint) HostPort(def int) string {
	p := e.Port
	if p == 0 {
		p = def
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(p))
}

// QueryInt reads an integer query parameter, or def when absent.
func (e *Endpoint) QueryInt(key string, def int) (int, error) {
	v := e.Query.Get(key)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("endpoint %s: %s=%q is not a whole number", e, key, v)
	}
	return n, nil
}

// QueryBool reads a boolean query parameter, or def when absent.
func (e *Endpoint) QueryBool(key string, def bool) (bool, error) {
	v := e.Query.Get(key)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("endpoint %s: %s=%q is not true or false", e, key, v)
	}
	return b, nil
}

// QueryList splits a comma-separated query parameter; nil when absent.
func (e *Endpoint) QueryList(key string) []string {
	v := e.Query.Get(key)
	if v == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
