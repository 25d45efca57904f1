package tenant

import "fmt"

// Op names a directory write. Each constant lists the Write fields it
// reads; the constructors below (CreateApplication, AddOwner, ...) fill
// exactly those.
type Op int

// The directory writes.
const (
	OpCreateApplication              Op = iota + 1 // Application
	OpUpdateApplication                            // ID, Application
	OpDeleteApplication                            // ID
	OpAddOwner                                     // ID (application), RefID (owner)
	OpRemoveOwner                                  // ID (application), RefID (owner)
	OpAddPassword                                  // ID (application), Password
	OpRemovePassword                               // ID (application), RefID (keyId)
	OpCreateFederatedCredential                    // ID (application), Federated
	OpUpdateFederatedCredential                    // ID (application), Federated (Federated.ID names it)
	OpDeleteFederatedCredential                    // ID (application), RefID (credential id)
	OpCreateServicePrincipal                       // AppID, ServicePrincipal (optional: tags)
	OpUpdateServicePrincipal                       // ID, ServicePrincipal
	OpDeleteServicePrincipal                       // ID
	OpCreateAppRoleAssignment                      // Assignment
	OpDeleteAppRoleAssignment                      // ID (resource service principal), RefID (assignment)
	OpCreatePermissionGrant                        // Grant
	OpUpdatePermissionGrant                        // ID (grant), Scope
	OpDeletePermissionGrant                        // ID (grant)
	OpUpsertApplication                            // RefID (uniqueName), Application
	OpRemoveKeyCredential                          // ID (application), RefID (keyId)
	OpRemoveServicePrincipalPassword               // ID (service principal), RefID (keyId)
	OpRemoveServicePrincipalKey                    // ID (service principal), RefID (keyId)
	OpAddKeyCredential                             // ID (application), Key
)

// opInfo describes each Op once: its name and whether it may travel in a
// $batch.
var opInfo = map[Op]struct {
	name      string
	batchable bool
}{
	OpCreateApplication:         {"create application", false},
	OpUpdateApplication:         {"update application", true},
	OpDeleteApplication:         {"delete application", true},
	OpAddOwner:                  {"add owner", true},
	OpRemoveOwner:               {"remove owner", true},
	OpAddPassword:               {"add password", false},
	OpRemovePassword:            {"remove password", true},
	OpCreateFederatedCredential: {"create federated credential", false},
	OpUpdateFederatedCredential: {"update federated credential", true},
	OpDeleteFederatedCredential: {"delete federated credential", true},
	OpCreateServicePrincipal:    {"create service principal", false},
	OpUpdateServicePrincipal:    {"update service principal", true},
	OpDeleteServicePrincipal:    {"delete service principal", true},
	OpCreateAppRoleAssignment:   {"create app-role assignment", true},
	OpDeleteAppRoleAssignment:   {"delete app-role assignment", true},
	OpCreatePermissionGrant:     {"create delegated grant", true},
	OpUpdatePermissionGrant:     {"update delegated grant", true},
	OpDeletePermissionGrant:     {"delete delegated grant", true},
	OpUpsertApplication:         {"upsert application", false},
	// Graph's removeKey wants a proof signed by one of the object's own
	// keys, which regsync does not hold for a certificate it did not make,
	// so a key credential goes by reading the whole list with a
	// single-object GET (the only read that returns the keys) and PATCHing
	// it back without that one: two requests, never batched.
	OpRemoveKeyCredential:            {"remove key credential", false},
	OpRemoveServicePrincipalPassword: {"remove service principal password", true},
	OpRemoveServicePrincipalKey:      {"remove service principal key credential", false},
	// A key credential goes on by reading the whole list with a
	// single-object GET (the only read that returns each key) and
	// PATCHing it back with the new one: two requests, never batched.
	OpAddKeyCredential: {"add key credential", false},
}

// Ops lists every Op, in declaration order.
func Ops() []Op {
	out := make([]Op, 0, len(opInfo))
	for o := OpCreateApplication; o <= OpAddKeyCredential; o++ {
		out = append(out, o)
	}
	return out
}

