package planner

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// KindAzureResource is the AppSummary.Kind of an azureResources entry: its
// section of the plan holds the role assignments of users and groups there,
// and the removal of undeclared ones.
const KindAzureResource = "azure_resource"

// AzureResourceKey is the AppSummary.Key (and Action.App) of an
// azureResources entry. It cannot collide with an application key, which
// holds no dot.
func AzureResourceKey(key string) string { return "azureResources." + key }

// WantedRole is one role assignment the spec declares, resolved against
// the role definitions at its scope.
type WantedRole struct {
	Resource *spec.AzureResource
	Def      tenant.RoleDefinition
	// PrincipalID is the object id, or a Ref to a service principal this
	// plan creates.
	PrincipalID   string
	PrincipalType string
	// Principal names the holder for display: applications.<key>,
	// user <id> or group <id>.
	Principal string
	// App is the section the assignment belongs to: the application's key
	// for an application's own role, AzureResourceKey for users and groups.
	App     string
	Address string
	Pos     diag.Pos
}

// RoleDiff is how the role assignments at the spec's azureResources
// differ from the live ones: declared ones that are missing, and live ones
// made at a declared scope that the spec does not declare (those inherited
// from a parent scope are never looked at).
type RoleDiff struct {
	Missing    []WantedRole
	Undeclared []UndeclaredRole
	// Unresolved are the users and groups the spec names that the tenant
	// does not have (deleted, or a typo) or has twice (a group name).
	Unresolved []UnresolvedHolder
}

// UnresolvedHolder is a user or group reference under an azureResources
// role that names no principal, or several.
type UnresolvedHolder struct {
	Resource *spec.AzureResource
	Role     string
	Address  string
	Unresolved
}

// UndeclaredRole is a live role assignment at a declared scope that the
// spec does not declare.
type UndeclaredRole struct {
	Resource   *spec.AzureResource
	Assignment tenant.RoleAssignment
	RoleName   string // "" when the role is not assignable at the scope
	Principal  string // display
}

