package tenant

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEveryPropertyHasARow: each AppProps field is described in
// Properties, under its JSON name, and nothing else is.
func TestEveryPropertyHasARow(t *testing.T) {
	var fields []string
	typ := reflect.TypeOf(AppProps{})
	for i := range typ.NumField() {
		fields = append(fields, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	var rows []string
	for _, p := range Properties {
		rows = append(rows, p.Plan)
	}
	if d := cmp.Diff(fields, rows); d != "" {
		t.Errorf("AppProps fields (-) against Properties rows (+), in order:\n%s", d)
	}
}

// TestPropertyAccessors: every row reads, copies, writes and applies the
// field it names, and no other.
func TestPropertyAccessors(t *testing.T) {
	live := &Application{
		DisplayName: "d", Description: "desc", SignInAudience: "AzureADMultipleOrgs", Notes: "n",
		Tags: []string{"t"}, IdentifierURIs: []string{"api://x"}, GroupMembershipClaims: "All",
		IsFallbackPublicClient: true, RequestedAccessTokenVersion: ptrTo(2), AcceptMappedClaims: true,
		KnownClientApplications:   []string{"k"},
		PreAuthorizedApplications: []PreAuthorizedApplication{{AppID: "c", DelegatedPermissionIDs: []string{"s"}}},
		OptionalClaims:            &OptionalClaims{IDToken: []OptionalClaim{{Name: "email"}}},
		Scopes:                    []PermissionScope{{ID: "s", Value: "v"}}, AppRoles: []AppRole{{ID: "r", Value: "v"}},
		Web:             WebApplication{RedirectURIs: []string{"https://w"}, HomePageURL: "https://h", LogoutURL: "https://l", EnableIDTokenIssuance: true, EnableAccessTokenIssuance: true},
		SPARedirectURIs: []string{"https://s"}, PublicClientRedirectURIs: []string{"msal://p"},
		RequiredResourceAccess: []RequiredResourceAccess{{ResourceAppID: "a", ResourceAccess: []ResourceAccess{{ID: "i", Type: "Scope"}}}},
	}
	var all AppProps
	for i := range Properties {
		p := &Properties[i]
		var one AppProps
		p.FromLive(&one, live)
		if !p.Has(&one) {
			t.Errorf("%s: FromLive set nothing", p.Plan)
		}
		for j := range Properties {
			if j != i && Properties[j].Has(&one) {
				t.Errorf("%s: FromLive set %s too", p.Plan, Properties[j].Plan)
			}
		}
		if !p.Equal(p.Want(&one), p.Live(live)) {
			t.Errorf("%s: the value read from live differs from live: %v against %v", p.Plan, p.Want(&one), p.Live(live))
		}
		p.Copy(&all, &one)
	}
	var round Application
	Apply(&round, &all)
	if d := cmp.Diff(live, &round); d != "" {
		t.Errorf("Apply(FromLive(live)) differs from live (-live +applied):\n%s", d)
	}
}

func ptrTo[T any](v T) *T { return &v }
