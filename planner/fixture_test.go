package planner_test

import (
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// The tenant of the fixtures: the emulator's seeded tenant.
const (
	tenantID   = "7d3f4c2a-9b1e-4f6a-8c5d-2e1b0a9f8c7d"
	graphAppID = "00000003-0000-0000-c000-000000000000"
	graphSPID  = "c9a8b7d6-1e2f-4a3b-9c4d-5e6f7a8b9c0d"
	userRead   = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
	adminID    = "5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"
)

// now is the pinned clock of every planner test.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fhirYAML has every kind: a resource API and a confidential, a public and a
// service client, an external API, secrets and a federated credential.
const fhirYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: fhir-prod
defaults:
  owners: [5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60]
  secrets: { vault: contoso-fhir-kv, lifetime: 180d, renewBefore: 30d, overlap: 7d }
apis:
  microsoft-graph: { appId: 00000003-0000-0000-c000-000000000000 }
applications:
  fhir-api:
    kind: resource
    displayName: Contoso FHIR API
    identifierUris: [https://fhir.contoso.com]
    scopes:
      user_impersonation: { type: Admin, adminConsentDisplayName: Access the FHIR API }
    appRoles:
      globalReader: { displayName: FHIR reader, memberTypes: [User, Application] }
      globalExporter: { displayName: FHIR exporter, memberTypes: [Application] }
    appRoleAssignmentRequired: true
  portal:
    kind: confidential
    displayName: Contoso FHIR Portal
    redirectUris: [https://portal.contoso.com/signin-oidc, http://localhost:5000/signin-oidc]
    access:
      fhir-api: { scopes: [user_impersonation] }
      microsoft-graph: { scopes: [User.Read] }
    adminConsent: true
    secret: {}
  patient-spa:
    kind: public
    platform: spa
    displayName: Contoso Patient App
    redirectUris: [https://patients.contoso.com/callback]
    access:
      fhir-api: { scopes: [user_impersonation] }
  exporter:
    kind: service
    displayName: Contoso FHIR Exporter
    access:
      fhir-api: { roles: [globalReader, globalExporter] }
    adminConsent: true
    secret: { name: fhir-exporter-secret, lifetime: 90d, renewBefore: 21d }
  ingest:
    kind: service
    displayName: Contoso FHIR Ingest
    access:
      fhir-api: { roles: [globalReader] }
    adminConsent: true
    federatedCredentials:
      github-main: { issuer: https://token.actions.githubusercontent.com, subject: "repo:contoso/ingest:ref:refs/heads/main" }
`

func parseSpec(t testing.TB, src string) *spec.Spec {
	t.Helper()
	s, ds := spec.Parse("registrations.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("spec: %s", ds.Format())
	}
	return s
}

// emptyTenant is the seeded tenant with no application of the set.
func emptyTenant() *tenant.Snapshot {
	return &tenant.Snapshot{
		Organization: tenant.Organization{ID: tenantID, DisplayName: "Contoso",
			VerifiedDomains: []string{"contoso.onmicrosoft.com", "contoso.com"}},
		ServicePrincipals: []*tenant.ServicePrincipal{{
			ID: graphSPID, AppID: graphAppID, DisplayName: "Microsoft Graph",
			Scopes: []tenant.PermissionScope{
				{ID: userRead, Value: "User.Read", Type: "User", IsEnabled: true},
				{ID: "37f7f235-527c-4136-accd-4a02d197296e", Value: "openid", Type: "User", IsEnabled: true},
			},
			AppRoles: []tenant.AppRole{{ID: "df021288-bdef-4463-88db-98f22de89214", Value: "User.Read.All",
				AllowedMemberTypes: []string{"Application"}, IsEnabled: true}},
		}},
	}
}

func compute(t testing.TB, s *spec.Spec, live *tenant.Snapshot, opts planner.Options) *planner.Plan {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = now
	}
	p, ds := planner.Compute(s, live, opts)
	if ds.HasErrors() {
		t.Fatalf("plan: %s", ds.Format())
	}
	return p
}

// converged returns the tenant after applying the plan of src against the
// empty tenant: a tenant that matches the spec.
func converged(t testing.TB, src string) (*spec.Spec, *simulated) {
	t.Helper()
	s := parseSpec(t, src)
	sim := &simulated{snap: emptyTenant(), now: now}
	sim.apply(t, compute(t, s, sim.snap, planner.Options{}))
	return s, sim
}

func actionIDs(p *planner.Plan) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.ID)
	}
	return out
}
