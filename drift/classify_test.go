package drift_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// outline is what the table tests compare of an item; the goldens pin the
// messages.
type outline struct {
	Class      drift.Class
	Severity   drift.Severity
	Object     string
	Address    string
	Field      string   `json:",omitempty"`
	Missing    []string `json:",omitempty"`
	Unexpected []string `json:",omitempty"`
}

func outlines(r *drift.Report) []outline {
	var out []outline
	for _, it := range r.Items {
		out = append(out, outline{it.Class, it.Severity, it.Object, it.Address, it.Field, it.Missing, it.Unexpected})
	}
	return out
}

// driftCase is a tenant that drifted from the fixture spec.
type driftCase struct {
	name   string
	reason string
	// specEdit changes the spec text; edit changes the tenant.
	specEdit func(string) string
	edit     func(*tenant.Snapshot)
	// now defaults to 9 days after the fixture was applied: no secret
	// expires within 30 days.
	now          time.Time
	window       time.Duration // default 30d
	failOnExpiry bool
	want         []outline
}

func (c driftCase) options() drift.Options {
	o := drift.Options{Now: c.now, ExpiryWindow: c.window, FailOnExpiry: c.failOnExpiry}
	if o.Now.IsZero() {
		o.Now = created.Add(9 * day)
	}
	if o.ExpiryWindow == 0 {
		o.ExpiryWindow = 30 * day
	}
	return o
}

func (c driftCase) report(t testing.TB) *drift.Report {
	t.Helper()
	live := fixtureTenant(t)
	if c.edit != nil {
		c.edit(live)
	}
	return report(t, fixtureSpec(t, c.specEdit), live, c.options())
}

const (
	D = drift.SeverityDrift
	W = drift.SeverityWarning
)

