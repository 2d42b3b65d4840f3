package adapters

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for retries and for the exit code. Adapters
// decide the kind from the server's status code, never from message text.
type Kind int

// Error kinds.
const (
	KindUnknown      Kind = iota // not classified: treated as permanent
	KindRetryable                // transient: unavailable, rate limited, timed out
	KindUnreachable              // could not connect at all (after retries)
	KindAuth                     // missing or wrong API key, or not allowed
	KindNotFound                 // collection, class, tenant or snapshot missing
	KindExists                   // target exists and --on-exists does not allow it
	KindInvalid                  // the server rejected the input (dimension, id, schema)
	KindIncompatible             // the two sides cannot be mapped onto each other
)

// Error is an adapter error with a kind.
type Error struct {
	Kind Kind
	// RetryAfter is the delay the server asked for (429 Retry-After,
	// Qdrant's retry-after), 0 when it gave none.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of a kind with a formatted message (%w allowed).
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// WithKind wraps err with a kind, keeping its message.
func WithKind(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// Retryable wraps err as transient, with the delay the server asked for.
func Retryable(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindRetryable, RetryAfter: after, Err: err}
}

// KindOf returns the kind of the outermost classified error in err's chain.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// IsRetryable reports whether err is worth trying again, and after how long
// the server asked to wait (0: use backoff).
func IsRetryable(err error) (bool, time.Duration) {
	var e *Error
	if errors.As(err, &e) && e.Kind == KindRetryable {
		return true, e.RetryAfter
	}
	return false, 0
}
