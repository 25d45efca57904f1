package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Principal is a user or a group of the tenant that the spec names,
// resolved from its reference.
type Principal struct {
	ID   string `json:"id"`
	Type string `json:"type"` // tenant.PrincipalUser or tenant.PrincipalGroup
	// Name is for display: a user's userPrincipalName, a group's display
	// name.
	Name string `json:"name"`
}

// Label renders the principal for a plan: "user alice@contoso.com" or
// "group FHIR Readers".
func (p Principal) Label() string { return strings.ToLower(p.Type) + " " + p.Name }

// Unresolved is a reference that names no principal, or more than one.
type Unresolved struct {
	Ref  spec.PrincipalRef
	Type string // tenant.PrincipalUser or tenant.PrincipalGroup
	// Matches holds the ids of the groups sharing the name; empty when
	// nothing matched.
	Matches []string
	// Suggestion is a close name that does exist, or "".
	Suggestion string
}

// Diagnostic renders the problem at the reference's position, as an
// error (plan) or a warning (drift, where a principal deleted since the
// last run is drift, not a failure).
func (u Unresolved) Diagnostic(address string, sev diag.Severity) diag.Diagnostic {
	kind := strings.ToLower(u.Type)
	d := diag.Diagnostic{Severity: sev, Pos: u.Ref.Pos, Address: address}
	if len(u.Matches) > 0 {
		d.Summary = fmt.Sprintf("%d groups are named %q", len(u.Matches), u.Ref.Value)
		d.Detail = "Display names of groups are not unique. Name the group by its object id: one of " + strings.Join(u.Matches, ", ") + "."
		return d
	}
	how := "userPrincipalName or object id"
	if u.Type == tenant.PrincipalGroup {
		how = "display name or object id"
	}
	d.Summary = fmt.Sprintf("no %s in the tenant has the %s %q", kind, how, u.Ref.Value)
	switch {
	case u.Suggestion != "":
		d.Detail = fmt.Sprintf("Did you mean %q? ", u.Suggestion)
	case u.Ref.IsObjectID():
		d.Detail = fmt.Sprintf("The %s may have been deleted. ", kind)
	}
	d.Detail += fmt.Sprintf("Check the name in Entra ID (az ad %s show), or remove it from the list.", kind)
	return d
}

// PrincipalResolver resolves the spec's user and group references against
// the users and groups a snapshot read (tenant.ReadQuery.Users and
// Groups). It does no I/O: what it cannot find was not read, because it
// does not exist. The zero value is not usable; call NewPrincipalResolver.
type PrincipalResolver struct {
	users, groups map[string][]Principal // by lower-case id, UPN or display name
	// names are known names for did-you-mean: every user and group read,
	// and the principals of the live app-role assignments.
	userNames, groupNames []string
	domains               []string
}

// NewPrincipalResolver indexes live's users and groups.
func NewPrincipalResolver(live *tenant.Snapshot) *PrincipalResolver {
	r := &PrincipalResolver{users: map[string][]Principal{}, groups: map[string][]Principal{}}
	for _, u := range live.Users {
		p := Principal{ID: u.ID, Type: tenant.PrincipalUser, Name: orDefault(u.UserPrincipalName, func() string { return u.ID })}
		r.users[strings.ToLower(u.ID)] = append(r.users[strings.ToLower(u.ID)], p)
		if u.UserPrincipalName != "" {
			k := strings.ToLower(u.UserPrincipalName)
			r.users[k] = append(r.users[k], p)
			r.userNames = append(r.userNames, u.UserPrincipalName)
		}
	}
	for _, g := range live.Groups {
		p := Principal{ID: g.ID, Type: tenant.PrincipalGroup, Name: orDefault(g.DisplayName, func() string { return g.ID })}
		r.groups[strings.ToLower(g.ID)] = append(r.groups[strings.ToLower(g.ID)], p)
		if g.DisplayName != "" {
			k := strings.ToLower(g.DisplayName)
			r.groups[k] = append(r.groups[k], p)
			r.groupNames = append(r.groupNames, g.DisplayName)
		}
	}
	for _, a := range live.AppRoleAssignments {
		if a.PrincipalType == tenant.PrincipalGroup && a.PrincipalDisplayName != "" {
			r.groupNames = append(r.groupNames, a.PrincipalDisplayName)
		}
	}
	r.domains = live.Organization.VerifiedDomains
	return r
}

// User resolves a user reference (userPrincipalName or object id).
func (r *PrincipalResolver) User(ref spec.PrincipalRef) (Principal, *Unresolved) {
	if m := r.users[strings.ToLower(ref.Value)]; len(m) == 1 {
		return m[0], nil
	}
	u := &Unresolved{Ref: ref, Type: tenant.PrincipalUser}
	if !ref.IsObjectID() {
		u.Suggestion = suggest(ref.Value, r.userNames)
		if u.Suggestion == "" {
			u.Suggestion = fixDomain(ref.Value, r.domains)
		}
	}
	return Principal{}, u
}

// Group resolves a group reference (display name or object id); a name
// two groups share is ambiguous.
func (r *PrincipalResolver) Group(ref spec.PrincipalRef) (Principal, *Unresolved) {
	m := r.groups[strings.ToLower(ref.Value)]
	if len(m) == 1 {
		return m[0], nil
	}
	u := &Unresolved{Ref: ref, Type: tenant.PrincipalGroup}
	for _, p := range m {
		u.Matches = append(u.Matches, p.ID)
	}
	sort.Strings(u.Matches)
	if len(m) == 0 && !ref.IsObjectID() {
		u.Suggestion = suggest(ref.Value, r.groupNames)
	}
	return Principal{}, u
}

// suggest returns the known name closest to s, when it is close enough to
// be a typo of it.
func suggest(s string, known []string) string {
	best, bestD := "", 0
	for _, k := range known {
		if strings.EqualFold(k, s) {
			continue
		}
		d := diag.EditDistance(s, k)
		if d <= max(2, len(s)/5) && (best == "" || d < bestD || (d == bestD && k < best)) {
			best, bestD = k, d
		}
	}
	return best
}

// fixDomain suggests the UPN with its domain replaced by the closest
// verified domain of the tenant, when the written one is not verified.
func fixDomain(upn string, domains []string) string {
	at := strings.LastIndexByte(upn, '@')
	if at < 0 {
		return ""
	}
	dom := upn[at+1:]
	for _, d := range domains {
		if strings.EqualFold(d, dom) {
			return ""
		}
	}
	if d := suggest(dom, domains); d != "" {
		return upn[:at+1] + d
	}
	return ""
}

// Members resolves the users and groups of a spec.Members, in file order,
// each principal once (a user named by UPN and by id is one holder).
// unresolved lists the references that name no principal or several.
func (r *PrincipalResolver) Members(m *spec.Members) (resolved []Principal, unresolved []Unresolved) {
	if m == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	add := func(p Principal, u *Unresolved) {
		if u != nil {
			unresolved = append(unresolved, *u)
			return
		}
		if !seen[strings.ToLower(p.ID)] {
			seen[strings.ToLower(p.ID)] = true
			resolved = append(resolved, p)
		}
	}
	for _, ref := range m.Users {
		add(r.User(ref))
	}
	for _, ref := range m.Groups {
		add(r.Group(ref))
	}
	return resolved, unresolved
}
