package planner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// membersYAML: an API whose reader role is held by a user (by UPN), a
// user (by id) and a group (by name); MEMBERS replaces the members block.
const membersYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: people
applications:
  api:
    kind: resource
    identifierUris: [api://people.contoso.com]
    appRoles:
      reader:
        memberTypes: [User, Application]
        members:
MEMBERS
      admin: { memberTypes: [User] }
`

const (
	aliceID   = "0b1c2d3e-0000-4000-8000-00000000a11c"
	bobID     = "0b1c2d3e-0000-4000-8000-000000000b0b"
	carolID   = "0b1c2d3e-0000-4000-8000-0000000ca201"
	readersID = "7a2b0000-0000-4000-8000-000000000001"
)

const threeMembers = `          users: [alice@contoso.com, 0b1c2d3e-0000-4000-8000-000000000b0b]
          groups: [FHIR Readers]`

func peopleTenant() *tenanttest.Tenant {
	f := tenanttest.New(func() time.Time { return now })
	f.AddUser(tenant.User{ID: aliceID, UserPrincipalName: "alice@contoso.com", DisplayName: "Alice"})
	f.AddUser(tenant.User{ID: bobID, UserPrincipalName: "bob@contoso.com", DisplayName: "Bob"})
	f.AddUser(tenant.User{ID: carolID, UserPrincipalName: "carol@contoso.com", DisplayName: "Carol"})
	f.AddGroup(tenant.Group{ID: readersID, DisplayName: "FHIR Readers"})
	return f
}

// readPeople reads the fake the way a plan does.
func readPeople(t *testing.T, f *tenanttest.Tenant, src string) (*tenant.Snapshot, func(planner.Options) (*planner.Plan, diag.Diagnostics)) {
	t.Helper()
	s := parseSpec(t, src)
	q := tenant.ReadQuery{Set: s.Set}
	q.Users, q.Groups = s.PrincipalRefs()
	for _, a := range s.APIs {
		q.APIAppIDs = append(q.APIAppIDs, a.AppID)
	}
	snap, err := tenant.Read(context.Background(), f, f.Vault(), q)
	if err != nil {
		t.Fatal(err)
	}
	return snap, func(o planner.Options) (*planner.Plan, diag.Diagnostics) {
		o.Now = now
		return planner.Compute(s, snap, o)
	}
}

func applyPlan(t *testing.T, f *tenanttest.Tenant, p *planner.Plan, snap *tenant.Snapshot) {
	t.Helper()
	res, err := applier.Apply(context.Background(), p, f, f.Vault(), snap, applier.Options{MaxDeletes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Failed+res.Summary.Skipped > 0 {
		t.Fatalf("apply failed: %+v", res)
	}
}

func memberIDs(p *planner.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.AppRoleAssignment != nil && a.AppRoleAssignment.PrincipalType != "" {
			out = append(out, a.ID)
		}
	}
	return out
}

// TestRoleMembersConverge: the members are assigned in the first apply,
// after the role and the service principal exist; a second plan is empty.
func TestRoleMembersConverge(t *testing.T) {
	f := peopleTenant()
	src := strings.Replace(membersYAML, "MEMBERS", threeMembers, 1)
	snap, plan := readPeople(t, f, src)
	p, ds := plan(planner.Options{})
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	want := []string{
		`applications.api.app_roles["reader"].users["alice@contoso.com"]:create`,
		`applications.api.app_roles["reader"].users["bob@contoso.com"]:create`,
		`applications.api.app_roles["reader"].groups["FHIR Readers"]:create`,
	}
	if diff := cmp.Diff(want, memberIDs(p)); diff != "" {
		t.Errorf("member actions (-want +got):\n%s", diff)
	}
	for _, a := range p.Actions {
		if a.AppRoleAssignment != nil && !hasAll(a.DependsOn, "applications.api:create", "applications.api.service_principal:create") {
			t.Errorf("%s depends on %v, want the application and its service principal", a.ID, a.DependsOn)
		}
	}
	applyPlan(t, f, p, snap)

	snap, plan = readPeople(t, f, src)
	if p, ds := plan(planner.Options{}); ds.HasErrors() || !p.Summary.Empty() {
		t.Fatalf("second plan: %v %s", actionIDs(p), ds.Format())
	}
	var types []string
	for _, a := range snap.AppRoleAssignments {
		types = append(types, a.PrincipalType+" "+a.PrincipalDisplayName)
	}
	if diff := cmp.Diff([]string{"User Alice", "User Bob", "Group FHIR Readers"}, types); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
}

// TestRoleMembersUndeclared: an assignment of a managed role to a user the
// spec does not name is noted without prune and deleted with it (counted
// as a delete); a role without members is left alone.
func TestRoleMembersUndeclared(t *testing.T) {
	f := peopleTenant()
	src := strings.Replace(membersYAML, "MEMBERS", threeMembers, 1)
	snap, plan := readPeople(t, f, src)
	p, _ := plan(planner.Options{})
	applyPlan(t, f, p, snap)
	snap, _ = readPeople(t, f, src)
	var spID, readerID, adminID string
	for _, sp := range snap.ServicePrincipals {
		if len(sp.AppRoles) > 0 {
			spID = sp.ID
		}
	}
	for _, a := range snap.Applications {
		for _, r := range a.AppRoles {
			if r.Value == "reader" {
				readerID = r.ID
			} else {
				adminID = r.ID
			}
		}
	}
	for _, w := range []tenant.Write{
		tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: carolID, ResourceID: spID, AppRoleID: readerID}),
		tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: carolID, ResourceID: spID, AppRoleID: adminID}),
	} {
		if _, err := f.Do(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}

	snap, plan = readPeople(t, f, src)
	p, _ = plan(planner.Options{})
	if !p.Summary.Empty() {
		t.Errorf("without prune: %v, want no action", actionIDs(p))
	}
	if len(p.UndeclaredMembers) != 1 || p.UndeclaredMembers[0].Principal.ID != carolID || p.UndeclaredMembers[0].Role != "reader" {
		t.Errorf("undeclared = %+v, want carol on reader", p.UndeclaredMembers)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, "user Carol") {
		t.Errorf("notes = %+v, want one about Carol", p.Notes)
	}

	p, _ = plan(planner.Options{Prune: true})
	want := []string{`applications.api.app_roles["reader"].users["Carol"]:delete`}
	if diff := cmp.Diff(want, memberIDs(p)); diff != "" {
		t.Errorf("with prune (-want +got):\n%s", diff)
	}
	if n := applier.CountDeletes(p); n != 1 {
		t.Errorf("CountDeletes = %d, want 1", n)
	}
	applyPlan(t, f, p, snap)
	_, plan = readPeople(t, f, src)
	if p, _ := plan(planner.Options{Prune: true}); !p.Summary.Empty() {
		t.Errorf("after prune: %v", actionIDs(p))
	}
}

// TestRoleMembersUnknown: unknown and ambiguous references are errors at
// their line with a did-you-mean; in drift mode an unknown one is a
// warning and a MissingPrincipal, and the rest is still planned.
func TestRoleMembersUnknown(t *testing.T) {
	f := peopleTenant()
	f.AddGroup(tenant.Group{ID: "7a2b0000-0000-4000-8000-000000000002", DisplayName: "Ops"})
	f.AddGroup(tenant.Group{ID: "7a2b0000-0000-4000-8000-000000000003", DisplayName: "Ops"})
	src := strings.Replace(membersYAML, "MEMBERS", `          users: [alice@contoso.com, alcie@contoso.com]
          groups: [Ops, FHIR Reader]`, 1)
	_, plan := readPeople(t, f, src)
	p, ds := plan(planner.Options{})
	if p != nil {
		t.Fatal("plan with unknown members, want none")
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.String()+" | "+d.Detail)
	}
	want := []string{
		`registrations.yaml:12:38: no user in the tenant has the userPrincipalName or object id "alcie@contoso.com" | Did you mean "alice@contoso.com"? Check the name in Entra ID (az ad user show), or remove it from the list.`,
		`registrations.yaml:13:20: 2 groups are named "Ops" | Display names of groups are not unique. Name the group by its object id: one of 7a2b0000-0000-4000-8000-000000000002, 7a2b0000-0000-4000-8000-000000000003.`,
		`registrations.yaml:13:25: no group in the tenant has the display name or object id "FHIR Reader" | Did you mean "FHIR Readers"? Check the name in Entra ID (az ad group show), or remove it from the list.`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}

	src = strings.Replace(membersYAML, "MEMBERS", `          users: [alice@contoso.com, `+carolID+`]`, 1)
	f.DeletePrincipal(carolID)
	_, plan = readPeople(t, f, src)
	p, ds = plan(planner.Options{MissingPrincipalsAreDrift: true})
	if ds.HasErrors() || p == nil {
		t.Fatalf("drift-mode plan failed: %s", ds.Format())
	}
	if len(p.MissingPrincipals) != 1 || p.MissingPrincipals[0].Ref != carolID || p.MissingPrincipals[0].Pos.Line != 12 {
		t.Errorf("missing = %+v, want carol at line 12", p.MissingPrincipals)
	}
	if diff := cmp.Diff([]string{`applications.api.app_roles["reader"].users["alice@contoso.com"]:create`}, memberIDs(p)); diff != "" {
		t.Errorf("members still planned (-want +got):\n%s", diff)
	}
}

// TestRemovedRoleNamesItsHolders: removing a role still held by users and
// groups says who holds it.
func TestRemovedRoleNamesItsHolders(t *testing.T) {
	f := peopleTenant()
	src := strings.Replace(membersYAML, "MEMBERS", threeMembers, 1)
	snap, plan := readPeople(t, f, src)
	p, _ := plan(planner.Options{})
	applyPlan(t, f, p, snap)
	gone := strings.Replace(src, "      reader:\n        memberTypes: [User, Application]\n        members:\n"+threeMembers+"\n", "", 1)
	_, plan = readPeople(t, f, gone)
	p, ds := plan(planner.Options{})
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	var risks []string
	for _, a := range p.Actions {
		for _, r := range a.Risks {
			risks = append(risks, r.Message)
		}
	}
	want := `removes app role "reader"; still held by group FHIR Readers, user Alice, user Bob; no client in this file uses it`
	if !hasAll(risks, want) {
		t.Errorf("risks = %q, want %q", risks, want)
	}
}

func hasAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range list {
			found = found || s == w
		}
		if !found {
			return false
		}
	}
	return true
}
