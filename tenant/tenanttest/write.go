package tenanttest

import (
	"context"
	"fmt"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// writer does one write; batched says it travels in a $batch (counted by
// DoBatch, not here).
type writer func(f *Tenant, w tenant.Write, batched bool) (tenant.WriteResult, error)

// writers holds one writer per tenant.Op.
var writers map[tenant.Op]writer

func init() {
	writers = map[tenant.Op]writer{
		tenant.OpCreateApplication:              (*Tenant).createApplication,
		tenant.OpUpdateApplication:              (*Tenant).updateApplication,
		tenant.OpDeleteApplication:              (*Tenant).deleteApplication,
		tenant.OpAddOwner:                       (*Tenant).addOwner,
		tenant.OpRemoveOwner:                    (*Tenant).removeOwner,
		tenant.OpAddPassword:                    (*Tenant).addPassword,
		tenant.OpRemovePassword:                 (*Tenant).removePassword,
		tenant.OpCreateFederatedCredential:      (*Tenant).createFederated,
		tenant.OpUpdateFederatedCredential:      (*Tenant).updateFederated,
		tenant.OpDeleteFederatedCredential:      (*Tenant).deleteFederated,
		tenant.OpCreateServicePrincipal:         (*Tenant).createServicePrincipal,
		tenant.OpUpdateServicePrincipal:         (*Tenant).updateServicePrincipal,
		tenant.OpDeleteServicePrincipal:         (*Tenant).deleteServicePrincipal,
		tenant.OpCreateAppRoleAssignment:        (*Tenant).createAssignment,
		tenant.OpDeleteAppRoleAssignment:        (*Tenant).deleteAssignment,
		tenant.OpCreatePermissionGrant:          (*Tenant).createGrant,
		tenant.OpUpdatePermissionGrant:          (*Tenant).updateGrant,
		tenant.OpDeletePermissionGrant:          (*Tenant).deleteGrant,
		tenant.OpUpsertApplication:              (*Tenant).upsertApplication,
		tenant.OpRemoveKeyCredential:            (*Tenant).removeKeyCredential,
		tenant.OpRemoveServicePrincipalPassword: (*Tenant).removeSPPassword,
		tenant.OpRemoveServicePrincipalKey:      (*Tenant).removeSPKey,
		tenant.OpAddKeyCredential:               (*Tenant).addKeyCredential,
	}
}

func (f *Tenant) write(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	do, ok := writers[w.Op]
	if !ok {
		panic(fmt.Sprintf("internal error: tenanttest has no writer for tenant.Op %d", int(w.Op)))
	}
	res, err := do(f, w, batched)
	if err != nil {
		return tenant.WriteResult{Err: err}, err
	}
	return res, nil
}

// Do does one write; like a real client, it sends nothing once ctx has
// ended.
func (f *Tenant) Do(ctx context.Context, w tenant.Write) (tenant.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return tenant.WriteResult{Err: cancelled(err)}, cancelled(err)
	}
	return f.write(w, false)
}

// DoBatch does the writes one by one, counting one request per 20
// batchable writes and one per other write, and, like graph.Client,
// returns only the id of what a batched create made.
func (f *Tenant) DoBatch(_ context.Context, writes []tenant.Write) []tenant.WriteResult {
	n := 0
	for _, w := range writes {
		if w.Op.Batchable() {
			n++
		}
	}
	f.mu.Lock()
	f.requests += (n + batchSize - 1) / batchSize
	f.batchCalls++
	f.mu.Unlock()
	out := make([]tenant.WriteResult, len(writes))
	for i, w := range writes {
		if !w.Op.Batchable() {
			out[i], _ = f.write(w, false)
			continue
		}
		res, err := f.write(w, true)
		out[i] = tenant.WriteResult{ID: res.ID, Err: err}
	}
	return out
}

// ---- applications

