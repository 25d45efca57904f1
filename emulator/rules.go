package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// validateApplication enforces the service rules on the application a
// create or PATCH would produce. prev is the stored application (nil on
// create). Sources are listed in docs/graph-quirks.md.
func (g *graphServer) validateApplication(next, prev map[string]any) *graphError {
	name, _ := next["displayName"].(string)
	if strings.TrimSpace(name) == "" {
		return badRequest("Property 'displayName' cannot be null or empty.")
	}
	if len(name) > 256 {
		return badRequest("Property 'displayName' must be at most 256 characters long.")
	}
	if len(str(next, "description")) > 1024 {
		return badRequest("Property 'description' must be at most 1024 characters long.")
	}
	switch aud := str(next, "signInAudience"); aud {
	case "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount":
	default:
		return badRequest(fmt.Sprintf("Invalid value '%s' for property 'signInAudience'.", aud))
	}
	if v := str(next, "groupMembershipClaims"); v != "" {
		for _, part := range strings.Split(v, ",") {
			switch strings.TrimSpace(part) {
			case "None", "SecurityGroup", "All", "DirectoryRole", "ApplicationGroup":
			default:
				return badRequest(fmt.Sprintf("Invalid value '%s' for property 'groupMembershipClaims'.", v))
			}
		}
	}
	if err := checkPreAuthorized(next, prev); err != nil {
		return err
	}
	if err := g.checkIdentifierURIs(next); err != nil {
		return err
	}
	if err := checkRedirects(next); err != nil {
		return err
	}
	api := sub(next, "api")
	if err := checkEntitlements(list(next, "appRoles"), true); err != nil {
		return err
	}
	if err := checkEntitlements(list(api, "oauth2PermissionScopes"), false); err != nil {
		return err
	}
	if err := checkRolesBesideScopes(list(next, "appRoles"), list(api, "oauth2PermissionScopes")); err != nil {
		return err
	}
	if prev != nil {
		if err := checkEnabledKept(list(prev, "appRoles"), list(next, "appRoles")); err != nil {
			return err
		}
		if err := checkEnabledKept(list(sub(prev, "api"), "oauth2PermissionScopes"), list(api, "oauth2PermissionScopes")); err != nil {
			return err
		}
	}
	if err := checkRequiredResourceAccess(list(next, "requiredResourceAccess")); err != nil {
		return err
	}
	return nil
}

// checkIdentifierURIs: an http(s) URI's host must be a verified domain of
// the tenant or a subdomain of one (HostNameNotOnVerifiedDomain); a URI is
// unique in the tenant; no wildcards; at most 255 characters.
func (g *graphServer) checkIdentifierURIs(next map[string]any) *graphError {
	seen := map[string]bool{}
	domains := g.verifiedDomains()
	for _, u := range stringList(next, "identifierUris") {
		if len(u) > 255 {
			return badRequest("Values of identifierUris property must be at most 255 characters long.")
		}
		if strings.Contains(u, "*") {
			return badRequest(fmt.Sprintf("Values of identifierUris property cannot contain wildcards: '%s'.", u))
		}
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "" {
			return badRequest(fmt.Sprintf("Values of identifierUris property must be absolute URIs: '%s'.", u))
		}
		if p.Scheme == "http" || p.Scheme == "https" {
			host := strings.ToLower(p.Hostname())
			ok := false
			for _, d := range domains {
				if host == d || strings.HasSuffix(host, "."+d) {
					ok = true
				}
			}
			if !ok {
				return gerr(http.StatusBadRequest, "HostNameNotOnVerifiedDomain",
					fmt.Sprintf("Values of identifierUris property must use a verified domain of the organization or its subdomain: '%s'", u))
			}
		}
		key := strings.ToLower(u)
		if seen[key] {
			return badRequest(fmt.Sprintf("Values of identifierUris property must be unique: '%s' appears twice.", u))
		}
		seen[key] = true
	}
	if len(seen) == 0 {
		return nil // nothing to clash: most applications have no identifier URI
	}
	id := str(next, "id")
	for _, other := range g.st.Apps {
		if str(other.Doc, "id") == id {
			continue
		}
		for _, u := range stringList(other.Doc, "identifierUris") {
			if seen[strings.ToLower(u)] {
				return badRequest("Another object with the same value for property identifierUris already exists.").
					withDetail("ObjectConflict", "identifierUris")
			}
		}
	}
	return nil
}

