package export

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Ids of the fixture tenant.
const (
	graphAppID  = "00000003-0000-0000-c000-000000000000"
	graphSPID   = "90000000-0000-0000-0000-000000000003"
	userRead    = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
	fhirAppID   = "11111111-1111-1111-1111-111111111111"
	fhirSPID    = "91111111-1111-1111-1111-111111111111"
	impersonate = "a1111111-0000-0000-0000-000000000001"
	readerRole  = "b1111111-0000-0000-0000-000000000001"
	exportRole  = "b1111111-0000-0000-0000-000000000002"
	portalAppID = "22222222-2222-2222-2222-222222222222"
	portalSPID  = "92222222-2222-2222-2222-222222222222"
	jobAppID    = "33333333-3333-3333-3333-333333333333"
	jobSPID     = "93333333-3333-3333-3333-333333333333"
	spaAppID    = "44444444-4444-4444-4444-444444444444"
	owner       = "5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func graphSP() *tenant.ServicePrincipal {
	return &tenant.ServicePrincipal{ID: graphSPID, AppID: graphAppID, DisplayName: "Microsoft Graph",
		Scopes: []tenant.PermissionScope{{ID: userRead, Value: "User.Read", Type: "User", IsEnabled: true}}}
}

func fhirAPI(set string) *tenant.Application {
	v2 := 2
	return &tenant.Application{
		ID: "o1", AppID: fhirAppID, DisplayName: "Contoso FHIR API", Description: "FHIR R4 server.",
		Tags:                        []string{tenant.SetTag(set), tenant.KeyTag("fhir-api")},
		IdentifierURIs:              []string{"https://fhir.contoso.com"},
		RequestedAccessTokenVersion: &v2,
		Scopes: []tenant.PermissionScope{{ID: impersonate, Value: "user_impersonation", Type: "Admin", IsEnabled: true,
			AdminConsentDisplayName: "Access the FHIR API", AdminConsentDescription: "Read and write FHIR data as the user.",
			UserConsentDisplayName: "Access the FHIR API", UserConsentDescription: "Read and write FHIR data as the user."}},
		AppRoles: []tenant.AppRole{
			{ID: readerRole, Value: "globalReader", DisplayName: "FHIR reader", Description: "Read all FHIR resources.",
				AllowedMemberTypes: []string{"User", "Application"}, IsEnabled: true},
			{ID: exportRole, Value: "globalExporter", DisplayName: "globalExporter", Description: "globalExporter",
				AllowedMemberTypes: []string{"Application"}, IsEnabled: false},
		},
		Owners: []string{owner},
	}
}

func fhirSP(set string) *tenant.ServicePrincipal {
	a := fhirAPI(set)
	return &tenant.ServicePrincipal{ID: fhirSPID, AppID: fhirAppID, DisplayName: a.DisplayName, Tags: a.Tags,
		AppRoleAssignmentRequired: true, AppRoles: a.AppRoles, Scopes: a.Scopes}
}