func (f *Tenant) createApplication(w tenant.Write, _ bool) (tenant.WriteResult, error) {
	p := tenant.AppProps{}
	if w.Application != nil {
		p = *w.Application
	}
	key := ""
	if p.Tags != nil {
		key = keyTagOf(*p.Tags)
	}
	flt, faulty := f.begin(w.Op.String(), key, false)
	defer f.end(key)
	if faulty && !flt.lost {
		return tenant.WriteResult{}, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.IdentifierURIs != nil {
		if err := f.uriTaken(*p.IdentifierURIs); err != nil {
			return tenant.WriteResult{}, err
		}
	}
	a := &tenant.Application{ID: f.id("app"), SignInAudience: "AzureADMyOrg"}
	a.AppID = "appid-" + strings.TrimPrefix(a.ID, "app-")
	tenant.Apply(a, &p)
	a.Owners = []string{f.caller}
	a.CreatedDateTime = f.now()
	f.apps[a.ID] = a
	if f.lag > 0 {
		f.hidden[a.ID] = f.lag
	}
	if faulty {
		return tenant.WriteResult{}, flt.err
	}
	return tenant.WriteResult{ID: a.ID, Application: cloneApp(a)}, nil
}

// upsertApplication updates the application with the uniqueName, or
// creates it (keyed by that name) when there is none; hidden (lagging)
// applications are found too, as Graph's key is.
func (f *Tenant) upsertApplication(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	f.mu.Lock()
	if q := f.faults[w.Op.String()]; len(q) > 0 {
		// An injected answer to the upsert itself (405 from a server
		// without it, say); faults of the create it becomes are the
		// create's.
		f.faults[w.Op.String()] = q[1:]
		f.mu.Unlock()
		return tenant.WriteResult{}, q[0].err
	}
	id, exists := f.unique[strings.ToLower(w.RefID)]
	if exists && f.apps[id] == nil {
		exists = false
	}
	f.mu.Unlock()
	if exists {
		// The key finds the application even while lag hides it.
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests++
		f.calls = append(f.calls, w.Op.String()+" "+w.RefID)
		if w.Application != nil {
			tenant.Apply(f.apps[id], w.Application)
		}
		return tenant.WriteResult{ID: id, Application: cloneApp(f.apps[id])}, nil
	}
	create := w
	create.Op = tenant.OpCreateApplication
	res, err := f.createApplication(create, batched)
	if res.ID == "" {
		// A lost answer still made the application: find it by its tags.
		f.mu.Lock()
		for aid, a := range f.apps {
			if w.Application != nil && w.Application.Tags != nil && keyTagOf(a.Tags) == keyTagOf(*w.Application.Tags) && keyTagOf(a.Tags) != "" {
				if _, taken := f.unique[strings.ToLower(w.RefID)]; !taken {
					f.unique[strings.ToLower(w.RefID)] = aid
				}
			}
		}
		f.mu.Unlock()
		return res, err
	}
	f.mu.Lock()
	f.unique[strings.ToLower(w.RefID)] = res.ID
	f.mu.Unlock()
	return res, err
}

// appCall is the common frame of a write on one application.
func (f *Tenant) appCall(w tenant.Write, batched bool, do func(a *tenant.Application) error) error {
	key := f.lockedKey(w.ID)
	flt, faulty := f.begin(w.Op.String(), key, batched)
	defer f.end(key)
	if faulty && !flt.lost {
		return flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.apps[w.ID]
	if a == nil || !f.visible(w.ID) {
		return NotFound(w.ID)
	}
	if err := do(a); err != nil {
		return err
	}
	if faulty {
		return flt.err
	}
	return nil
}

func none(err error) (tenant.WriteResult, error) { return tenant.WriteResult{}, err }

func (f *Tenant) updateApplication(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		tenant.Apply(a, w.Application)
		return nil
	}))
}

func (f *Tenant) deleteApplication(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		delete(f.apps, w.ID)
		for spID, sp := range f.sps {
			if sp.AppID == a.AppID {
				delete(f.sps, spID)
			}
		}
		return nil
	}))
}

func (f *Tenant) addOwner(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		for _, o := range a.Owners {
			if o == w.RefID {
				return &tenant.Error{Kind: tenant.Conflict, Status: 400, Code: "Request_BadRequest",
					Message: "One or more added object references already exist for the following modified properties: 'owners'."}
			}
		}
		a.Owners = append(a.Owners, w.RefID)
		return nil
	}))
}

func (f *Tenant) removeOwner(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		for i, o := range a.Owners {
			if o == w.RefID {
				a.Owners = append(a.Owners[:i], a.Owners[i+1:]...)
				return nil
			}
		}
		return &tenant.Error{Kind: tenant.NotFound, Status: 400, Message: "One or more removed object references do not exist"}
	}))
}

