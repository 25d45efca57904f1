package tenant

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Access is what regsync needs of Azure Resource Manager's authorization
// provider: the role definitions assignable at a scope, the role
// assignments made at a scope, and a way to create and delete one.
// arm.Client implements it over armauthorization; tenanttest.Access in
// memory, for tests.
//
// A scope is an ARM resource id (a subscription, a resource group, a
// Health Data Services workspace or service, any resource); ids compare
// without regard to case, as ARM treats them.
type Access interface {
	// RoleDefinitions lists the role definitions that can be assigned at
	// scope: the built-in roles and the custom roles whose assignable
	// scopes cover it.
	RoleDefinitions(ctx context.Context, scope string) ([]RoleDefinition, error)
	// RoleAssignments lists the role assignments that apply at scope
	// (ARM's $filter=atScope()): those made at the scope itself and those
	// inherited from above it (a subscription's Owners). Callers that
	// manage a scope look only at the former (RoleAssignment.AtScope).
	RoleAssignments(ctx context.Context, scope string) ([]RoleAssignment, error)
	// CreateRoleAssignment creates the assignment a.Name at a.Scope; an
	// assignment of that name or of the same role and principal at that
	// scope already fails Conflict (RoleAssignmentExists). A principal that
	// has not replicated to ARM yet fails NotFound (PrincipalNotFound).
	CreateRoleAssignment(ctx context.Context, a RoleAssignment) (RoleAssignment, error)
	// DeleteRoleAssignment deletes the assignment name at scope; one that
	// does not exist fails NotFound.
	DeleteRoleAssignment(ctx context.Context, scope, name string) error
	// Requests is the number of HTTP requests sent so far (retries included).
	Requests() int
}

// RoleDefinition is an Azure role (built-in or custom).
type RoleDefinition struct {
	// ID is the definition's resource id, e.g.
	// /subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>.
	ID string
	// Name is its GUID, the same in every subscription for a built-in role.
	Name string
	// RoleName is what people call it, e.g. "DICOM Data Owner".
	RoleName string
	// Type is BuiltInRole or CustomRole.
	Type string `json:",omitempty"`
	// Scope is the scope it was listed at (set by Read).
	Scope string `json:",omitempty"`
}

// RoleAssignment grants a role to a principal at a scope.
type RoleAssignment struct {
	// ID is the assignment's resource id: <scope>/providers/Microsoft.Authorization/roleAssignments/<name>.
	ID string
	// Name is its GUID, chosen by whoever created it. regsync chooses
	// AssignmentName(scope, role, principal), which marks the assignments
	// it made.
	Name             string
	Scope            string
	RoleDefinitionID string
	PrincipalID      string
	PrincipalType    string `json:",omitempty"`
	Description      string `json:",omitempty"`
}

// AtScope reports whether the assignment was made at scope itself rather
// than inherited from a parent scope.
func (a RoleAssignment) AtScope(scope string) bool { return SameScope(a.Scope, scope) }

// RoleGUID is the GUID of the assignment's role definition (the last
// segment of RoleDefinitionID), in lower case.
func (a RoleAssignment) RoleGUID() string { return RoleDefinitionGUID(a.RoleDefinitionID) }

// RoleDefinitionGUID returns the last segment of a role definition id, in
// lower case: the role's GUID, which names a built-in role the same way in
// every subscription whatever scope prefixes it.
func RoleDefinitionGUID(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return strings.ToLower(id)
}

// NormalizeScope is the form in which regsync compares and hashes scopes:
// lower case, one leading slash, no trailing slash.
func NormalizeScope(scope string) string {
	return "/" + strings.Trim(strings.ToLower(strings.TrimSpace(scope)), "/")
}

// SameScope reports whether two resource ids name the same scope.
func SameScope(a, b string) bool { return NormalizeScope(a) == NormalizeScope(b) }

// AssignmentName is the name (a GUID) regsync gives the role assignment of
// role (a definition id or GUID) to principal at scope: a UUIDv5 of the
// three, so a create whose answer was lost and its re-run address the same
// assignment, and ARM refuses the second with RoleAssignmentExists rather
// than making a twin. It is also how regsync tells its own assignments
// from those made by hand: prune touches no assignment whose name differs.
func AssignmentName(scope, role, principal string) string {
	key := NormalizeScope(scope) + "\x00" + RoleDefinitionGUID(role) + "\x00" + strings.ToLower(strings.TrimSpace(principal))
	return uuid.NewSHA1(idNamespace, []byte("role-assignment\x00"+key)).String()
}

