package weaviatetest

import (
	"crypto/tls"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vecmig/vecmig/adapters/testserver"
)

// TLSConfig trusts the node's CA (nil for a node without TLS).
func (n *Node) TLSConfig() (*tls.Config, error) {
	if !n.Opts.TLS {
		return nil, nil
	}
	return testserver.CAConfig(n.CACert)
}

// args are the server's command line: plain HTTP, or HTTPS only with TLS
// (go-swagger's --scheme https listens on --tls-port alone).
func (n *Node) args() []string {
	port := strconv.Itoa(n.HTTPPort)
	if !n.Opts.TLS {
		return []string{"--scheme", "http", "--host", "127.0.0.1", "--port", port}
	}
	return []string{"--scheme", "https", "--tls-host", "127.0.0.1", "--tls-port", port,
		"--tls-certificate", filepath.Join(n.work, testserver.CertFile), "--tls-key", filepath.Join(n.work, testserver.KeyFile)}
}

// readyClient fetches the ready URL: nil (the default) without TLS.
func (n *Node) readyClient() (*http.Client, error) {
	cfg, err := n.TLSConfig()
	if err != nil || cfg == nil {
		return nil, err
	}
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}, nil
}
