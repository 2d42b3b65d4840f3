package weaviate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// BackupMigration copies classes from one Weaviate server to another
// through a backup on the source and a restore on the target, handling the
// 1.35 pitfalls: every check runs before anything starts.
type BackupMigration struct {
	Source, Target *BackupClient
	Backend        string
	Location       Location
	// Classes are the classes to copy (the same names on both sides: a
	// restore keeps the names). ResolveClasses builds the list.
	Classes []string
	// ID of the backup; "" generates one.
	ID            string
	CPUPercentage int
	Wait          WaitOptions
	// OnStatus hears every poll of both phases ("backup", "restore").
	OnStatus func(phase string, st *BackupStatus, elapsed time.Duration)
	// Logf receives notices; nil discards them.
	Logf func(format string, args ...any)

	// inactive are the source tenants that were inactive, per class,
	// with their statuses (filled by Check).
	inactive map[string][]Tenant
	checked  bool
}

// BackupResult says what a backup migration did.
type BackupResult struct {
	ID       string              `json:"backup_id"`
	Backend  string              `json:"backend"`
	Bucket   string              `json:"bucket,omitempty"`
	Path     string              `json:"path,omitempty"`
	Classes  []string            `json:"classes"`
	Tenants  map[string][]Tenant `json:"reactivated_tenants,omitempty"`
	Backup   time.Duration       `json:"backup_ns"`
	Restore  time.Duration       `json:"restore_ns"`
	Duration time.Duration       `json:"duration_ns"`
}

func (m *BackupMigration) logf(format string, args ...any) {
	if m.Logf != nil {
		m.Logf(format, args...)
	}
}

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

// CheckProblem is one reason a backup migration cannot start.
type CheckProblem struct{ Reason, Fix string }

// CheckError lists every problem found before starting.
type CheckError struct{ Problems []CheckProblem }

func (e *CheckError) Error() string {
	var b strings.Builder
	b.WriteString("cannot migrate by backup; nothing was started:")
	for _, p := range e.Problems {
		b.WriteString("\n  - " + p.Reason)
		if p.Fix != "" {
			b.WriteString("\n    " + p.Fix)
		}
	}
	b.WriteString("\n  Or copy the data instead with --method live, which has none of these limits.")
	return b.String()
}

