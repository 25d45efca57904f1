package applier

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// execute runs one action: resolves its references, then does its write
// with retries, the idempotency checks of its type, and — for a client
// secret — the hand-off to Key Vault.
func (r *run) execute(ctx context.Context, plan *planner.Action) error {
	a, err := r.refs.resolved(plan)
	if err != nil {
		return err
	}
	x := &exec{run: r, a: a, lag: len(plan.Refs()) > 0 || r.isCreated(plan.App)}
	switch a.Type {
	case planner.TypeApplication:
		err = x.application(ctx)
	case planner.TypeServicePrincipal:
		err = x.servicePrincipal(ctx)
	case planner.TypeOwner:
		err = x.owner(ctx)
	case planner.TypeFederatedCredential:
		err = x.federated(ctx)
	case planner.TypeSecret:
		err = x.secret(ctx)
	case planner.TypeAppRoleAssignment:
		err = x.assignment(ctx)
	case planner.TypePermissionGrant:
		err = x.grant(ctx)
	default:
		panic(fmt.Sprintf("internal error: unknown planner.ObjectType %q", string(a.Type)))
	}
	r.setInfo(a.ID, x.objectID, strings.Join(x.details, "; "))
	return err
}

// exec is one action being executed.
type exec struct {
	*run
	a *planner.Action // resolved copy
	// lag: the action touches an object created in this run, so NotFound
	// is replication lag within the lag window.
	lag      bool
	objectID string
	details  []string
}

func (x *exec) note(format string, args ...any) {
	x.details = append(x.details, fmt.Sprintf(format, args...))
}

// do sends one write; only its error matters to the caller.
func (x *exec) do(ctx context.Context, w tenant.Write) error {
	_, err := x.dir.Do(ctx, w)
	return err
}

// retry runs fn under the run's policy, reporting each retry as an event;
// lag says whether a NotFound is replication lag.
func (x *exec) retry(ctx context.Context, lag bool, fn func(ctx context.Context) error) error {
	return x.retryLag(ctx, func(error) bool { return lag }, fn)
}

// retryLag is retry with the lag decision made for each failure.
func (x *exec) retryLag(ctx context.Context, lag func(error) bool, fn func(ctx context.Context) error) error {
	p := x.opts.Retry
	p.OnRetry = func(attempt int, err error, d time.Duration) {
		e := actionEvent(EventActionRetry, x.a)
		e.Kind = tenant.KindOf(err).String()
		e.Attempt = attempt
		e.DelaySeconds = d.Seconds()
		e.Error = err.Error()
		x.emit(e)
	}
	return p.DoLag(ctx, lag, fn)
}

// lookAgain calls find until it reports a hit or Options.LookAgain has
// passed, waiting between calls as for replication lag. It returns whether
// find hit, and find's last error when that was not a miss.
func (x *exec) lookAgain(ctx context.Context, find func(ctx context.Context) (bool, error)) (bool, error) {
	p := x.opts.Retry
	p.LagWindow = max(x.opts.LookAgain, 0)
	p.MaxAttempts = 1 << 20 // the window ends the looking, not the count
	hit := false
	err := p.Do(ctx, true, func(ctx context.Context) error {
		ok, err := find(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return &tenant.Error{Kind: tenant.NotFound, Message: "not visible yet"}
		}
		hit = true
		return nil
	})
	if hit {
		return true, nil
	}
	if tenant.KindOf(err) == tenant.NotFound {
		return false, nil
	}
	return false, err
}

// maybeLost reports whether a create that failed this way may still have
// been made: the request may have reached the service and only the answer
// was lost.
func maybeLost(err error) bool {
	k := tenant.KindOf(err)
	return k == tenant.Transient || k == tenant.Unknown
}

// gone reports whether a delete failed because the object is gone already.
func gone(err error) bool { return tenant.KindOf(err) == tenant.NotFound }

