package export

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// render writes the spec: the header, the top-level fields, apis and one
// block per application, separated by blank lines.
func (x *exporter) render() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# yaml-language-server: $schema=%s\n#\n", SchemaURL)
	adopted := 0
	for _, a := range x.apps {
		if a.adopt {
			adopted++
		}
	}
	fmt.Fprintf(&b, "# Written by regsync export: %d application(s) of set %s", len(x.apps), x.o.Set)
	if adopted > 0 {
		fmt.Fprintf(&b, ", %d of them adopted by appId", adopted)
	}
	b.WriteString(".\n# Review it, then run regsync plan to see what applying it would change.\n")

	top := mapping()
	add(top, "version", integer(1))
	add(top, "tenant", str(x.o.Tenant))
	add(top, "set", str(x.o.Set))
	b.WriteString(encode(top))

	if len(x.apiKeys) > 0 {
		apis := mapping()
		for _, k := range sortedKeys(x.apiKeys) {
			add(apis, k, flowMap("appId", str(x.apiKeys[k])))
		}
		root := mapping()
		add(root, "apis", apis)
		b.WriteString("\n" + encode(root))
	}

	b.WriteString("\napplications:\n")
	for i, a := range x.apps {
		if i > 0 {
			b.WriteString("\n")
		}
		m := mapping()
		k := add(m, a.key, x.application(a))
		if len(a.notes) > 0 {
			k.HeadComment = comment(a.notes)
		}
		b.WriteString(indent(encode(m), "  "))
	}
	return []byte(b.String())
}