// fhirSet is a set as regsync applies it: an API, a web portal with a
// managed secret, a SPA and a daemon with a federated credential and
// roles granted.
func fhirSet() *tenant.Snapshot {
	set := "fhir-prod"
	portal := &tenant.Application{
		ID: "o2", AppID: portalAppID, DisplayName: "Contoso FHIR Portal",
		Tags: []string{tenant.SetTag(set), tenant.KeyTag("portal"), "team:clinical"},
		Web: tenant.WebApplication{RedirectURIs: []string{"https://portal.contoso.com/signin-oidc", "http://localhost:5000/signin-oidc"},
			HomePageURL: "https://portal.contoso.com", LogoutURL: "https://portal.contoso.com/signout-oidc"},
		RequiredResourceAccess: []tenant.RequiredResourceAccess{
			{ResourceAppID: fhirAppID, ResourceAccess: []tenant.ResourceAccess{{ID: impersonate, Type: "Scope"}}},
			{ResourceAppID: graphAppID, ResourceAccess: []tenant.ResourceAccess{{ID: userRead, Type: "Scope"}}},
		},
		PasswordCredentials: []tenant.PasswordCredential{{KeyID: "c0000000-0000-0000-0000-000000000001",
			DisplayName: planner.ManagedSecretName(set, "portal"), Start: t0, End: t0.Add(180 * spec.Day)}},
		OptionalClaims:        &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{{Name: "email"}, {Name: "groups", Essential: true, AdditionalProperties: []string{"emit_as_roles"}}}},
		GroupMembershipClaims: "SecurityGroup",
		Owners:                []string{owner},
	}
	job := &tenant.Application{
		ID: "o3", AppID: jobAppID, DisplayName: "Contoso FHIR Exporter", Notes: "Runs nightly.",
		Tags: []string{tenant.SetTag(set), tenant.KeyTag("exporter")},
		RequiredResourceAccess: []tenant.RequiredResourceAccess{
			{ResourceAppID: fhirAppID, ResourceAccess: []tenant.ResourceAccess{{ID: readerRole, Type: "Role"}, {ID: exportRole, Type: "Role"}}},
		},
		PasswordCredentials: []tenant.PasswordCredential{{KeyID: "c0000000-0000-0000-0000-000000000003",
			DisplayName: planner.ManagedSecretName(set, "exporter"), Start: t0, End: t0.Add(90*spec.Day + time.Minute)}},
		FederatedCredentials: []tenant.FederatedCredential{{ID: "f1", Name: "github-prod", Issuer: "https://token.actions.githubusercontent.com",
			Subject: "repo:contoso/exporter:environment:prod", Audiences: []string{spec.DefaultFederatedAudience}}},
	}
	spa := &tenant.Application{
		ID: "o4", AppID: spaAppID, DisplayName: "Contoso Patient App", SignInAudience: "AzureADMultipleOrgs",
		Tags:            []string{tenant.SetTag(set), tenant.KeyTag("patient-spa")},
		SPARedirectURIs: []string{"https://patients.contoso.com/callback"},
		RequiredResourceAccess: []tenant.RequiredResourceAccess{
			{ResourceAppID: fhirAppID, ResourceAccess: []tenant.ResourceAccess{{ID: impersonate, Type: "Scope"}}},
		},
	}
	return &tenant.Snapshot{
		Applications: []*tenant.Application{fhirAPI(set), portal, job, spa},
		ServicePrincipals: []*tenant.ServicePrincipal{graphSP(), fhirSP(set),
			{ID: portalSPID, AppID: portalAppID, Tags: portal.Tags},
			{ID: jobSPID, AppID: jobAppID, Tags: job.Tags},
			{ID: "94444444-4444-4444-4444-444444444444", AppID: spaAppID, Tags: spa.Tags}},
		AppRoleAssignments: []tenant.AppRoleAssignment{
			{ID: "as1", PrincipalID: jobSPID, ResourceID: fhirSPID, AppRoleID: readerRole},
			{ID: "as2", PrincipalID: jobSPID, ResourceID: fhirSPID, AppRoleID: exportRole},
		},
		PermissionGrants: []tenant.PermissionGrant{
			{ID: "g1", ClientID: portalSPID, ResourceID: fhirSPID, ConsentType: "AllPrincipals", Scope: "user_impersonation"},
			{ID: "g2", ClientID: portalSPID, ResourceID: graphSPID, ConsentType: "AllPrincipals", Scope: "User.Read"},
		},
		Secrets: []tenant.SecretMeta{
			{Vault: "contoso-fhir-kv", Name: "fhir-exporter-secret", Tags: map[string]string{tenant.SecretTagKeyID: "c0000000-0000-0000-0000-000000000003"}},
			{Vault: "contoso-fhir-kv", Name: "portal-client-secret", Tags: map[string]string{tenant.SecretTagKeyID: "c0000000-0000-0000-0000-000000000001"}},
		},
		VaultsRead: []string{"contoso-fhir-kv"},
	}
}

