package tenanttest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/regsync/regsync/tenant"
)

// Access is an in-memory Azure Resource Manager for tests: scopes that
// exist, the role definitions assignable at every scope, and role
// assignments. It implements tenant.Access and behaves as ARM does where
// regsync relies on it: a list at a scope returns the assignments inherited
// from its parent scopes too; a second assignment of one name, or of one
// role and principal at one scope, is a Conflict; an unknown scope is
// NotFound; a principal in Lagging fails NotFound until its lag is spent.
type Access struct {
	mu       sync.Mutex
	scopes   map[string]bool // normalized
	denied   map[string]bool // scopes the caller may not read
	defs     []tenant.RoleDefinition
	assigns  map[string]tenant.RoleAssignment // by normalized id
	lagging  map[string]int                   // principal id → failures left
	faults   map[string][]fault               // "create", "delete", "list", "definitions"
	creates  map[string][]fault               // principal id → faults of its creates
	requests int
	calls    []string
}

var _ tenant.Access = (*Access)(nil)

// BuiltInRoles are the role definitions a NewAccess serves at every scope:
// the Health Data Services data roles and the three general roles, with the
// ids Microsoft publishes (docs/arm-quirks.md).
var BuiltInRoles = []tenant.RoleDefinition{
	{Name: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", RoleName: "Owner"},
	{Name: "b24988ac-6180-42a0-ab88-20f7382dd24c", RoleName: "Contributor"},
	{Name: "acdd72a7-3385-48ef-bd42-f606fba81ae7", RoleName: "Reader"},
	{Name: "4c8d0bbc-75d3-4935-991f-5f3c56d81508", RoleName: "FHIR Data Reader"},
	{Name: "3f88fce4-5892-4214-ae73-ba5294559913", RoleName: "FHIR Data Writer"},
	{Name: "5a1fc7df-4bf1-4951-a576-89034ee01acd", RoleName: "FHIR Data Contributor"},
	{Name: "3db33094-8700-4567-8da5-1501d4e7e843", RoleName: "FHIR Data Exporter"},
	{Name: "4465e953-8ced-4406-a58e-0f6e3f3b530b", RoleName: "FHIR Data Importer"},
	{Name: "a1705bd2-3a8f-45a5-8683-466fcfd5cc24", RoleName: "FHIR Data Converter"},
	{Name: "4ba50f17-9666-485c-a643-ff00808643f0", RoleName: "FHIR SMART User"},
	{Name: "58a3b984-7adf-4c20-983a-32417c86fbc8", RoleName: "DICOM Data Owner"},
	{Name: "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a", RoleName: "DICOM Data Reader"},
}

// NewAccess returns an Access where the given scopes (resource ids) exist.
func NewAccess(scopes ...string) *Access {
	f := &Access{scopes: map[string]bool{}, denied: map[string]bool{}, assigns: map[string]tenant.RoleAssignment{},
		lagging: map[string]int{}, faults: map[string][]fault{}, creates: map[string][]fault{}}
	for _, s := range scopes {
		f.scopes[tenant.NormalizeScope(s)] = true
	}
	for _, d := range BuiltInRoles {
		d.Type = "BuiltInRole"
		d.ID = "/providers/Microsoft.Authorization/roleDefinitions/" + d.Name
		f.defs = append(f.defs, d)
	}
	return f
}

// Deny makes reads and writes at scope fail Forbidden (AuthorizationFailed).
func (f *Access) Deny(scope string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denied[tenant.NormalizeScope(scope)] = true
}

// Lag makes the next n creates naming principal fail NotFound
// (PrincipalNotFound), as ARM answers before a new principal replicates.
func (f *Access) Lag(principal string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lagging[strings.ToLower(principal)] = n
}

// Inject makes the next n calls of op ("create", "delete", "list",
// "definitions") fail with err; with lost, the call takes effect first
// (its answer was lost on the way back).
func (f *Access) Inject(op string, n int, err error, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[op] = append(f.faults[op], fault{err: err, lost: lost})
	}
}

// InjectCreate makes the next n creates naming principal fail with err;
// with lost, the create takes effect first. Unlike Inject, it cannot be
// taken by another principal's create running at the same time.
func (f *Access) InjectCreate(principal string, n int, err error, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := strings.ToLower(principal)
	for range n {
		f.creates[p] = append(f.creates[p], fault{err: err, lost: lost})
	}
}

// Add puts an assignment in place as if made by hand (or by an earlier
// run); its ID is derived from Scope and Name.
func (f *Access) Add(a tenant.RoleAssignment) tenant.RoleAssignment {
	f.mu.Lock()
	defer f.mu.Unlock()
	a.ID = assignmentID(a.Scope, a.Name)
	f.assigns[strings.ToLower(a.ID)] = a
	return a
}