// application builds one application's fields, in the order docs/spec.md
// lists them.
func (x *exporter) application(a *app) *yaml.Node {
	l := a.live
	m := mapping()
	add(m, "kind", str(string(a.kind)))
	if a.adopt {
		add(m, "appId", str(l.AppID))
	}
	if l.DisplayName != "" {
		add(m, "displayName", str(l.DisplayName))
	}
	if l.Description != "" {
		add(m, "description", str(l.Description))
	}
	if l.Notes != "" {
		add(m, "notes", str(l.Notes))
	}
	if l.SignInAudience != "" && l.SignInAudience != spec.DefaultSignInAudience {
		add(m, "signInAudience", str(l.SignInAudience))
	}
	if owners := sortedCopy(l.Owners); len(owners) > 0 {
		add(m, "owners", list(owners, false))
	}
	var tags []string
	for _, t := range l.Tags {
		if !strings.HasPrefix(t, "regsync:") {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		add(m, "tags", list(tags, false))
	}
	if a.platform != "" {
		add(m, "platform", str(string(a.platform)))
	}
	if a.kind == spec.KindResource {
		add(m, "identifierUris", list(l.IdentifierURIs, false))
		v := l.RequestedAccessTokenVersion
		if l.SignInAudience == "AzureADandPersonalMicrosoftAccount" || l.SignInAudience == "PersonalMicrosoftAccount" {
			two := 2
			v = &two
		}
		if v != nil {
			add(m, "requestedAccessTokenVersion", integer(*v))
		}
		if len(l.Scopes) > 0 {
			add(m, "scopes", scopes(l.Scopes, x.derivedID(a.key, "scope")))
		}
	}
	if len(l.AppRoles) > 0 {
		add(m, "appRoles", appRoles(l.AppRoles, x.derivedID(a.key, "role")))
	}
	if a.sp != nil && a.sp.AppRoleAssignmentRequired {
		add(m, "appRoleAssignmentRequired", boolean(true))
	}
	switch {
	case a.kind == spec.KindConfidential:
		if len(l.Web.RedirectURIs) > 0 {
			add(m, "redirectUris", list(l.Web.RedirectURIs, false))
		}
		if l.Web.HomePageURL != "" {
			add(m, "homePageUrl", str(l.Web.HomePageURL))
		}
		if l.Web.LogoutURL != "" {
			add(m, "logoutUrl", str(l.Web.LogoutURL))
		}
		implicitGrant(m, l.Web)
		if len(l.SPARedirectURIs) > 0 {
			add(m, "spaRedirectUris", list(l.SPARedirectURIs, false))
		}
		if len(l.PublicClientRedirectURIs) > 0 {
			add(m, "publicClientRedirectUris", list(l.PublicClientRedirectURIs, false))
		}
	case a.platform == spec.PlatformSPA:
		add(m, "redirectUris", list(l.SPARedirectURIs, false))
		implicitGrant(m, l.Web)
	case a.kind == spec.KindPublic:
		if len(l.PublicClientRedirectURIs) > 0 {
			add(m, "redirectUris", list(l.PublicClientRedirectURIs, false))
		}
	}
	if g := l.GroupMembershipClaims; validGroupClaims[g] {
		add(m, "groupMembershipClaims", str(g))
	}
	if oc := l.OptionalClaims; oc != nil && len(oc.IDToken)+len(oc.AccessToken)+len(oc.SAML2Token) > 0 {
		c := mapping()
		for _, t := range []struct {
			name   string
			claims []tenant.OptionalClaim
		}{{"idToken", oc.IDToken}, {"accessToken", oc.AccessToken}, {"saml2Token", oc.SAML2Token}} {
			if len(t.claims) > 0 {
				add(c, t.name, claims(t.claims))
			}
		}
		add(m, "optionalClaims", c)
	}
	if len(a.access) > 0 {
		acc := mapping()
		for _, r := range a.access {
			e := mapping()
			e.Style = yaml.FlowStyle
			if len(r.scopes) > 0 {
				add(e, "scopes", list(r.scopes, true))
			}
			if len(r.roles) > 0 {
				add(e, "roles", list(r.roles, true))
			}
			add(acc, r.resourceKey, e)
		}
		add(m, "access", acc)
		if a.adminConsent {
			add(m, "adminConsent", consentNode(a))
		}
	}
	if a.secret != nil {
		s := mapping()
		s.Style = yaml.FlowStyle
		add(s, "vault", str(x.o.Vault))
		if a.secret.name != "" {
			add(s, "name", str(a.secret.name))
		}
		if a.secret.lifetime != "" {
			add(s, "lifetime", str(a.secret.lifetime))
		}
		add(m, "secret", s)
	}
	if len(l.FederatedCredentials) > 0 && a.kind != spec.KindPublic {
		add(m, "federatedCredentials", federated(l.FederatedCredentials))
	}
	return m
}

func implicitGrant(m *yaml.Node, w tenant.WebApplication) {
	if !w.EnableIDTokenIssuance && !w.EnableAccessTokenIssuance {
		return
	}
	g := mapping()
	g.Style = yaml.FlowStyle
	if w.EnableIDTokenIssuance {
		add(g, "idTokens", boolean(true))
	}
	if w.EnableAccessTokenIssuance {
		add(g, "accessTokens", boolean(true))
	}
	add(m, "implicitGrant", g)
}

// consentNode writes adminConsent: true when both parts are managed, else
// the part the tenant holds (exporter.consent decides).
func consentNode(a *app) *yaml.Node {
	if a.consentScopes && a.consentRoles {
		return boolean(true)
	}
	m := mapping()
	m.Style = yaml.FlowStyle
	if a.consentScopes {
		add(m, "scopes", boolean(true))
	}
	if a.consentRoles {
		add(m, "roles", boolean(true))
	}
	return m
}

// derivedID returns the id the planner gives an unpinned entry of kind
// ("scope" or "role") that the tenant does not have yet.
func (x *exporter) derivedID(key, kind string) func(value string) string {
	return func(value string) string { return tenant.StableID(x.o.Set, key, kind, value) }
}

// pinID writes id when the live id is not the one the planner would derive:
// in another tenant, or after the entry is removed and added again, the
// planner would otherwise give it another id. Ids regsync made stay out.
func pinID(e *yaml.Node, id, derived string) {
	if id != "" && !strings.EqualFold(id, derived) {
		add(e, "id", str(strings.ToLower(id)))
	}
}

// scopes writes the exposed scopes keyed by value, each field only where it
// differs from the format's default for it.
func scopes(exposed []tenant.PermissionScope, derived func(string) string) *yaml.Node {
	sorted := append([]tenant.PermissionScope(nil), exposed...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Value < sorted[j].Value })
	m := mapping()
	for _, s := range sorted {
		if s.Value == "" {
			continue
		}
		e := mapping()
		if s.Type != "" && s.Type != "User" {
			add(e, "type", str(s.Type))
		}
		adminName := orDefault(s.AdminConsentDisplayName, s.Value)
		adminDesc := orDefault(s.AdminConsentDescription, adminName)
		if adminName != s.Value {
			add(e, "adminConsentDisplayName", str(adminName))
		}
		if adminDesc != adminName {
			add(e, "adminConsentDescription", str(adminDesc))
		}
		if u := orDefault(s.UserConsentDisplayName, adminName); u != adminName {
			add(e, "userConsentDisplayName", str(u))
		}
		if u := orDefault(s.UserConsentDescription, adminDesc); u != adminDesc {
			add(e, "userConsentDescription", str(u))
		}
		if !s.IsEnabled {
			add(e, "enabled", boolean(false))
		}
		pinID(e, s.ID, derived(s.Value))
		add(m, s.Value, e)
	}
	return m
}

