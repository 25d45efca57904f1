package tenant

import (
	"context"
	"time"
)

// Directory is what regsync needs of Microsoft Graph: the reads, and one
// way to send a write (a Write value) and one to send a batch of them.
// graph.Client implements it over msgraph-sdk-go; tenanttest.Tenant in
// memory, for tests.
//
// Reads are list queries at the paging floor: one filtered, paged query per
// kind of object, never one request per object.
type Directory interface {
	// Organization returns the signed-in tenant and its verified domains.
	Organization(ctx context.Context) (Organization, error)

	// ListApplications returns every application tagged SetTag(set), with
	// owners and federated credentials expanded.
	ListApplications(ctx context.Context, set string) ([]*Application, error)
	// ApplicationsByAppID returns the applications with the given appIds
	// (for adoption); missing ones are simply absent from the result.
	ApplicationsByAppID(ctx context.Context, appIDs []string) ([]*Application, error)
	// ListServicePrincipals returns every service principal tagged SetTag(set).
	ListServicePrincipals(ctx context.Context, set string) ([]*ServicePrincipal, error)
	// ScanServicePrincipals pages through the service principals tagged
	// SetTag(set), each with the app-role assignments it holds (on any
	// resource), and calls fn once per page as the page arrives, so that
	// reads which need a page's principals can start before the next
	// page is in. fn's error ends the scan and is returned. Called again
	// (a retry), it starts over from the first page.
	ScanServicePrincipals(ctx context.Context, set string, fn func(sps []*ServicePrincipal, held []AppRoleAssignment) error) error
	// ServicePrincipalsByAppID returns the service principals of the given
	// appIds (resource APIs, adopted apps); missing ones are absent.
	ServicePrincipalsByAppID(ctx context.Context, appIDs []string) ([]*ServicePrincipal, error)
	// AppRoleAssignedTo lists the app-role assignments granted on a resource
	// service principal, to anyone. Read uses it only for the set's own
	// resource service principals: on an external API's (Microsoft
	// Graph's) it would list every consent in the tenant.
	AppRoleAssignedTo(ctx context.Context, resourceSPID string) ([]AppRoleAssignment, error)
	// FindUsers returns the users named by the given userPrincipalNames
	// or object ids, in a few filtered list reads (never one per user).
	// For a name that matches nobody it adds up to CandidateLimit users
	// whose name starts with UserPrefix of it (one more read per 15 such
	// names), as did-you-mean candidates; unknown ids are simply absent.
	FindUsers(ctx context.Context, upnsOrIDs []string) ([]User, error)
	// FindGroups returns the groups named by the given display names or
	// object ids, in a few filtered list reads. A display name may match
	// several groups: all of them are returned, and the caller decides.
	// Unknown names get candidates as in FindUsers (GroupPrefix).
	FindGroups(ctx context.Context, namesOrIDs []string) ([]Group, error)
	// ConsentsOf lists what the given service principals were granted, on
	// any resource: the app-role assignments they hold as principals and
	// the delegated grants whose client they are. It never reads another
	// client's consents, so its cost grows with the principals named, not
	// with the resources' other consents. graph.Client reads both for
	// ConsentChunk principals in one $batch request; Read passes at most
	// that many per call and runs the calls in parallel.
	ConsentsOf(ctx context.Context, spIDs []string) ([]AppRoleAssignment, []PermissionGrant, error)
	// GrantsOf lists the delegated grants whose client is one of spIDs,
	// on any resource: ConsentsOf's grants alone. graph.Client reads
	// GrantChunk principals' grants in one $batch request.
	GrantsOf(ctx context.Context, spIDs []string) ([]PermissionGrant, error)

	// Do sends one write and returns what it made (see WriteResult); its
	// error is a *Error with a Kind.
	Do(ctx context.Context, w Write) (WriteResult, error)
	// DoBatch sends writes that do not depend on each other together
	// (Graph's $batch: 20 per request) and returns one result per write,
	// in order, each with its own Err. A write whose op is not Batchable
	// is sent alone, as by Do. A throttled item comes back Throttled, with
	// its Retry-After, for the caller's own retry: no 429 is retried out of
	// sight.
	DoBatch(ctx context.Context, writes []Write) []WriteResult

	// Requests is the number of HTTP requests sent so far (retries included).
	Requests() int
}

// SecretStore is what regsync needs of Key Vault. keyvault.Store implements
// it over azsecrets.
type SecretStore interface {
	// ListSecrets returns the metadata of every secret in the vault (never a value).
	ListSecrets(ctx context.Context, vault string) ([]SecretMeta, error)
	// SetSecret writes a new version of a secret.
	SetSecret(ctx context.Context, vault, name string, value SecretValue, w SecretWrite) (SecretMeta, error)
	// SecretVersions returns the metadata of every version of a secret
	// (never a value), in no particular order; none when the secret does
	// not exist or is deleted. It is a list request, so it needs only the
	// list permission that ListSecrets needs already, and no value crosses
	// the wire: the applier reads it to learn whether a vault write whose
	// answer was lost landed.
	SecretVersions(ctx context.Context, vault, name string) ([]SecretMeta, error)
	// DeletedSecrets returns the soft-deleted secrets of a vault (never a
	// value). Key Vault keeps a deleted secret's name reserved until it is
	// recovered or purged: a write to it fails with 409
	// ObjectIsDeletedButRecoverable.
	DeletedSecrets(ctx context.Context, vault string) ([]DeletedSecret, error)
	// RecoverSecret recovers a soft-deleted secret with all its versions.
	// The service finishes a recovery asynchronously: a write right after
	// it may still answer Conflict for a few seconds.
	RecoverSecret(ctx context.Context, vault, name string) error
	// Requests is the number of HTTP requests sent so far (retries included).
	Requests() int
}

