package weaviate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vecmig/vecmig/adapters"
)

// A backup silently leaves out the data of inactive (COLD, FROZEN)
// tenants. Both the backup migration and 'vecmig backup create --wait'
// activate them for the backup and put them back, here.

// InactiveTenants returns, per class, the tenants a backup of classes
// would leave out, with their statuses; a class that does not exist is a
// KindNotFound error.
func (b *BackupClient) InactiveTenants(ctx context.Context, classes []string) (map[string][]Tenant, error) {
	out := map[string][]Tenant{}
	for _, class := range classes {
		ci, err := b.Class(ctx, class)
		if err != nil {
			return nil, err
		}
		if ci == nil {
			return nil, adapters.Errorf(adapters.KindNotFound, "%s: class %q does not exist; check the name with 'vecmig inspect %s'", b.where, class, b.hostURL)
		}
		if !ci.MultiTenant {
			continue
		}
		ts, err := b.Tenants(ctx, class)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if !t.Active() {
				out[class] = append(out[class], t)
			}
		}
	}
	return out, nil
}

// ActivateTenants makes the inactive tenants HOT for a backup and returns
// what puts them back to their statuses, which the caller must run
// whatever happens (it runs even when its ctx is cancelled). When an
// activation fails, the tenants are put back before the error returns.
func (b *BackupClient) ActivateTenants(ctx context.Context, inactive map[string][]Tenant, logf func(string, ...any)) (putBack func(context.Context) error, err error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	putBack = func(ctx context.Context) error { return b.putBackTenants(ctx, inactive, logf) }
	for _, class := range sortedKeys(inactive) {
		hot := make([]Tenant, len(inactive[class]))
		for i, t := range inactive[class] {
			hot[i] = Tenant{Name: t.Name, ActivityStatus: "HOT"}
		}
		if err := b.SetTenants(ctx, class, hot); err != nil {
			return nil, errors.Join(fmt.Errorf("%s: activate the inactive tenants of %s for the backup: %w", b.where, class, err), putBack(ctx))
		}
		logf("activated %d inactive tenants of %s on %s for the backup", len(hot), class, b.where)
	}
	return putBack, nil
}

// putBackTenants gives the tenants their statuses again.
func (b *BackupClient) putBackTenants(ctx context.Context, inactive map[string][]Tenant, logf func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var errs []error
	for _, class := range sortedKeys(inactive) {
		if err := b.SetTenants(ctx, class, inactive[class]); err != nil {
			errs = append(errs, fmt.Errorf("%s: could not put the tenants of %s back to their statuses (%s); set them by hand: %w", b.where, class, tenantList(inactive[class]), err))
			continue
		}
		logf("put %d tenants of %s back to their statuses on %s", len(inactive[class]), class, b.where)
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
