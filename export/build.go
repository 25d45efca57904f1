package export

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// build turns what the export decided into the typed spec it writes, with
// every default Parse would fold in already folded in, so the spec is the
// one spec.Parse reads back from spec.Marshal's output. The options carry
// the schema line, the header and each application's notes as comments.
func (x *exporter) build() (*spec.Spec, spec.MarshalOptions) {
	s := &spec.Spec{
		Version: 1,
		Tenant:  x.o.Tenant,
		Set:     x.o.Set,
		Cloud:   spec.CloudPublic,
		Defaults: spec.Defaults{
			SignInAudience: spec.DefaultSignInAudience,
			Secrets:        spec.SecretPolicy{Lifetime: spec.DefaultLifetime, RenewBefore: spec.DefaultRenewBefore, Overlap: spec.DefaultOverlap},
		},
	}
	for _, k := range sortedKeys(x.apiKeys) {
		s.APIs = append(s.APIs, &spec.API{Key: k, AppID: x.apiKeys[k]})
	}
	opts := spec.MarshalOptions{Schema: SchemaURL, Header: x.header(), Comments: map[string][]string{}}
	for _, a := range x.apps {
		s.Applications = append(s.Applications, x.application(a))
		if len(a.notes) > 0 {
			opts.Comments[a.key] = a.notes
		}
	}
	return s, opts
}

// header says what wrote the file and what to do with it.
func (x *exporter) header() []string {
	adopted := 0
	for _, a := range x.apps {
		if a.adopt {
			adopted++
		}
	}
	written := fmt.Sprintf("Written by regsync export: %d application(s) of set %s", len(x.apps), x.o.Set)
	if adopted > 0 {
		written += fmt.Sprintf(", %d of them adopted by appId", adopted)
	}
	return []string{written + ".", "Review it, then run regsync plan to see what applying it would change."}
}

// application describes one live application in the format: every field
// the format covers and the kind declares, with the tenant's value. Lists
// the tenant holds empty are left undeclared, except the identifier URIs
// a resource must declare.
func (x *exporter) application(a *app) *spec.Application {
	l := a.live
	out := &spec.Application{
		Key:            a.key,
		Kind:           a.kind,
		Platform:       a.platform,
		DisplayName:    orDefault(l.DisplayName, a.key),
		Description:    optional(l.Description),
		Notes:          optional(l.Notes),
		SignInAudience: orDefault(l.SignInAudience, spec.DefaultSignInAudience),
		Owners:         sortedCopy(l.Owners),
		AppRoles:       appRoles(l.AppRoles, x.derivedID(a.key, "role")),
	}
	if a.adopt {
		out.AppID = l.AppID
	}
	for _, t := range l.Tags {
		if !strings.HasPrefix(t, "regsync:") {
			out.Tags = append(out.Tags, t)
		}
	}
	if a.kind == spec.KindResource {
		out.IdentifierURIs = append([]string{}, l.IdentifierURIs...)
		if v := l.RequestedAccessTokenVersion; v != nil {
			out.RequestedAccessTokenVersion = ptr(*v)
		}
		if personal(l.SignInAudience) {
			out.RequestedAccessTokenVersion = ptr(2)
		}
		out.Scopes = scopes(l.Scopes, x.derivedID(a.key, "scope"))
		if l.AcceptMappedClaims {
			out.AcceptMappedClaims = ptr(true)
		}
		x.trustedClients(a, out)
	}
	if a.sp != nil && a.sp.AppRoleAssignmentRequired {
		out.AppRoleAssignmentRequired = ptr(true)
	}
	switch {
	case a.kind == spec.KindConfidential:
		out.Web = &spec.Web{
			RedirectURIs: nonEmpty(l.Web.RedirectURIs),
			HomePageURL:  optional(l.Web.HomePageURL),
			LogoutURL:    optional(l.Web.LogoutURL),
		}
		implicitGrant(out.Web, l.Web)
		out.SPARedirectURIs = nonEmpty(l.SPARedirectURIs)
		out.PublicClientRedirectURIs = nonEmpty(l.PublicClientRedirectURIs)
	case a.platform == spec.PlatformSPA:
		out.SPARedirectURIs = append([]string{}, l.SPARedirectURIs...)
		if l.Web.EnableIDTokenIssuance || l.Web.EnableAccessTokenIssuance {
			out.Web = &spec.Web{}
			implicitGrant(out.Web, l.Web)
		}
	case a.kind == spec.KindPublic:
		out.PublicClientRedirectURIs = nonEmpty(l.PublicClientRedirectURIs)
	}
	if g := l.GroupMembershipClaims; validGroupClaims[g] {
		out.GroupMembershipClaims = ptr(g)
	}
	if oc := l.OptionalClaims; oc != nil && len(oc.IDToken)+len(oc.AccessToken)+len(oc.SAML2Token) > 0 {
		out.OptionalClaims = &spec.OptionalClaims{
			IDToken:     claims(oc.IDToken),
			AccessToken: claims(oc.AccessToken),
			SAML2Token:  claims(oc.SAML2Token),
		}
	}
	if len(a.access) > 0 {
		for _, r := range a.access {
			out.Access = append(out.Access, spec.Access{Resource: r.resourceKey, Scopes: nonEmpty(r.scopes), Roles: nonEmpty(r.roles)})
		}
		if a.adminConsent {
			out.AdminConsent = spec.Consent{Scopes: a.consentScopes, Roles: a.consentRoles}
		}
	}
	if a.secret != nil {
		out.Secret = &spec.Secret{
			Vault:       x.o.Vault,
			Name:        orDefault(a.secret.name, spec.DefaultSecretName(a.key)),
			Lifetime:    spec.DefaultLifetime,
			RenewBefore: spec.DefaultRenewBefore,
			Overlap:     spec.DefaultOverlap,
		}
		if a.secret.lifetime != 0 {
			out.Secret.Lifetime = a.secret.lifetime
		}
	}
	if a.kind != spec.KindPublic {
		out.FederatedCredentials = federated(l.FederatedCredentials)
	}
	return out
}