// DeletedSecret is a soft-deleted Key Vault secret: the metadata of its
// latest version, when it was deleted and when the vault purges it.
type DeletedSecret struct {
	SecretMeta
	DeletedDate        time.Time
	ScheduledPurgeDate time.Time
}

// SecretWrite is the metadata of a secret version being written.
type SecretWrite struct {
	ContentType string
	Tags        map[string]string
	Expires     *time.Time
	NotBefore   *time.Time
}

// PasswordRequest asks for a new client secret.
type PasswordRequest struct {
	DisplayName string
	End         time.Time
}

// ServicePrincipalPatch is a sparse update of a service principal.
type ServicePrincipalPatch struct {
	AppRoleAssignmentRequired *bool
	Tags                      *[]string
}

// Snapshot is everything the planner needs of the live tenant, read once.
type Snapshot struct {
	Organization Organization
	// Applications of the managed set, plus adopted ones (by appId).
	Applications []*Application
	// ServicePrincipals of the managed set, of adopted apps and of every
	// resource API that the spec names.
	ServicePrincipals []*ServicePrincipal
	// AppRoleAssignments held by the set's and adopted service principals
	// (on any resource) and granted on the set's own resource service
	// principals (to anyone); PermissionGrants whose client is one of the
	// set's or adopted service principals. Nothing another client holds on
	// an external API (Microsoft Graph's thousands of consents) is read, so
	// neither the read nor a saved plan's fingerprint grows with the tenant.
	AppRoleAssignments []AppRoleAssignment
	PermissionGrants   []PermissionGrant
	// Users and Groups are those the spec names (ReadQuery.Users and
	// Groups) that exist, sorted by id.
	Users  []User  `json:",omitempty"`
	Groups []Group `json:",omitempty"`
	// DirectoryObjects names, for display, the owners the spec declares
	// (ReadQuery.Owners) and the read applications have, and the holders
	// of the role assignments read, sorted by id. DirectoryObjectsRead
	// tells that the directory was asked, so an id missing here exists
	// nowhere.
	DirectoryObjects     []DirectoryObject `json:",omitempty"`
	DirectoryObjectsRead bool              `json:",omitempty"`
	// Secrets: metadata of the secrets in every vault the spec names (the
	// latest version of each).
	Secrets []SecretMeta
	// SecretVersions holds the metadata of every version of the secrets
	// whose latest version does not name all the password credentials of
	// the application it belongs to (its client-id tag): during a renewal's
	// overlap, or when a credential may have lost its copy. Read only then,
	// so a converged set costs no request per secret.
	SecretVersions []SecretMeta `json:",omitempty"`
	// DeletedSecrets are the soft-deleted secrets of the vaults, when the
	// read asked for them (ReadQuery.DeletedSecrets).
	DeletedSecrets []DeletedSecret `json:",omitempty"`
	// VaultsRead names the vaults whose secret metadata Read listed, sorted;
	// a vault here with no entry in Secrets is empty, while a vault absent
	// here was not read and nothing is known of it.
	VaultsRead []string `json:",omitempty"`
	// Certificates: metadata of the latest version of every certificate in
	// the vaults the spec makes certificates in (CertificateVaultsRead).
	Certificates []CertificateMeta `json:",omitempty"`
	// CertificateVersions holds every version of the certificates whose
	// latest version's thumbprint is not that of every key credential of
	// the application it belongs to (its client-id tag): during a
	// renewal's overlap. Read only then, as SecretVersions.
	CertificateVersions []CertificateMeta `json:",omitempty"`
	// DeletedCertificates are the soft-deleted certificates of those
	// vaults, when the read asked for deleted objects.
	DeletedCertificates []DeletedCertificate `json:",omitempty"`
	// CertificateVaultsRead names the vaults whose certificates Read
	// listed, sorted.
	CertificateVaultsRead []string `json:",omitempty"`
	// RoleDefinitions are the Azure roles assignable at each scope of
	// ScopesRead (each carries the Scope it was listed at), and
	// RoleAssignments the role assignments made at those scopes
	// themselves: the ones inherited from a parent scope, which the
	// listing also returns, are left out, since regsync neither manages
	// nor reports them.
	RoleDefinitions []RoleDefinition `json:",omitempty"`
	RoleAssignments []RoleAssignment `json:",omitempty"`
	// ScopesRead names the scopes whose roles and assignments Read listed,
	// normalized (NormalizeScope) and sorted.
	ScopesRead []string `json:",omitempty"`
	// GraphRequests, VaultRequests and ARMRequests count the HTTP requests
	// the read took.
	GraphRequests int
	VaultRequests int
	ARMRequests   int `json:",omitempty"`
}
