package planner

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/tenant"
)

// FormatVersion is the version of the JSON plan document (render.JSON and the
// plan inside a saved plan file). It changes when a field is renamed, removed
// or changes meaning; adding a field keeps it.
const FormatVersion = "2.0"

// Plan is the result of Compute: everything regsync would change in the
// tenant, as ordered actions. It holds no secret value and no reference to
// live SDK objects; it survives a JSON round trip unchanged.
type Plan struct {
	// Tenant is the tenant the plan was computed against (from the snapshot).
	Tenant Tenant `json:"tenant"`
	// Set is the managed set (spec `set:`).
	Set string `json:"set"`
	// SpecFile and SpecDigest identify the spec the plan was computed from.
	SpecFile   string `json:"spec_file"`
	SpecDigest string `json:"spec_digest"`
	// PlannedAt is Options.Now: secret renewal decisions are relative to it.
	PlannedAt time.Time `json:"planned_at"`
	// Prune tells whether deletions of objects no longer in the spec were planned.
	Prune bool `json:"prune"`
	// Applications summarises every application the plan looked at, in
	// action order: the spec's, then pruned (or prunable) ones.
	Applications []AppSummary `json:"applications"`
	// Actions in an order that satisfies every DependsOn: an applier that
	// runs them one by one in this order is correct.
	Actions []*Action `json:"actions"`
	// Notes are information: differences the spec does not declare, objects
	// left alone, credentials added by hand. Never a change.
	Notes []Note `json:"notes"`
	// UndeclaredMembers are the live assignments of roles whose members
	// the spec declares to users and groups it does not name: drift. The
	// plan deletes them when Prune is on, and notes them otherwise.
	UndeclaredMembers []RoleMember `json:"undeclared_members,omitempty"`
	// MissingPrincipals are members the spec names that the tenant does
	// not have (deleted since the last run, typically); only with
	// Options.MissingPrincipalsAreDrift, otherwise they are errors.
	MissingPrincipals []MissingPrincipal `json:"missing_principals,omitempty"`
	// Summary counts the actions (see Summary).
	Summary Summary `json:"summary"`
	// Reads reports what reading the tenant cost (from the snapshot); for
	// display and benchmarks only.
	Reads Reads `json:"reads"`
}

// Tenant identifies the tenant a plan is for.
type Tenant struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name,omitempty"`
	// Spec is the spec's `tenant:` value (an id or a verified domain).
	Spec string `json:"spec"`
}

// Reads counts the HTTP requests that produced the snapshot.
type Reads struct {
	GraphRequests int `json:"graph_requests"`
	VaultRequests int `json:"vault_requests"`
	ARMRequests   int `json:"arm_requests,omitempty"`
}

// Summary counts actions by operation: every create action is one "to add"
// (an application, a service principal, an owner, a client secret — a renewal
// is one add, and the old credential's removal a destroy in a later plan once
// the overlap has passed), every update one "to change" (a two-step scope or
// role removal is two changes), every delete one "to destroy".
type Summary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
}

// Empty reports whether the plan changes nothing.
func (s Summary) Empty() bool { return s.Add == 0 && s.Change == 0 && s.Destroy == 0 }

// Line is the summary sentence every rendering ends with.
func (s Summary) Line() string {
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", s.Add, s.Change, s.Destroy)
}

// AppSummary is one application's share of the plan.
type AppSummary struct {
	Key         string `json:"key"`
	Kind        string `json:"kind,omitempty"` // empty for an application only found live
	DisplayName string `json:"display_name"`
	// Status is "create", "update", "delete", "no-op", or "prunable" (in the
	// set but not in the spec, and Prune was off).
	Status  string  `json:"status"`
	Summary Summary `json:"summary"`
	// Risks counts the risk flags on this application's actions.
	Risks int `json:"risks"`
}

// Op is what an action does to its object.
type Op string

const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Symbol is the one-character marker of an operation in text and markdown.
func (o Op) Symbol() string {
	switch o {
	case OpCreate:
		return "+"
	case OpUpdate:
		return "~"
	case OpDelete:
		return "-"
	default:
		panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(o)))
	}
}

