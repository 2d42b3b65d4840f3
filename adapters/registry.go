package adapters

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Driver is one engine's entry in a Registry.
type Driver struct {
	Scheme     string
	OpenSource func(ctx context.Context, ep *Endpoint, cfg Config) (Source, error)
	OpenSink   func(ctx context.Context, ep *Endpoint, cfg Config) (Sink, error)
	// Inspect describes the server and, when the endpoint names one, a
	// collection (definition and exact counts).
	Inspect func(ctx context.Context, ep *Endpoint, cfg Config) (*Info, error)
}

// Registry maps URL schemes to drivers. adapters/all builds the one vecmig
// uses, listing every engine explicitly.
type Registry struct{ drivers map[string]Driver }

// NewRegistry returns a registry with these drivers.
func NewRegistry(ds ...Driver) *Registry {
	r := &Registry{drivers: map[string]Driver{}}
	for _, d := range ds {
		r.drivers[d.Scheme] = d
	}
	return r
}

// Schemes lists the registered schemes, sorted.
func (r *Registry) Schemes() []string {
	var s []string
	for k := range r.drivers {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// Driver returns the driver for an endpoint's scheme.
func (r *Registry) Driver(ep *Endpoint) (Driver, error) {
	d, ok := r.drivers[ep.Scheme]
	if !ok {
		return Driver{}, fmt.Errorf("endpoint %s: unknown scheme %q; vecmig knows %s", ep, ep.Scheme, strings.Join(r.Schemes(), ", "))
	}
	return d, nil
}

// OpenSource parses raw and opens it for reading.
func (r *Registry) OpenSource(ctx context.Context, raw string, cfg Config) (Source, error) {
	ep, err := ParseEndpoint(raw)
	if err != nil {
		return nil, WithKind(KindInvalid, err)
	}
	d, err := r.Driver(ep)
	if err != nil {
		return nil, WithKind(KindInvalid, err)
	}
	return d.OpenSource(ctx, ep, cfg)
}

// OpenSink parses raw and opens it for writing.
func (r *Registry) OpenSink(ctx context.Context, raw string, cfg Config) (Sink, error) {
	ep, err := ParseEndpoint(raw)
	if err != nil {
		return nil, WithKind(KindInvalid, err)
	}
	d, err := r.Driver(ep)
	if err != nil {
		return nil, WithKind(KindInvalid, err)
	}
	return d.OpenSink(ctx, ep, cfg)
}
