// Package adapters holds the engine-neutral model (ids, points, collection
// definitions), the contract every engine adapter implements, endpoint URLs
// and the error kinds that drive retries and exit codes.
//
// The contract is split on purpose: a Source can only read, so that vecmig
// cannot alter the data it copies from; a Sink can create and write. An
// adapter package returns a different type for each side.
package adapters

import (
	"context"
	"time"
)

// Source reads a collection. Nothing on it writes points or definitions.
// Implementations are safe for concurrent use.
type Source interface {
	// Describe returns the collection definition, with partitions.
	Describe(ctx context.Context) (*Collection, error)
	// Count returns the exact number of points in a partition ("" for a
	// collection that is not partitioned).
	Count(ctx context.Context, partition string) (uint64, error)
	// Read returns the next page of points in ID order, strictly after
	// req.After (from the start when nil), every vector and the payload
	// included.
	Read(ctx context.Context, req ReadRequest) (Page, error)
	// Get returns the points with these ids that exist, in ID order; ids
	// that do not exist are simply absent from the result.
	Get(ctx context.Context, partition string, ids []ID) ([]Point, error)
	// Endpoint names the source in messages (never with a secret).
	Endpoint() string
	Close() error
}

// ReadRequest asks a Source for one page.
type ReadRequest struct {
	Partition string
	After     *ID // exclusive; nil reads from the first point
	Limit     int // at most this many points; adapters may return fewer
	// PayloadOnly asks for ids and payload without vectors (a scan of the
	// payload's types); an adapter may return vectors anyway.
	PayloadOnly bool
}

// Page is one page of points in ID order.
type Page struct {
	Points []Point
	// Done is true when no point follows the last one of this page.
	Done bool
}

// OnExists says what a Sink does when the target collection exists.
type OnExists string

// The --on-exists choices.
const (
	ExistsFail     OnExists = "fail"     // refuse, the default
	ExistsAppend   OnExists = "append"   // keep it and write into it (also used to resume)
	ExistsRecreate OnExists = "recreate" // delete it and create it anew
)

// Sink creates a collection and writes points to it. Implementations are
// safe for concurrent use.
type Sink interface {
	// Exists reports whether the target collection exists.
	Exists(ctx context.Context) (bool, error)
	// Prepare creates the collection from def (with its partitions, all
	// active for writing), or keeps or recreates an existing one as onExists
	// says. With ExistsFail and an existing collection it returns an error
	// of kind KindExists and changes nothing.
	Prepare(ctx context.Context, def *Collection, onExists OnExists) error
	// Write upserts points into a partition. It returns only once the target
	// has accepted every point; a rejected point is an error that names it.
	// Writing the same point twice leaves one copy.
	Write(ctx context.Context, partition string, points []Point) error
	// Finish makes every write acknowledged and durable (so an exact count
	// right after sees them) and puts partitions' statuses to def's.
	Finish(ctx context.Context) error
	// Count returns the exact number of points in a partition of the target.
	Count(ctx context.Context, partition string) (uint64, error)
	Endpoint() string
	Close() error
}

// Optional abilities, discovered with As (abilities.go), so that they stay
// visible through wrappers.

// PartitionActivator is a Source that must change a partition's status to
// read it (Weaviate's inactive tenants). The change is undone by calling the
// returned function, which migrate always does, success or not.
type PartitionActivator interface {
	ActivatePartition(ctx context.Context, partition string) (undo func(context.Context) error, err error)
}

// SequentialReader is a Source that reads forward cheaply but jumps to a
// position only by scanning up to it (a file dump). Verification then reads
// it as one stream instead of many ranges and random probes.
type SequentialReader interface {
	ReadsSequentially() bool
}

// OrderedSink is a Sink that must receive batches one at a time, in ID
// order (a file dump). migrate then runs a single writer.
type OrderedSink interface {
	RequiresOrder() bool
}

// WrittenPartitions is a Sink whose partitions come into being with their
// first point (Qdrant tenants held in a payload field): nothing is created
// for a partition ahead of the copy, so a target lists only those written
// so far.
type WrittenPartitions interface {
	PartitionsByWrites() bool
}

// EngineNamer is a Sink that belongs to one engine ("qdrant",
// "weaviate"): a definition from another engine must be translated for it
// (adapters/mapping). A Sink without it (a file dump) takes any definition.
type EngineNamer interface {
	Engine() string
}

// Info is what `vecmig inspect` prints about an endpoint.
type Info struct {
	Engine      string            `json:"engine"`
	Version     string            `json:"version"`
	Collections []string          `json:"collections"`
	Definition  *Collection       `json:"definition,omitempty"`
	Counts      map[string]uint64 `json:"counts,omitempty"` // by partition; "" when not partitioned
}

// Config carries what is not in an endpoint URL.
type Config struct {
	APIKey Secret
	// Timeout bounds one request to the server; 0 picks the adapter's default.
	Timeout time.Duration
	// TLS tunes certificate checks of endpoints with tls=true.
	TLS TLSOptions
}

// TLSOptions are the certificate checks of a TLS endpoint. The zero value
// verifies against the system's roots.
type TLSOptions struct {
	// CACertFile is a PEM file of CA certificates trusted besides the
	// system's (--ca-cert).
	CACertFile string
	// InsecureSkipVerify accepts any certificate (--insecure-skip-verify);
	// the CLI warns when it is set.
	InsecureSkipVerify bool
}
