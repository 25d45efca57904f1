package applier

import (
	"context"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// assignmentKind: an app-role assignment is created or deleted, in a
// $batch when it can be. Graph refuses a duplicate, so a conflict is
// confirmed and counts as done.
type assignmentKind struct{}

func (assignmentKind) has(a *planner.Action) bool { return a.AppRoleAssignment != nil }

func (assignmentKind) detach(c *planner.Action) { c.AppRoleAssignment = detached(c.AppRoleAssignment) }

func (assignmentKind) write(a *planner.Action) (tenant.Write, string, bool) {
	as := a.AppRoleAssignment
	switch a.Op {
	case planner.OpCreate:
		return tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{
			PrincipalID: as.PrincipalID, ResourceID: as.ResourceID, AppRoleID: as.AppRoleID}), "", true
	case planner.OpDelete:
		return tenant.DeleteAppRoleAssignment(as.ResourceID, as.ID), as.ID, true
	default:
		return tenant.Write{}, "", false
	}
}

func (k assignmentKind) run(ctx context.Context, x *exec) error {
	as := x.a.AppRoleAssignment
	switch x.a.Op {
	case planner.OpCreate:
		w, _, _ := k.write(x.a)
		want := *w.Assignment
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
			res, err := x.dir.Do(ctx, w)
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
		panic(unknownOp(x.a))
	}
}

// confirmAssignment handles "Permission being assigned already exists":
// the assignment is there (an earlier run, or a create whose answer was
// lost), which is the goal. It is looked up for its id; Graph's word is
// taken when the listing does not show it yet.
func (x *exec) confirmAssignment(ctx context.Context, want tenant.AppRoleAssignment) error {
	var id string
	_, _ = x.lookAgain(ctx, func(ctx context.Context) (bool, error) {
		// The principal's own assignments, not the resource's: on
		// Microsoft Graph's service principal those are every consent in
		// the tenant.
		list, _, err := x.dir.ConsentsOf(ctx, []string{want.PrincipalID})
		if err != nil {
			return false, err
		}
		for _, a := range list {
			if strings.EqualFold(a.ResourceID, want.ResourceID) && strings.EqualFold(a.PrincipalID, want.PrincipalID) && strings.EqualFold(a.AppRoleID, want.AppRoleID) {
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
