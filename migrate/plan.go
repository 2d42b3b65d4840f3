package migrate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vecmig/vecmig/adapters"
	"github.com/vecmig/vecmig/adapters/mapping"
)

// Plan is what a migration found out before writing anything: what it
// would copy, how, and every problem and notice the endpoints reported.
// `--dry-run` prints it; a plan with an error finding writes nothing.
type Plan struct {
	Source     string             `json:"source"`
	Target     string             `json:"target"`
	Method     string             `json:"method"`
	OnExists   string             `json:"on_exists"`
	Vectors    []string           `json:"vectors,omitempty"` // one line each, e.g. "text: dense 64-d cosine float16"
	Partitions []PartitionResult  `json:"partitions,omitempty"`
	Points     uint64             `json:"points"`
	Resume     bool               `json:"resume,omitempty"`
	StatePath  string             `json:"state_file,omitempty"`
	Verify     string             `json:"verify"`
	Findings   []adapters.Finding `json:"findings,omitempty"`
	// Mapping is the translation across engines; nil within one engine.
	Mapping *mapping.Report `json:"mapping,omitempty"`

	live *livePlan // the live method's definition, state and counts
}

// Errors returns the error findings.
func (p *Plan) Errors() []adapters.Finding {
	var out []adapters.Finding
	for _, f := range p.Findings {
		if f.Level == adapters.LevelError {
			out = append(out, f)
		}
	}
	return out
}

// Err is nil when the plan has no error finding. Otherwise it is an error
// of the first finding's kind whose text lists every error finding, one a
// line, the first cause first.
func (p *Plan) Err() error {
	errs := p.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, f := range errs {
		lines[i] = strings.TrimPrefix(f.String(), "error: ")
	}
	msg := strings.Join(lines, "\n")
	if len(errs) > 1 {
		msg = fmt.Sprintf("%d problems found before writing anything:\n%s", len(errs), msg)
	}
	kind := errs[0].Kind
	if kind == adapters.KindUnknown {
		kind = adapters.KindInvalid
	}
	return &PlanError{Plan: p, err: adapters.Errorf(kind, "%s", msg)}
}

// PlanError is returned when the plan found problems: nothing was written.
type PlanError struct {
	Plan *Plan
	err  error
}

func (e *PlanError) Error() string { return e.err.Error() }
func (e *PlanError) Unwrap() error { return e.err }

func (p *Plan) add(fs ...adapters.Finding) { p.Findings = append(p.Findings, fs...) }

// check runs the endpoints' own checks: the source's (a dump's checksums)
// and the target's (naming rules, an existing target's compatibility).
func (p *Plan) check(ctx context.Context, src adapters.Source, dst adapters.Sink, def *adapters.Collection, onExists adapters.OnExists) error {
	if c, ok := adapters.As[adapters.SourceChecker](src); ok {
		fs, err := c.CheckSource(ctx)
		if err != nil {
			return fmt.Errorf("check the source %s: %w", src.Endpoint(), err)
		}
		p.add(fs...)
	}
	c, ok := adapters.As[adapters.TargetChecker](dst)
	if !ok {
		return p.checkExists(ctx, dst, onExists)
	}
	// A Weaviate class has no dimension in its schema: take it from data.
	def, err := adapters.SampleSizes(ctx, src, def)
	if err != nil {
		return err
	}
	fs, err := c.CheckTarget(ctx, def, onExists)
	if err != nil {
		return fmt.Errorf("check the target %s: %w", dst.Endpoint(), err)
	}
	p.add(fs...)
	return nil
}

// checkExists is the check every sink can answer: an existing target is
// refused unless --on-exists says otherwise.
func (p *Plan) checkExists(ctx context.Context, dst adapters.Sink, onExists adapters.OnExists) error {
	exists, err := dst.Exists(ctx)
	if err != nil {
		return err
	}
	if exists && onExists == adapters.ExistsFail {
		p.add(adapters.ErrorFinding(adapters.KindExists, dst.Endpoint(), "exists; use --on-exists append or recreate"))
	}
	return nil
}

// describeVectors lists a definition's vectors for the plan.
func describeVectors(def *adapters.Collection) []string {
	names := make([]string, 0, len(def.Vectors))
	for n := range def.Vectors {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, 0, len(names))
	for _, name := range names {
		v := def.Vectors[name]
		label := name
		if label == adapters.DefaultVector {
			label = "(unnamed)"
		}
		line := label + ": " + v.Kind
		if v.Size > 0 {
			line += fmt.Sprintf(" %d-d", v.Size)
		}
		for _, s := range []string{string(v.Distance), v.Datatype} {
			if s != "" {
				line += " " + s
			}
		}
		out = append(out, line)
	}
	return out
}
