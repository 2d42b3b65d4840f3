// Package all lists every engine vecmig knows, in one place, so that what
// is registered is visible here and not spread over init functions.
package all

import (
	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/file"
	"github.com/vecmig/vecmig/adapters/qdrant"
	"github.com/vecmig/vecmig/adapters/weaviate"
)

// Registry returns a registry of every adapter.
func Registry() *adapters.Registry {
	return adapters.NewRegistry(
		qdrant.Driver(),
		weaviate.Driver(),
		file.Driver(),
	)
}