// checkRedirects applies the redirect URI restrictions: https, or http only
// for localhost and 127.0.0.1; the spa platform takes https or
// http://localhost; publicClient also accepts custom schemes (mobile and
// desktop apps); at most 256 characters and 256 URIs per platform.
func checkRedirects(next map[string]any) *graphError {
	check := func(platform string, uris []string) *graphError {
		if len(uris) > 256 {
			return badRequest(fmt.Sprintf("The number of redirect URIs on %s exceeds the limit of 256.", platform))
		}
		seen := map[string]bool{}
		for _, u := range uris {
			bad := func(why string) *graphError {
				return badRequest(fmt.Sprintf("Invalid value specified for property '%s.redirectUris' of resource 'Application': '%s' %s.", platform, u, why)).
					withDetail("InvalidValue", platform+".redirectUris")
			}
			if len(u) > 256 {
				return bad("is longer than 256 characters")
			}
			if seen[u] {
				return bad("appears twice")
			}
			seen[u] = true
			if strings.ContainsAny(u, "!$'(),;") {
				return bad("contains a character that redirect URIs may not use (! $ ' ( ) , ;)")
			}
			p, err := url.Parse(u)
			if err != nil || p.Scheme == "" {
				return bad("is not an absolute URI")
			}
			if strings.Contains(p.Host, "*") {
				return bad("uses a wildcard")
			}
			host := strings.ToLower(p.Hostname())
			local := host == "localhost" || host == "127.0.0.1"
			switch p.Scheme {
			case "https":
			case "http":
				if !local {
					return bad("uses http; http is only allowed for localhost and 127.0.0.1")
				}
			default:
				if platform != "publicClient" {
					return bad("must use https (or http for localhost)")
				}
			}
		}
		return nil
	}
	for _, platform := range []string{"web", "spa", "publicClient"} {
		if err := check(platform, stringList(sub(next, platform), "redirectUris")); err != nil {
			return err
		}
	}
	if l := str(sub(next, "web"), "logoutUrl"); l != "" {
		p, err := url.Parse(l)
		if err != nil || p.Scheme != "https" {
			return badRequest("Invalid value specified for property 'web.logoutUrl' of resource 'Application': the front-channel logout URL must use https.")
		}
	}
	return nil
}

