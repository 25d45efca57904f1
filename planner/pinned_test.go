package planner_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// proxyYAML is FHIR-Proxy's registration: its roles have the ids its
// clients request them by, and offline_access is one permission exposed
// as a scope and a role (as Azure Healthcare APIs expose it).
const proxyYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: fhir-proxy
applications:
  fhir-proxy:
    kind: resource
    identifierUris: [api://fhir-proxy.contoso.com]
    scopes:
      user_impersonation: {}
      offline_access: { id: 9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c, adminConsentDisplayName: Stay signed in, userConsentDisplayName: Keep access }
    appRoles:
      Writer: { id: 2d1c681b-71e0-4f12-9040-d0f42884be86, displayName: FHIR writer, memberTypes: [User, Application] }
      Reader: { id: 24c50db1-1e11-4273-b6a0-b697f734bcb4, displayName: FHIR reader, memberTypes: [User, Application] }
      offline_access: { id: 9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c, displayName: Stay signed in, memberTypes: [Application] }
  loader:
    kind: service
    access: { fhir-proxy: { roles: [Writer, offline_access] } }
    adminConsent: true
    secret: { vault: contoso-kv }
`

func TestPinnedIDs(t *testing.T) {
	s := parseSpec(t, proxyYAML)
	p := compute(t, s, emptyTenant(), planner.Options{})
	var create *tenant.AppProps
	for _, a := range p.Actions {
		if a.ID == "applications.fhir-proxy:create" {
			create = a.Application.Fields
		}
	}
	if create == nil {
		t.Fatalf("no create of fhir-proxy in %v", actionIDs(p))
	}
	got := map[string]string{}
	for _, r := range *create.AppRoles {
		got["role "+r.Value] = r.ID
	}
	for _, sc := range *create.Scopes {
		got["scope "+sc.Value] = sc.ID
	}
	want := map[string]string{
		"role Writer":              "2d1c681b-71e0-4f12-9040-d0f42884be86",
		"role Reader":              "24c50db1-1e11-4273-b6a0-b697f734bcb4",
		"role offline_access":      "9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c",
		"scope offline_access":     "9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c",
		"scope user_impersonation": tenant.StableID("fhir-proxy", "fhir-proxy", "scope", "user_impersonation"),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}
	// The simulated tenant refuses a scope and a role that share an id
	// but not their state; applying and planning again converges.
	sim := &simulated{snap: emptyTenant(), now: now}
	sim.apply(t, p)
	if again := compute(t, s, sim.snap, planner.Options{}); !again.Summary.Empty() {
		t.Errorf("after applying, the plan still has %v", actionIDs(again))
	}
}

// A change that disables one of a scope and a role sharing an id disables
// the other in the same step, and the update brings both back.
func TestPinnedTwinDisabledTogether(t *testing.T) {
	_, sim := converged(t, proxyYAML)
	src := strings.Replace(proxyYAML, "offline_access: { id: 9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c, displayName: Stay signed in, memberTypes: [Application] }",
		"offline_access: { id: 9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c, displayName: Stay signed in, memberTypes: [User, Application] }", 1)
	s := parseSpec(t, src)
	p := compute(t, s, sim.snap, planner.Options{})
	want := []outline{
		{ID: "applications.fhir-proxy:disable", Paths: []string{`app_roles["offline_access"].is_enabled`, `oauth2_permission_scopes["offline_access"].is_enabled`}},
		{ID: "applications.fhir-proxy:update", Deps: []string{"applications.fhir-proxy:disable"}, Paths: []string{`app_roles["offline_access"].allowed_member_types`}},
	}
	if d := cmp.Diff(want, outlineOf(p)); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	for _, a := range p.Actions {
		if a.ID == "applications.fhir-proxy:update" && a.Application.Fields.Scopes == nil {
			t.Errorf("the update does not send the scopes, so the disabled scope stays disabled")
		}
	}
	sim.apply(t, p)
	if again := compute(t, s, sim.snap, planner.Options{}); !again.Summary.Empty() {
		t.Errorf("after applying, the plan still has %v", actionIDs(again))
	}
}

// Changing a pinned id replaces the role: it is disabled first, the risk
// says what holders lose, and the assignment moves to the new id.
func TestPinnedIDChange(t *testing.T) {
	_, sim := converged(t, proxyYAML)
	src := strings.Replace(proxyYAML, "2d1c681b-71e0-4f12-9040-d0f42884be86", "7e0c9d4b-5a3f-4e21-b8c6-0d9e8f7a6b5c", 1)
	s := parseSpec(t, src)
	p := compute(t, s, sim.snap, planner.Options{})
	want := []outline{
		{ID: "applications.fhir-proxy:disable", Paths: []string{`app_roles["Writer"].is_enabled`}},
		{ID: "applications.fhir-proxy:update", Deps: []string{"applications.fhir-proxy:disable"}, Paths: []string{`app_roles["Writer"].id`},
			Risks: []planner.RiskCode{planner.RiskPermissionIDChange}},
		{ID: "applications.loader:update", Deps: []string{"applications.fhir-proxy:update"}, Paths: []string{"required_resource_access"}},
		{ID: `applications.loader.app_role_assignments["fhir-proxy/Writer"]:create`},
		{ID: `applications.loader.app_role_assignments["fhir-proxy/Writer"]:delete`},
	}
	if d := cmp.Diff(want, outlineOf(p), cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Deps" }, cmp.Ignore())); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	var msg string
	for _, r := range p.Risks() {
		msg = r.Message
	}
	wantMsg := `replaces app role "Writer": its id changes from 2d1c681b-71e0-4f12-9040-d0f42884be86 to 7e0c9d4b-5a3f-4e21-b8c6-0d9e8f7a6b5c; ` +
		`clients granted or assigned the old id lose it, and requests for the old id fail; used by loader in this file (those that list it under access move to the new id)`
	if msg != wantMsg {
		t.Errorf("risk message\n got %s\nwant %s", msg, wantMsg)
	}
	sim.apply(t, p)
	if again := compute(t, s, sim.snap, planner.Options{}); !again.Summary.Empty() {
		t.Errorf("after applying, the plan still has %v", actionIDs(again))
	}
}

// A pinned id that another entry holds in the tenant is an error of the
// plan: the spec's rules cannot see live ids.
func TestPinnedIDHeldByAnotherEntry(t *testing.T) {
	_, sim := converged(t, proxyYAML)
	live := tenant.StableID("fhir-proxy", "fhir-proxy", "scope", "user_impersonation")
	s := parseSpec(t, strings.Replace(proxyYAML, "2d1c681b-71e0-4f12-9040-d0f42884be86", live, 1))
	_, ds := planner.Compute(s, sim.snap, planner.Options{Now: now})
	var got []string
	for _, d := range ds {
		got = append(got, d.Summary)
	}
	want := []string{`application "fhir-proxy" would give id ` + live + ` to two entries`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diagnostics (-want +got):\n%s", d)
	}
}

// A confidential client's SPA and mobile/desktop redirect URIs go to their
// platforms; the client stays confidential (isFallbackPublicClient unset).
func TestConfidentialOtherPlatforms(t *testing.T) {
	src := strings.Replace(fhirYAML, "redirectUris: [https://portal.contoso.com/signin-oidc, http://localhost:5000/signin-oidc]\n",
		"redirectUris: [https://portal.contoso.com/signin-oidc]\n    spaRedirectUris: [https://portal.contoso.com/app]\n    publicClientRedirectUris: [http://localhost]\n", 1)
	p := compute(t, parseSpec(t, src), emptyTenant(), planner.Options{})
	for _, a := range p.Actions {
		if a.ID != "applications.portal:create" {
			continue
		}
		f := a.Application.Fields
		got := [][]string{*f.WebRedirectURIs, *f.SPARedirectURIs, *f.PublicClientRedirectURIs}
		want := [][]string{{"https://portal.contoso.com/signin-oidc"}, {"https://portal.contoso.com/app"}, {"http://localhost"}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("web, spa, publicClient redirect URIs (-want +got):\n%s", d)
		}
		if f.IsFallbackPublicClient != nil {
			t.Errorf("isFallbackPublicClient = %v, want it left unset for a confidential client", *f.IsFallbackPublicClient)
		}
		return
	}
	t.Fatalf("no create of portal in %v", actionIDs(p))
}
