package faultproxy

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// bothWays lets one handler carry unary and streaming calls alike.
var bothWays = &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}

// handle serves every call: it logs it, applies the fault that selects it,
// if any, and forwards it.
func (p *GRPC) handle(_ any, ss grpc.ServerStream) error {
	method, ok := grpc.MethodFromServerStream(ss)
	if !ok {
		return status.Error(codes.Internal, "faultproxy: gRPC stream without a method name")
	}
	e, f := p.faults.arrive(call{path: method})
	defer p.faults.finish(e)
	if f == nil {
		return p.forward(ss, method, 0, 0)
	}
	if err := sleep(ss.Context(), f.Delay); err != nil {
		return status.FromContextError(err).Err()
	}
	if code := grpcCode(*f); code != codes.OK {
		return answerGRPC(ss, *f, code, method)
	}
	if r := f.Rewrite; r != nil {
		ss = &rewritingStream{ServerStream: ss, old: []byte(r.Old), new: []byte(r.New)}
	}
	return p.forward(ss, method, f.CutAfter, f.HoldAnswer)
}

// grpcCode is the code a fault fails the call with, or OK to forward.
func grpcCode(f Fault) codes.Code {
	switch {
	case f.Code != codes.OK:
		return f.Code
	case f.DenyWrites:
		return codes.PermissionDenied
	}
	return codes.OK
}

// answerGRPC fails the call the way Qdrant rate-limits: the wait goes in a
// "retry-after" trailer in whole seconds, which qdrant/go-client turns
// into a QdrantResourceExhaustedError.
func answerGRPC(ss grpc.ServerStream, f Fault, code codes.Code, method string) error {
	if f.RetryAfter > 0 {
		ss.SetTrailer(metadata.Pairs("retry-after", strconv.Itoa(f.retryAfterSeconds())))
	}
	return status.Errorf(code, "faultproxy: injected %s for %s", code, method)
}

// forward relays one call to the backend, both directions at once, and
// returns the backend's own status. cutAfter > 0 breaks the client's
// connection instead of sending the response message that would pass
// that many bytes; hold > 0 waits that long before relaying the answer.
func (p *GRPC) forward(ss grpc.ServerStream, method string, cutAfter int64, hold time.Duration) error {
	ctx, cancel := context.WithCancel(ss.Context())
	if hold > 0 {
		// The backend must finish although the client gives up meanwhile.
		ctx, cancel = context.WithCancel(context.WithoutCancel(ss.Context()))
	}
	defer cancel()
	md, _ := metadata.FromIncomingContext(ctx)
	ctx = metadata.NewOutgoingContext(ctx, md.Copy())
	cs, err := p.backend.NewStream(ctx, bothWays, method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		return p.backendError(err)
	}
	up := make(chan error, 1)
	go func() { up <- sendUp(ss, cs) }()
	down := make(chan error, 1)
	go func() { down <- p.sendDown(ss, cs, cutAfter, hold) }()
	select {
	case err := <-down:
		return err
	case err := <-up:
		if err != nil {
			cancel() // the client's side failed; stop the backend call too
			<-down
			return err
		}
		return <-down
	}
}

// backendError names the backend when the proxy could not reach it.
func (p *GRPC) backendError(err error) error {
	st := status.Convert(err)
	if st.Code() != codes.Unavailable {
		return err
	}
	return status.Errorf(codes.Unavailable, "faultproxy: backend %s: %s; is the server running?", p.target, st.Message())
}

// sendUp relays client messages to the backend until the client is done.
// A failed SendMsg means the backend ended the call; its status comes out
// of RecvMsg in sendDown, so that is not this side's error.
func sendUp(ss grpc.ServerStream, cs grpc.ClientStream) error {
	for {
		var f frame
		if err := ss.RecvMsg(&f); err != nil {
			if errors.Is(err, io.EOF) {
				return cs.CloseSend()
			}
			return err
		}
		if err := cs.SendMsg(&f); err != nil {
			return nil
		}
	}
}

// sendDown relays the backend's header, messages, trailer and status.
func (p *GRPC) sendDown(ss grpc.ServerStream, cs grpc.ClientStream, cutAfter int64, hold time.Duration) error {
	// A Header error reappears from RecvMsg with the trailer, below.
	md, err := cs.Header()
	if hold > 0 {
		if err := sleep(ss.Context(), hold); err != nil {
			return status.FromContextError(err).Err()
		}
	}
	if err == nil && len(md) > 0 {
		if err := ss.SendHeader(md); err != nil {
			return err
		}
	}
	var sent int64
	for {
		var f frame
		if err := cs.RecvMsg(&f); err != nil {
			ss.SetTrailer(cs.Trailer())
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if cutAfter > 0 && sent+int64(len(f.data)) > cutAfter {
			return p.cut(ss)
		}
		if err := ss.SendMsg(&f); err != nil {
			return err
		}
		sent += int64(len(f.data))
	}
}

// cut breaks the client's whole connection, so every call on it fails as
// if the server had gone away.
func (p *GRPC) cut(ss grpc.ServerStream) error {
	if pr, ok := peer.FromContext(ss.Context()); ok {
		p.listener.breakConn(pr.Addr.String())
	}
	return status.Error(codes.Unavailable, "faultproxy: injected connection cut")
}
