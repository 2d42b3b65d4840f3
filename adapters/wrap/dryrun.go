package wrap

import (
	"context"

	"github.com/vecmig/vecmig/adapters"
)

// dryRunSink lets a dry run look at the target (Exists, Count, the
// target's checks) and refuses every write, so that none reaches it
// whatever the code above does.
type dryRunSink struct {
	adapters.Sink
}

// DryRun wraps a Sink so that Prepare, Write, Finish and WriteRaw fail
// (KindInvalid) instead of reaching the target.
func DryRun(s adapters.Sink) adapters.Sink { return &dryRunSink{s} }

func (s *dryRunSink) Prepare(context.Context, *adapters.Collection, adapters.OnExists) error {
	return refuse(s.Endpoint(), "prepare")
}

func (s *dryRunSink) Write(context.Context, string, []adapters.Point) error {
	return refuse(s.Endpoint(), "write")
}

func (s *dryRunSink) Finish(context.Context) error { return refuse(s.Endpoint(), "finish") }

// Unwrap exposes the wrapped Sink to adapters.As.
func (s *dryRunSink) Unwrap() any { return s.Sink }

// WrapAbility refuses WriteRaw of a Sink that has it.
func (s *dryRunSink) WrapAbility(target any) bool {
	return wrapAbility(target, s.Sink, func(w adapters.RawWriter) adapters.RawWriter {
		return dryRunRawWriter{w, s.Endpoint()}
	}) || wrapAbility(target, s.Sink, func(d adapters.Deleter) adapters.Deleter {
		return dryRunDeleter{d, s.Endpoint()}
	})
}

type dryRunRawWriter struct {
	adapters.RawWriter
	endpoint string
}

func (w dryRunRawWriter) WriteRaw(context.Context, string, adapters.RawBatch) error {
	return refuse(w.endpoint, "write")
}

// dryRunSource refuses a server-side copy, the one ability of a Source
// that writes (to the target, through the engine's own API).
type dryRunSource struct {
	adapters.Source
}

// DryRunSource wraps a Source so that a ServerCopier's CopyTo fails
// instead of copying; PlanCopy, which writes nothing, still runs.
func DryRunSource(s adapters.Source) adapters.Source { return &dryRunSource{s} }

// Unwrap exposes the wrapped Source to adapters.As.
func (s *dryRunSource) Unwrap() any { return s.Source }

// WrapAbility refuses CopyTo of a Source that has it.
func (s *dryRunSource) WrapAbility(target any) bool {
	return wrapAbility(target, s.Source, func(c adapters.ServerCopier) adapters.ServerCopier {
		return dryRunCopier{c}
	})
}

type dryRunCopier struct {
	adapters.ServerCopier
}

func (c dryRunCopier) CopyTo(_ context.Context, dst adapters.Sink, _ adapters.CopyRequest) (*adapters.CopyReport, error) {
	return nil, refuse(dst.Endpoint(), c.CopyMethod())
}

func refuse(endpoint, op string) error {
	return adapters.Errorf(adapters.KindInvalid, "dry run: vecmig tried to write to %s (%s); this is a bug", endpoint, op)
}
