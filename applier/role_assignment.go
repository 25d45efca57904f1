package applier

import (
	"context"
	"fmt"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// roleAssignmentKind: an Azure role assignment at an azureResources scope,
// written to Azure Resource Manager (Options.Access), never in a Graph
// $batch.
//
// A create is idempotent by its name: tenant.AssignmentName derives it
// from scope, role and principal (here, once a new service principal's id
// is known), so a create whose answer was lost and is sent again, in this
// run or the next, addresses the same assignment. ARM then answers 409
// RoleAssignmentExists, which counts as done, as it does when the role was
// granted to the principal by hand under another name. A principal that
// this run created may not have reached ARM yet (400 PrincipalNotFound,
// NotFound here): that is ridden out within the lag window; principalType
// is always sent, which Microsoft recommends to shorten that wait.
type roleAssignmentKind struct{}

func (roleAssignmentKind) has(a *planner.Action) bool { return a.RoleAssignment != nil }

func (roleAssignmentKind) detach(c *planner.Action) { c.RoleAssignment = detached(c.RoleAssignment) }

func (roleAssignmentKind) write(*planner.Action) (tenant.Write, string, bool) {
	return tenant.Write{}, "", false
}

func (roleAssignmentKind) run(ctx context.Context, x *exec) error {
	ra := x.a.RoleAssignment
	acc := x.opts.Access
	if acc == nil {
		return fmt.Errorf("internal error: %s needs Azure Resource Manager, and none is configured", x.a.ID)
	}
	name := ra.Name
	if name == "" {
		name = tenant.AssignmentName(ra.Scope, ra.RoleDefinitionID, ra.PrincipalID)
	}
	switch x.a.Op {
	case planner.OpCreate:
		want := tenant.RoleAssignment{Name: name, Scope: ra.Scope, RoleDefinitionID: ra.RoleDefinitionID,
			PrincipalID: ra.PrincipalID, PrincipalType: ra.PrincipalType,
			Description: fmt.Sprintf("Managed by regsync (set %s)", x.plan.Set)}
		var made tenant.RoleAssignment
		err := x.retryAt(ctx, x.armGate, x.lag, func(ctx context.Context) (err error) {
			made, err = acc.CreateRoleAssignment(ctx, want)
			return err
		})
		if tenant.KindOf(err) == tenant.Conflict {
			x.objectID = name
			x.note("the assignment existed already")
			return nil
		}
		if err != nil {
			return fmt.Errorf("assigning %s at %s to %s: %w", ra.Role, ra.Scope, ra.Principal, err)
		}
		x.objectID = made.Name
		return nil
	case planner.OpDelete:
		x.objectID = name
		return x.removeAt(ctx, x.armGate, "already removed", func(ctx context.Context) error {
			return acc.DeleteRoleAssignment(ctx, ra.Scope, name)
		})
	default:
		panic(unknownOp(x.a))
	}
}
