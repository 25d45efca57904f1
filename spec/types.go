package spec

import (
	"time"

	"github.com/regsync/regsync/diag"
)

// Kind is what an application is for; it decides the Graph shape the planner
// builds from it (see DESIGN.md, "The four kinds of application").
type Kind string

const (
	// KindResource is the API itself; its identifier URI is the token audience.
	KindResource Kind = "resource"
	// KindConfidential is a web app that signs users in and keeps a secret.
	KindConfidential Kind = "confidential"
	// KindPublic is a SPA, mobile or desktop app; it never has a secret.
	KindPublic Kind = "public"
	// KindService is a daemon using the client-credentials flow.
	KindService Kind = "service"
)

// Cloud selects the national cloud (endpoints and authority).
type Cloud string

const (
	CloudPublic Cloud = "public"
	CloudUSGov  Cloud = "usgov"
	CloudChina  Cloud = "china"
)

// Platform of a public client.
type Platform string

const (
	PlatformSPA     Platform = "spa"
	PlatformMobile  Platform = "mobile"
	PlatformDesktop Platform = "desktop"
)

// Spec is the validated, typed desired state of one registrations file.
// Slices keep the order of the file. A nil slice or pointer means "not
// declared": the planner leaves the live value alone. An empty, non-nil slice
// means "declared empty": the planner clears the live value.
type Spec struct {
	File    string // path as given by the user
	Digest  string // "sha256:<hex>" of the file's bytes
	Version int
	Tenant  string // tenant id (GUID) or a verified domain
	Set     string // name of the managed set; tagged on every object
	Cloud   Cloud
	// Defaults already folded into every application; kept for display.
	Defaults Defaults
	APIs     []*API
	// AzureResources are the Azure resources whose role assignments the
	// file manages, in file order.
	AzureResources []*AzureResource
	Applications   []*Application

	// SetPos is where set: is written, for errors that name two files.
	SetPos diag.Pos
}

// AzureResource returns the Azure resource with the given key, or nil.
func (s *Spec) AzureResource(key string) *AzureResource {
	for _, r := range s.AzureResources {
		if r.Key == key {
			return r
		}
	}
	return nil
}

// AzureResource is an Azure resource (by its Resource Manager id, the scope
// of its role assignments) and the users and groups holding roles on it.
type AzureResource struct {
	Key   string
	Pos   diag.Pos
	ID    string
	Roles []RoleHolders // nil when the file names none
}

// RoleHolders are the users and groups holding one role.
type RoleHolders struct {
	Role    string // the role's name as Azure shows it
	Pos     diag.Pos
	Members *Members
}

// Named is a string of the file with its position.
type Named struct {
	Value string
	Pos   diag.Pos
}

// AzureRoles are the roles an application's service principal holds on one
// of the file's azureResources.
type AzureRoles struct {
	Resource string // a key of azureResources
	Pos      diag.Pos
	Roles    []Named // role names
}

// Application returns the application with the given key, or nil.
func (s *Spec) Application(key string) *Application {
	for _, a := range s.Applications {
		if a.Key == key {
			return a
		}
	}
	return nil
}

// API returns the external API with the given key, or nil.
func (s *Spec) API(key string) *API {
	for _, a := range s.APIs {
		if a.Key == key {
			return a
		}
	}
	return nil
}

// Defaults apply to every application that does not set its own value.
type Defaults struct {
	Owners         []string
	SignInAudience string
	Secrets        SecretPolicy
}

// SecretPolicy says where a client secret lives and how long it lasts.
type SecretPolicy struct {
	Vault       string
	Lifetime    time.Duration
	RenewBefore time.Duration
	Overlap     time.Duration
}

// API is an API outside the file (Microsoft Graph, Azure Healthcare APIs, …),
// named by its appId. Its scopes and roles are resolved from its service
// principal in the tenant.
type API struct {
	Key   string
	AppID string
	Pos   diag.Pos
	// CreateServicePrincipal asks the planner to create the API's service
	// principal when the tenant has none (createServicePrincipal).
	CreateServicePrincipal bool
}

// Application is one app registration (and its service principal).
type Application struct {
	Key  string
	Pos  diag.Pos
	Kind Kind
	// AppID adopts an existing registration instead of creating one.
	AppID                       string
	DisplayName                 string // defaults to Key
	Description                 *string
	SignInAudience              string // after defaults; AzureADMyOrg when unset
	Notes                       *string
	Tags                        []string // user tags; regsync adds its own
	Owners                      []string // object ids, after defaults
	IdentifierURIs              []string
	RequestedAccessTokenVersion *int
	// AcceptMappedClaims, KnownClientApplications and
	// PreAuthorizedApplications are a resource's api settings.
	AcceptMappedClaims        *bool
	KnownClientApplications   []ClientRef
	PreAuthorizedApplications []PreAuthorized
	GroupMembershipClaims     *string
	OptionalClaims            *OptionalClaims
	AppRoleAssignmentRequired *bool // on the service principal
	Scopes                    []Scope
	AppRoles                  []AppRole

	// Platform is set for public clients only.
	Platform Platform
	// Web holds the web platform (confidential clients).
	Web *Web
	// SPARedirectURIs and PublicClientRedirectURIs hold the other platforms:
	// a public client's redirectUris by its platform, or a confidential
	// client's spaRedirectUris and publicClientRedirectUris.
	SPARedirectURIs          []string
	PublicClientRedirectURIs []string

	Access       []Access
	AdminConsent Consent
	// Secret is nil when the application has no client secret.
	Secret *Secret
	// Certificate is nil when the application has no certificate credential.
	Certificate          *Certificate
	FederatedCredentials []FederatedCredential
	// AzureRoles are the Azure roles the service principal holds.
	AzureRoles []AzureRoles
	// IgnoreCredentials are key ids (lower case) of credentials regsync
	// did not create that the spec knowingly leaves alone: on the
	// application or its service principal, a password's or certificate's
	// keyId or a federated credential's id.
	IgnoreCredentials []string
}