// Valid reports whether o is one of the operations above. A plan read from
// a file is checked with it before anything switches over the value.
func (o Op) Valid() bool {
	switch o {
	case OpCreate, OpUpdate, OpDelete:
		return true
	}
	return false
}

// ObjectType is the kind of tenant object an action touches.
type ObjectType string

const (
	TypeApplication         ObjectType = "application"
	TypeServicePrincipal    ObjectType = "service_principal"
	TypeOwner               ObjectType = "owner"
	TypeFederatedCredential ObjectType = "federated_credential"
	TypeSecret              ObjectType = "secret"      // a password credential and its Key Vault copy
	TypeCertificate         ObjectType = "certificate" // a key credential and its Key Vault certificate
	TypeAppRoleAssignment   ObjectType = "app_role_assignment"
	TypePermissionGrant     ObjectType = "permission_grant"
	// TypeRoleAssignment is an Azure role assignment at an azureResources
	// scope (Azure Resource Manager, not Graph).
	TypeRoleAssignment ObjectType = "role_assignment"
	// TypeCredential is a certificate (key credential) on an application
	// or its service principal, or a password on the service principal,
	// that regsync did not create; it is only ever removed (prune).
	TypeCredential ObjectType = "credential"
)

// ObjectTypes lists every ObjectType, in the order the documentation does.
var ObjectTypes = []ObjectType{TypeApplication, TypeServicePrincipal, TypeOwner,
	TypeFederatedCredential, TypeSecret, TypeCertificate, TypeAppRoleAssignment, TypePermissionGrant, TypeCredential, TypeRoleAssignment}

// Valid reports whether t is one of the object types above.
func (t ObjectType) Valid() bool {
	for _, v := range ObjectTypes {
		if t == v {
			return true
		}
	}
	return false
}

// The steps an action may carry (Action.Step); the empty step is the
// ordinary action on its object.
const (
	// StepDisable is the first half of a two-step scope or role removal.
	StepDisable = "disable"
	// StepPreAuthorize sets an application's known and pre-authorized
	// clients once the clients exist.
	StepPreAuthorize = "pre-authorize"
	// StepRenew adds a client secret that succeeds an expiring one.
	StepRenew = "renew"
)

// ValidStep reports whether s is empty or one of the steps above.
func ValidStep(s string) bool {
	switch s {
	case "", StepDisable, StepPreAuthorize, StepRenew:
		return true
	}
	return false
}

// Action is one write to the tenant (or to the tenant and Key Vault, for a
// secret). Exactly one payload field is set, the one matching Type.
//
// String fields that hold an object id or appId may hold a reference to an
// object created by an earlier action instead of a literal; see Ref.
type Action struct {
	// ID is unique within the plan: Address + ":" + Step (or Op).
	ID   string     `json:"id"`
	Op   Op         `json:"op"`
	Type ObjectType `json:"type"`
	// App is the key of the application the action belongs to.
	App string `json:"app"`
	// Address names the object, e.g. applications.portal.owners["<id>"].
	Address string `json:"address"`
	// Step distinguishes several actions on one object: "disable" for the
	// first half of a two-step scope/role removal, "renew" for a secret
	// that succeeds an expiring one; empty otherwise.
	Step string `json:"step,omitempty"`
	// Description is one line saying what the action does; display only.
	Description string `json:"description"`
	// Reason says why the action is needed; display only.
	Reason string `json:"reason,omitempty"`
	// DependsOn lists the IDs of actions that must succeed first.
	DependsOn []string `json:"depends_on,omitempty"`
	// Changes are the field-level differences; display only (the payload
	// is what the applier sends).
	Changes []Change `json:"changes,omitempty"`
	// Risks are the reasons a reviewer should look twice.
	Risks []Risk `json:"risks,omitempty"`

	Application         *ApplicationAction         `json:"application,omitempty"`
	ServicePrincipal    *ServicePrincipalAction    `json:"service_principal,omitempty"`
	Owner               *OwnerAction               `json:"owner,omitempty"`
	FederatedCredential *FederatedCredentialAction `json:"federated_credential,omitempty"`
	Secret              *SecretAction              `json:"secret,omitempty"`
	Certificate         *CertificateAction         `json:"certificate,omitempty"`
	AppRoleAssignment   *AppRoleAssignmentAction   `json:"app_role_assignment,omitempty"`
	PermissionGrant     *PermissionGrantAction     `json:"permission_grant,omitempty"`
	RoleAssignment      *RoleAssignmentAction      `json:"role_assignment,omitempty"`
	Credential          *CredentialAction          `json:"credential,omitempty"`
}

