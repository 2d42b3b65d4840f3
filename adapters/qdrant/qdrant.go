// Package qdrant is vecmig's adapter for Qdrant over gRPC (the go-client).
//
// Endpoints look like
//
//	qdrant://HOST[:GRPC_PORT]/COLLECTION[?rest_port=6333&tls=true]
//
// with gRPC port 6334 and REST port 6333 by default. The API key comes from
// adapters.Config, never from the URL.
//
// The definition's Native document is described on Native.
//
// # Partitions (tenants)
//
// An endpoint lays out partitions in one of three ways:
//
//   - Custom shard keys: a collection with sharding method custom has one
//     partition per shard key, named by PartitionName ("eu"; numeric key 7
//     is "#7"). Nothing in the URL says so.
//
//   - A tenant payload field, qdrant://HOST/docs?tenant_field=tenant: one
//     collection, not custom-sharded, whose points carry their tenant in
//     payload field "tenant", with a keyword payload index on it marked
//     is_tenant (Qdrant's recommended multitenancy). Partitions are the
//     field's distinct values (a facet on the index). Points are read
//     without the field (the partition says it) and written with it. A
//     source whose exact point count differs from the sum of its tenants'
//     counts (a point without the field, or with a value that is not one
//     string) is refused when described, never copied in part. A sink
//     creates the index when the definition lacks it, and refuses a point
//     that carries another tenant in the field. Point ids are shared by
//     all tenants: a point whose id another tenant holds is not written
//     (the other keeps it, by Qdrant's update_filter), so the written
//     tenant's count falls short instead of the other losing a point.
//
//   - One collection per tenant, qdrant://HOST/docs_{tenant} (or
//     docs_%7Btenant%7D): partition p lives in collection docs_p. A source
//     finds its tenants by listing the collections that match; all must
//     have the same vectors. A sink creates one plain collection per
//     partition from the definition.
//
// In the last two the collections are plain (a custom-sharded definition
// is created with automatic sharding), the pass-through of raw pages is
// offered only between single collections (not with a tenant field), and
// the snapshot method is refused: a snapshot copies one collection.
package qdrant

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vecmig/vecmig/adapters"
)

// Defaults for endpoints and requests.
const (
	DefaultGRPCPort = 6334
	DefaultRESTPort = 6333
	// defaultTimeout bounds one request when adapters.Config has none.
	defaultTimeout = 2 * time.Minute
	// healthTimeout bounds the first contact, so a wrong port fails fast.
	healthTimeout = 5 * time.Second
	// maxMessage is the gRPC size limit both ways: large scroll pages and
	// upsert batches exceed gRPC's 4 MiB default.
	maxMessage = 512 << 20
)

