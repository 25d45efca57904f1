package applier

import (
	"context"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// grantKind: a delegated grant is created, updated or deleted, in a
// $batch when it can be. One grant exists per client, resource and consent
// type, so a conflict is found and given the planned scopes.
type grantKind struct{}

func (grantKind) has(a *planner.Action) bool { return a.PermissionGrant != nil }

func (grantKind) detach(c *planner.Action) { c.PermissionGrant = detached(c.PermissionGrant) }

func (grantKind) write(a *planner.Action) (tenant.Write, string, bool) {
	g := a.PermissionGrant
	switch a.Op {
	case planner.OpCreate:
		return tenant.CreatePermissionGrant(tenant.PermissionGrant{
			ClientID: g.ClientID, ResourceID: g.ResourceID, ConsentType: g.ConsentType, Scope: g.Scope}), "", true
	case planner.OpUpdate:
		return tenant.UpdatePermissionGrant(g.ID, g.Scope), g.ID, true
	case planner.OpDelete:
		return tenant.DeletePermissionGrant(g.ID), g.ID, true
	default:
		return tenant.Write{}, "", false
	}
}

func (k grantKind) run(ctx context.Context, x *exec) error {
	g := x.a.PermissionGrant
	switch x.a.Op {
	case planner.OpCreate:
		w, _, _ := k.write(x.a)
		want := *w.Grant
		var made tenant.PermissionGrant
		err := x.retry(ctx, x.lag, func(ctx context.Context) (err error) {
			res, err := x.dir.Do(ctx, w)
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
		w, _, _ := k.write(x.a)
		return x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, w) })
	case planner.OpDelete:
		x.objectID = g.ID
		w, _, _ := k.write(x.a)
		return x.remove(ctx, "already revoked", func(ctx context.Context) error { return x.do(ctx, w) })
	default:
		panic(unknownOp(x.a))
	}
}

// convergeGrant handles a Conflict on a delegated grant: one grant exists
// per client, resource and consent type. It is found and given the planned
// scopes.
func (x *exec) convergeGrant(ctx context.Context, want tenant.PermissionGrant, conflict error) error {
	var have *tenant.PermissionGrant
	hit, err := x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
		// The client's own grants, not the resource's (see ConsentsOf).
		_, list, err := x.dir.ConsentsOf(ctx, []string{want.ClientID})
		if err != nil {
			return false, err
		}
		for i := range list {
			g := list[i]
			if strings.EqualFold(g.ResourceID, want.ResourceID) && strings.EqualFold(g.ClientID, want.ClientID) && strings.EqualFold(g.ConsentType, want.ConsentType) &&
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
