package applier

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// TestKindsCoverEveryAction: every object type has a kind that knows its
// payload, and the actions a kind batches are the small writes
// docs/apply.md lists (owners, assignments, grants, service principal
// updates, removals of federated credentials, client secrets and service
// principal passwords), each
// becoming a write whose op may be batched.
func TestKindsCoverEveryAction(t *testing.T) {
	withPayload := func(ty planner.ObjectType, op planner.Op) *planner.Action {
		a := &planner.Action{ID: string(ty) + ":" + string(op), Type: ty, Op: op}
		switch ty {
		case planner.TypeApplication:
			a.Application = &planner.ApplicationAction{Fields: &tenant.AppProps{}}
		case planner.TypeServicePrincipal:
			a.ServicePrincipal = &planner.ServicePrincipalAction{}
		case planner.TypeOwner:
			a.Owner = &planner.OwnerAction{}
		case planner.TypeFederatedCredential:
			a.FederatedCredential = &planner.FederatedCredentialAction{}
		case planner.TypeSecret:
			a.Secret = &planner.SecretAction{}
		case planner.TypeCertificate:
			a.Certificate = &planner.CertificateAction{}
		case planner.TypeAppRoleAssignment:
			a.AppRoleAssignment = &planner.AppRoleAssignmentAction{}
		case planner.TypePermissionGrant:
			a.PermissionGrant = &planner.PermissionGrantAction{}
		case planner.TypeRoleAssignment:
			a.RoleAssignment = &planner.RoleAssignmentAction{}
		case planner.TypeCredential:
			a.Credential = &planner.CredentialAction{Kind: planner.KindPassword, On: planner.OnServicePrincipal}
		default:
			t.Fatalf("unknown type %s", ty)
		}
		return a
	}
	types := []planner.ObjectType{planner.TypeApplication, planner.TypeServicePrincipal, planner.TypeOwner,
		planner.TypeFederatedCredential, planner.TypeSecret, planner.TypeCertificate, planner.TypeAppRoleAssignment, planner.TypePermissionGrant, planner.TypeCredential, planner.TypeRoleAssignment}
	if len(types) != len(kinds) {
		t.Errorf("%d kinds for %d object types", len(kinds), len(types))
	}
	batched := map[string]bool{}
	for _, ty := range types {
		k, ok := kinds[ty]
		if !ok {
			t.Errorf("%s: no kind", ty)
			continue
		}
		if k.has(&planner.Action{Type: ty}) {
			t.Errorf("%s: an action without a payload has one", ty)
		}
		for _, op := range []planner.Op{planner.OpCreate, planner.OpUpdate, planner.OpDelete} {
			a := withPayload(ty, op)
			if !k.has(a) {
				t.Errorf("%s: payload not seen", a.ID)
			}
			w, _, ok := k.write(a)
			if !ok {
				continue
			}
			if !w.Op.Batchable() {
				t.Errorf("%s batches %s, which may not be batched", a.ID, w.Op)
			}
			batched[a.ID] = true
		}
	}
	want := map[string]bool{
		"owner:create": true, "owner:delete": true,
		"app_role_assignment:create": true, "app_role_assignment:delete": true,
		"permission_grant:create": true, "permission_grant:update": true, "permission_grant:delete": true,
		"service_principal:update": true, "federated_credential:delete": true, "secret:delete": true,
		"credential:delete": true, // a service principal's password; a certificate's removal runs alone
	}
	if d := cmp.Diff(want, batched); d != "" {
		t.Errorf("batched actions (-want +got):\n%s", d)
	}
}