// personal reports whether an audience lets personal Microsoft accounts
// sign in; such a resource must ask for v2 tokens.
func personal(audience string) bool {
	return audience == "AzureADandPersonalMicrosoftAccount" || audience == "PersonalMicrosoftAccount"
}

func implicitGrant(w *spec.Web, live tenant.WebApplication) {
	if live.EnableIDTokenIssuance {
		w.ImplicitIDTokens = ptr(true)
	}
	if live.EnableAccessTokenIssuance {
		w.ImplicitAccessTokens = ptr(true)
	}
}

// scopes are the exposed scopes sorted by value, with the texts Parse
// derives where the tenant has none; nil when there are none. A scope
// without a value has no key in the format and is skipped.
func scopes(exposed []tenant.PermissionScope, derived func(value string) string) []spec.Scope {
	if len(exposed) == 0 {
		return nil
	}
	sorted := append([]tenant.PermissionScope(nil), exposed...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Value < sorted[j].Value })
	out := []spec.Scope{}
	for _, s := range sorted {
		if s.Value == "" {
			continue
		}
		x := spec.Scope{
			ID:                      pinID(s.ID, derived(s.Value)),
			Value:                   s.Value,
			Type:                    orDefault(s.Type, "User"),
			AdminConsentDisplayName: orDefault(s.AdminConsentDisplayName, s.Value),
			Enabled:                 s.IsEnabled,
		}
		x.AdminConsentDescription = orDefault(s.AdminConsentDescription, x.AdminConsentDisplayName)
		x.UserConsentDisplayName = orDefault(s.UserConsentDisplayName, x.AdminConsentDisplayName)
		x.UserConsentDescription = orDefault(s.UserConsentDescription, x.AdminConsentDescription)
		out = append(out, x)
	}
	return out
}

// appRoles are the app roles sorted by value, with the texts Parse derives
// where the tenant has none; nil when there are none. memberTypes is always
// declared, empty when the tenant has none (the format requires it).
func appRoles(roles []tenant.AppRole, derived func(value string) string) []spec.AppRole {
	if len(roles) == 0 {
		return nil
	}
	sorted := append([]tenant.AppRole(nil), roles...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Value < sorted[j].Value })
	out := []spec.AppRole{}
	for _, r := range sorted {
		if r.Value == "" {
			continue
		}
		x := spec.AppRole{
			ID:                 pinID(r.ID, derived(r.Value)),
			Value:              r.Value,
			DisplayName:        orDefault(r.DisplayName, r.Value),
			AllowedMemberTypes: append([]string{}, r.AllowedMemberTypes...),
			Enabled:            r.IsEnabled,
		}
		x.Description = orDefault(r.Description, x.DisplayName)
		out = append(out, x)
	}
	return out
}

