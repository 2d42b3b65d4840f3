// Package weaviate is vecmig's Weaviate adapter: a read-only Source, a Sink
// and Inspect over one class.
//
//	weaviate://HOST[:HTTP_PORT]/CLASS[?grpc_port=50051&tls=true&tenant=a,b]
//
// CLASS is used as Weaviate stores it, with its first letter upper-cased
// (probe is the class Probe), in every call and message; a name Weaviate
// refuses is reported before anything is written (check.go).
//
// Schema, tenants and counts go through REST (the class schema is copied as
// raw JSON, never through the client's models, which drop newer fields);
// objects are read and written through gRPC.
package weaviate

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/weaviate/weaviate-go-client/v4/weaviate"
	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/vecmig/vecmig/adapters"
)

// Scheme is the endpoint URL scheme of this adapter.
const Scheme = "weaviate"

const (
	defaultHTTPPort = 8080
	defaultGRPCPort = 50051
	defaultTimeout  = 60 * time.Second
	openTimeout     = 10 * time.Second
	maxMsgSize      = 512 << 20
	// maxLimit is Weaviate's default QUERY_MAXIMUM_RESULTS.
	maxLimit = 10000
)

// Driver returns the registry entry for weaviate:// endpoints.
func Driver() adapters.Driver {
	return adapters.Driver{
		Scheme: Scheme,
		OpenSource: func(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (adapters.Source, error) {
			c, err := open(ctx, ep, cfg)
			if err != nil {
				return nil, err
			}
			return &Source{c: c}, nil
		},
		OpenSink: func(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (adapters.Sink, error) {
			c, err := open(ctx, ep, cfg)
			if err != nil {
				return nil, err
			}
			return &Sink{c: c}, nil
		},
		Inspect: inspect,
	}
}

// conn is one endpoint's REST and gRPC connections.
type conn struct {
	ep      *adapters.Endpoint
	where   string // "weaviate HOST:PORT/Class", the start of every message
	base    string // http(s)://HOST:PORT
	class   string
	asked   string // the class name as the endpoint gave it
	key     adapters.Secret
	http    *http.Client
	tls     *tls.Config // nil without tls=true; shared by REST, gRPC and backups
	timeout time.Duration
	gc      *grpc.ClientConn
	rpc     pb.WeaviateClient
	// tenants restricts a multi-tenant class to these (?tenant=a,b).
	tenants []string
	version string
	wcOnce  sync.Once
	wc      *weaviate.Client
}

func open(ctx context.Context, ep *adapters.Endpoint, cfg adapters.Config) (*conn, error) {
	hp := ep.HostPort(defaultHTTPPort)
	// Weaviate capitalises a class name's first letter: vecmig uses the
	// name the server really stores, everywhere (check.go).
	asked := ep.Name
	ep, err := canonicalEndpoint(ep)
	if err != nil {
		return nil, err
	}
	c := &conn{ep: ep, class: ep.Name, asked: asked, key: cfg.APIKey, timeout: cfg.Timeout, tenants: ep.QueryList("tenant")}
	c.where = "weaviate " + hp
	if c.class != "" {
		c.where += "/" + c.class
	}
	if c.timeout <= 0 {
		c.timeout = defaultTimeout
	}
	tlsCfg, err := cfg.TLS.TLSConfig(ep)
	if err != nil {
		return nil, err
	}
	grpcPort, err := ep.QueryInt("grpc_port", defaultGRPCPort)
	if err != nil {
		return nil, adapters.WithKind(adapters.KindInvalid, err)
	}
	scheme := "http"
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		scheme = "https"
		creds = credentials.NewTLS(tlsCfg)
	}
	c.base, c.tls = scheme+"://"+hp, tlsCfg
	// No retries here: the migrate engine retries on Retryable errors.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	c.http = &http.Client{Transport: tr}
	gaddr := (&adapters.Endpoint{Host: ep.Host, Port: grpcPort}).HostPort(grpcPort)
	c.gc, err = grpc.NewClient(gaddr,
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize)),
	)
	if err != nil {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: gRPC address %s: %w", c.where, gaddr, err)
	}
	c.rpc = pb.NewWeaviateClient(c.gc)
	if err := c.check(ctx); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// check reaches the server once (GET /v1/meta, which needs the key) so that
// a wrong address or key fails at open with a clear message.
func (c *conn) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	var meta struct {
		Version string `json:"version"`
	}
	_, err := c.rest(ctx, http.MethodGet, "/v1/meta", nil, &meta)
	if err != nil {
		if why := adapters.DiagnoseTLS(ctx, c.ep.HostPort(defaultHTTPPort), c.tls); why != nil {
			return adapters.Errorf(adapters.KindUnreachable, "%s: cannot connect: %v", c.where, why)
		}
		if isConnErr(err) || errors.Is(err, context.DeadlineExceeded) {
			return adapters.Errorf(adapters.KindUnreachable, "%s: cannot reach the server at %s: %w; check the host and port (REST, default 8080) and that Weaviate is running", c.where, c.base, err)
		}
		return err
	}
	c.version = meta.Version
	return nil
}

// grpcCtx adds the API key and the per-request timeout.
func (c *conn) grpcCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.key.IsSet() {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.key.Reveal())
	}
	return context.WithTimeout(ctx, c.timeout)
}

func (c *conn) close() error {
	if c.gc != nil {
		return c.gc.Close()
	}
	return nil
}

// errorf starts a message with the endpoint.
func (c *conn) errorf(kind adapters.Kind, format string, args ...any) error {
	return adapters.Errorf(kind, "%s: "+format, append([]any{c.where}, args...)...)
}
