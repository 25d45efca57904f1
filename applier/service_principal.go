package applier

import (
	"context"
	"fmt"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// servicePrincipalKind: a service principal is created alone (its id
// fills the reference table; a conflict is adoption), deleted alone, and
// updated in a $batch.
type servicePrincipalKind struct{}

func (servicePrincipalKind) has(a *planner.Action) bool { return a.ServicePrincipal != nil }

func (servicePrincipalKind) detach(c *planner.Action) {
	c.ServicePrincipal = detached(c.ServicePrincipal)
}

func (servicePrincipalKind) write(a *planner.Action) (tenant.Write, string, bool) {
	if a.Op != planner.OpUpdate {
		return tenant.Write{}, "", false
	}
	sp := a.ServicePrincipal
	return tenant.UpdateServicePrincipal(sp.ObjectID, spPatch(sp)), sp.ObjectID, true
}

// spPatch is the planned update of a service principal.
func spPatch(sp *planner.ServicePrincipalAction) tenant.ServicePrincipalPatch {
	return tenant.ServicePrincipalPatch{Tags: sp.Tags, AppRoleAssignmentRequired: sp.AppRoleAssignmentRequired}
}

func (k servicePrincipalKind) run(ctx context.Context, x *exec) error {
	sp := x.a.ServicePrincipal
	switch x.a.Op {
	case planner.OpCreate:
		return x.createServicePrincipal(ctx)
	case planner.OpUpdate:
		x.objectID = sp.ObjectID
		w, _, _ := k.write(x.a)
		return x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, w) })
	case planner.OpDelete:
		x.objectID = sp.ObjectID
		return x.remove(ctx, "already deleted", func(ctx context.Context) error { return x.do(ctx, tenant.DeleteServicePrincipal(sp.ObjectID)) })
	default:
		panic(unknownOp(x.a))
	}
}

// findServicePrincipal returns the service principal of appID, or nil.
func (x *exec) findServicePrincipal(ctx context.Context, appID string) (*tenant.ServicePrincipal, error) {
	sps, err := x.dir.ServicePrincipalsByAppID(ctx, []string{appID})
	if err != nil {
		return nil, err
	}
	for _, sp := range sps {
		if sp != nil && strings.EqualFold(sp.AppID, appID) {
			return sp, nil
		}
	}
	return nil, nil
}

// createServicePrincipal creates the application's service principal.
// Graph keeps one per appId, so a second create cannot make a duplicate:
// Conflict means it exists (made by an earlier run, or by a create whose
// answer was lost) and it is adopted, with the planned tags added. Right
// after the application's creation Graph may answer
// NoBackingApplicationObject (mapped to NotFound by graph/): replication
// lag, retried within the lag window.
func (x *exec) createServicePrincipal(ctx context.Context) error {
	sp := x.a.ServicePrincipal
	var tags []string
	if sp.Tags != nil {
		tags = append([]string(nil), (*sp.Tags)...)
	}
	var made *tenant.ServicePrincipal
	adopted := false
	err := x.retry(ctx, x.lag, func(ctx context.Context) error {
		res, err := x.dir.Do(ctx, tenant.CreateServicePrincipal(sp.AppID, tags))
		if err == nil {
			made = res.ServicePrincipal
			return nil
		}
		if tenant.KindOf(err) != tenant.Conflict {
			return err
		}
		var found *tenant.ServicePrincipal
		hit, ferr := x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
			f, err := x.findServicePrincipal(ctx, sp.AppID)
			found = f
			return f != nil, err
		})
		if ferr != nil {
			return fmt.Errorf("%w (looking it up failed: %v)", err, ferr)
		}
		if !hit {
			return err
		}
		made, adopted = found, true
		return nil
	})
	if err != nil {
		return err
	}
	x.objectID = made.ID
	x.refs.set(x.a.App, planner.RefServicePrincipalID, made.ID)
	x.markCreated(x.a.App)
	patch := tenant.ServicePrincipalPatch{AppRoleAssignmentRequired: sp.AppRoleAssignmentRequired}
	if adopted {
		x.note("adopted the existing service principal of appId %s", sp.AppID)
		var missing []string
		for _, t := range tags {
			if !hasTag(made.Tags, t) {
				missing = append(missing, t)
			}
		}
		if len(missing) > 0 {
			all := append(append([]string(nil), made.Tags...), missing...)
			patch.Tags = &all
		}
	}
	if patch.Tags == nil && patch.AppRoleAssignmentRequired == nil {
		return nil
	}
	// The new object may not be writable yet: tolerate lag.
	return x.retry(ctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.UpdateServicePrincipal(made.ID, patch)) })
}
