package applier

import (
	"context"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// federatedKind: a federated credential is created alone (a conflict
// means one of its name exists, which is brought to the plan), updated
// alone, and deleted in a $batch.
type federatedKind struct{}

func (federatedKind) has(a *planner.Action) bool { return a.FederatedCredential != nil }

func (federatedKind) detach(c *planner.Action) {
	c.FederatedCredential = detached(c.FederatedCredential)
}

func (federatedKind) write(a *planner.Action) (tenant.Write, string, bool) {
	if a.Op != planner.OpDelete {
		return tenant.Write{}, "", false
	}
	f := a.FederatedCredential
	return tenant.DeleteFederatedCredential(f.ApplicationID, f.ID), f.ID, true
}

func (k federatedKind) run(ctx context.Context, x *exec) error {
	f := x.a.FederatedCredential
	fc := f.Credential
	fc.Audiences = append([]string(nil), fc.Audiences...)
	fc.ID = f.ID
	if f.RecordAdded && x.a.Op != planner.OpDelete {
		// The start of a client's move from its secret: the time of
		// this write, which Graph does not record (planner/federated.go).
		fc.Description = planner.WithFederatedRecord(fc.Description, x.opts.Now())
	}
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
		panic(unknownOp(x.a))
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
	if _, ok := planner.FederatedAdded(have.Description); ok && x.a.FederatedCredential.RecordAdded &&
		planner.FederatedDescription(have.Description) == planner.FederatedDescription(want.Description) {
		// Made by this plan's create whose answer was lost: its record
		// of when it was added stands.
		want.Description = have.Description
	}
	if have.Issuer == want.Issuer && have.Subject == want.Subject && sameSet(have.Audiences, want.Audiences) && have.Description == want.Description {
		return nil
	}
	want.ID = have.ID
	return x.retry(ctx, true, func(ctx context.Context) error {
		return x.do(ctx, tenant.UpdateFederatedCredential(x.a.FederatedCredential.ApplicationID, want))
	})
}
