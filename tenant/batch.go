package tenant

import (
	"context"
	"fmt"
)

// WriteOp names a directory write that may travel with others in one
// request (Graph's $batch). Only writes that need nothing from another
// write's response belong here; creates of applications and service
// principals, addPassword and federated credentials stay single calls.
type WriteOp int

// The batchable writes. Each lists the Write fields it reads.
const (
	OpUpdateApplication         WriteOp = iota + 1 // ID, Application
	OpDeleteApplication                            // ID
	OpAddOwner                                     // ID (application), RefID (owner)
	OpRemoveOwner                                  // ID (application), RefID (owner)
	OpRemovePassword                               // ID (application), RefID (keyId)
	OpDeleteFederatedCredential                    // ID (application), RefID (credential id)
	OpUpdateServicePrincipal                       // ID, ServicePrincipal
	OpDeleteServicePrincipal                       // ID
	OpCreateAppRoleAssignment                      // Assignment
	OpDeleteAppRoleAssignment                      // ID (resource SP), RefID (assignment)
	OpCreatePermissionGrant                        // Grant
	OpUpdatePermissionGrant                        // ID (grant), Scope
	OpDeletePermissionGrant                        // ID (grant)
)

func (o WriteOp) String() string {
	switch o {
	case OpUpdateApplication:
		return "update application"
	case OpDeleteApplication:
		return "delete application"
	case OpAddOwner:
		return "add owner"
	case OpRemoveOwner:
		return "remove owner"
	case OpRemovePassword:
		return "remove password"
	case OpDeleteFederatedCredential:
		return "delete federated credential"
	case OpUpdateServicePrincipal:
		return "update service principal"
	case OpDeleteServicePrincipal:
		return "delete service principal"
	case OpCreateAppRoleAssignment:
		return "create app-role assignment"
	case OpDeleteAppRoleAssignment:
		return "delete app-role assignment"
	case OpCreatePermissionGrant:
		return "create delegated grant"
	case OpUpdatePermissionGrant:
		return "update delegated grant"
	case OpDeletePermissionGrant:
		return "delete delegated grant"
	default:
		panic(fmt.Sprintf("internal error: unknown tenant.WriteOp %d", int(o)))
	}
}

// Write is one independent directory write for a BatchWriter.
type Write struct {
	Op               WriteOp
	ID               string
	RefID            string
	Application      *AppProps
	ServicePrincipal *ServicePrincipalPatch
	Assignment       *AppRoleAssignment
	Grant            *PermissionGrant
	Scope            string
}

// WriteResult is the outcome of one Write: Err is nil on success (a
// *Error with a Kind otherwise); ID is the id of what a create made.
type WriteResult struct {
	ID  string
	Err error
}

// BatchWriter is implemented by a Directory that can send independent
// writes together (graph.Client, through $batch). WriteBatch returns one
// result per write, in order; writes are not ordered among themselves, so
// callers pass only writes that do not depend on each other. Throttled
// items are retried inside, honouring Retry-After; what is still failing
// comes back with its kind for the caller's own retry.
type BatchWriter interface {
	WriteBatch(ctx context.Context, writes []Write) []WriteResult
}
