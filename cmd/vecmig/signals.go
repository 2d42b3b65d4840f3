package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// interrupts watches SIGINT and SIGTERM. The first signal prints note and
// closes stop, so that work can end gracefully; the second cancels ctx.
// release stops watching and cancels ctx.
func interrupts(parent context.Context, out *output, note string) (ctx context.Context, stop <-chan struct{}, release func()) {
	ctx, cancel := context.WithCancel(parent)
	stopped := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		out.notice("%s", note)
		close(stopped)
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, stopped, func() { signal.Stop(sigs); cancel() }
}

// signalContext is for work without a graceful stop: ctx is cancelled at
// the first signal, after note is printed.
func signalContext(parent context.Context, out *output, note string) (context.Context, context.CancelFunc) {
	ctx, stop, release := interrupts(parent, out, note)
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(); release() }
}
