package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSchemaErrorPositions checks that schema violations land on the YAML
// node their JSON pointer names: an unknown property at its key, a missing
// one at the mapping, a bad name at the name, anything else at the value.
func TestSchemaErrorPositions(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"unknown property at its key, with a suggestion", header + base + `  web:
    kind: confidential
    secret: {}
    redirectUri: [https://x.contoso.com]
`, []string{`19:5 applications.web.redirectUri: unknown property "redirectUri" in applications.web`}},
		{"role members: known fields, names not empty", header + base + `  people:
    kind: resource
    identifierUris: [api://people.contoso.com]
    appRoles:
      reader:
        memberTypes: [User]
        members: {user: [alice@contoso.com], groups: [""]}
`, []string{
			`22:19 applications.people.appRoles.reader.members.user: unknown property "user" in applications.people.appRoles.reader.members`,
			`22:55 applications.people.appRoles.reader.members.groups[0]: applications.people.appRoles.reader.members.groups[0] is empty`,
		}},
		{"missing property at the mapping", header + base + `  web:
    displayName: Web
`, []string{`17:5 applications.web.kind: applications.web is missing kind`}},
		{"bad key name at the key", header + base + `  Web_App:
    kind: service
    secret: {}
`, []string{`16:3 applications.Web_App: "Web_App" is not a valid name in applications`}},
		{"enum", header + base + `  web:
    kind: daemon
`, []string{`17:11 applications.web.kind: applications.web.kind must be one of resource, confidential, public, service, not "daemon"`}},
		{"version const", "version: 2\ntenant: contoso.com\nset: a\napplications: {a: {kind: service, secret: {vault: kv-one}}}\n",
			[]string{`1:10 version: version must be 1, not 2`}},
		{"pattern with the def's name", header + base + `  svc:
    kind: service
    owners: [not-a-guid]
    secret: {lifetime: 3 weeks}
`, []string{
			`18:14 applications.svc.owners[0]: "not-a-guid" is not a valid GUID`,
			`19:24 applications.svc.secret.lifetime: "3 weeks" is not a valid duration`,
		}},
		{"ignoreCredentials: key ids, once each", header + base + `  svc:
    kind: service
    secret: {}
    ignoreCredentials: [5b9a2c6e-62a4-4d3b-9c1f-2d8e7f6a5b4c, thumbprint, 5b9a2c6e-62a4-4d3b-9c1f-2d8e7f6a5b4c]
`, []string{
			`19:63 applications.svc.ignoreCredentials[1]: "thumbprint" is not a valid GUID`,
			`19:75 applications.svc.ignoreCredentials[2]: "5b9a2c6e-62a4-4d3b-9c1f-2d8e7f6a5b4c" appears twice in applications.svc.ignoreCredentials`,
		}},
		{"tenant pattern", "version: 1\ntenant: not a domain\nset: a\napplications: {a: {kind: service, secret: {vault: kv-one}}}\n",
			[]string{`2:9 tenant: "not a domain" is not a valid tenant id or domain`}},
		{"duplicate list item at the second one", header + base + `  web:
    kind: confidential
    secret: {}
    redirectUris: [https://a.contoso.com, https://a.contoso.com]
`, []string{`19:43 applications.web.redirectUris[1]: "https://a.contoso.com" appears twice in applications.web.redirectUris`}},
		{"redirect URI characters and wildcard", header + base + `  web:
    kind: confidential
    secret: {}
    redirectUris: ["https://*.contoso.com", "https://a.contoso.com/(x)"]
`, []string{
			`19:20 applications.web.redirectUris[0]: "https://*.contoso.com" is not a valid redirect URI`,
			`19:45 applications.web.redirectUris[1]: "https://a.contoso.com/(x)" is not a valid redirect URI`,
		}},
		{"scope value characters", header + base + `  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    scopes:
      "read data": {}
      ".hidden": {}
      "naïve": {}
      'back\slash': {}
      'say"hi"': {}
      patient.Observation.rs?code=loinc.org|85354-9: {}
      "launch/patient": {}
      "a<b>c` + "`" + `d{e}f[g]h~i^j@k=l;m:n": {}
      "!#$%&'()*+,-./": {}
      x.: {}
`, []string{
			`20:7 applications.api2.scopes["read data"]: "read data" is not a valid scope or role value in applications.api2.scopes`,
			`21:7 applications.api2.scopes[".hidden"]: ".hidden" is not a valid scope or role value in applications.api2.scopes`,
			`22:7 applications.api2.scopes["naïve"]: "naïve" is not a valid scope or role value in applications.api2.scopes`,
			`23:7 applications.api2.scopes["back\\slash"]: "back\\slash" is not a valid scope or role value in applications.api2.scopes`,
			`24:7 applications.api2.scopes["say\"hi\""]: "say\"hi\"" is not a valid scope or role value in applications.api2.scopes`,
		}},
		{"value of 120 characters, not 121", header + base + `  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    scopes: {` + longName[:120] + `: {}}
    appRoles: {` + longName + `: {memberTypes: [User]}}
`, []string{
			`20:16 applications.api2.appRoles.` + longName + `: "` + longName[:60] + `…" is not a valid scope or role value in applications.api2.appRoles`,
		}},
		{"adminConsent is a boolean or a mapping of scopes and roles", header + base + `  svc:
    kind: service
    secret: {}
    access: {api: {roles: [reader]}}
    adminConsent: yes please
  svc2:
    kind: service
    secret: {}
    access: {api: {roles: [reader]}}
    adminConsent: {role: true}
`, []string{
			`19:14 applications.svc.access.api: warning: svc asks for roles on api without adminConsent`,
			`20:19 applications.svc.adminConsent: applications.svc.adminConsent must be a boolean or mapping, not a string`,
			`24:14 applications.svc2.access.api: warning: svc2 asks for roles on api without adminConsent`,
			`25:20 applications.svc2.adminConsent.role: unknown property "role" in applications.svc2.adminConsent`,
		}},
		{"vault and secret names", header + base + `  svc:
    kind: service
    secret: {vault: kv, name: my_secret}
`, []string{
			`18:21 applications.svc.secret.vault: "kv" is not a valid Key Vault name`,
			`18:31 applications.svc.secret.name: "my_secret" is not a valid Key Vault secret name`,
		}},
		{"too long display name", header + base + "  svc:\n    kind: service\n    secret: {}\n    displayName: " + string(make([]byte, 0)) + longName + "\n",
			[]string{`19:18 applications.svc.displayName: applications.svc.displayName is too long: at most 120, but got 121`}},
		{"federated credential description over 560 (Graph's 600 less regsync's record)", header + base + "  svc:\n    kind: service\n    federatedCredentials:\n      gh: {issuer: https://token.actions.githubusercontent.com, subject: repo, description: " + strings.Repeat("é", 561) + "}\n",
			[]string{`19:93 applications.svc.federatedCredentials.gh.description: applications.svc.federatedCredentials.gh.description is too long: at most 560, but got 561`}},
		{"empty applications", "version: 1\ntenant: contoso.com\nset: a\napplications: {}\n",
			[]string{`4:15 applications: applications has too few entries: minimum 1 properties allowed, but found 0 properties`}},
		{"wrong type", header + base + `  svc:
    kind: service
    secret: true
`, []string{
			`16:3 applications.svc: warning: service client svc has no secret, no certificate and no federated credential`,
			`18:13 applications.svc.secret: applications.svc.secret must be a mapping, not a boolean`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Parse("s.yaml", []byte(tc.doc))
			if diff := cmp.Diff(tc.want, brief(ds)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nfull:\n%s", diff, ds.Format())
			}
		})
	}
}

var longName = func() string {
	b := make([]byte, 121)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}()

func TestUnknownPropertySuggestion(t *testing.T) {
	_, ds := Parse("s.yaml", []byte(header+base+"  web:\n    kind: confidential\n    secret: {}\n    redirectUri: []\n"))
	if len(ds) != 1 {
		t.Fatalf("got %d diagnostics:\n%s", len(ds), ds.Format())
	}
	want := "Did you mean redirectUris? Valid properties here: acceptMappedClaims, access, adminConsent, appId, appRoleAssignmentRequired, appRoles, azureRoles, certificate, description, displayName, federatedCredentials, groupMembershipClaims, homePageUrl, identifierUris, ignoreCredentials, implicitGrant, kind, knownClientApplications, logoutUrl, notes, optionalClaims, owners, platform, preAuthorizedApplications, publicClientRedirectUris, redirectUris, requestedAccessTokenVersion, scopes, secret, signInAudience, spaRedirectUris, tags."
	if diff := cmp.Diff(want, ds[0].Detail); diff != "" {
		t.Errorf("detail (-want +got):\n%s", diff)
	}
}
