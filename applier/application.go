package applier

import (
	"context"
	"errors"
	"fmt"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// applicationKind: an application is created (looked for first, and
// adopted when it exists), updated or deleted, always alone: the create's
// answer fills the reference table, and updates are large PATCHes.
type applicationKind struct{}

func (applicationKind) has(a *planner.Action) bool {
	return a.Application != nil && (a.Op == planner.OpDelete || a.Application.Fields != nil)
}

// detach leaves the payload alone: Action.Resolve copies the application
// payload itself before it writes into it.
func (applicationKind) detach(*planner.Action) {}

func (applicationKind) write(*planner.Action) (tenant.Write, string, bool) {
	return tenant.Write{}, "", false
}

func (applicationKind) run(ctx context.Context, x *exec) error {
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
		panic(unknownOp(x.a))
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
	// Graph's upsert by alternate key makes the create exactly once: sent
	// again after a lost answer, or by a second apply at the same time, it
	// finds the application the first one made. It is retried like any
	// idempotent write.
	var made *tenant.Application
	unique := tenant.UniqueName(x.plan.Set, key)
	// Tolerating lag: an upsert that found the application (204) reads it
	// by the same key, and that read may not see it yet.
	lost := false
	err = x.retry(ctx, true, func(ctx context.Context) error {
		res, err := x.dir.Do(ctx, tenant.UpsertApplication(unique, p))
		if err == nil {
			made = res.Application
		} else if maybeLost(err) {
			lost = true
		}
		return err
	})
	if err == nil {
		if lost {
			x.note("the create's answer was lost (or never came); the upsert by uniqueName %s made the application once", unique)
		}
		x.own(made)
		return nil
	}
	if upsertUnsupported(err) {
		// A Graph without the upsert (a compatible server; every national
		// cloud has it today) refuses the method: create, and look again after
		// an answer that may have been lost.
		x.note("Graph refused the upsert by uniqueName (%v); creating without it", err)
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
	}
	if err != nil && tenant.KindOf(err) == tenant.Conflict && x.finder != nil && p.IdentifierURIs != nil && len(*p.IdentifierURIs) > 0 {
		found, ferr := x.holderOf(ctx, *p.IdentifierURIs, err)
		if ferr != nil {
			return ferr
		}
		x.own(found)
		x.note("adopted application %s, which holds its identifier URI and carries its set and key tags", found.AppID)
		return x.retry(ctx, true, func(ctx context.Context) error { return x.do(ctx, tenant.UpdateApplication(found.ID, p)) })
	}
	if err != nil {
		return err
	}
	x.own(made)
	return nil
}

// holderOf finds the application holding one of the identifier URIs a
// create was refused for ("Another object with the same value for
// property identifierUris already exists"), and returns it when it carries
// this action's set and key tags: it may be this key's own application,
// made by a run that crashed or whose answer was lost, and hidden from the
// look before the create by replication lag. The refusal proves that the
// holder exists, so a holder not yet visible is looked for again for up to
// the lag window. Any other holder, or none found, keeps the conflict
// final, and the error names the holder.
func (x *exec) holderOf(ctx context.Context, uris []string, conflict error) (*tenant.Application, error) {
	key := x.a.App
	var holder *tenant.Application
	var uri string
	_, err := x.lookFor(ctx, x.opts.Retry.LagWindow, func(ctx context.Context) (bool, error) {
		for _, u := range uris {
			a, err := x.finder.FindApplicationByIdentifierURI(ctx, u)
			if err != nil {
				return false, err
			}
			if a != nil {
				holder, uri = a, u
				return true, nil
			}
		}
		return false, nil
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("creating application %q: %w (looking for the application that holds its identifier URI failed: %v)", key, conflict, err)
	case holder == nil:
		return nil, fmt.Errorf("creating application %q: %w (no application holding its identifier URIs became visible within %s)", key, conflict, x.opts.Retry.LagWindow)
	case !hasTag(holder.Tags, tenant.SetTag(x.plan.Set)) || !hasTag(holder.Tags, tenant.KeyTag(key)):
		return nil, fmt.Errorf("creating application %q: %w: identifier URI %s is held by application %s (appId %s), which does not carry the tags %s and %s",
			key, conflict, uri, holder.DisplayName, holder.AppID, tenant.SetTag(x.plan.Set), tenant.KeyTag(key))
	default:
		return holder, nil
	}
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

// upsertUnsupported reports whether Graph refused the upsert as a method
// it does not serve (405, 501), rather than for its content.
func upsertUnsupported(err error) bool {
	var te *tenant.Error
	return errors.As(err, &te) && (te.Status == 405 || te.Status == 501)
}