// The characters of a scope or role value besides letters and digits, as
// the permissionScope and appRole references list them ("Any other
// character, including the space character, aren't allowed").
const (
	permissionValuePunct = "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"
	permissionValueChars = permissionValuePunct + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// checkEntitlements checks a collection of app roles or permission scopes:
// every entry has a GUID id and a value; ids and values are unique; values
// use the allowed characters and do not start with '.'; role member types are User or
// Application; scope types are User or Admin.
func checkEntitlements(items []any, roles bool) *graphError {
	what := "oauth2PermissionScopes"
	if roles {
		what = "appRoles"
	}
	ids := map[string]bool{}
	values := map[string]bool{}
	for _, it := range items {
		m := it.(map[string]any)
		id := strings.ToLower(str(m, "id"))
		if id == "" {
			return badRequest(fmt.Sprintf("Property '%s.id' is required: the caller supplies a new GUID for each entry.", what))
		}
		if ids[id] {
			return badRequest(fmt.Sprintf("Request contains a property with duplicate values: %s has the id '%s' twice.", what, id))
		}
		ids[id] = true
		v := str(m, "value")
		if v == "" && !roles {
			return badRequest("Property 'oauth2PermissionScopes.value' is required.")
		}
		if v != "" {
			if len(v) > 120 || strings.Trim(v, permissionValueChars) != "" || strings.HasPrefix(v, ".") {
				return badRequest(fmt.Sprintf("Invalid value '%s' for property '%s.value': at most 120 characters of letters, digits and %s, not starting with '.'.", v, what, permissionValuePunct))
			}
			if values[v] {
				return badRequest(fmt.Sprintf("Request contains a property with duplicate values: %s has the value '%s' twice.", what, v))
			}
			values[v] = true
		}
		if roles {
			mt := stringList(m, "allowedMemberTypes")
			if len(mt) == 0 {
				return badRequest("Property 'appRoles.allowedMemberTypes' must hold User, Application or both.")
			}
			for _, t := range mt {
				if t != "User" && t != "Application" {
					return badRequest(fmt.Sprintf("Invalid value '%s' for property 'appRoles.allowedMemberTypes'.", t))
				}
			}
		} else if t := str(m, "type"); t != "User" && t != "Admin" {
			return badRequest(fmt.Sprintf("Invalid value '%s' for property 'oauth2PermissionScopes.type': User or Admin.", t))
		}
	}
	return nil
}

// checkRolesBesideScopes: app roles and scopes of an application share one
// namespace. A role and a scope may have the same value only as one
// permission under one id, and then their texts, state and origin must
// match (description = adminConsentDescription, displayName =
// adminConsentDisplayName, isEnabled, origin, value); the wordings are the
// service's as reported in MicrosoftDocs/azure-docs#81899 and
// microsoftgraph/microsoft-graph-docs#21667.
func checkRolesBesideScopes(roles, scopes []any) *graphError {
	origin := func(m map[string]any) string {
		if o := str(m, "origin"); o != "" {
			return o
		}
		return "Application"
	}
	for _, ri := range roles {
		r := ri.(map[string]any)
		for _, si := range scopes {
			s := si.(map[string]any)
			sameID := strings.EqualFold(str(r, "id"), str(s, "id"))
			sameValue := str(r, "value") != "" && str(r, "value") == str(s, "value")
			switch {
			case sameValue && !sameID:
				msg := "Request contains a property with duplicate values."
				return gerr(http.StatusBadRequest, "DuplicateValue", msg).withDetail("DuplicateValue", "appRoles")
			case sameID && (!sameValue || str(r, "description") != str(s, "adminConsentDescription") ||
				str(r, "displayName") != str(s, "adminConsentDisplayName") ||
				r["isEnabled"] != s["isEnabled"] || origin(r) != origin(s)):
				return badRequest(fmt.Sprintf("The following values must match for the 'oauth2Permissions' and 'appRoles' properties with identifier '%s': "+
					"(description, adminConsentDescription),(displayName, adminConsentDisplayName),(isEnabled, isEnabled),(origin, origin),(value, value). "+
					"Ensure that you are intending to have entries with the same identifier, and if so, are updating them together.", str(r, "id")))
			}
		}
	}
	return nil
}

// checkEnabledKept enforces "disable before remove": an entry stored with
// isEnabled true must stay, with the same value (and, for roles, the same
// member types), until an earlier request has disabled it.
func checkEnabledKept(prev, next []any) *graphError {
	byID := map[string]map[string]any{}
	for _, it := range next {
		m := it.(map[string]any)
		byID[strings.ToLower(str(m, "id"))] = m
	}
	for _, it := range prev {
		old := it.(map[string]any)
		if enabled, _ := old["isEnabled"].(bool); !enabled {
			continue
		}
		cur, ok := byID[strings.ToLower(str(old, "id"))]
		if !ok || str(cur, "value") != str(old, "value") ||
			strings.Join(stringList(cur, "allowedMemberTypes"), ",") != strings.Join(stringList(old, "allowedMemberTypes"), ",") {
			return gerr(http.StatusBadRequest, "CannotDeleteOrUpdateEnabledEntitlement",
				"Permission (scope or role) cannot be deleted or updated unless disabled first.")
		}
	}
	return nil
}

// checkRequiredResourceAccess: at most 50 resources, resource access type
// Scope or Role.
func checkRequiredResourceAccess(items []any) *graphError {
	if len(items) > 50 {
		return badRequest("requiredResourceAccess may name at most 50 resource applications.")
	}
	total := 0
	for _, it := range items {
		m := it.(map[string]any)
		if str(m, "resourceAppId") == "" {
			return badRequest("Property 'requiredResourceAccess.resourceAppId' is required.")
		}
		for _, ra := range list(m, "resourceAccess") {
			total++
			switch t := str(ra.(map[string]any), "type"); t {
			case "Scope", "Role":
			default:
				return badRequest(fmt.Sprintf("Invalid value '%s' for property 'resourceAccess.type': Scope or Role.", t))
			}
		}
	}
	if total > 400 {
		return badRequest("requiredResourceAccess may hold at most 400 permissions in total.")
	}
	return nil
}

// checkPreAuthorized: every delegated permission a pre-authorized client is
// given must be a scope the application already had before this request.
// Graph does not see scopes defined in the same request body
// (microsoft-graph-docs#20177, msgraph-sdk-dotnet#2044, whose title is the
// wording used here); on a create there is no earlier state, so nothing
// can be pre-authorized yet.
func checkPreAuthorized(next, prev map[string]any) *graphError {
	api, _ := next["api"].(map[string]any)
	pre, _ := api["preAuthorizedApplications"].([]any)
	if len(pre) == 0 {
		return nil
	}
	known := map[string]bool{}
	if prev != nil {
		papi, _ := prev["api"].(map[string]any)
		scopes, _ := papi["oauth2PermissionScopes"].([]any)
		for _, s := range scopes {
			if m, ok := s.(map[string]any); ok {
				if id, ok := m["id"].(string); ok {
					known[strings.ToLower(id)] = true
				}
			}
		}
	}
	for _, p := range pre {
		m, _ := p.(map[string]any)
		ids, _ := m["delegatedPermissionIds"].([]any)
		for _, id := range ids {
			if s, _ := id.(string); !known[strings.ToLower(s)] {
				return badRequest("Property api.preAuthorizedApplications.delegatedPermissionIds has a Permission Id that cannot be found in the AppPermissions sets.")
			}
		}
	}
	return nil
}
