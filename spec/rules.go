package spec

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/regsync/regsync/diag"
)

// checker runs the semantic rules: what the schema cannot say because it
// spans fields, applications or defaults. Each rule is a method; docs/spec.md
// lists them with the test that proves each.
type checker struct {
	s    *Spec
	doc  *document
	ds   *diag.Diagnostics
	apps map[string]*Application // by key; the file may hold thousands
	apis map[string]*API
	// perms caches each resource's scope and role values.
	perms map[string]resourcePerms
	known string // knownResources, built once
}

func checkRules(s *Spec, doc *document, ds *diag.Diagnostics) {
	c := &checker{s: s, doc: doc, ds: ds, apps: map[string]*Application{}, apis: map[string]*API{}, perms: map[string]resourcePerms{}}
	for _, a := range s.Applications {
		c.apps[a.Key] = a
	}
	for _, a := range s.APIs {
		c.apis[a.Key] = a
	}
	c.durations()
	c.secretPolicy("defaults.secrets", s.Defaults.Secrets, c.pos("defaults.secrets"))
	c.keysUnique()
	c.appIDs()
	seenURI := map[string]string{}
	for _, a := range s.Applications {
		c.kindRules(a)
		c.redirectURIs(a)
		c.webURLs(a)
		c.identifierURIs(a, seenURI)
		c.permissionValues(a)
		c.roleMembers(a)
		c.access(a)
		c.apiClients(a)
		c.secret(a)
		c.certificate(a)
		c.federated(a)
		c.tags(a)
		c.audience(a)
		c.azureRoles(a)
	}
	c.secretNamesUnique()
	c.azureResources()
}

// node returns the node at an address, or nil.
func (c *checker) node(addr string) *node { return c.doc.byAddr[addr] }

// pos returns where the value at addr starts (its key for members), or the
// file when the address is not in the file.
func (c *checker) pos(addr string) diag.Pos {
	if n := c.node(addr); n != nil {
		if n.keyPos.Line > 0 {
			return n.keyPos
		}
		return n.pos
	}
	return diag.Pos{File: c.s.File}
}

// valuePos returns where the value at addr starts.
func (c *checker) valuePos(addr string) diag.Pos {
	if n := c.node(addr); n != nil {
		return n.pos
	}
	return diag.Pos{File: c.s.File}
}

func appAddr(a *Application, field string) string {
	return joinAddr(joinAddr("applications", a.Key), field)
}

// durations: every duration parses (whole d/h/m/s, not zero, at most 100
// years). The schema checks the shape; this catches 0d and the like.
func (c *checker) durations() {
	for addr, n := range c.doc.byAddr {
		last := addr[strings.LastIndexAny(addr, ".[")+1:]
		if last != "lifetime" && last != "renewBefore" && last != "overlap" {
			continue
		}
		if n.kind != kindString || len(n.str) < 2 || !durationShape.MatchString(n.str) {
			continue // the schema reported it
		}
		if _, err := ParseDuration(n.str); err != nil {
			c.ds.Errorf(n.pos, addr, "Write a positive duration such as 90d, 12h or 1h30m (d = 24h), at most 100 years.", "invalid duration: %v", err)
		}
	}
}

// secretPolicy: overlap < renewBefore < lifetime.
func (c *checker) secretPolicy(addr string, p SecretPolicy, pos diag.Pos) {
	if p.RenewBefore >= p.Lifetime {
		c.ds.Errorf(pos, addr, fmt.Sprintf("renewBefore is %s and lifetime %s; a secret would be renewed as soon as it is made. Make renewBefore shorter than lifetime.", FormatDuration(p.RenewBefore), FormatDuration(p.Lifetime)),
			"renewBefore must be shorter than lifetime")
	}
	if p.Overlap >= p.RenewBefore {
		c.ds.Errorf(pos, addr, fmt.Sprintf("overlap is %s and renewBefore %s; the old secret would expire before its successor is due. Make overlap shorter than renewBefore.", FormatDuration(p.Overlap), FormatDuration(p.RenewBefore)),
			"overlap must be shorter than renewBefore")
	}
}

// keysUnique: a key names either an application or an api, never both, so
// an access entry is never ambiguous.
func (c *checker) keysUnique() {
	for _, api := range c.s.APIs {
		if a := c.apps[api.Key]; a != nil {
			c.ds.Errorf(api.Pos, joinAddr("apis", api.Key), fmt.Sprintf("applications.%s (line %d) has the same key, so access to %q would be ambiguous. Rename one of them.", a.Key, a.Pos.Line, api.Key),
				"%q is both an api and an application", api.Key)
		}
	}
}

// appIDs: an appId appears once in the file (applications to adopt and apis).
func (c *checker) appIDs() {
	seen := map[string]string{}
	check := func(appID, addr string, pos diag.Pos) {
		if appID == "" {
			return
		}
		id := strings.ToLower(appID)
		if prev, dup := seen[id]; dup {
			c.ds.Errorf(pos, addr, fmt.Sprintf("%s has the same appId. Each application or api appears once.", prev), "appId %s is used twice", appID)
			return
		}
		seen[id] = addr
	}
	for _, api := range c.s.APIs {
		check(api.AppID, joinAddr(joinAddr("apis", api.Key), "appId"), c.valuePos(joinAddr(joinAddr("apis", api.Key), "appId")))
	}
	for _, a := range c.s.Applications {
		check(a.AppID, appAddr(a, "appId"), c.valuePos(appAddr(a, "appId")))
	}
}