// Driver returns the registry entry for qdrant:// endpoints.
func Driver() adapters.Driver {
	return adapters.Driver{
		Scheme: "qdrant",
		OpenSource: func(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (adapters.Source, error) {
			return OpenSource(ctx, ep, cfg)
		},
		OpenSink: func(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (adapters.Sink, error) {
			return OpenSink(ctx, ep, cfg)
		},
		Inspect: Inspect,
	}
}

// conn is a connection to one collection on one server, shared by Source
// and Sink; it only reads.
type conn struct {
	client   *qdrant.Client
	coll     string
	ep       string // for users: qdrant://host:port/collection
	prefix   string // every message starts with it: "qdrant host:port/collection"
	addr     string
	restPort int
	timeout  time.Duration
	version  string // server version from HealthCheck
	// endpoint and cfg open the server's snapshot API (servercopy.go).
	endpoint *adapters.Endpoint
	cfg      adapters.Config
	tls      *tls.Config // nil without tls=true
	// layout says how tenants are laid out when not as shard keys (layout.go).
	layout layout
	// shared is set on a view of one tenant's collection: the client
	// belongs to the connection it was made from.
	shared bool
}

// apiKey sends the key as gRPC metadata. It replaces the go-client's own
// interceptor, which logs a warning through slog on every connect without
// TLS; vecmig's CLI decides what to tell the user.
type apiKey string

func (k apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"api-key": string(k)}, nil
}
func (apiKey) RequireTransportSecurity() bool { return false }

func dial(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (*conn, error) {
	port := ep.Port
	if port == 0 {
		port = DefaultGRPCPort
	}
	addr := ep.HostPort(DefaultGRPCPort)
	lay, err := parseLayout(ep)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	c := &conn{
		coll:     ep.Name,
		ep:       "qdrant://" + addr + "/" + ep.Name + lay.endpointSuffix(),
		prefix:   "qdrant " + addr + "/" + ep.Name + lay.endpointSuffix(),
		addr:     addr,
		timeout:  cfg.Timeout,
		endpoint: ep,
		cfg:      cfg,
		layout:   lay,
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	if c.restPort, err = ep.QueryInt("rest_port", DefaultRESTPort); err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	if c.tls, err = cfg.TLS.TLSConfig(ep); err != nil {
		return nil, err
	}
	opts := []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
	}
	if cfg.APIKey.IsSet() {
		opts = append(opts, grpc.WithPerRPCCredentials(apiKey(cfg.APIKey.Reveal())))
	}
	c.client, err = qdrant.NewClient(&qdrant.Config{
		Host:        ep.Host,
		Port:        port,
		UseTLS:      c.tls != nil,
		TLSConfig:   c.tls,
		GrpcOptions: opts,
		// The go-client's check makes its own HealthCheck (up to a minute
		// against a dead port) and only logs through slog; vecmig makes one
		// HealthCheck itself and keeps the version (Version, Inspect).
		SkipCompatibilityCheck: true,
	})
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: cannot set up a gRPC client: %w", c.prefix, err)
	}
	if err := c.health(ctx); err != nil {
		c.client.Close()
		return nil, err
	}
	return c, nil
}

// health checks the server answers, then that the key is accepted: Qdrant
// serves HealthCheck without authentication, so a collection lookup
// follows. A missing collection is not an error here.
func (c *conn) health(ctx context.Context) error {
	hctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	reply, err := c.client.HealthCheck(hctx)
	if err == nil {
		c.version = reply.GetVersion()
		_, err = c.client.CollectionExists(hctx, c.coll)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", c.prefix, ctx.Err())
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled:
		if why := adapters.DiagnoseTLS(ctx, c.addr, c.tls); why != nil {
			return adapters.Errorf(adapters.KindUnreachable, "%s: cannot connect: %v", c.prefix, why)
		}
		return adapters.Errorf(adapters.KindUnreachable, "%s: cannot connect (%s); is Qdrant running there and is %s its gRPC port (not the REST port %d)?", c.prefix, grpcMessage(err), portOf(c.addr), c.restPort)
	case codes.Unauthenticated, codes.PermissionDenied:
		return c.classify(ctx, err, "connect")
	case codes.Unimplemented:
		return adapters.Errorf(adapters.KindUnreachable, "%s: the server does not speak Qdrant's gRPC API (%s); is %s Qdrant's gRPC port?", c.prefix, grpcMessage(err), portOf(c.addr))
	}
	return c.classify(ctx, err, "connect")
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i+1:]
		}
	}
	return addr
}

// call bounds one request by the configured timeout.
func (c *conn) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// classify turns a gRPC error into an adapters error by status code. what
// says what was being done, as in "scroll partition \"eu\"".
func (c *conn) classify(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		// The caller gave up (cancelled or out of time): not the server's doing.
		return fmt.Errorf("%s: %s: %w", c.prefix, what, ctx.Err())
	}
	if tl := tooLarge(err, what, c.prefix); tl != nil {
		return tl // before ResourceExhausted, which also means a rate limit (size.go)
	}
	var re *qdrant.QdrantResourceExhaustedError
	if errors.As(err, &re) {
		// The go-client turns ResourceExhausted with a retry-after trailer
		// into this type (dropping the gRPC status).
		return adapters.Retryable(fmt.Errorf("%s: %s: rate limited by the server: %s; retry after %ds", c.prefix, what, re.Reason, re.RetryAfterS), time.Duration(re.RetryAfterS)*time.Second)
	}
	code := status.Code(err)
	msg := grpcMessage(err)
	switch code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.ResourceExhausted:
		return adapters.Retryable(fmt.Errorf("%s: %s: %s (%s)", c.prefix, what, msg, code), 0)
	case codes.Unauthenticated:
		return adapters.Errorf(adapters.KindAuth, "%s: %s: the server refused the API key (%s); check the key given with --from-api-key/--to-api-key", c.prefix, what, msg)
	case codes.PermissionDenied:
		return adapters.Errorf(adapters.KindAuth, "%s: %s: the API key is not allowed to do this (%s); use a key with %s access", c.prefix, what, msg, accessFor(what))
	case codes.NotFound:
		return adapters.Errorf(adapters.KindNotFound, "%s: %s: collection %q or a part of it does not exist (%s); list the collections with 'vecmig inspect %s'", c.prefix, what, c.coll, msg, c.ep)
	case codes.InvalidArgument:
		return adapters.Errorf(adapters.KindInvalid, "%s: %s: the server rejected the request: %s", c.prefix, what, adapters.ShortMessage(msg))
	case codes.AlreadyExists:
		return adapters.Errorf(adapters.KindExists, "%s: %s: %s", c.prefix, what, msg)
	}
	return fmt.Errorf("%s: %s: %s (%s)", c.prefix, what, msg, code)
}