// appRoles writes the app roles keyed by value; memberTypes always.
func appRoles(roles []tenant.AppRole, derived func(string) string) *yaml.Node {
	sorted := append([]tenant.AppRole(nil), roles...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Value < sorted[j].Value })
	m := mapping()
	for _, r := range sorted {
		if r.Value == "" {
			continue
		}
		e := mapping()
		name := orDefault(r.DisplayName, r.Value)
		if name != r.Value {
			add(e, "displayName", str(name))
		}
		if d := orDefault(r.Description, name); d != name {
			add(e, "description", str(d))
		}
		add(e, "memberTypes", list(r.AllowedMemberTypes, true))
		if !r.IsEnabled {
			add(e, "enabled", boolean(false))
		}
		pinID(e, r.ID, derived(r.Value))
		add(m, r.Value, e)
	}
	return m
}

func claims(cs []tenant.OptionalClaim) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, c := range cs {
		e := mapping()
		e.Style = yaml.FlowStyle
		add(e, "name", str(c.Name))
		if c.Source != "" {
			add(e, "source", str(c.Source))
		}
		if c.Essential {
			add(e, "essential", boolean(true))
		}
		if len(c.AdditionalProperties) > 0 {
			add(e, "additionalProperties", list(c.AdditionalProperties, true))
		}
		seq.Content = append(seq.Content, e)
	}
	return seq
}

func federated(fcs []tenant.FederatedCredential) *yaml.Node {
	sorted := append([]tenant.FederatedCredential(nil), fcs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	m := mapping()
	for _, f := range sorted {
		e := mapping()
		add(e, "issuer", str(f.Issuer))
		add(e, "subject", str(f.Subject))
		if !(len(f.Audiences) == 1 && f.Audiences[0] == spec.DefaultFederatedAudience) && len(f.Audiences) > 0 {
			add(e, "audiences", list(f.Audiences, true))
		}
		if f.Description != "" {
			add(e, "description", str(f.Description))
		}
		add(m, f.Name, e)
	}
	return m
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// YAML node helpers. Scalars carry explicit tags, so the encoder quotes a
// string that would otherwise read as a number, a boolean or null.

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func integer(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func boolean(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

func list(items []string, flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func flowMap(key string, v *yaml.Node) *yaml.Node {
	m := mapping()
	m.Style = yaml.FlowStyle
	add(m, key, v)
	return m
}

// add appends key: v to m and returns the key node (for comments).
func add(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	k := str(key)
	m.Content = append(m.Content, k, v)
	return k
}

// comment turns notes into a YAML comment block, each note wrapped at
// about 90 columns, its continuation lines indented.
func comment(notes []string) string {
	var out []string
	for _, n := range notes {
		line := "#"
		for _, w := range strings.Fields(n) {
			if len(line) > 2 && len(line)+1+len(w) > 90 {
				out = append(out, line)
				line = "#  "
			}
			line += " " + w
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func encode(n *yaml.Node) string {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(n); err != nil {
		panic(fmt.Sprintf("internal error: encoding the exported spec: %v", err))
	}
	if err := e.Close(); err != nil {
		panic(fmt.Sprintf("internal error: encoding the exported spec: %v", err))
	}
	return b.String()
}

// indent puts prefix before every non-empty line.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
}