// addPassword issues a value that is known to the test (Issued) and holds
// the marker "fakeSecretValue", so leak tests can find partial copies.
func (f *Tenant) addPassword(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	var cred tenant.PasswordCredential
	var value string
	err := f.appCall(w, batched, func(a *tenant.Application) error {
		n := len(f.issued) + 1
		value = fmt.Sprintf("k%02d8Q~fakeSecretValue%04dXYZabcdefghij", n, n*7919)
		f.issued = append(f.issued, value)
		cred = tenant.PasswordCredential{KeyID: f.id("key"), DisplayName: w.Password.DisplayName, Hint: value[:3],
			Start: f.now().UTC(), End: w.Password.End.UTC()}
		a.PasswordCredentials = append(a.PasswordCredentials, cred)
		return nil
	})
	if err != nil {
		return none(err)
	}
	return tenant.WriteResult{ID: cred.KeyID, Password: cred, Secret: tenant.NewSecretValue(value)}, nil
}

func (f *Tenant) removePassword(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		for i, c := range a.PasswordCredentials {
			if c.KeyID == w.RefID {
				a.PasswordCredentials = append(a.PasswordCredentials[:i], a.PasswordCredentials[i+1:]...)
				return nil
			}
		}
		return &tenant.Error{Kind: tenant.Invalid, Status: 400, Message: "no such key " + w.RefID}
	}))
}

// ---- key credentials and a service principal's own credentials

// removeKeyCredential, like graph.Client, fails NotFound when the key is
// already gone, and Invalid when a key credential to keep has no
// certificate to send back.
func (f *Tenant) removeKeyCredential(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	f.countRead() // graph.Client reads the keys with a GET before its PATCH
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		kept, err := withoutKey(a.KeyCredentials, w.RefID)
		if err == nil {
			a.KeyCredentials = kept
		}
		return err
	}))
}

func (f *Tenant) removeSPKey(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	f.countRead()
	return none(f.spCall(w, w.ID, batched, func(sp *tenant.ServicePrincipal) error {
		kept, err := withoutKey(sp.KeyCredentials, w.RefID)
		if err == nil {
			sp.KeyCredentials = kept
		}
		return err
	}))
}

// countRead counts the GET a key credential's removal sends first.
func (f *Tenant) countRead() {
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
}

func withoutKey(have []tenant.KeyCredential, keyID string) ([]tenant.KeyCredential, error) {
	var kept []tenant.KeyCredential
	found := false
	for _, k := range have {
		if k.KeyID == keyID {
			found = true
			continue
		}
		if len(k.Cert) == 0 {
			return nil, &tenant.Error{Kind: tenant.Invalid, Message: "key credential " + k.KeyID + " has no certificate to keep"}
		}
		kept = append(kept, k)
	}
	if !found {
		return nil, NotFound(keyID)
	}
	return kept, nil
}

func (f *Tenant) removeSPPassword(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.spCall(w, w.ID, batched, func(sp *tenant.ServicePrincipal) error {
		for i, c := range sp.PasswordCredentials {
			if c.KeyID == w.RefID {
				sp.PasswordCredentials = append(sp.PasswordCredentials[:i], sp.PasswordCredentials[i+1:]...)
				return nil
			}
		}
		return &tenant.Error{Kind: tenant.Invalid, Status: 400, Message: "no such key " + w.RefID}
	}))
}

// addKeyCredential adds w.Key unless a key credential with its
// customKeyIdentifier is there already, as graph.Client does.
func (f *Tenant) addKeyCredential(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	if w.Key == nil || len(w.Key.Cert) == 0 {
		return none(&tenant.Error{Kind: tenant.Invalid, Status: 400, Message: "no key credential certificate"})
	}
	f.countRead() // graph.Client reads the keys with a GET before its PATCH
	err := f.appCall(w, batched, func(a *tenant.Application) error {
		for _, k := range a.KeyCredentials {
			if strings.EqualFold(k.CustomKeyIdentifier, w.Key.CustomKeyIdentifier) {
				return nil
			}
		}
		k := *w.Key
		k.Cert = append([]byte(nil), w.Key.Cert...)
		a.KeyCredentials = append(a.KeyCredentials, k)
		return nil
	})
	if err != nil {
		return none(err)
	}
	return tenant.WriteResult{ID: w.Key.KeyID}, nil
}

// ---- federated credentials

