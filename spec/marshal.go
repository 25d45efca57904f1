package spec

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MarshalOptions say what Marshal writes besides the spec itself: comments,
// which the typed Spec does not carry. The zero value writes none.
type MarshalOptions struct {
	// Schema, when not empty, is written as the first line,
	// "# yaml-language-server: $schema=<Schema>", so editors validate and
	// complete the file.
	Schema string
	// Header are comment lines written at the top of the file, after the
	// schema line and a line holding only "#". They are written as they
	// are, not wrapped; a line break in one starts a new comment line, and
	// an empty one is a line holding only "#".
	Header []string
	// Comments are comment paragraphs written above an application, by the
	// application's key. Runs of white space in a paragraph become one
	// space, and a paragraph longer than a line is wrapped at about 90
	// columns, its continuation lines indented two more spaces. A key that
	// names no application of the spec is an error.
	Comments map[string][]string
}

// Marshal writes s as a registrations file that Parse reads back into a
// Spec equal to s, apart from File, Digest and positions. It is
// MarshalOptions{}.Marshal(s).
func Marshal(s *Spec) ([]byte, error) { return MarshalOptions{}.Marshal(s) }

// Marshal writes s as a registrations file: Parse reads it back into a Spec
// equal to s, apart from File, Digest and positions, and Marshal of that
// Spec gives the same bytes again.
//
// The output is the compact form of the file. A field that holds the value
// Parse would fold in by default is left out: a displayName equal to the
// key, the signInAudience of defaults, owners equal to defaults.owners,
// type User and enabled: true on scopes, texts equal to the text they
// default to, a secret's vault, name and durations equal to defaults.secrets
// and "<key>-client-secret" (so a secret of nothing but defaults is
// `secret: {}`), the one default audience of a federated credential. The
// zero value of a string or duration that Parse always fills in (DisplayName,
// SignInAudience, Scope.Type and texts, AppRole texts, Secret fields,
// Defaults.SignInAudience and durations, Cloud) is treated as that default,
// so a Spec built by hand may leave them empty. Booleans are written as they
// are: Scope.Enabled and AppRole.Enabled false mean disabled. A nil slice
// or pointer is left out ("not declared"); an empty, non-nil one is
// written as [] or {} ("declared empty").
//
// Keys come in the order docs/spec.md lists them; applications, apis,
// scopes, app roles, access entries and federated credentials keep the
// order of s; top-level sections and applications are separated by blank
// lines. Short lists (member types, scope and role names, audiences,
// additional properties) and small mappings (an api, an access entry,
// implicitGrant, secret, defaults.secrets, an optional claim) are written
// in flow style, everything else in block style. Strings that YAML would
// read as another type are quoted.
//
// Marshal writes what s says even where Parse would report a problem (a
// missing tenant, an unknown kind): it checks the format's rules no more
// than yaml.Marshal does. It returns an error only for what the format
// cannot say at all, so that writing it would change the Spec: duplicate
// keys, redirect URIs or web fields on a platform the application's kind
// and platform do not use, owners left undeclared while defaults.owners is
// set, durations that are negative or not whole seconds, nil entries, and
// comments for an unknown application. The bytes are nil when the error is
// not.
func (o MarshalOptions) Marshal(s *Spec) ([]byte, error) {
	if s == nil {
		return nil, errors.New("marshalling a spec: the spec is nil")
	}
	m := &marshaller{s: s}
	for _, key := range slices.Sorted(maps.Keys(o.Comments)) {
		if s.Application(key) == nil {
			m.failf("comments for application %q, which the spec does not have", key)
		}
	}

	var b bytes.Buffer
	if o.Schema != "" {
		fmt.Fprintf(&b, "# yaml-language-server: $schema=%s\n", o.Schema)
		if len(o.Header) > 0 {
			b.WriteString("#\n")
		}
	}
	for _, h := range o.Header {
		for _, l := range strings.Split(h, "\n") {
			b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
	}

	top := yMap()
	yAdd(top, "version", yInt(s.Version))
	yAdd(top, "tenant", yStr(s.Tenant))
	yAdd(top, "set", yStr(s.Set))
	if s.Cloud != "" && s.Cloud != CloudPublic {
		yAdd(top, "cloud", yStr(string(s.Cloud)))
	}
	b.WriteString(m.encode(top))

	if d := m.defaults(); d != nil {
		b.WriteString("\n" + m.encode(ySingle("defaults", d)))
	}
	if len(s.APIs) > 0 {
		apis := yMap()
		seen := map[string]bool{}
		for _, a := range s.APIs {
			if a == nil {
				m.failf("apis: a nil entry")
				continue
			}
			m.unique(seen, "apis", a.Key)
			e := ySingle("appId", yStr(a.AppID))
			if a.CreateServicePrincipal {
				yAdd(e, "createServicePrincipal", yBool(true))
			}
			yAdd(apis, a.Key, yFlow(e))
		}
		b.WriteString("\n" + m.encode(ySingle("apis", apis)))
	}

	if len(s.AzureResources) > 0 {
		b.WriteString("\n" + m.encode(ySingle("azureResources", m.azureResources(s.AzureResources))))
	}

	if len(s.Applications) == 0 {
		b.WriteString("\napplications: {}\n")
		return m.result(b.Bytes())
	}
	b.WriteString("\napplications:\n")
	seen := map[string]bool{}
	for i, a := range s.Applications {
		if a == nil {
			m.failf("applications: a nil entry")
			continue
		}
		m.unique(seen, "applications", a.Key)
		app := yMap()
		k := yAdd(app, a.Key, m.application(a))
		if c := o.Comments[a.Key]; len(c) > 0 {
			k.HeadComment = comment(c)
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(indent(m.encode(app), "  "))
	}
	return m.result(b.Bytes())
}

// marshaller collects the problems of one Marshal call.
type marshaller struct {
	s    *Spec
	errs []error
}

func (m *marshaller) failf(format string, args ...any) {
	m.errs = append(m.errs, fmt.Errorf(format, args...))
}

// result returns out, or the problems found while writing it.
func (m *marshaller) result(out []byte) ([]byte, error) {
	if len(m.errs) == 0 {
		return out, nil
	}
	return nil, fmt.Errorf("marshalling spec of set %q: %w", m.s.Set, errors.Join(m.errs...))
}

// unique records key as seen in where, and reports it when it was seen
// before: Parse refuses duplicate keys.
func (m *marshaller) unique(seen map[string]bool, where, key string) {
	if seen[key] {
		m.failf("%s: key %q appears twice", where, key)
	}
	seen[key] = true
}

// defaults returns the defaults mapping, or nil when every value is the
// built-in one.
func (m *marshaller) defaults() *yaml.Node {
	d := m.s.Defaults
	out := yMap()
	if d.Owners != nil {
		yAdd(out, "owners", yList(d.Owners, false))
	}
	if d.SignInAudience != "" && d.SignInAudience != DefaultSignInAudience {
		yAdd(out, "signInAudience", yStr(d.SignInAudience))
	}
	sec := yFlow(yMap())
	if d.Secrets.Vault != "" {
		yAdd(sec, "vault", yStr(d.Secrets.Vault))
	}
	builtIn := SecretPolicy{Lifetime: DefaultLifetime, RenewBefore: DefaultRenewBefore, Overlap: DefaultOverlap}
	m.durations(sec, "defaults.secrets", d.Secrets, builtIn)
	if len(sec.Content) > 0 {
		yAdd(out, "secrets", sec)
	}
	if len(out.Content) == 0 {
		return nil
	}
	return out
}

// durations adds lifetime, renewBefore and overlap of p where they differ
// from def and are not zero.
func (m *marshaller) durations(out *yaml.Node, where string, p, def SecretPolicy) {
	for _, f := range []struct {
		name   string
		v, def time.Duration
	}{{"lifetime", p.Lifetime, def.Lifetime}, {"renewBefore", p.RenewBefore, def.RenewBefore}, {"overlap", p.Overlap, def.Overlap}} {
		if f.v == 0 || f.v == f.def {
			continue
		}
		if f.v < 0 || f.v%time.Second != 0 {
			m.failf("%s.%s: %v is not a positive number of whole seconds", where, f.name, f.v)
			continue
		}
		yAdd(out, f.name, yStr(FormatDuration(f.v)))
	}
}

// application writes one application's fields in the order of docs/spec.md.
func (m *marshaller) application(a *Application) *yaml.Node {
	where := "applications." + a.Key
	out := yMap()
	yAdd(out, "kind", yStr(string(a.Kind)))
	if a.AppID != "" {
		yAdd(out, "appId", yStr(a.AppID))
	}
	if a.DisplayName != "" && a.DisplayName != a.Key {
		yAdd(out, "displayName", yStr(a.DisplayName))
	}
	if a.Description != nil {
		yAdd(out, "description", yStr(*a.Description))
	}
	if a.Notes != nil {
		yAdd(out, "notes", yStr(*a.Notes))
	}
	if a.SignInAudience != "" && a.SignInAudience != orDefault(m.s.Defaults.SignInAudience, DefaultSignInAudience) {
		yAdd(out, "signInAudience", yStr(a.SignInAudience))
	}
	switch def := m.s.Defaults.Owners; {
	case sameList(a.Owners, def):
	case a.Owners == nil:
		m.failf("%s.owners: not declared, but defaults.owners is, and an application without owners takes those", where)
	default:
		yAdd(out, "owners", yList(a.Owners, false))
	}
	if len(a.IgnoreCredentials) > 0 {
		yAdd(out, "ignoreCredentials", yList(a.IgnoreCredentials, false))
	}
	if a.Tags != nil {
		yAdd(out, "tags", yList(a.Tags, false))
	}
	if a.IdentifierURIs != nil {
		yAdd(out, "identifierUris", yList(a.IdentifierURIs, false))
	}
	if v := a.RequestedAccessTokenVersion; v != nil {
		yAdd(out, "requestedAccessTokenVersion", yInt(*v))
	}
	if v := a.AcceptMappedClaims; v != nil {
		yAdd(out, "acceptMappedClaims", yBool(*v))
	}
	if a.KnownClientApplications != nil {
		keys := make([]string, len(a.KnownClientApplications))
		for i, k := range a.KnownClientApplications {
			keys[i] = k.Key
		}
		yAdd(out, "knownClientApplications", yList(keys, true))
	}
	if a.PreAuthorizedApplications != nil {
		pre := yMap()
		seen := map[string]bool{}
		for _, p := range a.PreAuthorizedApplications {
			m.unique(seen, where+".preAuthorizedApplications", p.Client)
			yAdd(pre, p.Client, yList(p.Scopes, true))
		}
		yAdd(out, "preAuthorizedApplications", pre)
	}
	if a.Scopes != nil {
		yAdd(out, "scopes", m.scopes(where, a.Scopes))
	}
	if a.AppRoles != nil {
		yAdd(out, "appRoles", m.appRoles(where, a.AppRoles))
	}
	if v := a.AppRoleAssignmentRequired; v != nil {
		yAdd(out, "appRoleAssignmentRequired", yBool(*v))
	}
	if v := a.GroupMembershipClaims; v != nil {
		yAdd(out, "groupMembershipClaims", yStr(*v))
	}
	if oc := a.OptionalClaims; oc != nil {
		c := yMap()
		for _, t := range []struct {
			name   string
			claims []OptionalClaim
		}{{"idToken", oc.IDToken}, {"accessToken", oc.AccessToken}, {"saml2Token", oc.SAML2Token}} {
			if t.claims != nil {
				yAdd(c, t.name, yClaims(t.claims))
			}
		}
		yAdd(out, "optionalClaims", c)
	}
	if a.Platform != "" {
		yAdd(out, "platform", yStr(string(a.Platform)))
	}
	m.platform(out, where, a)
	if a.Access != nil {
		acc := yMap()
		seen := map[string]bool{}
		for _, x := range a.Access {
			m.unique(seen, where+".access", x.Resource)
			e := yFlow(yMap())
			if x.Scopes != nil {
				yAdd(e, "scopes", yList(x.Scopes, true))
			}
			if x.Roles != nil {
				yAdd(e, "roles", yList(x.Roles, true))
			}
			yAdd(acc, x.Resource, e)
		}
		yAdd(out, "access", acc)
	}
	if a.AzureRoles != nil {
		ar := yMap()
		seen := map[string]bool{}
		for _, x := range a.AzureRoles {
			m.unique(seen, where+".azureRoles", x.Resource)
			yAdd(ar, x.Resource, yList(namedValues(x.Roles), true))
		}
		yAdd(out, "azureRoles", ar)
	}
	switch c := a.AdminConsent; {
	case c.Scopes && c.Roles:
		yAdd(out, "adminConsent", yBool(true))
	case c.Any():
		part := yFlow(yMap())
		if c.Scopes {
			yAdd(part, "scopes", yBool(true))
		}
		if c.Roles {
			yAdd(part, "roles", yBool(true))
		}
		yAdd(out, "adminConsent", part)
	}
	if a.Secret != nil {
		yAdd(out, "secret", m.secret(where, a))
	}
	if a.Certificate != nil {
		yAdd(out, "certificate", m.certificate(where, a))
	}
	if a.FederatedCredentials != nil {
		yAdd(out, "federatedCredentials", m.federated(where, a.FederatedCredentials))
	}
	return out
}

// platform writes redirectUris, homePageUrl, logoutUrl and implicitGrant.
// Parse puts the one redirectUris list where the kind and platform say, and
// reads homePageUrl and logoutUrl for confidential clients only, so the
// other places cannot be written.
func (m *marshaller) platform(out *yaml.Node, where string, a *Application) {
	confidential := a.Kind == KindConfidential
	spa := a.Kind == KindPublic && a.Platform == PlatformSPA
	native := a.Kind == KindPublic && (a.Platform == PlatformMobile || a.Platform == PlatformDesktop)
	refuse := func(what string, declared bool) {
		if declared {
			m.failf("%s: %s cannot be written for kind %q with platform %q", where, what, a.Kind, a.Platform)
		}
	}
	w := a.Web
	if w == nil {
		w = &Web{}
	}
	refuse("web redirect URIs", !confidential && w.RedirectURIs != nil)
	refuse("homePageUrl", !confidential && w.HomePageURL != nil)
	refuse("logoutUrl", !confidential && w.LogoutURL != nil)
	refuse("SPA redirect URIs", !spa && !confidential && a.SPARedirectURIs != nil)
	refuse("public-client redirect URIs", !native && !confidential && a.PublicClientRedirectURIs != nil)

	switch {
	case confidential && w.RedirectURIs != nil:
		yAdd(out, "redirectUris", yList(w.RedirectURIs, false))
	case spa && a.SPARedirectURIs != nil:
		yAdd(out, "redirectUris", yList(a.SPARedirectURIs, false))
	case native && a.PublicClientRedirectURIs != nil:
		yAdd(out, "redirectUris", yList(a.PublicClientRedirectURIs, false))
	}
	if confidential && a.SPARedirectURIs != nil {
		yAdd(out, "spaRedirectUris", yList(a.SPARedirectURIs, false))
	}
	if confidential && a.PublicClientRedirectURIs != nil {
		yAdd(out, "publicClientRedirectUris", yList(a.PublicClientRedirectURIs, false))
	}
	if confidential && w.HomePageURL != nil {
		yAdd(out, "homePageUrl", yStr(*w.HomePageURL))
	}
	if confidential && w.LogoutURL != nil {
		yAdd(out, "logoutUrl", yStr(*w.LogoutURL))
	}
	// Parse gives a confidential client a Web in any case and any other
	// application one only for an implicitGrant, so for those a Web alone
	// means implicitGrant: {}.
	if a.Web == nil || (confidential && w.ImplicitIDTokens == nil && w.ImplicitAccessTokens == nil) {
		return
	}
	g := yFlow(yMap())
	if w.ImplicitIDTokens != nil {
		yAdd(g, "idTokens", yBool(*w.ImplicitIDTokens))
	}
	if w.ImplicitAccessTokens != nil {
		yAdd(g, "accessTokens", yBool(*w.ImplicitAccessTokens))
	}
	yAdd(out, "implicitGrant", g)
}

// scopes writes each scope's fields where they differ from what Parse
// derives: type User, adminConsentDisplayName the value, the description
// the display name, the user texts the admin texts, enabled true.
func (m *marshaller) scopes(where string, scopes []Scope) *yaml.Node {
	out := yMap()
	seen := map[string]bool{}
	for _, x := range scopes {
		m.unique(seen, where+".scopes", x.Value)
		e := yMap()
		if x.ID != "" {
			yAdd(e, "id", yStr(x.ID))
		}
		if x.Type != "" && x.Type != defaultScopeType {
			yAdd(e, "type", yStr(x.Type))
		}
		adminName := orDefault(x.AdminConsentDisplayName, x.Value)
		adminDesc := orDefault(x.AdminConsentDescription, adminName)
		if adminName != x.Value {
			yAdd(e, "adminConsentDisplayName", yStr(adminName))
		}
		if adminDesc != adminName {
			yAdd(e, "adminConsentDescription", yStr(adminDesc))
		}
		if v := orDefault(x.UserConsentDisplayName, adminName); v != adminName {
			yAdd(e, "userConsentDisplayName", yStr(v))
		}
		if v := orDefault(x.UserConsentDescription, adminDesc); v != adminDesc {
			yAdd(e, "userConsentDescription", yStr(v))
		}
		if !x.Enabled {
			yAdd(e, "enabled", yBool(false))
		}
		yAdd(out, x.Value, e)
	}
	return out
}

// appRoles writes each role's texts where they differ from what Parse
// derives, memberTypes whenever declared (the format requires it), and
// enabled when false.
func (m *marshaller) appRoles(where string, roles []AppRole) *yaml.Node {
	out := yMap()
	seen := map[string]bool{}
	for _, r := range roles {
		m.unique(seen, where+".appRoles", r.Value)
		e := yMap()
		if r.ID != "" {
			yAdd(e, "id", yStr(r.ID))
		}
		name := orDefault(r.DisplayName, r.Value)
		if name != r.Value {
			yAdd(e, "displayName", yStr(name))
		}
		if d := orDefault(r.Description, name); d != name {
			yAdd(e, "description", yStr(d))
		}
		if r.AllowedMemberTypes != nil {
			yAdd(e, "memberTypes", yList(r.AllowedMemberTypes, true))
		}
		if !r.Enabled {
			yAdd(e, "enabled", yBool(false))
		}
		if r.Members != nil {
			mm := yMap()
			for _, part := range []struct {
				key  string
				refs []PrincipalRef
			}{{"users", r.Members.Users}, {"groups", r.Members.Groups}} {
				if len(part.refs) > 0 {
					vals := make([]string, len(part.refs))
					for i, p := range part.refs {
						vals[i] = p.Value
					}
					yAdd(mm, part.key, yList(vals, false))
				}
			}
			yAdd(e, "members", mm)
		}
		yAdd(out, r.Value, e)
	}
	return out
}

// secret writes the fields of the application's secret that differ from
// defaults.secrets and the default name.
func (m *marshaller) secret(where string, a *Application) *yaml.Node {
	x, p := a.Secret, m.s.Defaults.Secrets
	out := yFlow(yMap())
	if x.Vault != "" && x.Vault != p.Vault {
		yAdd(out, "vault", yStr(x.Vault))
	}
	if x.Name != "" && x.Name != DefaultSecretName(a.Key) {
		yAdd(out, "name", yStr(x.Name))
	}
	def := SecretPolicy{
		Lifetime:    orDuration(p.Lifetime, DefaultLifetime),
		RenewBefore: orDuration(p.RenewBefore, DefaultRenewBefore),
		Overlap:     orDuration(p.Overlap, DefaultOverlap),
	}
	m.durations(out, where+".secret", SecretPolicy{Lifetime: x.Lifetime, RenewBefore: x.RenewBefore, Overlap: x.Overlap}, def)
	return out
}

// certificate writes the fields of the application's certificate that
// differ from defaults.secrets and the built-in defaults.
func (m *marshaller) certificate(where string, a *Application) *yaml.Node {
	x, p := a.Certificate, m.s.Defaults.Secrets
	out := yFlow(yMap())
	if x.Vault != "" && x.Vault != p.Vault {
		yAdd(out, "vault", yStr(x.Vault))
	}
	if x.Name != "" && x.Name != DefaultCertificateName(a.Key) {
		yAdd(out, "name", yStr(x.Name))
	}
	def := SecretPolicy{
		Lifetime:    orDuration(p.Lifetime, DefaultLifetime),
		RenewBefore: orDuration(p.RenewBefore, DefaultRenewBefore),
		Overlap:     orDuration(p.Overlap, DefaultOverlap),
	}
	m.durations(out, where+".certificate", SecretPolicy{Lifetime: x.Lifetime, RenewBefore: x.RenewBefore, Overlap: x.Overlap}, def)
	if x.Subject != "" && x.Subject != DefaultCertificateSubject(m.s.Set, a.Key) {
		yAdd(out, "subject", yStr(x.Subject))
	}
	if x.KeySize != 0 && x.KeySize != DefaultKeySize {
		yAdd(out, "keySize", yInt(x.KeySize))
	}
	if !x.Exportable {
		yAdd(out, "exportable", yBool(false))
	}
	return out
}

// federated writes federated credentials; audiences only when they are not
// the one default audience.
func (m *marshaller) federated(where string, fcs []FederatedCredential) *yaml.Node {
	out := yMap()
	seen := map[string]bool{}
	for _, f := range fcs {
		m.unique(seen, where+".federatedCredentials", f.Name)
		e := yMap()
		yAdd(e, "issuer", yStr(f.Issuer))
		yAdd(e, "subject", yStr(f.Subject))
		if f.Audiences != nil && !slices.Equal(f.Audiences, []string{DefaultFederatedAudience}) {
			yAdd(e, "audiences", yList(f.Audiences, true))
		}
		if f.Description != "" {
			yAdd(e, "description", yStr(f.Description))
		}
		yAdd(out, f.Name, e)
	}
	return out
}

func yClaims(cs []OptionalClaim) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, c := range cs {
		e := yFlow(yMap())
		yAdd(e, "name", yStr(c.Name))
		if c.Source != "" {
			yAdd(e, "source", yStr(c.Source))
		}
		if c.Essential {
			yAdd(e, "essential", yBool(true))
		}
		if c.AdditionalProperties != nil {
			yAdd(e, "additionalProperties", yList(c.AdditionalProperties, true))
		}
		seq.Content = append(seq.Content, e)
	}
	return seq
}

// sameList reports whether a and b hold the same strings in the same order
// and are both nil or both not: Parse tells "not declared" from "empty".
func sameList(a, b []string) bool {
	return (a == nil) == (b == nil) && slices.Equal(a, b)
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// YAML node helpers. Scalars carry explicit tags, so the encoder quotes a
// string that would otherwise read as a number, a boolean or null.

func yMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func ySingle(key string, v *yaml.Node) *yaml.Node {
	m := yMap()
	yAdd(m, key, v)
	return m
}

func yFlow(n *yaml.Node) *yaml.Node {
	n.Style = yaml.FlowStyle
	return n
}

// yStr is a string scalar. yaml.v3 writes a string of nothing but line
// breaks as a literal block that reads back one break short ("\n" reads as
// ""), and one that starts with a line break as a block that reads back
// without it ("\nx" reads as "x"), so such strings are double-quoted.
func yStr(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if s != "" && (strings.Trim(s, "\n") == "" || strings.HasPrefix(s, "\n")) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func yInt(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func yBool(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
}

func yList(items []string, inline bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	if inline {
		n.Style = yaml.FlowStyle
	}
	for _, s := range items {
		n.Content = append(n.Content, yStr(s))
	}
	return n
}

// yAdd appends key: v to m and returns the key node (for comments).
func yAdd(m *yaml.Node, key string, v *yaml.Node) *yaml.Node {
	k := yStr(key)
	m.Content = append(m.Content, k, v)
	return k
}

// commentWidth is the column a comment line is wrapped at.
const commentWidth = 90

// comment turns paragraphs into a YAML comment block: each one wrapped at
// commentWidth columns (a word longer than that gets its own line), its
// continuation lines indented; an empty paragraph is a bare "#".
func comment(paragraphs []string) string {
	var out []string
	for _, p := range paragraphs {
		line := "#"
		for _, w := range strings.Fields(p) {
			if len(line) > 2 && len(line)+1+len(w) > commentWidth {
				out = append(out, line)
				line = "#  "
			}
			line += " " + w
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// encode writes n as YAML, indented by two spaces. yaml.v3 fails only on
// nodes it cannot represent, which Marshal never builds.
func (m *marshaller) encode(n *yaml.Node) string {
	var b bytes.Buffer
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(n); err != nil {
		m.failf("encoding YAML: %w", err)
	}
	if err := e.Close(); err != nil {
		m.failf("encoding YAML: %w", err)
	}
	return b.String()
}

// indent puts prefix before every line that is not empty. A line of only
// spaces is indented too: inside a block scalar its spaces are content.
func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" && l != "\n" {
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
}

// azureResources writes the azureResources section: each resource's id and,
// when it has any, its role holders.
func (m *marshaller) azureResources(rs []*AzureResource) *yaml.Node {
	out := yMap()
	seen := map[string]bool{}
	for _, r := range rs {
		if r == nil {
			m.failf("azureResources: a nil entry")
			continue
		}
		m.unique(seen, "azureResources", r.Key)
		e := yMap()
		yAdd(e, "id", yStr(r.ID))
		if r.Roles != nil {
			roles := yMap()
			seenRole := map[string]bool{}
			for _, h := range r.Roles {
				m.unique(seenRole, "azureResources."+r.Key+".roles", h.Role)
				holders := yFlow(yMap())
				if h.Members != nil {
					for _, part := range []struct {
						key  string
						refs []PrincipalRef
					}{{"users", h.Members.Users}, {"groups", h.Members.Groups}} {
						if len(part.refs) > 0 {
							vals := make([]string, len(part.refs))
							for i, p := range part.refs {
								vals[i] = p.Value
							}
							yAdd(holders, part.key, yList(vals, true))
						}
					}
				}
				yAdd(roles, h.Role, holders)
			}
			yAdd(e, "roles", roles)
		}
		yAdd(out, r.Key, e)
	}
	return out
}

func namedValues(ns []Named) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Value
	}
	return out
}