// kindRules: what each kind may and must have (DESIGN.md, "The four kinds").
func (c *checker) kindRules(a *Application) {
	not := func(field, why string) {
		if c.node(appAddr(a, field)) == nil {
			return
		}
		c.ds.Errorf(c.pos(appAddr(a, field)), appAddr(a, field), why+" Remove "+field+", or change kind.",
			"a %s application cannot have %s", a.Kind, field)
	}
	switch a.Kind {
	case "":
		return // the schema reported the missing kind
	case KindResource:
		not("platform", "platform is for public clients.")
		not("redirectUris", "A resource (API) does not sign users in; its clients do.")
		not("homePageUrl", "homePageUrl is part of a confidential client's web platform.")
		not("logoutUrl", "logoutUrl is part of a confidential client's web platform.")
		not("implicitGrant", "The implicit grant concerns clients that sign users in.")
		not("spaRedirectUris", "A resource (API) does not sign users in; its clients do.")
		not("publicClientRedirectUris", "A resource (API) does not sign users in; its clients do.")
		if len(a.IdentifierURIs) == 0 {
			c.ds.Errorf(a.Pos, appAddr(a, "identifierUris"), "A resource's identifier URI is the audience of its tokens. Add identifierUris, e.g. [https://fhir.contoso.com] or [api://fhir-api.contoso.com].",
				"resource %s has no identifierUris", a.Key)
		}
	case KindConfidential:
		not("platform", "A confidential client always uses the web platform.")
		not("scopes", "Only a resource exposes scopes; make a separate resource application for the API.")
		not("identifierUris", "Only a resource has identifier URIs; make a separate resource application for the API.")
		not("requestedAccessTokenVersion", "Only a resource receives access tokens.")
		c.notAPI(not)
		c.needsCredential(a)
	case KindPublic:
		not("secret", "A public client (SPA, mobile, desktop) runs where a secret cannot be kept; it signs in with PKCE instead.")
		not("certificate", "A public client (SPA, mobile, desktop) runs where no private key can be kept; it signs in with PKCE instead.")
		not("federatedCredentials", "A federated credential is a client assertion, which only a confidential application can make.")
		not("scopes", "Only a resource exposes scopes.")
		not("identifierUris", "Only a resource has identifier URIs.")
		not("requestedAccessTokenVersion", "Only a resource receives access tokens.")
		c.notAPI(not)
		not("homePageUrl", "homePageUrl is part of the web platform of confidential clients.")
		not("logoutUrl", "logoutUrl is part of the web platform of confidential clients.")
		not("spaRedirectUris", "A public client's redirectUris are its platform's; spaRedirectUris is for a confidential client's SPA front end. Use platform: spa and redirectUris.")
		not("publicClientRedirectUris", "A public client's redirectUris are its platform's; publicClientRedirectUris is for a confidential client. Use platform: mobile or desktop and redirectUris.")
		if a.Platform == "" {
			c.ds.Errorf(a.Pos, appAddr(a, "platform"), "Add platform: spa, mobile or desktop. spa uses the SPA platform; mobile and desktop use public-client redirect URIs.",
				"public client %s has no platform", a.Key)
		}
		if a.Platform != "" && a.Platform != PlatformSPA && c.node(appAddr(a, "implicitGrant")) != nil {
			c.ds.Errorf(c.pos(appAddr(a, "implicitGrant")), appAddr(a, "implicitGrant"), "The implicit grant only applies to browser apps. Remove implicitGrant.",
				"a %s client cannot use the implicit grant", a.Platform)
		}
	case KindService:
		not("platform", "A service uses the client-credentials flow and no platform.")
		not("redirectUris", "A service uses the client-credentials flow; nobody signs in, so nothing is redirected.")
		not("homePageUrl", "A service has no web front end.")
		not("logoutUrl", "A service has no web front end.")
		not("implicitGrant", "A service uses the client-credentials flow.")
		not("spaRedirectUris", "A service uses the client-credentials flow; nobody signs in, so nothing is redirected.")
		not("publicClientRedirectUris", "A service uses the client-credentials flow; nobody signs in, so nothing is redirected.")
		not("scopes", "Only a resource exposes scopes.")
		not("identifierUris", "Only a resource has identifier URIs.")
		not("requestedAccessTokenVersion", "Only a resource receives access tokens.")
		c.notAPI(not)
		c.needsCredential(a)
	default:
		return // the schema reported the unknown kind
	}
	c.adminConsent(a)
}

