package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// The FHIR example applied, then exported: the exported spec describes the
// tenant exactly, so a plan of it has nothing to do.
func TestExportDescribesTheTenant(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")

	r := w.mustRun(0, "export", "--tenant", "contoso.onmicrosoft.com", "--set", "fhir-prod", "--vault", "contoso-fhir-kv", "-o", "exported.yaml")
	if want := "Exported 4 application(s) of set fhir-prod to exported.yaml.\n"; r.Stderr != want || r.Stdout != "" {
		t.Errorf("stdout %q, stderr %q; want stderr %q", r.Stdout, r.Stderr, want)
	}
	data, err := os.ReadFile(filepath.Join(w.dir, "exported.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ds := spec.Parse("exported.yaml", data); ds.HasErrors() {
		t.Fatalf("the export does not validate:\n%s\n%s", ds.Format(), data)
	}
	if r := w.run("plan", "-f", "exported.yaml", "--detailed-exitcode"); r.Code != 0 {
		t.Fatalf("plan of the exported spec: exit %d, want 0\n%s\n%s\nexported:\n%s", r.Code, r.Stdout, r.Stderr, data)
	}
	w.mustRun(1, "export", "--tenant", "contoso.onmicrosoft.com", "--set", "fhir-prod", "-o", "exported.yaml")
	if again, _ := os.ReadFile(filepath.Join(w.dir, "exported.yaml")); string(again) != string(data) {
		t.Errorf("a refused export changed the file")
	}
}

// Registrations made by hand (no regsync tags) are exported by appId into a
// new set; applying the export changes nothing but the tags regsync adds,
// and afterwards the set is in line with the spec.
func TestExportAdoptsHandMadeApplications(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	g, _ := w.clients()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	const scopeID, roleID = "7b9c1d2e-0000-4000-8000-000000000001", "7b9c1d2e-0000-4000-8000-000000000002"
	apiName, webName, jobName := "Billing API", "Billing Web", "Billing Job"
	apiURIs := []string{"https://billing.contoso.com"}
	api, err := madeApp(g.Do(ctx, tenant.CreateApplication(tenant.AppProps{
		DisplayName: &apiName, IdentifierURIs: &apiURIs,
		Scopes: &[]tenant.PermissionScope{{ID: scopeID, Value: "Billing.Read", Type: "User", IsEnabled: true,
			AdminConsentDisplayName: "Read billing data", AdminConsentDescription: "Lets the app read billing data as the user.",
			UserConsentDisplayName: "Read your billing data", UserConsentDescription: "Lets the app read your billing data."}},
		AppRoles: &[]tenant.AppRole{{ID: roleID, Value: "Billing.Export", DisplayName: "Export billing data", Description: "Export all billing data.",
			AllowedMemberTypes: []string{"Application"}, IsEnabled: true}},
	})))
	must("create the API", err)
	webURIs := []string{"https://billing.contoso.com/signin-oidc"}
	web, err := madeApp(g.Do(ctx, tenant.CreateApplication(tenant.AppProps{
		DisplayName: &webName, WebRedirectURIs: &webURIs,
		RequiredResourceAccess: &[]tenant.RequiredResourceAccess{
			{ResourceAppID: api.AppID, ResourceAccess: []tenant.ResourceAccess{{ID: scopeID, Type: "Scope"}}},
			{ResourceAppID: "00000003-0000-0000-c000-000000000000", ResourceAccess: []tenant.ResourceAccess{{ID: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", Type: "Scope"}}},
		},
	})))
	must("create the web app", err)
	job, err := madeApp(g.Do(ctx, tenant.CreateApplication(tenant.AppProps{
		DisplayName: &jobName,
		RequiredResourceAccess: &[]tenant.RequiredResourceAccess{
			{ResourceAppID: api.AppID, ResourceAccess: []tenant.ResourceAccess{{ID: roleID, Type: "Role"}}},
		},
	})))
	must("create the job", err)
	_, err = g.Do(ctx, tenant.AddPassword(web.ID, tenant.PasswordRequest{DisplayName: "made in the portal", End: time.Now().Add(365 * 24 * time.Hour)}))
	must("add a secret", err)
	apiSP, err := madeSP(g.Do(ctx, tenant.CreateServicePrincipal(api.AppID, nil)))
	must("create the API's service principal", err)
	webSP, err := madeSP(g.Do(ctx, tenant.CreateServicePrincipal(web.AppID, nil)))
	must("create the web app's service principal", err)
	jobSP, err := madeSP(g.Do(ctx, tenant.CreateServicePrincipal(job.AppID, nil)))
	must("create the job's service principal", err)
	_, err = g.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: webSP.ID, ResourceID: apiSP.ID, ConsentType: "AllPrincipals", Scope: "Billing.Read"}))
	must("consent", err)
	graphSPs, err := g.ServicePrincipalsByAppID(ctx, []string{"00000003-0000-0000-c000-000000000000"})
	if err != nil || len(graphSPs) != 1 {
		t.Fatalf("Microsoft Graph's service principal: %v (%d found)", err, len(graphSPs))
	}
	_, err = g.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: webSP.ID, ResourceID: graphSPs[0].ID, ConsentType: "AllPrincipals", Scope: "User.Read"}))
	must("consent to Microsoft Graph", err)
	_, err = g.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: jobSP.ID, ResourceID: apiSP.ID, AppRoleID: roleID}))
	must("assign the role", err)

	w.mustRun(0, "export", "--tenant", "contoso.onmicrosoft.com", "--set", "billing",
		"--app-id", api.AppID, "--app-id", web.AppID, "--app-id", job.AppID, "-o", "billing.yaml")
	data, err := os.ReadFile(filepath.Join(w.dir, "billing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"billing-api:", "kind: resource", "billing-web:", "kind: confidential", "billing-job:", "kind: service",
		"appId: " + web.AppID, "billing-api: {scopes: [Billing.Read]}", "microsoft-graph: {scopes: [User.Read]}",
		"billing-api: {roles: [Billing.Export]}", "adminConsent: true", "reported as added by hand"} {
		if !strings.Contains(text, want) {
			t.Errorf("the export lacks %q:\n%s", want, text)
		}
	}

	r := w.mustRun(2, "plan", "-f", "billing.yaml", "--format", "json", "--detailed-exitcode")
	p, err := render.UnmarshalJSON([]byte(r.Stdout))
	if err != nil {
		t.Fatalf("plan JSON: %v", err)
	}
	var other []string
	tagged := 0
	for _, a := range p.Actions {
		if string(a.Op) != "update" || len(a.Changes) != 1 || a.Changes[0].Path != "tags" {
			other = append(other, a.Address+": "+a.Description)
			continue
		}
		tagged++
	}
	if len(other) > 0 || tagged != 6 {
		t.Errorf("the plan of the adoption does more than tag 3 applications and 3 service principals (%d tag updates):\n%s\nexport:\n%s",
			tagged, strings.Join(other, "\n"), text)
	}

	w.mustRun(0, "apply", "-f", "billing.yaml", "--auto-approve")
	w.mustRun(0, "plan", "-f", "billing.yaml", "--detailed-exitcode")
	apps, err := g.ListApplications(ctx, "billing")
	must("list the set", err)
	if len(apps) != 3 {
		t.Errorf("set billing has %d applications after apply, want 3", len(apps))
	}
}

// madeApp and madeSP unwrap what a create made.
func madeApp(r tenant.WriteResult, err error) (*tenant.Application, error) { return r.Application, err }

func madeSP(r tenant.WriteResult, err error) (*tenant.ServicePrincipal, error) {
	return r.ServicePrincipal, err
}