// DiffRoles resolves the spec's Azure roles against live and compares the
// assignments. principalOf gives the object id (or a Ref) of an
// application's service principal and the plan action that creates it (""
// when it exists); nil treats every application as having none. Role names
// that do not exist at their scope are errors at their position, with the
// closest names that do.
func DiffRoles(desired *spec.Spec, live *tenant.Snapshot, principalOf func(app string) (id, createdBy string)) (RoleDiff, diag.Diagnostics) {
	var (
		diff     RoleDiff
		ds       diag.Diagnostics
		resolver *PrincipalResolver
	)
	for _, r := range desired.AzureResources {
		addr := AzureResourceKey(r.Key)
		if !live.ScopeRead(r.ID) {
			ds.Errorf(r.Pos, addr, "internal error: the read did not list this scope", "Azure resource %s was not read", r.ID)
			continue
		}
		defs := live.RoleDefinitionsAt(r.ID)
		byName := map[string]tenant.RoleDefinition{}
		byGUID := map[string]tenant.RoleDefinition{}
		names := make([]string, 0, len(defs))
		for _, d := range defs {
			byName[strings.ToLower(d.RoleName)] = d
			byGUID[strings.ToLower(d.Name)] = d
			names = append(names, d.RoleName)
		}
		sort.Strings(names)
		resolve := func(role string, pos diag.Pos, address string) (tenant.RoleDefinition, bool) {
			d, ok := byName[strings.ToLower(strings.TrimSpace(role))]
			if !ok {
				hint := ""
				var near []string
				for _, c := range closest(role, names, 3) {
					if diag.EditDistance(strings.ToLower(role), strings.ToLower(c)) <= 3 {
						near = append(near, fmt.Sprintf("%q", c))
					}
				}
				if len(near) > 0 {
					hint = fmt.Sprintf(" Did you mean %s?", strings.Join(near, " or "))
				}
				ds.Errorf(pos, address, fmt.Sprintf("Roles are named as Azure shows them (az role definition list --scope <id>); %d roles are assignable there.%s", len(names), hint),
					"role %q does not exist at %s", role, r.ID)
			}
			return d, ok
		}
		var want []WantedRole
		for _, h := range r.Roles {
			haddr := fmt.Sprintf("%s.roles[%q]", addr, h.Role)
			d, ok := resolve(h.Role, h.Pos, haddr)
			if !ok {
				continue
			}
			if resolver == nil {
				resolver = NewPrincipalResolver(live)
			}
			held, unresolved := resolver.Members(h.Members)
			for _, u := range unresolved {
				diff.Unresolved = append(diff.Unresolved, UnresolvedHolder{Resource: r, Role: d.RoleName, Address: haddr, Unresolved: u})
			}
			for _, p := range held {
				part := "users"
				if p.Type == tenant.PrincipalGroup {
					part = "groups"
				}
				want = append(want, WantedRole{Resource: r, Def: d, PrincipalID: p.ID, PrincipalType: p.Type,
					Principal: p.Label(), App: addr, Address: fmt.Sprintf("%s.%s[%q]", haddr, part, p.Name), Pos: h.Pos})
			}
		}
		for _, a := range desired.Applications {
			for _, ar := range a.AzureRoles {
				if ar.Resource != r.Key {
					continue
				}
				for _, role := range ar.Roles {
					address := fmt.Sprintf("applications.%s.azure_roles.%s[%q]", a.Key, r.Key, role.Value)
					d, ok := resolve(role.Value, role.Pos, address)
					if !ok {
						continue
					}
					id := ""
					if principalOf != nil {
						id, _ = principalOf(a.Key)
					}
					want = append(want, WantedRole{Resource: r, Def: d, PrincipalID: id, PrincipalType: tenant.PrincipalServicePrincipal,
						Principal: "applications." + a.Key, App: a.Key, Address: address, Pos: role.Pos})
				}
			}
		}

		have := live.RoleAssignmentsAt(r.ID)
		held := map[string]bool{}
		for _, x := range have {
			held[x.RoleGUID()+"\x00"+strings.ToLower(x.PrincipalID)] = true
		}
		wanted := map[string]bool{}
		for _, w := range want {
			k := strings.ToLower(w.Def.Name) + "\x00" + strings.ToLower(w.PrincipalID)
			if w.PrincipalID != "" && !IsRef(w.PrincipalID) {
				wanted[k] = true
				if held[k] {
					continue
				}
			}
			diff.Missing = append(diff.Missing, w)
		}
		for _, x := range have {
			if wanted[x.RoleGUID()+"\x00"+strings.ToLower(x.PrincipalID)] {
				continue
			}
			diff.Undeclared = append(diff.Undeclared, UndeclaredRole{Resource: r, Assignment: x,
				RoleName: byGUID[x.RoleGUID()].RoleName, Principal: principalLabel(x, live)})
		}
	}
	return diff, ds
}

// principalLabel names the holder of a live assignment: the set's
// application whose service principal it is, else its type, its name (a
// user's UPN, a group's or service principal's display name) when the read
// knows it, and its id.
func principalLabel(x tenant.RoleAssignment, live *tenant.Snapshot) string {
	for _, sp := range live.ServicePrincipals {
		if sp != nil && strings.EqualFold(sp.ID, x.PrincipalID) {
			for _, t := range sp.Tags {
				if v, ok := strings.CutPrefix(t, tenant.TagKey+"="); ok {
					return "applications." + v
				}
			}
			return "service principal " + sp.DisplayName + " (" + x.PrincipalID + ")"
		}
	}
	kind := strings.ToLower(x.PrincipalType)
	if kind == "" || kind == "serviceprincipal" {
		kind = "principal"
	}
	if name := principalName(x.PrincipalID, live); name != "" {
		return kind + " " + name + " (" + x.PrincipalID + ")"
	}
	return kind + " " + x.PrincipalID
}

// principalName is what the snapshot calls an object id: a user's UPN, a
// group's or a service principal's display name; "" when it does not know.
func principalName(id string, live *tenant.Snapshot) string {
	for _, u := range live.Users {
		if strings.EqualFold(u.ID, id) {
			return u.UserPrincipalName
		}
	}
	for _, g := range live.Groups {
		if strings.EqualFold(g.ID, id) {
			return g.DisplayName
		}
	}
	if o, ok := live.DirectoryObject(id); ok {
		if o.UserPrincipalName != "" {
			return o.UserPrincipalName
		}
		return o.DisplayName
	}
	return ""
}

