package planner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// outline is what the table tests compare: per action its ID, the changed
// paths and the risk codes.
type outline struct {
	ID    string
	Deps  []string
	Paths []string
	Risks []planner.RiskCode
}

func outlineOf(p *planner.Plan) []outline {
	var out []outline
	for _, a := range p.Actions {
		o := outline{ID: a.ID, Deps: a.DependsOn}
		for _, c := range a.Changes {
			o.Paths = append(o.Paths, c.Path)
		}
		for _, r := range a.Risks {
			o.Risks = append(o.Risks, r.Code)
		}
		out = append(out, o)
	}
	return out
}

func TestUpdates(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the converged tenant (the live side) ...
		edit func(sim *simulated)
		// ... or the spec text (old → new replacements).
		specEdit [][2]string
		prune    bool
		want     []outline
		reason   string
	}{
		{
			name: "scalar fields drift back",
			edit: func(sim *simulated) {
				a := findApp(sim, "portal")
				a.DisplayName = "Portal (old)"
				a.SignInAudience = "AzureADMultipleOrgs"
			},
			want: []outline{{ID: "applications.portal:update", Paths: []string{"display_name", "sign_in_audience"},
				Risks: []planner.RiskCode{planner.RiskSignInAudience}}},
		},
		{
			name:     "redirect URIs compare as a set; removal is a risk",
			specEdit: [][2]string{{"redirectUris: [https://portal.contoso.com/signin-oidc, http://localhost:5000/signin-oidc]", "redirectUris: [https://portal.contoso.com/signin-oidc, https://portal.contoso.com/v2]"}},
			want: []outline{{ID: "applications.portal:update", Paths: []string{"web_redirect_uris"},
				Risks: []planner.RiskCode{planner.RiskRedirectURIRemoval}}},
		},
		{
			name: "a confidential client's SPA and mobile/desktop redirect URIs",
			specEdit: [][2]string{{"redirectUris: [https://portal.contoso.com/signin-oidc, http://localhost:5000/signin-oidc]\n",
				"redirectUris: [https://portal.contoso.com/signin-oidc, http://localhost:5000/signin-oidc]\n    spaRedirectUris: [https://portal.contoso.com/app]\n    publicClientRedirectUris: [msauth.com.contoso.portal://auth]\n"}},
			want: []outline{{ID: "applications.portal:update", Paths: []string{"spa_redirect_uris", "public_client_redirect_uris"}}},
		},
		{
			name:     "identifier URI change is a risk",
			specEdit: [][2]string{{"identifierUris: [https://fhir.contoso.com]", "identifierUris: [https://fhir2.contoso.com]"}},
			want: []outline{{ID: "applications.fhir-api:update", Paths: []string{"identifier_uris"},
				Risks: []planner.RiskCode{planner.RiskIdentifierURI}}},
		},
		{
			name:     "tags: user tags declared, regsync tags kept",
			specEdit: [][2]string{{"    displayName: Contoso Patient App\n", "    displayName: Contoso Patient App\n    tags: [team-patients]\n"}},
			want:     []outline{{ID: "applications.patient-spa:update", Paths: []string{"tags"}}},
		},
		{
			name: "undeclared fields are left alone",
			edit: func(sim *simulated) {
				a := findApp(sim, "portal")
				a.Description = "edited by hand"
				a.Notes = "hand notes"
				a.GroupMembershipClaims = "SecurityGroup"
				a.Tags = append(a.Tags, "hand-tag")
			},
			want: nil,
		},
		{
			name:     "scope text change is one step",
			specEdit: [][2]string{{"adminConsentDisplayName: Access the FHIR API }", "adminConsentDisplayName: Use the FHIR API }"}},
			want: []outline{{ID: "applications.fhir-api:update", Paths: []string{
				`oauth2_permission_scopes["user_impersonation"].admin_consent_display_name`,
				`oauth2_permission_scopes["user_impersonation"].admin_consent_description`,
				`oauth2_permission_scopes["user_impersonation"].user_consent_display_name`,
				`oauth2_permission_scopes["user_impersonation"].user_consent_description`,
			}}},
			reason: "the loader defaults the other three texts to the admin display name",
		},
		{
			name:     "removing an enabled role disables it first",
			specEdit: [][2]string{{"      globalExporter: { displayName: FHIR exporter, memberTypes: [Application] }\n", ""}, {"roles: [globalReader, globalExporter]", "roles: [globalReader]"}},
			want: []outline{
				{ID: "applications.fhir-api:disable", Paths: []string{`app_roles["globalExporter"].is_enabled`}},
				{ID: "applications.fhir-api:update", Deps: []string{"applications.fhir-api:disable"}, Paths: []string{"app_roles"},
					Risks: []planner.RiskCode{planner.RiskRoleRemoval}},
				{ID: `applications.exporter:update`, Deps: []string{"applications.fhir-api:update"}, Paths: []string{"required_resource_access"}},
				{ID: `applications.exporter.app_role_assignments["fhir-api/globalExporter"]:delete`},
			},
		},
		{
			name: "removing a disabled scope is one step",
			edit: func(sim *simulated) {
				a := findApp(sim, "fhir-api")
				a.Scopes = append(a.Scopes, tenant.PermissionScope{ID: "bbbbbbbb-0000-4000-8000-000000000002", Value: "old", Type: "User"})
			},
			want: []outline{{ID: "applications.fhir-api:update", Paths: []string{"oauth2_permission_scopes"},
				Risks: []planner.RiskCode{planner.RiskScopeRemoval}}},
		},
		{
			name:     "a pinned id that differs from the live one replaces the scope: disabled first, flagged",
			specEdit: [][2]string{{"user_impersonation: { type: Admin,", "user_impersonation: { id: 2D1C681B-71E0-4F12-9040-D0F42884BE86, type: Admin,"}},
			want: []outline{
				{ID: "applications.fhir-api:disable", Paths: []string{`oauth2_permission_scopes["user_impersonation"].is_enabled`}},
				{ID: "applications.fhir-api:update", Deps: []string{"applications.fhir-api:disable"},
					Paths: []string{`oauth2_permission_scopes["user_impersonation"].id`},
					Risks: []planner.RiskCode{planner.RiskPermissionIDChange}},
				{ID: "applications.portal:update", Deps: []string{"applications.fhir-api:update"}, Paths: []string{"required_resource_access"}},
				{ID: "applications.patient-spa:update", Deps: []string{"applications.fhir-api:update"}, Paths: []string{"required_resource_access"}},
			},
			reason: "the clients request the scope by id, so their requests move to the new one",
		},
		{
			name:     "pinning the live id changes nothing",
			specEdit: [][2]string{{"globalExporter: { displayName:", "globalExporter: { id: " + tenant.StableID("fhir-prod", "fhir-api", "role", "globalExporter") + ", displayName:"}},
			want:     nil,
		},
		{
			name:     "changing a role's member types disables it first",
			specEdit: [][2]string{{"globalExporter: { displayName: FHIR exporter, memberTypes: [Application] }", "globalExporter: { displayName: FHIR exporter, memberTypes: [User, Application] }"}},
			want: []outline{
				{ID: "applications.fhir-api:disable", Paths: []string{`app_roles["globalExporter"].is_enabled`}},
				{ID: "applications.fhir-api:update", Deps: []string{"applications.fhir-api:disable"},
					Paths: []string{`app_roles["globalExporter"].allowed_member_types`}},
			},
		},
		{
			name: "owners, service principal and federated credential drift",
			edit: func(sim *simulated) {
				a := findApp(sim, "ingest")
				a.Owners = []string{"99999999-0000-4000-8000-000000000009"}
				a.FederatedCredentials[0].Subject = "repo:contoso/ingest:ref:refs/heads/dev"
				a.FederatedCredentials = append(a.FederatedCredentials, tenant.FederatedCredential{ID: "fc-x", Name: "stray", Issuer: "https://x", Subject: "y"})
				findSP(sim, "fhir-api").AppRoleAssignmentRequired = false
			},
			want: []outline{
				{ID: "applications.fhir-api.service_principal:update", Paths: []string{"app_role_assignment_required"}},
				{ID: `applications.ingest.owners["5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"]:create`},
				{ID: `applications.ingest.owners["99999999-0000-4000-8000-000000000009"]:delete`},
				{ID: `applications.ingest.federated_credentials["github-main"]:update`, Paths: []string{"subject"}},
				{ID: `applications.ingest.federated_credentials["stray"]:delete`, Risks: []planner.RiskCode{planner.RiskCredentialRemoval}},
			},
		},
		{
			name: "grants and assignments drift",
			edit: func(sim *simulated) {
				portalSP := findSP(sim, "portal").ID
				for i, g := range sim.snap.PermissionGrants {
					if g.ClientID == portalSP && g.ResourceID == graphSPID {
						sim.snap.PermissionGrants[i].Scope = "User.Read openid"
					}
				}
				exporterSP := findSP(sim, "exporter").ID
				var keep []tenant.AppRoleAssignment
				for _, a := range sim.snap.AppRoleAssignments {
					if a.PrincipalID != exporterSP {
						keep = append(keep, a)
					}
				}
				sim.snap.AppRoleAssignments = append(keep, tenant.AppRoleAssignment{ID: "stray", PrincipalID: exporterSP,
					ResourceID: graphSPID, AppRoleID: "df021288-bdef-4463-88db-98f22de89214"})
			},
			want: []outline{
				{ID: `applications.portal.permission_grants["microsoft-graph"]:update`, Paths: []string{"scope"}},
				{ID: `applications.exporter.app_role_assignments["fhir-api/globalReader"]:create`},
				{ID: `applications.exporter.app_role_assignments["fhir-api/globalExporter"]:create`},
				{ID: `applications.exporter.app_role_assignments["microsoft-graph/User.Read.All"]:delete`},
			},
		},
		{
			name:     "an application dropped from the spec is only reported without prune",
			specEdit: [][2]string{{"  patient-spa:\n    kind: public\n    platform: spa\n    displayName: Contoso Patient App\n    redirectUris: [https://patients.contoso.com/callback]\n    access:\n      fhir-api: { scopes: [user_impersonation] }\n", ""}},
			want:     nil,
		},
		{
			name:     "an application dropped from the spec is deleted with prune",
			specEdit: [][2]string{{"  patient-spa:\n    kind: public\n    platform: spa\n    displayName: Contoso Patient App\n    redirectUris: [https://patients.contoso.com/callback]\n    access:\n      fhir-api: { scopes: [user_impersonation] }\n", ""}},
			prune:    true,
			want: []outline{
				{ID: "applications.patient-spa.service_principal:delete"},
				{ID: "applications.patient-spa:delete", Deps: []string{"applications.patient-spa.service_principal:delete"},
					Risks: []planner.RiskCode{planner.RiskApplicationDelete}},
			},
		},
		{
			name: "objects outside the set are never touched",
			edit: func(sim *simulated) {
				sim.snap.Applications = append(sim.snap.Applications, &tenant.Application{ID: "other", AppID: "other-app",
					DisplayName: "Other", Tags: []string{tenant.SetTag("other-set"), tenant.KeyTag("portal")}})
			},
			prune: true,
			want:  nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, sim := converged(t, fhirYAML)
			if tc.edit != nil {
				tc.edit(sim)
			}
			src := fhirYAML
			for _, r := range tc.specEdit {
				if !strings.Contains(src, r[0]) {
					t.Fatalf("spec edit: %q not found", r[0])
				}
				src = strings.Replace(src, r[0], r[1], 1)
			}
			p := compute(t, parseSpec(t, src), sim.snap, planner.Options{Prune: tc.prune})
			if d := cmp.Diff(tc.want, outlineOf(p)); d != "" {
				t.Errorf("%s\nplan (-want +got):\n%s", tc.reason, d)
			}
			for _, a := range p.Actions {
				for _, c := range a.Changes {
					checkChange(t, tc.name, a, c)
				}
			}
			// Whatever the change, executing the plan converges.
			sim.apply(t, p)
			if again := compute(t, parseSpec(t, src), sim.snap, planner.Options{Prune: tc.prune}); !again.Summary.Empty() {
				t.Errorf("after applying, the plan still has %v", actionIDs(again))
			}
		})
	}
}