// Check runs every check before anything starts and reports all problems
// at once (a *CheckError of KindIncompatible). It also notes the source's
// inactive tenants, which Run activates for the backup.
func (m *BackupMigration) Check(ctx context.Context) error {
	if err := ValidBackend(m.Backend); err != nil {
		return err
	}
	if m.ID != "" {
		if err := ValidBackupID(m.ID); err != nil {
			return err
		}
	}
	if len(m.Classes) == 0 {
		return adapters.Errorf(adapters.KindInvalid, "no class to migrate")
	}
	if m.Source.base == m.Target.base {
		return adapters.Errorf(adapters.KindInvalid, "source and target are the same server (%s); a backup restores classes under the same names, so it cannot copy onto the same server: use --method live", m.Source.where)
	}
	var probs []CheckProblem
	add := func(reason, fix string) { probs = append(probs, CheckProblem{reason, fix}) }
	module := "backup-" + m.Backend

	sm, err := m.Source.Meta(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	tm, err := m.Target.Meta(ctx)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	for _, side := range []struct {
		name string
		c    *BackupClient
		m    *Meta
	}{{"source", m.Source, sm}, {"target", m.Target, tm}} {
		if !side.m.HasModule(module) {
			add(fmt.Sprintf("%s %s does not have module %s enabled", side.name, side.c.where, module),
				fmt.Sprintf("Start it with ENABLE_MODULES including %s and its settings (see the Weaviate backup docs), or pick another --backend.", module))
		}
	}
	if m.Backend == "filesystem" && m.Location.Path == "" && sm.HasModule(module) && tm.HasModule(module) {
		if a, b := sm.BackendPath("filesystem"), tm.BackendPath("filesystem"); a != "" && b != "" && a != b {
			m.logf("note: BACKUP_FILESYSTEM_PATH is %s on the source and %s on the target; they must be the same shared directory (vecmig checks the target sees the backup before restoring)", a, b)
		}
	}

	sn, err := m.Source.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	tn, err := m.Target.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	names := func(ns []NodeInfo) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.Name)
		}
		return out
	}
	sNames, tNames := names(sn), names(tn)
	if m.Backend == "filesystem" && (len(sn) > 1 || len(tn) > 1) {
		add(fmt.Sprintf("backend filesystem works for single-node servers only; the source has %d nodes and the target %d", len(sn), len(tn)),
			"Use --backend s3, gcs or azure, which multi-node clusters support.")
	}
	if len(sn) != len(tn) {
		add(fmt.Sprintf("the source has %d nodes (%s) and the target %d (%s); a backup restores only onto the same number of nodes", len(sn), strings.Join(sNames, ", "), len(tn), strings.Join(tNames, ", ")), "")
	} else if strings.Join(sNames, ",") != strings.Join(tNames, ",") {
		fix := "Start the target with the source's node names"
		if len(sNames) == 1 {
			fix = fmt.Sprintf("Start the target Weaviate with CLUSTER_HOSTNAME=%s (on an empty data directory)", sNames[0])
		}
		add(fmt.Sprintf("node names differ: source %s has [%s], target %s has [%s]; a restore places shards by node name, and node_mapping, meant for this, is broken in Weaviate 1.35",
			m.Source.where, strings.Join(sNames, ", "), m.Target.where, strings.Join(tNames, ", ")), fix+".")
	}

	m.inactive = map[string][]Tenant{}
	for _, class := range m.Classes {
		ci, err := m.Source.Class(ctx, class)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if ci == nil {
			add(fmt.Sprintf("class %q does not exist on the source %s", class, m.Source.where), fmt.Sprintf("Check the name with 'vecmig inspect %s'.", m.Source.hostURL))
			continue
		}
		ti, err := m.Target.Class(ctx, class)
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		if ti != nil {
			add(fmt.Sprintf("class %q already exists on the target %s; the restore would copy everything and then fail at the end", class, m.Target.where),
				"Delete it on the target first if it may go, or write into it with --method live --on-exists append (or recreate).")
		}
		if ci.MultiTenant {
			ts, err := m.Source.Tenants(ctx, class)
			if err != nil {
				return fmt.Errorf("source: %w", err)
			}
			for _, t := range ts {
				if !t.Active() {
					m.inactive[class] = append(m.inactive[class], t)
				}
			}
		}
	}
	if len(probs) > 0 {
		return adapters.WithKind(adapters.KindIncompatible, &CheckError{Problems: probs})
	}
	for class, ts := range m.inactive {
		var s []string
		for _, t := range ts {
			s = append(s, t.Name+" ("+t.ActivityStatus+")")
		}
		m.logf("class %s: %d inactive tenants (%s) would be left out of a backup; they are activated for the backup and put back on both sides afterwards", class, len(ts), strings.Join(s, ", "))
	}
	m.checked = true
	return nil
}

