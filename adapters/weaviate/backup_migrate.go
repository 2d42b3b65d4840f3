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
// 1.35 pitfalls: every check runs before anything starts (Plan).
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
	// with their statuses (filled by Plan).
	inactive map[string][]Tenant
	checked  bool
}

// BackupResult says what a backup migration did.
type BackupResult struct {
	ID       string              `json:"backup_id"`
	Backend  string              `json:"backend"`
	Bucket   string              `json:"bucket,omitempty"`
	Path     string              `json:"path,omitempty"`
	Source   string              `json:"source"`
	Target   string              `json:"target"`
	Classes  []string            `json:"classes"`
	Tenants  map[string][]Tenant `json:"reactivated_tenants,omitempty"`
	Backup   time.Duration       `json:"backup_ns"`
	Restore  time.Duration       `json:"restore_ns"`
	Duration time.Duration       `json:"duration_ns"`
}

// Summary is the result on one line, for people.
func (r *BackupResult) Summary() string {
	s := fmt.Sprintf("migrated by backup %s (%s): %s -> %s, classes %s; backup %s, restore %s, total %s",
		r.ID, r.Backend, r.Source, r.Target, strings.Join(r.Classes, ", "),
		r.Backup.Round(time.Millisecond), r.Restore.Round(time.Millisecond), r.Duration.Round(time.Millisecond))
	for _, class := range sortedKeys(r.Tenants) {
		s += fmt.Sprintf("; class %s: %d inactive tenants were activated for the backup and have their statuses again on both sides", class, len(r.Tenants[class]))
	}
	return s
}

func (m *BackupMigration) logf(format string, args ...any) {
	if m.Logf != nil {
		m.Logf(format, args...)
	}
}

func (m *BackupMigration) onStatus(phase string) func(*BackupStatus, time.Duration) {
	return func(st *BackupStatus, el time.Duration) {
		if m.OnStatus != nil {
			m.OnStatus(phase, st, el)
		}
	}
}

