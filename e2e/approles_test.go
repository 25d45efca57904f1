package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/tenant"
)

// graphDelete sends a DELETE to the emulator's Graph endpoint, as an
// administrator deleting an object in the portal would.
func (w *world) graphDelete(path string) {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodDelete, w.em.GraphURL()+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.em.Token())
	resp, err := w.em.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		w.t.Fatalf("DELETE %s: %s", path, resp.Status)
	}
}

// memberAssignments lists the user and group assignments on the FHIR
// API's service principal as "role principalType principalDisplayName".
func memberAssignments(t *testing.T, g *graph.Client) (spID string, roles map[string]string, out []string) {
	t.Helper()
	api := app(t, g, "fhir-api")
	sp := servicePrincipal(t, g, api.AppID)
	roles = map[string]string{}
	byID := map[string]string{}
	for _, r := range api.AppRoles {
		roles[r.Value] = r.ID
		byID[r.ID] = r.Value
	}
	as, err := g.AppRoleAssignedTo(context.Background(), sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.PrincipalType == tenant.PrincipalUser || a.PrincipalType == tenant.PrincipalGroup {
			out = append(out, byID[a.AppRoleID]+" "+a.PrincipalType+" "+a.PrincipalDisplayName)
		}
	}
	sort.Strings(out)
	return sp.ID, roles, out
}

