package wrap_test

import (
	"context"
	"testing"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/wrap"
)

// The catch-up abilities join the table of TestAbilitiesSurviveEveryLayer.
func init() {
	abilities["ChangeReader"] = has[adapters.ChangeReader]
	abilities["Deleter"] = has[adapters.Deleter]
}

func (s *stub) CheckChangedField(_ context.Context, field string) (adapters.ChangedField, []adapters.Finding, error) {
	return adapters.ChangedField{Name: field}, nil, s.call("checkchanged")
}
func (s *stub) ReadChanged(_ context.Context, req adapters.ChangedRequest) (adapters.Page, error) {
	if err := s.call("readchanged"); err != nil {
		return adapters.Page{}, err
	}
	ids, done := s.page(adapters.ReadRequest{After: req.After, Limit: req.Limit})
	pts := make([]adapters.Point, len(ids))
	for i, id := range ids {
		pts[i].ID = id
	}
	return adapters.Page{Points: pts, Done: done}, nil
}
func (s *stub) Delete(context.Context, string, []adapters.ID) error { return s.call("delete") }

// The retry layer retries the catch-up's reads and deletes; a dry run
// never lets a delete through.
func TestCatchUpAbilitiesThroughLayers(t *testing.T) {
	ctx := context.Background()
	s := &stub{plain: plain{n: 10, flaky: 2}}
	p := quickRetry(3)
	src, dst := wrap.Limit(wrap.Retry(s, p), 1e9), wrap.RetrySink(s, p)
	cr, _ := adapters.As[adapters.ChangeReader](src)
	if _, _, err := cr.CheckChangedField(ctx, "updated_at"); err != nil {
		t.Fatalf("CheckChangedField: %v", err)
	}
	if pg, err := cr.ReadChanged(ctx, adapters.ChangedRequest{Limit: 4}); err != nil || len(pg.Points) != 4 {
		t.Fatalf("ReadChanged: %d points, %v", len(pg.Points), err)
	}
	d, _ := adapters.As[adapters.Deleter](dst)
	if err := d.Delete(ctx, "", []adapters.ID{adapters.NumID(1)}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, op := range []string{"checkchanged", "readchanged", "delete"} {
		if n := s.called(op); n != 3 {
			t.Errorf("%s was tried %d times; want 3 (two transient failures, then success)", op, n)
		}
	}

	dry := &stub{plain: plain{n: 10}}
	dd, _ := adapters.As[adapters.Deleter](wrap.Layers{Retry: quickRetry(3), DryRun: true}.Sink(dry))
	if err := dd.Delete(ctx, "", []adapters.ID{adapters.NumID(1)}); adapters.KindOf(err) != adapters.KindInvalid {
		t.Errorf("Delete in a dry run: %v; want a KindInvalid refusal", err)
	}
	if n := dry.called("delete"); n != 0 {
		t.Errorf("a delete reached the adapter %d times in a dry run", n)
	}
}