// Consent says which of the requested permissions regsync grants for the
// whole tenant: the file's adminConsent, true or false for both, or a
// mapping that chooses each.
type Consent struct {
	Scopes bool // delegated scopes: an AllPrincipals oauth2PermissionGrant
	Roles  bool // application roles: app-role assignments
}

// Any reports whether either part is granted.
func (c Consent) Any() bool { return c.Scopes || c.Roles }

// Scope is a delegated permission (oauth2PermissionScope) an API exposes.
type Scope struct {
	Value string
	Pos   diag.Pos
	// ID is the pinned id, in lower case; empty when the file pins none
	// (the planner then keeps the live id or derives one).
	ID                      string
	Type                    string // "User" (default) or "Admin"
	AdminConsentDisplayName string
	AdminConsentDescription string
	UserConsentDisplayName  string
	UserConsentDescription  string
	Enabled                 bool // default true
}

// AppRole is a role an API exposes to users, groups or applications.
type AppRole struct {
	Value string
	Pos   diag.Pos
	// ID is the pinned id, in lower case; empty when the file pins none.
	ID                 string
	DisplayName        string
	Description        string
	AllowedMemberTypes []string // "User", "Application"
	Enabled            bool     // default true
	// Members are the users and groups assigned the role on the
	// application's service principal; nil when the file does not declare
	// them (the live assignments are left alone).
	Members *Members
}

// Web is the web platform of a confidential client.
type Web struct {
	RedirectURIs         []string
	HomePageURL          *string
	LogoutURL            *string
	ImplicitIDTokens     *bool
	ImplicitAccessTokens *bool
}

// ClientRef names a client application: a key of this file or of apis.
type ClientRef struct {
	Key string
	Pos diag.Pos
}

// PreAuthorized is a client a resource trusts for some of its scopes
// (Graph: api.preAuthorizedApplications): users of that client are not
// asked to consent to them.
type PreAuthorized struct {
	Client string // a key of this file or of apis
	Pos    diag.Pos
	Scopes []string // values of the resource's own scopes
}

// Access is an API permission request: the resource by its key (an
// application of this file or an entry of apis) and scope / role names.
type Access struct {
	Resource string
	Pos      diag.Pos
	Scopes   []string // delegated permissions, by value
	Roles    []string // application permissions, by value
}

// Secret is a client secret kept in Key Vault.
type Secret struct {
	Vault       string
	Name        string // Key Vault secret name; defaults to "<key>-client-secret"
	Lifetime    time.Duration
	RenewBefore time.Duration
	Overlap     time.Duration
	Pos         diag.Pos
}

// Certificate is a certificate credential made in Key Vault: the vault
// creates the key pair and a self-signed certificate, and the application
// gets its public part as a key credential. The private key never leaves
// the vault through regsync.
type Certificate struct {
	Vault       string
	Name        string // Key Vault certificate name; defaults to "<key>-client-cert"
	Lifetime    time.Duration
	RenewBefore time.Duration
	Overlap     time.Duration
	// Subject is the X.500 distinguished name; defaults to "CN=<set>-<key>".
	Subject string
	KeyType string // "RSA", the only type
	KeySize int    // 2048 (default), 3072 or 4096
	// Exportable says whether the private key may be read from the vault
	// (as the certificate's secret, a PFX or PEM); default true.
	Exportable bool
	Pos        diag.Pos
}

// ValidityMonths is the certificate's validity as Key Vault's policy takes
// it: whole months (of 30 days here), rounded up.
func (c *Certificate) ValidityMonths() int {
	m := int((c.Lifetime + 30*Day - 1) / (30 * Day))
	if m < 1 {
		m = 1
	}
	return m
}

// FederatedRecordKey starts the record regsync appends to a federated
// credential's description when the credential replaces a client secret
// (the time it was added; see planner/federated.go). A declared
// description may not hold it.
const FederatedRecordKey = "regsync:added="

// FederatedCredential lets an external identity (e.g. a GitHub Actions job)
// sign in as the application without a secret.
type FederatedCredential struct {
	Name        string
	Pos         diag.Pos
	Issuer      string
	Subject     string
	Audiences   []string // default ["api://AzureADTokenExchange"]
	Description string
}

// OptionalClaims are extra claims in the app's tokens.
type OptionalClaims struct {
	IDToken     []OptionalClaim
	AccessToken []OptionalClaim
	SAML2Token  []OptionalClaim
}

// OptionalClaim is one optional claim.
type OptionalClaim struct {
	Name                 string
	Source               string
	Essential            bool
	AdditionalProperties []string
}
