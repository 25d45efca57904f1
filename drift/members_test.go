package drift_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// TestRoleMembers: globalReader declares alice, a deleted user (by id) and
// the FHIR Readers group; the tenant has alice's assignment, none for the
// group, and one for carol that nobody declared. Each difference is drift:
// the missing assignment, the undeclared one, and the member that no
// longer exists.
func TestRoleMembers(t *testing.T) {
	const (
		alice   = "0b1c2d3e-0000-4000-8000-00000000a11c"
		carol   = "0b1c2d3e-0000-4000-8000-0000000ca201"
		gone    = "0b1c2d3e-0000-4000-8000-00000000dead"
		readers = "7a2b0000-0000-4000-8000-000000000001"
	)
	s := fixtureSpec(t, func(src string) string {
		return strings.Replace(src, "globalReader: { displayName: FHIR reader, memberTypes: [User, Application] }",
			"globalReader: { displayName: FHIR reader, memberTypes: [User, Application], members: { users: [alice@contoso.com, "+gone+"], groups: [FHIR Readers] } }", 1)
	})
	live := fixtureTenant(t)
	live.Users = []tenant.User{{ID: alice, UserPrincipalName: "alice@contoso.com", DisplayName: "Alice"}}
	live.Groups = []tenant.Group{{ID: readers, DisplayName: "FHIR Readers"}}
	live.AppRoleAssignments = append(live.AppRoleAssignments,
		tenant.AppRoleAssignment{ID: "asg-alice", PrincipalID: alice, ResourceID: apiSP, AppRoleID: readerID, PrincipalType: "User", PrincipalDisplayName: "Alice"},
		tenant.AppRoleAssignment{ID: "asg-carol", PrincipalID: carol, ResourceID: apiSP, AppRoleID: readerID, PrincipalType: "User", PrincipalDisplayName: "Carol"})
	opts := drift.Options{Now: created.Add(day)}
	p, ds := planner.Compute(s, live, planner.Options{Now: opts.Now, MissingPrincipalsAreDrift: true})
	if ds.HasErrors() {
		t.Fatalf("plan: %s", ds.Format())
	}
	r, err := drift.Compute(s, live, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range r.Items {
		if it.Field == "members" {
			got = append(got, string(it.Class)+" "+it.Address+": "+it.Message)
		}
	}
	want := []string{
		`missing applications.fhir-api.appRoles.globalReader.members.users[1]: user "` + gone + `", a member of app role globalReader (spec.yaml:17:121), does not exist in the tenant: deleted since the last run? Remove it from the spec, or restore it`,
		`consent_added applications.fhir-api.app_roles["globalReader"].users["Carol"]: user Carol (` + carol + `) holds app role globalReader, but the role's members do not name it; apply --prune removes it`,
		`consent_removed applications.fhir-api.app_roles["globalReader"].groups["FHIR Readers"]: group FHIR Readers is a member of app role globalReader but has no assignment of it`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("member items (-want +got):\n%s", diff)
	}
	if !r.HasDrift() {
		t.Error("no drift reported")
	}
}

// TestMissingAPIServicePrincipal: an API whose service principal the spec
// asks regsync to create (createServicePrincipal) and the tenant lacks is
// a missing object.
func TestMissingAPIServicePrincipal(t *testing.T) {
	s := fixtureSpec(t, func(src string) string {
		return strings.Replace(src, "apis:\n", "apis:\n  other-api: { appId: 11111111-2222-4333-8444-555555555555, createServicePrincipal: true }\n", 1)
	})
	live := fixtureTenant(t)
	r := report(t, s, live, drift.Options{Now: created.Add(day)})
	var got []string
	for _, it := range r.Items {
		got = append(got, string(it.Class)+" "+it.Address)
	}
	if diff := cmp.Diff([]string{"missing apis.other-api.service_principal"}, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if !r.HasDrift() {
		t.Error("no drift")
	}
}
