package faultproxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Qdrant has no streaming calls and sends no custom headers, so an
// in-process echo server shows the rest: a bidirectional stream, large
// messages, headers, trailers and status details, all through the proxy.

const echoMethod = "/faultproxy.test.Echo/Chat"

// echoBackend starts a server that answers every call on every method by
// echoing each message, then fails with FailedPrecondition and details.
func echoBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(echo), grpc.ForceServerCodec(rawCodec{}),
		grpc.MaxRecvMsgSize(maxMessage), grpc.MaxSendMsgSize(maxMessage))
	go srv.Serve(ln) //nolint:errcheck // stopped below
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

func echo(_ any, ss grpc.ServerStream) error {
	md, _ := metadata.FromIncomingContext(ss.Context())
	ss.SendHeader(metadata.Pairs("x-echo-header", first(md, "x-request")))
	for {
		var f frame
		err := ss.RecvMsg(&f)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := ss.SendMsg(&f); err != nil {
			return err
		}
	}
	ss.SetTrailer(metadata.Pairs("x-echo-trailer", "done"))
	st, _ := status.New(codes.FailedPrecondition, "echo: no more").WithDetails(wrapperspb.String("detail"))
	return st.Err()
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func rawStream(t *testing.T, ctx context.Context, addr string, opts ...grpc.CallOption) grpc.ClientStream {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cs, err := conn.NewStream(ctx, bothWays, echoMethod, append(opts, grpc.ForceCodec(rawCodec{}))...)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestGRPCForwardsStreamsMetadataAndStatus(t *testing.T) {
	p := StartGRPC(t, echoBackend(t))
	ctx := metadata.AppendToOutgoingContext(testContext(t), "x-request", "hello")
	cs := rawStream(t, ctx, p.Addr(), grpc.UseCompressor(gzip.Name))

	// 8 MiB is past gRPC's default 4 MiB limit, which the proxy must lift.
	msgs := [][]byte{[]byte("one"), bytes.Repeat([]byte{7}, 8<<20), []byte("three")}
	for _, m := range msgs {
		if err := cs.SendMsg(&frame{data: m}); err != nil {
			t.Fatal(err)
		}
		var got frame
		if err := cs.RecvMsg(&got); err != nil || !bytes.Equal(got.data, m) {
			t.Fatalf("echo of a %d-byte message: %d bytes, %v", len(m), len(got.data), err)
		}
	}
	cs.CloseSend()
	err := cs.RecvMsg(&frame{})
	st := status.Convert(err)
	if st.Code() != codes.FailedPrecondition || st.Message() != "echo: no more" || len(st.Details()) != 1 {
		t.Fatalf("final status %v with details %v; want the backend's FailedPrecondition and its detail", st, st.Details())
	}
	header, _ := cs.Header()
	if first(header, "x-echo-header") != "hello" || first(cs.Trailer(), "x-echo-trailer") != "done" {
		t.Fatalf("header %v, trailer %v; want the backend's", header, cs.Trailer())
	}
}

// A cut stream delivers the whole messages within the limit, then breaks.
func TestGRPCCutAfterOnAStream(t *testing.T) {
	p := StartGRPC(t, echoBackend(t))
	p.Inject(Fault{CutAfter: 10})
	cs := rawStream(t, testContext(t), p.Addr())

	for i, want := range []error{nil, nil, errors.New("cut")} {
		if err := cs.SendMsg(&frame{data: []byte("four")}); err != nil {
			t.Fatal(err)
		}
		err := cs.RecvMsg(&frame{})
		if (err == nil) != (want == nil) {
			t.Fatalf("message %d: %v", i, err)
		}
		if want != nil && status.Code(err) != codes.Unavailable {
			t.Fatalf("message %d, past CutAfter: %v, want Unavailable", i, err)
		}
	}
}

// A client that gives up must end the backend's call too, or a Delay or a
// slow backend would leave calls running after the test moved on.
func TestGRPCClientCancellationReachesTheBackend(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, ended := make(chan struct{}), make(chan struct{})
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
		close(started)
		<-ss.Context().Done()
		close(ended)
		return ss.Context().Err()
	}))
	go srv.Serve(ln) //nolint:errcheck // stopped below
	t.Cleanup(srv.Stop)
	p := StartGRPC(t, ln.Addr().String())

	ctx, cancel := context.WithCancel(testContext(t))
	cs := rawStream(t, ctx, p.Addr())
	if err := cs.SendMsg(&frame{data: []byte("wait")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not reach the backend in 10s")
	}
	cancel()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the backend call still runs 10s after the client cancelled")
	}
	if err := p.WaitCompleted(testContext(t), "Chat", 1); err != nil {
		t.Fatal(err)
	}
}

// testContext bounds a test's calls, so a proxy bug shows as a failure
// rather than a hung test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
