// Package wrap holds the layers a run puts around any Source or Sink:
// retries, a read rate limit and dry run. Each is a Source around a Source
// (or a Sink around a Sink), so no adapter carries code for them, and
// migrate applies them in one place (Layers).
//
// Abilities survive the layers: every wrapper has Unwrap, so adapters.As
// finds what the wrapped adapter can do. A layer that must add its
// behaviour to an ability (retrying ReadRaw, refusing WriteRaw in a dry
// run) does not implement the ability interface itself, which would claim
// it for adapters that lack it; it answers adapters.As through
// WrapAbility, and only when what it wraps has the ability.
package wrap

import "github.com/vecmig/vecmig/adapters"

// Layers are the wrappers of one run.
type Layers struct {
	// Retry retries transient errors; nil: no retries.
	Retry *adapters.RetryPolicy
	// MaxRate caps the points read per second from the source; 0: no cap.
	MaxRate float64
	// DryRun refuses every write.
	DryRun bool
}

// Source wraps src: retries innermost (a retried read counts once against
// the rate), then the rate limit, then dry run.
func (l Layers) Source(src adapters.Source) adapters.Source {
	if l.Retry != nil {
		src = Retry(src, l.Retry)
	}
	if l.MaxRate > 0 {
		src = Limit(src, l.MaxRate)
	}
	if l.DryRun {
		src = DryRunSource(src)
	}
	return src
}

// Sink wraps dst: retries innermost, then dry run.
func (l Layers) Sink(dst adapters.Sink) adapters.Sink {
	if l.Retry != nil {
		dst = RetrySink(dst, l.Retry)
	}
	if l.DryRun {
		dst = DryRun(dst)
	}
	return dst
}

// wrapAbility answers WrapAbility for ability T: when target is a *T and
// inner has T (through its own layers), it sets *target to wrap of inner's
// T and reports true.
func wrapAbility[T any](target, inner any, wrap func(T) T) bool {
	p, ok := target.(*T)
	if !ok {
		return false
	}
	a, ok := adapters.As[T](inner)
	if !ok {
		return false
	}
	*p = wrap(a)
	return true
}
