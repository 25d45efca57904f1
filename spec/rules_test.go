package spec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/diag"
)

// header is lines 1-8 of every rule case; base (lines 9-15) is a resource
// the cases' clients call. Case text starts at line 16.
const header = `version: 1
tenant: contoso.onmicrosoft.com
set: fhir
defaults:
  secrets: {vault: contoso-kv}
apis:
  graph: {appId: 00000003-0000-0000-c000-000000000000}
applications:
`

const base = `  api:
    kind: resource
    identifierUris: [api://api.contoso.com]
    scopes: {read: {}}
    appRoles:
      reader: {memberTypes: [Application]}
      user-only: {memberTypes: [User]}
`

// brief renders diagnostics as "LINE:COL address: summary" (warnings marked).
func brief(ds diag.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		w := ""
		if d.Severity == diag.Warning {
			w = "warning: "
		}
		out = append(out, fmt.Sprintf("%d:%d %s: %s%s", d.Pos.Line, d.Pos.Col, d.Address, w, d.Summary))
	}
	return out
}

// ruleCases are appended to header and base; want are the diagnostics in
// brief form. Those without errors also seed the marshalling round trip.
var ruleCases = []struct {
	name string
	doc  string
	want []string
}{
	{"valid clients", `  web:
    kind: confidential
    redirectUris: [https://web.contoso.com/cb, http://localhost:5000/cb, http://127.0.0.1/cb]
    access: {api: {scopes: [read], roles: [reader]}, graph: {scopes: [User.Read]}}
    secret: {}
  spa:
    kind: public
    platform: spa
    redirectUris: [https://spa.contoso.com/cb]
    access: {api: {scopes: [read]}}
  cli:
    kind: public
    platform: desktop
    redirectUris: [myapp://auth, http://localhost]
  svc:
    kind: service
    access: {api: {roles: [reader]}}
    adminConsent: true
    secret: {}
`, nil},
	{"SMART values are scope values", `  smart:
    kind: resource
    identifierUris: [api://smart.contoso.com]
    scopes:
      patient.Observation.rs?code=loinc.org|85354-9: {}
      launch/patient: {}
      fhirUser: {}
  viewer:
    kind: public
    platform: spa
    redirectUris: [https://viewer.contoso.com/cb]
    access:
      smart:
        scopes:
          - patient.Observation.rs?code=loinc.org|85354-9
          - launch/patient
  viewer2:
    kind: public
    platform: spa
    redirectUris: [https://viewer2.contoso.com/cb]
    access: {smart: {scopes: ["patient.Observation.rs?code=loinc.org|85354-9", fhirUser]}}
`, nil},
	{"confidential client with SPA and mobile/desktop redirect URIs", `  web:
    kind: confidential
    secret: {}
    redirectUris: [https://web.contoso.com/signin-oidc]
    spaRedirectUris: [https://web.contoso.com/spa, http://localhost:3000, "myapp://spa", http://web.contoso.com/spa]
    publicClientRedirectUris: [msauth.com.contoso.web://auth, http://localhost, "https://login.microsoftonline.com/common/oauth2/nativeclient"]
`, []string{
		`20:75 applications.web.spaRedirectUris[2]: redirect URI "myapp://spa" uses scheme myapp`,
		`20:90 applications.web.spaRedirectUris[3]: redirect URI "http://web.contoso.com/spa" uses http on a host other than localhost`,
	}},
	{"other platforms' URIs only on a confidential client", `  spa:
    kind: public
    platform: spa
    spaRedirectUris: [https://spa.contoso.com]
  svc:
    kind: service
    secret: {}
    publicClientRedirectUris: [http://localhost]
  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    spaRedirectUris: [https://api2.contoso.com]
`, []string{
		`19:5 applications.spa.spaRedirectUris: a public application cannot have spaRedirectUris`,
		`23:5 applications.svc.publicClientRedirectUris: a service application cannot have publicClientRedirectUris`,
		`27:5 applications.api2.spaRedirectUris: a resource application cannot have spaRedirectUris`,
	}},
	{"access to unknown resource", `  web:
    kind: confidential
    secret: {}
    access: {nope: {scopes: [read]}}
`, []string{`19:14 applications.web.access.nope: access names unknown resource "nope"`}},
	{"access to a non-resource", `  web:
    kind: confidential
    secret: {}
  svc:
    kind: service
    secret: {}
    access: {web: {roles: [x]}}
`, []string{`22:14 applications.svc.access.web: access names web, which is not a resource`, `22:14 applications.svc.access.web: warning: svc asks for roles on web without adminConsent`}},
	{"api clients", `  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    scopes: {read: {}}
    acceptMappedClaims: true
    knownClientApplications: [web, graph, wbe]
    preAuthorizedApplications: {web: [read, write], api2: [read], graph: [read]}
  web:
    kind: confidential
    secret: {}
    acceptMappedClaims: true
    preAuthorizedApplications: {api: [read]}
`, []string{
		`21:43 applications.api2.knownClientApplications[2]: unknown client "wbe"`,
		`22:45 applications.api2.preAuthorizedApplications.web[1]: api2 has no scope "write"`,
		"22:53 applications.api2.preAuthorizedApplications.api2: api2 names itself",
		"26:5 applications.web.acceptMappedClaims: a confidential application cannot have acceptMappedClaims",
		"27:5 applications.web.preAuthorizedApplications: a confidential application cannot have preAuthorizedApplications",
	}},
	{"access to itself", `  web:
    kind: confidential
    secret: {}
    access: {web: {scopes: [x]}}
`, []string{`19:14 applications.web.access.web: web asks for access to itself`}},
	{"access asks for nothing", `  web:
    kind: confidential
    secret: {}
    access: {api: {}}
`, []string{`19:14 applications.web.access.api: access to api asks for nothing`}},
	{"unknown scope and role", `  svc:
    kind: service
    secret: {}
    adminConsent: true
    access: {api: {roles: [reader, writer]}}
  web:
    kind: confidential
    secret: {}
    access: {api: {scopes: [write]}}
`, []string{
		`20:36 applications.svc.access.api.roles[1]: api has no app role "writer"`,
		`24:29 applications.web.access.api.scopes[0]: api has no scope "write"`,
	}},
	{"role not for applications", `  svc:
    kind: service
    secret: {}
    adminConsent: true
    access: {api: {roles: [user-only]}}
`, []string{`20:28 applications.svc.access.api.roles[0]: app role "user-only" of api cannot be given to applications`}},
	{"names on external apis are not checked here", `  svc:
    kind: service
    secret: {}
    adminConsent: true
    access: {graph: {roles: [Anything.Goes]}}
`, nil},
	{"public client: no secret, no roles, no federated credential, needs platform", `  spa:
    kind: public
    secret: {}
    federatedCredentials:
      gh: {issuer: https://token.actions.githubusercontent.com, subject: repo:a/b:ref:refs/heads/main}
    access: {api: {roles: [reader]}}
`, []string{
		`16:3 applications.spa.platform: public client spa has no platform`,
		`18:5 applications.spa.secret: a public application cannot have secret`,
		`19:5 applications.spa.federatedCredentials: a public application cannot have federatedCredentials`,
		`21:20 applications.spa.access.api.roles: a public client cannot ask for application roles`,
	}},
	{"service client: no redirect URIs, no delegated scopes", `  svc:
    kind: service
    secret: {}
    redirectUris: [https://svc.contoso.com]
    access: {api: {scopes: [read]}}
`, []string{
		`19:5 applications.svc.redirectUris: a service application cannot have redirectUris`,
		`20:20 applications.svc.access.api.scopes: a service client cannot use delegated scopes`,
	}},
	{"kind-specific fields", `  web:
    kind: confidential
    platform: spa
    scopes: {x: {}}
    identifierUris: [api://web.contoso.com]
    secret: {}
  svc:
    kind: service
    homePageUrl: https://svc.contoso.com
    implicitGrant: {idTokens: true}
    secret: {}
  app:
    kind: public
    platform: mobile
    implicitGrant: {idTokens: true}
    requestedAccessTokenVersion: 2
`, []string{
		`18:5 applications.web.platform: a confidential application cannot have platform`,
		`19:5 applications.web.scopes: a confidential application cannot have scopes`,
		`20:5 applications.web.identifierUris: a confidential application cannot have identifierUris`,
		`24:5 applications.svc.homePageUrl: a service application cannot have homePageUrl`,
		`25:5 applications.svc.implicitGrant: a service application cannot have implicitGrant`,
		`30:5 applications.app.implicitGrant: a mobile client cannot use the implicit grant`,
		`31:5 applications.app.requestedAccessTokenVersion: a public application cannot have requestedAccessTokenVersion`,
	}},
	{"resource needs an identifier URI and has no redirect URIs", `  api2:
    kind: resource
    redirectUris: [https://x.contoso.com]
`, []string{
		`16:3 applications.api2.identifierUris: resource api2 has no identifierUris`,
		`18:5 applications.api2.redirectUris: a resource application cannot have redirectUris`,
	}},
	{"http only for localhost", `  web:
    kind: confidential
    secret: {}
    redirectUris: [http://web.contoso.com/cb, http://localhost.evil.com/cb]
`, []string{
		`19:20 applications.web.redirectUris[0]: redirect URI "http://web.contoso.com/cb" uses http on a host other than localhost`,
		`19:47 applications.web.redirectUris[1]: redirect URI "http://localhost.evil.com/cb" uses http on a host other than localhost`,
	}},
	{"spa and web URIs are https", `  spa:
    kind: public
    platform: spa
    redirectUris: [myapp://cb, https:cb]
`, []string{
		`19:20 applications.spa.redirectUris[0]: redirect URI "myapp://cb" uses scheme myapp`,
		`19:32 applications.spa.redirectUris[1]: redirect URI "https:cb" has no host`,
	}},
	{"query in redirect URI with personal accounts", `  spa:
    kind: public
    platform: spa
    signInAudience: PersonalMicrosoftAccount
    redirectUris: ["https://spa.contoso.com/cb?x=1"]
`, []string{`20:20 applications.spa.redirectUris[0]: redirect URI "https://spa.contoso.com/cb?x=1" has a query, and personal accounts may sign in`}},
	{"identifier URIs unique and well formed", `  api2:
    kind: resource
    identifierUris: [api://API.contoso.com, "https://x.contoso.com/a?b=c", "https://u@x.contoso.com"]
`, []string{
		`18:22 applications.api2.identifierUris[0]: identifier URI "api://API.contoso.com" is used twice`,
		`18:45 applications.api2.identifierUris[1]: identifier URI "https://x.contoso.com/a?b=c" has a query or fragment`,
		`18:76 applications.api2.identifierUris[2]: identifier URI "https://u@x.contoso.com" has a user name or password (user@host)`,
	}},
	{"scope and role share a namespace", `  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    scopes: {Data.Read: {}, data.read: {}}
    appRoles:
      DATA.READ: {memberTypes: [User]}
`, []string{
		`19:29 applications.api2.scopes["data.read"]: scope "data.read" is defined twice`,
		`21:7 applications.api2.appRoles["DATA.READ"]: app role "DATA.READ" has the value of a scope`,
	}},
	{"pinned ids", `  proxy:
    kind: resource
    identifierUris: [api://fhir-proxy.contoso.com]
    appRoles:
      Writer: {id: 2D1C681B-71E0-4F12-9040-D0F42884BE86, memberTypes: [User, Application]}
      Reader: {id: 24c50db1-1e11-4273-b6a0-b697f734bcb4, memberTypes: [User, Application]}
      Auditor: {memberTypes: [User]}
`, nil},
	{"pinned ids unique in the application", `  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    scopes:
      read: {id: 11111111-1111-4111-8111-111111111111}
    appRoles:
      Writer: {id: 22222222-2222-4222-8222-222222222222, memberTypes: [Application]}
      Reader: {id: 22222222-2222-4222-8222-222222222222, memberTypes: [Application]}
      Other: {id: 11111111-1111-4111-8111-111111111111, memberTypes: [Application]}
`, []string{
		`23:20 applications.api2.appRoles.Reader.id: id 22222222-2222-4222-8222-222222222222 is pinned twice`,
		`24:19 applications.api2.appRoles.Other.id: id 11111111-1111-4111-8111-111111111111 is pinned twice`,
	}},
	{"a scope and a role as one permission", `  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    scopes:
      offline_access: {id: 33333333-3333-4333-8333-333333333333, type: Admin, adminConsentDisplayName: Offline, userConsentDisplayName: Stay signed in}
      export: {id: 44444444-4444-4444-8444-444444444444}
      import: {}
      purge: {id: 55555555-5555-4555-8555-555555555555}
    appRoles:
      offline_access: {id: 33333333-3333-4333-8333-333333333333, displayName: Offline, memberTypes: [Application]}
      export: {id: 66666666-6666-4666-8666-666666666666, memberTypes: [Application]}
      import: {memberTypes: [Application]}
      purge: {id: 55555555-5555-4555-8555-555555555555, displayName: Purge, memberTypes: [Application]}
`, []string{
		`26:7 applications.api2.appRoles.export: app role "export" has the value of a scope`,
		`27:7 applications.api2.appRoles.import: app role "import" has the value of a scope`,
		`28:7 applications.api2.appRoles.purge: app role "purge" has the value of a scope`,
	}},
	{"durations", `  svc:
    kind: service
    secret: {lifetime: 0d, renewBefore: 40d, overlap: 50d}
`, []string{
		`18:5 applications.svc.secret: overlap must be shorter than renewBefore`,
		`18:24 applications.svc.secret.lifetime: invalid duration: duration "0d" is zero`,
	}},
	{"renewBefore against lifetime", `  svc:
    kind: service
    secret: {lifetime: 30d}
`, []string{`18:5 applications.svc.secret: renewBefore must be shorter than lifetime`}},
	{"secret needs a vault", `  svc:
    kind: service
    secret: {vault: a--b}
  svc2:
    kind: service
    secret: {name: svc-client-secret}
`, []string{
		`18:21 applications.svc.secret.vault: invalid Key Vault name "a--b"`,
	}},
	{"secret names unique per vault", `  svc:
    kind: service
    secret: {}
  svc2:
    kind: service
    secret: {name: SVC-client-secret}
`, []string{`21:5 applications.svc2.secret: secret name "SVC-client-secret" is used twice in vault contoso-kv`}},
	{"reserved tags", `  svc:
    kind: service
    secret: {}
    tags: [team-a, "regsync:set=other"]
`, []string{`19:20 applications.svc.tags[1]: tag "regsync:set=other" uses the reserved prefix regsync:`}},
	{"adminConsent needs access", `  svc:
    kind: service
    secret: {}
    adminConsent: true
`, []string{`19:5 applications.svc.adminConsent: adminConsent without access`}},
	{"adminConsent per part", `  svc:
    kind: service
    secret: {}
    access: {api: {roles: [reader]}}
    adminConsent: {roles: true}
  web:
    kind: confidential
    secret: {}
    access: {api: {scopes: [read], roles: [reader]}}
    adminConsent: {scopes: true, roles: false}
  svc2:
    kind: service
    secret: {}
    access: {api: {roles: [reader]}}
    adminConsent: {scopes: true}
  spa:
    kind: public
    platform: spa
    access: {api: {scopes: [read]}}
    adminConsent: {scopes: false, roles: true}
  svc3:
    kind: service
    secret: {}
    adminConsent: {}
`, []string{
		`29:14 applications.svc2.access.api: warning: svc2 asks for roles on api without adminConsent`,
		`30:20 applications.svc2.adminConsent.scopes: adminConsent.scopes without delegated scopes in access`,
		`35:35 applications.spa.adminConsent.roles: adminConsent.roles without roles in access`,
	}},
	{"personal accounts need v2 tokens", `  api2:
    kind: resource
    signInAudience: AzureADandPersonalMicrosoftAccount
    identifierUris: [api://api2.contoso.com]
`, []string{`16:3 applications.api2.requestedAccessTokenVersion: api2 allows personal accounts but does not ask for v2 tokens`}},
	{"federated credential pairs unique", `  svc:
    kind: service
    federatedCredentials:
      one: {issuer: https://token.actions.githubusercontent.com, subject: repo:a/b:ref:refs/heads/main}
      two: {issuer: https://token.actions.githubusercontent.com, subject: repo:a/b:ref:refs/heads/main}
`, []string{`20:7 applications.svc.federatedCredentials.two: federated credential two repeats an issuer and subject`}},
	{"federated credential description without regsync's record", `  svc:
    kind: service
    federatedCredentials:
      one: {issuer: https://token.actions.githubusercontent.com, subject: repo:a/b:ref:refs/heads/main, description: "Job regsync:added=2026-01-01T00:00:00Z"}
`, []string{`19:118 applications.svc.federatedCredentials.one.description: the description of federated credential one holds regsync:added=, which is reserved`}},
	{"credential missing is a warning", `  svc:
    kind: service
`, []string{`16:3 applications.svc: warning: service client svc has no secret, no certificate and no federated credential`}},
	{"appIds unique", `  adopted:
    kind: service
    appId: 00000003-0000-0000-C000-000000000000
    secret: {}
`, []string{`18:12 applications.adopted.appId: appId 00000003-0000-0000-C000-000000000000 is used twice`}},
	{"no user name or password in any URI", `  web:
    kind: confidential
    secret: {}
    redirectUris: ["https://login.contoso.com@evil.example/cb", "http://a:b@localhost:5000/cb"]
    spaRedirectUris: ["https://user@spa.contoso.com/"]
    publicClientRedirectUris: ["myapp://me@callback"]
    homePageUrl: "https://www.contoso.com@evil.example/"
    logoutUrl: "https://u:p@web.contoso.com/logout"
    federatedCredentials:
      gh: {issuer: "https://token.actions.githubusercontent.com@evil.example", subject: repo:a/b:ref:refs/heads/main}
  mobile:
    kind: public
    platform: mobile
    redirectUris: ["msauth.com.contoso.app://x@auth"]
  api2:
    kind: resource
    identifierUris: ["api://me@api2.contoso.com"]
`, []string{
		`19:20 applications.web.redirectUris[0]: redirect URI "https://login.contoso.com@evil.example/cb" has a user name or password (user@host)`,
		`19:65 applications.web.redirectUris[1]: redirect URI "http://a:b@localhost:5000/cb" has a user name or password (user@host)`,
		`20:23 applications.web.spaRedirectUris[0]: redirect URI "https://user@spa.contoso.com/" has a user name or password (user@host)`,
		`21:32 applications.web.publicClientRedirectUris[0]: redirect URI "myapp://me@callback" has a user name or password (user@host)`,
		`22:18 applications.web.homePageUrl: homePageUrl "https://www.contoso.com@evil.example/" has a user name or password (user@host)`,
		`23:16 applications.web.logoutUrl: logoutUrl "https://u:p@web.contoso.com/logout" has a user name or password (user@host)`,
		`25:20 applications.web.federatedCredentials.gh.issuer: issuer "https://token.actions.githubusercontent.com@evil.example" has a user name or password (user@host)`,
		`29:20 applications.mobile.redirectUris[0]: redirect URI "msauth.com.contoso.app://x@auth" has a user name or password (user@host)`,
		`32:22 applications.api2.identifierUris[0]: identifier URI "api://me@api2.contoso.com" has a user name or password (user@host)`,
	}},
	{"certificates: beside a secret, instead of one, on a resource", `  exporter:
    kind: service
    secret: {}
    certificate: {}
  loader:
    kind: service
    certificate: {name: loader-cert, lifetime: 365d, renewBefore: 60d, overlap: 14d, subject: "CN=loader, OU=Imaging\\, Radiology, O=Contoso", keySize: 4096, exportable: false}
  api2:
    kind: resource
    identifierUris: [api://api2.contoso.com]
    certificate: {vault: other-kv}
`, nil},
	{"certificate rules", `  spa:
    kind: public
    platform: spa
    certificate: {}
  svc:
    kind: service
    certificate: {lifetime: 20d, renewBefore: 10d, overlap: 2d, subject: "OU=x"}
  svc2:
    kind: service
    secret: {name: shared}
    certificate: {name: shared, keySize: 1024}
  svc3:
    kind: service
    certificate: {name: SHARED, renewBefore: 200d}
`, []string{
		`19:5 applications.spa.certificate: a public application cannot have certificate`,
		`22:29 applications.svc.certificate.lifetime: certificate lifetime 20d is shorter than a month`,
		`22:74 applications.svc.certificate.subject: invalid certificate subject "OU=x": no CN`,
		`26:5 applications.svc2.certificate: certificate name "shared" is a secret's name in vault contoso-kv`,
		`26:42 applications.svc2.certificate.keySize: applications.svc2.certificate.keySize must be one of 2048, 3072, 4096, not 1024`,
		`29:5 applications.svc3.certificate: certificate name "SHARED" is used twice in vault contoso-kv`,
		`29:5 applications.svc3.certificate: renewBefore must be shorter than lifetime`,
	}},
	{"api and application keys differ", `  graph:
    kind: service
    secret: {}
`, []string{`7:3 apis.graph: "graph" is both an api and an application`}},
	{"azure roles", `  loader:
    kind: service
    secret: {}
    azureRoles: {dicom: [DICOM Data Owner]}
  viewer:
    kind: public
    platform: spa
    redirectUris: [https://viewer.contoso.com/cb]
    access: {api: {scopes: [read]}}
    azureRoles: {dicom: [DICOM Data Reader]}
  typo:
    kind: service
    secret: {}
    azureRoles: {dicon: [DICOM Data Reader]}
azureResources:
  dicom:
    id: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/dicomservices/dicom
    roles:
      DICOM Data Reader: {users: [00000000-0000-0000-0000-0000000000a1], groups: [00000000-0000-0000-0000-0000000000b1]}
      DICOM Data Owner: {}
  again:
    id: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/dicomservices/DICOM
`, []string{
		`25:18 applications.viewer.azureRoles.dicom: warning: viewer calls with delegated scopes only; its own Azure role on dicom does not authorize its users`,
		`29:18 applications.typo.azureRoles.dicon: azureRoles names unknown Azure resource "dicon"`,
		`35:7 azureResources.dicom.roles["DICOM Data Owner"]: role "DICOM Data Owner" on dicom names no one`,
		`37:9 azureResources.again.id: Azure resource /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/dicomservices/DICOM is named twice`,
	}},
	{"azure roles for users only", `  loader:
    kind: service
    secret: {}
azureResources:
  fhir:
    id: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws/fhirservices/fhir
    roles:
      FHIR Data Reader: {groups: [00000000-0000-0000-0000-0000000000b1]}
`, nil},
	{"azure resource id is an ARM id", `  loader:
    kind: service
    secret: {}
azureResources:
  fhir: {id: https://ws-fhir.fhir.azurehealthcareapis.com}
`, []string{`20:14 azureResources.fhir.id: "https://ws-fhir.fhir.azurehealthcareapis.com" is not a valid value`}},
	{"role members", `  people:
    kind: resource
    identifierUris: [api://people.contoso.com]
    appRoles:
      reader:
        memberTypes: [User]
        members:
          users: [alice@contoso.com, 0b1c2d3e-0000-4000-8000-000000000001]
          groups: [FHIR Readers]
`, nil},
	{"role members need User, an enabled role, distinct names and UPNs", `  people:
    kind: resource
    identifierUris: [api://people.contoso.com]
    appRoles:
      apps:
        memberTypes: [Application]
        members: {users: [alice@contoso.com]}
      off:
        memberTypes: [User]
        enabled: false
        members: {groups: [G]}
      dup:
        memberTypes: [User]
        members:
          users: [alice@contoso.com, Alice@Contoso.com, alice]
          groups: [G, g]
`, []string{
		`22:9 applications.people.appRoles.apps.members: app role "apps" names users or groups but its memberTypes do not include User`,
		`26:9 applications.people.appRoles.off.members: app role "off" is disabled but names members`,
		`30:38 applications.people.appRoles.dup.members.users[1]: user "Alice@Contoso.com" is listed twice`,
		`30:57 applications.people.appRoles.dup.members.users[2]: "alice" is neither a userPrincipalName nor an object id`,
		`31:23 applications.people.appRoles.dup.members.groups[1]: group "g" is listed twice`,
	}},
}