// Assignments returns every assignment, sorted by id.
func (f *Access) Assignments() []tenant.RoleAssignment {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]tenant.RoleAssignment, 0, len(f.assigns))
	for _, a := range f.assigns {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Calls lists the calls made, in order ("create <scope> <name>", ...).
func (f *Access) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Requests counts every call.
func (f *Access) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func assignmentID(scope, name string) string {
	return strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name
}

// begin counts a call, takes its next fault and checks its scope.
func (f *Access) begin(op, scope string) (fault, error) {
	f.requests++
	f.calls = append(f.calls, op+" "+scope)
	var ft fault
	if q := f.faults[op]; len(q) > 0 {
		ft, f.faults[op] = q[0], q[1:]
	}
	norm := tenant.NormalizeScope(scope)
	if f.denied[norm] {
		return ft, &tenant.Error{Kind: tenant.Forbidden, Status: 403, Code: "AuthorizationFailed",
			Message: fmt.Sprintf("the client does not have authorization to perform action at scope %s", scope)}
	}
	if !f.exists(norm) {
		return ft, &tenant.Error{Kind: tenant.NotFound, Status: 404, Code: "ResourceNotFound",
			Message: fmt.Sprintf("the resource %s was not found", scope)}
	}
	return ft, nil
}

// exists reports whether norm is a declared scope or a parent of one.
func (f *Access) exists(norm string) bool {
	for s := range f.scopes {
		if s == norm || strings.HasPrefix(s, norm+"/") {
			return true
		}
	}
	return false
}

// RoleDefinitions implements tenant.Access.
func (f *Access) RoleDefinitions(_ context.Context, scope string) ([]tenant.RoleDefinition, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("definitions", scope)
	if err != nil {
		return nil, err
	}
	if ft.err != nil {
		return nil, ft.err
	}
	return append([]tenant.RoleDefinition(nil), f.defs...), nil
}

// RoleAssignments implements tenant.Access: the assignments at scope and
// at every parent of it.
func (f *Access) RoleAssignments(_ context.Context, scope string) ([]tenant.RoleAssignment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("list", scope)
	if err != nil {
		return nil, err
	}
	if ft.err != nil {
		return nil, ft.err
	}
	norm := tenant.NormalizeScope(scope)
	var out []tenant.RoleAssignment
	for _, a := range f.assigns {
		at := tenant.NormalizeScope(a.Scope)
		if at == norm || strings.HasPrefix(norm, at+"/") || at == "/" {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// CreateRoleAssignment implements tenant.Access.
func (f *Access) CreateRoleAssignment(_ context.Context, a tenant.RoleAssignment) (tenant.RoleAssignment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("create", a.Scope)
	if err != nil {
		return tenant.RoleAssignment{}, err
	}
	if q := f.creates[strings.ToLower(a.PrincipalID)]; ft.err == nil && len(q) > 0 {
		ft, f.creates[strings.ToLower(a.PrincipalID)] = q[0], q[1:]
	}
	if ft.err != nil && !ft.lost {
		return tenant.RoleAssignment{}, ft.err
	}
	if n := f.lagging[strings.ToLower(a.PrincipalID)]; n > 0 {
		f.lagging[strings.ToLower(a.PrincipalID)] = n - 1
		return tenant.RoleAssignment{}, &tenant.Error{Kind: tenant.NotFound, Status: 400, Code: "PrincipalNotFound",
			Message: fmt.Sprintf("principal %s does not exist in the directory", a.PrincipalID)}
	}
	a.ID = assignmentID(a.Scope, a.Name)
	for _, have := range f.assigns {
		if strings.EqualFold(have.ID, a.ID) || (tenant.SameScope(have.Scope, a.Scope) &&
			have.RoleGUID() == a.RoleGUID() && strings.EqualFold(have.PrincipalID, a.PrincipalID)) {
			return tenant.RoleAssignment{}, &tenant.Error{Kind: tenant.Conflict, Status: 409, Code: "RoleAssignmentExists",
				Message: "the role assignment already exists"}
		}
	}
	f.assigns[strings.ToLower(a.ID)] = a
	if ft.err != nil {
		return tenant.RoleAssignment{}, ft.err
	}
	return a, nil
}

// DeleteRoleAssignment implements tenant.Access.
func (f *Access) DeleteRoleAssignment(_ context.Context, scope, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("delete", scope)
	if err != nil {
		return err
	}
	if ft.err != nil && !ft.lost {
		return ft.err
	}
	id := strings.ToLower(assignmentID(scope, name))
	if _, ok := f.assigns[id]; !ok {
		return &tenant.Error{Kind: tenant.NotFound, Status: 404, Code: "RoleAssignmentNotFound", Message: "the role assignment does not exist"}
	}
	delete(f.assigns, id)
	return ft.err
}
