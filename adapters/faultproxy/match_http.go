package faultproxy

import (
	"errors"
	"net/http"
	"strings"
)

var httpDialect = dialect{
	name:    "HTTP",
	compile: compileHTTP,
	writes:  httpWrites,
	check:   checkHTTP,
}

// compileHTTP reads "METHOD /path/pattern", "/path/pattern" or ""/"*".
func compileHTTP(match string) (matcher, error) {
	match = strings.TrimSpace(match)
	if match == "" || match == "*" {
		return func(call) bool { return true }, nil
	}
	method, pattern := "*", match
	if i := strings.IndexByte(match, ' '); i >= 0 {
		method, pattern = match[:i], strings.TrimSpace(match[i+1:])
	}
	if !strings.HasPrefix(pattern, "/") {
		return nil, errors.New(`want "METHOD /path/pattern", e.g. "GET /collections/*/snapshots/*"`)
	}
	want := segments(pattern)
	for i, s := range want {
		if s == "**" && i != len(want)-1 {
			return nil, errors.New(`"**" may only be the last segment`)
		}
	}
	return func(c call) bool {
		return (method == "*" || strings.EqualFold(method, c.verb)) && pathMatch(want, segments(c.path))
	}, nil
}

func segments(path string) []string {
	return strings.Split(strings.Trim(path, "/"), "/")
}

func pathMatch(want, got []string) bool {
	for i, w := range want {
		if w == "**" {
			return true
		}
		if i >= len(got) || (w != "*" && w != got[i]) {
			return false
		}
	}
	return len(got) == len(want)
}

// readVerbs are path segments that make a POST a query rather than a
// change: Qdrant's scroll/count/search/query family and Weaviate's GraphQL.
var readVerbs = map[string]bool{
	"scroll": true, "count": true, "search": true, "query": true,
	"recommend": true, "discover": true, "facet": true,
	"graphql": true, "validate": true,
}

// httpWrites says whether a request would change server state. Snapshot
// creation counts as a write. POST .../points is Qdrant's retrieve-by-id.
func httpWrites(c call) bool {
	switch c.verb {
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	case http.MethodPost:
	default:
		return false
	}
	segs := segments(c.path)
	if segs[len(segs)-1] == "points" {
		return false
	}
	for _, s := range segs {
		if readVerbs[s] {
			return false
		}
	}
	return true
}

func checkHTTP(f Fault) error {
	switch {
	case f.Code != 0:
		return errors.New("Code is for gRPC; use Status")
	case f.HoldAnswer != 0:
		return errors.New("HoldAnswer is gRPC-only")
	case f.Status != 0 && (f.Status < 100 || f.Status > 999):
		return errors.New("Status is not an HTTP status code")
	}
	if err := checkRewrite(f, false); err != nil {
		return err
	}
	return checkEffects(f, f.Status != 0)
}
