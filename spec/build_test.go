package spec

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regsync/regsync/diag"
)

// full uses every field of the format once.
const full = `version: 1
tenant: 7d3f4c2a-9b1e-4f6a-8c5d-2e1b0a9f8c7d
set: all-fields
cloud: usgov
defaults:
  owners: [5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60]
  signInAudience: AzureADMultipleOrgs
  secrets: {vault: contoso-kv, lifetime: 90d, renewBefore: 1d12h, overlap: 1h30m}
apis:
  graph: {appId: 00000003-0000-0000-c000-000000000000}
applications:
  api:
    kind: resource
    appId: 11111111-2222-3333-4444-555555555555
    displayName: The API
    description: An API.
    notes: Some notes.
    signInAudience: AzureADMyOrg
    owners: []
    tags: [team-a]
    identifierUris: [https://api.contoso.com]
    requestedAccessTokenVersion: 2
    scopes:
      read:
        type: Admin
        adminConsentDisplayName: Read
        adminConsentDescription: Read things.
        userConsentDisplayName: Read yours
        userConsentDescription: Read your things.
        enabled: false
      write: {}
    appRoles:
      reader: {memberTypes: [User, Application], displayName: Reader, description: Reads., enabled: true}
      old: {memberTypes: [User], enabled: false}
    appRoleAssignmentRequired: true
    groupMembershipClaims: SecurityGroup
    optionalClaims:
      idToken: [{name: email}]
      accessToken: [{name: groups, essential: true, additionalProperties: [emit_as_roles]}]
      saml2Token: [{name: extn.dept, source: user}]
  web:
    kind: confidential
    redirectUris: [https://web.contoso.com/cb]
    homePageUrl: https://web.contoso.com
    logoutUrl: https://web.contoso.com/logout
    implicitGrant: {idTokens: true, accessTokens: false}
    access: {api: {scopes: [read], roles: [reader]}}
    adminConsent: true
    secret: {vault: other-kv, name: web-secret, lifetime: 30d, renewBefore: 10d, overlap: 2d}
  spa:
    kind: public
    platform: spa
    redirectUris: [https://spa.contoso.com]
  cli:
    kind: public
    platform: desktop
    redirectUris: [http://localhost]
  svc:
    kind: service
    access: {graph: {roles: [User.Read.All]}}
    adminConsent: true
    secret: {}
    federatedCredentials:
      gh: {issuer: https://token.actions.githubusercontent.com, subject: "repo:a/b:ref:refs/heads/main", description: CI}
      k8s: {issuer: https://oidc.example.com, subject: system:serviceaccount:ns:sa, audiences: [api://custom]}
`

func ptr[T any](v T) *T { return &v }

