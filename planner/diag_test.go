package planner_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

func TestDiagnostics(t *testing.T) {
	tests := []struct {
		name     string
		specEdit [2]string
		want     []string // "summary | detail"
	}{
		{
			name:     "tenant by verified domain matches",
			specEdit: [2]string{"tenant: contoso.onmicrosoft.com", "tenant: CONTOSO.COM"},
		},
		{
			name:     "tenant by id matches",
			specEdit: [2]string{"tenant: contoso.onmicrosoft.com", "tenant: " + tenantID},
		},
		{
			name:     "another tenant",
			specEdit: [2]string{"tenant: contoso.onmicrosoft.com", "tenant: fabrikam.onmicrosoft.com"},
			want: []string{`the spec is for tenant "fabrikam.onmicrosoft.com", but the signed-in tenant is ` + tenantID +
				" | Signed in to tenant " + tenantID + " (Contoso), verified domains: contoso.onmicrosoft.com, contoso.com. Sign in to the tenant the spec names, or fix tenant: in the spec."},
		},
		{
			name:     "identifier URI on an unverified domain",
			specEdit: [2]string{"identifierUris: [https://fhir.contoso.com]", "identifierUris: [https://fhir.fabrikam.com, api://fhir]"},
			want: []string{"identifier URI https://fhir.fabrikam.com is not on a verified domain of the tenant | Verified domains of tenant " + tenantID +
				": contoso.onmicrosoft.com, contoso.com. Verify the domain first, or use an api:// URI."},
		},
		{
			name:     "unknown scope of an external API",
			specEdit: [2]string{"microsoft-graph: { scopes: [User.Read] }", "microsoft-graph: { scopes: [User.Reed] }"},
			want:     []string{`microsoft-graph has no scope "User.Reed" | Available: User.Read, openid.`},
		},
		{
			name:     "external API without a service principal",
			specEdit: [2]string{"microsoft-graph: { appId: 00000003-0000-0000-c000-000000000000 }", "microsoft-graph: { appId: 00000003-0000-0000-c000-0000000000ff }"},
			want: []string{`API "microsoft-graph" (appId 00000003-0000-0000-c000-0000000000ff) has no service principal in tenant ` + tenantID +
				" | Check the appId under apis. To have regsync create the API's service principal (as az ad sp create --id does), add createServicePrincipal: true to its apis entry."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(fhirYAML, tc.specEdit[0]) {
				t.Fatalf("spec edit %q not found", tc.specEdit[0])
			}
			s := parseSpec(t, strings.Replace(fhirYAML, tc.specEdit[0], tc.specEdit[1], 1))
			p, ds := planner.Compute(s, emptyTenant(), planner.Options{Now: now})
			var got []string
			for _, d := range ds {
				got = append(got, d.Summary+" | "+d.Detail)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("diagnostics (-want +got):\n%s", d)
			}
			if (p == nil) != ds.HasErrors() {
				t.Errorf("plan = %v with errors %v; want a plan exactly when there is no error", p != nil, ds.HasErrors())
			}
			for _, d := range ds {
				if d.Severity == diag.Error && d.Pos.File == "" {
					t.Errorf("diagnostic %q has no position", d.Summary)
				}
			}
		})
	}
}

func TestNilInputs(t *testing.T) {
	if p, ds := planner.Compute(nil, nil, planner.Options{}); p != nil || !ds.HasErrors() {
		t.Errorf("Compute(nil, nil) = %v, %v; want an error diagnostic", p, ds)
	}
}

// TestAdoptingAnotherSetsApplication: appId: may adopt a hand-made
// application or one of this set, never one that another set manages; the
// error names the other set and how to move the application.
func TestAdoptingAnotherSetsApplication(t *testing.T) {
	const appID = "6a1b7c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
	for _, tc := range []struct {
		name string
		tags []string
		want []string
	}{
		{name: "hand-made", tags: nil},
		{name: "this set's", tags: []string{"regsync:set=fhir-prod", "regsync:key=portal"}},
		{name: "another set's", tags: []string{"regsync:set=dicom-prod", "regsync:key=viewer"},
			want: []string{`application "portal" adopts appId ` + appID + `, which set "dicom-prod" manages (tag regsync:set=dicom-prod)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := parseSpec(t, strings.Replace(fhirYAML, "  portal:\n    kind: confidential\n", "  portal:\n    kind: confidential\n    appId: "+appID+"\n", 1))
			live := emptyTenant()
			live.Applications = append(live.Applications, &tenant.Application{ID: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", AppID: appID, DisplayName: "Portal", Tags: tc.tags})
			_, ds := planner.Compute(s, live, planner.Options{Now: now})
			var got []string
			for _, d := range ds {
				if d.Severity != diag.Error {
					continue
				}
				got = append(got, d.Summary)
				if !strings.Contains(d.Detail, "delete its entry from set \"dicom-prod\"'s spec") || d.Pos.Line == 0 {
					t.Errorf("diagnostic %q: detail %q, position %v; want how to move it, at the appId's application", d.Summary, d.Detail, d.Pos)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}
