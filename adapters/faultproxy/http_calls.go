package faultproxy

import "context"

// Inject adds a fault after those already injected; the first matching one
// with Times left applies to each request. It panics on a malformed Match
// or a Fault HTTP cannot honour (e.g. Code), as a mistake in the test.
func (p *HTTP) Inject(f Fault) { p.faults.inject(f) }

// Reset removes every fault and forgets every call seen.
func (p *HTTP) Reset() { p.faults.reset() }

// Calls counts requests matching match that reached the proxy, whether or
// not a fault then hit them.
func (p *HTTP) Calls(match string) int { return p.faults.count(match).arrived }

// Faulted counts requests matching match that a fault hit.
func (p *HTTP) Faulted(match string) int { return p.faults.count(match).faulted }

// Completed counts requests matching match that the proxy has finished
// handling. The client sees its own end at about that moment, a little
// before or after; WaitCompleted waits for a number of them.
func (p *HTTP) Completed(match string) int { return p.faults.count(match).completed }

// WaitCompleted waits until n requests matching match have completed.
func (p *HTTP) WaitCompleted(ctx context.Context, match string, n int) error {
	return p.faults.waitCompleted(ctx, match, n)
}
