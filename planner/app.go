package planner

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// desiredFields builds the Graph-level application the spec entry implies:
// every field the spec declares, the regsync tags, and what the kind implies
// (DESIGN.md, "The four kinds of application"). Undeclared fields stay nil.
// create is true when the application does not exist yet.
func (b *builder) desiredFields(st *appState, create bool) *tenant.AppProps {
	sa := st.spec
	f := &tenant.AppProps{}
	name := displayName(sa)
	f.DisplayName = &name
	f.Description = sa.Description
	if sa.SignInAudience != "" {
		aud := sa.SignInAudience
		f.SignInAudience = &aud
	}
	f.Notes = sa.Notes
	f.Tags = ptr(b.desiredTags(st))
	if sa.IdentifierURIs != nil {
		f.IdentifierURIs = ptr(clone(sa.IdentifierURIs))
	}
	f.GroupMembershipClaims = sa.GroupMembershipClaims
	f.RequestedAccessTokenVersion = sa.RequestedAccessTokenVersion
	// A resource the spec is silent about keeps Graph's default (null,
	// which issues v1 access tokens), new or not. regsync used to default
	// new APIs to v2, which broke servers configured the way the FHIR docs
	// say: in a v2 token aud is always the API's appId, while a v1 token
	// asked for by the identifier URI carries that URI, the Audience the
	// FHIR server checks. Personal-account audiences need v2, which the
	// spec's rules already demand be written out.
	if sa.OptionalClaims != nil {
		f.OptionalClaims = &tenant.OptionalClaims{
			IDToken:     fromSpecClaims(sa.OptionalClaims.IDToken),
			AccessToken: fromSpecClaims(sa.OptionalClaims.AccessToken),
			SAML2Token:  fromSpecClaims(sa.OptionalClaims.SAML2Token),
		}
	}
	if sa.Scopes != nil {
		f.Scopes = ptr(b.desiredScopes(st))
	}
	if sa.AppRoles != nil {
		f.AppRoles = ptr(b.desiredRoles(st))
	}
	if sa.Web != nil {
		if sa.Web.RedirectURIs != nil {
			f.WebRedirectURIs = ptr(clone(sa.Web.RedirectURIs))
		}
		f.WebHomePageURL = sa.Web.HomePageURL
		f.WebLogoutURL = sa.Web.LogoutURL
		f.EnableIDTokenIssuance = sa.Web.ImplicitIDTokens
		f.EnableAccessTokenIssuance = sa.Web.ImplicitAccessTokens
	}
	if sa.SPARedirectURIs != nil {
		f.SPARedirectURIs = ptr(clone(sa.SPARedirectURIs))
	}
	if sa.PublicClientRedirectURIs != nil {
		f.PublicClientRedirectURIs = ptr(clone(sa.PublicClientRedirectURIs))
	}
	if sa.Kind == spec.KindPublic && (sa.Platform == spec.PlatformMobile || sa.Platform == spec.PlatformDesktop) {
		// Mobile and desktop clients use flows without a redirect to a web
		// server (device code, integrated auth): the app must be marked as
		// a public client.
		t := true
		f.IsFallbackPublicClient = &t
	}
	if sa.Access != nil {
		f.RequiredResourceAccess = ptr(desiredRRA(st))
	}
	return f
}