func driftCases() []driftCase {
	return []driftCase{
		{
			name: "no drift",
		},
		{
			name: "fields changed by hand",
			edit: func(s *tenant.Snapshot) {
				p := app(s, "portal")
				p.DisplayName = "Portal (edited)"
				p.Web.RedirectURIs = append(p.Web.RedirectURIs, "https://evil.example.com/cb")
				sp(s, "fhir-api").AppRoleAssignmentRequired = false
				app(s, "fhir-api").Owners = append(app(s, "fhir-api").Owners, "99999999-0000-4000-8000-000000000001")
				s.DirectoryObjects = append(s.DirectoryObjects, tenant.DirectoryObject{ID: "99999999-0000-4000-8000-000000000001",
					Type: "user", DisplayName: "Eve Contractor", UserPrincipalName: "eve@contoso.com"})
				s.DirectoryObjectsRead = true
				app(s, "ingest").FederatedCredentials[0].Subject = "repo:contoso/ingest:ref:refs/heads/dev"
			},
			want: []outline{
				{drift.ClassFieldChanged, D, "applications.fhir-api", "applications.fhir-api.owners", "owners", nil, []string{"99999999-0000-4000-8000-000000000001"}},
				{drift.ClassFieldChanged, D, "applications.fhir-api.service_principal", "applications.fhir-api.service_principal.appRoleAssignmentRequired", "appRoleAssignmentRequired", nil, nil},
				{drift.ClassFieldChanged, D, "applications.portal", "applications.portal.displayName", "displayName", nil, nil},
				{drift.ClassFieldChanged, D, "applications.portal", "applications.portal.redirectUris", "redirectUris", nil, []string{"https://evil.example.com/cb"}},
				{drift.ClassFieldChanged, D, "applications.ingest", `applications.ingest.federatedCredentials["github-main"].subject`, `federatedCredentials["github-main"].subject`, nil, nil},
			},
		},
		{
			name:   "application deleted by hand",
			reason: "its owners, consent and service principal's grants are implied by the missing application and not listed",
			edit: func(s *tenant.Snapshot) {
				a := app(s, "ingest")
				x := sp(s, "ingest")
				s.Applications = without(s.Applications, a)
				s.ServicePrincipals = without(s.ServicePrincipals, x)
				var keep []tenant.AppRoleAssignment
				for _, as := range s.AppRoleAssignments {
					if as.PrincipalID != x.ID {
						keep = append(keep, as)
					}
				}
				s.AppRoleAssignments = keep
			},
			want: []outline{
				{drift.ClassMissing, D, "applications.ingest", "applications.ingest", "", nil, nil},
				{drift.ClassMissing, D, "applications.ingest.service_principal", "applications.ingest.service_principal", "", nil, nil},
			},
		},
		{
			name: "federated credential deleted by hand",
			edit: func(s *tenant.Snapshot) { app(s, "ingest").FederatedCredentials = nil },
			want: []outline{{drift.ClassMissing, D, "applications.ingest", `applications.ingest.federated_credentials["github-main"]`, "", nil, nil}},
		},
		{
			name: "application of the set not in the spec",
			edit: func(s *tenant.Snapshot) {
				s.Applications = append(s.Applications, &tenant.Application{ID: "0a0a0a0a-0000-4000-8000-000000000001",
					AppID: "0b0b0b0b-0000-4000-8000-000000000001", DisplayName: "Old importer",
					Tags: []string{tenant.SetTag("fhir-prod"), tenant.KeyTag("importer")}})
			},
			want: []outline{{drift.ClassNotInSpec, D, "applications.importer", "applications.importer", "", nil, nil}},
		},
		{
			name:     "managed secret of an application whose spec declares none",
			specEdit: func(s string) string { return strings.Replace(s, "    secret: {}\n", "", 1) },
			want: []outline{
				{drift.ClassNotInSpec, D, "applications.portal", `applications.portal.password_credentials["e863930a-2025-8707-84ba-75e5577027ea"]`, "", nil, nil},
			},
		},
		{
			name: "credentials added by hand",
			edit: func(s *tenant.Snapshot) {
				p := app(s, "portal")
				p.PasswordCredentials = append(p.PasswordCredentials, tenant.PasswordCredential{KeyID: "0e0e0e0e-1111-4222-8333-444455556666",
					DisplayName: "emergency", Hint: "xyz", Start: created, End: created.Add(365 * day)})
				i := app(s, "ingest")
				i.FederatedCredentials = append(i.FederatedCredentials, tenant.FederatedCredential{ID: "fc2", Name: "laptop",
					Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:someone/fork:ref:refs/heads/main", Audiences: []string{"api://AzureADTokenExchange"}})
				// A credential on an application whose spec declares no secret.
				a := app(s, "patient-spa")
				a.PasswordCredentials = append(a.PasswordCredentials, tenant.PasswordCredential{KeyID: "0f0f0f0f-1111-4222-8333-444455556666",
					DisplayName: "test", Start: created, End: created.Add(30 * day)})
				plantOnExporter(s)
			},
			want: []outline{
				{drift.ClassCredentialByHand, D, "applications.portal.secret", `applications.portal.password_credentials["0e0e0e0e-1111-4222-8333-444455556666"]`, "", nil, nil},
				{drift.ClassCredentialByHand, D, "applications.patient-spa", `applications.patient-spa.password_credentials["0f0f0f0f-1111-4222-8333-444455556666"]`, "", nil, nil},
				{drift.ClassCredentialByHand, D, "applications.exporter", `applications.exporter.key_credentials["` + plantedCert + `"]`, "", nil, nil},
				{drift.ClassCredentialByHand, D, "applications.exporter.service_principal", `applications.exporter.service_principal.password_credentials["` + plantedSPPassword + `"]`, "", nil, nil},
				{drift.ClassCredentialByHand, D, "applications.exporter.service_principal", `applications.exporter.service_principal.key_credentials["` + plantedSPCert + `"]`, "", nil, nil},
				{drift.ClassCredentialByHand, D, "applications.ingest", `applications.ingest.federated_credentials["laptop"]`, "", nil, nil},
			},
		},
		{
			name:   "credentials the spec ignores",
			reason: "ignoreCredentials names the certificate and the service principal's password (in any case); the service principal's certificate is still reported",
			specEdit: func(src string) string {
				return strings.Replace(src, "    secret: { name: fhir-exporter-secret",
					"    ignoreCredentials: ["+strings.ToUpper(plantedCert)+", "+plantedSPPassword+"]\n    secret: { name: fhir-exporter-secret", 1)
			},
			edit: plantOnExporter,
			want: []outline{
				{drift.ClassCredentialByHand, D, "applications.exporter.service_principal", `applications.exporter.service_principal.key_credentials["` + plantedSPCert + `"]`, "", nil, nil},
			},
		},
		{
			name:   "vault secret deleted: credential without a vault copy",
			reason: "the vault was read (VaultsRead) and holds no secret with the exporter credential's key-id",
			edit: func(s *tenant.Snapshot) {
				var keep []tenant.SecretMeta
				for _, m := range s.Secrets {
					if m.Name != "fhir-exporter-secret" {
						keep = append(keep, m)
					}
				}
				s.Secrets = keep
			},
			want: []outline{
				{drift.ClassNoVaultCopy, D, "applications.exporter.secret", `applications.exporter.password_credentials["2688730c-ae73-ce6a-f9af-74f7498b4768"]`, "", nil, nil},
			},
		},
		{
			name: "credential removed by hand: secret missing and its vault copy orphaned",
			edit: func(s *tenant.Snapshot) { app(s, "portal").PasswordCredentials = nil },
			want: []outline{
				{drift.ClassMissing, D, "applications.portal.secret", "applications.portal.secret", "", nil, nil},
				{drift.ClassVaultSecretOrphaned, D, "applications.portal.secret", `key_vault.contoso-fhir-kv.secrets["portal-client-secret"]`, "", nil, nil},
			},
		},
		{
			name: "vault secret of a deleted application of the set",
			edit: func(s *tenant.Snapshot) {
				s.Secrets = append(s.Secrets, tenant.SecretMeta{Vault: vault, Name: "importer-client-secret", Enabled: true,
					Tags: map[string]string{tenant.SecretTagSet: "fhir-prod", tenant.SecretTagKey: "importer",
						tenant.SecretTagClientID: "0b0b0b0b-0000-4000-8000-000000000001", tenant.SecretTagKeyID: "0c0c0c0c-0000-4000-8000-000000000001"}})
				// Not of the set: left alone.
				s.Secrets = append(s.Secrets, tenant.SecretMeta{Vault: vault, Name: "other-team", Enabled: true,
					Tags: map[string]string{tenant.SecretTagClientID: "0d0d0d0d-0000-4000-8000-000000000001", tenant.SecretTagKeyID: "x"}})
			},
			want: []outline{
				{drift.ClassVaultSecretOrphaned, D, `key_vault.contoso-fhir-kv.secrets["importer-client-secret"]`, `key_vault.contoso-fhir-kv.secrets["importer-client-secret"]`, "", nil, nil},
			},
		},
		{
			name:     "azure role assignments changed by hand",
			reason:   "alice's declared role is gone, bob no longer exists; a role made by hand at the scope is reported, one inherited from the subscription is not",
			specEdit: func(s string) string { return s + azureYAML },
			edit:     azureEdit,
			want: []outline{
				{drift.ClassRoleAdded, D, "azureResources.dicom", `azureResources.dicom.role_assignments["11111111-2222-3333-4444-555555555555"]`, "role_assignments", nil, []string{"Owner user mallory@contoso.com (00000000-0000-0000-0000-0000000000c1)"}},
				{drift.ClassRoleRemoved, D, "azureResources.dicom", `azureResources.dicom.roles["DICOM Data Reader"].users["bob@contoso.com"]`, "role_assignments", []string{"DICOM Data Reader user bob@contoso.com"}, nil},
				{drift.ClassRoleRemoved, D, "azureResources.dicom", `azureResources.dicom.roles["DICOM Data Reader"].users["alice@contoso.com"]`, "role_assignments", []string{"DICOM Data Reader user alice@contoso.com"}, nil},
			},
		},
		{
			name:   "consent added by hand",
			reason: "exporter (adminConsent) gets a role and a grant it does not request; patient-spa (no adminConsent) gets a grant for all users",
			edit: func(s *tenant.Snapshot) {
				ex, spa := sp(s, "exporter"), sp(s, "patient-spa")
				s.AppRoleAssignments = append(s.AppRoleAssignments, tenant.AppRoleAssignment{ID: "as-hand", PrincipalID: ex.ID,
					ResourceID: graphSP, AppRoleID: "df021288-bdef-4463-88db-98f22de89214"})
				s.PermissionGrants = append(s.PermissionGrants,
					tenant.PermissionGrant{ID: "g-hand", ClientID: ex.ID, ResourceID: graphSP, ConsentType: "AllPrincipals", Scope: "User.Read"},
					tenant.PermissionGrant{ID: "g-spa", ClientID: spa.ID, ResourceID: apiSP, ConsentType: "AllPrincipals", Scope: "user_impersonation"},
					// A user's own consent is not drift.
					tenant.PermissionGrant{ID: "g-user", ClientID: spa.ID, ResourceID: graphSP, ConsentType: "Principal", PrincipalID: "u1", Scope: "User.Read"})
				// Graph's service principal in the fixture has no app roles; give it the one assigned.
				for _, x := range s.ServicePrincipals {
					if x.ID == graphSP {
						x.AppRoles = append(x.AppRoles, tenant.AppRole{ID: "df021288-bdef-4463-88db-98f22de89214", Value: "User.Read.All",
							AllowedMemberTypes: []string{"Application"}, IsEnabled: true})
					}
				}
			},
			want: []outline{
				{drift.ClassConsentAdded, D, "applications.patient-spa.service_principal", `applications.patient-spa.permission_grants["fhir-api"]`, "scope", nil, []string{"user_impersonation"}},
				{drift.ClassConsentAdded, D, "applications.exporter.service_principal", `applications.exporter.app_role_assignments["microsoft-graph/User.Read.All"]`, "app_role_assignments", nil, []string{"microsoft-graph/User.Read.All"}},
				{drift.ClassConsentAdded, D, "applications.exporter.service_principal", `applications.exporter.permission_grants["microsoft-graph"]`, "scope", nil, []string{"User.Read"}},
			},
		},
		{
			name: "consent removed by hand",
			edit: func(s *tenant.Snapshot) {
				in := sp(s, "ingest")
				var keep []tenant.AppRoleAssignment
				for _, as := range s.AppRoleAssignments {
					if as.PrincipalID != in.ID {
						keep = append(keep, as)
					}
				}
				s.AppRoleAssignments = keep
				for i := range s.PermissionGrants {
					if s.PermissionGrants[i].ResourceID == graphSP {
						s.PermissionGrants[i].Scope = "User.Read openid"
					}
				}
				var grants []tenant.PermissionGrant
				for _, g := range s.PermissionGrants {
					if g.ResourceID != apiSP {
						grants = append(grants, g)
					}
				}
				s.PermissionGrants = grants
			},
			want: []outline{
				{drift.ClassConsentAdded, D, "applications.portal.service_principal", `applications.portal.permission_grants["microsoft-graph"]`, "scope", nil, []string{"openid"}},
				{drift.ClassConsentRemoved, D, "applications.portal.service_principal", `applications.portal.permission_grants["fhir-api"]`, "scope", []string{"user_impersonation"}, nil},
				{drift.ClassConsentRemoved, D, "applications.ingest.service_principal", `applications.ingest.app_role_assignments["fhir-api/globalReader"]`, "app_role_assignments", []string{"fhir-api/globalReader"}, nil},
			},
		},
		{
			name:   "secret expiring within the window: a warning",
			reason: "the exporter secret ends 2026-05-30; 75 days after it was made, 15 days are left",
			now:    created.Add(75 * day),
			want: []outline{
				{drift.ClassSecretExpiring, W, "applications.exporter.secret", `applications.exporter.password_credentials["2688730c-ae73-ce6a-f9af-74f7498b4768"]`, "", nil, nil},
			},
		},
		{
			name:         "secret expiring with --fail-on-expiry: drift",
			now:          created.Add(75 * day),
			failOnExpiry: true,
			want: []outline{
				{drift.ClassSecretExpiring, D, "applications.exporter.secret", `applications.exporter.password_credentials["2688730c-ae73-ce6a-f9af-74f7498b4768"]`, "", nil, nil},
			},
		},
		{
			name:   "secret ended: always drift",
			now:    created.Add(95 * day),
			window: 7 * day,
			want: []outline{
				{drift.ClassSecretExpiring, D, "applications.exporter.secret", `applications.exporter.password_credentials["2688730c-ae73-ce6a-f9af-74f7498b4768"]`, "", nil, nil},
			},
		},
		{
			name:   "renewed secret in its overlap: the old one is not reported",
			reason: "the vault's latest version carries the successor; the old credential is superseded and only appears on the timeline",
			now:    created.Add(75 * day),
			edit: func(s *tenant.Snapshot) {
				ex := app(s, "exporter")
				succ := created.Add(74 * day)
				ex.PasswordCredentials = append(ex.PasswordCredentials, tenant.PasswordCredential{KeyID: "1a1a1a1a-0000-4000-8000-000000000001",
					DisplayName: "regsync:fhir-prod:exporter", Start: succ, End: succ.Add(90 * day)})
				for i := range s.Secrets {
					if s.Secrets[i].Name == "fhir-exporter-secret" {
						// The previous version keeps the old credential's
						// key-id; tenant.Read lists it during the overlap.
						prev := s.Secrets[i]
						prev.Version, prev.Tags = "previous", map[string]string{}
						for k, v := range s.Secrets[i].Tags {
							prev.Tags[k] = v
						}
						s.Secrets[i].Tags[tenant.SecretTagKeyID] = "1a1a1a1a-0000-4000-8000-000000000001"
						s.SecretVersions = append(s.SecretVersions, prev, s.Secrets[i])
					}
				}
			},
		},
		{
			name:   "an older managed credential without a copy in any version",
			reason: "the versions' key-id tags name only the successor: the older credential's value is nowhere, so nobody can use it",
			now:    created.Add(75 * day),
			edit: func(s *tenant.Snapshot) {
				ex := app(s, "exporter")
				succ := created.Add(74 * day)
				ex.PasswordCredentials = append(ex.PasswordCredentials, tenant.PasswordCredential{KeyID: "1a1a1a1a-0000-4000-8000-000000000001",
					DisplayName: "regsync:fhir-prod:exporter", Start: succ, End: succ.Add(90 * day)})
				for i := range s.Secrets {
					if s.Secrets[i].Name == "fhir-exporter-secret" {
						s.Secrets[i].Tags[tenant.SecretTagKeyID] = "1a1a1a1a-0000-4000-8000-000000000001"
						s.SecretVersions = append(s.SecretVersions, s.Secrets[i])
					}
				}
			},
			want: []outline{{drift.ClassNoVaultCopy, D, "applications.exporter.secret", `applications.exporter.password_credentials["2688730c-ae73-ce6a-f9af-74f7498b4768"]`, "", nil, nil}},
		},
	}
}

func without[T comparable](list []T, x T) []T {
	var out []T
	for _, v := range list {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func TestClassify(t *testing.T) {
	for _, tc := range driftCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.report(t)
			if d := cmp.Diff(tc.want, outlines(r)); d != "" {
				t.Errorf("items (-want +got):\n%s%s", d, because(tc.reason))
			}
			drifted := false
			for _, o := range tc.want {
				drifted = drifted || o.Severity == drift.SeverityDrift
			}
			if r.HasDrift() != drifted {
				t.Errorf("HasDrift = %v, want %v", r.HasDrift(), drifted)
			}
			total := 0
			for _, cc := range r.Summary.Classes {
				total += cc.Count
			}
			if total != len(r.Items) || r.Summary.Drift+r.Summary.Warnings != len(r.Items) {
				t.Errorf("summary %+v does not count %d items", r.Summary, len(r.Items))
			}
		})
	}
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return "\nreason: " + reason
}

// Every spec object is a test case, in spec order: application, service
// principal, and secret when declared.
func TestObjects(t *testing.T) {
	r := driftCases()[0].report(t)
	var got []string
	for _, o := range r.Objects {
		got = append(got, o.Address)
	}
	want := []string{
		"applications.fhir-api", "applications.fhir-api.service_principal",
		"applications.portal", "applications.portal.service_principal", "applications.portal.secret",
		"applications.patient-spa", "applications.patient-spa.service_principal",
		"applications.exporter", "applications.exporter.service_principal", "applications.exporter.secret",
		"applications.ingest", "applications.ingest.service_principal",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("objects (-want +got):\n%s", d)
	}
}

func TestComputeRefusesMissingInputs(t *testing.T) {
	if _, err := drift.Compute(nil, nil, nil, drift.Options{}); err == nil {
		t.Error("Compute(nil...) succeeded")
	}
}

func TestSpecPath(t *testing.T) {
	for _, tc := range []struct{ kind, path, want string }{
		{"confidential", "web_redirect_uris", "redirectUris"},
		{"public", "spa_redirect_uris", "redirectUris"},
		{"confidential", "spa_redirect_uris", "spaRedirectUris"},
		{"public", "is_fallback_public_client", "platform"},
		{"resource", `oauth2_permission_scopes["a.b[c]"].is_enabled`, `scopes["a.b[c]"].enabled`},
		{"resource", `app_roles["r"].allowed_member_types`, `appRoles["r"].memberTypes`},
		{"service", "required_resource_access", "access"},
		{"", "app_role_assignment_required", "appRoleAssignmentRequired"},
	} {
		if got := drift.SpecPath(tc.kind, tc.path); got != tc.want {
			t.Errorf("SpecPath(%q, %q) = %q, want %q", tc.kind, tc.path, got, tc.want)
		}
	}
}

const azureScope = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/dicomservices/dicom"

// azureYAML declares a DICOM service where alice reads.
const azureYAML = `azureResources:
  dicom:
    id: ` + azureScope + `
    roles:
      DICOM Data Reader: {users: [alice@contoso.com, bob@contoso.com]}
`

// azureEdit reads the DICOM service's roles into the snapshot: alice holds
// none, a user was made Owner there by hand, another inherits Owner from the
// subscription.
func azureEdit(s *tenant.Snapshot) {
	// bob was deleted from the tenant: the read finds only alice.
	s.Users = append(s.Users, tenant.User{ID: "00000000-0000-0000-0000-0000000000a1", UserPrincipalName: "alice@contoso.com"})
	s.ScopesRead = append(s.ScopesRead, tenant.NormalizeScope(azureScope))
	for _, d := range tenanttest.BuiltInRoles {
		d.ID = "/providers/Microsoft.Authorization/roleDefinitions/" + d.Name
		d.Scope = tenant.NormalizeScope(azureScope)
		s.RoleDefinitions = append(s.RoleDefinitions, d)
	}
	owner := "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	s.RoleAssignments = append(s.RoleAssignments,
		tenant.RoleAssignment{ID: azureScope + "/providers/Microsoft.Authorization/roleAssignments/11111111-2222-3333-4444-555555555555",
			Name: "11111111-2222-3333-4444-555555555555", Scope: azureScope, RoleDefinitionID: owner,
			PrincipalID: "00000000-0000-0000-0000-0000000000c1", PrincipalType: "User"},
		tenant.RoleAssignment{ID: "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleAssignments/21111111-2222-3333-4444-555555555555",
			Name: "21111111-2222-3333-4444-555555555555", Scope: "/subscriptions/00000000-0000-0000-0000-000000000001", RoleDefinitionID: owner,
			PrincipalID: "00000000-0000-0000-0000-0000000000c3", PrincipalType: "User"})
	// The holder of the assignment made by hand, as the read names it.
	s.DirectoryObjects = append(s.DirectoryObjects, tenant.DirectoryObject{ID: "00000000-0000-0000-0000-0000000000c1",
		Type: "user", DisplayName: "Mallory Ops", UserPrincipalName: "mallory@contoso.com"})
	s.DirectoryObjectsRead = true
}

