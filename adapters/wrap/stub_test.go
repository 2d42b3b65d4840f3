package wrap_test

import (
	"context"
	"errors"
	"sync"

	"github.com/vecmig/vecmig/adapters"
)

// plain is a Source and a Sink with no optional ability. It serves n
// points with ids 1..n and records what it was asked to do.
type plain struct {
	n     int
	mu    sync.Mutex
	calls map[string]int
	// flaky is how many times each operation fails with a transient error
	// before it succeeds.
	flaky int
}

func (s *plain) call(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[op]++
	if s.calls[op] <= s.flaky {
		return adapters.Retryable(errors.New(op+": busy"), 0)
	}
	return nil
}

func (s *plain) called(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *plain) page(req adapters.ReadRequest) (ids []adapters.ID, done bool) {
	first := uint64(1)
	if req.After != nil {
		first = req.After.Num() + 1
	}
	for id := first; id <= uint64(s.n) && len(ids) < req.Limit; id++ {
		ids = append(ids, adapters.NumID(id))
	}
	return ids, len(ids) == 0 || ids[len(ids)-1].Num() == uint64(s.n)
}

func (s *plain) Describe(context.Context) (*adapters.Collection, error) {
	return &adapters.Collection{Name: "stub"}, s.call("describe")
}
func (s *plain) Count(context.Context, string) (uint64, error) { return uint64(s.n), s.call("count") }
func (s *plain) Read(_ context.Context, req adapters.ReadRequest) (adapters.Page, error) {
	if err := s.call("read"); err != nil {
		return adapters.Page{}, err
	}
	ids, done := s.page(req)
	pts := make([]adapters.Point, len(ids))
	for i, id := range ids {
		pts[i].ID = id
	}
	return adapters.Page{Points: pts, Done: done}, nil
}
func (s *plain) Get(_ context.Context, _ string, ids []adapters.ID) ([]adapters.Point, error) {
	pts := make([]adapters.Point, len(ids))
	for i, id := range ids {
		pts[i].ID = id
	}
	return pts, s.call("get")
}
func (s *plain) Endpoint() string                     { return "stub://c" }
func (s *plain) Close() error                         { return nil }
func (s *plain) Exists(context.Context) (bool, error) { return true, s.call("exists") }
func (s *plain) Prepare(context.Context, *adapters.Collection, adapters.OnExists) error {
	return s.call("prepare")
}
func (s *plain) Write(context.Context, string, []adapters.Point) error { return s.call("write") }
func (s *plain) Finish(context.Context) error                          { return s.call("finish") }

// stub is plain with every optional ability of package adapters.
type stub struct{ plain }

type idBatch []adapters.ID

func (b idBatch) Len() int                         { return len(b) }
func (b idBatch) ID(i int) adapters.ID             { return b[i] }
func (b idBatch) Slice(i, j int) adapters.RawBatch { return b[i:j] }

func (s *stub) ActivatePartition(context.Context, string) (func(context.Context) error, error) {
	if err := s.call("activate"); err != nil {
		return nil, err
	}
	return func(context.Context) error { return s.call("deactivate") }, nil
}
func (s *stub) ReadsSequentially() bool { return true }
func (s *stub) RequiresOrder() bool     { return true }
func (s *stub) RawFormat() string       { return "stub.raw" }
func (s *stub) ReadRaw(_ context.Context, req adapters.ReadRequest) (adapters.RawPage, error) {
	if err := s.call("readraw"); err != nil {
		return adapters.RawPage{}, err
	}
	ids, done := s.page(req)
	return adapters.RawPage{Batch: idBatch(ids), Done: done}, nil
}
func (s *stub) AcceptsRaw(f string) bool { return f == "stub.raw" }
func (s *stub) WriteRaw(context.Context, string, adapters.RawBatch) error {
	return s.call("writeraw")
}
func (s *stub) CheckSource(context.Context) ([]adapters.Finding, error) {
	return nil, s.call("checksource")
}
func (s *stub) CheckTarget(context.Context, *adapters.Collection, adapters.OnExists) ([]adapters.Finding, error) {
	return nil, s.call("checktarget")
}
func (s *stub) CopyMethod() string       { return "stubcopy" }
func (s *stub) Engine() string           { return "stub" }
func (s *stub) PartitionsByWrites() bool { return true }
func (s *stub) MaxRequestBytes() int64   { return 1 << 20 }
func (s *stub) PlanCopy(context.Context, adapters.Sink, adapters.CopyRequest) ([]adapters.Finding, error) {
	return nil, s.call("plancopy")
}
func (s *stub) CopyTo(context.Context, adapters.Sink, adapters.CopyRequest) (*adapters.CopyReport, error) {
	return &adapters.CopyReport{Method: "stubcopy"}, s.call("copyto")
}
func (s *stub) Search(context.Context, adapters.SearchRequest) ([]adapters.SearchHit, error) {
	return nil, s.call("search")
}

func (s *stub) PlanBulkLoad(context.Context, *adapters.Collection, adapters.BulkRequest) (*adapters.BulkPlan, error) {
	return &adapters.BulkPlan{}, s.call("planbulk")
}
