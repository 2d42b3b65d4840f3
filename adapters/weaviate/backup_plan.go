package weaviate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/vecmig/vecmig/adapters"
)

// ResolveClasses turns the class of the URL and --include/--exclude into
// the explicit list of classes to back up (always sent as include, so that
// classes created meanwhile are not swept in). With exclude, every source
// class but those is taken; the URL's class must stay in.
func ResolveClasses(ctx context.Context, src *BackupClient, class string, include, exclude []string) ([]string, error) {
	if len(include) > 0 && len(exclude) > 0 {
		return nil, adapters.Errorf(adapters.KindInvalid, "give --include or --exclude, not both")
	}
	set := map[string]bool{}
	if len(exclude) > 0 {
		all, err := src.ClassNames(ctx)
		if err != nil {
			return nil, err
		}
		ex := map[string]bool{}
		for _, c := range exclude {
			ex[c] = true
		}
		if class != "" && ex[class] {
			return nil, adapters.Errorf(adapters.KindInvalid, "class %q is named in the URL and in --exclude; remove one of them", class)
		}
		for _, c := range all {
			if !ex[c] {
				set[c] = true
			}
		}
	} else {
		for _, c := range include {
			set[c] = true
		}
	}
	if class != "" {
		set[class] = true
	}
	var out []string
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, adapters.Errorf(adapters.KindInvalid, "%s: no class to back up; name one in the URL or with --include", src.where)
	}
	return out, nil
}

// CheckError lists every problem found before starting. Its message is
// the first problem on one line, then the others.
type CheckError struct{ Problems []adapters.Finding }

func (e *CheckError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n  also: ")
		}
		b.WriteString(p.Message)
	}
	b.WriteString("\n  Nothing was started. Or copy the data instead with --method live, which has none of these limits.")
	return b.String()
}

