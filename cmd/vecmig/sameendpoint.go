package main

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vecmig/vecmig/adapters"
)

// defaultPorts are the ports an endpoint URL without one reaches.
var defaultPorts = map[string]int{"qdrant": 6334, "weaviate": 8080}

// canonicalEndpoint is the collection an endpoint reaches, written one way:
// loopback names and addresses are one host, the default port is spelled
// out, and a Weaviate class is capitalised as Weaviate stores it. Two
// spellings of the same collection have the same canonical form.
func canonicalEndpoint(ep *adapters.Endpoint) string {
	if ep.Scheme == "file" {
		p, err := filepath.Abs(ep.Name)
		if err != nil {
			p = filepath.Clean(ep.Name)
		}
		return "file://" + p
	}
	host := strings.ToLower(strings.TrimSuffix(ep.Host, "."))
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		host = "loopback"
	} else if ip != nil {
		host = ip.String()
	}
	port := ep.Port
	if port == 0 {
		port = defaultPorts[ep.Scheme]
	}
	name := ep.Name
	if ep.Scheme == "weaviate" && name != "" {
		r, n := utf8.DecodeRuneInString(name)
		name = string(unicode.ToUpper(r)) + name[n:]
	}
	return ep.Scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/" + name
}

// sameEndpoint reports whether a and b reach the same collection.
func sameEndpoint(a, b *adapters.Endpoint) bool {
	return canonicalEndpoint(a) == canonicalEndpoint(b)
}