// The credentials plantOnExporter adds.
const (
	plantedCert       = "4d4d4d4d-0000-4000-8000-000000000001"
	plantedSPPassword = "4d4d4d4d-0000-4000-8000-000000000002"
	plantedSPCert     = "4d4d4d4d-0000-4000-8000-000000000003"
)

// plantOnExporter adds what regsync did not create to the exporter: a
// certificate on the application, a password and a certificate on its
// service principal (the classic way to keep access unseen).
func plantOnExporter(s *tenant.Snapshot) {
	cert := func(id, name, thumb string) tenant.KeyCredential {
		return tenant.KeyCredential{KeyID: id, DisplayName: name, Type: "AsymmetricX509Cert", Usage: "Verify",
			CustomKeyIdentifier: thumb, Start: created.Add(-day), End: created.Add(364 * day)}
	}
	e := app(s, "exporter")
	e.KeyCredentials = append(e.KeyCredentials, cert(plantedCert, "CN=contractor laptop", "52F3C1E0A9B8D7C6B5A4938271605F4E3D2C1B0A"))
	esp := sp(s, "exporter")
	esp.PasswordCredentials = append(esp.PasswordCredentials, tenant.PasswordCredential{KeyID: plantedSPPassword,
		DisplayName: "", Hint: "abc", Start: created.Add(10 * day), End: created.Add(740 * day)})
	esp.KeyCredentials = append(esp.KeyCredentials, cert(plantedSPCert, "CN=sp", "0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D"))
}