// adminConsent: consent needs something to grant. Any consent needs
// access; a part chosen in a mapping needs access that asks for that part
// (true grants whatever access lists, so it is not checked per part).
func (c *checker) adminConsent(a *Application) {
	addr := appAddr(a, "adminConsent")
	if !a.AdminConsent.Any() {
		return
	}
	if len(a.Access) == 0 {
		c.ds.Errorf(c.pos(addr), addr, "adminConsent grants the permissions listed under access; there are none. Add access, or remove adminConsent.",
			"adminConsent without access")
		return
	}
	n := c.node(addr)
	if n == nil || n.kind != kindObject {
		return
	}
	var scopes, roles bool
	for _, ac := range a.Access {
		scopes = scopes || len(ac.Scopes) > 0
		roles = roles || len(ac.Roles) > 0
	}
	if a.AdminConsent.Scopes && !scopes {
		c.ds.Errorf(c.pos(joinAddr(addr, "scopes")), joinAddr(addr, "scopes"), "adminConsent.scopes consents to the delegated scopes listed under access; none is listed. Add scopes to access, or remove adminConsent.scopes.",
			"adminConsent.scopes without delegated scopes in access")
	}
	if a.AdminConsent.Roles && !roles {
		c.ds.Errorf(c.pos(joinAddr(addr, "roles")), joinAddr(addr, "roles"), "adminConsent.roles grants the application roles listed under access; none is listed. Add roles to access, or remove adminConsent.roles.",
			"adminConsent.roles without roles in access")
	}
}

// needsCredential warns when a confidential or service client has no way to
// prove who it is (it may use a certificate managed elsewhere).
func (c *checker) needsCredential(a *Application) {
	if a.Secret == nil && a.Certificate == nil && len(a.FederatedCredentials) == 0 {
		c.ds.Warnf(a.Pos, joinAddr("applications", a.Key), "Add secret: {} or certificate: {} (kept in Key Vault) or a federated credential, unless a credential is managed outside regsync.",
			"%s client %s has no secret, no certificate and no federated credential", a.Kind, a.Key)
	}
}

// redirectURIs: https only, http only for localhost/127.0.0.1; absolute;
// custom schemes only for mobile/desktop (public-client URIs); no query for
// personal accounts. A confidential client has up to three lists, one per
// platform; a public client one, by its platform.
func (c *checker) redirectURIs(a *Application) {
	switch {
	case a.Kind == KindConfidential:
		if a.Web != nil {
			c.redirectList(a, "redirectUris", "web", a.Web.RedirectURIs)
		}
		c.redirectList(a, "spaRedirectUris", "spa", a.SPARedirectURIs)
		c.redirectList(a, "publicClientRedirectUris", "publicClient", a.PublicClientRedirectURIs)
	case a.Kind == KindPublic && (a.Platform == PlatformMobile || a.Platform == PlatformDesktop):
		c.redirectList(a, "redirectUris", string(a.Platform), a.PublicClientRedirectURIs)
	case a.Kind == KindPublic && a.Platform == PlatformSPA:
		c.redirectList(a, "redirectUris", "spa", a.SPARedirectURIs)
	}
}

// redirectList checks one platform's redirect URIs, declared at field.
func (c *checker) redirectList(a *Application, field, platform string, uris []string) {
	for i, raw := range uris {
		addr := fmt.Sprintf("%s[%d]", appAddr(a, field), i)
		pos := c.valuePos(addr)
		if !redirectShape.MatchString(raw) {
			continue // the schema reported it
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
			c.ds.Errorf(pos, addr, "Write an absolute URI such as https://app.contoso.com/signin-oidc.", "redirect URI %q is not an absolute URI", trimmed(raw))
			continue
		}
		c.userinfo(pos, addr, "redirect URI", raw, u)
		scheme := strings.ToLower(u.Scheme)
		switch {
		case scheme == "https":
			if u.Host == "" {
				c.ds.Errorf(pos, addr, "Write https://host/path.", "redirect URI %q has no host", trimmed(raw))
			}
		case scheme == "http":
			if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" {
				c.ds.Errorf(pos, addr, "Entra accepts http only for http://localhost and http://127.0.0.1. Use https.", "redirect URI %q uses http on a host other than localhost", trimmed(raw))
			}
		case platform == "web" || platform == "spa":
			c.ds.Errorf(pos, addr, fmt.Sprintf("The %s platform takes https URIs (http only for localhost). Custom schemes such as myapp:// belong to a public client with platform mobile or desktop, or to a confidential client's publicClientRedirectUris.", platform),
				"redirect URI %q uses scheme %s", trimmed(raw), u.Scheme)
		}
		if u.RawQuery != "" && personal(a.SignInAudience) {
			c.ds.Errorf(pos, addr, "Entra allows query parameters in redirect URIs only for apps limited to work and school accounts. Remove the query.",
				"redirect URI %q has a query, and personal accounts may sign in", trimmed(raw))
		}
	}
}

// webURLs: homePageUrl and logoutUrl have no user part. The schema checks
// their form.
func (c *checker) webURLs(a *Application) {
	if a.Web == nil {
		return
	}
	for _, f := range []struct {
		field string
		v     *string
	}{{"homePageUrl", a.Web.HomePageURL}, {"logoutUrl", a.Web.LogoutURL}} {
		if f.v == nil {
			continue
		}
		addr := appAddr(a, f.field)
		if u, err := url.Parse(*f.v); err == nil {
			c.userinfo(c.valuePos(addr), addr, f.field, *f.v, u)
		}
	}
}

