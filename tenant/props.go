package tenant

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// AppProps is an application's properties as regsync writes them: the
// payload of a create or update action in a plan, what the applier hands
// to the Directory, and what graph/ turns into one request body. It is the
// one type for that; there is no planner or Graph mirror of it.
//
// It is sparse: a nil field is left alone, a non-nil field is written, and
// a pointer to an empty slice clears the collection. Collections always
// carry their complete new value, because Graph replaces them whole. A
// string that holds an object id or appId may hold a planner reference
// (see planner.Ref) until the applier resolves it.
//
// Each field is described once, in Properties: its names in the spec, the
// plan and Graph, how it compares, and how to read it from a live
// application. TestEveryPropertyHasARow fails when a field has no row.
type AppProps struct {
	DisplayName                 *string                     `json:"display_name,omitempty"`
	Description                 *string                     `json:"description,omitempty"`
	SignInAudience              *string                     `json:"sign_in_audience,omitempty"`
	Notes                       *string                     `json:"notes,omitempty"`
	Tags                        *[]string                   `json:"tags,omitempty"`
	IdentifierURIs              *[]string                   `json:"identifier_uris,omitempty"`
	GroupMembershipClaims       *string                     `json:"group_membership_claims,omitempty"`
	IsFallbackPublicClient      *bool                       `json:"is_fallback_public_client,omitempty"`
	RequestedAccessTokenVersion *int                        `json:"requested_access_token_version,omitempty"`
	AcceptMappedClaims          *bool                       `json:"accept_mapped_claims,omitempty"`
	OptionalClaims              *OptionalClaims             `json:"optional_claims,omitempty"`
	Scopes                      *[]PermissionScope          `json:"oauth2_permission_scopes,omitempty"`
	AppRoles                    *[]AppRole                  `json:"app_roles,omitempty"`
	KnownClientApplications     *[]string                   `json:"known_client_applications,omitempty"`
	PreAuthorizedApplications   *[]PreAuthorizedApplication `json:"pre_authorized_applications,omitempty"`
	WebRedirectURIs             *[]string                   `json:"web_redirect_uris,omitempty"`
	WebHomePageURL              *string                     `json:"web_home_page_url,omitempty"`
	WebLogoutURL                *string                     `json:"web_logout_url,omitempty"`
	EnableIDTokenIssuance       *bool                       `json:"enable_id_token_issuance,omitempty"`
	EnableAccessTokenIssuance   *bool                       `json:"enable_access_token_issuance,omitempty"`
	SPARedirectURIs             *[]string                   `json:"spa_redirect_uris,omitempty"`
	PublicClientRedirectURIs    *[]string                   `json:"public_client_redirect_uris,omitempty"`
	RequiredResourceAccess      *[]RequiredResourceAccess   `json:"required_resource_access,omitempty"`
}

// PropKind says how a property compares.
type PropKind int

const (
	// PropScalar compares as one value (after the row's normalisation).
	PropScalar PropKind = iota + 1
	// PropStringSet is a list of strings Graph treats as a set: order
	// never makes a difference, and a change shows what is added and
	// removed.
	PropStringSet
	// PropStructured is a complex value (scopes, app roles, requested
	// permissions, optional claims) that the planner compares with a
	// differ of its own, named by the row's Plan name.
	PropStructured
)

// Property describes one application property: its names, how it compares
// and how to read it. Diff, the plan's create display and fingerprint,
// Graph's $select, drift's addresses and export all iterate over
// Properties rather than naming fields one by one.
type Property struct {
	// Plan is the name in the plan document and its change paths
	// (snake_case, stable: part of the plan format).
	Plan string
	// Spec is the name spec authors write, used in drift's addresses and
	// messages; empty when the spec has no key of its own for it (it is
	// implied by the kind or platform). SpecFor overrides it per kind.
	Spec    string
	SpecFor func(kind string) string
	// Graph is the property's JSON path in Graph's application resource;
	// its first segment is what $select asks for.
	Graph string
	Kind  PropKind
	// Risky marks a property whose change can break sign-ins or callers:
	// the planner flags it (which change counts is the planner's rule).
	Risky bool

	has      func(*AppProps) bool
	copyTo   func(dst, src *AppProps)
	fromLive func(dst *AppProps, a *Application)
	want     func(*AppProps) any
	live     func(*Application) any
	equal    func(want, live any) bool
	apply    func(*Application, *AppProps)
}