// desiredTags: the set and key tags, then the user's tags when declared;
// when undeclared, the live tags are kept and the regsync tags added.
func (b *builder) desiredTags(st *appState) []string {
	own := []string{tenant.SetTag(b.spec.Set), tenant.KeyTag(st.key)}
	var out []string
	if st.spec.Tags == nil && st.live != nil {
		out = clone(st.live.Tags)
		for _, t := range own {
			if !hasString(out, t) {
				out = append(out, t)
			}
		}
		return out
	}
	out = own
	for _, t := range st.spec.Tags {
		if !hasString(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (b *builder) desiredScopes(st *appState) []tenant.PermissionScope {
	out := make([]tenant.PermissionScope, 0, len(st.spec.Scopes))
	for _, s := range st.spec.Scopes {
		typ := s.Type
		if typ == "" {
			typ = "User"
		}
		out = append(out, tenant.PermissionScope{
			ID: st.scopeIDs[s.Value], Value: s.Value, Type: typ, IsEnabled: s.Enabled,
			AdminConsentDisplayName: s.AdminConsentDisplayName, AdminConsentDescription: s.AdminConsentDescription,
			UserConsentDisplayName: s.UserConsentDisplayName, UserConsentDescription: s.UserConsentDescription,
		})
	}
	return out
}

func (b *builder) desiredRoles(st *appState) []tenant.AppRole {
	out := make([]tenant.AppRole, 0, len(st.spec.AppRoles))
	for _, r := range st.spec.AppRoles {
		out = append(out, tenant.AppRole{
			ID: st.roleIDs[r.Value], Value: r.Value, DisplayName: r.DisplayName, Description: r.Description,
			AllowedMemberTypes: clone(r.AllowedMemberTypes), IsEnabled: r.Enabled,
		})
	}
	return out
}

func desiredRRA(st *appState) []tenant.RequiredResourceAccess {
	out := []tenant.RequiredResourceAccess{}
	for _, ra := range st.access {
		if len(ra.scopes)+len(ra.roles) == 0 {
			continue
		}
		r := tenant.RequiredResourceAccess{ResourceAppID: ra.resourceAppID, ResourceAccess: []tenant.ResourceAccess{}}
		for _, s := range ra.scopes {
			r.ResourceAccess = append(r.ResourceAccess, tenant.ResourceAccess{ID: s.id, Type: "Scope"})
		}
		for _, x := range ra.roles {
			r.ResourceAccess = append(r.ResourceAccess, tenant.ResourceAccess{ID: x.id, Type: "Role"})
		}
		out = append(out, r)
	}
	return out
}

func fromSpecClaims(cs []spec.OptionalClaim) []tenant.OptionalClaim {
	out := make([]tenant.OptionalClaim, 0, len(cs))
	for _, c := range cs {
		out = append(out, tenant.OptionalClaim{Name: c.Name, Source: c.Source, Essential: c.Essential,
			AdditionalProperties: nonNil(clone(c.AdditionalProperties))})
	}
	return out
}

func fromTenantClaims(cs []tenant.OptionalClaim) []tenant.OptionalClaim {
	out := make([]tenant.OptionalClaim, 0, len(cs))
	for _, c := range cs {
		out = append(out, tenant.OptionalClaim{Name: c.Name, Source: c.Source, Essential: c.Essential,
			AdditionalProperties: nonNil(clone(c.AdditionalProperties))})
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func clone(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func rawJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: encoding %T: %v", v, err))
	}
	return data
}

func quoteAll(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(rawJSON(s))
	}
	return out
}

// planApp emits the actions of one spec application, in dependency order:
// application → service principal → app-role assignments and delegated
// grants → owners → federated credentials → secrets.
func (b *builder) planApp(st *appState) {
	addr := "applications." + st.key
	var resourceDeps []string
	for _, ra := range st.access {
		if ra.inFile != nil && ra.inFile != st {
			resourceDeps = appendUnique(resourceDeps, ra.inFile.appAction, ra.inFile.spAction)
		}
	}
	if st.live == nil {
		f := b.desiredFields(st, true)
		a := b.addAction(&Action{
			Op: OpCreate, Type: TypeApplication, App: st.key, Address: addr,
			Description: fmt.Sprintf("create %s application %q", st.spec.Kind, *f.DisplayName),
			Reason:      "no application in the tenant carries " + tenant.KeyTag(st.key) + " in set " + b.spec.Set,
			DependsOn:   resourceDeps,
			Changes:     b.createChanges(f),
			Application: &ApplicationAction{Fields: f},
		})
		st.appAction = a.ID
	} else {
		b.updateApp(st, addr, resourceDeps)
	}
	b.planServicePrincipal(st, addr)
	if st.spec.AdminConsent {
		b.planAssignments(st, addr)
		b.planGrants(st, addr)
	}
	b.planOwners(st, addr)
	b.planFederated(st, addr)
	b.planSecrets(st, addr)
}

func appendUnique(list []string, ids ...string) []string {
	for _, id := range ids {
		if id != "" && !hasString(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// createChanges lists every field of a new application, for display.
func (b *builder) createChanges(f *tenant.AppProps) []Change {
	var out []Change
	scalar := func(path string, v any, set bool) {
		if set {
			out = append(out, Change{Path: path, After: rawJSON(v)})
		}
	}
	list := func(path string, v *[]string) {
		if v != nil && len(*v) > 0 {
			out = append(out, Change{Path: path, Added: quoteAll(*v)})
		}
	}
	scalar("display_name", f.DisplayName, f.DisplayName != nil)
	scalar("description", f.Description, f.Description != nil)
	scalar("sign_in_audience", f.SignInAudience, f.SignInAudience != nil)
	scalar("notes", f.Notes, f.Notes != nil)
	list("tags", f.Tags)
	list("identifier_uris", f.IdentifierURIs)
	scalar("group_membership_claims", f.GroupMembershipClaims, f.GroupMembershipClaims != nil)
	scalar("is_fallback_public_client", f.IsFallbackPublicClient, f.IsFallbackPublicClient != nil)
	scalar("requested_access_token_version", f.RequestedAccessTokenVersion, f.RequestedAccessTokenVersion != nil)
	scalar("optional_claims", f.OptionalClaims, f.OptionalClaims != nil)
	if f.Scopes != nil && len(*f.Scopes) > 0 {
		var v []string
		for _, s := range *f.Scopes {
			v = append(v, scopeLabel(s))
		}
		out = append(out, Change{Path: "oauth2_permission_scopes", Added: v})
	}
	if f.AppRoles != nil && len(*f.AppRoles) > 0 {
		var v []string
		for _, r := range *f.AppRoles {
			v = append(v, roleLabel(r))
		}
		out = append(out, Change{Path: "app_roles", Added: v})
	}
	list("web_redirect_uris", f.WebRedirectURIs)
	scalar("web_home_page_url", f.WebHomePageURL, f.WebHomePageURL != nil)
	scalar("web_logout_url", f.WebLogoutURL, f.WebLogoutURL != nil)
	scalar("enable_id_token_issuance", f.EnableIDTokenIssuance, f.EnableIDTokenIssuance != nil)
	scalar("enable_access_token_issuance", f.EnableAccessTokenIssuance, f.EnableAccessTokenIssuance != nil)
	list("spa_redirect_uris", f.SPARedirectURIs)
	list("public_client_redirect_uris", f.PublicClientRedirectURIs)
	if f.RequiredResourceAccess != nil && len(*f.RequiredResourceAccess) > 0 {
		out = append(out, Change{Path: "required_resource_access", Added: b.rraLabels(rraTriples(*f.RequiredResourceAccess))})
	}
	return out
}

func scopeLabel(s tenant.PermissionScope) string {
	l := fmt.Sprintf("%s (%s", s.Value, s.Type)
	if !s.IsEnabled {
		l += ", disabled"
	}
	return l + ")"
}

func roleLabel(r tenant.AppRole) string {
	l := fmt.Sprintf("%s (%s", r.Value, strings.Join(r.AllowedMemberTypes, ", "))
	if !r.IsEnabled {
		l += ", disabled"
	}
	return l + ")"
}

// triple is one requested permission: resource appId, permission id, type.
type triple struct{ app, id, typ string }

func rraTriples(rr []tenant.RequiredResourceAccess) []triple {
	var out []triple
	for _, r := range rr {
		for _, a := range r.ResourceAccess {
			out = append(out, triple{strings.ToLower(r.ResourceAppID), strings.ToLower(a.ID), a.Type})
		}
	}
	return out
}

func liveRRATriples(rr []tenant.RequiredResourceAccess) []triple {
	var out []triple
	for _, r := range rr {
		for _, a := range r.ResourceAccess {
			out = append(out, triple{strings.ToLower(r.ResourceAppID), strings.ToLower(a.ID), a.Type})
		}
	}
	return out
}

// rraLabels renders permissions as "resource: value (Scope|Role)".
func (b *builder) rraLabels(ts []triple) []string {
	if len(ts) == 0 {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		res, val := t.app, t.id
		if r, ok := ParseRef(t.app); ok {
			res = r.App
		}
		if rn := b.names[t.app]; rn != nil {
			res = rn.name
			if v, ok := rn.ids[t.id]; ok {
				val = v
			}
		}
		out[i] = fmt.Sprintf("%s: %s (%s)", res, val, t.typ)
	}
	return out
}

// setDiff returns the elements of want missing from have (in want order) and
// those of have missing from want (in have order).
func setDiff[T comparable](want, have []T) (added, removed []T) {
	hs := make(map[T]bool, len(have))
	for _, h := range have {
		hs[h] = true
	}
	ws := make(map[T]bool, len(want))
	for _, w := range want {
		ws[w] = true
		if !hs[w] {
			added = append(added, w)
		}
	}
	for _, h := range have {
		if !ws[h] {
			removed = append(removed, h)
		}
	}
	return added, removed
}

// appDiff accumulates a sparse update.
type appDiff struct {
	f       tenant.AppProps
	changes []Change
	risks   []Risk
	empty   bool
}

func (d *appDiff) scalar(path string, before, after any) {
	d.changes = append(d.changes, Change{Path: path, Before: rawJSON(before), After: rawJSON(after)})
	d.empty = false
}

func (d *appDiff) str(path string, want *string, have string, set func(*string)) {
	if want != nil && *want != have {
		set(want)
		d.scalar(path, have, *want)
	}
}

func (d *appDiff) boolean(path string, want *bool, have bool, set func(*bool)) {
	if want != nil && *want != have {
		set(want)
		d.scalar(path, have, *want)
	}
}

// strSet compares a collection Graph treats as a set; on a difference the
// patch carries the complete desired list. It returns the removed elements.
func (d *appDiff) strSet(path string, want *[]string, have []string, set func(*[]string)) []string {
	if want == nil {
		return nil
	}
	added, removed := setDiff(*want, have)
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	set(want)
	d.changes = append(d.changes, Change{Path: path, Added: quoteAll(added), Removed: quoteAll(removed)})
	d.empty = false
	return removed
}

// updateApp diffs a live application against the spec and emits the update
// (and, when an enabled scope or role must go, the disable step before it).
func (b *builder) updateApp(st *appState, addr string, resourceDeps []string) {
	want := b.desiredFields(st, false)
	live := st.live
	d := &appDiff{empty: true}
	d.str("display_name", want.DisplayName, live.DisplayName, func(v *string) { d.f.DisplayName = v })
	d.str("description", want.Description, live.Description, func(v *string) { d.f.Description = v })
	// Graph's default audience is AzureADMyOrg; an empty value reads as it.
	liveAudience := live.SignInAudience
	if liveAudience == "" {
		liveAudience = spec.DefaultSignInAudience
	}
	if want.SignInAudience != nil && *want.SignInAudience != liveAudience {
		d.f.SignInAudience = want.SignInAudience
		d.scalar("sign_in_audience", liveAudience, *want.SignInAudience)
		d.risks = append(d.risks, Risk{Code: RiskSignInAudience, Message: fmt.Sprintf(
			"sign-in audience changes from %s to %s: who can sign in, and the token issuer, change", liveAudience, *want.SignInAudience)})
	}
	d.str("notes", want.Notes, live.Notes, func(v *string) { d.f.Notes = v })
	d.strSet("tags", want.Tags, live.Tags, func(v *[]string) { d.f.Tags = v })
	if removed := d.strSet("identifier_uris", want.IdentifierURIs, live.IdentifierURIs, func(v *[]string) { d.f.IdentifierURIs = v }); len(removed) > 0 {
		d.risks = append(d.risks, Risk{Code: RiskIdentifierURI, Message: fmt.Sprintf(
			"identifier URIs change (the token audience): removes %s; clients that ask for tokens for it will fail", strings.Join(removed, ", "))})
	}
	if want.GroupMembershipClaims != nil && !strings.EqualFold(orNone(*want.GroupMembershipClaims), orNone(live.GroupMembershipClaims)) {
		d.f.GroupMembershipClaims = want.GroupMembershipClaims
		d.scalar("group_membership_claims", live.GroupMembershipClaims, *want.GroupMembershipClaims)
	}
	d.boolean("is_fallback_public_client", want.IsFallbackPublicClient, live.IsFallbackPublicClient, func(v *bool) { d.f.IsFallbackPublicClient = v })
	if want.RequestedAccessTokenVersion != nil && *want.RequestedAccessTokenVersion != tokenVersion(live.RequestedAccessTokenVersion) {
		d.f.RequestedAccessTokenVersion = want.RequestedAccessTokenVersion
		var before any
		if live.RequestedAccessTokenVersion != nil {
			before = *live.RequestedAccessTokenVersion
		}
		d.scalar("requested_access_token_version", before, *want.RequestedAccessTokenVersion)
	}
	if want.OptionalClaims != nil {
		have := &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{}, AccessToken: []tenant.OptionalClaim{}, SAML2Token: []tenant.OptionalClaim{}}
		if live.OptionalClaims != nil {
			have = &tenant.OptionalClaims{
				IDToken:     fromTenantClaims(live.OptionalClaims.IDToken),
				AccessToken: fromTenantClaims(live.OptionalClaims.AccessToken),
				SAML2Token:  fromTenantClaims(live.OptionalClaims.SAML2Token),
			}
		}
		if string(rawJSON(sortedClaims(want.OptionalClaims))) != string(rawJSON(sortedClaims(have))) {
			d.f.OptionalClaims = want.OptionalClaims
			d.scalar("optional_claims", have, want.OptionalClaims)
		}
	}

	var disable tenant.AppProps
	var disableChanges []Change
	if want.Scopes != nil {
		b.diffScopes(st, d, *want.Scopes, &disable, &disableChanges)
	}
	if want.AppRoles != nil {
		b.diffRoles(st, d, *want.AppRoles, &disable, &disableChanges)
	}

	var redirectRemoved []string
	redirectRemoved = append(redirectRemoved, d.strSet("web_redirect_uris", want.WebRedirectURIs, live.Web.RedirectURIs, func(v *[]string) { d.f.WebRedirectURIs = v })...)
	d.str("web_home_page_url", want.WebHomePageURL, live.Web.HomePageURL, func(v *string) { d.f.WebHomePageURL = v })
	d.str("web_logout_url", want.WebLogoutURL, live.Web.LogoutURL, func(v *string) { d.f.WebLogoutURL = v })
	d.boolean("enable_id_token_issuance", want.EnableIDTokenIssuance, live.Web.EnableIDTokenIssuance, func(v *bool) { d.f.EnableIDTokenIssuance = v })
	d.boolean("enable_access_token_issuance", want.EnableAccessTokenIssuance, live.Web.EnableAccessTokenIssuance, func(v *bool) { d.f.EnableAccessTokenIssuance = v })
	redirectRemoved = append(redirectRemoved, d.strSet("spa_redirect_uris", want.SPARedirectURIs, live.SPARedirectURIs, func(v *[]string) { d.f.SPARedirectURIs = v })...)
	redirectRemoved = append(redirectRemoved, d.strSet("public_client_redirect_uris", want.PublicClientRedirectURIs, live.PublicClientRedirectURIs, func(v *[]string) { d.f.PublicClientRedirectURIs = v })...)
	if len(redirectRemoved) > 0 {
		d.risks = append(d.risks, Risk{Code: RiskRedirectURIRemoval, Message: fmt.Sprintf(
			"removes redirect URIs %s: sign-ins that return there will fail", strings.Join(redirectRemoved, ", "))})
	}
	if want.RequiredResourceAccess != nil {
		added, removed := setDiff(rraTriples(*want.RequiredResourceAccess), liveRRATriples(live.RequiredResourceAccess))
		if len(added)+len(removed) > 0 {
			d.f.RequiredResourceAccess = want.RequiredResourceAccess
			d.changes = append(d.changes, Change{Path: "required_resource_access", Added: b.rraLabels(added), Removed: b.rraLabels(removed)})
			d.empty = false
		}
	}
	b.kindNotes(st, addr)

	var deps []string
	if disableChanges != nil {
		a := b.addAction(&Action{
			Op: OpUpdate, Type: TypeApplication, App: st.key, Address: addr, Step: "disable",
			Description: fmt.Sprintf("disable scopes and roles of application %q before they are removed or changed", live.DisplayName),
			Reason:      "Graph refuses to remove or change an enabled scope or app role in one step (CannotDeleteOrUpdateEnabledEntitlement)",
			DependsOn:   resourceDeps,
			Changes:     disableChanges,
			Application: &ApplicationAction{ObjectID: live.ID, AppID: live.AppID, Fields: &disable},
		})
		deps = []string{a.ID}
		st.appAction = a.ID
	}
	if !d.empty {
		a := b.addAction(&Action{
			Op: OpUpdate, Type: TypeApplication, App: st.key, Address: addr,
			Description: fmt.Sprintf("update application %q", live.DisplayName),
			Reason:      "the tenant differs from the spec",
			DependsOn:   appendUnique(deps, resourceDeps...),
			Changes:     d.changes,
			Risks:       d.risks,
			Application: &ApplicationAction{ObjectID: live.ID, AppID: live.AppID, Fields: &d.f},
		})
		st.appAction = a.ID
	}
}

// kindNotes reports live values a kind does not use, without changing them.
func (b *builder) kindNotes(st *appState, addr string) {
	live := st.live
	switch st.spec.Kind {
	case spec.KindService:
		n := len(live.Web.RedirectURIs) + len(live.SPARedirectURIs) + len(live.PublicClientRedirectURIs)
		if n > 0 {
			b.note(st.key, addr, "has %d redirect URI(s) although a service application signs in no user; left alone", n)
		}
	case spec.KindPublic:
		if len(live.Web.RedirectURIs) > 0 && st.spec.Web == nil {
			b.note(st.key, addr, "has web redirect URIs although it is a public client; left alone")
		}
	case spec.KindResource, spec.KindConfidential:
	default:
		panic(fmt.Sprintf("internal error: unknown spec.Kind %q", string(st.spec.Kind)))
	}
}

func orNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// tokenVersion reads Graph's requestedAccessTokenVersion: null means 1.
func tokenVersion(v *int) int {
	if v == nil {
		return 1
	}
	return *v
}

func sortedClaims(oc *tenant.OptionalClaims) *tenant.OptionalClaims {
	s := func(cs []tenant.OptionalClaim) []tenant.OptionalClaim {
		out := make([]tenant.OptionalClaim, len(cs))
		for i, c := range cs {
			c.AdditionalProperties = append([]string{}, c.AdditionalProperties...)
			sort.Strings(c.AdditionalProperties)
			out[i] = c
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Name != out[j].Name {
				return out[i].Name < out[j].Name
			}
			return out[i].Source < out[j].Source
		})
		return out
	}
	return &tenant.OptionalClaims{IDToken: s(oc.IDToken), AccessToken: s(oc.AccessToken), SAML2Token: s(oc.SAML2Token)}
}
