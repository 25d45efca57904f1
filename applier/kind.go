package applier

import (
	"context"
	"fmt"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// kind is what Apply knows of one kind of object (a planner.ObjectType):
// its payload, how it runs, and the write it becomes. Each kind lives in
// its own file (application.go, service_principal.go, owner.go,
// federated.go, secret.go, assignment.go, grant.go, credential.go) and Apply dispatches
// through kinds, so a new object kind is a new file and a row here, not a
// case in several switches.
//
// planner.Action stays the plan's format (planner owns it); a kind maps
// an action of its type to tenant.Writes.
type kind interface {
	// has reports whether the action carries the payload this kind needs.
	has(a *planner.Action) bool
	// detach gives a copy of an action its own copy of this kind's
	// payload, when the action carries one, so that resolving the copy's
	// references never writes into the plan.
	detach(c *planner.Action)
	// write is the one tenant.Write an action becomes when it may travel
	// in a $batch with others, and the id its result is about (empty for
	// a create, whose id comes back). ok is false for an action that runs
	// alone: a create whose answer Apply needs, addPassword, or an action
	// of several writes. Called on the plan's action to decide, and on the
	// resolved copy to send; a batchable write's op is Batchable.
	write(a *planner.Action) (w tenant.Write, id string, ok bool)
	// run executes a resolved action alone: its writes with retries, the
	// idempotency checks of its kind, and any hand-off (Key Vault).
	run(ctx context.Context, x *exec) error
}

// kinds is the dispatch table, one row per planner.ObjectType.
var kinds = map[planner.ObjectType]kind{
	planner.TypeApplication:         applicationKind{},
	planner.TypeServicePrincipal:    servicePrincipalKind{},
	planner.TypeOwner:               ownerKind{},
	planner.TypeFederatedCredential: federatedKind{},
	planner.TypeSecret:              secretKind{},
	planner.TypeCertificate:         certificateKind{},
	planner.TypeAppRoleAssignment:   assignmentKind{},
	planner.TypePermissionGrant:     grantKind{},
	planner.TypeRoleAssignment:      roleAssignmentKind{},
	planner.TypeCredential:          credentialKind{},
}

// kindOf is the kind of an action; an unknown type is an internal error
// (check refuses a plan holding one before anything runs).
func kindOf(a *planner.Action) kind {
	k, ok := kinds[a.Type]
	if !ok {
		panic(fmt.Sprintf("internal error: unknown planner.ObjectType %q", string(a.Type)))
	}
	return k
}

// batchable reports whether an action is a small write that needs nothing
// from another write's answer, so it may travel in a $batch with others.
func batchable(a *planner.Action) bool {
	_, _, ok := kindOf(a).write(a)
	return ok
}

// unknownOp is the internal error of an op a kind does not have.
func unknownOp(a *planner.Action) string {
	return fmt.Sprintf("internal error: unknown planner.Op %q for %s", string(a.Op), string(a.Type))
}

// detached returns a copy of *p, or nil.
func detached[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
