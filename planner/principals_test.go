package planner

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

func TestPrincipalResolver(t *testing.T) {
	live := &tenant.Snapshot{
		Organization: tenant.Organization{VerifiedDomains: []string{"contoso.com", "contoso.onmicrosoft.com"}},
		Users: []tenant.User{
			{ID: "0b1c2d3e-0000-4000-8000-000000000001", UserPrincipalName: "alice@contoso.com", DisplayName: "Alice"},
			{ID: "0b1c2d3e-0000-4000-8000-000000000002", UserPrincipalName: "bob@contoso.com", DisplayName: "Bob"},
		},
		Groups: []tenant.Group{
			{ID: "7a2b0000-0000-4000-8000-000000000001", DisplayName: "FHIR Readers"},
			{ID: "7a2b0000-0000-4000-8000-000000000002", DisplayName: "Ops"},
			{ID: "7a2b0000-0000-4000-8000-000000000003", DisplayName: "ops"},
		},
	}
	r := NewPrincipalResolver(live)
	ref := func(v string) spec.PrincipalRef {
		return spec.PrincipalRef{Value: v, Pos: diag.Pos{File: "f.yaml", Line: 3, Col: 7}}
	}
	tests := []struct {
		name       string
		group      bool
		value      string
		want       Principal
		suggestion string
		matches    []string
		unresolved bool
	}{
		{name: "user by UPN, any case", value: "Alice@Contoso.com",
			want: Principal{ID: "0b1c2d3e-0000-4000-8000-000000000001", Type: "User", Name: "alice@contoso.com"}},
		{name: "user by id", value: "0B1C2D3E-0000-4000-8000-000000000002",
			want: Principal{ID: "0b1c2d3e-0000-4000-8000-000000000002", Type: "User", Name: "bob@contoso.com"}},
		{name: "user typo", value: "alcie@contoso.com", unresolved: true, suggestion: "alice@contoso.com"},
		{name: "user on a mistyped domain", value: "carol@contso.com", unresolved: true, suggestion: "carol@contoso.com"},
		{name: "unknown user", value: "zed@fabrikam.com", unresolved: true},
		{name: "group by name", group: true, value: "fhir readers",
			want: Principal{ID: "7a2b0000-0000-4000-8000-000000000001", Type: "Group", Name: "FHIR Readers"}},
		{name: "group typo", group: true, value: "FHIR Reader", unresolved: true, suggestion: "FHIR Readers"},
		{name: "ambiguous group", group: true, value: "OPS", unresolved: true,
			matches: []string{"7a2b0000-0000-4000-8000-000000000002", "7a2b0000-0000-4000-8000-000000000003"}},
		{name: "deleted group by id", group: true, value: "7a2b0000-0000-4000-8000-000000000009", unresolved: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Principal
			var u *Unresolved
			if tc.group {
				p, u = r.Group(ref(tc.value))
			} else {
				p, u = r.User(ref(tc.value))
			}
			if (u != nil) != tc.unresolved {
				t.Fatalf("unresolved = %v, want %v", u, tc.unresolved)
			}
			if u == nil {
				if diff := cmp.Diff(tc.want, p); diff != "" {
					t.Errorf("principal (-want +got):\n%s", diff)
				}
				return
			}
			if u.Suggestion != tc.suggestion {
				t.Errorf("suggestion = %q, want %q", u.Suggestion, tc.suggestion)
			}
			if diff := cmp.Diff(tc.matches, u.Matches); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
			d := u.Diagnostic("applications.api.appRoles.r.members.users[0]", diag.Error)
			if d.Pos.Line != 3 || d.Pos.Col != 7 || d.Summary == "" {
				t.Errorf("diagnostic lacks its position or summary: %+v", d)
			}
		})
	}
}

func TestUnresolvedDiagnostics(t *testing.T) {
	r := NewPrincipalResolver(&tenant.Snapshot{Groups: []tenant.Group{{ID: "g1", DisplayName: "Ops"}, {ID: "g2", DisplayName: "Ops"}}})
	_, u := r.Group(spec.PrincipalRef{Value: "Ops"})
	d := u.Diagnostic("a", diag.Error)
	want := diag.Diagnostic{Severity: diag.Error, Address: "a", Summary: `2 groups are named "Ops"`,
		Detail: "Display names of groups are not unique. Name the group by its object id: one of g1, g2."}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("ambiguous (-want +got):\n%s", diff)
	}
	_, u = NewPrincipalResolver(&tenant.Snapshot{}).User(spec.PrincipalRef{Value: "0b1c2d3e-0000-4000-8000-000000000001"})
	d = u.Diagnostic("a", diag.Warning)
	want = diag.Diagnostic{Severity: diag.Warning, Address: "a",
		Summary: `no user in the tenant has the userPrincipalName or object id "0b1c2d3e-0000-4000-8000-000000000001"`,
		Detail:  "The user may have been deleted. Check the name in Entra ID (az ad user show), or remove it from the list."}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
}

func TestMembersResolveOncePerPrincipal(t *testing.T) {
	r := NewPrincipalResolver(&tenant.Snapshot{Users: []tenant.User{{ID: "0b1c2d3e-0000-4000-8000-000000000001", UserPrincipalName: "alice@contoso.com"}}})
	got, unresolved := r.Members(&spec.Members{Users: []spec.PrincipalRef{
		{Value: "alice@contoso.com"}, {Value: "0b1c2d3e-0000-4000-8000-000000000001"}, {Value: "nobody@contoso.com"}}})
	if len(got) != 1 || len(unresolved) != 1 || unresolved[0].Ref.Value != "nobody@contoso.com" {
		t.Errorf("got %v, unresolved %v; want alice once and nobody unresolved", got, unresolved)
	}
}