func TestPruneOffReportsApplication(t *testing.T) {
	_, sim := converged(t, fhirYAML)
	src := strings.Replace(fhirYAML, "  patient-spa:\n", "  patient-spa-renamed:\n", 1)
	p := compute(t, parseSpec(t, src), sim.snap, planner.Options{})
	var got []string
	for _, a := range p.Applications {
		got = append(got, a.Key+"="+a.Status)
	}
	want := []string{"fhir-api=no-op", "portal=no-op", "patient-spa-renamed=create", "exporter=no-op", "ingest=no-op", "patient-spa=prunable"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("applications (-want +got):\n%s", d)
	}
	if len(p.NotesFor("patient-spa")) != 1 {
		t.Errorf("notes = %v, want one for patient-spa", p.Notes)
	}
}

func TestSecrets(t *testing.T) {
	day := 24 * time.Hour
	managed := "regsync:fhir-prod:exporter"
	cred := func(key, name string, start, end time.Time) tenant.PasswordCredential {
		return tenant.PasswordCredential{KeyID: key, DisplayName: name, Start: start, End: end}
	}
	tests := []struct {
		name     string
		creds    []tenant.PasswordCredential
		noSecret bool
		prune    bool
		want     []outline
		notes    int
	}{
		{
			name:  "no managed credential: add",
			creds: nil,
			want:  []outline{{ID: "applications.exporter.secret:create"}},
		},
		{
			name:  "fresh credential: nothing",
			creds: []tenant.PasswordCredential{cred("k1", managed, now.Add(-10*day), now.Add(80*day))},
		},
		{
			name:  "ends within renewBefore (21d): renew",
			creds: []tenant.PasswordCredential{cred("k1", managed, now.Add(-70*day), now.Add(20*day))},
			want:  []outline{{ID: "applications.exporter.secret:renew"}},
		},
		{
			name: "successor younger than overlap: old one kept",
			creds: []tenant.PasswordCredential{cred("k1", managed, now.Add(-80*day), now.Add(10*day)),
				cred("k2", managed, now.Add(-3*day), now.Add(87*day))},
			notes: 1,
		},
		{
			name: "successor older than overlap: old one removed",
			creds: []tenant.PasswordCredential{cred("k1", managed, now.Add(-85*day), now.Add(5*day)),
				cred("k2", managed, now.Add(-8*day), now.Add(82*day))},
			want: []outline{{ID: `applications.exporter.password_credentials["k1"]:delete`, Risks: []planner.RiskCode{planner.RiskCredentialRemoval}}},
		},
		{
			name: "added by hand: reported",
			creds: []tenant.PasswordCredential{cred("k1", managed, now.Add(-10*day), now.Add(80*day)),
				cred("h1", "emergency", now.Add(-10*day), now.Add(80*day))},
			notes: 1,
		},
		{
			name: "added by hand: removed with prune",
			creds: []tenant.PasswordCredential{cred("k1", managed, now.Add(-10*day), now.Add(80*day)),
				cred("h1", "emergency", now.Add(-10*day), now.Add(80*day))},
			prune: true,
			want:  []outline{{ID: `applications.exporter.password_credentials["h1"]:delete`, Risks: []planner.RiskCode{planner.RiskCredentialRemoval}}},
		},
		{
			name:     "spec no longer declares a secret: managed ones removed",
			creds:    []tenant.PasswordCredential{cred("k1", managed, now.Add(-10*day), now.Add(80*day))},
			noSecret: true,
			want:     []outline{{ID: `applications.exporter.password_credentials["k1"]:delete`, Risks: []planner.RiskCode{planner.RiskCredentialRemoval}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, sim := converged(t, fhirYAML)
			app := findApp(sim, "exporter")
			app.PasswordCredentials = tc.creds
			sim.snap.Secrets = nil // no vault metadata read: no vault notes
			src := fhirYAML
			if tc.noSecret {
				src = strings.Replace(src, "    secret: { name: fhir-exporter-secret, lifetime: 90d, renewBefore: 21d }\n", "", 1)
			}
			p := compute(t, parseSpec(t, src), sim.snap, planner.Options{Prune: tc.prune})
			if d := cmp.Diff(tc.want, outlineOf(p)); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
			if got := len(p.NotesFor("exporter")); got != tc.notes {
				t.Errorf("notes = %v, want %d", p.NotesFor("exporter"), tc.notes)
			}
			for _, a := range p.Actions {
				if a.Secret != nil && a.Op == planner.OpCreate && (a.Secret.Vault != "contoso-fhir-kv" || a.Secret.SecretName != "fhir-exporter-secret" || a.Secret.LifetimeSeconds != int64(90*day/time.Second)) {
					t.Errorf("%s: destination %+v", a.ID, a.Secret)
				}
			}
		})
	}
}

func TestCallerIsNeverRemovedAsOwner(t *testing.T) {
	s, sim := converged(t, fhirYAML)
	const caller = "3f2e1d0c-5b4a-4c3d-9e8f-7a6b5c4d3e2f"
	a := findApp(sim, "portal")
	a.Owners = append(a.Owners, caller)
	p := compute(t, s, sim.snap, planner.Options{CallerID: caller})
	want := []planner.Note{{Address: "owners", Message: "the signed-in principal " + caller + " owns portal without being declared; it is kept so regsync keeps access"}}
	if !p.Summary.Empty() || !cmp.Equal(want, p.Notes) {
		t.Errorf("actions %v, notes %v; want none and %v", actionIDs(p), p.Notes, want)
	}
	// Owning several applications is said once, for the whole plan.
	b := findApp(sim, "fhir-api")
	b.Owners = append(b.Owners, caller)
	p = compute(t, s, sim.snap, planner.Options{CallerID: caller})
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0].Message, "owns 2 applications without being declared (") || p.Notes[0].App != "" {
		t.Errorf("notes %v; want one plan-wide note naming 2 applications", p.Notes)
	}
}