// problemsError is nil without error findings, else a *CheckError of the
// first problem's kind.
func problemsError(fs []adapters.Finding) error {
	var probs []adapters.Finding
	for _, f := range fs {
		if f.Level == adapters.LevelError {
			probs = append(probs, f)
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return adapters.WithKind(probs[0].Kind, &CheckError{Problems: probs})
}

// backupPlan gathers findings.
type backupPlan struct{ findings []adapters.Finding }

// problem adds an error finding: why, then what to do about it.
func (p *backupPlan) problem(kind adapters.Kind, subject, reason, fix string) {
	msg := reason
	if fix != "" {
		msg += ". " + fix
	}
	p.findings = append(p.findings, adapters.Finding{Level: adapters.LevelError, Kind: kind, Subject: subject, Message: msg})
}

// failed adds a server call that failed.
func (p *backupPlan) failed(subject string, err error) {
	p.findings = append(p.findings, adapters.ErrorFinding(adapters.KindOf(err), subject, "%v", err))
}

func (p *backupPlan) note(subject, format string, args ...any) {
	p.findings = append(p.findings, adapters.NoteFinding(subject, format, args...))
}

// Check runs Plan and refuses with every problem at once (a *CheckError).
// It logs the plan's notes.
func (m *BackupMigration) Check(ctx context.Context) error {
	fs, err := m.Plan(ctx)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Level != adapters.LevelError {
			m.logf("%s", f.Message)
		}
	}
	return problemsError(fs)
}

// Plan checks everything a backup migration depends on before anything
// starts (the backend and id, both servers' modules and node names, the
// classes on both sides) and returns every problem as an error finding,
// with notes. It notes the source's inactive tenants, which Run activates
// for the backup. The error is only for a cancelled ctx.
func (m *BackupMigration) Plan(ctx context.Context) ([]adapters.Finding, error) {
	p := &backupPlan{}
	m.planRequest(p)
	sm, tm := m.planMeta(ctx, p)
	if sm != nil && tm != nil {
		m.planNodes(ctx, p)
	}
	if sm != nil {
		m.planClasses(ctx, p, tm != nil)
		if sm.HasModule("backup-" + m.Backend) {
			m.planID(ctx, p)
		}
	}
	for _, class := range sortedKeys(m.inactive) {
		ts := m.inactive[class]
		p.note("source", "class %s: %d inactive tenants (%s) would be left out of a backup; they are activated for the backup and put back on both sides afterwards", class, len(ts), tenantList(ts))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.checked = problemsError(p.findings) == nil
	return p.findings, nil
}

// planRequest checks what needs no server: backend, id, classes.
func (m *BackupMigration) planRequest(p *backupPlan) {
	if m.Backend == "" {
		p.problem(adapters.KindInvalid, "backend", "--method backup needs --backend", "Give filesystem, s3, gcs or azure: the backup module both servers have.")
	} else if err := ValidBackend(m.Backend); err != nil {
		p.problem(adapters.KindInvalid, "backend", fmt.Sprintf("--backend %q is not a backup backend", m.Backend), "Use "+strings.Join(Backends, ", ")+" (the module backup-<name> both servers have).")
	}
	if m.ID != "" {
		if err := ValidBackupID(m.ID); err != nil {
			p.problem(adapters.KindInvalid, "backup id", err.Error(), "Or leave --backup-id out for a generated one.")
		}
	}
	if len(m.Classes) == 0 {
		p.problem(adapters.KindInvalid, "classes", "no class to migrate", "Name one in the URL or with --include.")
	}
	if m.Source.base == m.Target.base {
		p.problem(adapters.KindInvalid, "target", fmt.Sprintf("source and target are the same server (%s); a backup restores classes under the same names, so it cannot copy onto the same server", m.Source.where), "Use --method live.")
	}
}

// planMeta reads both servers' modules (which checks the keys too); a
// side is nil when it did not answer.
func (m *BackupMigration) planMeta(ctx context.Context, p *backupPlan) (sm, tm *Meta) {
	var err error
	if sm, err = m.Source.Meta(ctx); err != nil {
		p.failed("source", err)
	}
	if tm, err = m.Target.Meta(ctx); err != nil {
		p.failed("target", err)
	}
	if ValidBackend(m.Backend) != nil {
		return sm, tm
	}
	module := "backup-" + m.Backend
	for _, side := range []struct {
		name string
		c    *BackupClient
		m    *Meta
	}{{"source", m.Source, sm}, {"target", m.Target, tm}} {
		if side.m != nil && !side.m.HasModule(module) {
			p.problem(adapters.KindIncompatible, side.name, fmt.Sprintf("%s %s does not have module %s enabled", side.name, side.c.where, module),
				fmt.Sprintf("Start it with ENABLE_MODULES including %s and its settings (see the Weaviate backup docs), or pick another --backend.", module))
		}
	}
	if m.Backend == "filesystem" && m.Location.Path == "" && sm != nil && tm != nil && sm.HasModule(module) && tm.HasModule(module) {
		if a, b := sm.BackendPath("filesystem"), tm.BackendPath("filesystem"); a != "" && b != "" && a != b {
			p.note("backend", "BACKUP_FILESYSTEM_PATH is %s on the source and %s on the target; they must be the same shared directory (vecmig checks the target sees the backup before restoring)", a, b)
		}
	}
	return sm, tm
}

// planNodes checks the node names and counts: a restore places shards by
// node name.
func (m *BackupMigration) planNodes(ctx context.Context, p *backupPlan) {
	sn, err := m.Source.Nodes(ctx)
	if err != nil {
		p.failed("source", err)
		return
	}
	tn, err := m.Target.Nodes(ctx)
	if err != nil {
		p.failed("target", err)
		return
	}
	sNames, tNames := nodeNames(sn), nodeNames(tn)
	if m.Backend == "filesystem" && (len(sn) > 1 || len(tn) > 1) {
		p.problem(adapters.KindIncompatible, "backend", fmt.Sprintf("backend filesystem works for single-node servers only; the source has %d nodes and the target %d", len(sn), len(tn)),
			"Use --backend s3, gcs or azure, which multi-node clusters support.")
	}
	if len(sn) != len(tn) {
		p.problem(adapters.KindIncompatible, "nodes", fmt.Sprintf("the source has %d nodes (%s) and the target %d (%s); a backup restores only onto the same number of nodes", len(sn), strings.Join(sNames, ", "), len(tn), strings.Join(tNames, ", ")), "Copy with --method live instead.")
		return
	}
	if strings.Join(sNames, ",") == strings.Join(tNames, ",") {
		return
	}
	fix := "Start the target with the source's node names, or copy with --method live."
	if len(sNames) == 1 {
		fix = fmt.Sprintf("Start the target Weaviate with CLUSTER_HOSTNAME=%s (on an empty data directory), or copy with --method live.", sNames[0])
	}
	p.problem(adapters.KindIncompatible, "nodes", fmt.Sprintf("node names differ: source %s has [%s], target %s has [%s]; a restore places shards by node name, and node_mapping, meant for this, is broken in Weaviate 1.35",
		m.Source.where, strings.Join(sNames, ", "), m.Target.where, strings.Join(tNames, ", ")), fix)
}

func nodeNames(ns []NodeInfo) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}

// planClasses checks each class exists on the source and not on the
// target (when the target answered), and keeps the source's inactive
// tenants.
func (m *BackupMigration) planClasses(ctx context.Context, p *backupPlan, target bool) {
	m.inactive = map[string][]Tenant{}
	for _, class := range m.Classes {
		ci, err := m.Source.Class(ctx, class)
		if err != nil {
			p.failed("source", err)
			return
		}
		if ci == nil {
			p.problem(adapters.KindNotFound, "source", fmt.Sprintf("class %q does not exist on the source %s", class, m.Source.where), fmt.Sprintf("Check the name with 'vecmig inspect %s'.", m.Source.hostURL))
			continue
		}
		if target {
			ti, err := m.Target.Class(ctx, class)
			if err != nil {
				p.failed("target", err)
				target = false
			} else if ti != nil {
				p.problem(adapters.KindExists, "target", fmt.Sprintf("class %q already exists on the target %s; the restore would copy everything and then fail at the end", class, m.Target.where),
					"Delete it on the target first if it may go, or write into it with --method live --on-exists append (or recreate).")
			}
		}
		if ci.MultiTenant {
			ts, err := m.Source.Tenants(ctx, class)
			if err != nil {
				p.failed("source", err)
				continue
			}
			for _, t := range ts {
				if !t.Active() {
					m.inactive[class] = append(m.inactive[class], t)
				}
			}
		}
	}
}

// planID refuses an id that is taken: ids can never be reused, not even
// after a cancel.
func (m *BackupMigration) planID(ctx context.Context, p *backupPlan) {
	if m.ID == "" || ValidBackupID(m.ID) != nil {
		return
	}
	st, err := m.Source.Status(ctx, m.Backend, m.ID, m.Location)
	switch {
	case err == nil:
		p.problem(adapters.KindExists, "backup id", fmt.Sprintf("backup id %q is already used on backend %s of the source %s (status %s)", m.ID, m.Backend, m.Source.where, st.Status),
			"Ids cannot be reused: pick another, or leave --backup-id out for a generated one.")
	case adapters.KindOf(err) != adapters.KindNotFound:
		p.failed("source", err)
	}
}
