package planner

import (
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// Optional claims are shown claim by claim, per token type, like the other
// sets: optional_claims.id_token: + "email". A claim's source, essential
// flag and additional properties appear only when set:
// + "groups" (source user, essential, additional properties emit_as_roles).
// A claim whose details change is shown removed with its old details and
// added with its new ones.

// claimTokens are the token types in Graph's order, with their plan names.
var claimTokens = []struct {
	path string
	get  func(*tenant.OptionalClaims) []tenant.OptionalClaim
}{
	{"optional_claims.id_token", func(o *tenant.OptionalClaims) []tenant.OptionalClaim { return o.IDToken }},
	{"optional_claims.access_token", func(o *tenant.OptionalClaims) []tenant.OptionalClaim { return o.AccessToken }},
	{"optional_claims.saml2_token", func(o *tenant.OptionalClaims) []tenant.OptionalClaim { return o.SAML2Token }},
}

// claimLabel renders one claim: its quoted name, then the details that are
// set, additional properties sorted.
func claimLabel(c tenant.OptionalClaim) string {
	l := string(rawJSON(c.Name))
	var details []string
	if c.Source != "" {
		details = append(details, "source "+c.Source)
	}
	if c.Essential {
		details = append(details, "essential")
	}
	if len(c.AdditionalProperties) > 0 {
		props := append([]string{}, c.AdditionalProperties...)
		sort.Strings(props)
		details = append(details, "additional properties "+strings.Join(props, ", "))
	}
	if len(details) > 0 {
		l += " (" + strings.Join(details, ", ") + ")"
	}
	return l
}

func claimLabels(cs []tenant.OptionalClaim) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, claimLabel(c))
	}
	return out
}

// claimChanges lists, per token type, the claims want adds to have and
// those it removes; nil when they hold the same claims (in any order).
// have may be nil (no optional claims live, or a new application).
func claimChanges(want, have *tenant.OptionalClaims) []Change {
	if want == nil {
		return nil
	}
	if have == nil {
		have = &tenant.OptionalClaims{}
	}
	var out []Change
	for _, t := range claimTokens {
		added, removed := setDiff(claimLabels(t.get(want)), claimLabels(t.get(have)))
		if len(added)+len(removed) > 0 {
			out = append(out, Change{Path: t.path, Added: added, Removed: removed})
		}
	}
	return out
}