// driftItems runs drift --format json and returns "class address" of its
// items about role members.
func driftItems(t *testing.T, w *world, file string, want int) []string {
	t.Helper()
	r := w.mustRun(want, "drift", "-f", file, "--format", "json")
	var doc struct {
		Items []struct {
			Class, Address, Field, Message string
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("drift json: %v\n%s", err, r.Stdout)
	}
	var out []string
	for _, it := range doc.Items {
		if it.Field == "members" {
			out = append(out, it.Class+" "+it.Address)
		}
	}
	return out
}

// TestRoleMembers (issue 10 item 1): the FHIR example's users and groups
// are assigned their roles in one apply and a second plan is empty; an
// assignment added by hand to a managed role is drift (exit 2) and apply
// --prune removes it; a member deleted from the tenant since the last run
// is drift too, not a failure, while plan names it as an error at its line.
func TestRoleMembers(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	plan := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	for _, want := range []string{"assign app role globalReader to group FHIR Readers", "assign app role globalWriter to user alice@contoso.com"} {
		if !strings.Contains(plan.Stdout, want) {
			t.Errorf("plan does not show %q:\n%s", want, plan.Stdout)
		}
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if got := driftItems(t, w, file, 0); len(got) != 0 {
		t.Errorf("drift right after apply: %v", got)
	}

	g, _ := w.clients()
	spID, roles, got := memberAssignments(t, g)
	want := []string{
		"globalAdmin Group Health Data Admins",
		"globalReader Group FHIR Readers",
		"globalReader User Carol Analyst",
		"globalWriter Group FHIR Writers",
		"globalWriter User Alice Clinician",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("assignments after apply:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Bob is given globalReader by hand.
	if _, err := g.Do(context.Background(), tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{
		PrincipalID: emulator.SeedBobUserID, ResourceID: spID, AppRoleID: roles["globalReader"]})); err != nil {
		t.Fatal(err)
	}
	bob := `applications.fhir-api.app_roles["globalReader"].users["Bob Researcher"]`
	if got := driftItems(t, w, file, 2); strings.Join(got, "\n") != "consent_added "+bob {
		t.Errorf("drift after a hand-made assignment: %v", got)
	}
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode") // noted, not removed without prune
	pruned := w.mustRun(2, "plan", "-f", file, "--prune", "--detailed-exitcode")
	if !strings.Contains(pruned.Stdout, "remove app role globalReader from user Bob Researcher") {
		t.Errorf("plan --prune does not remove Bob's assignment:\n%s", pruned.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--prune", "--auto-approve")
	w.mustRun(0, "drift", "-f", file)
	if _, _, after := memberAssignments(t, g); strings.Join(after, "\n") != strings.Join(want, "\n") {
		t.Errorf("assignments after prune:\n%s", strings.Join(after, "\n"))
	}

	// Alice's assignment is removed by hand: drift, and apply puts it back.
	as, err := g.AppRoleAssignedTo(context.Background(), spID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.PrincipalID == emulator.SeedAliceUserID {
			if _, err := g.Do(context.Background(), tenant.DeleteAppRoleAssignment(spID, a.ID)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := driftItems(t, w, file, 2); strings.Join(got, "\n") != `consent_removed applications.fhir-api.app_roles["globalWriter"].users["alice@contoso.com"]` {
		t.Errorf("drift after a hand-removed assignment: %v", got)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.mustRun(0, "drift", "-f", file)

	// A typo in a group name is an error at its line with a did-you-mean.
	data, err := os.ReadFile(filepath.Join(w.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	typo := strings.Replace(string(data), "groups: [FHIR Writers]", "groups: [FHIR Writer]", 1)
	if err := os.WriteFile(filepath.Join(w.dir, "typo.yaml"), []byte(typo), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.mustRun(1, "plan", "-f", "typo.yaml")
	if !strings.Contains(r.Stderr, `typo.yaml:`) || !strings.Contains(r.Stderr, `Did you mean "FHIR Writers"?`) {
		t.Errorf("plan with a mistyped group:\n%s", r.Stderr)
	}

	// Carol leaves and is deleted: drift reports her, plan refuses at her line.
	w.graphDelete("/users/carol@contoso.com")
	if got := driftItems(t, w, file, 2); strings.Join(got, "\n") != "missing applications.fhir-api.appRoles.globalReader.members.users[0]" {
		t.Errorf("drift after a member was deleted: %v", got)
	}
	r = w.mustRun(1, "plan", "-f", file)
	if !strings.Contains(r.Stderr, `fhir.yaml:`) || !strings.Contains(r.Stderr, `no user in the tenant has the userPrincipalName or object id "carol@contoso.com"`) {
		t.Errorf("plan with a deleted member:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, "panic") || strings.Contains(r.Stderr, "goroutine") {
		t.Errorf("plan crashed:\n%s", r.Stderr)
	}
}

// TestFirstPartyServicePrincipal (issue 10 item 5): in a tenant without
// Azure API for DICOM's service principal, the DICOM example (which sets
// createServicePrincipal) plans its creation; the first apply creates it
// from Microsoft's application, the next grants the viewer's scope, and
// then the plan is empty. Without the flag the plan fails with the
// missing service principal and names the fix.
func TestFirstPartyServicePrincipal(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("dicom")
	g, _ := w.clients()
	sp := servicePrincipal(t, g, emulator.DICOMApp)
	w.graphDelete("/servicePrincipals/" + sp.ID)

	plan := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(plan.Stdout, "create the service principal of API azure-dicom") {
		t.Errorf("plan does not create the DICOM service principal:\n%s", plan.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	if made := servicePrincipal(t, g, emulator.DICOMApp); made.ID == sp.ID || len(made.Scopes) == 0 {
		t.Errorf("service principal after apply: %+v (deleted one was %s)", made, sp.ID)
	}
	second := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(second.Stdout, "Dicom.ReadWrite") {
		t.Errorf("second plan does not grant the viewer's scope:\n%s", second.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")

	// Without the flag, a missing service principal is an error.
	sp = servicePrincipal(t, g, emulator.DICOMApp)
	w.graphDelete("/servicePrincipals/" + sp.ID)
	data, err := os.ReadFile(filepath.Join(w.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	noFlag := strings.Replace(string(data), ", createServicePrincipal: true", "", 1)
	if err := os.WriteFile(filepath.Join(w.dir, "noflag.yaml"), []byte(noFlag), 0o644); err != nil {
		t.Fatal(err)
	}
	r := w.mustRun(1, "plan", "-f", "noflag.yaml")
	if !strings.Contains(r.Stderr, `API "azure-dicom" (appId 75e725bf-66ce-4cea-9b9a-5c4caae57f33) has no service principal`) {
		t.Errorf("plan without the flag:\n%s", r.Stderr)
	}
}