func (f *Tenant) createFederated(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	var made tenant.FederatedCredential
	err := f.appCall(w, batched, func(a *tenant.Application) error {
		for _, c := range a.FederatedCredentials {
			if c.Name == w.Federated.Name {
				return &tenant.Error{Kind: tenant.Conflict, Status: 409, Message: "name exists"}
			}
		}
		made = *w.Federated
		made.Audiences = append([]string(nil), made.Audiences...)
		made.ID = f.id("fic")
		a.FederatedCredentials = append(a.FederatedCredentials, made)
		return nil
	})
	if err != nil {
		return none(err)
	}
	return tenant.WriteResult{ID: made.ID, Federated: made}, nil
}

func (f *Tenant) updateFederated(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	fc := *w.Federated
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		for i, c := range a.FederatedCredentials {
			if c.ID == fc.ID {
				fc.Name = c.Name
				fc.Audiences = append([]string(nil), fc.Audiences...)
				a.FederatedCredentials[i] = fc
				return nil
			}
		}
		return NotFound(fc.ID)
	}))
}

func (f *Tenant) deleteFederated(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.appCall(w, batched, func(a *tenant.Application) error {
		for i, c := range a.FederatedCredentials {
			if c.ID == w.RefID {
				a.FederatedCredentials = append(a.FederatedCredentials[:i], a.FederatedCredentials[i+1:]...)
				return nil
			}
		}
		return NotFound(w.RefID)
	}))
}

// ---- service principals