// Managed reports whether regsync made the assignment: its name is the one
// AssignmentName derives from its own scope, role and principal.
func (a RoleAssignment) Managed() bool {
	return strings.EqualFold(a.Name, AssignmentName(a.Scope, a.RoleDefinitionID, a.PrincipalID))
}

// readScopes adds to g the reads of every scope of q: its role definitions
// and its role assignments, one paged list each. The assignments inherited
// from a parent scope are dropped here.
func readScopes(g *group, q ReadQuery, snap *Snapshot, mu *sync.Mutex, get func(context.Context, func(context.Context) error) error) {
	seen := map[string]bool{}
	for _, scope := range q.Scopes {
		norm := NormalizeScope(scope)
		if seen[norm] {
			continue
		}
		seen[norm] = true
		mu.Lock()
		snap.ScopesRead = append(snap.ScopesRead, norm)
		mu.Unlock()
		g.Go(func(ctx context.Context) error {
			var defs []RoleDefinition
			err := get(ctx, func(ctx context.Context) (err error) {
				defs, err = q.Access.RoleDefinitions(ctx, scope)
				return err
			})
			if err != nil {
				return scopeError(scope, "role definitions", "Microsoft.Authorization/roleDefinitions/read", err)
			}
			for i := range defs {
				defs[i].Scope = norm
			}
			mu.Lock()
			snap.RoleDefinitions = append(snap.RoleDefinitions, defs...)
			mu.Unlock()
			return nil
		})
		g.Go(func(ctx context.Context) error {
			var as []RoleAssignment
			err := get(ctx, func(ctx context.Context) (err error) {
				as, err = q.Access.RoleAssignments(ctx, scope)
				return err
			})
			if err != nil {
				return scopeError(scope, "role assignments", "Microsoft.Authorization/roleAssignments/read", err)
			}
			mu.Lock()
			for _, a := range as {
				if a.AtScope(scope) {
					snap.RoleAssignments = append(snap.RoleAssignments, a)
				}
			}
			mu.Unlock()
			return nil
		})
	}
}

// scopeError says which scope a read failed at and, for the two failures a
// user can fix, how.
func scopeError(scope, what, permission string, err error) error {
	switch KindOf(err) {
	case NotFound:
		return fmt.Errorf("listing %s at %s: the scope does not exist (check the azureResources id, and that the signed-in identity's subscription holds it): %w", what, scope, err)
	case Forbidden:
		return fmt.Errorf("listing %s at %s: the signed-in identity lacks %s on that scope (Reader or Role Based Access Control Administrator there grants it; see docs/permissions.md): %w", what, scope, permission, err)
	default:
		return fmt.Errorf("listing %s at %s (Azure Resource Manager): %w", what, scope, err)
	}
}

// sortAccess orders the access part of a snapshot, so two reads of the
// same tenant compare equal.
func sortAccess(snap *Snapshot) {
	sort.Strings(snap.ScopesRead)
	sort.Slice(snap.RoleDefinitions, func(i, j int) bool {
		a, b := snap.RoleDefinitions[i], snap.RoleDefinitions[j]
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return strings.ToLower(a.ID) < strings.ToLower(b.ID)
	})
	sort.Slice(snap.RoleAssignments, func(i, j int) bool {
		return strings.ToLower(snap.RoleAssignments[i].ID) < strings.ToLower(snap.RoleAssignments[j].ID)
	})
	snap.RoleAssignments = dedupeBy(snap.RoleAssignments, func(a RoleAssignment) string { return strings.ToLower(a.ID) })
}

// RoleDefinitionsAt returns the role definitions Read listed at scope.
func (s *Snapshot) RoleDefinitionsAt(scope string) []RoleDefinition {
	norm := NormalizeScope(scope)
	var out []RoleDefinition
	for _, d := range s.RoleDefinitions {
		if d.Scope == norm {
			out = append(out, d)
		}
	}
	return out
}

// RoleAssignmentsAt returns the role assignments made at scope itself.
func (s *Snapshot) RoleAssignmentsAt(scope string) []RoleAssignment {
	var out []RoleAssignment
	for _, a := range s.RoleAssignments {
		if a.AtScope(scope) {
			out = append(out, a)
		}
	}
	return out
}

// ScopeRead reports whether Read listed scope.
func (s *Snapshot) ScopeRead(scope string) bool {
	norm := NormalizeScope(scope)
	for _, v := range s.ScopesRead {
		if v == norm {
			return true
		}
	}
	return false
}
