package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestPatchKeepsWhatTheSpecLeavesAlone: settings made by hand inside
// complex values the spec also touches (a pre-authorized client and
// acceptMappedClaims in api, the implicit grant in web) survive a scope
// change and a redirect-URI change, even when Graph replaces a complex
// value in a PATCH whole (the emulator's PatchReplacesComplex).
func TestPatchKeepsWhatTheSpecLeavesAlone(t *testing.T) {
	w, file := appliedFHIR(t)
	g, _ := w.clients()
	ctx := context.Background()
	api := app(t, g, "fhir-api")
	portal := app(t, g, "portal")
	const azureCLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	pre := []tenant.PreAuthorizedApplication{{AppID: azureCLI, DelegatedPermissionIDs: []string{api.Scopes[0].ID}}}
	// By hand, while the emulator still merges complex values.
	yes := true
	if _, err := g.Do(ctx, tenant.UpdateApplication(api.ID, tenant.AppProps{PreAuthorizedApplications: &pre, AcceptMappedClaims: &yes})); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Do(ctx, tenant.UpdateApplication(portal.ID, tenant.AppProps{EnableIDTokenIssuance: &yes})); err != nil {
		t.Fatal(err)
	}
	w.em.SetFaults(emulator.Faults{PatchReplacesComplex: true})

	// The spec gains a scope on the API and a redirect URI on the portal.
	path := filepath.Join(w.dir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "    scopes:\n", "    scopes:\n      patient.Observation.read: { type: User }\n", 1)
	edited = strings.Replace(edited, "      - http://localhost:5000/signin-oidc\n", "      - http://localhost:5000/signin-oidc\n      - https://portal.contoso.com/signin-oidc-2\n", 1)
	if edited == string(data) {
		t.Fatal("the spec edit did not apply")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")

	api, portal = app(t, g, "fhir-api"), app(t, g, "portal")
	if d := cmp.Diff(pre, api.PreAuthorizedApplications); d != "" {
		t.Errorf("pre-authorized clients after a scope change (-before +after):\n%s", d)
	}
	if !api.AcceptMappedClaims {
		t.Error("acceptMappedClaims was lost by a scope change")
	}
	if len(api.Scopes) != 2 {
		t.Errorf("the API has %d scopes, want 2", len(api.Scopes))
	}
	if !portal.Web.EnableIDTokenIssuance {
		t.Error("the implicit grant set by hand was lost by a redirect-URI change")
	}
	if !slicesContain(portal.Web.RedirectURIs, "https://portal.contoso.com/signin-oidc-2") || portal.Web.HomePageURL == "" {
		t.Errorf("portal web after the change: %+v", portal.Web)
	}
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
}

// TestPreAuthorizedClientsConverge: a new API that pre-authorizes a client
// created in the same apply, for a scope created in the same apply, lands in
// one apply (the clients go in a later step), and plans empty afterwards.
func TestPreAuthorizedClientsConverge(t *testing.T) {
	w := newWorld(t, emulator.Faults{PatchReplacesComplex: true})
	spec := `version: 1
tenant: contoso.onmicrosoft.com
set: preauth
applications:
  api:
    kind: resource
    identifierUris: [api://preauth-api]
    acceptMappedClaims: true
    scopes:
      user_impersonation: {}
      patient.Observation.rs?code=loinc.org|85354-9: { type: User }
    knownClientApplications: [web]
    preAuthorizedApplications:
      web: [user_impersonation, 'patient.Observation.rs?code=loinc.org|85354-9']
  web:
    kind: public
    platform: spa
    redirectUris: [https://web.contoso.com/cb]
    access: { api: { scopes: [user_impersonation] } }
`
	if err := os.WriteFile(filepath.Join(w.dir, "preauth.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	out := w.mustRun(0, "apply", "-f", "preauth.yaml", "--auto-approve")
	if !strings.Contains(out.Stdout, "pre-authorize") {
		t.Errorf("the apply shows no pre-authorize step:\n%s", out.Stdout)
	}
	w.mustRun(0, "plan", "-f", "preauth.yaml", "--detailed-exitcode")
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
