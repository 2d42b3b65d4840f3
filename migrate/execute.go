package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/wrap"
	"github.com/vecmig/vecmig/verify"
)

// MethodLive is the method every pair of endpoints supports: read pages
// from the source, write batches to the target.
const MethodLive = "live"

// Job is one migration, whatever its method.
type Job struct {
	Source adapters.Source
	Target adapters.Sink
	// ReadTarget opens the target for reading, to verify the copy.
	ReadTarget func(ctx context.Context) (adapters.Source, error)
	// Method is MethodLive (the default) or the CopyMethod of the source's
	// adapters.ServerCopier: "snapshot" (Qdrant), "backup" (Weaviate).
	Method string
	// Options are the live method's; OnExists, DryRun, Retry, Stop and
	// Logf apply to every method.
	Options Options
	// Copy carries the server-side methods' own options.
	Copy adapters.CopyRequest
	// Verify is none, count, sample or full. Every method compares exact
	// counts after the copy; sample and full also compare points.
	Verify string
	// VerifySearch is how many k-NN queries per dense vector the verify
	// phase runs on both sides (--verify-search; verify.Options.Search).
	VerifySearch int
}

// Execute runs a migration in its phases: plan (check everything that can
// be known before writing, and stop on any problem with nothing written),
// copy (by the job's method), verify, and one Result.
func Execute(ctx context.Context, job Job) (*Result, error) {
	job = job.layered()
	plan, err := planUnlessStopped(ctx, job)
	if err != nil {
		return nil, err
	}
	if err := plan.Err(); err != nil {
		return &Result{Source: plan.Source, Target: plan.Target, Method: plan.Method, Plan: plan, DryRun: job.Options.DryRun}, err
	}
	if job.Options.DryRun {
		return plannedResult(plan, true), nil
	}
	var res *Result
	if job.Options.CatchUp.Field != "" {
		res, err = catchUp(ctx, job, plan)
	} else if job.Method == MethodLive {
		res, err = plan.live.run(ctx)
	} else {
		res, err = serverCopy(ctx, job, plan)
	}
	if res != nil {
		res.Plan = plan
	}
	if err != nil || !res.CountsMatch {
		return res, err
	}
	return res, verifyCopy(ctx, job, res)
}

// planUnlessStopped runs the plan phase, which a stop (Options.Stop)
// ends at once: nothing is written before the copy, so there is nothing
// to let finish.
func planUnlessStopped(ctx context.Context, job Job) (*Plan, error) {
	pctx, cancel := stopContext(ctx, job.Options.Stop)
	defer cancel()
	plan, err := makePlan(pctx, job)
	if err != nil && job.Options.Stop != nil && pctx.Err() != nil && ctx.Err() == nil {
		return nil, ErrPlanInterrupted
	}
	return plan, err
}

// plannedResult is the Result of a run that stops after the plan.
func plannedResult(p *Plan, dry bool) *Result {
	return &Result{Source: p.Source, Target: p.Target, Method: p.Method, DryRun: dry, Plan: p,
		Resumed: p.Resume, Partitions: p.Partitions, SourceCount: p.Points}
}

// MakePlan runs the plan phase: it reads the source's definition and exact
// counts, and gathers every finding of the endpoints and the method. It
// writes nothing.
func MakePlan(ctx context.Context, job Job) (*Plan, error) {
	return makePlan(ctx, job.layered())
}

// layered fills the job's defaults and puts the run's layers (retries,
// rate limit, dry run) around its source and target: the one place they
// are applied, for every method and phase.
func (job Job) layered() Job {
	job.Options.defaults()
	if job.Method == "" {
		job.Method = MethodLive
	}
	l := job.Options.layers()
	job.Source, job.Target = l.Source(job.Source), l.Sink(job.Target)
	if job.Copy.Retry == nil {
		job.Copy.Retry = job.Options.Retry
	}
	return job
}

// readTarget opens the target's reading side, with the run's retries.
func (job Job) readTarget(ctx context.Context) (adapters.Source, error) {
	if job.ReadTarget == nil {
		return nil, fmt.Errorf("migrate: no way to read the target %s", job.Target.Endpoint())
	}
	tgt, err := job.ReadTarget(ctx)
	if err != nil {
		return nil, err
	}
	return wrap.Layers{Retry: job.Options.Retry}.Source(tgt), nil
}

func makePlan(ctx context.Context, job Job) (*Plan, error) {
	p := &Plan{Source: job.Source.Endpoint(), Target: job.Target.Endpoint(), Method: job.Method,
		OnExists: string(job.Options.OnExists), Verify: job.Verify}
	if job.Options.CatchUp.Field != "" {
		return p, p.planCatchUp(ctx, job)
	}
	if job.Method == MethodLive {
		return p, p.planLive(ctx, job)
	}
	return p, p.planServerCopy(ctx, job)
}

func (p *Plan) planLive(ctx context.Context, job Job) error {
	opts := job.Options
	opts.readTarget = job.readTarget // a share of id ranges counts it (share.go)
	lp, err := planLive(ctx, job.Source, job.Target, opts)
	if err != nil {
		return err
	}
	p.live = lp
	p.Resume, p.StatePath = lp.res.Resumed, job.Options.StatePath
	p.fill(lp.def, lp.parts, lp.counts)
	p.add(lp.tr.Findings...)
	p.add(lp.bulk.findings()...)
	if lp.tr.Def.Engine != lp.def.Engine || len(lp.tr.Report.Dropped) > 0 {
		p.Mapping = &lp.tr.Report
	}
	onExists := job.Options.OnExists
	if p.Resume {
		onExists = adapters.ExistsAppend // the interrupted run created it
	}
	// A share's siblings may be creating the target meanwhile (share.go).
	n := len(p.Findings)
	err = lp.whileCreating(ctx, func() error {
		p.Findings = p.Findings[:n]
		return p.check(ctx, lp.src, lp.dst, lp.tr.Def, onExists)
	})
	if err != nil {
		return err
	}
	fs, err := sampleFindings(ctx, lp.src, activeParts(lp.def, lp.parts)) // NaN and infinite vectors
	p.add(fs...)
	return err
}

