package applier

import (
	"context"
	"fmt"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// batchable reports whether an action is a small write that needs nothing
// from another write's answer, so it may travel in a $batch with others:
// owners, app-role assignments, delegated grants, service principal
// updates, and removals of federated credentials and client secrets.
// Creates of applications and service principals, addPassword and the
// rest stay single calls: their answers carry ids or a secret.
func batchable(a *planner.Action) bool {
	switch a.Type {
	case planner.TypeOwner, planner.TypeAppRoleAssignment, planner.TypePermissionGrant:
		return true
	case planner.TypeServicePrincipal:
		return a.Op == planner.OpUpdate
	case planner.TypeFederatedCredential, planner.TypeSecret:
		return a.Op == planner.OpDelete
	case planner.TypeApplication:
		return false
	default:
		panic(fmt.Sprintf("internal error: unknown planner.ObjectType %q", string(a.Type)))
	}
}

// toWrite turns a resolved batchable action into a tenant.Write, and names
// the id its result is about.
func toWrite(a *planner.Action) (tenant.Write, string) {
	switch {
	case a.Type == planner.TypeOwner && a.Op == planner.OpCreate:
		return tenant.Write{Op: tenant.OpAddOwner, ID: a.Owner.ApplicationID, RefID: a.Owner.OwnerID}, a.Owner.OwnerID
	case a.Type == planner.TypeOwner && a.Op == planner.OpDelete:
		return tenant.Write{Op: tenant.OpRemoveOwner, ID: a.Owner.ApplicationID, RefID: a.Owner.OwnerID}, a.Owner.OwnerID
	case a.Type == planner.TypeAppRoleAssignment && a.Op == planner.OpCreate:
		as := a.AppRoleAssignment
		return tenant.Write{Op: tenant.OpCreateAppRoleAssignment, Assignment: &tenant.AppRoleAssignment{
			PrincipalID: as.PrincipalID, ResourceID: as.ResourceID, AppRoleID: as.AppRoleID}}, ""
	case a.Type == planner.TypeAppRoleAssignment && a.Op == planner.OpDelete:
		as := a.AppRoleAssignment
		return tenant.Write{Op: tenant.OpDeleteAppRoleAssignment, ID: as.ResourceID, RefID: as.ID}, as.ID
	case a.Type == planner.TypePermissionGrant && a.Op == planner.OpCreate:
		g := a.PermissionGrant
		return tenant.Write{Op: tenant.OpCreatePermissionGrant, Grant: &tenant.PermissionGrant{
			ClientID: g.ClientID, ResourceID: g.ResourceID, ConsentType: g.ConsentType, Scope: g.Scope}}, ""
	case a.Type == planner.TypePermissionGrant && a.Op == planner.OpUpdate:
		return tenant.Write{Op: tenant.OpUpdatePermissionGrant, ID: a.PermissionGrant.ID, Scope: a.PermissionGrant.Scope}, a.PermissionGrant.ID
	case a.Type == planner.TypePermissionGrant && a.Op == planner.OpDelete:
		return tenant.Write{Op: tenant.OpDeletePermissionGrant, ID: a.PermissionGrant.ID}, a.PermissionGrant.ID
	case a.Type == planner.TypeServicePrincipal && a.Op == planner.OpUpdate:
		sp := a.ServicePrincipal
		return tenant.Write{Op: tenant.OpUpdateServicePrincipal, ID: sp.ObjectID, ServicePrincipal: &tenant.ServicePrincipalPatch{
			Tags: sp.Tags, AppRoleAssignmentRequired: sp.AppRoleAssignmentRequired}}, sp.ObjectID
	case a.Type == planner.TypeFederatedCredential && a.Op == planner.OpDelete:
		f := a.FederatedCredential
		return tenant.Write{Op: tenant.OpDeleteFederatedCredential, ID: f.ApplicationID, RefID: f.ID}, f.ID
	case a.Type == planner.TypeSecret && a.Op == planner.OpDelete:
		s := a.Secret
		return tenant.Write{Op: tenant.OpRemovePassword, ID: s.ApplicationID, RefID: s.KeyID}, s.KeyID
	default:
		panic(fmt.Sprintf("internal error: action %s (%s %s) is not batchable", a.ID, a.Op, a.Type))
	}
}

// executeBatch sends a group of batchable actions as one $batch (the
// Directory splits and re-sends throttled items itself). An item that
// still fails goes through execute, the single-call path, which retries by
// kind and knows which failures mean done (an owner that exists, an
// assignment already revoked): batching saves round trips, never changes
// an outcome.
func (r *run) executeBatch(ctx context.Context, actions []*planner.Action) []error {
	errs := make([]error, len(actions))
	var writes []tenant.Write
	var idx []int
	var ids []string
	for i, pa := range actions {
		a, err := r.refs.resolved(pa)
		if err != nil {
			errs[i] = err
			continue
		}
		w, id := toWrite(a)
		writes = append(writes, w)
		idx = append(idx, i)
		ids = append(ids, id)
	}
	if len(writes) == 0 {
		return errs
	}
	results := r.dir.DoBatch(ctx, writes)
	if len(results) != len(writes) {
		panic(fmt.Sprintf("internal error: DoBatch returned %d results for %d writes", len(results), len(writes)))
	}
	for n, i := range idx {
		if results[n].Err == nil {
			id := ids[n]
			if results[n].ID != "" {
				id = results[n].ID
			}
			r.setInfo(actions[i].ID, id, "")
			continue
		}
		if ctx.Err() != nil {
			errs[i] = results[n].Err
			continue
		}
		errs[i] = r.execute(ctx, actions[i])
	}
	return errs
}