func (o Op) info() (string, bool) {
	i, ok := opInfo[o]
	if !ok {
		panic(fmt.Sprintf("internal error: unknown tenant.Op %d", int(o)))
	}
	return i.name, i.batchable
}

func (o Op) String() string { n, _ := o.info(); return n }

// Batchable reports whether a write of this op may travel with others in
// one request (Graph's $batch): it needs nothing from its answer beyond
// success and an id. Creates of applications, service principals and
// federated credentials answer with the object the caller goes on with,
// and addPassword with a secret that must not sit in a batch response, so
// those are always sent alone.
func (o Op) Batchable() bool { _, b := o.info(); return b }

// Write is one directory write, as a value: Directory.Do sends it alone,
// Directory.DoBatch with others. Which fields it reads depends on Op (see
// the Op constants); build one with the constructors below.
type Write struct {
	Op Op
	// ID is the object the write is on: the application, service
	// principal or grant (for an assignment's delete, the resource service
	// principal).
	ID string
	// RefID is the object the write adds or removes on ID: an owner, a
	// password's keyId, a federated credential or an assignment.
	RefID string
	// AppID is the application whose service principal is created.
	AppID            string
	Application      *AppProps
	ServicePrincipal *ServicePrincipalPatch
	Password         *PasswordRequest
	Federated        *FederatedCredential
	Assignment       *AppRoleAssignment
	Grant            *PermissionGrant
	Scope            string
	// Key is the key credential to add, with its public certificate (Cert).
	Key *KeyCredential
}

// String says what the write does, for errors: "updating application
// 0f0a…", "adding owner u1 to application 0f0a…".
func (w Write) String() string {
	switch w.Op {
	case OpCreateApplication:
		name := ""
		if w.Application != nil && w.Application.DisplayName != nil {
			name = *w.Application.DisplayName
		}
		return fmt.Sprintf("creating application %q", name)
	case OpUpdateApplication:
		return "updating application " + w.ID
	case OpDeleteApplication:
		return "deleting application " + w.ID
	case OpAddOwner:
		return fmt.Sprintf("adding owner %s to application %s", w.RefID, w.ID)
	case OpRemoveOwner:
		return fmt.Sprintf("removing owner %s from application %s", w.RefID, w.ID)
	case OpAddPassword:
		return "adding a password to application " + w.ID
	case OpRemovePassword:
		return fmt.Sprintf("removing password %s from application %s", w.RefID, w.ID)
	case OpCreateFederatedCredential:
		return fmt.Sprintf("creating federated credential %q on application %s", w.federatedName(), w.ID)
	case OpUpdateFederatedCredential:
		return fmt.Sprintf("updating federated credential %q on application %s", w.federatedName(), w.ID)
	case OpDeleteFederatedCredential:
		return fmt.Sprintf("deleting federated credential %s on application %s", w.RefID, w.ID)
	case OpCreateServicePrincipal:
		return "creating the service principal of " + w.AppID
	case OpUpdateServicePrincipal:
		return "updating service principal " + w.ID
	case OpDeleteServicePrincipal:
		return "deleting service principal " + w.ID
	case OpCreateAppRoleAssignment:
		a := AppRoleAssignment{}
		if w.Assignment != nil {
			a = *w.Assignment
		}
		return fmt.Sprintf("assigning app role %s of %s to %s", a.AppRoleID, a.ResourceID, a.PrincipalID)
	case OpDeleteAppRoleAssignment:
		return fmt.Sprintf("deleting app-role assignment %s on %s", w.RefID, w.ID)
	case OpCreatePermissionGrant:
		g := PermissionGrant{}
		if w.Grant != nil {
			g = *w.Grant
		}
		return fmt.Sprintf("granting %q of %s to %s", g.Scope, g.ResourceID, g.ClientID)
	case OpUpdatePermissionGrant:
		return "updating delegated grant " + w.ID
	case OpDeletePermissionGrant:
		return "deleting delegated grant " + w.ID
	case OpUpsertApplication:
		return fmt.Sprintf("creating or updating application %q", w.RefID)
	case OpRemoveKeyCredential:
		return fmt.Sprintf("removing key credential %s from application %s", w.RefID, w.ID)
	case OpRemoveServicePrincipalPassword:
		return fmt.Sprintf("removing password %s from service principal %s", w.RefID, w.ID)
	case OpRemoveServicePrincipalKey:
		return fmt.Sprintf("removing key credential %s from service principal %s", w.RefID, w.ID)
	case OpAddKeyCredential:
		id := ""
		if w.Key != nil {
			id = w.Key.KeyID
		}
		return fmt.Sprintf("adding key credential %s to application %s", id, w.ID)
	default:
		panic(fmt.Sprintf("internal error: unknown tenant.Op %d", int(w.Op)))
	}
}