func TestSemanticRules(t *testing.T) {
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := Parse("r.yaml", []byte(header+base+tc.doc))
			if diff := cmp.Diff(tc.want, brief(ds)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nfull:\n%s", diff, ds.Format())
			}
		})
	}
}

// TestUserinfoDetail: the detail names the host the URI really goes to and
// gives the URI without the user part.
func TestUserinfoDetail(t *testing.T) {
	doc := header + base + `  web:
    kind: confidential
    secret: {}
    redirectUris: ["https://login.contoso.com:pw@evil.example:8443/cb?x=@y"]
`
	_, ds := Parse("r.yaml", []byte(doc))
	if len(ds) != 1 {
		t.Fatalf("want one diagnostic, got:\n%s", ds.Format())
	}
	want := "The part before @ is a user name, not the host; the host is evil.example:8443. Remove the user part: https://evil.example:8443/cb?x=@y"
	if diff := cmp.Diff(want, ds[0].Detail); diff != "" {
		t.Errorf("detail (-want +got):\n%s", diff)
	}
}

func TestSecretWithoutVault(t *testing.T) {
	doc := strings.Replace(header, "  secrets: {vault: contoso-kv}\n", "  owners: []\n", 1) + base + `  svc:
    kind: service
    secret: {}
`
	_, ds := Parse("r.yaml", []byte(doc))
	want := []string{`18:5 applications.svc.secret: secret of svc has no vault`}
	if diff := cmp.Diff(want, brief(ds)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDefaultPolicyChecked(t *testing.T) {
	doc := strings.Replace(header, "{vault: contoso-kv}", "{vault: contoso-kv, lifetime: 10d}", 1) + base
	_, ds := Parse("r.yaml", []byte(doc))
	want := []string{`5:3 defaults.secrets: renewBefore must be shorter than lifetime`}
	if diff := cmp.Diff(want, brief(ds)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