// TestParseFields proves every field of the format is read, with defaults
// folded in.
func TestParseFields(t *testing.T) {
	got, ds := Parse("full.yaml", []byte(full))
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	owner := []string{"5d7e2f3a-8b1c-4d6e-9f0a-1b2c3d4e5f60"}
	want := &Spec{
		File:    "full.yaml",
		Version: 1,
		Tenant:  "7d3f4c2a-9b1e-4f6a-8c5d-2e1b0a9f8c7d",
		Set:     "all-fields",
		Cloud:   CloudUSGov,
		Defaults: Defaults{
			Owners:         owner,
			SignInAudience: "AzureADMultipleOrgs",
			Secrets:        SecretPolicy{Vault: "contoso-kv", Lifetime: 90 * Day, RenewBefore: 36 * time.Hour, Overlap: 90 * time.Minute},
		},
		APIs: []*API{{Key: "graph", AppID: "00000003-0000-0000-c000-000000000000"}},
		Applications: []*Application{
			{
				Key: "api", Kind: KindResource, AppID: "11111111-2222-3333-4444-555555555555",
				DisplayName: "The API", Description: ptr("An API."), Notes: ptr("Some notes."),
				SignInAudience: "AzureADMyOrg", Owners: []string{}, Tags: []string{"team-a"},
				IdentifierURIs:              []string{"https://api.contoso.com"},
				RequestedAccessTokenVersion: ptr(2),
				Scopes: []Scope{
					{Value: "read", Type: "Admin", AdminConsentDisplayName: "Read", AdminConsentDescription: "Read things.", UserConsentDisplayName: "Read yours", UserConsentDescription: "Read your things.", Enabled: false},
					{Value: "write", Type: "User", AdminConsentDisplayName: "write", AdminConsentDescription: "write", UserConsentDisplayName: "write", UserConsentDescription: "write", Enabled: true},
				},
				AppRoles: []AppRole{
					{Value: "reader", DisplayName: "Reader", Description: "Reads.", AllowedMemberTypes: []string{"User", "Application"}, Enabled: true},
					{Value: "old", DisplayName: "old", Description: "old", AllowedMemberTypes: []string{"User"}, Enabled: false},
				},
				AppRoleAssignmentRequired: ptr(true),
				GroupMembershipClaims:     ptr("SecurityGroup"),
				OptionalClaims: &OptionalClaims{
					IDToken:     []OptionalClaim{{Name: "email"}},
					AccessToken: []OptionalClaim{{Name: "groups", Essential: true, AdditionalProperties: []string{"emit_as_roles"}}},
					SAML2Token:  []OptionalClaim{{Name: "extn.dept", Source: "user"}},
				},
			},
			{
				Key: "web", Kind: KindConfidential, DisplayName: "web", SignInAudience: "AzureADMultipleOrgs", Owners: owner,
				Web: &Web{
					RedirectURIs: []string{"https://web.contoso.com/cb"}, HomePageURL: ptr("https://web.contoso.com"), LogoutURL: ptr("https://web.contoso.com/logout"),
					ImplicitIDTokens: ptr(true), ImplicitAccessTokens: ptr(false),
				},
				Access:       []Access{{Resource: "api", Scopes: []string{"read"}, Roles: []string{"reader"}}},
				AdminConsent: Consent{Scopes: true, Roles: true},
				Secret:       &Secret{Vault: "other-kv", Name: "web-secret", Lifetime: 30 * Day, RenewBefore: 10 * Day, Overlap: 2 * Day},
			},
			{
				Key: "spa", Kind: KindPublic, DisplayName: "spa", SignInAudience: "AzureADMultipleOrgs", Owners: owner,
				Platform: PlatformSPA, SPARedirectURIs: []string{"https://spa.contoso.com"},
			},
			{
				Key: "cli", Kind: KindPublic, DisplayName: "cli", SignInAudience: "AzureADMultipleOrgs", Owners: owner,
				Platform: PlatformDesktop, PublicClientRedirectURIs: []string{"http://localhost"},
			},
			{
				Key: "svc", Kind: KindService, DisplayName: "svc", SignInAudience: "AzureADMultipleOrgs", Owners: owner,
				Access:       []Access{{Resource: "graph", Roles: []string{"User.Read.All"}}},
				AdminConsent: Consent{Scopes: true, Roles: true},
				Secret:       &Secret{Vault: "contoso-kv", Name: "svc-client-secret", Lifetime: 90 * Day, RenewBefore: 36 * time.Hour, Overlap: 90 * time.Minute},
				FederatedCredentials: []FederatedCredential{
					{Name: "gh", Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:a/b:ref:refs/heads/main", Audiences: []string{"api://AzureADTokenExchange"}, Description: "CI"},
					{Name: "k8s", Issuer: "https://oidc.example.com", Subject: "system:serviceaccount:ns:sa", Audiences: []string{"api://custom"}},
				},
			},
		},
	}
	ignore := cmpopts.IgnoreFields(Spec{}, "Digest")
	noPos := cmpopts.IgnoreTypes(diag.Pos{})
	if diff := cmp.Diff(want, got, ignore, noPos); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

// TestPositions proves the positions the planner and later diagnostics use.
func TestPositions(t *testing.T) {
	s, ds := Parse("full.yaml", []byte(full))
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	web := s.Application("web")
	got := []diag.Pos{s.API("graph").Pos, s.Application("api").Pos, s.Application("api").Scopes[1].Pos, s.Application("api").AppRoles[0].Pos, web.Access[0].Pos, web.Secret.Pos, s.Application("svc").FederatedCredentials[1].Pos}
	want := []diag.Pos{{File: "full.yaml", Line: 10, Col: 3}, {File: "full.yaml", Line: 12, Col: 3}, {File: "full.yaml", Line: 31, Col: 7}, {File: "full.yaml", Line: 33, Col: 7}, {File: "full.yaml", Line: 47, Col: 14}, {File: "full.yaml", Line: 49, Col: 5}, {File: "full.yaml", Line: 65, Col: 7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestMinimalDefaults(t *testing.T) {
	s, ds := Parse("min.yaml", []byte("version: 1\ntenant: contoso.com\nset: s\napplications:\n  svc: {kind: service, secret: {vault: kv-one}}\n"))
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	a := s.Application("svc")
	got := []any{s.Cloud, a.DisplayName, a.SignInAudience, a.Owners == nil, a.Tags == nil, a.Access == nil, *a.Secret}
	want := []any{CloudPublic, "svc", "AzureADMyOrg", true, true, true, Secret{Vault: "kv-one", Name: "svc-client-secret", Lifetime: 180 * Day, RenewBefore: 30 * Day, Overlap: 7 * Day, Pos: a.Secret.Pos}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"90d", 90 * Day, false},
		{"12h", 12 * time.Hour, false},
		{"1h30m", 90 * time.Minute, false},
		{"2d12h", 60 * time.Hour, false},
		{"1d1h1m1s", Day + time.Hour + time.Minute + time.Second, false},
		{"45s", 45 * time.Second, false},
		{"", 0, true},
		{"0d", 0, true},
		{"1h2d", 0, true},
		{"1d1d", 0, true},
		{"1.5d", 0, true},
		{"-1d", 0, true},
		{"d", 0, true},
		{"10", 0, true},
		{"1w", 0, true},
		{"999999d", 0, true},
		{"1234567d", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseDuration(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err == nil {
			if back, _ := ParseDuration(FormatDuration(got)); back != got {
				t.Errorf("FormatDuration(%v) = %q does not round-trip", got, FormatDuration(got))
			}
		}
	}
}

// BenchmarkParseLarge parses a file just under MaxFileSize with thousands
// of applications, access entries and scopes: the loader stays linear.
func BenchmarkParseLarge(b *testing.B) {
	data := largeSpec(MaxFileSize - 4096)
	b.SetBytes(int64(len(data)))
	if _, ds := Parse("large.yaml", data); ds.HasErrors() {
		b.Fatalf("large spec is invalid:\n%s", ds[:min(len(ds), 5)].Format())
	}
	for b.Loop() {
		Parse("large.yaml", data)
	}
}

func largeSpec(size int) []byte {
	var buf []byte
	buf = append(buf, header...)
	buf = append(buf, "  api:\n    kind: resource\n    identifierUris: [api://api.contoso.com]\n    scopes:\n"...)
	for i := 0; len(buf) < size/2; i++ {
		buf = append(buf, []byte("      s"+itoa(i)+": {}\n")...)
	}
	for i := 0; len(buf) < size-100; i++ {
		buf = append(buf, []byte("  c"+itoa(i)+":\n    kind: public\n    platform: spa\n    access: {api: {scopes: [s"+itoa(i)+"]}}\n")...)
	}
	return buf
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestCertificateDefaults: a certificate takes its vault and durations from
// defaults.secrets, its name from the key, its subject from set and key,
// RSA 2048 and an exportable key; each field overrides.
func TestCertificateDefaults(t *testing.T) {
	doc := `version: 1
tenant: contoso.onmicrosoft.com
set: fhir
defaults:
  secrets: {vault: contoso-kv, lifetime: 90d, renewBefore: 20d, overlap: 5d}
applications:
  exporter:
    kind: service
    certificate: {}
  loader:
    kind: service
    certificate: {vault: other-kv, name: ldr, lifetime: 365d, renewBefore: 60d, overlap: 14d, subject: "CN=loader", keySize: 3072, exportable: false}
`
	s, ds := Parse("c.yaml", []byte(doc))
	if ds.HasErrors() {
		t.Fatalf("parse: %s", ds.Format())
	}
	got := []Certificate{*s.Application("exporter").Certificate, *s.Application("loader").Certificate}
	want := []Certificate{
		{Vault: "contoso-kv", Name: "exporter-client-cert", Lifetime: 90 * Day, RenewBefore: 20 * Day, Overlap: 5 * Day,
			Subject: "CN=fhir-exporter", KeyType: "RSA", KeySize: 2048, Exportable: true},
		{Vault: "other-kv", Name: "ldr", Lifetime: 365 * Day, RenewBefore: 60 * Day, Overlap: 14 * Day,
			Subject: "CN=loader", KeyType: "RSA", KeySize: 3072, Exportable: false},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Certificate{}, "Pos")); diff != "" {
		t.Errorf("certificates (-want +got):\n%s", diff)
	}
	if m := got[0].ValidityMonths(); m != 3 {
		t.Errorf("ValidityMonths of 90d = %d, want 3", m)
	}
	if m := got[1].ValidityMonths(); m != 13 {
		t.Errorf("ValidityMonths of 365d = %d, want 13 (rounded up)", m)
	}
}