func (w Write) federatedName() string {
	if w.Federated == nil {
		return ""
	}
	return w.Federated.Name
}

// WriteResult is the outcome of one Write. A create fills ID (the object
// id, assignment or grant id, federated credential id, or keyId) and, from
// Do, the object it made: Application, ServicePrincipal, Password,
// Federated, Assignment or Grant. AddPassword alone fills Secret, the
// value Graph returns once; it prints redacted like every SecretValue.
// DoBatch fills ID only. Err is nil on success, a *Error with a Kind
// otherwise; Do returns it as its error as well.
type WriteResult struct {
	ID               string
	Application      *Application
	ServicePrincipal *ServicePrincipal
	Password         PasswordCredential
	Secret           SecretValue
	Federated        FederatedCredential
	Assignment       AppRoleAssignment
	Grant            PermissionGrant
	Err              error
}

// CreateApplication creates an application with the non-nil fields of p.
func CreateApplication(p AppProps) Write {
	return Write{Op: OpCreateApplication, Application: &p}
}

// UpsertApplication creates the application with the alternate key
// uniqueName, or updates the one that has it: Graph's upsert (PATCH
// /applications(uniqueName='…') with Prefer: create-if-missing). Sent
// twice, it makes one application, so a create whose answer was lost, or
// two applies at once, cannot make a second. The result's Application is
// the object created or updated.
func UpsertApplication(uniqueName string, p AppProps) Write {
	return Write{Op: OpUpsertApplication, RefID: uniqueName, Application: &p}
}

// UniqueName is the alternate key regsync gives the application of key in
// set: a dot cannot appear in either, so no two pairs share one.
func UniqueName(set, key string) string { return "regsync." + set + "." + key }

// UpdateApplication PATCHes the non-nil fields of p; a pointer to an empty
// collection clears it.
func UpdateApplication(id string, p AppProps) Write {
	return Write{Op: OpUpdateApplication, ID: id, Application: &p}
}

// DeleteApplication deletes an application (Graph keeps it restorable for
// 30 days).
func DeleteApplication(id string) Write { return Write{Op: OpDeleteApplication, ID: id} }

// AddOwner adds a user or service principal as owner of an application.
func AddOwner(appObjectID, ownerID string) Write {
	return Write{Op: OpAddOwner, ID: appObjectID, RefID: ownerID}
}

// RemoveOwner removes an owner of an application.
func RemoveOwner(appObjectID, ownerID string) Write {
	return Write{Op: OpRemoveOwner, ID: appObjectID, RefID: ownerID}
}

// AddPassword adds a client secret; its value comes back once, in the
// result's Secret.
func AddPassword(appObjectID string, req PasswordRequest) Write {
	return Write{Op: OpAddPassword, ID: appObjectID, Password: &req}
}

// RemovePassword removes a client secret by keyId.
func RemovePassword(appObjectID, keyID string) Write {
	return Write{Op: OpRemovePassword, ID: appObjectID, RefID: keyID}
}