// Change is one field-level difference, for display. Path uses the JSON
// field names of tenant.AppProps, with ["value"] selecting an element of a
// keyed collection. Scalars carry Before and/or After as JSON (absent when
// the value is absent: Before on create, After on delete). Collections that
// Graph treats as sets carry Added and Removed elements instead, in a
// readable form.
type Change struct {
	Path    string          `json:"path"`
	Before  json.RawMessage `json:"before,omitempty"`
	After   json.RawMessage `json:"after,omitempty"`
	Added   []string        `json:"added,omitempty"`
	Removed []string        `json:"removed,omitempty"`
}

// RiskCode classifies a risk flag.
type RiskCode string

const (
	RiskSignInAudience     RiskCode = "sign_in_audience_change"
	RiskIdentifierURI      RiskCode = "identifier_uri_change"
	RiskScopeRemoval       RiskCode = "scope_removal"
	RiskRoleRemoval        RiskCode = "role_removal"
	RiskApplicationDelete  RiskCode = "application_deletion"
	RiskRedirectURIRemoval RiskCode = "redirect_uri_removal"
	RiskCredentialRemoval  RiskCode = "credential_removal"
	// RiskPermissionIDChange: a scope or app role keeps its value under a
	// new id (a pinned id differs from the live one).
	RiskPermissionIDChange RiskCode = "permission_id_change"
	// RiskNonASCIIHost: a URI the action adds (a redirect or identifier
	// URI, a web URL, a federated issuer) has a host outside ASCII, which
	// can pass for another host; the message gives its punycode form.
	RiskNonASCIIHost RiskCode = "non_ascii_host"
)

// Risk is a flag on an action that can break sign-ins or callers.
type Risk struct {
	Code    RiskCode `json:"code"`
	Message string   `json:"message"`
}

// Note is information that is not a change.
type Note struct {
	App     string `json:"app,omitempty"`
	Address string `json:"address"`
	Message string `json:"message"`
}

// AddressedRisk is a risk with the action it belongs to.
type AddressedRisk struct {
	ActionID string
	Address  string
	Risk
}

// Risks lists every risk flag of the plan in action order.
func (p *Plan) Risks() []AddressedRisk {
	var out []AddressedRisk
	for _, a := range p.Actions {
		for _, r := range a.Risks {
			out = append(out, AddressedRisk{ActionID: a.ID, Address: a.Address, Risk: r})
		}
	}
	return out
}

// ActionsFor returns the actions of one application, in plan order.
func (p *Plan) ActionsFor(app string) []*Action {
	var out []*Action
	for _, a := range p.Actions {
		if a.App == app {
			out = append(out, a)
		}
	}
	return out
}

// NotesFor returns the notes of one application.
func (p *Plan) NotesFor(app string) []Note {
	var out []Note
	for _, n := range p.Notes {
		if n.App == app {
			out = append(out, n)
		}
	}
	return out
}

// ApplicationAction creates, updates or deletes an application object.
type ApplicationAction struct {
	// ObjectID is the live object id (update, delete); empty on create.
	// A later step of an application this plan creates (pre-authorize)
	// holds a Ref.
	ObjectID string `json:"object_id,omitempty"`
	// AppID is the live appId (update, delete); empty on create.
	AppID string `json:"app_id,omitempty"`
	// Fields: on create, every field to set; on update, only the changed
	// ones (sparse); absent on delete.
	Fields *tenant.AppProps `json:"fields,omitempty"`
}

// ServicePrincipalAction creates, updates or deletes a service principal.
type ServicePrincipalAction struct {
	// ObjectID is the live object id (update, delete).
	ObjectID string `json:"object_id,omitempty"`
	// AppID is the application's appId (create), literal or a Ref.
	AppID string `json:"app_id,omitempty"`
	// Tags: on create the tags to set; on update the complete new tags, or
	// nil when unchanged.
	Tags                      *[]string `json:"tags,omitempty"`
	AppRoleAssignmentRequired *bool     `json:"app_role_assignment_required,omitempty"`
}

