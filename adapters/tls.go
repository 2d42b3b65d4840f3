package adapters

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// Config returns the client TLS configuration every connection of a TLS
// endpoint uses: TLS 1.2 or later, verified against the system's roots
// plus the certificates of CACertFile, or not verified at all with
// InsecureSkipVerify. An unreadable CA file, or one without a PEM
// certificate, is an error of kind KindInvalid that names it.
func (o TLSOptions) Config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.InsecureSkipVerify {
		// The user asked for it explicitly; the CLI warns on every run.
		cfg.InsecureSkipVerify = true //nolint:gosec
		return cfg, nil
	}
	if o.CACertFile == "" {
		return cfg, nil
	}
	pool, err := o.caPool()
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// caPool is the system's roots with CACertFile's certificates added.
func (o TLSOptions) caPool() (*x509.CertPool, error) {
	data, err := os.ReadFile(o.CACertFile)
	if err != nil {
		return nil, Errorf(KindInvalid, "--ca-cert %s: cannot read the CA certificate file: %w", o.CACertFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	n, err := addPEMCerts(pool, data)
	if err != nil {
		return nil, Errorf(KindInvalid, "--ca-cert %s: %w", o.CACertFile, err)
	}
	if n == 0 {
		return nil, Errorf(KindInvalid, "--ca-cert %s: no PEM certificate in the file (expected blocks starting with -----BEGIN CERTIFICATE-----)", o.CACertFile)
	}
	return pool, nil
}

// addPEMCerts adds every CERTIFICATE block of data to pool and returns how
// many it added; a block that does not parse is an error.
func addPEMCerts(pool *x509.CertPool, data []byte) (int, error) {
	n := 0
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return n, fmt.Errorf("certificate %d does not parse: %w", n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	return n, nil
}

// TLSConfig is the TLS configuration of an endpoint: nil when the endpoint
// does not ask for TLS (no tls=true), else o.Config().
func (o TLSOptions) TLSConfig(ep *Endpoint) (*tls.Config, error) {
	useTLS, err := ep.QueryBool("tls", false)
	if err != nil {
		return nil, WithKind(KindInvalid, err)
	}
	if !useTLS {
		return nil, nil
	}
	return o.Config()
}

// DiagnoseTLS explains a failed connection to hostPort when TLS is the
// cause, by making one TLS handshake of its own: cfg is the endpoint's TLS
// configuration, nil when the URL has no tls=true. It returns an error
// saying what to change (tls=true, --ca-cert), or nil when TLS is not the
// problem or the server cannot be reached at all.
func DiagnoseTLS(ctx context.Context, hostPort string, cfg *tls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	probe := cfg
	if probe == nil {
		// Does a plain endpoint speak TLS? Any certificate answers that.
		probe = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a probe, no data is sent
	}
	conn, err := (&tls.Dialer{Config: probe}).DialContext(ctx, "tcp", hostPort)
	if err == nil {
		conn.Close()
		if cfg == nil {
			return fmt.Errorf("the server at %s speaks TLS: add tls=true to the URL", hostPort)
		}
		return nil
	}
	if cfg == nil {
		return nil
	}
	var record tls.RecordHeaderError
	if errors.As(err, &record) {
		return fmt.Errorf("the server at %s does not speak TLS: remove tls=true from the URL, or use the server's TLS port", hostPort)
	}
	if isCertError(err) {
		return fmt.Errorf("the certificate of %s is not trusted (%v): pass the CA that signed it with --ca-cert FILE (or, knowing the risk, --insecure-skip-verify)", hostPort, err)
	}
	return nil
}

// isCertError reports whether err is a failed certificate check.
func isCertError(err error) bool {
	var verify *tls.CertificateVerificationError
	var authority x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &host) || errors.As(err, &invalid)
}
