package spec

import (
	"strings"
	"time"

	"github.com/regsync/regsync/diag"
)

// Built-in values used when neither an application nor defaults set them.
const (
	DefaultSignInAudience    = "AzureADMyOrg"
	DefaultLifetime          = 180 * Day
	DefaultRenewBefore       = 30 * Day
	DefaultOverlap           = 7 * Day
	DefaultFederatedAudience = "api://AzureADTokenExchange"
	defaultSecretNameSuffix  = "-client-secret"
	defaultCertNameSuffix    = "-client-cert"
	DefaultKeyType           = "RSA"
	DefaultKeySize           = 2048
	defaultScopeType         = "User"
)

// DefaultSecretName is the Key Vault secret name of an application's client
// secret when the file does not name it.
func DefaultSecretName(key string) string { return key + defaultSecretNameSuffix }

// DefaultCertificateName is the Key Vault certificate name of an
// application's certificate when the file does not name it.
func DefaultCertificateName(key string) string { return key + defaultCertNameSuffix }

// DefaultCertificateSubject is the subject of an application's certificate
// when the file names none.
func DefaultCertificateSubject(set, key string) string { return "CN=" + set + "-" + key }

// buildSpec reads the typed Spec out of the tree with defaults folded in.
// Values of the wrong type are skipped: the schema has reported them.
func buildSpec(file string, root *node, ds *diag.Diagnostics) *Spec {
	s := &Spec{File: file, Cloud: CloudPublic}
	if v := root.get("version"); v != nil && v.kind == kindNumber && v.isInt {
		s.Version = int(v.num)
	}
	s.Tenant = str(root.get("tenant"))
	s.Set = str(root.get("set"))
	if n := root.get("set"); n != nil {
		s.SetPos = n.keyPos
	}
	if c := str(root.get("cloud")); c != "" {
		s.Cloud = Cloud(c)
	}

	s.Defaults.SignInAudience = DefaultSignInAudience
	s.Defaults.Secrets = SecretPolicy{Lifetime: DefaultLifetime, RenewBefore: DefaultRenewBefore, Overlap: DefaultOverlap}
	if d := root.get("defaults"); d != nil {
		s.Defaults.Owners = strList(d.get("owners"))
		if a := str(d.get("signInAudience")); a != "" {
			s.Defaults.SignInAudience = a
		}
		if p := d.get("secrets"); p != nil {
			s.Defaults.Secrets.Vault = str(p.get("vault"))
			durationOr(p.get("lifetime"), &s.Defaults.Secrets.Lifetime)
			durationOr(p.get("renewBefore"), &s.Defaults.Secrets.RenewBefore)
			durationOr(p.get("overlap"), &s.Defaults.Secrets.Overlap)
		}
	}

	if apis := root.get("apis"); apis != nil && apis.kind == kindObject {
		for _, m := range apis.members {
			s.APIs = append(s.APIs, &API{Key: m.key, AppID: str(m.val.get("appId")), Pos: m.val.keyPos,
				CreateServicePrincipal: boolean(m.val.get("createServicePrincipal"))})
		}
	}
	if res := root.get("azureResources"); res != nil && res.kind == kindObject {
		for _, m := range res.members {
			if m.val.kind != kindObject {
				continue
			}
			s.AzureResources = append(s.AzureResources, buildAzureResource(m.key, m.val))
		}
	}
	if apps := root.get("applications"); apps != nil && apps.kind == kindObject {
		for _, m := range apps.members {
			if m.val.kind != kindObject {
				continue
			}
			s.Applications = append(s.Applications, buildApp(s, m.key, m.val))
		}
	}
	return s
}