// OwnerAction adds (create) or removes (delete) an owner of an application.
type OwnerAction struct {
	// ApplicationID is the application's object id, literal or a Ref.
	ApplicationID string `json:"application_id"`
	OwnerID       string `json:"owner_id"`
	// Object names the owner (display only); nil when the directory was
	// not asked.
	Object *OwnerObject `json:"object,omitempty"`
}

// FederatedCredentialAction creates, updates or deletes a federated identity
// credential of an application.
type FederatedCredentialAction struct {
	ApplicationID string `json:"application_id"` // literal or a Ref
	// ID is the live credential id (update, delete).
	ID         string                     `json:"id,omitempty"`
	Credential tenant.FederatedCredential `json:"credential"`
	// RecordAdded asks the applier to append to Credential.Description
	// the record of when it writes (WithFederatedRecord): the start of
	// the overlap of a client moving from a secret (see federated.go).
	RecordAdded bool `json:"record_added,omitempty"`
}

// SecretAction adds (create) or removes (delete) a client secret.
//
// On create the applier calls addPassword with DisplayName and an end date of
// apply time + LifetimeSeconds, writes the returned value to Vault/SecretName
// (tags client-id = AppID, key-id = the new keyId, expiry = the end date), and
// if that write fails removes the new credential again. The value itself
// never enters the plan. On delete it calls removePassword with KeyID; the Key
// Vault secret is left alone (its older versions expire on their own).
type SecretAction struct {
	ApplicationID string `json:"application_id"` // object id, literal or a Ref
	AppID         string `json:"app_id"`         // appId, literal or a Ref; tagged on the vault secret
	DisplayName   string `json:"display_name"`
	// Managed is false for a credential added by hand (removed with Prune).
	Managed         bool   `json:"managed"`
	Vault           string `json:"vault,omitempty"`
	SecretName      string `json:"secret_name,omitempty"`
	LifetimeSeconds int64  `json:"lifetime_seconds,omitempty"`
	// KeyID is the credential to remove (delete).
	KeyID string `json:"key_id,omitempty"`
	// Replaces is, on a renewal, the keyId of the credential the new one
	// succeeds; that one is removed by a later plan once the overlap passed.
	Replaces string `json:"replaces,omitempty"`
	// End is the end date of the credential being removed; display only.
	End *time.Time `json:"end,omitempty"`
}

// CredentialAction removes (delete) a credential regsync did not create:
// a certificate of the application (a PATCH of keyCredentials keeping the
// others), or a password or certificate of its service principal.
type CredentialAction struct {
	// ObjectID is the application's or the service principal's object id.
	ObjectID string `json:"object_id"`
	// On is "application" or "service_principal".
	On string `json:"on"`
	// Kind is "password" or "certificate".
	Kind  CredentialKind `json:"kind"`
	KeyID string         `json:"key_id"`
	// DisplayName and End describe the credential; display only.
	DisplayName string     `json:"display_name"`
	End         *time.Time `json:"end,omitempty"`
}

// AppRoleAssignmentAction grants (create) or revokes (delete) an app role of
// a resource service principal to a client's service principal: admin
// consent to an application permission.
type AppRoleAssignmentAction struct {
	ID          string `json:"id,omitempty"` // live assignment id (delete)
	PrincipalID string `json:"principal_id"` // client service principal, literal or a Ref
	ResourceID  string `json:"resource_id"`  // resource service principal, literal or a Ref
	AppRoleID   string `json:"app_role_id"`
	// Resource and Role name the grant for display: a spec key (or appId)
	// and a role value.
	Resource string `json:"resource"`
	Role     string `json:"role"`
	// PrincipalType is set when the principal is a user or a group (a
	// member of the role: appRoles.<role>.members); empty for a client's
	// service principal. Principal names it for display (UPN or group
	// name).
	PrincipalType string `json:"principal_type,omitempty"`
	Principal     string `json:"principal,omitempty"`
}

