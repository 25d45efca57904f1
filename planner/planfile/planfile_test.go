package planfile_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

const tenantID = "7d3f4c2a-9b1e-4f6a-8c5d-2e1b0a9f8c7d"

const specYAML = `version: 1
tenant: contoso.onmicrosoft.com
set: demo
applications:
  api:
    kind: resource
    identifierUris: [api://demo]
    appRoles: { read: { memberTypes: [Application] } }
  job:
    kind: service
    access: { api: { roles: [read] } }
    adminConsent: true
    secret: { vault: demo-kv }
`

func fixture(t testing.TB) (*spec.Spec, *tenant.Snapshot, *planner.Plan) {
	t.Helper()
	s, ds := spec.Parse("registrations.yaml", []byte(specYAML))
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	end := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	live := &tenant.Snapshot{
		Organization: tenant.Organization{ID: tenantID, DisplayName: "Contoso", VerifiedDomains: []string{"contoso.onmicrosoft.com"}},
		Applications: []*tenant.Application{{ID: "obj-job", AppID: "app-job", DisplayName: "job",
			Tags:                []string{tenant.SetTag("demo"), tenant.KeyTag("job")},
			PasswordCredentials: []tenant.PasswordCredential{{KeyID: "k1", DisplayName: "by hand", Hint: "abc", End: end}}}},
		Secrets: []tenant.SecretMeta{{Vault: "demo-kv", Name: "job-client-secret", Version: "v1", Expires: &end}},
	}
	p, ds := planner.Compute(s, live, planner.Options{Now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if ds.HasErrors() {
		t.Fatal(ds.Format())
	}
	return s, live, p
}

func TestRoundTrip(t *testing.T) {
	s, live, p := fixture(t)
	var buf bytes.Buffer
	if err := planfile.Write(&buf, p, "v1.2.3", live); err != nil {
		t.Fatal(err)
	}
	f, err := planfile.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, f.Plan); d != "" {
		t.Errorf("plan after round trip (-want +got):\n%s", d)
	}
	if f.BinaryVersion != "v1.2.3" || f.TenantID != tenantID || f.SpecDigest != s.Digest || f.Set != "demo" {
		t.Errorf("header = %+v", f)
	}
	if err := f.Check("v1.2.3", s.Digest, tenantID, live); err != nil {
		t.Errorf("Check on an unchanged tenant: %v", err)
	}
	// Writing twice gives the same bytes.
	var again bytes.Buffer
	if err := planfile.Write(&again, p, "v1.2.3", live); err != nil {
		t.Fatal(err)
	}
	if buf.String() != again.String() {
		t.Error("two writes of the same plan differ")
	}
}

func TestCheckStale(t *testing.T) {
	tests := []struct {
		name   string
		binary string
		digest string
		tenant string
		edit   func(*tenant.Snapshot)
		want   string
	}{
		{name: "binary version", binary: "v9", want: "it was made by regsync v1.2.3, this is regsync v9"},
		{name: "tenant", tenant: "other", want: "it is for tenant " + tenantID + ", but the signed-in tenant is other"},
		{name: "spec", digest: "sha256:00", want: "spec registrations.yaml changed since"},
		{name: "application changed", edit: func(s *tenant.Snapshot) { s.Applications[0].DisplayName = "renamed" },
			want: "application obj-job (renamed) changed"},
		{name: "application appeared", edit: func(s *tenant.Snapshot) {
			s.Applications = append(s.Applications, &tenant.Application{ID: "obj-new", DisplayName: "new"})
		}, want: "application obj-new (new) appeared"},
		{name: "credential removed", edit: func(s *tenant.Snapshot) { s.Applications[0].PasswordCredentials = nil },
			want: "application obj-job (job) changed"},
		{name: "member deleted", edit: func(s *tenant.Snapshot) { s.Users = nil },
			want: "user u-alice (alice@contoso.com) disappeared"},
		{name: "vault secret rotated", edit: func(s *tenant.Snapshot) { s.Secrets[0].Version = "v2" },
			want: "secret demo-kv/job-client-secret/v2 (demo-kv/job-client-secret) appeared, secret demo-kv/job-client-secret/v1 (demo-kv/job-client-secret) disappeared"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, live, p := fixture(t)
			live.Users = []tenant.User{{ID: "u-alice", UserPrincipalName: "alice@contoso.com"}}
			var buf bytes.Buffer
			if err := planfile.Write(&buf, p, "v1.2.3", live); err != nil {
				t.Fatal(err)
			}
			f, err := planfile.Read(&buf)
			if err != nil {
				t.Fatal(err)
			}
			binary, digest, tid := "v1.2.3", s.Digest, tenantID
			if tc.binary != "" {
				binary = tc.binary
			}
			if tc.digest != "" {
				digest = tc.digest
			}
			if tc.tenant != "" {
				tid = tc.tenant
			}
			if tc.edit != nil {
				tc.edit(live)
			}
			err = f.Check(binary, digest, tid, live)
			if err == nil || !errors.Is(err, planfile.ErrStale) {
				t.Fatalf("Check = %v, want a stale-plan error", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), "run regsync plan again") {
				t.Errorf("Check = %q, want it to contain %q and end with the fix", err, tc.want)
			}
		})
	}
}