// Group is the complex Graph property the property lives in ("api",
// "web", "spa", "publicClient"), or "" for a top-level property. Graph
// may replace a complex value whole on PATCH, so the planner sends every
// property of a group whose value changes (see planner.completeGroups).
func (p *Property) Group() string {
	if g, _, nested := strings.Cut(p.Graph, "."); nested {
		return g
	}
	return ""
}

// SpecName is the spec's name for the property on an application of kind.
func (p *Property) SpecName(kind string) string {
	if p.SpecFor != nil {
		if n := p.SpecFor(kind); n != "" {
			return n
		}
	}
	return p.Spec
}

// Has reports whether props sets the property.
func (p *Property) Has(props *AppProps) bool { return props != nil && p.has(props) }

// Copy sets the property of dst to src's value (nil included).
func (p *Property) Copy(dst, src *AppProps) { p.copyTo(dst, src) }

// FromLive sets the property of dst to the live application's value, read
// as Graph returned it.
func (p *Property) FromLive(dst *AppProps, a *Application) { p.fromLive(dst, a) }

// Want returns the value props sets (a dereferenced copy), or nil.
func (p *Property) Want(props *AppProps) any {
	if !p.Has(props) {
		return nil
	}
	return p.want(props)
}

// Live returns the live application's value, as Graph returned it.
func (p *Property) Live(a *Application) any { return p.live(a) }

// Equal reports whether the wanted value equals the live one under the
// property's rules (Graph's defaults for absent values, case where Graph
// ignores it). Only PropScalar rows have such a rule; sets compare as sets
// and structured values by their differ.
func (p *Property) Equal(want, live any) bool {
	if p.equal != nil {
		return p.equal(want, live)
	}
	return reflect.DeepEqual(want, live)
}

// Apply writes every property props sets into the live application a, as
// Graph would after a PATCH that replaces each value whole. Test fakes of
// the tenant use it; it is not Graph's merge rule for complex values,
// which is why the planner sends complex values whole (see AppProps).
func Apply(a *Application, props *AppProps) {
	for i := range Properties {
		Properties[i].apply(a, props)
	}
}

// cloneValue deep-copies v through JSON, so a live application never shares
// a slice with a payload.
func cloneValue[T any](v T) T {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: copying %T: %v", v, err))
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("internal error: copying %T: %v", v, err))
	}
	return out
}

// field builds a row from the address of its AppProps field and a reader
// of the live value.
func field[T any](plan, spec, graph string, kind PropKind, addr func(*AppProps) **T, live func(*Application) T, set func(*Application, T)) Property {
	return Property{
		Plan: plan, Spec: spec, Graph: graph, Kind: kind,
		apply: func(a *Application, p *AppProps) {
			if v := *addr(p); v != nil {
				set(a, cloneValue(*v))
			}
		},
		has:      func(p *AppProps) bool { return *addr(p) != nil },
		copyTo:   func(dst, src *AppProps) { *addr(dst) = *addr(src) },
		fromLive: func(dst *AppProps, a *Application) { v := live(a); *addr(dst) = &v },
		want:     func(p *AppProps) any { return **addr(p) },
		live:     func(a *Application) any { return live(a) },
	}
}

func (p Property) risky() Property { p.Risky = true; return p }

func (p Property) specFor(f func(kind string) string) Property { p.SpecFor = f; return p }

func (p Property) equalWith(f func(want, live any) bool) Property { p.equal = f; return p }

// DefaultSignInAudience is what Graph reads an application without a
// signInAudience as.
const DefaultSignInAudience = "AzureADMyOrg"

// redirectSpecName: the spec's redirectUris is the platform of the kind
// (web for confidential clients, spa or publicClient for public ones by
// their platform); a confidential client names the other platforms
// spaRedirectUris and publicClientRedirectUris.
func redirectSpecName(platform string) func(kind string) string {
	return func(kind string) string {
		switch {
		case kind == "confidential" && platform == "web", kind == "public" && platform != "web":
			return "redirectUris"
		case platform == "spa":
			return "spaRedirectUris"
		case platform == "publicClient":
			return "publicClientRedirectUris"
		}
		return ""
	}
}