// claims are the optional claims of one token type; nil when there are none.
func claims(cs []tenant.OptionalClaim) []spec.OptionalClaim {
	if len(cs) == 0 {
		return nil
	}
	out := make([]spec.OptionalClaim, 0, len(cs))
	for _, c := range cs {
		out = append(out, spec.OptionalClaim{Name: c.Name, Source: c.Source, Essential: c.Essential, AdditionalProperties: nonEmpty(c.AdditionalProperties)})
	}
	return out
}

// federated are the federated credentials sorted by name (each
// description without regsync's record of when it was added), a credential
// without audiences given the format's default one; nil when there are
// none.
func federated(fcs []tenant.FederatedCredential) []spec.FederatedCredential {
	if len(fcs) == 0 {
		return nil
	}
	sorted := append([]tenant.FederatedCredential(nil), fcs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	out := make([]spec.FederatedCredential, 0, len(sorted))
	for _, f := range sorted {
		aud := nonEmpty(f.Audiences)
		if aud == nil {
			aud = []string{spec.DefaultFederatedAudience}
		}
		out = append(out, spec.FederatedCredential{Name: f.Name, Issuer: f.Issuer, Subject: f.Subject, Audiences: aud, Description: planner.FederatedDescription(f.Description)})
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// optional is nil for an empty string: the tenant holds no value, so the
// spec leaves the field undeclared.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonEmpty copies s; nil when s is empty, so the spec leaves the list
// undeclared.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// sortedCopy is a sorted copy of s; nil when s is empty.
func sortedCopy(s []string) []string {
	out := nonEmpty(s)
	sort.Strings(out)
	return out
}

func ptr[T any](v T) *T { return &v }

// trustedClients writes a resource's knownClientApplications and
// preAuthorizedApplications by the clients' keys. A client that is neither
// exported nor an api of the file has no key; the property is then left
// out (so plan leaves it alone) and a note says why.
func (x *exporter) trustedClients(a *app, out *spec.Application) {
	l := a.live
	keyOf := func(appID string) (string, bool) {
		id := strings.ToLower(appID)
		if t := x.byAppID[id]; t != nil {
			return t.key, true
		}
		if k := x.apis[id]; k != "" {
			return k, true
		}
		return "", false
	}
	if len(l.KnownClientApplications) > 0 {
		var refs []spec.ClientRef
		for _, id := range l.KnownClientApplications {
			k, ok := keyOf(id)
			if !ok {
				a.note(fmt.Sprintf("knownClientApplications left out: client %s is not exported; export it too (--app-id) to manage the list", id))
				refs = nil
				break
			}
			refs = append(refs, spec.ClientRef{Key: k})
		}
		if refs != nil {
			out.KnownClientApplications = refs
		}
	}
	if len(l.PreAuthorizedApplications) == 0 {
		return
	}
	scopeValue := map[string]string{}
	for _, s := range l.Scopes {
		scopeValue[strings.ToLower(s.ID)] = s.Value
	}
	var pre []spec.PreAuthorized
	for _, p := range l.PreAuthorizedApplications {
		k, ok := keyOf(p.AppID)
		if !ok {
			a.note(fmt.Sprintf("preAuthorizedApplications left out: client %s is not exported; export it too (--app-id) to manage the list", p.AppID))
			return
		}
		var values []string
		for _, id := range p.DelegatedPermissionIDs {
			v, ok := scopeValue[strings.ToLower(id)]
			if !ok {
				a.note(fmt.Sprintf("preAuthorizedApplications left out: client %s is pre-authorized for %s, which is no scope of this API", p.AppID, id))
				return
			}
			values = append(values, v)
		}
		sort.Strings(values)
		pre = append(pre, spec.PreAuthorized{Client: k, Scopes: values})
	}
	sort.Slice(pre, func(i, j int) bool { return pre[i].Client < pre[j].Client })
	out.PreAuthorizedApplications = pre
}

// derivedID returns the id the planner gives an unpinned entry of kind
// ("scope" or "role") that the tenant does not have yet.
func (x *exporter) derivedID(key, kind string) func(value string) string {
	return func(value string) string { return tenant.StableID(x.o.Set, key, kind, value) }
}

// pinID is the id to pin in the spec: the live id when it is not the one
// the planner would derive (in another tenant, or after the entry is
// removed and added again, the planner would otherwise give it another
// id), and none for ids regsync made.
func pinID(id, derived string) string {
	if id == "" || strings.EqualFold(id, derived) {
		return ""
	}
	return strings.ToLower(id)
}