// Run checks (unless Check already passed), backs up, restores and puts
// tenant statuses back. The source ends as it was (its inactive tenants
// are activated only while the backup runs). When ctx is cancelled during
// the backup, the backup is cancelled; during the restore, the restore
// goes on on the server and the error says how to follow it.
func (m *BackupMigration) Run(ctx context.Context) (*BackupResult, error) {
	if !m.checked {
		if err := m.Check(ctx); err != nil {
			return nil, err
		}
	}
	if m.ID == "" {
		hint := ""
		if len(m.Classes) == 1 {
			hint = m.Classes[0]
		}
		m.ID = NewBackupID(hint)
	}
	start := time.Now()
	res := &BackupResult{ID: m.ID, Backend: m.Backend, Bucket: m.Location.Bucket, Path: m.Location.Path, Classes: m.Classes, Tenants: m.inactive}
	onStatus := func(phase string) func(*BackupStatus, time.Duration) {
		return func(st *BackupStatus, el time.Duration) {
			if m.OnStatus != nil {
				m.OnStatus(phase, st, el)
			}
		}
	}

	// Backup, with the source's inactive tenants active meanwhile.
	if err := m.activateSource(ctx); err != nil {
		return res, err
	}
	m.logf("creating backup %s of %s on %s (%s)", m.ID, strings.Join(m.Classes, ", "), m.Source.where, m.Backend)
	_, err := m.Source.Create(ctx, m.Backend, BackupRequest{ID: m.ID, Include: m.Classes, Location: m.Location, CPUPercentage: m.CPUPercentage})
	if err == nil {
		wo := m.Wait
		wo.OnStatus = onStatus("backup")
		_, err = m.Source.WaitBackup(ctx, m.Backend, m.ID, m.Location, wo)
		if err != nil && ctx.Err() != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			if cerr := m.Source.Cancel(cctx, m.Backend, m.ID, m.Location); cerr != nil {
				m.logf("warning: could not cancel backup %s on the source: %v", m.ID, cerr)
			} else {
				m.logf("cancelled backup %s on the source", m.ID)
			}
			cancel()
		}
	}
	if perr := m.putBackSource(ctx); perr != nil {
		err = errors.Join(err, perr)
	}
	res.Backup = time.Since(start)
	if err != nil {
		return res, err
	}
	m.logf("backup %s done in %s", m.ID, res.Backup.Round(time.Millisecond))

	// The target must see the backup before a restore is worth starting.
	if _, err := m.Target.Status(ctx, m.Backend, m.ID, m.Location); err != nil {
		if adapters.KindOf(err) == adapters.KindNotFound {
			hint := "the two servers must use the same bucket and credentials"
			if m.Backend == "filesystem" {
				hint = "with backend filesystem both servers need the same BACKUP_FILESYSTEM_PATH, on a directory they share"
			}
			return res, adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("the target cannot see backup %s that the source made: %w\n%s; the backup stays on the source's backend and can be restored later with 'vecmig backup restore %s %s --backend %s'", m.ID, err, hint, m.Target.hostURL, m.ID, m.Backend))
		}
		return res, fmt.Errorf("target: %w", err)
	}

	rstart := time.Now()
	m.logf("restoring backup %s on %s", m.ID, m.Target.where)
	if _, err := m.Target.Restore(ctx, m.Backend, m.ID, RestoreRequest{Include: m.Classes, Location: m.Location, CPUPercentage: m.CPUPercentage}); err != nil {
		return res, err
	}
	wo := m.Wait
	wo.OnStatus = onStatus("restore")
	if _, err := m.Target.WaitRestore(ctx, m.Backend, m.ID, m.Location, wo); err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("%w; the restore goes on on the target: follow it with 'vecmig backup status %s %s --restore --backend %s'", err, m.Target.hostURL, m.ID, m.Backend)
		}
		return res, err
	}
	res.Restore = time.Since(rstart)
	m.logf("restore of %s done in %s", m.ID, res.Restore.Round(time.Millisecond))

	// The tenants that were inactive on the source come back active: give
	// them their source status.
	for _, class := range sortedKeys(m.inactive) {
		if err := m.Target.SetTenants(ctx, class, m.inactive[class]); err != nil {
			return res, fmt.Errorf("target: the data is restored, but setting the tenants' statuses back as on the source failed: %w", err)
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

func (m *BackupMigration) activateSource(ctx context.Context) error {
	for _, class := range sortedKeys(m.inactive) {
		var hot []Tenant
		for _, t := range m.inactive[class] {
			hot = append(hot, Tenant{Name: t.Name, ActivityStatus: "HOT"})
		}
		if err := m.Source.SetTenants(ctx, class, hot); err != nil {
			if perr := m.putBackSource(ctx); perr != nil {
				err = errors.Join(err, perr)
			}
			return fmt.Errorf("source: activate the inactive tenants for the backup: %w", err)
		}
		m.logf("activated %d tenants of %s on the source for the backup", len(hot), class)
	}
	return nil
}

// putBackSource restores the source tenants' statuses, even after a cancel.
func (m *BackupMigration) putBackSource(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var errs []error
	for _, class := range sortedKeys(m.inactive) {
		if err := m.Source.SetTenants(ctx, class, m.inactive[class]); err != nil {
			errs = append(errs, fmt.Errorf("source: could not put the tenants of %s back to their statuses (%s); set them by hand: %w", class, tenantList(m.inactive[class]), err))
			continue
		}
		m.logf("put %d tenants of %s back to their statuses on the source", len(m.inactive[class]), class)
	}
	return errors.Join(errs...)
}

func tenantList(ts []Tenant) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Name+"="+t.ActivityStatus)
	}
	return strings.Join(s, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