// Order of set-like lists is no change.
func TestFingerprintIgnoresOrder(t *testing.T) {
	_, live, _ := fixture(t)
	a := planfile.Fingerprint(live)
	live.Organization.VerifiedDomains = []string{"b.com", "contoso.onmicrosoft.com"}
	live.Applications[0].Tags = []string{tenant.KeyTag("job"), tenant.SetTag("demo")}
	b := planfile.Fingerprint(live)
	live.Organization.VerifiedDomains = []string{"contoso.onmicrosoft.com", "b.com"}
	c := planfile.Fingerprint(live)
	if d := cmp.Diff(b, c); d != "" {
		t.Errorf("domain order changes the fingerprint (-want +got):\n%s", d)
	}
	if a.Snapshot == b.Snapshot {
		t.Error("a new verified domain does not change the fingerprint")
	}
}

func TestReadRejects(t *testing.T) {
	_, live, p := fixture(t)
	var buf bytes.Buffer
	if err := planfile.Write(&buf, p, "v1", live); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct {
		name, data, want string
	}{
		{"not json", "hello", "not a regsync plan"},
		{"no version", `{"plan": {}}`, "no format_version"},
		{"future version", strings.Replace(good, `"format_version": "1"`, `"format_version": "2"`, 1), `format version "2", but this regsync reads versions "1" and "1.1"`},
		{"unknown field", strings.Replace(good, `"binary_version"`, `"surprise": 1, "binary_version"`, 1), `unknown field "surprise"`},
		{"header disagrees", strings.Replace(good, `"set": "demo"`, `"set": "other"`, 1), "does not match the file's header"},
		{"plan format", strings.Replace(good, `"format_version": "`+planner.FormatVersion+`"`, `"format_version": "0.1"`, 1), `the plan inside has format version "0.1", but this regsync reads version "` + planner.FormatVersion + `"; run regsync plan again`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planfile.Read(strings.NewReader(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestFingerprintCoversEveryProperty: a change of any property of the
// table changes an application's fingerprint; the order of a list does not.
func TestFingerprintCoversEveryProperty(t *testing.T) {
	_, live, _ := fixture(t)
	base := planfile.Fingerprint(live)
	app := live.Applications[0]
	other := &tenant.Application{
		DisplayName: "x", Description: "x", SignInAudience: "AzureADMultipleOrgs", Notes: "x", Tags: []string{"x"},
		IdentifierURIs: []string{"api://x"}, GroupMembershipClaims: "All", IsFallbackPublicClient: true,
		RequestedAccessTokenVersion: ptr(2), AcceptMappedClaims: true,
		OptionalClaims: &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{{Name: "email"}}},
		Scopes:         []tenant.PermissionScope{{ID: "s", Value: "x"}}, AppRoles: []tenant.AppRole{{ID: "r", Value: "x"}},
		KnownClientApplications:   []string{"k"},
		PreAuthorizedApplications: []tenant.PreAuthorizedApplication{{AppID: "c"}},
		Web: tenant.WebApplication{RedirectURIs: []string{"https://x"}, HomePageURL: "https://x", LogoutURL: "https://x",
			EnableIDTokenIssuance: true, EnableAccessTokenIssuance: true},
		SPARedirectURIs: []string{"https://x"}, PublicClientRedirectURIs: []string{"x://x"},
		RequiredResourceAccess: []tenant.RequiredResourceAccess{{ResourceAppID: "x"}},
	}
	for i := range tenant.Properties {
		p := &tenant.Properties[i]
		saved := *app
		var props tenant.AppProps
		p.FromLive(&props, other)
		tenant.Apply(app, &props)
		if planfile.Fingerprint(live).Snapshot == base.Snapshot {
			t.Errorf("changing %s does not change the fingerprint", p.Plan)
		}
		*app = saved
	}
	app.Tags = append([]string{}, app.Tags...)
	for i, j := 0, len(app.Tags)-1; i < j; i, j = i+1, j-1 {
		app.Tags[i], app.Tags[j] = app.Tags[j], app.Tags[i]
	}
	if planfile.Fingerprint(live).Snapshot != base.Snapshot {
		t.Error("the order of tags changes the fingerprint")
	}
}

func ptr[T any](v T) *T { return &v }