func (x *exec) application(ctx context.Context) error {
	app := x.a.Application
	switch x.a.Op {
	case planner.OpCreate:
		return x.createApplication(ctx)
	case planner.OpUpdate:
		p, err := app.Payload()
		if err != nil {
			return fmt.Errorf("updating application %q: %w", x.a.App, err)
		}
		x.objectID = app.ObjectID
		return x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, tenant.UpdateApplication(app.ObjectID, p)) })
	case planner.OpDelete:
		x.objectID = app.ObjectID
		return x.remove(ctx, "already deleted", func(ctx context.Context) error { return x.do(ctx, tenant.DeleteApplication(app.ObjectID)) })
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(x.a.Op)))
	}
}

// find looks for the application of this action's key in the set.
func (x *exec) find(ctx context.Context) (*tenant.Application, error) {
	return x.finder.FindApplication(ctx, x.plan.Set, x.a.App)
}

// createApplication creates the application unless one carrying its set
// and key tags exists already (made by an earlier, interrupted apply, or
// hidden from the plan's read by replication lag): that one is adopted and
// brought to the planned fields. A create that fails in a way that may
// have reached Graph is followed by looking for the application again,
// before the create is sent a second time.
func (x *exec) createApplication(ctx context.Context) error {
	key := x.a.App
	p, err := x.a.Application.Payload()
	if err != nil {
		return fmt.Errorf("creating application %q: %w", key, err)
	}
	if x.finder != nil {
		var existing *tenant.Application
		if x.existing != nil {
			switch found := x.existing[key]; len(found) {
			case 0:
			case 1:
				existing = found[0]
			default:
				return &tenant.Error{Kind: tenant.Conflict, Message: fmt.Sprintf(
					"creating application %q: %d applications carry its set and key tags already (appIds %s, %s); delete the stray one",
					key, len(found), found[0].AppID, found[1].AppID)}
			}
		} else {
			err := x.retry(ctx, false, func(ctx context.Context) (err error) {
				existing, err = x.find(ctx)
				return err
			})
			if err != nil {
				return fmt.Errorf("looking for an existing application %q before creating it: %w", key, err)
			}
		}
		if existing != nil {
			x.own(existing)
			x.note("adopted existing application %s carrying the set and key tags", existing.AppID)
			// Bring it to what the plan creates: it may be an older state.
			return x.retry(ctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.UpdateApplication(existing.ID, p)) })
		}
	}
	var made *tenant.Application
	err = x.retry(ctx, false, func(ctx context.Context) error {
		res, err := x.dir.Do(ctx, tenant.CreateApplication(p))
		if err == nil {
			made = res.Application
			return nil
		}
		if !maybeLost(err) || x.finder == nil {
			return err
		}
		var found *tenant.Application
		hit, ferr := x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
			f, err := x.find(ctx)
			found = f
			return f != nil, err
		})
		if ferr != nil {
			return fmt.Errorf("%w (looking for it afterwards failed too: %v)", err, ferr)
		}
		if hit {
			made = found
			x.note("the create's answer was lost; found the application it made")
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	x.own(made)
	return nil
}

// own records an application as this action's object: its ids fill
// the reference table and later calls on it tolerate replication lag.
func (x *exec) own(app *tenant.Application) {
	x.objectID = app.ID
	x.refs.set(x.a.App, planner.RefObjectID, app.ID)
	x.refs.set(x.a.App, planner.RefAppID, app.AppID)
	x.markCreated(x.a.App)
	for _, c := range app.PasswordCredentials {
		x.knowKey(app.ID, c.KeyID)
	}
}

func (x *exec) servicePrincipal(ctx context.Context) error {
	sp := x.a.ServicePrincipal
	switch x.a.Op {
	case planner.OpCreate:
		return x.createServicePrincipal(ctx)
	case planner.OpUpdate:
		x.objectID = sp.ObjectID
		patch := tenant.ServicePrincipalPatch{Tags: sp.Tags, AppRoleAssignmentRequired: sp.AppRoleAssignmentRequired}
		return x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, tenant.UpdateServicePrincipal(sp.ObjectID, patch)) })
	case planner.OpDelete:
		x.objectID = sp.ObjectID
		return x.remove(ctx, "already deleted", func(ctx context.Context) error { return x.do(ctx, tenant.DeleteServicePrincipal(sp.ObjectID)) })
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(x.a.Op)))
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