// userinfo refuses a user name or password in a URI (https://user@host,
// https://a:b@host). Entra has no use for one, and it is how a link is made
// to look like another host: https://login.contoso.com@evil.example/ goes to
// evil.example. The detail gives the URI without it.
func (c *checker) userinfo(pos diag.Pos, addr, what, raw string, u *url.URL) {
	if u.User == nil {
		return
	}
	host := u.Host
	if host == "" {
		host = "the host"
	}
	c.ds.Errorf(pos, addr, fmt.Sprintf("The part before @ is a user name, not the host; the host is %s. Remove the user part: %s", host, trimmed(withoutUserinfo(raw))),
		"%s %q has a user name or password (user@host)", what, trimmed(raw))
}

// withoutUserinfo drops what lies between "://" and the last "@" of the
// authority.
func withoutUserinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	start := i + 3
	end := len(raw)
	if j := strings.IndexAny(raw[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(raw[start:end], '@')
	if at < 0 {
		return raw
	}
	return raw[:start] + raw[start+at+1:]
}

func personal(aud string) bool {
	return aud == "AzureADandPersonalMicrosoftAccount" || aud == "PersonalMicrosoftAccount"
}

// identifierURIs: well formed and unique in the file.
func (c *checker) identifierURIs(a *Application, seen map[string]string) {
	for i, raw := range a.IdentifierURIs {
		addr := fmt.Sprintf("%s[%d]", appAddr(a, "identifierUris"), i)
		pos := c.valuePos(addr)
		if !identifierShape.MatchString(raw) || len(raw) > 255 {
			continue // the schema reported it
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "":
			c.ds.Errorf(pos, addr, "Write api://<name> or https://<verified domain>/<path>, e.g. https://fhir.contoso.com.", "identifier URI %q is not well formed", trimmed(raw))
			continue
		case u.User != nil:
			c.userinfo(pos, addr, "identifier URI", raw, u)
		case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
			c.ds.Errorf(pos, addr, "Remove the query (?...) and fragment (#...).", "identifier URI %q has a query or fragment", trimmed(raw))
		case personal(a.SignInAudience) && len(raw) > 120:
			c.ds.Errorf(pos, addr, "When personal accounts may sign in, identifier URIs are at most 120 characters.", "identifier URI %q is too long", trimmed(raw))
		}
		key := strings.ToLower(strings.TrimRight(raw, "/"))
		if prev, dup := seen[key]; dup {
			c.ds.Errorf(pos, addr, fmt.Sprintf("%s has the same URI; an identifier URI names one application in the tenant. Use another.", prev), "identifier URI %q is used twice", trimmed(raw))
			continue
		}
		seen[key] = addr
	}
}

// permissionValues: scopes and app roles of one application share one
// namespace, compared without case. Entra accepts a scope and a role with
// the same value only as one permission: under one id, with the texts it
// compares equal (displayName = adminConsentDisplayName, description =
// adminConsentDescription) and the same enabled state. Such a pair is
// allowed when both entries pin that id; anything else is refused.
func (c *checker) permissionValues(a *Application) {
	scopes := map[string]*Scope{}
	for i := range a.Scopes {
		scopes[strings.ToLower(a.Scopes[i].Value)] = &a.Scopes[i]
	}
	for _, r := range a.AppRoles {
		s, dup := scopes[strings.ToLower(r.Value)]
		if !dup {
			continue
		}
		addr := joinAddr(appAddr(a, "appRoles"), r.Value)
		if why := twinMismatch(s, &r); why != "" {
			c.ds.Errorf(r.Pos, addr, fmt.Sprintf("Entra keeps scope and role values of an application in one namespace and accepts the scope %q beside this role only as one permission: %s. Rename one, or make them that one permission.", s.Value, why),
				"app role %q has the value of a scope", r.Value)
		}
	}
	seen := map[string]string{}
	for _, r := range a.AppRoles {
		k := strings.ToLower(r.Value)
		if prev, dup := seen[k]; dup {
			c.ds.Errorf(r.Pos, joinAddr(appAddr(a, "appRoles"), r.Value), fmt.Sprintf("Role values are compared without case; %q is already defined.", prev), "app role %q is defined twice", r.Value)
		}
		seen[k] = r.Value
	}
	seen = map[string]string{}
	for _, s := range a.Scopes {
		k := strings.ToLower(s.Value)
		if prev, dup := seen[k]; dup {
			c.ds.Errorf(s.Pos, joinAddr(appAddr(a, "scopes"), s.Value), fmt.Sprintf("Scope values are compared without case; %q is already defined.", prev), "scope %q is defined twice", s.Value)
		}
		seen[k] = s.Value
	}
	c.pinnedIDs(a)
}

// twinMismatch says why a scope and a role with the same value (without
// case) are not one permission Entra accepts; "" when they are.
func twinMismatch(s *Scope, r *AppRole) string {
	var why []string
	if s.Value != r.Value {
		why = append(why, fmt.Sprintf("the values differ in case (%q, %q)", s.Value, r.Value))
	}
	switch {
	case s.ID == "" || r.ID == "":
		why = append(why, "both must pin the same id")
	case s.ID != r.ID:
		why = append(why, fmt.Sprintf("they pin different ids (%s, %s)", s.ID, r.ID))
	}
	if r.DisplayName != s.AdminConsentDisplayName {
		why = append(why, fmt.Sprintf("the role's displayName %q differs from the scope's adminConsentDisplayName %q", trimmed(r.DisplayName), trimmed(s.AdminConsentDisplayName)))
	}
	if r.Description != s.AdminConsentDescription {
		why = append(why, fmt.Sprintf("the role's description %q differs from the scope's adminConsentDescription %q", trimmed(r.Description), trimmed(s.AdminConsentDescription)))
	}
	if r.Enabled != s.Enabled {
		why = append(why, "one is enabled and the other is not")
	}
	return strings.Join(why, "; ")
}

// pinnedIDs: a pinned id names one scope or role of the application. The
// only exception is a scope and a role with the same value, which Entra
// treats as one permission (permissionValues checks the rest of that).
func (c *checker) pinnedIDs(a *Application) {
	type owner struct {
		addr, value string
		role        bool
	}
	seen := map[string]owner{}
	check := func(id, value, addr string, role bool) {
		if id == "" || !guidShape.MatchString(id) {
			return // none pinned, or the schema reported it
		}
		prev, dup := seen[id]
		if !dup {
			seen[id] = owner{addr, value, role}
			return
		}
		if prev.role != role && strings.EqualFold(prev.value, value) {
			return // a scope and role pair: permissionValues judges it
		}
		idAddr := joinAddr(addr, "id")
		c.ds.Errorf(c.valuePos(idAddr), idAddr, fmt.Sprintf("%s pins the same id. An id names one scope or app role of the application (a scope and a role share one only when they have the same value and texts). Give one of them another GUID, or remove its id to let regsync choose.", prev.addr),
			"id %s is pinned twice", id)
	}
	for _, s := range a.Scopes {
		check(s.ID, s.Value, joinAddr(appAddr(a, "scopes"), s.Value), false)
	}
	for _, r := range a.AppRoles {
		check(r.ID, r.Value, joinAddr(appAddr(a, "appRoles"), r.Value), true)
	}
}

// notAPI refuses a resource's api settings on a client.
func (c *checker) notAPI(not func(field, detail string)) {
	not("acceptMappedClaims", "Only a resource receives access tokens, and so mapped claims.")
	not("knownClientApplications", "Only a resource (API) has known client applications; list this client on the resource instead.")
	not("preAuthorizedApplications", "Only a resource (API) pre-authorizes clients; list this client on the resource instead.")
}

// apiClients: a resource's knownClientApplications and
// preAuthorizedApplications name applications of this file or apis, never
// the resource itself; pre-authorized scopes are the resource's own.
func (c *checker) apiClients(a *Application) {
	if a.Kind != KindResource {
		return // the kind rules refused the settings
	}
	check := func(key string, pos diag.Pos, addr string) bool {
		if key == a.Key {
			c.ds.Errorf(pos, addr, "An API does not need to trust itself. Remove the entry.", "%s names itself", a.Key)
			return false
		}
		if c.apps[key] == nil && c.apis[key] == nil {
			c.ds.Errorf(pos, addr, fmt.Sprintf("Name an application of this file or an entry of apis (add the client under apis with its appId, e.g. the Azure CLI's 04b07795-8ddb-461a-bbee-02f9e1bf7b46).%s", c.didYouMeanKey(key)),
				"unknown client %q", key)
			return false
		}
		return true
	}
	for i, k := range a.KnownClientApplications {
		check(k.Key, k.Pos, fmt.Sprintf("%s[%d]", appAddr(a, "knownClientApplications"), i))
	}
	if len(a.PreAuthorizedApplications) == 0 {
		return
	}
	scopes, _ := c.permissions(a)
	for _, p := range a.PreAuthorizedApplications {
		addr := joinAddr(appAddr(a, "preAuthorizedApplications"), p.Client)
		check(p.Client, p.Pos, addr)
		for i, s := range p.Scopes {
			if !scopes[s] {
				iaddr := fmt.Sprintf("%s[%d]", addr, i)
				c.ds.Errorf(c.valuePos(iaddr), iaddr, fmt.Sprintf("A client can be pre-authorized only for %s's own scopes: %s.", a.Key, c.perms[a.Key].scopeList),
					"%s has no scope %q", a.Key, s)
			}
		}
	}
}

// access: each entry names an application of this file of kind resource, or
// an api; scope and role names exist on a resource of this file (names on
// external apis are checked against the tenant by plan); a public client asks
// for no roles; a service client asks for no delegated scopes.
func (c *checker) access(a *Application) {
	for _, ac := range a.Access {
		addr := joinAddr(appAddr(a, "access"), ac.Resource)
		if len(ac.Scopes) == 0 && len(ac.Roles) == 0 && c.node(addr) != nil && c.node(addr).kind == kindObject {
			c.ds.Errorf(ac.Pos, addr, "List the scopes (delegated) or roles (application permissions) wanted, or remove the entry.", "access to %s asks for nothing", ac.Resource)
		}
		if a.Kind == KindPublic && len(ac.Roles) > 0 {
			c.ds.Errorf(c.pos(joinAddr(addr, "roles")), joinAddr(addr, "roles"), "Application permissions need the client-credentials flow, which needs a credential a public client cannot keep. Use scopes, or a service application.",
				"a public client cannot ask for application roles")
		}
		if a.Kind == KindService && len(ac.Scopes) > 0 {
			c.ds.Errorf(c.pos(joinAddr(addr, "scopes")), joinAddr(addr, "scopes"), "A service signs in as itself (client credentials); delegated scopes need a signed-in user. Ask for roles instead.",
				"a service client cannot use delegated scopes")
		}
		if ac.Resource == a.Key {
			c.ds.Errorf(ac.Pos, addr, "An application does not need permissions to call itself. Remove the entry.", "%s asks for access to itself", a.Key)
			continue
		}
		if c.apis[ac.Resource] != nil {
			continue // names are resolved against the tenant by plan
		}
		res := c.apps[ac.Resource]
		if res == nil {
			c.ds.Errorf(ac.Pos, addr, fmt.Sprintf("Name an application of this file or an entry of apis (known: %s), or add it under apis with its appId.", c.knownResources()),
				"access names unknown resource %q", ac.Resource)
			continue
		}
		if res.Kind != KindResource {
			c.ds.Errorf(ac.Pos, addr, fmt.Sprintf("%s is a %s application; only a resource exposes scopes and roles to clients.", res.Key, res.Kind),
				"access names %s, which is not a resource", ac.Resource)
			continue
		}
		scopes, roles := c.permissions(res)
		for i, s := range ac.Scopes {
			if !scopes[s] {
				iaddr := fmt.Sprintf("%s[%d]", joinAddr(addr, "scopes"), i)
				c.ds.Errorf(c.valuePos(iaddr), iaddr, fmt.Sprintf("%s defines the scopes: %s.", res.Key, c.perms[res.Key].scopeList), "%s has no scope %q", res.Key, s)
			}
		}
		for i, r := range ac.Roles {
			iaddr := fmt.Sprintf("%s[%d]", joinAddr(addr, "roles"), i)
			role := roles[r]
			switch {
			case role == nil:
				c.ds.Errorf(c.valuePos(iaddr), iaddr, fmt.Sprintf("%s defines the application roles: %s.", res.Key, c.perms[res.Key].roleList), "%s has no app role %q", res.Key, r)
			case !contains(role.AllowedMemberTypes, "Application"):
				c.ds.Errorf(c.valuePos(iaddr), iaddr, fmt.Sprintf("Add Application to %s's memberTypes, or ask for a role meant for applications.", joinAddr(joinAddr(joinAddr("applications", res.Key), "appRoles"), r)),
					"app role %q of %s cannot be given to applications", r, res.Key)
			}
		}
	}
	if a.Kind == KindService && !a.AdminConsent.Roles {
		for _, ac := range a.Access {
			if len(ac.Roles) > 0 {
				c.ds.Warnf(ac.Pos, joinAddr(appAddr(a, "access"), ac.Resource), "Application roles work only once granted. Add adminConsent: true (or {roles: true}), or grant them outside regsync.",
					"%s asks for roles on %s without adminConsent", a.Key, ac.Resource)
				break
			}
		}
	}
}

// permissions returns the scope values and app roles of a resource, built
// once per resource.
func (c *checker) permissions(res *Application) (map[string]bool, map[string]*AppRole) {
	if p, ok := c.perms[res.Key]; ok {
		return p.scopes, p.roles
	}
	p := resourcePerms{scopes: map[string]bool{}, roles: map[string]*AppRole{}, scopeList: listOr(scopeValues(res)), roleList: listOr(appRoleValues(res))}
	for _, x := range res.Scopes {
		p.scopes[x.Value] = true
	}
	for j := range res.AppRoles {
		p.roles[res.AppRoles[j].Value] = &res.AppRoles[j]
	}
	c.perms[res.Key] = p
	return p.scopes, p.roles
}

type resourcePerms struct {
	scopes    map[string]bool
	roles     map[string]*AppRole
	scopeList string // for details
	roleList  string
}

// didYouMeanKey suggests the key of this file or apis closest to key.
func (c *checker) didYouMeanKey(key string) string {
	best, bestD := "", 3
	try := func(k string) {
		if d := diag.EditDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	for _, a := range c.s.Applications {
		try(a.Key)
	}
	for _, a := range c.s.APIs {
		try(a.Key)
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func (c *checker) knownResources() string {
	if c.known != "" {
		return c.known
	}
	var out []string
	for _, a := range c.s.Applications {
		if a.Kind == KindResource {
			out = append(out, a.Key)
		}
	}
	for _, a := range c.s.APIs {
		out = append(out, a.Key)
	}
	c.known = listOr(out)
	return c.known
}

func scopeValues(a *Application) []string {
	var out []string
	for _, s := range a.Scopes {
		out = append(out, s.Value)
	}
	return out
}

func appRoleValues(a *Application) []string {
	var out []string
	for _, r := range a.AppRoles {
		if contains(r.AllowedMemberTypes, "Application") {
			out = append(out, r.Value)
		}
	}
	return out
}

// listOr joins names for a detail, at most ten of them.
func listOr(s []string) string {
	const max = 10
	switch {
	case len(s) == 0:
		return "none"
	case len(s) > max:
		return strings.Join(s[:max], ", ") + fmt.Sprintf(" and %d more", len(s)-max)
	default:
		return strings.Join(s, ", ")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// secret: a vault is named (here or in defaults), its name is a valid vault
// name, and the effective policy holds.
func (c *checker) secret(a *Application) {
	if a.Secret == nil || a.Kind == KindPublic {
		return
	}
	addr := appAddr(a, "secret")
	if a.Secret.Vault == "" {
		c.ds.Errorf(a.Secret.Pos, addr, "Name the Key Vault that keeps the secret: secret.vault, or defaults.secrets.vault for every application.",
			"secret of %s has no vault", a.Key)
	} else if strings.Contains(a.Secret.Vault, "--") && c.node(joinAddr(addr, "vault")) != nil {
		c.ds.Errorf(c.valuePos(joinAddr(addr, "vault")), joinAddr(addr, "vault"), "Key Vault names cannot contain two hyphens in a row.", "invalid Key Vault name %q", a.Secret.Vault)
	}
	// Report the policy only when this secret changes it; defaults are
	// checked once at defaults.secrets.
	sn := c.node(addr)
	if sn != nil && (sn.get("lifetime") != nil || sn.get("renewBefore") != nil || sn.get("overlap") != nil) {
		c.secretPolicy(addr, SecretPolicy{Lifetime: a.Secret.Lifetime, RenewBefore: a.Secret.RenewBefore, Overlap: a.Secret.Overlap}, a.Secret.Pos)
	}
}

// certificate: a vault is named, the effective policy holds and the
// subject is a distinguished name the vault accepts.
func (c *checker) certificate(a *Application) {
	if a.Certificate == nil || a.Kind == KindPublic {
		return
	}
	x := a.Certificate
	addr := appAddr(a, "certificate")
	if x.Vault == "" {
		c.ds.Errorf(x.Pos, addr, "Name the Key Vault that makes and keeps the certificate: certificate.vault, or defaults.secrets.vault for every application.",
			"certificate of %s has no vault", a.Key)
	} else if strings.Contains(x.Vault, "--") && c.node(joinAddr(addr, "vault")) != nil {
		c.ds.Errorf(c.valuePos(joinAddr(addr, "vault")), joinAddr(addr, "vault"), "Key Vault names cannot contain two hyphens in a row.", "invalid Key Vault name %q", x.Vault)
	}
	cn := c.node(addr)
	if cn != nil && (cn.get("lifetime") != nil || cn.get("renewBefore") != nil || cn.get("overlap") != nil) {
		c.secretPolicy(addr, SecretPolicy{Lifetime: x.Lifetime, RenewBefore: x.RenewBefore, Overlap: x.Overlap}, x.Pos)
	}
	if x.Lifetime > 0 && x.Lifetime < 30*Day && cn != nil && cn.get("lifetime") != nil {
		c.ds.Errorf(c.valuePos(joinAddr(addr, "lifetime")), joinAddr(addr, "lifetime"),
			"Key Vault issues certificates for whole months; use 30d or more (a lifetime is rounded up to whole months of 30 days).",
			"certificate lifetime %s is shorter than a month", FormatDuration(x.Lifetime))
	}
	if cn != nil && cn.get("subject") != nil {
		if err := CheckSubject(x.Subject); err != nil {
			c.ds.Errorf(c.valuePos(joinAddr(addr, "subject")), joinAddr(addr, "subject"),
				"Write a distinguished name such as CN=fhir-exporter or CN=exporter, OU=FHIR, O=Contoso (attributes CN, OU, O, L, ST, C, E; a comma inside a value is escaped as \\,).",
				"invalid certificate subject %q: %v", x.Subject, err)
		}
	}
}

// subjectAttrs are the attribute names a certificate subject may use.
var subjectAttrs = map[string]bool{"CN": true, "OU": true, "O": true, "L": true, "ST": true, "S": true, "C": true, "E": true, "DC": true, "STREET": true, "SERIALNUMBER": true}

// CheckSubject reports what is wrong with a certificate subject, a
// comma-separated list of NAME=value parts with CN among them.
func CheckSubject(subject string) error {
	parts, err := SplitSubject(subject)
	if err != nil {
		return err
	}
	cn := false
	for _, p := range parts {
		if !subjectAttrs[strings.ToUpper(p[0])] {
			return fmt.Errorf("unknown attribute %q", p[0])
		}
		if strings.TrimSpace(p[1]) == "" {
			return fmt.Errorf("attribute %s has no value", p[0])
		}
		cn = cn || strings.EqualFold(p[0], "CN")
	}
	if !cn {
		return fmt.Errorf("no CN")
	}
	return nil
}

// SplitSubject splits a distinguished name into its NAME=value parts, in
// order, with "\," taken as a comma inside a value.
func SplitSubject(subject string) ([][2]string, error) {
	if strings.TrimSpace(subject) == "" {
		return nil, fmt.Errorf("empty")
	}
	var parts [][2]string
	var cur strings.Builder
	flush := func() error {
		name, val, ok := strings.Cut(cur.String(), "=")
		cur.Reset()
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return fmt.Errorf("each part is NAME=value")
		}
		parts = append(parts, [2]string{name, strings.TrimSpace(val)})
		return nil
	}
	for i := 0; i < len(subject); i++ {
		switch ch := subject[i]; {
		case ch == '\\' && i+1 < len(subject):
			i++
			cur.WriteByte(subject[i])
		case ch == ',' || ch == ';':
			if err := flush(); err != nil {
				return nil, err
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return parts, nil
}

// secretNamesUnique: two secrets never share a name in one vault (Key Vault
// names are case-insensitive), or one would overwrite the other. A
// certificate owns the secret (and key) of its own name, so a certificate's
// name is taken in the vault's secrets too.
func (c *checker) secretNamesUnique() {
	if v := c.s.Defaults.Secrets.Vault; strings.Contains(v, "--") {
		c.ds.Errorf(c.valuePos("defaults.secrets.vault"), "defaults.secrets.vault", "Key Vault names cannot contain two hyphens in a row.", "invalid Key Vault name %q", v)
	}
	seen := map[string]*Application{}
	for _, a := range c.s.Applications {
		if a.Secret == nil || a.Secret.Vault == "" || a.Kind == KindPublic {
			continue
		}
		k := strings.ToLower(a.Secret.Vault) + "/" + strings.ToLower(a.Secret.Name)
		if prev, dup := seen[k]; dup {
			c.ds.Errorf(a.Secret.Pos, appAddr(a, "secret"), fmt.Sprintf("applications.%s stores its secret as %q in vault %s too. Give one of them another name.", prev.Key, prev.Secret.Name, a.Secret.Vault),
				"secret name %q is used twice in vault %s", a.Secret.Name, a.Secret.Vault)
			continue
		}
		seen[k] = a
	}
	certs := map[string]*Application{}
	for _, a := range c.s.Applications {
		x := a.Certificate
		if x == nil || x.Vault == "" || a.Kind == KindPublic {
			continue
		}
		k := strings.ToLower(x.Vault) + "/" + strings.ToLower(x.Name)
		if prev, dup := certs[k]; dup {
			c.ds.Errorf(x.Pos, appAddr(a, "certificate"), fmt.Sprintf("applications.%s keeps its certificate as %q in vault %s too. Give one of them another name.", prev.Key, prev.Certificate.Name, x.Vault),
				"certificate name %q is used twice in vault %s", x.Name, x.Vault)
			continue
		}
		certs[k] = a
		if prev, dup := seen[k]; dup {
			c.ds.Errorf(x.Pos, appAddr(a, "certificate"), fmt.Sprintf("Key Vault keeps a certificate's private key as a secret of the same name, and applications.%s stores its secret as %q in vault %s. Give the certificate or the secret another name.", prev.Key, prev.Secret.Name, x.Vault),
				"certificate name %q is a secret's name in vault %s", x.Name, x.Vault)
		}
	}
}

// federated: (issuer, subject) is unique in an application; the issuer
// has no user part; the description does not hold regsync's record.
func (c *checker) federated(a *Application) {
	seen := map[[2]string]string{}
	for _, f := range a.FederatedCredentials {
		if strings.Contains(f.Description, FederatedRecordKey) {
			addr := joinAddr(joinAddr(appAddr(a, "federatedCredentials"), f.Name), "description")
			c.ds.Errorf(c.valuePos(addr), addr, "regsync appends "+FederatedRecordKey+"<time> to the description when the credential replaces a client secret, to know when the overlap started. Remove it from the spec.",
				"the description of federated credential %s holds %s, which is reserved", f.Name, FederatedRecordKey)
		}
		issuerAddr := joinAddr(joinAddr(appAddr(a, "federatedCredentials"), f.Name), "issuer")
		if u, err := url.Parse(f.Issuer); err == nil {
			c.userinfo(c.valuePos(issuerAddr), issuerAddr, "issuer", f.Issuer, u)
		}
		k := [2]string{f.Issuer, f.Subject}
		if prev, dup := seen[k]; dup && f.Issuer != "" {
			addr := joinAddr(appAddr(a, "federatedCredentials"), f.Name)
			c.ds.Errorf(f.Pos, addr, fmt.Sprintf("%s has the same issuer and subject; Entra allows one credential per pair. Remove one.", prev),
				"federated credential %s repeats an issuer and subject", f.Name)
		}
		seen[k] = f.Name
	}
}

// tags: regsync: is reserved for regsync's own tags.
func (c *checker) tags(a *Application) {
	for i, t := range a.Tags {
		if strings.HasPrefix(strings.ToLower(t), "regsync:") {
			addr := fmt.Sprintf("%s[%d]", appAddr(a, "tags"), i)
			c.ds.Errorf(c.valuePos(addr), addr, "regsync sets regsync:set and regsync:key itself; tags starting with regsync: are reserved. Remove or rename the tag.",
				"tag %q uses the reserved prefix regsync:", trimmed(t))
		}
	}
}

// audience: personal Microsoft accounts need v2 access tokens.
func (c *checker) audience(a *Application) {
	if !personal(a.SignInAudience) || a.Kind != KindResource {
		return
	}
	if a.RequestedAccessTokenVersion == nil || *a.RequestedAccessTokenVersion != 2 {
		c.ds.Errorf(a.Pos, appAddr(a, "requestedAccessTokenVersion"), "Entra requires v2 access tokens for APIs that personal accounts may call. Add requestedAccessTokenVersion: 2.",
			"%s allows personal accounts but does not ask for v2 tokens", a.Key)
	}
}

// sortDiagnostics orders by position, then summary, so output is stable.
func sortDiagnostics(ds diag.Diagnostics) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Summary < b.Summary
	})
}