func (f *Tenant) createServicePrincipal(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	f.mu.Lock()
	key := ""
	if a := f.appByAppID(w.AppID); a != nil {
		key = keyTagOf(a.Tags)
	}
	f.mu.Unlock()
	flt, faulty := f.begin(w.Op.String(), key, batched)
	defer f.end(key)
	if faulty && !flt.lost {
		return none(flt.err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appByAppID(w.AppID)
	if a == nil {
		a = f.homeApp(w.AppID) // a first-party application: no object here
	}
	if a == nil || (a.ID != "" && !f.visible(a.ID)) {
		return none(&tenant.Error{Kind: tenant.NotFound, Status: 400, Code: "NoBackingApplicationObject",
			Message: fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", w.AppID)})
	}
	for _, sp := range f.sps {
		if sp.AppID == w.AppID {
			return none(&tenant.Error{Kind: tenant.Conflict, Status: 400, Code: "Request_BadRequest",
				Message: "Another object with the same value for property servicePrincipalNames already exists."})
		}
	}
	sp := &tenant.ServicePrincipal{ID: f.id("sp"), AppID: w.AppID, DisplayName: a.DisplayName,
		AppRoles: append([]tenant.AppRole(nil), a.AppRoles...), Scopes: append([]tenant.PermissionScope(nil), a.Scopes...)}
	if p := w.ServicePrincipal; p != nil {
		if p.Tags != nil {
			sp.Tags = append([]string(nil), (*p.Tags)...)
		}
		if p.AppRoleAssignmentRequired != nil {
			sp.AppRoleAssignmentRequired = *p.AppRoleAssignmentRequired
		}
	}
	f.sps[sp.ID] = sp
	if f.lag > 0 {
		f.hidden[sp.ID] = f.lag
	}
	if faulty {
		return none(flt.err)
	}
	c := *sp
	return tenant.WriteResult{ID: c.ID, ServicePrincipal: &c}, nil
}

// spCall is the common frame of a write on one service principal.
func (f *Tenant) spCall(w tenant.Write, id string, batched bool, do func(sp *tenant.ServicePrincipal) error) error {
	key := f.lockedKey(id)
	flt, faulty := f.begin(w.Op.String(), key, batched)
	defer f.end(key)
	if faulty && !flt.lost {
		return flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	sp := f.sps[id]
	if sp == nil || !f.visible(id) {
		return NotFound(id)
	}
	if err := do(sp); err != nil {
		return err
	}
	if faulty {
		return flt.err
	}
	return nil
}

func (f *Tenant) updateServicePrincipal(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	p := w.ServicePrincipal
	return none(f.spCall(w, w.ID, batched, func(sp *tenant.ServicePrincipal) error {
		if p.Tags != nil {
			sp.Tags = append([]string(nil), (*p.Tags)...)
		}
		if p.AppRoleAssignmentRequired != nil {
			sp.AppRoleAssignmentRequired = *p.AppRoleAssignmentRequired
		}
		return nil
	}))
}

func (f *Tenant) deleteServicePrincipal(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.spCall(w, w.ID, batched, func(*tenant.ServicePrincipal) error { delete(f.sps, w.ID); return nil }))
}

// ---- app-role assignments

func (f *Tenant) createAssignment(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	as := *w.Assignment
	var made tenant.AppRoleAssignment
	f.mu.Lock()
	typ, name, person := f.principal(as.PrincipalID)
	f.mu.Unlock()
	if person {
		return f.assignPerson(w, as, typ, name, batched)
	}
	err := f.spCall(w, as.PrincipalID, batched, func(*tenant.ServicePrincipal) error {
		if f.sps[as.ResourceID] == nil || !f.visible(as.ResourceID) {
			return NotFound(as.ResourceID)
		}
		for _, e := range f.assigns {
			if e.PrincipalID == as.PrincipalID && e.ResourceID == as.ResourceID && e.AppRoleID == as.AppRoleID {
				return &tenant.Error{Kind: tenant.Conflict, Status: 400, Message: "Permission being assigned already exists on the object."}
			}
		}
		made = as
		made.ID = f.id("asg")
		made.PrincipalType = tenant.PrincipalServicePrincipal
		made.PrincipalDisplayName = f.sps[as.PrincipalID].DisplayName
		f.assigns = append(f.assigns, made)
		return nil
	})
	if err != nil {
		return none(err)
	}
	return tenant.WriteResult{ID: made.ID, Assignment: made}, nil
}

func (f *Tenant) deleteAssignment(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	principal := ""
	f.mu.Lock()
	for _, a := range f.assigns {
		if a.ID == w.RefID {
			principal = a.PrincipalID
		}
	}
	f.mu.Unlock()
	key := f.lockedKey(principal)
	_, _ = f.begin(w.Op.String(), key, batched)
	defer f.end(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, a := range f.assigns {
		if a.ID == w.RefID && a.ResourceID == w.ID {
			f.assigns = append(f.assigns[:i], f.assigns[i+1:]...)
			return none(nil)
		}
	}
	return none(NotFound(w.RefID))
}

// ---- delegated grants

func (f *Tenant) createGrant(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	g := *w.Grant
	var made tenant.PermissionGrant
	err := f.spCall(w, g.ClientID, batched, func(*tenant.ServicePrincipal) error {
		if f.sps[g.ResourceID] == nil || !f.visible(g.ResourceID) {
			return NotFound(g.ResourceID)
		}
		for _, e := range f.grants {
			if e.ClientID == g.ClientID && e.ResourceID == g.ResourceID && e.ConsentType == g.ConsentType {
				return &tenant.Error{Kind: tenant.Conflict, Status: 409, Message: "grant exists"}
			}
		}
		made = g
		made.ID = f.id("grant")
		f.grants = append(f.grants, made)
		return nil
	})
	if err != nil {
		return none(err)
	}
	return tenant.WriteResult{ID: made.ID, Grant: made}, nil
}

func (f *Tenant) grantCall(w tenant.Write, batched bool, do func(i int)) error {
	f.mu.Lock()
	key := ""
	for _, g := range f.grants {
		if g.ID == w.ID {
			key = f.keyOf(g.ClientID)
		}
	}
	f.mu.Unlock()
	_, _ = f.begin(w.Op.String(), key, batched)
	defer f.end(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, g := range f.grants {
		if g.ID == w.ID {
			do(i)
			return nil
		}
	}
	return NotFound(w.ID)
}

func (f *Tenant) updateGrant(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.grantCall(w, batched, func(i int) { f.grants[i].Scope = w.Scope }))
}

func (f *Tenant) deleteGrant(w tenant.Write, batched bool) (tenant.WriteResult, error) {
	return none(f.grantCall(w, batched, func(i int) { f.grants = append(f.grants[:i], f.grants[i+1:]...) }))
}

// uriTaken refuses identifier URIs another application holds, as Graph
// does (graph/ maps the 400 ObjectConflict to Conflict), whether or not
// that application is visible yet. Callers hold f.mu.
func (f *Tenant) uriTaken(uris []string) error {
	for _, a := range f.apps {
		for _, held := range a.IdentifierURIs {
			for _, u := range uris {
				if strings.EqualFold(held, u) {
					return &tenant.Error{Kind: tenant.Conflict, Status: 400, Code: "Request_BadRequest",
						Message: "Another object with the same value for property identifierUris already exists."}
				}
			}
		}
	}
	return nil
}