func (x *exec) owner(ctx context.Context) error {
	o := x.a.Owner
	x.objectID = o.OwnerID
	switch x.a.Op {
	case planner.OpCreate:
		err := x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, tenant.AddOwner(o.ApplicationID, o.OwnerID)) })
		if tenant.KindOf(err) == tenant.Conflict {
			// "One or more added object references already exist".
			x.note("already an owner")
			return nil
		}
		return err
	case planner.OpDelete:
		return x.remove(ctx, "already not an owner", func(ctx context.Context) error { return x.do(ctx, tenant.RemoveOwner(o.ApplicationID, o.OwnerID)) })
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(x.a.Op)))
	}
}

func (x *exec) federated(ctx context.Context) error {
	f := x.a.FederatedCredential
	fc := f.Credential
	fc.Audiences = append([]string(nil), fc.Audiences...)
	fc.ID = f.ID
	switch x.a.Op {
	case planner.OpCreate:
		var made tenant.FederatedCredential
		err := x.retry(ctx, x.lag, func(ctx context.Context) (err error) {
			res, err := x.dir.Do(ctx, tenant.CreateFederatedCredential(f.ApplicationID, fc))
			made = res.Federated
			return err
		})
		if tenant.KindOf(err) == tenant.Conflict {
			// The name is unique within the application: it exists, from
			// an earlier run or a create whose answer was lost. Make it
			// match the plan.
			return x.convergeFederated(ctx, fc, err)
		}
		x.objectID = made.ID
		return err
	case planner.OpUpdate:
		x.objectID = f.ID
		return x.retry(ctx, x.lag, func(ctx context.Context) error {
			return x.do(ctx, tenant.UpdateFederatedCredential(f.ApplicationID, fc))
		})
	case planner.OpDelete:
		x.objectID = f.ID
		return x.remove(ctx, "already deleted", func(ctx context.Context) error {
			return x.do(ctx, tenant.DeleteFederatedCredential(f.ApplicationID, f.ID))
		})
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(x.a.Op)))
	}
}

// convergeFederated finds the credential of the same name that made the
// create conflict and updates it to the planned values.
func (x *exec) convergeFederated(ctx context.Context, want tenant.FederatedCredential, conflict error) error {
	appID, ok := x.refs.lookup(planner.Ref{App: x.a.App, Field: planner.RefAppID})
	if !ok {
		return conflict
	}
	var have *tenant.FederatedCredential
	err := x.retry(ctx, false, func(ctx context.Context) error {
		apps, err := x.dir.ApplicationsByAppID(ctx, []string{appID})
		if err != nil {
			return err
		}
		for _, a := range apps {
			for i := range a.FederatedCredentials {
				if a.FederatedCredentials[i].Name == want.Name {
					have = &a.FederatedCredentials[i]
				}
			}
		}
		return nil
	})
	if err != nil || have == nil {
		return conflict
	}
	x.objectID = have.ID
	x.note("a credential of this name existed already")
	if have.Issuer == want.Issuer && have.Subject == want.Subject && sameSet(have.Audiences, want.Audiences) && have.Description == want.Description {
		return nil
	}
	want.ID = have.ID
	return x.retry(ctx, true, func(ctx context.Context) error {
		return x.do(ctx, tenant.UpdateFederatedCredential(x.a.FederatedCredential.ApplicationID, want))
	})
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func (x *exec) assignment(ctx context.Context) error {
	as := x.a.AppRoleAssignment
	switch x.a.Op {
	case planner.OpCreate:
		want := tenant.AppRoleAssignment{PrincipalID: as.PrincipalID, ResourceID: as.ResourceID, AppRoleID: as.AppRoleID}
		// Graph answers "Permission being assigned was not found on
		// application" (MissingAppRole) for a role the resource's service
		// principal does not show: lag when this run added the role to the
		// resource's application, a fact for a role that predates the run.
		// A missing principal or resource is lag when this run made it.
		newRole := x.roleAdded(x.a)
		lag := func(err error) bool {
			if tenant.MissingOf(err) == tenant.MissingAppRole {
				return newRole
			}
			return x.lag
		}
		var made tenant.AppRoleAssignment
		err := x.retryLag(ctx, lag, func(ctx context.Context) (err error) {
			res, err := x.dir.Do(ctx, tenant.CreateAppRoleAssignment(want))
			made = res.Assignment
			return err
		})
		if tenant.KindOf(err) == tenant.Conflict {
			return x.confirmAssignment(ctx, want)
		}
		x.objectID = made.ID
		return err
	case planner.OpDelete:
		x.objectID = as.ID
		return x.remove(ctx, "already revoked", func(ctx context.Context) error {
			return x.do(ctx, tenant.DeleteAppRoleAssignment(as.ResourceID, as.ID))
		})
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(x.a.Op)))
	}
}