func buildApp(s *Spec, key string, n *node) *Application {
	a := &Application{
		Key:            key,
		Pos:            n.keyPos,
		Kind:           Kind(str(n.get("kind"))),
		AppID:          str(n.get("appId")),
		DisplayName:    key,
		Description:    strPtr(n.get("description")),
		Notes:          strPtr(n.get("notes")),
		SignInAudience: s.Defaults.SignInAudience,
		Tags:           strList(n.get("tags")),
		Owners:         s.Defaults.Owners,
		IdentifierURIs: strList(n.get("identifierUris")),
		AdminConsent:   consent(n.get("adminConsent")),
	}
	if d := str(n.get("displayName")); d != "" {
		a.DisplayName = d
	}
	if v := str(n.get("signInAudience")); v != "" {
		a.SignInAudience = v
	}
	if o := n.get("owners"); o != nil && o.kind == kindArray {
		a.Owners = strList(o)
	}
	for _, id := range strList(n.get("ignoreCredentials")) {
		a.IgnoreCredentials = append(a.IgnoreCredentials, strings.ToLower(id))
	}
	if v := n.get("requestedAccessTokenVersion"); v != nil && v.kind == kindNumber && v.isInt {
		i := int(v.num)
		a.RequestedAccessTokenVersion = &i
	}
	a.AcceptMappedClaims = boolPtr(n.get("acceptMappedClaims"))
	if kc := n.get("knownClientApplications"); kc != nil && kc.kind == kindArray {
		a.KnownClientApplications = []ClientRef{}
		for _, it := range kc.items {
			if it.kind == kindString {
				a.KnownClientApplications = append(a.KnownClientApplications, ClientRef{Key: it.str, Pos: it.pos})
			}
		}
	}
	if pa := n.get("preAuthorizedApplications"); pa != nil && pa.kind == kindObject {
		a.PreAuthorizedApplications = []PreAuthorized{}
		for _, m := range pa.members {
			a.PreAuthorizedApplications = append(a.PreAuthorizedApplications, PreAuthorized{
				Client: m.key, Pos: m.val.keyPos, Scopes: strList(m.val)})
		}
	}
	a.GroupMembershipClaims = strPtr(n.get("groupMembershipClaims"))
	a.AppRoleAssignmentRequired = boolPtr(n.get("appRoleAssignmentRequired"))
	if oc := n.get("optionalClaims"); oc != nil && oc.kind == kindObject {
		a.OptionalClaims = &OptionalClaims{
			IDToken:     claims(oc.get("idToken")),
			AccessToken: claims(oc.get("accessToken")),
			SAML2Token:  claims(oc.get("saml2Token")),
		}
	}
	if sc := n.get("scopes"); sc != nil && sc.kind == kindObject {
		a.Scopes = []Scope{}
		for _, m := range sc.members {
			v := m.val
			x := Scope{
				Value:                   m.key,
				Pos:                     v.keyPos,
				ID:                      strings.ToLower(str(v.get("id"))),
				Type:                    orDefault(str(v.get("type")), defaultScopeType),
				AdminConsentDisplayName: orDefault(str(v.get("adminConsentDisplayName")), m.key),
				Enabled:                 boolOr(v.get("enabled"), true),
			}
			x.AdminConsentDescription = orDefault(str(v.get("adminConsentDescription")), x.AdminConsentDisplayName)
			x.UserConsentDisplayName = orDefault(str(v.get("userConsentDisplayName")), x.AdminConsentDisplayName)
			x.UserConsentDescription = orDefault(str(v.get("userConsentDescription")), x.AdminConsentDescription)
			a.Scopes = append(a.Scopes, x)
		}
	}
	if ar := n.get("appRoles"); ar != nil && ar.kind == kindObject {
		a.AppRoles = []AppRole{}
		for _, m := range ar.members {
			v := m.val
			x := AppRole{
				Value:              m.key,
				Pos:                v.keyPos,
				ID:                 strings.ToLower(str(v.get("id"))),
				DisplayName:        orDefault(str(v.get("displayName")), m.key),
				AllowedMemberTypes: strList(v.get("memberTypes")),
				Enabled:            boolOr(v.get("enabled"), true),
				Members:            buildMembers(v.get("members")),
			}
			x.Description = orDefault(str(v.get("description")), x.DisplayName)
			a.AppRoles = append(a.AppRoles, x)
		}
	}

	a.Platform = Platform(str(n.get("platform")))
	uris := strList(n.get("redirectUris"))
	implicit := n.get("implicitGrant")
	switch {
	case a.Kind == KindConfidential:
		a.Web = &Web{RedirectURIs: uris, HomePageURL: strPtr(n.get("homePageUrl")), LogoutURL: strPtr(n.get("logoutUrl"))}
		a.SPARedirectURIs = strList(n.get("spaRedirectUris"))
		a.PublicClientRedirectURIs = strList(n.get("publicClientRedirectUris"))
	case a.Kind == KindPublic && a.Platform == PlatformSPA:
		a.SPARedirectURIs = uris
	case a.Kind == KindPublic && (a.Platform == PlatformMobile || a.Platform == PlatformDesktop):
		a.PublicClientRedirectURIs = uris
	}
	if implicit != nil && implicit.kind == kindObject {
		if a.Web == nil {
			a.Web = &Web{}
		}
		a.Web.ImplicitIDTokens = boolPtr(implicit.get("idTokens"))
		a.Web.ImplicitAccessTokens = boolPtr(implicit.get("accessTokens"))
	}

	if ac := n.get("access"); ac != nil && ac.kind == kindObject {
		a.Access = []Access{}
		for _, m := range ac.members {
			a.Access = append(a.Access, Access{
				Resource: m.key,
				Pos:      m.val.keyPos,
				Scopes:   strList(m.val.get("scopes")),
				Roles:    strList(m.val.get("roles")),
			})
		}
	}
	if ar := n.get("azureRoles"); ar != nil && ar.kind == kindObject {
		for _, m := range ar.members {
			a.AzureRoles = append(a.AzureRoles, AzureRoles{Resource: m.key, Pos: m.val.keyPos, Roles: namedList(m.val)})
		}
	}
	if sn := n.get("secret"); sn != nil && sn.kind == kindObject {
		p := s.Defaults.Secrets
		sec := &Secret{
			Vault:       orDefault(str(sn.get("vault")), p.Vault),
			Name:        orDefault(str(sn.get("name")), DefaultSecretName(key)),
			Lifetime:    p.Lifetime,
			RenewBefore: p.RenewBefore,
			Overlap:     p.Overlap,
			Pos:         sn.keyPos,
		}
		durationOr(sn.get("lifetime"), &sec.Lifetime)
		durationOr(sn.get("renewBefore"), &sec.RenewBefore)
		durationOr(sn.get("overlap"), &sec.Overlap)
		a.Secret = sec
	}
	if cn := n.get("certificate"); cn != nil && cn.kind == kindObject {
		p := s.Defaults.Secrets
		cert := &Certificate{
			Vault:       orDefault(str(cn.get("vault")), p.Vault),
			Name:        orDefault(str(cn.get("name")), DefaultCertificateName(key)),
			Lifetime:    p.Lifetime,
			RenewBefore: p.RenewBefore,
			Overlap:     p.Overlap,
			Subject:     orDefault(str(cn.get("subject")), DefaultCertificateSubject(s.Set, key)),
			KeyType:     orDefault(str(cn.get("keyType")), DefaultKeyType),
			KeySize:     DefaultKeySize,
			Exportable:  boolOr(cn.get("exportable"), true),
			Pos:         cn.keyPos,
		}
		if v := cn.get("keySize"); v != nil && v.kind == kindNumber && v.isInt {
			cert.KeySize = int(v.num)
		}
		durationOr(cn.get("lifetime"), &cert.Lifetime)
		durationOr(cn.get("renewBefore"), &cert.RenewBefore)
		durationOr(cn.get("overlap"), &cert.Overlap)
		a.Certificate = cert
	}
	if fc := n.get("federatedCredentials"); fc != nil && fc.kind == kindObject {
		a.FederatedCredentials = []FederatedCredential{}
		for _, m := range fc.members {
			v := m.val
			f := FederatedCredential{
				Name:        m.key,
				Pos:         v.keyPos,
				Issuer:      str(v.get("issuer")),
				Subject:     str(v.get("subject")),
				Audiences:   strList(v.get("audiences")),
				Description: str(v.get("description")),
			}
			if f.Audiences == nil {
				f.Audiences = []string{DefaultFederatedAudience}
			}
			a.FederatedCredentials = append(a.FederatedCredentials, f)
		}
	}
	return a
}

