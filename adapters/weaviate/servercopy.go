package weaviate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// A Source copies its class (and more, with CopyRequest.Backup.Include or
// Exclude) to a Weaviate Sink by backup and restore: the method "backup"
// of migrate.
var _ adapters.ServerCopier = (*Source)(nil)

// CopyMethod is the --method that runs CopyTo.
func (s *Source) CopyMethod() string { return "backup" }

// PlanCopy checks every pitfall of a backup copy to dst before anything
// starts (see BackupMigration.Plan, and the endpoints: both Weaviate, no
// ?tenant=, the same class name) and creates nothing.
func (s *Source) PlanCopy(ctx context.Context, dst adapters.Sink, req adapters.CopyRequest) ([]adapters.Finding, error) {
	m, fs, err := s.backupMigration(ctx, dst, req)
	if err != nil || m == nil {
		return fs, err
	}
	more, err := m.Plan(ctx)
	if err != nil {
		return nil, err
	}
	return append(fs, more...), nil
}

// CopyTo backs the classes up on the source and restores them on dst,
// with the source's inactive tenants activated meanwhile and every
// tenant's status put back on both sides; it refuses (a *CheckError) with
// every problem PlanCopy would report. It does not verify.
func (s *Source) CopyTo(ctx context.Context, dst adapters.Sink, req adapters.CopyRequest) (*adapters.CopyReport, error) {
	m, fs, err := s.backupMigration(ctx, dst, req)
	if err != nil {
		return nil, err
	}
	if m != nil {
		more, err := m.Plan(ctx)
		if err != nil {
			return nil, err
		}
		fs = append(fs, more...)
	}
	if err := problemsError(fs); err != nil {
		return nil, err
	}
	res, err := m.Run(ctx)
	if err != nil {
		return nil, err
	}
	return &adapters.CopyReport{Method: s.CopyMethod(), Summary: res.Summary(), Duration: res.Duration, Detail: res}, nil
}

// backupMigration checks the endpoints and the request, and builds the
// migration; it is nil when dst is not Weaviate. The error is only for a
// cancelled ctx.
func (s *Source) backupMigration(ctx context.Context, dst adapters.Sink, req adapters.CopyRequest) (*BackupMigration, []adapters.Finding, error) {
	p := &backupPlan{}
	sink, ok := adapters.As[*Sink](dst)
	if !ok {
		p.problem(adapters.KindIncompatible, "target", fmt.Sprintf("%s: --method backup copies between Weaviate servers", dst.Endpoint()), "Use --method live.")
		return nil, p.findings, nil
	}
	for _, side := range []struct {
		name string
		c    *conn
	}{{"source", s.c}, {"target", sink.c}} {
		if len(side.c.tenants) > 0 {
			p.problem(adapters.KindInvalid, side.name, fmt.Sprintf("%s: --method backup copies whole classes; ?tenant= cannot be used with it", side.c.ep), "Use --method live to copy some tenants.")
		}
	}
	if s.c.class != sink.c.class {
		p.problem(adapters.KindInvalid, "target", fmt.Sprintf("--method backup restores class %q under the same name, but the target names %q", s.c.class, sink.c.class),
			"Use the same class name in --to, or --method live to copy under another name.")
	}
	opts := backupOptions(req)
	m := &BackupMigration{
		Source: s.c.backupClient(opts), Target: sink.c.backupClient(opts),
		Backend:  req.Backup.Backend,
		Location: Location{Bucket: req.Backup.Bucket, Path: req.Backup.Path},
		ID:       req.Backup.ID, CPUPercentage: req.Backup.CPUPercentage,
		Logf: req.Logf, OnStatus: statusLogger(req.Logf),
	}
	include, exclude := req.Backup.Include, req.Backup.Exclude
	if len(include) > 0 && len(exclude) > 0 {
		p.problem(adapters.KindInvalid, "classes", "--include and --exclude were both given", "Give one of them.")
		exclude = nil
	}
	classes, err := ResolveClasses(ctx, m.Source, s.c.class, include, exclude)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		p.failed("classes", err)
		classes = []string{s.c.class}
	}
	m.Classes = classes
	return m, p.findings, nil
}

// backupOptions are the request's timeout and retry policy for the backup
// API.
func backupOptions(req adapters.CopyRequest) BackupOptions {
	return BackupOptions{Timeout: req.Timeout, Retry: req.Retry}
}

// backupClient speaks the backup API of the connection's server, with its
// key (and its timeout unless opts has one).
func (c *conn) backupClient(opts BackupOptions) *BackupClient {
	opts.APIKey = c.key
	if opts.Timeout <= 0 {
		opts.Timeout = c.timeout
	}
	return newBackupClient(c.base, c.ep.HostPort(defaultHTTPPort), c.tls, opts)
}

// statusLogger tells of each poll whose status changed, and of the same
// status again every 30 s (the server gives no totals for a bar).
func statusLogger(logf func(format string, args ...any)) func(phase string, st *BackupStatus, elapsed time.Duration) {
	if logf == nil {
		return nil
	}
	var mu sync.Mutex
	last, at := "", time.Duration(0)
	return func(phase string, st *BackupStatus, el time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		key := phase + " " + st.ID + " " + st.Status
		if key == last && el-at < 30*time.Second {
			return
		}
		last, at = key, el
		logf("%s %s: %s (%s)", phase, st.ID, st.Status, el.Round(100*time.Millisecond))
	}
}