// RemoveKeyCredential removes a key credential (a certificate) of an
// application by keyId, keeping every other one.
func RemoveKeyCredential(appObjectID, keyID string) Write {
	return Write{Op: OpRemoveKeyCredential, ID: appObjectID, RefID: keyID}
}

// RemoveServicePrincipalPassword removes a password credential of a
// service principal by keyId.
func RemoveServicePrincipalPassword(spID, keyID string) Write {
	return Write{Op: OpRemoveServicePrincipalPassword, ID: spID, RefID: keyID}
}

// RemoveServicePrincipalKey removes a key credential of a service
// principal by keyId, keeping every other one.
func RemoveServicePrincipalKey(spID, keyID string) Write {
	return Write{Op: OpRemoveServicePrincipalKey, ID: spID, RefID: keyID}
}

// AddKeyCredential adds a key credential (a certificate, public part only)
// to an application, keeping every other one. A key credential with the
// same customKeyIdentifier already there makes it a no-op, so sending it
// again after a lost answer adds nothing twice.
func AddKeyCredential(appObjectID string, k KeyCredential) Write {
	return Write{Op: OpAddKeyCredential, ID: appObjectID, Key: &k}
}

// CreateFederatedCredential adds a federated identity credential.
func CreateFederatedCredential(appObjectID string, fc FederatedCredential) Write {
	return Write{Op: OpCreateFederatedCredential, ID: appObjectID, Federated: &fc}
}

// UpdateFederatedCredential rewrites issuer, subject, audiences and
// description of the credential fc.ID (the name is immutable).
func UpdateFederatedCredential(appObjectID string, fc FederatedCredential) Write {
	return Write{Op: OpUpdateFederatedCredential, ID: appObjectID, Federated: &fc}
}

// DeleteFederatedCredential deletes a federated identity credential.
func DeleteFederatedCredential(appObjectID, fcID string) Write {
	return Write{Op: OpDeleteFederatedCredential, ID: appObjectID, RefID: fcID}
}

// CreateServicePrincipal creates the service principal of an application,
// with tags when they are not nil.
func CreateServicePrincipal(appID string, tags []string) Write {
	w := Write{Op: OpCreateServicePrincipal, AppID: appID}
	if tags != nil {
		t := append([]string(nil), tags...)
		w.ServicePrincipal = &ServicePrincipalPatch{Tags: &t}
	}
	return w
}

// UpdateServicePrincipal PATCHes the non-nil fields of p.
func UpdateServicePrincipal(id string, p ServicePrincipalPatch) Write {
	return Write{Op: OpUpdateServicePrincipal, ID: id, ServicePrincipal: &p}
}

// DeleteServicePrincipal deletes a service principal.
func DeleteServicePrincipal(id string) Write { return Write{Op: OpDeleteServicePrincipal, ID: id} }

// CreateAppRoleAssignment grants an app role of a.ResourceID to
// a.PrincipalID (admin consent to an application permission).
func CreateAppRoleAssignment(a AppRoleAssignment) Write {
	return Write{Op: OpCreateAppRoleAssignment, Assignment: &a}
}

// DeleteAppRoleAssignment removes an app-role assignment.
func DeleteAppRoleAssignment(resourceSPID, id string) Write {
	return Write{Op: OpDeleteAppRoleAssignment, ID: resourceSPID, RefID: id}
}

// CreatePermissionGrant grants delegated scopes (admin consent when
// ConsentType is AllPrincipals, the default).
func CreatePermissionGrant(g PermissionGrant) Write {
	return Write{Op: OpCreatePermissionGrant, Grant: &g}
}

// UpdatePermissionGrant replaces the scopes of a delegated grant.
func UpdatePermissionGrant(id, scope string) Write {
	return Write{Op: OpUpdatePermissionGrant, ID: id, Scope: scope}
}

// DeletePermissionGrant deletes a delegated grant.
func DeletePermissionGrant(id string) Write { return Write{Op: OpDeletePermissionGrant, ID: id} }