// planRoles adds the role assignments the spec's azureResources need: a
// create for each declared one that is missing, and, with Prune, a delete
// for each undeclared one at a declared scope that regsync made (its name
// is the derived one). Undeclared ones it did not make are noted and left
// alone, as are regsync's own without Prune.
func (b *builder) planRoles() {
	if len(b.spec.AzureResources) == 0 {
		return
	}
	deps := map[string]string{}
	diff, ds := DiffRoles(b.spec, b.live, func(app string) (string, string) {
		st := b.byKey[app]
		if st == nil {
			return "", ""
		}
		if IsRef(st.spID) {
			deps[app] = st.spAction
		}
		return st.spID, st.spAction
	})
	b.diags = append(b.diags, ds...)
	sev := diag.Error
	if b.opts.MissingPrincipalsAreDrift {
		sev = diag.Warning
	}
	for _, u := range diff.Unresolved {
		b.diags = append(b.diags, u.Diagnostic(u.Address, sev))
	}
	for _, w := range diff.Missing {
		if w.PrincipalID == "" {
			b.diags.Errorf(w.Pos, w.Address, "Its service principal holds the role; the application needs one.", "applications.%s has no service principal", w.App)
			continue
		}
		x := &RoleAssignmentAction{Scope: w.Resource.ID, RoleDefinitionID: w.Def.ID, PrincipalID: w.PrincipalID,
			PrincipalType: w.PrincipalType, Resource: w.Resource.Key, Role: w.Def.RoleName, Principal: w.Principal, Managed: true}
		if !IsRef(w.PrincipalID) {
			x.Name = tenant.AssignmentName(w.Resource.ID, w.Def.ID, w.PrincipalID)
		}
		a := &Action{Op: OpCreate, Type: TypeRoleAssignment, App: w.App, Address: w.Address,
			Description: fmt.Sprintf("assign %s on %s to %s", w.Def.RoleName, w.Resource.Key, w.Principal),
			Changes: []Change{
				{Path: "scope", After: jsonString(w.Resource.ID)},
				{Path: "role", After: jsonString(w.Def.RoleName + " (" + w.Def.Name + ")")},
				{Path: "principal", After: jsonString(w.Principal)},
			},
			RoleAssignment: x}
		if w.PrincipalType == tenant.PrincipalUser || w.PrincipalType == tenant.PrincipalGroup {
			// A user or group is named by its UPN or display name; its id
			// goes beside it, as for the members of an app role.
			a.Changes = append(a.Changes, Change{Path: "principal_id", After: jsonString(w.PrincipalID)})
		}
		if d := deps[w.App]; d != "" && w.App != "" && strings.HasPrefix(w.Address, "applications.") {
			a.DependsOn = appendUnique(a.DependsOn, d)
		}
		b.addAction(a)
	}
	for _, u := range diff.Undeclared {
		x := u.Assignment
		role := u.RoleName
		if role == "" {
			role = x.RoleGUID()
		}
		addr := fmt.Sprintf("%s.role_assignments[%q]", AzureResourceKey(u.Resource.Key), x.Name)
		if !x.Managed() {
			b.note(AzureResourceKey(u.Resource.Key), addr, "%s holds %s here by an assignment made outside regsync; left alone (drift reports it)", u.Principal, role)
			continue
		}
		if !b.opts.Prune {
			b.note(AzureResourceKey(u.Resource.Key), addr, "%s holds %s here by an assignment regsync made, which the spec no longer declares; plan with --prune to remove it", u.Principal, role)
			continue
		}
		b.addAction(&Action{Op: OpDelete, Type: TypeRoleAssignment, App: AzureResourceKey(u.Resource.Key), Address: addr,
			Description: fmt.Sprintf("remove %s on %s from %s", role, u.Resource.Key, u.Principal),
			Reason:      "regsync made this assignment and the spec no longer declares it",
			RoleAssignment: &RoleAssignmentAction{Scope: u.Resource.ID, Name: x.Name, RoleDefinitionID: x.RoleDefinitionID,
				PrincipalID: x.PrincipalID, PrincipalType: x.PrincipalType, Resource: u.Resource.Key, Role: role,
				Principal: u.Principal, Managed: true}})
	}
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