// confirmAssignment handles "Permission being assigned already exists":
// the assignment is there (an earlier run, or a create whose answer was
// lost), which is the goal. It is looked up for its id; Graph's word is
// taken when the listing does not show it yet.
func (x *exec) confirmAssignment(ctx context.Context, want tenant.AppRoleAssignment) error {
	var id string
	_, _ = x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
		list, err := x.dir.AppRoleAssignedTo(ctx, want.ResourceID)
		if err != nil {
			return false, err
		}
		for _, a := range list {
			if strings.EqualFold(a.PrincipalID, want.PrincipalID) && strings.EqualFold(a.AppRoleID, want.AppRoleID) {
				id = a.ID
				return true, nil
			}
		}
		return false, nil
	})
	x.objectID = id
	if id == "" {
		x.note("Graph reports the assignment exists; not listed yet")
	} else {
		x.note("the assignment existed already")
	}
	return nil
}

func (x *exec) grant(ctx context.Context) error {
	g := x.a.PermissionGrant
	switch x.a.Op {
	case planner.OpCreate:
		want := tenant.PermissionGrant{ClientID: g.ClientID, ResourceID: g.ResourceID, ConsentType: g.ConsentType, Scope: g.Scope}
		var made tenant.PermissionGrant
		err := x.retry(ctx, x.lag, func(ctx context.Context) (err error) {
			res, err := x.dir.Do(ctx, tenant.CreatePermissionGrant(want))
			made = res.Grant
			return err
		})
		if tenant.KindOf(err) == tenant.Conflict {
			return x.convergeGrant(ctx, want, err)
		}
		x.objectID = made.ID
		return err
	case planner.OpUpdate:
		x.objectID = g.ID
		return x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, tenant.UpdatePermissionGrant(g.ID, g.Scope)) })
	case planner.OpDelete:
		x.objectID = g.ID
		return x.remove(ctx, "already revoked", func(ctx context.Context) error { return x.do(ctx, tenant.DeletePermissionGrant(g.ID)) })
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(x.a.Op)))
	}
}

// convergeGrant handles a Conflict on a delegated grant: one grant exists
// per client, resource and consent type. It is found and given the planned
// scopes.
func (x *exec) convergeGrant(ctx context.Context, want tenant.PermissionGrant, conflict error) error {
	var have *tenant.PermissionGrant
	hit, err := x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
		list, err := x.dir.PermissionGrantsForResource(ctx, want.ResourceID)
		if err != nil {
			return false, err
		}
		for i := range list {
			g := list[i]
			if strings.EqualFold(g.ClientID, want.ClientID) && strings.EqualFold(g.ConsentType, want.ConsentType) &&
				(want.ConsentType != "Principal" || strings.EqualFold(g.PrincipalID, want.PrincipalID)) {
				have = &g
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil || !hit {
		return conflict
	}
	x.objectID = have.ID
	x.note("the grant existed already")
	if sameSet(strings.Fields(have.Scope), strings.Fields(want.Scope)) {
		return nil
	}
	return x.retry(ctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.UpdatePermissionGrant(have.ID, want.Scope)) })
}

// remove runs a delete with retries; an object already gone counts as
// removed, with already ("already deleted", "already revoked", ...) noted
// on the result.
func (x *exec) remove(ctx context.Context, already string, del func(ctx context.Context) error) error {
	err := x.retry(ctx, false, del)
	if gone(err) {
		x.note("%s", already)
		return nil
	}
	return err
}