// Properties is every AppProps field, in the order plans show them.
var Properties = []Property{
	field("display_name", "displayName", "displayName", PropScalar,
		func(p *AppProps) **string { return &p.DisplayName }, func(a *Application) string { return a.DisplayName },
		func(a *Application, v string) { a.DisplayName = v }),
	field("description", "description", "description", PropScalar,
		func(p *AppProps) **string { return &p.Description }, func(a *Application) string { return a.Description },
		func(a *Application, v string) { a.Description = v }),
	field("sign_in_audience", "signInAudience", "signInAudience", PropScalar,
		func(p *AppProps) **string { return &p.SignInAudience }, func(a *Application) string { return orDefault(a.SignInAudience, DefaultSignInAudience) },
		func(a *Application, v string) { a.SignInAudience = v }).risky(),
	field("notes", "notes", "notes", PropScalar,
		func(p *AppProps) **string { return &p.Notes }, func(a *Application) string { return a.Notes },
		func(a *Application, v string) { a.Notes = v }),
	field("tags", "tags", "tags", PropStringSet,
		func(p *AppProps) **[]string { return &p.Tags }, func(a *Application) []string { return a.Tags },
		func(a *Application, v []string) { a.Tags = v }),
	field("identifier_uris", "identifierUris", "identifierUris", PropStringSet,
		func(p *AppProps) **[]string { return &p.IdentifierURIs }, func(a *Application) []string { return a.IdentifierURIs },
		func(a *Application, v []string) { a.IdentifierURIs = v }).risky(),
	field("group_membership_claims", "groupMembershipClaims", "groupMembershipClaims", PropScalar,
		func(p *AppProps) **string { return &p.GroupMembershipClaims }, func(a *Application) string { return a.GroupMembershipClaims },
		func(a *Application, v string) { a.GroupMembershipClaims = v }).
		equalWith(func(w, l any) bool {
			return strings.EqualFold(orDefault(w.(string), "None"), orDefault(l.(string), "None"))
		}),
	field("is_fallback_public_client", "", "isFallbackPublicClient", PropScalar,
		func(p *AppProps) **bool { return &p.IsFallbackPublicClient }, func(a *Application) bool { return a.IsFallbackPublicClient },
		func(a *Application, v bool) { a.IsFallbackPublicClient = v }).
		specFor(func(kind string) string {
			if kind == "public" {
				return "platform"
			}
			return ""
		}),
	field("requested_access_token_version", "requestedAccessTokenVersion", "api.requestedAccessTokenVersion", PropScalar,
		func(p *AppProps) **int { return &p.RequestedAccessTokenVersion }, func(a *Application) int { return TokenVersion(a.RequestedAccessTokenVersion) },
		func(a *Application, v int) { a.RequestedAccessTokenVersion = &v }),
	field("accept_mapped_claims", "acceptMappedClaims", "api.acceptMappedClaims", PropScalar,
		func(p *AppProps) **bool { return &p.AcceptMappedClaims }, func(a *Application) bool { return a.AcceptMappedClaims },
		func(a *Application, v bool) { a.AcceptMappedClaims = v }),
	field("optional_claims", "optionalClaims", "optionalClaims", PropStructured,
		func(p *AppProps) **OptionalClaims { return &p.OptionalClaims }, func(a *Application) OptionalClaims {
			if a.OptionalClaims == nil {
				return OptionalClaims{}
			}
			return *a.OptionalClaims
		},
		func(a *Application, v OptionalClaims) { a.OptionalClaims = &v }),
	field("oauth2_permission_scopes", "scopes", "api.oauth2PermissionScopes", PropStructured,
		func(p *AppProps) **[]PermissionScope { return &p.Scopes }, func(a *Application) []PermissionScope { return a.Scopes },
		func(a *Application, v []PermissionScope) { a.Scopes = v }).risky(),
	field("app_roles", "appRoles", "appRoles", PropStructured,
		func(p *AppProps) **[]AppRole { return &p.AppRoles }, func(a *Application) []AppRole { return a.AppRoles },
		func(a *Application, v []AppRole) { a.AppRoles = v }).risky(),
	field("known_client_applications", "knownClientApplications", "api.knownClientApplications", PropStructured,
		func(p *AppProps) **[]string { return &p.KnownClientApplications }, func(a *Application) []string { return a.KnownClientApplications },
		func(a *Application, v []string) { a.KnownClientApplications = v }),
	field("pre_authorized_applications", "preAuthorizedApplications", "api.preAuthorizedApplications", PropStructured,
		func(p *AppProps) **[]PreAuthorizedApplication { return &p.PreAuthorizedApplications },
		func(a *Application) []PreAuthorizedApplication { return a.PreAuthorizedApplications },
		func(a *Application, v []PreAuthorizedApplication) { a.PreAuthorizedApplications = v }),
	field("web_redirect_uris", "", "web.redirectUris", PropStringSet,
		func(p *AppProps) **[]string { return &p.WebRedirectURIs }, func(a *Application) []string { return a.Web.RedirectURIs },
		func(a *Application, v []string) { a.Web.RedirectURIs = v }).risky().
		specFor(redirectSpecName("web")),
	field("web_home_page_url", "homePageUrl", "web.homePageUrl", PropScalar,
		func(p *AppProps) **string { return &p.WebHomePageURL }, func(a *Application) string { return a.Web.HomePageURL },
		func(a *Application, v string) { a.Web.HomePageURL = v }),
	field("web_logout_url", "logoutUrl", "web.logoutUrl", PropScalar,
		func(p *AppProps) **string { return &p.WebLogoutURL }, func(a *Application) string { return a.Web.LogoutURL },
		func(a *Application, v string) { a.Web.LogoutURL = v }),
	field("enable_id_token_issuance", "implicitGrant.idTokens", "web.implicitGrantSettings.enableIdTokenIssuance", PropScalar,
		func(p *AppProps) **bool { return &p.EnableIDTokenIssuance }, func(a *Application) bool { return a.Web.EnableIDTokenIssuance },
		func(a *Application, v bool) { a.Web.EnableIDTokenIssuance = v }),
	field("enable_access_token_issuance", "implicitGrant.accessTokens", "web.implicitGrantSettings.enableAccessTokenIssuance", PropScalar,
		func(p *AppProps) **bool { return &p.EnableAccessTokenIssuance }, func(a *Application) bool { return a.Web.EnableAccessTokenIssuance },
		func(a *Application, v bool) { a.Web.EnableAccessTokenIssuance = v }),
	field("spa_redirect_uris", "", "spa.redirectUris", PropStringSet,
		func(p *AppProps) **[]string { return &p.SPARedirectURIs }, func(a *Application) []string { return a.SPARedirectURIs },
		func(a *Application, v []string) { a.SPARedirectURIs = v }).risky().
		specFor(redirectSpecName("spa")),
	field("public_client_redirect_uris", "", "publicClient.redirectUris", PropStringSet,
		func(p *AppProps) **[]string { return &p.PublicClientRedirectURIs }, func(a *Application) []string { return a.PublicClientRedirectURIs },
		func(a *Application, v []string) { a.PublicClientRedirectURIs = v }).risky().
		specFor(redirectSpecName("publicClient")),
	field("required_resource_access", "access", "requiredResourceAccess", PropStructured,
		func(p *AppProps) **[]RequiredResourceAccess { return &p.RequiredResourceAccess }, func(a *Application) []RequiredResourceAccess { return a.RequiredResourceAccess },
		func(a *Application, v []RequiredResourceAccess) { a.RequiredResourceAccess = v }),
}

// PropertyByPlan returns the row whose Plan name is name.
func PropertyByPlan(name string) (*Property, bool) {
	for i := range Properties {
		if Properties[i].Plan == name {
			return &Properties[i], true
		}
	}
	return nil, false
}

// GraphSelect is the $select list that reads every property of the table
// from an application, besides the ids and what other code reads (in
// extra), in table order without duplicates.
func GraphSelect(extra ...string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range extra {
		add(s)
	}
	for _, p := range Properties {
		add(strings.SplitN(p.Graph, ".", 2)[0])
	}
	return out
}

// TokenVersion reads Graph's requestedAccessTokenVersion: null means 1.
func TokenVersion(v *int) int {
	if v == nil {
		return 1
	}
	return *v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkProperties panics when two rows share a name: the table is the
// plan format's vocabulary, and a duplicate would make two fields one.
func init() {
	seen := map[string]bool{}
	for _, p := range Properties {
		if seen[p.Plan] {
			panic(fmt.Sprintf("internal error: two tenant.Properties rows named %q", p.Plan))
		}
		seen[p.Plan] = true
	}
}
