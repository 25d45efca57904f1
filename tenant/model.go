package tenant

import "time"

// Tag names regsync writes on every application and service principal it
// manages. A managed object carries TagSet+"="+set and TagKey+"="+key.
const (
	TagSet = "regsync:set"
	TagKey = "regsync:key"
)

// SetTag and KeyTag build the tag values for a set name and an application key.
func SetTag(set string) string { return TagSet + "=" + set }
func KeyTag(key string) string { return TagKey + "=" + key }

// Organization is the signed-in tenant.
type Organization struct {
	ID              string
	DisplayName     string
	VerifiedDomains []string // lower case; includes the initial *.onmicrosoft.com domain
}

// Application is an app registration as read from Graph.
type Application struct {
	ID                          string // object id
	AppID                       string // client id
	DisplayName                 string
	Description                 string
	SignInAudience              string
	Notes                       string
	Tags                        []string
	IdentifierURIs              []string
	GroupMembershipClaims       string
	IsFallbackPublicClient      bool
	RequestedAccessTokenVersion *int
	AcceptMappedClaims          bool
	KnownClientApplications     []string // appIds
	PreAuthorizedApplications   []PreAuthorizedApplication
	OptionalClaims              *OptionalClaims
	Scopes                      []PermissionScope
	AppRoles                    []AppRole
	Web                         WebApplication
	SPARedirectURIs             []string
	PublicClientRedirectURIs    []string
	RequiredResourceAccess      []RequiredResourceAccess
	PasswordCredentials         []PasswordCredential
	KeyCredentials              []KeyCredential
	FederatedCredentials        []FederatedCredential
	Owners                      []string // object ids
	CreatedDateTime             time.Time
}

// PermissionScope is an oauth2PermissionScope (a delegated permission).
type PermissionScope struct {
	ID                      string `json:"id"`
	Value                   string `json:"value"`
	Type                    string `json:"type"` // "User" or "Admin"
	IsEnabled               bool   `json:"is_enabled"`
	AdminConsentDisplayName string `json:"admin_consent_display_name"`
	AdminConsentDescription string `json:"admin_consent_description"`
	UserConsentDisplayName  string `json:"user_consent_display_name"`
	UserConsentDescription  string `json:"user_consent_description"`
}

// AppRole is a role defined by an application.
type AppRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	DisplayName        string   `json:"display_name"`
	Description        string   `json:"description"`
	AllowedMemberTypes []string `json:"allowed_member_types"`
	IsEnabled          bool     `json:"is_enabled"`
}

// PreAuthorizedApplication is a client the API trusts for some of its
// delegated permissions: users are not asked to consent to them.
type PreAuthorizedApplication struct {
	AppID                  string   `json:"app_id"` // literal or a planner Ref
	DelegatedPermissionIDs []string `json:"delegated_permission_ids"`
}

// WebApplication is the web platform.
type WebApplication struct {
	RedirectURIs              []string
	HomePageURL               string
	LogoutURL                 string
	EnableIDTokenIssuance     bool
	EnableAccessTokenIssuance bool
}

// RequiredResourceAccess is the set of permissions requested from one resource.
type RequiredResourceAccess struct {
	ResourceAppID  string           `json:"resource_app_id"`
	ResourceAccess []ResourceAccess `json:"resource_access"`
}

// ResourceAccess is one requested permission: Type is "Scope" (delegated) or
// "Role" (application).
type ResourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// PasswordCredential is a client secret's metadata. The value is never part
// of this type: Graph returns it once, from addPassword, as a SecretValue.
type PasswordCredential struct {
	KeyID       string
	DisplayName string
	Hint        string
	Start       time.Time
	End         time.Time
}

// KeyCredential is a certificate credential's metadata (Graph's
// keyCredential) on an application or a service principal.
//
// Cert is the public X.509 certificate (DER). Graph returns a key
// credential's key only to a single-object GET that selects keyCredentials,
// never in a list, so Cert is nil in everything tenant.Read returns; the
// writes that PATCH keyCredentials read it where they need it. Cert never
// holds private key material: a key that is not a bare certificate (a
// signing credential's PFX) is dropped when read.
type KeyCredential struct {
	KeyID       string
	DisplayName string
	Type        string // "AsymmetricX509Cert" (also "X509CertAndPassword" for signing keys)
	Usage       string // "Verify" (also "Sign")
	// CustomKeyIdentifier is Graph's customKeyIdentifier as upper-case hex.
	// Graph fills it with the certificate's SHA-1 thumbprint unless the
	// writer chose another value.
	CustomKeyIdentifier string
	Start               time.Time
	End                 time.Time
	Cert                []byte `json:",omitempty"`
}

// FederatedCredential is a federatedIdentityCredential.
type FederatedCredential struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name"`
	Issuer      string   `json:"issuer"`
	Subject     string   `json:"subject"`
	Audiences   []string `json:"audiences"`
	Description string   `json:"description"`
}

// OptionalClaims mirrors Graph's optionalClaims.
type OptionalClaims struct {
	IDToken     []OptionalClaim `json:"id_token"`
	AccessToken []OptionalClaim `json:"access_token"`
	SAML2Token  []OptionalClaim `json:"saml2_token"`
}

// OptionalClaim is one optional claim.
type OptionalClaim struct {
	Name                 string   `json:"name"`
	Source               string   `json:"source"`
	Essential            bool     `json:"essential"`
	AdditionalProperties []string `json:"additional_properties"`
}

// ServicePrincipal is the tenant-local instance of an application.
type ServicePrincipal struct {
	ID                        string
	AppID                     string
	DisplayName               string
	Tags                      []string
	AppRoleAssignmentRequired bool
	AppRoles                  []AppRole
	Scopes                    []PermissionScope
	// PasswordCredentials and KeyCredentials are credentials on the service
	// principal itself: Graph lets both be added beside the application's,
	// and a token request with them works like one with the application's.
	PasswordCredentials []PasswordCredential
	KeyCredentials      []KeyCredential
}

// AppRoleAssignment grants an app role of a resource service principal to a
// principal (here: a client's service principal). It is how admin consent to
// application permissions is recorded.
type AppRoleAssignment struct {
	ID          string
	PrincipalID string // client service principal object id
	ResourceID  string // resource service principal object id
	AppRoleID   string
}

// PermissionGrant is an oauth2PermissionGrant: consent to delegated scopes.
type PermissionGrant struct {
	ID          string
	ClientID    string // client service principal object id
	ResourceID  string // resource service principal object id
	ConsentType string // "AllPrincipals" or "Principal"
	PrincipalID string
	Scope       string // space-separated scope values
}

// SecretMeta is what regsync reads of a Key Vault secret: never its value.
type SecretMeta struct {
	Vault       string
	Name        string
	Version     string
	ContentType string
	Tags        map[string]string
	Enabled     bool
	Expires     *time.Time
	Created     time.Time
	Updated     time.Time
}

// Key Vault tags regsync writes on a secret, so anyone can match the secret
// to its password credential.
const (
	SecretTagClientID = "client-id"
	SecretTagKeyID    = "key-id"
	SecretTagSet      = "regsync-set"
	SecretTagKey      = "regsync-key"
)
