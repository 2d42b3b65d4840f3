package qdrant

import (
	"context"
	"errors"

	"github.com/vecmig/vecmig/adapters"
)

// A Source copies its collection to a Qdrant Sink by snapshot: the
// method "snapshot" of migrate.
var _ adapters.ServerCopier = (*Source)(nil)

// CopyMethod is the --method that runs CopyTo.
func (s *Source) CopyMethod() string { return "snapshot" }

// PlanCopy checks everything a snapshot copy to dst depends on (see
// PlanSnapshot) and creates nothing. A dst that is not Qdrant is an error
// finding.
func (s *Source) PlanCopy(ctx context.Context, dst adapters.Sink, req adapters.CopyRequest) ([]adapters.Finding, error) {
	sink, f := snapshotSink(s, dst)
	if sink == nil {
		return []adapters.Finding{f}, nil
	}
	src, tgt, err := s.snapshotSides(sink, req)
	if err != nil {
		return []adapters.Finding{adapters.ErrorFinding(adapters.KindOf(err), "endpoints", "%v", err)}, nil
	}
	defer src.Server.Close()
	defer tgt.Server.Close()
	p, err := PlanSnapshot(ctx, src, tgt, s.snapshotOptions(req))
	if err != nil {
		return nil, err
	}
	return p.Findings, nil
}

// CopyTo copies the collection to dst by snapshot (see MigrateBySnapshot),
// refusing with every problem PlanCopy would report. It does not verify.
func (s *Source) CopyTo(ctx context.Context, dst adapters.Sink, req adapters.CopyRequest) (*adapters.CopyReport, error) {
	sink, f := snapshotSink(s, dst)
	if sink == nil {
		return nil, adapters.WithKind(f.Kind, errors.New(f.Message))
	}
	src, tgt, err := s.snapshotSides(sink, req)
	if err != nil {
		return nil, err
	}
	defer src.Server.Close()
	defer tgt.Server.Close()
	res, err := MigrateBySnapshot(ctx, src, tgt, s.snapshotOptions(req))
	if err != nil {
		return nil, err
	}
	return &adapters.CopyReport{Method: s.CopyMethod(), Summary: res.Summary(), Bytes: res.Bytes, Duration: res.Duration, Detail: res}, nil
}

// snapshotSink finds the Qdrant Sink inside dst's wrappers, or says why
// there is none (or why it cannot be the target).
func snapshotSink(s *Source, dst adapters.Sink) (*Sink, adapters.Finding) {
	sink, ok := adapters.As[*Sink](dst)
	if !ok {
		return nil, adapters.ErrorFinding(adapters.KindIncompatible, "target", "%s: --method snapshot copies between Qdrant servers; use --method live to copy from %s", dst.Endpoint(), s.c.ep)
	}
	for _, c := range []*conn{s.c, sink.c} {
		if !c.layout.plain() {
			return nil, adapters.ErrorFinding(adapters.KindIncompatible, "endpoints", "%s %s, and --method snapshot copies one collection as it is; use --method live", c.ep, c.layout.describe())
		}
	}
	if sink.c.endpoint.HostPort(DefaultGRPCPort) == s.c.endpoint.HostPort(DefaultGRPCPort) && sink.c.coll == s.c.coll {
		return nil, adapters.ErrorFinding(adapters.KindInvalid, "target", "%s is both the source and the target; a collection cannot be copied onto itself", s.c.ep)
	}
	return sink, adapters.Finding{}
}

// snapshotSides opens the snapshot API of both servers, with the request's
// retry policy.
func (s *Source) snapshotSides(sink *Sink, req adapters.CopyRequest) (src, dst SnapshotSide, err error) {
	opts := SnapshotOptions{Retry: req.Retry}
	srv, err := OpenSnapshots(s.c.endpoint, s.c.cfg, opts)
	if err != nil {
		return src, dst, err
	}
	tgt, err := OpenSnapshots(sink.c.endpoint, sink.c.cfg, opts)
	if err != nil {
		srv.Close()
		return src, dst, err
	}
	return SnapshotSide{Server: srv, Collection: s.c.coll}, SnapshotSide{Server: tgt, Collection: sink.c.coll}, nil
}

// snapshotOptions maps the request; the key the target sends to fetch the
// snapshot with --transfer direct is the source's own.
func (s *Source) snapshotOptions(req adapters.CopyRequest) SnapshotMigrateOptions {
	return SnapshotMigrateOptions{
		Snapshot:     req.Snapshot.Name,
		KeepSnapshot: req.Snapshot.Keep,
		Direct:       req.Snapshot.Direct,
		SourceKey:    s.c.cfg.APIKey,
		OnExists:     req.OnExists,
		TempDir:      req.Snapshot.TempDir,
		Logf:         req.Logf,
		Progress:     req.Progress,
	}
}
