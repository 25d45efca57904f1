package planner_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

func TestCreateFromEmpty(t *testing.T) {
	s := parseSpec(t, fhirYAML)
	p := compute(t, s, emptyTenant(), planner.Options{})
	want := []string{
		"applications.fhir-api:create",
		"applications.fhir-api.service_principal:create",
		`applications.fhir-api.owners["5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"]:create`,
		"applications.portal:create",
		"applications.portal.service_principal:create",
		`applications.portal.permission_grants["fhir-api"]:create`,
		`applications.portal.permission_grants["microsoft-graph"]:create`,
		`applications.portal.owners["5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"]:create`,
		"applications.portal.secret:create",
		"applications.patient-spa:create",
		"applications.patient-spa.service_principal:create",
		`applications.patient-spa.owners["5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"]:create`,
		"applications.exporter:create",
		"applications.exporter.service_principal:create",
		`applications.exporter.app_role_assignments["fhir-api/globalReader"]:create`,
		`applications.exporter.app_role_assignments["fhir-api/globalExporter"]:create`,
		`applications.exporter.owners["5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"]:create`,
		"applications.exporter.secret:create",
		"applications.ingest:create",
		"applications.ingest.service_principal:create",
		`applications.ingest.app_role_assignments["fhir-api/globalReader"]:create`,
		`applications.ingest.owners["5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"]:create`,
		`applications.ingest.federated_credentials["github-main"]:create`,
	}
	if d := cmp.Diff(want, actionIDs(p)); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if d := cmp.Diff(planner.Summary{Add: 23}, p.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}

	byID := map[string]*planner.Action{}
	for _, a := range p.Actions {
		byID[a.ID] = a
	}
	// Every dependency points at an earlier action.
	seen := map[string]bool{}
	for _, a := range p.Actions {
		for _, d := range a.DependsOn {
			if !seen[d] {
				t.Errorf("%s depends on %s, which is not earlier in the plan", a.ID, d)
			}
		}
		seen[a.ID] = true
	}

	api := byID["applications.fhir-api:create"].Application.Fields
	scopeID := tenant.StableID("fhir-prod", "fhir-api", "scope", "user_impersonation")
	if got := (*api.Scopes)[0].ID; got != scopeID {
		t.Errorf("scope id = %s, want the stable id %s", got, scopeID)
	}
	// The spec leaves the token version to Graph's default (v1), so the
	// create must not write one.
	if v := api.RequestedAccessTokenVersion; v != nil {
		t.Errorf("new API requestedAccessTokenVersion = %d, want none (Graph's default)", *v)
	}
	if d := cmp.Diff([]string{"regsync:set=fhir-prod", "regsync:key=fhir-api"}, *api.Tags); d != "" {
		t.Errorf("tags (-want +got):\n%s", d)
	}

	// The portal requests the API's scope by the id planned for it, and the
	// API's appId through a reference.
	portal := byID["applications.portal:create"]
	wantRRA := []tenant.RequiredResourceAccess{
		{ResourceAppID: "${applications.fhir-api.app_id}", ResourceAccess: []tenant.ResourceAccess{{ID: scopeID, Type: "Scope"}}},
		{ResourceAppID: graphAppID, ResourceAccess: []tenant.ResourceAccess{{ID: userRead, Type: "Scope"}}},
	}
	if d := cmp.Diff(wantRRA, *portal.Application.Fields.RequiredResourceAccess); d != "" {
		t.Errorf("portal requiredResourceAccess (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"applications.fhir-api:create", "applications.fhir-api.service_principal:create"}, portal.DependsOn); d != "" {
		t.Errorf("portal depends on (-want +got):\n%s", d)
	}

	spa := byID["applications.patient-spa:create"].Application.Fields
	if spa.SPARedirectURIs == nil || spa.WebRedirectURIs != nil || spa.IsFallbackPublicClient != nil {
		t.Errorf("spa client: spa=%v web=%v fallback=%v, want only spa redirect URIs", spa.SPARedirectURIs, spa.WebRedirectURIs, spa.IsFallbackPublicClient)
	}

	grant := byID[`applications.portal.permission_grants["fhir-api"]:create`].PermissionGrant
	wantGrant := &planner.PermissionGrantAction{ClientID: "${applications.portal.service_principal_id}",
		ResourceID: "${applications.fhir-api.service_principal_id}", ConsentType: "AllPrincipals", Scope: "user_impersonation", Resource: "fhir-api"}
	if d := cmp.Diff(wantGrant, grant); d != "" {
		t.Errorf("grant (-want +got):\n%s", d)
	}
	sec := byID["applications.exporter.secret:create"].Secret
	wantSec := &planner.SecretAction{ApplicationID: "${applications.exporter.object_id}", AppID: "${applications.exporter.app_id}",
		DisplayName: "regsync:fhir-prod:exporter", Managed: true, Vault: "contoso-fhir-kv", SecretName: "fhir-exporter-secret",
		LifetimeSeconds: 90 * 24 * 3600}
	if d := cmp.Diff(wantSec, sec); d != "" {
		t.Errorf("secret (-want +got):\n%s", d)
	}
}

// Planning a tenant that has executed the plan gives no changes, whatever
// order Graph returns set-like lists in.
func TestConvergesAndIgnoresOrder(t *testing.T) {
	s, sim := converged(t, fhirYAML)
	p := compute(t, s, sim.snap, planner.Options{})
	if !p.Summary.Empty() {
		t.Fatalf("second plan has changes: %v", actionIDs(p))
	}
	if len(p.Notes) != 0 {
		t.Errorf("notes = %v, want none", p.Notes)
	}
	for _, a := range sim.snap.Applications {
		reverse(a.Tags)
		reverse(a.IdentifierURIs)
		reverse(a.Web.RedirectURIs)
		reverse(a.Owners)
		reverseAny(a.RequiredResourceAccess)
		for i := range a.RequiredResourceAccess {
			reverseAny(a.RequiredResourceAccess[i].ResourceAccess)
		}
		reverseAny(a.Scopes)
		reverseAny(a.AppRoles)
		for i := range a.AppRoles {
			reverse(a.AppRoles[i].AllowedMemberTypes)
		}
	}
	for i := range sim.snap.PermissionGrants {
		f := strings.Fields(sim.snap.PermissionGrants[i].Scope)
		reverse(f)
		sim.snap.PermissionGrants[i].Scope = strings.Join(f, " ")
	}
	reverseAny(sim.snap.Applications)
	reverseAny(sim.snap.ServicePrincipals)
	if p := compute(t, s, sim.snap, planner.Options{}); !p.Summary.Empty() {
		t.Errorf("order differences make changes: %v", actionIDs(p))
	}
}

func reverse(s []string) { reverseAny(s) }

func reverseAny[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func TestDeterministic(t *testing.T) {
	s := parseSpec(t, fhirYAML)
	a, _ := json.Marshal(compute(t, s, emptyTenant(), planner.Options{}))
	b, _ := json.Marshal(compute(t, parseSpec(t, fhirYAML), emptyTenant(), planner.Options{}))
	if string(a) != string(b) {
		t.Errorf("two plans of the same spec differ")
	}
}

func TestReusesLiveIDs(t *testing.T) {
	s, sim := converged(t, fhirYAML)
	api := findApp(sim, "fhir-api")
	// A scope made by hand (or by another tool) keeps its id.
	const handID = "aaaaaaaa-0000-4000-8000-000000000001"
	api.Scopes[0].ID = handID
	p := compute(t, s, sim.snap, planner.Options{})
	for _, a := range p.Actions {
		if a.Application == nil || a.Application.Fields == nil {
			continue
		}
		if f := a.Application.Fields; f.Scopes != nil {
			t.Errorf("%s rewrites scopes %v; the live id should be reused", a.ID, *f.Scopes)
		}
		if f := a.Application.Fields; f.RequiredResourceAccess != nil {
			for _, r := range *f.RequiredResourceAccess {
				for _, ra := range r.ResourceAccess {
					if ra.Type == "Scope" && r.ResourceAppID == api.AppID && ra.ID != handID {
						t.Errorf("%s requests scope %s, want the live id %s", a.ID, ra.ID, handID)
					}
				}
			}
		}
	}
	// The clients' requests still carry the old id: they get updated.
	if got := actionIDs(p); !cmp.Equal(got, []string{"applications.portal:update", "applications.patient-spa:update"}) {
		t.Errorf("actions = %v, want the two clients updated", got)
	}
}

func findApp(sim *simulated, key string) *tenant.Application {
	for _, a := range sim.snap.Applications {
		for _, tag := range a.Tags {
			if tag == tenant.KeyTag(key) {
				return a
			}
		}
	}
	return nil
}

func findSP(sim *simulated, key string) *tenant.ServicePrincipal {
	return sim.spByAppID(findApp(sim, key).AppID)
}

// Every reference is produced by an action the referencing one depends on,
// directly or through others, so an applier that honours depends_on can
// always resolve it.
func TestReferencesAreDependencies(t *testing.T) {
	for name, src := range map[string]string{"fhir": fhirYAML, "generated": generatedYAML(60)} {
		p := compute(t, parseSpec(t, src), emptyTenant(), planner.Options{})
		deps := map[string][]string{}
		for _, a := range p.Actions {
			deps[a.ID] = a.DependsOn
		}
		var reaches func(from, to string, seen map[string]bool) bool
		reaches = func(from, to string, seen map[string]bool) bool {
			for _, d := range deps[from] {
				if d == to || (!seen[d] && func() bool { seen[d] = true; return reaches(d, to, seen) }()) {
					return true
				}
			}
			return false
		}
		refs := 0
		for _, a := range p.Actions {
			for _, r := range a.Refs() {
				refs++
				producer := "applications." + r.App + ":create"
				if r.Field == planner.RefServicePrincipalID {
					producer = "applications." + r.App + ".service_principal:create"
				}
				if !reaches(a.ID, producer, map[string]bool{}) {
					t.Errorf("%s: %s refers to %s but does not depend on %s", name, a.ID, r, producer)
				}
			}
		}
		if refs == 0 {
			t.Errorf("%s: no references checked", name)
		}
	}
}