// A managed credential that no vault secret carries (an apply stopped
// between addPassword and the vault write, or the secret was deleted) is
// replaced, but only when the vault's metadata was read.
func TestOrphanedSecret(t *testing.T) {
	day := 24 * time.Hour
	managed := "regsync:fhir-prod:exporter"
	cred := func(key string, start, end time.Time) tenant.PasswordCredential {
		return tenant.PasswordCredential{KeyID: key, DisplayName: managed, Start: start, End: end}
	}
	stored := func(name, keyID string) tenant.SecretMeta {
		return tenant.SecretMeta{Vault: "contoso-fhir-kv", Name: name, Enabled: true,
			Tags: map[string]string{tenant.SecretTagKeyID: keyID}}
	}
	const del1 = `applications.exporter.password_credentials["k1"]:delete`
	const del2 = `applications.exporter.password_credentials["k2"]:delete`
	risk := []planner.RiskCode{planner.RiskCredentialRemoval}
	tests := []struct {
		name       string
		creds      []tenant.PasswordCredential
		secrets    []tenant.SecretMeta
		vaultsRead []string
		want       []outline
		reasons    map[string]string // action id → reason
		notes      []string
	}{
		{
			name:       "empty vault that was read: replaced",
			creds:      []tenant.PasswordCredential{cred("k1", now.Add(-10*day), now.Add(80*day))},
			vaultsRead: []string{"Contoso-FHIR-KV"},
			want: []outline{
				{ID: "applications.exporter.secret:create"},
				{ID: del1, Deps: []string{"applications.exporter.secret:create"}, Risks: risk},
			},
			reasons: map[string]string{
				"applications.exporter.secret:create": "client secret k1 has no copy in Key Vault contoso-fhir-kv (no secret there carries key-id k1): nobody can use it, so a new one replaces it",
				del1:                                  "it has no copy in Key Vault contoso-fhir-kv (no secret there carries key-id k1), so nobody can use it",
			},
		},
		{
			name:  "vault not read: nothing known, nothing done",
			creds: []tenant.PasswordCredential{cred("k1", now.Add(-10*day), now.Add(80*day))},
		},
		{
			name:    "vault read (other secrets listed), secret of another credential: replaced",
			creds:   []tenant.PasswordCredential{cred("k1", now.Add(-10*day), now.Add(80*day))},
			secrets: []tenant.SecretMeta{stored("portal-client-secret", "p1")},
			want: []outline{
				{ID: "applications.exporter.secret:create"},
				{ID: del1, Deps: []string{"applications.exporter.secret:create"}, Risks: risk},
			},
		},
		{
			name: "renewal stopped before the vault write: renewed again, orphan removed, stored one kept",
			creds: []tenant.PasswordCredential{cred("k1", now.Add(-80*day), now.Add(10*day)),
				cred("k2", now.Add(-9*day), now.Add(81*day))},
			secrets: []tenant.SecretMeta{stored("fhir-exporter-secret", "k1")},
			want: []outline{
				{ID: "applications.exporter.secret:renew"},
				{ID: del2, Deps: []string{"applications.exporter.secret:renew"}, Risks: risk},
			},
		},
		{
			name: "fresh stored credential and a newer orphan: orphan removed",
			creds: []tenant.PasswordCredential{cred("k1", now.Add(-10*day), now.Add(80*day)),
				cred("k2", now.Add(-1*day), now.Add(89*day))},
			secrets: []tenant.SecretMeta{stored("fhir-exporter-secret", "k1")},
			want:    []outline{{ID: del2, Risks: risk}},
		},
		{
			name:    "stored under another name: kept, with a note",
			creds:   []tenant.PasswordCredential{cred("k1", now.Add(-10*day), now.Add(80*day))},
			secrets: []tenant.SecretMeta{stored("old-exporter-secret", "K1")},
			notes:   []string{"client secret k1 is stored in Key Vault contoso-fhir-kv as old-exporter-secret, not as fhir-exporter-secret; the next renewal writes fhir-exporter-secret"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, sim := converged(t, fhirYAML)
			findApp(sim, "exporter").PasswordCredentials = tc.creds
			sim.snap.Secrets, sim.snap.VaultsRead = tc.secrets, tc.vaultsRead
			p := compute(t, s, sim.snap, planner.Options{})
			var got []outline
			for _, o := range outlineOf(p) {
				if strings.HasPrefix(o.ID, "applications.exporter.") {
					got = append(got, o)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("plan (-want +got):\n%s", d)
			}
			for _, a := range p.Actions {
				if want, ok := tc.reasons[a.ID]; ok && a.Reason != want {
					t.Errorf("%s reason = %q, want %q", a.ID, a.Reason, want)
				}
			}
			var notes []string
			for _, n := range p.NotesFor("exporter") {
				notes = append(notes, n.Message)
			}
			if d := cmp.Diff(tc.notes, notes); d != "" {
				t.Errorf("notes (-want +got):\n%s", d)
			}
			// Applying the plan converges: the new credential is stored.
			sim.apply(t, p)
			if again := compute(t, s, sim.snap, planner.Options{}); len(again.ActionsFor("exporter")) != 0 {
				t.Errorf("second plan: %v", actionIDs(again))
			}
		})
	}
}
