package adaptertest

import (
	"context"
	"testing"

	"github.com/vecmig/vecmig/adapters"
)

// OpenSource opens url for reading and closes it when the test ends.
func OpenSource(t testing.TB, reg *adapters.Registry, url string, cfg adapters.Config) adapters.Source {
	t.Helper()
	src, err := reg.OpenSource(context.Background(), url, cfg)
	if err != nil {
		t.Fatalf("open source %s: %v", url, err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// OpenSink opens url for writing and closes it when the test ends.
func OpenSink(t testing.TB, reg *adapters.Registry, url string, cfg adapters.Config) adapters.Sink {
	t.Helper()
	sink, err := reg.OpenSink(context.Background(), url, cfg)
	if err != nil {
		t.Fatalf("open sink %s: %v", url, err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink
}

// FixtureNamed returns the fixture called name, failing the test when
// there is none.
func FixtureNamed(t testing.TB, fxs []Fixture, name string) Fixture {
	t.Helper()
	for _, fx := range fxs {
		if fx.Name == name {
			return fx
		}
	}
	t.Fatalf("no fixture %q", name)
	return Fixture{}
}
