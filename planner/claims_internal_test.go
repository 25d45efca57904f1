package planner

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant"
)

func TestClaimChanges(t *testing.T) {
	email := tenant.OptionalClaim{Name: "email"}
	upn := tenant.OptionalClaim{Name: "upn"}
	groups := tenant.OptionalClaim{Name: "groups", Source: "user", Essential: true, AdditionalProperties: []string{"sam_account_name", "emit_as_roles"}}
	for _, tc := range []struct {
		name       string
		want, have *tenant.OptionalClaims
		out        []Change
	}{
		{"new application", &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{email, groups}}, nil,
			[]Change{{Path: "optional_claims.id_token", Added: []string{`"email"`, `"groups" (source user, essential, additional properties emit_as_roles, sam_account_name)`}}}},
		{"same claims in another order", &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{email, upn}},
			&tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{upn, email}, AccessToken: []tenant.OptionalClaim{}}, nil},
		{"only the claim that changes", &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{email, upn}, AccessToken: []tenant.OptionalClaim{groups}},
			&tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{email}, SAML2Token: []tenant.OptionalClaim{upn}},
			[]Change{
				{Path: "optional_claims.id_token", Added: []string{`"upn"`}},
				{Path: "optional_claims.access_token", Added: []string{`"groups" (source user, essential, additional properties emit_as_roles, sam_account_name)`}},
				{Path: "optional_claims.saml2_token", Removed: []string{`"upn"`}},
			}},
		{"additional properties compare as a set", &tenant.OptionalClaims{AccessToken: []tenant.OptionalClaim{groups}},
			&tenant.OptionalClaims{AccessToken: []tenant.OptionalClaim{{Name: "groups", Source: "user", Essential: true, AdditionalProperties: []string{"emit_as_roles", "sam_account_name"}}}}, nil},
		{"undeclared", nil, &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{email}}, nil},
	} {
		if diff := cmp.Diff(tc.out, claimChanges(tc.want, tc.have)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestWithIDsWhereSame(t *testing.T) {
	added := []string{"api: read (Scope)", "api: write (Scope)"}
	removed := []string{"api: read (Scope)"}
	withIDsWhereSame(added, removed, func(l string, i int, isAdded bool) string {
		if isAdded {
			return l + " new"
		}
		return l + " old"
	})
	if diff := cmp.Diff([]string{"api: read (Scope) new", "api: write (Scope)"}, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"api: read (Scope) old"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
}