func (p *Plan) fill(def *adapters.Collection, parts []string, counts map[string]uint64) {
	p.Vectors = describeVectors(def)
	p.Partitions, p.Points = nil, 0
	for _, name := range parts {
		p.Partitions = append(p.Partitions, PartitionResult{Name: name, SourceCount: counts[name]})
		p.Points += counts[name]
	}
}

// serverCopier finds the source's server-side copy for the job's method.
func serverCopier(job Job) (adapters.ServerCopier, error) {
	c, ok := adapters.As[adapters.ServerCopier](job.Source)
	if !ok || c.CopyMethod() != job.Method {
		offer := "none"
		if ok {
			offer = c.CopyMethod()
		}
		return nil, adapters.Errorf(adapters.KindInvalid, "--method %s is not something %s can copy by (it offers: live, %s); use --method live, which copies between any two endpoints", job.Method, job.Source.Endpoint(), offer)
	}
	return c, nil
}

func (p *Plan) planServerCopy(ctx context.Context, job Job) error {
	c, err := serverCopier(job)
	if err != nil {
		p.add(adapters.ErrorFinding(adapters.KindInvalid, "method", "%v", err))
		return nil
	}
	src := job.Source
	def, err := src.Describe(ctx)
	if err != nil {
		return err
	}
	counts, err := countPartitions(ctx, src, def.PartitionNames(), job.Options.logf)
	if err != nil {
		return err
	}
	p.fill(def, def.PartitionNames(), counts)
	fs, err := c.PlanCopy(ctx, job.Target, job.copyRequest())
	if err != nil {
		return err
	}
	p.add(fs...)
	return nil
}

func (job Job) copyRequest() adapters.CopyRequest {
	req := job.Copy
	req.OnExists = job.Options.OnExists
	if req.Logf == nil {
		req.Logf = job.Options.logf
	}
	return req
}

// countPartitions counts every partition exactly, activating inactive
// ones for the count.
func countPartitions(ctx context.Context, src adapters.Source, parts []string, logf func(string, ...any)) (map[string]uint64, error) {
	counts := map[string]uint64{}
	for _, part := range parts {
		err := adapters.WithPartition(ctx, src, part, logf, func() (err error) {
			counts[part], err = src.Count(ctx, part)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// serverCopy runs a snapshot or backup copy and counts both sides after.
func serverCopy(ctx context.Context, job Job, p *Plan) (*Result, error) {
	c, err := serverCopier(job)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res := plannedResult(p, false)
	report, err := c.CopyTo(ctx, job.Target, job.copyRequest())
	res.Copy = report
	res.Duration = time.Since(start)
	res.Retries = job.Options.Retry.Retries()
	if err != nil {
		return res, err
	}
	return res, countTargetAfter(ctx, job, res)
}

// countTargetAfter compares exact counts per partition after a
// server-side copy, reading the target through its reading side.
func countTargetAfter(ctx context.Context, job Job, res *Result) error {
	tgt, err := job.readTarget(ctx)
	if err != nil {
		return fmt.Errorf("the copy finished, but the target could not be opened to count it: %w", err)
	}
	defer tgt.Close()
	parts := make([]string, len(res.Partitions))
	for i, pr := range res.Partitions {
		parts[i] = pr.Name
	}
	counts, err := countPartitions(ctx, tgt, parts, job.Options.logf)
	if err != nil {
		return fmt.Errorf("the copy finished, but counting the target failed: %w", err)
	}
	res.CountsMatch, res.TargetCount = true, 0
	for i := range res.Partitions {
		pr := &res.Partitions[i]
		pr.TargetCount = counts[pr.Name]
		res.TargetCount += pr.TargetCount
		res.CountsMatch = res.CountsMatch && pr.TargetCount == pr.SourceCount
	}
	return nil
}

// verifyCopy is the verify phase of every method: with --verify sample or
// full it compares points, reading the target through its reading side.
func verifyCopy(ctx context.Context, job Job, res *Result) error {
	if job.Verify != verify.ModeSample && job.Verify != verify.ModeFull && job.Verify != verify.ModeDigest {
		return nil
	}
	tgt, err := job.readTarget(ctx)
	if err != nil {
		return &VerifyError{fmt.Errorf("open the target to verify it: %w", err)}
	}
	defer tgt.Close()
	job.Options.logf("verifying (%s)...", job.Verify)
	rep, err := verify.Run(ctx, job.Source, tgt, verify.Options{Mode: job.Verify, Search: job.VerifySearch, Logf: job.Options.Logf, Share: job.Options.Share})
	res.Verify = rep
	if err != nil {
		return &VerifyError{err}
	}
	return nil
}

// VerifyError says the copy is complete but verifying it failed.
type VerifyError struct{ Err error }

func (e *VerifyError) Error() string {
	return "the copy is complete, but verifying it failed: " + e.Err.Error()
}
func (e *VerifyError) Unwrap() error { return e.Err }