// Run checks (unless Plan or Check already passed), backs up, restores
// and puts tenant statuses back. The source ends as it was (its inactive
// tenants are activated only while the backup runs). When ctx is cancelled
// during the backup, the backup is cancelled; during the restore, the
// restore goes on on the server and the error says how to follow it.
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
	res := &BackupResult{ID: m.ID, Backend: m.Backend, Bucket: m.Location.Bucket, Path: m.Location.Path,
		Source: m.Source.where, Target: m.Target.where, Classes: m.Classes, Tenants: m.inactive}
	err := m.backup(ctx)
	res.Backup = time.Since(start)
	if err != nil {
		return res, err
	}
	m.logf("backup %s done in %s", m.ID, res.Backup.Round(time.Millisecond))
	rstart := time.Now()
	if err := m.restore(ctx); err != nil {
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

// backup makes the backup, with the source's inactive tenants active
// meanwhile, and cancels it when ctx ends first.
func (m *BackupMigration) backup(ctx context.Context) error {
	putBack, err := m.Source.ActivateTenants(ctx, m.inactive, m.logf)
	if err != nil {
		return err
	}
	m.logf("creating backup %s of %s on %s (%s)", m.ID, strings.Join(m.Classes, ", "), m.Source.where, m.Backend)
	_, err = m.Source.Create(ctx, m.Backend, BackupRequest{ID: m.ID, Include: m.Classes, Location: m.Location, CPUPercentage: m.CPUPercentage})
	if err == nil {
		wo := m.Wait
		wo.OnStatus = m.onStatus("backup")
		_, err = m.Source.WaitBackup(ctx, m.Backend, m.ID, m.Location, wo)
	}
	if err != nil && ctx.Err() != nil {
		// Stopped while polling, or while the create was on its way (the
		// server may have started the backup): cancel it.
		err = m.cancelBackup(ctx, err)
	}
	if perr := putBack(ctx); perr != nil {
		err = errors.Join(err, perr)
	}
	return err
}

// cancelBackup cancels the backup after ctx ended and says so in err.
func (m *BackupMigration) cancelBackup(ctx context.Context, err error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	cerr := m.Source.Cancel(cctx, m.Backend, m.ID, m.Location)
	switch {
	case cerr == nil:
		m.logf("cancelled backup %s on the source", m.ID)
		return fmt.Errorf("%w; backup %s was cancelled on the source (its id cannot be used again; the next run makes a new one) and the target is untouched", err, m.ID)
	case adapters.KindOf(cerr) == adapters.KindNotFound:
		return fmt.Errorf("%w; no backup was started and the target is untouched", err)
	}
	m.logf("warning: could not cancel backup %s on the source: %v", m.ID, cerr)
	return err
}

// restore restores the backup on the target once the target sees it.
func (m *BackupMigration) restore(ctx context.Context) error {
	if _, err := m.Target.Status(ctx, m.Backend, m.ID, m.Location); err != nil {
		if adapters.KindOf(err) == adapters.KindNotFound {
			hint := "the two servers must use the same bucket and credentials"
			if m.Backend == "filesystem" {
				hint = "with backend filesystem both servers need the same BACKUP_FILESYSTEM_PATH, on a directory they share"
			}
			return adapters.WithKind(adapters.KindIncompatible, fmt.Errorf("the target cannot see backup %s that the source made: %w\n%s; the backup stays on the source's backend and can be restored later with 'vecmig backup restore %s %s --backend %s'", m.ID, err, hint, m.Target.hostURL, m.ID, m.Backend))
		}
		return fmt.Errorf("target: %w", err)
	}
	m.logf("restoring backup %s on %s", m.ID, m.Target.where)
	if _, err := m.Target.Restore(ctx, m.Backend, m.ID, RestoreRequest{Include: m.Classes, Location: m.Location, CPUPercentage: m.CPUPercentage}); err != nil {
		return err
	}
	wo := m.Wait
	wo.OnStatus = m.onStatus("restore")
	if _, err := m.Target.WaitRestore(ctx, m.Backend, m.ID, m.Location, wo); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w; the restore goes on on the target: follow it with 'vecmig backup status %s %s --restore --backend %s'", err, m.Target.hostURL, m.ID, m.Backend)
		}
		return m.restoreUnfinished(err)
	}
	return nil
}

// restoreUnfinished says what to do after a restore that failed or whose
// end vecmig could not see (the target stopped answering): the classes
// may be there in part, and a new restore is refused while they exist.
func (m *BackupMigration) restoreUnfinished(err error) error {
	what := "the restore failed"
	var ended *BackupEndedError
	if !errors.As(err, &ended) {
		what = "vecmig lost the target during the restore"
	}
	// The key itself never goes into a message: the command names the
	// variable the vecmig backup commands read it from.
	auth := ""
	if m.Target.key.IsSet() {
		auth = `-H "Authorization: Bearer $VECMIG_API_KEY" `
	}
	var del []string
	for _, c := range m.Classes {
		del = append(del, "curl -X DELETE "+auth+m.Target.base+"/v1/schema/"+c)
	}
	cmds := strings.Join(del, "; ")
	if auth != "" {
		cmds += ", with VECMIG_API_KEY set to the target's API key"
	}
	return fmt.Errorf("%w; %s, so class(es) %s may be on the target in part. Once the target answers again (restart it if it stopped), "+
		"see how the restore ended with 'vecmig backup status %s %s --restore --backend %s'; unless it says SUCCESS, delete those classes on the target (%s) "+
		"and restore again with 'vecmig backup restore %s %s --backend %s --wait' (backup %s stays on the backend)",
		err, what, strings.Join(m.Classes, ", "), m.Target.hostURL, m.ID, m.Backend, cmds, m.Target.hostURL, m.ID, m.Backend, m.ID)
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