// handMade is a tenant with registrations made in the portal: no regsync
// tags, two of them with the same display name.
func handMade() *tenant.Snapshot {
	snap := &tenant.Snapshot{ServicePrincipals: []*tenant.ServicePrincipal{graphSP()}}
	add := func(a *tenant.Application) { snap.Applications = append(snap.Applications, a) }
	add(&tenant.Application{ID: "h1", AppID: "a0000000-0000-0000-0000-000000000001", DisplayName: "Billing Web (prod)",
		Web:                 tenant.WebApplication{RedirectURIs: []string{"https://billing.contoso.com/auth"}, EnableIDTokenIssuance: true},
		SPARedirectURIs:     []string{"https://billing.contoso.com/spa"},
		PasswordCredentials: []tenant.PasswordCredential{{KeyID: "c1000000-0000-0000-0000-000000000001", DisplayName: "made in the portal", Start: t0, End: t0.Add(365 * spec.Day)}},
		KeyCredentials: []tenant.KeyCredential{{KeyID: "c2000000-0000-0000-0000-000000000001", DisplayName: "CN=billing", Type: "AsymmetricX509Cert",
			Usage: "Verify", Start: t0, End: t0.Add(365 * spec.Day)}},
		RequestedAccessTokenVersion: ptr(2),
		RequiredResourceAccess:      []tenant.RequiredResourceAccess{{ResourceAppID: graphAppID, ResourceAccess: []tenant.ResourceAccess{{ID: userRead, Type: "Scope"}}}}})
	add(&tenant.Application{ID: "h2", AppID: "a0000000-0000-0000-0000-000000000002", DisplayName: "Billing Web (prod)",
		Tags:                   []string{"HideApp"},
		RequiredResourceAccess: []tenant.RequiredResourceAccess{{ResourceAppID: graphAppID, ResourceAccess: []tenant.ResourceAccess{{ID: userRead, Type: "Scope"}}}}})
	add(&tenant.Application{ID: "h3", AppID: "a0000000-0000-0000-0000-000000000003", DisplayName: "Desk Tool",
		PublicClientRedirectURIs: []string{"https://login.microsoftonline.com/common/oauth2/nativeclient"}, IsFallbackPublicClient: true})
	add(&tenant.Application{ID: "h4", AppID: "a0000000-0000-0000-0000-000000000004", DisplayName: "Phone",
		PublicClientRedirectURIs: []string{"msauth.com.contoso.phone://auth"}})
	add(&tenant.Application{ID: "h5", AppID: "a0000000-0000-0000-0000-000000000005", DisplayName: "3rd-party sync",
		Tags: []string{"regsync:key=sync"},
		FederatedCredentials: []tenant.FederatedCredential{{Name: "aks", Issuer: "https://oidc.aks.example.com/abc",
			Subject: "system:serviceaccount:sync:sync", Audiences: []string{"api://custom"}, Description: "cluster identity regsync:added=2026-01-10T08:00:00Z"}}})
	add(&tenant.Application{ID: "h6", AppID: "a0000000-0000-0000-0000-000000000006", DisplayName: "Not exported"})
	// The sync job's service principal holds a password of its own.
	snap.ServicePrincipals = append(snap.ServicePrincipals, &tenant.ServicePrincipal{ID: "s5", AppID: "a0000000-0000-0000-0000-000000000005",
		DisplayName: "3rd-party sync", PasswordCredentials: []tenant.PasswordCredential{{KeyID: "c3000000-0000-0000-0000-000000000005",
			DisplayName: "ops", Start: t0, End: t0.Add(730 * spec.Day)}}})
	return snap
}

func allHandMade() []string {
	var ids []string
	for i := 1; i <= 5; i++ {
		ids = append(ids, "A0000000-0000-0000-0000-00000000000"+string(rune('0'+i)))
	}
	return ids
}

func TestSpecGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		snap *tenant.Snapshot
		opts Options
		// keys and adopted are the Result's lists.
		keys, adopted []string
	}{
		{
			name: "set-with-vault",
			snap: fhirSet(),
			opts: Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", Vault: "contoso-fhir-kv"},
			keys: []string{"exporter", "fhir-api", "patient-spa", "portal"},
		},
		{
			name: "set-without-vault",
			snap: fhirSet(),
			opts: Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod"},
			keys: []string{"exporter", "fhir-api", "patient-spa", "portal"},
		},
		{
			name:    "adopt-hand-made",
			snap:    handMade(),
			opts:    Options{Tenant: "0d0c0b0a-0000-0000-0000-000000000000", Set: "billing", AppIDs: allHandMade()},
			keys:    []string{"billing-web-prod", "billing-web-prod-2", "desk-tool", "phone", "sync"},
			adopted: []string{"billing-web-prod", "billing-web-prod-2", "desk-tool", "phone", "sync"},
		},
		{
			name: "adopt-into-existing-set",
			// The portal's consent to Graph holds more than it requests.
			snap: func() *tenant.Snapshot {
				s := mergeSnap(fhirSet(), handMade())
				s.PermissionGrants[1].Scope = "User.Read openid"
				return s
			}(),
			opts:    Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", AppIDs: []string{"a0000000-0000-0000-0000-000000000004"}, Vault: "contoso-fhir-kv"},
			keys:    []string{"exporter", "fhir-api", "patient-spa", "phone", "portal"},
			adopted: []string{"phone"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, ds := Spec(tc.snap, tc.opts)
			if ds.HasErrors() || res == nil {
				t.Fatalf("Spec: %s", ds.Format())
			}
			if diff := cmp.Diff(tc.keys, res.Keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.adopted, res.Adopted); diff != "" {
				t.Errorf("adopted (-want +got):\n%s", diff)
			}
			parsed, pds := spec.Parse("exported.yaml", res.YAML)
			if pds.HasErrors() {
				t.Fatalf("the output does not parse:\n%s\n%s", pds.Format(), res.YAML)
			}
			// The typed spec export builds is what its output says.
			var dds diag.Diagnostics
			built, _ := decide(tc.snap, tc.opts, &dds).build()
			noPos := cmpopts.IgnoreTypes(diag.Pos{})
			if diff := cmp.Diff(built, parsed, noPos, cmpopts.IgnoreFields(spec.Spec{}, "File", "Digest")); diff != "" {
				t.Errorf("Parse of the output differs from the spec export built (-built +parsed):\n%s", diff)
			}
			again, _ := Spec(tc.snap, tc.opts)
			if again == nil || string(again.YAML) != string(res.YAML) {
				t.Errorf("a second export of the same snapshot differs")
			}
			golden := filepath.Join("testdata", tc.name, "registrations.yaml")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, res.YAML, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(res.YAML)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func mergeSnap(a, b *tenant.Snapshot) *tenant.Snapshot {
	out := *a
	out.Applications = append(append([]*tenant.Application(nil), a.Applications...), b.Applications...)
	out.PermissionGrants = append([]tenant.PermissionGrant(nil), a.PermissionGrants...)
	return &out
}

// unclaimed drops every regsync:set tag from snap's applications: the
// planner refuses to adopt an application another set manages, and the
// round trip is about what export writes, not about moving sets.
func unclaimed(snap *tenant.Snapshot) *tenant.Snapshot {
	for _, a := range snap.Applications {
		var keep []string
		for _, t := range a.Tags {
			if !strings.HasPrefix(t, tenant.TagSet+"=") {
				keep = append(keep, t)
			}
		}
		a.Tags = keep
	}
	return snap
}

// TestSpecRoundTrip plans the exported spec against the snapshot it came
// from: nothing may change but the tags regsync adds to adopted apps.
func TestSpecRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		snap *tenant.Snapshot
		opts Options
	}{
		{"set", fhirSet(), Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", Vault: "contoso-fhir-kv"}},
		{"trusted clients", withTrustedClients(fhirSet()), Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", Vault: "contoso-fhir-kv"}},
		{"adoption", unclaimed(handMade()), Options{Tenant: "contoso.onmicrosoft.com", Set: "billing", AppIDs: []string{"a0000000-0000-0000-0000-000000000003", "a0000000-0000-0000-0000-000000000005"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, ds := Spec(tc.snap, tc.opts)
			if res == nil {
				t.Fatalf("Spec: %s", ds.Format())
			}
			sp, pds := spec.Parse("exported.yaml", res.YAML)
			if sp == nil {
				t.Fatalf("parse: %s", pds.Format())
			}
			tc.snap.Organization = tenant.Organization{ID: "0d0c0b0a-0000-0000-0000-000000000000", VerifiedDomains: []string{"contoso.onmicrosoft.com", "contoso.com"}}
			p, pds := planner.Compute(sp, tc.snap, planner.Options{Now: t0.Add(24 * time.Hour)})
			if p == nil {
				t.Fatalf("plan: %s", pds.Format())
			}
			var got []string
			for _, a := range p.Actions {
				for _, c := range a.Changes {
					if c.Path != "tags" {
						got = append(got, a.Address+" "+c.Path)
					}
				}
				if len(a.Changes) == 0 {
					got = append(got, a.Address+" "+string(a.Op))
				}
			}
			if diff := cmp.Diff([]string(nil), got); diff != "" {
				t.Errorf("plan of the exported spec changes more than tags (-want +got):\n%s\n%s", diff, res.YAML)
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	missingScope := fhirSet()
	missingScope.Applications[1].RequiredResourceAccess[1].ResourceAccess[0].ID = "deadbeef-0000-0000-0000-000000000000"
	noSP := handMade()
	noSP.ServicePrincipals = nil
	notResource := fhirSet()
	notResource.Applications[0].IdentifierURIs = nil
	notResource.Applications[0].Scopes = nil
	for _, tc := range []struct {
		name string
		snap *tenant.Snapshot
		opts Options
		want []string
	}{
		{
			name: "scope id the resource does not define",
			snap: missingScope,
			opts: Options{Tenant: "contoso.com", Set: "fhir-prod"},
			want: []string{`application "Contoso FHIR Portal" (appId 22222222-2222-2222-2222-222222222222) requests delegated permission deadbeef-0000-0000-0000-000000000000 of appId 00000003-0000-0000-c000-000000000000, but service principal "Microsoft Graph" has no scope with that id`},
		},
		{
			name: "resource without a service principal",
			snap: noSP,
			opts: Options{Tenant: "contoso.com", Set: "billing", AppIDs: []string{"a0000000-0000-0000-0000-000000000002"}},
			want: []string{`application "Billing Web (prod)" (appId a0000000-0000-0000-0000-000000000002) requests permissions of appId 00000003-0000-0000-c000-000000000000, which has no service principal in the tenant`},
		},
		{
			name: "unknown appId",
			snap: handMade(),
			opts: Options{Tenant: "contoso.com", Set: "billing", AppIDs: []string{"ffffffff-0000-0000-0000-000000000000"}},
			want: []string{"no application with appId ffffffff-0000-0000-0000-000000000000 in the tenant"},
		},
		{
			name: "empty set",
			snap: handMade(),
			opts: Options{Tenant: "contoso.com", Set: "nothing-here"},
			want: []string{`set "nothing-here" has no applications in the tenant and no application was named by appId`},
		},
		{
			name: "client of an exported app that is no resource",
			snap: notResource,
			opts: Options{Tenant: "contoso.com", Set: "fhir-prod"},
			want: []string{
				`application "Contoso FHIR Exporter" (appId 33333333-3333-3333-3333-333333333333) requests permissions of "Contoso FHIR API" (appId 11111111-1111-1111-1111-111111111111), which is exported as a service, not a resource`,
				`application "Contoso Patient App" (appId 44444444-4444-4444-4444-444444444444) requests permissions of "Contoso FHIR API" (appId 11111111-1111-1111-1111-111111111111), which is exported as a service, not a resource`,
				`application "Contoso FHIR Portal" (appId 22222222-2222-2222-2222-222222222222) requests permissions of "Contoso FHIR API" (appId 11111111-1111-1111-1111-111111111111), which is exported as a service, not a resource`,
			},
		},
		{
			name: "output that would not validate",
			snap: func() *tenant.Snapshot {
				s := handMade()
				s.Applications[2].PublicClientRedirectURIs = []string{"https://has space/x"}
				return s
			}(),
			opts: Options{Tenant: "contoso.com", Set: "billing", AppIDs: []string{"a0000000-0000-0000-0000-000000000003"}, Name: "out.yaml"},
			want: []string{`"https://has space/x" is not a valid redirect URI`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, ds := Spec(tc.snap, tc.opts)
			if res != nil {
				t.Errorf("got a result despite errors:\n%s", res.YAML)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Summary)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Contoso FHIR API", "contoso-fhir-api"},
		{"  --Hello__World--  ", "hello-world"},
		{"3rd party", "app-3rd-party"},
		{"Überweisung", "berweisung"},
		{"", "app"},
		{"!!!", "app"},
		{strings.Repeat("a", 70), strings.Repeat("a", 63)},
		{strings.Repeat("a", 62) + " b", strings.Repeat("a", 62)},
	} {
		if got := slug(tc.in, "app"); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	taken := map[string]bool{}
	var got []string
	for range 3 {
		got = append(got, unique(strings.Repeat("b", 63), taken))
	}
	want := []string{strings.Repeat("b", 63), strings.Repeat("b", 61) + "-2", strings.Repeat("b", 61) + "-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unique (-want +got):\n%s", diff)
	}
}

// TestExportRefusesAnotherSetsApplication: an --app-id that another set
// manages is an error, as the plan's adoption would be.
func TestExportRefusesAnotherSetsApplication(t *testing.T) {
	snap := handMade()
	for _, a := range snap.Applications {
		if a.ID == "h5" {
			a.Tags = append(a.Tags, "regsync:set=other")
		}
	}
	res, ds := Spec(snap, Options{Tenant: "contoso.onmicrosoft.com", Set: "billing", AppIDs: []string{"a0000000-0000-0000-0000-000000000005"}})
	if res != nil || !strings.Contains(ds.Format(), `belongs to set "other"`) {
		t.Errorf("export of another set's application: result %v, diagnostics:\n%s", res != nil, ds.Format())
	}
}

// withTrustedClients gives the FHIR API acceptMappedClaims and the portal
// as a known and pre-authorized client.
func withTrustedClients(snap *tenant.Snapshot) *tenant.Snapshot {
	for _, a := range snap.Applications {
		if a.AppID == fhirAppID {
			a.AcceptMappedClaims = true
			a.KnownClientApplications = []string{portalAppID}
			a.PreAuthorizedApplications = []tenant.PreAuthorizedApplication{{AppID: portalAppID, DelegatedPermissionIDs: []string{impersonate}}}
		}
	}
	return snap
}

func TestExportTrustedClients(t *testing.T) {
	res, ds := Spec(withTrustedClients(fhirSet()), Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", Vault: "contoso-fhir-kv"})
	if res == nil {
		t.Fatal(ds.Format())
	}
	for _, want := range []string{"acceptMappedClaims: true", "knownClientApplications: [portal]", "preAuthorizedApplications:\n      portal: [user_impersonation]"} {
		if !strings.Contains(string(res.YAML), want) {
			t.Errorf("export lacks %q:\n%s", want, res.YAML)
		}
	}
	// A client that is not exported cannot be named: the list is left out.
	snap := withTrustedClients(fhirSet())
	for _, a := range snap.Applications {
		if a.AppID == fhirAppID {
			a.KnownClientApplications = []string{"99999999-0000-4000-8000-000000000009"}
		}
	}
	res, _ = Spec(snap, Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", Vault: "contoso-fhir-kv"})
	if res == nil || strings.Contains(string(res.YAML), "knownClientApplications:") || !strings.Contains(string(res.YAML), "knownClientApplications left out") {
		t.Errorf("export with an unknown known client:\n%s", res.YAML)
	}
}

// TestExportPinsIDs: a live id other than the one the planner derives is
// written as id (a scope and a role that share one included); a derived id
// is left out. The exported spec plans no change.
func TestExportPinsIDs(t *testing.T) {
	const twin = "9a1c3e55-6f0b-4d2a-8e7c-1b2d3f4a5b6c"
	derived := tenant.StableID("proxy", "api", "role", "Reader")
	snap := &tenant.Snapshot{
		Organization: tenant.Organization{ID: "0d0c0b0a-0000-0000-0000-000000000000", VerifiedDomains: []string{"contoso.onmicrosoft.com"}},
		Applications: []*tenant.Application{{
			ID: "o9", AppID: "99999999-9999-4999-8999-999999999999", DisplayName: "api",
			Tags:           []string{tenant.SetTag("proxy"), tenant.KeyTag("api")},
			IdentifierURIs: []string{"api://proxy"},
			Scopes: []tenant.PermissionScope{{ID: strings.ToUpper(twin), Value: "offline_access", Type: "User", IsEnabled: true,
				AdminConsentDisplayName: "Stay signed in", AdminConsentDescription: "Stay signed in",
				UserConsentDisplayName: "Stay signed in", UserConsentDescription: "Stay signed in"}},
			AppRoles: []tenant.AppRole{
				{ID: twin, Value: "offline_access", DisplayName: "Stay signed in", Description: "Stay signed in", AllowedMemberTypes: []string{"Application"}, IsEnabled: true},
				{ID: derived, Value: "Reader", DisplayName: "Reader", Description: "Reader", AllowedMemberTypes: []string{"User"}, IsEnabled: true},
			},
		}},
	}
	res, ds := Spec(snap, Options{Tenant: "contoso.onmicrosoft.com", Set: "proxy"})
	if res == nil {
		t.Fatalf("Spec: %s", ds.Format())
	}
	out := string(res.YAML)
	if n := strings.Count(out, "id: "+twin); n != 2 {
		t.Errorf("the shared id appears %d times, want 2 (scope and role):\n%s", n, out)
	}
	if strings.Contains(out, derived) {
		t.Errorf("the derived id is written:\n%s", out)
	}
	sp, pds := spec.Parse("exported.yaml", res.YAML)
	if sp == nil {
		t.Fatalf("parse: %s\n%s", pds.Format(), out)
	}
	p, pds := planner.Compute(sp, snap, planner.Options{Now: t0})
	if p == nil {
		t.Fatalf("plan: %s", pds.Format())
	}
	for _, a := range p.Actions {
		if a.Type == planner.TypeApplication {
			t.Errorf("%s changes %v", a.ID, a.Changes)
		}
	}
}

// TestExportConsentPerPart: a client holding consent of one kind only gets
// that part of adminConsent, and the exported spec plans no consent change.
func TestExportConsentPerPart(t *testing.T) {
	snap := fhirSet()
	portal := snap.Applications[1]
	portal.RequiredResourceAccess[0].ResourceAccess = append(portal.RequiredResourceAccess[0].ResourceAccess, tenant.ResourceAccess{ID: readerRole, Type: "Role"})
	res, ds := Spec(snap, Options{Tenant: "contoso.onmicrosoft.com", Set: "fhir-prod", Vault: "contoso-fhir-kv"})
	if res == nil {
		t.Fatalf("Spec: %s", ds.Format())
	}
	out := string(res.YAML)
	if !strings.Contains(out, "adminConsent: {scopes: true}") || strings.Contains(out, "apply will grant") {
		t.Errorf("want the portal's adminConsent: {scopes: true} and no note that apply grants its role:\n%s", out)
	}
	sp, pds := spec.Parse("exported.yaml", res.YAML)
	if sp == nil {
		t.Fatalf("parse: %s", pds.Format())
	}
	snap.Organization = tenant.Organization{ID: "0d0c0b0a-0000-0000-0000-000000000000", VerifiedDomains: []string{"contoso.onmicrosoft.com", "contoso.com"}}
	p, pds := planner.Compute(sp, snap, planner.Options{Now: t0.Add(24 * time.Hour)})
	if p == nil {
		t.Fatalf("plan: %s", pds.Format())
	}
	for _, a := range p.Actions {
		if a.Type == planner.TypeAppRoleAssignment || a.Type == planner.TypePermissionGrant {
			t.Errorf("plan of the exported spec has %s", a.ID)
		}
	}
}