// consent reads adminConsent: a boolean for both parts, or a mapping of
// scopes and roles (an omitted part is false).
func consent(n *node) Consent {
	if n != nil && n.kind == kindObject {
		return Consent{Scopes: boolean(n.get("scopes")), Roles: boolean(n.get("roles"))}
	}
	b := boolean(n)
	return Consent{Scopes: b, Roles: b}
}

func claims(n *node) []OptionalClaim {
	if n == nil || n.kind != kindArray {
		return nil
	}
	out := []OptionalClaim{}
	for _, it := range n.items {
		if it.kind != kindObject {
			continue
		}
		out = append(out, OptionalClaim{
			Name:                 str(it.get("name")),
			Source:               str(it.get("source")),
			Essential:            boolean(it.get("essential")),
			AdditionalProperties: strList(it.get("additionalProperties")),
		})
	}
	return out
}

func str(n *node) string {
	if n == nil || n.kind != kindString {
		return ""
	}
	return n.str
}

func strPtr(n *node) *string {
	if n == nil || n.kind != kindString {
		return nil
	}
	s := n.str
	return &s
}

// strList returns the strings of a list; nil when the list is absent, empty
// and non-nil when it is declared empty.
func strList(n *node) []string {
	if n == nil || n.kind != kindArray {
		return nil
	}
	out := make([]string, 0, len(n.items))
	for _, it := range n.items {
		if it.kind == kindString {
			out = append(out, it.str)
		}
	}
	return out
}

func boolean(n *node) bool { return boolOr(n, false) }

func boolOr(n *node, def bool) bool {
	if n == nil || n.kind != kindBool {
		return def
	}
	return n.boolean
}

func boolPtr(n *node) *bool {
	if n == nil || n.kind != kindBool {
		return nil
	}
	b := n.boolean
	return &b
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// durationOr sets *d from n when n holds a valid duration.
func durationOr(n *node, d *time.Duration) {
	if v, err := ParseDuration(str(n)); err == nil {
		*d = v
	}
}

func buildAzureResource(key string, n *node) *AzureResource {
	r := &AzureResource{Key: key, Pos: n.keyPos, ID: str(n.get("id"))}
	if roles := n.get("roles"); roles != nil && roles.kind == kindObject {
		r.Roles = []RoleHolders{}
		for _, m := range roles.members {
			r.Roles = append(r.Roles, RoleHolders{Role: m.key, Pos: m.val.keyPos, Members: buildMembers(m.val)})
		}
	}
	return r
}

// namedList is the strings of an array with their positions; nil when n is
// not an array.
func namedList(n *node) []Named {
	if n == nil || n.kind != kindArray {
		return nil
	}
	out := []Named{}
	for _, it := range n.items {
		if it.kind == kindString {
			out = append(out, Named{Value: it.str, Pos: it.pos})
		}
	}
	return out
}