func accessFor(what string) string {
	switch what {
	case "write", "create collection", "delete collection", "create payload index", "create shard key", "create alias", "update collection":
		return "write"
	}
	return "read"
}

// grpcMessage is the server's own message, without the go-client's
// "Scroll() failed: ..." wrapping.
func grpcMessage(err error) string {
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		return se.GRPCStatus().Message()
	}
	return err.Error()
}

// notFound is the message for a collection that does not exist.
func (c *conn) notFound() error {
	return adapters.Errorf(adapters.KindNotFound, "%s: collection %q does not exist; check the name with 'vecmig inspect %s'", c.prefix, c.coll, c.ep)
}

// exists reports whether the collection exists.
func (c *conn) exists(ctx context.Context) (bool, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	ok, err := c.client.CollectionExists(cctx, c.coll)
	if err != nil {
		return false, c.classify(ctx, err, "check the collection exists")
	}
	return ok, nil
}

// describe returns the native description and the neutral definition.
func (c *conn) describe(ctx context.Context) (*adapters.Collection, *Native, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	info, err := c.client.GetCollectionInfo(cctx, c.coll)
	if err != nil {
		if status.Code(err) == codes.NotFound && ctx.Err() == nil {
			return nil, nil, c.notFound()
		}
		return nil, nil, c.classify(ctx, err, "describe the collection")
	}
	n := &Native{Config: info.GetConfig(), PayloadSchema: info.GetPayloadSchema()}
	if info.GetConfig().GetParams().GetShardingMethod() == qdrant.ShardingMethod_Custom {
		keys, err := c.client.ListShardKeys(cctx, c.coll)
		if err != nil {
			return nil, nil, c.classify(ctx, err, "list shard keys")
		}
		for _, k := range keys {
			n.ShardKeys = append(n.ShardKeys, k.GetKey())
		}
	}
	if n.Aliases, err = c.client.ListCollectionAliases(cctx, c.coll); err != nil {
		return nil, nil, c.classify(ctx, err, "list aliases")
	}
	def, err := Definition(c.coll, n)
	if err != nil {
		return nil, nil, adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("%s: %w", c.prefix, err))
	}
	return def, n, nil
}

// shardSelector selects a partition; nil for "" (the whole collection).
func shardSelector(partition string) (*qdrant.ShardKeySelector, error) {
	if partition == "" {
		return nil, nil
	}
	k, err := ShardKeyOf(partition)
	if err != nil {
		return nil, err
	}
	return &qdrant.ShardKeySelector{ShardKeys: []*qdrant.ShardKey{k}}, nil
}

// selector selects a partition's shard key; nil where partitions are not
// shard keys (a tenant field filters instead: tenantFilter).
func (c *conn) selector(partition string) (*qdrant.ShardKeySelector, error) {
	if c.layout.field != "" {
		return nil, nil
	}
	sel, err := shardSelector(partition)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: %w", c.prefix, err)
	}
	return sel, nil
}

func partitionWhat(verb, partition string) string {
	if partition == "" {
		return verb
	}
	return fmt.Sprintf("%s partition %q", verb, partition)
}

// count returns the exact number of points in a partition.
func (c *conn) count(ctx context.Context, partition string) (uint64, error) {
	sel, err := c.selector(partition)
	if err != nil {
		return 0, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	n, err := c.client.Count(cctx, &qdrant.CountPoints{
		CollectionName:   c.coll,
		Exact:            ptr(true),
		ShardKeySelector: sel,
		Filter:           c.tenantFilter(partition),
	})
	if err != nil {
		if status.Code(err) == codes.NotFound && ctx.Err() == nil && partition == "" {
			return 0, c.notFound()
		}
		return 0, c.classify(ctx, err, partitionWhat("count", partition))
	}
	return n, nil
}

func ptr[T any](v T) *T { return &v }

func (c *conn) close() error {
	if c.client == nil || c.shared {
		return nil
	}
	return c.client.Close()
}
