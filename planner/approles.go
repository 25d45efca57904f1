package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// roleMembers is an app role whose members the spec declares, resolved.
type roleMembers struct {
	role    spec.AppRole
	id      string // the role's id (live, pinned or derived)
	members []Principal
}

// resolveMembers resolves the users and groups of every role that
// declares members. A reference that names nobody (or, for a group name,
// several) is an error at its line; with MissingPrincipalsAreDrift a
// reference that names nobody is recorded in Plan.MissingPrincipals
// instead, so drift can report a principal deleted since the last run.
func (b *builder) resolveMembers() {
	r := NewPrincipalResolver(b.live)
	for _, st := range b.apps {
		for _, role := range st.spec.AppRoles {
			if role.Members == nil {
				continue
			}
			rm := roleMembers{role: role, id: st.roleIDs[role.Value]}
			var unresolved []Unresolved
			rm.members, unresolved = r.Members(role.Members)
			for _, u := range unresolved {
				addr := memberSpecAddr(st.key, role.Value, role.Members, u.Ref)
				if b.opts.MissingPrincipalsAreDrift && len(u.Matches) == 0 {
					d := u.Diagnostic(addr, diag.Warning)
					b.diags = append(b.diags, d)
					b.plan.MissingPrincipals = append(b.plan.MissingPrincipals, MissingPrincipal{
						App: st.key, Role: role.Value, Type: u.Type, Ref: u.Ref.Value, Pos: u.Ref.Pos, Address: addr, Message: d.Summary})
					continue
				}
				b.diags = append(b.diags, u.Diagnostic(addr, diag.Error))
			}
			st.members = append(st.members, rm)
		}
	}
}

// memberSpecAddr is the spec address of a member reference, e.g.
// applications.api.appRoles.reader.members.users[1].
func memberSpecAddr(app, role string, m *spec.Members, ref spec.PrincipalRef) string {
	base := "applications." + app + ".appRoles." + role + ".members."
	for i, u := range m.Users {
		if u == ref {
			return base + "users[" + strconv.Itoa(i) + "]"
		}
	}
	for i, g := range m.Groups {
		if g == ref {
			return base + "groups[" + strconv.Itoa(i) + "]"
		}
	}
	return strings.TrimSuffix(base, ".")
}

// memberAddr is the plan address of a role's assignment to a principal:
// applications.api.app_roles["reader"].users["alice@contoso.com"].
func memberAddr(addr, role string, p Principal) string {
	part := "users"
	if p.Type == tenant.PrincipalGroup {
		part = "groups"
	}
	return fmt.Sprintf("%s.app_roles[%s].%s[%s]", addr, rawJSON(role), part, rawJSON(p.Name))
}

// planMembers makes the users and groups holding each role that declares
// members exactly the declared ones: a missing assignment is created on
// the application's service principal (POST appRoleAssignedTo; Graph
// derives principalType from the id); an assignment of the role to a user
// or group the spec does not name is deleted with Prune and noted
// otherwise. Assignments to service principals (admin consent) are the
// clients' business (planAssignments), never touched here.
func (b *builder) planMembers(st *appState, addr string) {
	for _, rm := range st.members {
		var live []tenant.AppRoleAssignment
		if st.sp != nil {
			for _, a := range b.live.AppRoleAssignments {
				if strings.EqualFold(a.ResourceID, st.sp.ID) && strings.EqualFold(a.AppRoleID, rm.id) &&
					(a.PrincipalType == tenant.PrincipalUser || a.PrincipalType == tenant.PrincipalGroup) {
					live = append(live, a)
				}
			}
		}
		used := map[string]bool{}
		address := func(p Principal) string {
			a := memberAddr(addr, rm.role.Value, p)
			if used[a] { // two groups of one name: the second by id
				p.Name = p.ID
				a = memberAddr(addr, rm.role.Value, p)
			}
			used[a] = true
			return a
		}
		declared := map[string]bool{}
		for _, p := range rm.members {
			declared[strings.ToLower(p.ID)] = true
			have := false
			for _, a := range live {
				if strings.EqualFold(a.PrincipalID, p.ID) {
					have = true
				}
			}
			if have {
				continue
			}
			b.addAction(&Action{
				Op: OpCreate, Type: TypeAppRoleAssignment, App: st.key, Address: address(p),
				Description: fmt.Sprintf("assign app role %s to %s", rm.role.Value, p.Label()),
				Reason:      "declared in appRoles." + rm.role.Value + ".members and not assigned",
				DependsOn:   appendUnique(nil, st.appAction, st.spAction),
				Changes:     []Change{{Path: "principal_id", After: rawJSON(p.ID)}},
				AppRoleAssignment: &AppRoleAssignmentAction{PrincipalID: p.ID, ResourceID: st.spID, AppRoleID: rm.id,
					Resource: st.key, Role: rm.role.Value, PrincipalType: p.Type, Principal: p.Name},
			})
		}
		sort.Slice(live, func(i, j int) bool { return live[i].ID < live[j].ID })
		for _, a := range live {
			if declared[strings.ToLower(a.PrincipalID)] {
				continue
			}
			p := Principal{ID: a.PrincipalID, Type: a.PrincipalType, Name: orDefault(a.PrincipalDisplayName, func() string { return a.PrincipalID })}
			mAddr := address(p)
			b.plan.UndeclaredMembers = append(b.plan.UndeclaredMembers, RoleMember{
				App: st.key, Role: rm.role.Value, Principal: p, AssignmentID: a.ID, Address: mAddr})
			if !b.opts.Prune {
				b.note(st.key, mAddr, "%s (%s) holds app role %s but is not in its members; plan with prune to remove the assignment",
					p.Label(), p.ID, rm.role.Value)
				continue
			}
			b.addAction(&Action{
				Op: OpDelete, Type: TypeAppRoleAssignment, App: st.key, Address: mAddr,
				Description: fmt.Sprintf("remove app role %s from %s", rm.role.Value, p.Label()),
				Reason:      "not in appRoles." + rm.role.Value + ".members (prune)",
				Changes:     []Change{{Path: "principal_id", Before: rawJSON(p.ID)}},
				AppRoleAssignment: &AppRoleAssignmentAction{ID: a.ID, PrincipalID: a.PrincipalID, ResourceID: a.ResourceID,
					AppRoleID: a.AppRoleID, Resource: st.key, Role: rm.role.Value, PrincipalType: p.Type, Principal: p.Name},
			})
		}
	}
}

// holders names the users and groups that hold an app role of st, from
// the live assignments on its service principal.
func (b *builder) holders(st *appState, roleID string) []string {
	if st.sp == nil {
		return nil
	}
	var out []string
	for _, a := range b.live.AppRoleAssignments {
		if !strings.EqualFold(a.ResourceID, st.sp.ID) || !strings.EqualFold(a.AppRoleID, roleID) {
			continue
		}
		if a.PrincipalType != tenant.PrincipalUser && a.PrincipalType != tenant.PrincipalGroup {
			continue
		}
		out = append(out, Principal{ID: a.PrincipalID, Type: a.PrincipalType,
			Name: orDefault(a.PrincipalDisplayName, func() string { return a.PrincipalID })}.Label())
	}
	sort.Strings(out)
	return out
}
