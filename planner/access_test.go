package planner_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

const (
	dicomScope  = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/dicomservices/dicom"
	subScope    = "/subscriptions/00000000-0000-0000-0000-000000000001"
	rbacAliceID = "00000000-0000-0000-0000-0000000000a1"
	rbacRadsID  = "00000000-0000-0000-0000-0000000000b1"
	dicomOwner  = "58a3b984-7adf-4c20-983a-32417c86fbc8"
	dicomRead   = "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a"
)

const rbacYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: hds
azureResources:
  dicom:
    id: ` + dicomScope + `
    roles:
      DICOM Data Reader: {users: [alice@contoso.com], groups: [Radiologists]}
applications:
  loader:
    kind: service
    secret: { vault: hds-kv }
    azureRoles: {dicom: [DICOM Data Owner]}
`

// withScopes marks scopes as read, each with the built-in roles of the
// in-memory ARM, and adds the given assignments.
func withScopes(snap *tenant.Snapshot, scopes []string, assigns ...tenant.RoleAssignment) *tenant.Snapshot {
	if len(snap.Users) == 0 && len(scopes) > 0 {
		snap.Users = []tenant.User{{ID: rbacAliceID, UserPrincipalName: "alice@contoso.com"}}
		snap.Groups = []tenant.Group{{ID: rbacRadsID, DisplayName: "Radiologists"}}
	}
	for _, s := range scopes {
		snap.ScopesRead = append(snap.ScopesRead, tenant.NormalizeScope(s))
		for _, d := range tenanttest.BuiltInRoles {
			d.ID = subScope + "/providers/Microsoft.Authorization/roleDefinitions/" + d.Name
			d.Scope = tenant.NormalizeScope(s)
			snap.RoleDefinitions = append(snap.RoleDefinitions, d)
		}
	}
	for _, a := range assigns {
		a.ID = a.Scope + "/providers/Microsoft.Authorization/roleAssignments/" + a.Name
		snap.RoleAssignments = append(snap.RoleAssignments, a)
	}
	return snap
}

func roleDef(guid string) string {
	return subScope + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

func managedAssignment(scope, role, principal, typ string) tenant.RoleAssignment {
	return tenant.RoleAssignment{Name: tenant.AssignmentName(scope, role, principal), Scope: scope,
		RoleDefinitionID: roleDef(role), PrincipalID: principal, PrincipalType: typ}
}

func roleActions(p *planner.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Type == planner.TypeRoleAssignment {
			x := a.RoleAssignment
			out = append(out, string(a.Op)+" "+a.App+" "+x.Role+" "+x.Principal+" name="+x.Name+" deps="+strings.Join(a.DependsOn, ","))
		}
	}
	return out
}

// On an empty tenant every declared role is a create: users and groups in
// the resource's section under their derived names, the loader's in its own
// section after its service principal, its name left to the applier.
func TestRolesCreate(t *testing.T) {
	s := parseSpec(t, rbacYAML)
	p := compute(t, s, withScopes(emptyTenant(), []string{dicomScope}), planner.Options{})
	want := []string{
		"create azureResources.dicom DICOM Data Reader user alice@contoso.com name=" + tenant.AssignmentName(dicomScope, dicomRead, rbacAliceID) + " deps=",
		"create azureResources.dicom DICOM Data Reader group Radiologists name=" + tenant.AssignmentName(dicomScope, dicomRead, rbacRadsID) + " deps=",
		"create loader DICOM Data Owner applications.loader name= deps=applications.loader.service_principal:create",
	}
	if diff := cmp.Diff(want, roleActions(p)); diff != "" {
		t.Errorf("role actions (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, a := range p.Applications {
		kinds = append(kinds, a.Key+":"+a.Kind+":"+a.Status)
	}
	if diff := cmp.Diff([]string{"loader:service:create", "azureResources.dicom:azure_resource:update"}, kinds); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	for _, a := range p.Actions {
		if a.Type == planner.TypeRoleAssignment && a.RoleAssignment.RoleDefinitionID == "" {
			t.Errorf("%s: no role definition id", a.ID)
		}
	}
	// A user or group is shown by name, with its id beside it.
	ids := map[string]string{}
	for _, a := range p.Actions {
		for _, c := range a.Changes {
			if a.Type == planner.TypeRoleAssignment && c.Path == "principal_id" {
				ids[a.RoleAssignment.Principal] = string(c.After)
			}
		}
	}
	wantIDs := map[string]string{"user alice@contoso.com": `"` + rbacAliceID + `"`, "group Radiologists": `"` + rbacRadsID + `"`}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("principal_id changes (-want +got):\n%s", diff)
	}
}

// Assignments that exist under any name satisfy the spec; undeclared ones
// at the declared scope are noted, and only regsync's own (derived name)
// are deleted, and only with Prune; an inherited one is never looked at.
func TestRolesConvergedAndPrune(t *testing.T) {
	s := parseSpec(t, rbacYAML)
	sim := &simulated{snap: withScopes(emptyTenant(), []string{dicomScope}), now: now}
	sim.apply(t, compute(t, s, sim.snap, planner.Options{}))
	if p := compute(t, s, sim.snap, planner.Options{}); !p.Summary.Empty() {
		t.Fatalf("second plan not empty: %v", actionIDs(p))
	}
	sim.snap.RoleAssignments = nil
	spID := ""
	for _, sp := range sim.snap.ServicePrincipals {
		if sp.AppID != graphAppID {
			spID = sp.ID
		}
	}
	handMade := tenant.RoleAssignment{Name: "11111111-2222-3333-4444-555555555555", Scope: dicomScope,
		RoleDefinitionID: roleDef(dicomOwner), PrincipalID: "00000000-0000-0000-0000-0000000000c1", PrincipalType: "User"}
	stale := managedAssignment(dicomScope, dicomOwner, "00000000-0000-0000-0000-0000000000c2", "Group")
	inherited := managedAssignment(subScope, dicomOwner, "00000000-0000-0000-0000-0000000000c3", "User")
	// alice's assignment was made by hand under another name: it counts.
	alice := tenant.RoleAssignment{Name: "99999999-2222-3333-4444-555555555555", Scope: strings.ToUpper(dicomScope),
		RoleDefinitionID: roleDef(dicomRead), PrincipalID: rbacAliceID, PrincipalType: "User"}
	live := withScopes(sim.snap, nil, alice,
		managedAssignment(dicomScope, dicomRead, rbacRadsID, "Group"),
		managedAssignment(dicomScope, dicomOwner, spID, "ServicePrincipal"),
		handMade, stale, inherited)

	p := compute(t, s, live, planner.Options{})
	if got := roleActions(p); len(got) != 0 {
		t.Errorf("converged plan has role actions %v", got)
	}
	var notes []string
	for _, n := range p.Notes {
		if n.App == "azureResources.dicom" {
			notes = append(notes, n.Address)
		}
	}
	want := []string{
		`azureResources.dicom.role_assignments["` + handMade.Name + `"]`,
		`azureResources.dicom.role_assignments["` + stale.Name + `"]`,
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}

	p = compute(t, s, live, planner.Options{Prune: true})
	wantPrune := []string{"delete azureResources.dicom DICOM Data Owner group 00000000-0000-0000-0000-0000000000c2 name=" + stale.Name + " deps="}
	if diff := cmp.Diff(wantPrune, roleActions(p)); diff != "" {
		t.Errorf("pruned role actions (-want +got):\n%s", diff)
	}

	// Once the read named the holders, they are shown by name beside the id.
	live.DirectoryObjects = []tenant.DirectoryObject{
		{ID: "00000000-0000-0000-0000-0000000000c1", Type: "user", DisplayName: "Mallory", UserPrincipalName: "mallory@contoso.com"},
		{ID: "00000000-0000-0000-0000-0000000000c2", Type: "group", DisplayName: "Old Team"},
	}
	live.DirectoryObjectsRead = true
	p = compute(t, s, live, planner.Options{Prune: true})
	wantPrune = []string{"delete azureResources.dicom DICOM Data Owner group Old Team (00000000-0000-0000-0000-0000000000c2) name=" + stale.Name + " deps="}
	if diff := cmp.Diff(wantPrune, roleActions(p)); diff != "" {
		t.Errorf("pruned role actions with names (-want +got):\n%s", diff)
	}
	var handNote string
	for _, n := range p.Notes {
		if strings.Contains(n.Address, handMade.Name) {
			handNote = n.Message
		}
	}
	if !strings.HasPrefix(handNote, "user mallory@contoso.com (00000000-0000-0000-0000-0000000000c1) holds DICOM Data Owner") {
		t.Errorf("note on the hand-made assignment: %q", handNote)
	}
}

// A role name that is not assignable at the scope is an error at its line,
// with the closest names that are.
func TestRolesUnknownName(t *testing.T) {
	s := parseSpec(t, strings.Replace(rbacYAML, "[DICOM Data Owner]", "[DICOM Data Ownr]", 1))
	_, ds := planner.Compute(s, withScopes(emptyTenant(), []string{dicomScope}), planner.Options{Now: now})
	if !ds.HasErrors() {
		t.Fatal("no error")
	}
	got := ds.Format()
	for _, want := range []string{"registrations.yaml:13:26:", `role "DICOM Data Ownr" does not exist at ` + dicomScope, `Did you mean "DICOM Data Owner"?`} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

// The text and markdown views show each Azure resource as its own section,
// named by its key and id, with the role assignments of users and groups;
// an application's own role shows in the application's section.
func TestRolesRendered(t *testing.T) {
	s := parseSpec(t, rbacYAML)
	p := compute(t, s, withScopes(emptyTenant(), []string{dicomScope}), planner.Options{})
	var text, md strings.Builder
	if err := render.Text(&text, p, render.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := render.Markdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# azureResources.dicom (azure_resource) " + dicomScope + ": will be updated",
		`+ azureResources.dicom.roles["DICOM Data Reader"].groups["Radiologists"]: assign DICOM Data Reader on dicom to group Radiologists`,
		`+ applications.loader.azure_roles.dicom["DICOM Data Owner"]: assign DICOM Data Owner on dicom to applications.loader`,
		`role = "DICOM Data Owner (58a3b984-7adf-4c20-983a-32417c86fbc8)"`,
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text view lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "azureResources.dicom") || !strings.Contains(md.String(), "assign DICOM Data Reader on dicom to user alice@contoso.com") {
		t.Errorf("markdown view lacks the Azure section:\n%s", md.String())
	}
}