// RoleMember is a user or a group that holds an app role of an
// application of the spec.
type RoleMember struct {
	App       string    `json:"app"`  // the resource application's key
	Role      string    `json:"role"` // the role's value
	Principal Principal `json:"principal"`
	// AssignmentID is the live app-role assignment.
	AssignmentID string `json:"assignment_id"`
	Address      string `json:"address"`
}

// MissingPrincipal is a user or a group the spec names that does not
// exist in the tenant (Options.MissingPrincipalsAreDrift).
type MissingPrincipal struct {
	App     string   `json:"app"`
	Role    string   `json:"role"`
	Type    string   `json:"type"` // User or Group
	Ref     string   `json:"ref"`  // as the file writes it
	Pos     diag.Pos `json:"pos"`
	Address string   `json:"address"`
	Message string   `json:"message"`
}

// PermissionGrantAction creates, updates or deletes an AllPrincipals
// oauth2PermissionGrant: admin consent to delegated scopes for all users.
type PermissionGrantAction struct {
	ID          string `json:"id,omitempty"` // live grant id (update, delete)
	ClientID    string `json:"client_id"`    // client service principal, literal or a Ref
	ResourceID  string `json:"resource_id"`  // resource service principal, literal or a Ref
	ConsentType string `json:"consent_type"`
	// Scope is the complete space-separated list of scope values.
	Scope    string `json:"scope"`
	Resource string `json:"resource"` // display: spec key or appId
}

// RoleAssignmentAction creates or deletes an Azure role assignment: a role
// (by its definition id) held by a principal at a scope.
//
// On create, Name is the assignment's name, derived by
// tenant.AssignmentName from scope, role and principal; it is empty when
// PrincipalID is a Ref (a service principal this plan creates), and the
// applier derives it from the resolved id. On delete it is the live name.
type RoleAssignmentAction struct {
	Scope            string `json:"scope"`
	Name             string `json:"name,omitempty"`
	RoleDefinitionID string `json:"role_definition_id"`
	PrincipalID      string `json:"principal_id"` // literal or a Ref
	PrincipalType    string `json:"principal_type"`
	// Resource, Role and Principal name the assignment for display: the
	// azureResources key, the role name, and who holds it
	// (applications.<key>, a user or a group).
	Resource  string `json:"resource"`
	Role      string `json:"role"`
	Principal string `json:"principal"`
	// Managed is false for an assignment whose name regsync did not derive
	// (made by hand); such an assignment is never deleted.
	Managed bool `json:"managed"`
}

// Ref is a reference to an id that does not exist until an earlier action
// of the same plan has run (a new application's object id or appId, a new
// service principal's object id). In the plan it appears as the whole value
// of a string field, written ${applications.<key>.<field>}; the applier
// replaces it with the id the earlier action returned before it sends the
// action. A field never mixes a reference with other text.
type Ref struct {
	App   string
	Field RefField
}

// RefField names the id a Ref stands for.
type RefField string

const (
	// RefObjectID is the application's object id (from create application).
	RefObjectID RefField = "object_id"
	// RefAppID is the application's appId (from create application).
	RefAppID RefField = "app_id"
	// RefServicePrincipalID is the service principal's object id (from
	// create service_principal).
	RefServicePrincipalID RefField = "service_principal_id"
)

// String renders the reference in its placeholder form.
func (r Ref) String() string { return "${applications." + r.App + "." + string(r.Field) + "}" }

// ParseRef reports whether s is a reference placeholder, and which.
func ParseRef(s string) (Ref, bool) {
	if !strings.HasPrefix(s, "${applications.") || !strings.HasSuffix(s, "}") {
		return Ref{}, false
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(s, "${applications."), "}")
	i := strings.LastIndexByte(inner, '.')
	if i <= 0 {
		return Ref{}, false
	}
	f := RefField(inner[i+1:])
	switch f {
	case RefObjectID, RefAppID, RefServicePrincipalID:
		return Ref{App: inner[:i], Field: f}, true
	}
	return Ref{}, false
}

// IsRef reports whether s is a reference placeholder.
func IsRef(s string) bool { _, ok := ParseRef(s); return ok }
