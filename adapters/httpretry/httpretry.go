// Package httpretry is the one place that decides whether an HTTP answer
// or a failed HTTP request is worth trying again, by status code and error
// type, never by message text. The REST clients (Qdrant snapshots, Weaviate
// backups) and the adapters' error classification all use it.
package httpretry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Status reports whether an answer with this status may succeed later:
// 429 (rate limited) and 502, 503, 504 (the server or a proxy in front of
// it is not ready).
func Status(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// CheckRetry is a go-retryablehttp CheckRetry: it retries the statuses of
// Status and connection errors, but not a cancelled context or a
// certificate error, which no retry mends. Errors are told apart by type.
func CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if certError(err) {
			return false, err
		}
		return true, nil
	}
	return Status(resp.StatusCode), nil
}

func certError(err error) bool {
	var verify *tls.CertificateVerificationError
	var authority x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &host) || errors.As(err, &invalid)
}

// After reads a Retry-After header (seconds or an HTTP date); 0 when it is
// absent, unreadable or in the past.
func After(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
