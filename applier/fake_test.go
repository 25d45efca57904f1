package applier

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/regsync/regsync/tenant"
)

// fakeTenant is a hand-written in-memory Directory, Finder, BatchWriter and
// SecretStore. It records every call, counts requests the way the real
// clients would ($batch: one per 20 writes), issues known secret values,
// and injects faults by method: an error for the next N calls, a lost
// answer (the write happens, the call fails), replication lag (a new object
// answers NotFound to the next N calls that name it), a vault outage.
type fakeTenant struct {
	mu  sync.Mutex
	now func() time.Time
	// caller is the object id of the signed-in principal: Graph makes it an
	// owner of every application it creates (Application.ReadWrite.OwnedBy).
	caller string

	seq        int
	apps       map[string]*tenant.Application // by object id
	sps        map[string]*tenant.ServicePrincipal
	assigns    []tenant.AppRoleAssignment
	grants     []tenant.PermissionGrant
	vault      map[string][]storedSecret // vault/name → versions, oldest first
	issued     []string                  // every secret value handed out
	calls      []string
	requests   int
	vaultReqs  int
	batchCalls int

	faults map[string][]fault
	// lag: a new object is invisible (NotFound) to this many calls naming it.
	lag    int
	hidden map[string]int

	// concurrency bookkeeping
	inflight, maxInflight int
	perKey                map[string]int
	maxPerKey             int
}

type storedSecret struct {
	value string
	meta  tenant.SecretMeta
}

// fault is one injected failure: err is returned; when lost, the write is
// done first (the answer was lost on its way back).
type fault struct {
	err  error
	lost bool
}

func newFake(now func() time.Time) *fakeTenant {
	return &fakeTenant{
		now: now, caller: "caller-sp",
		apps: map[string]*tenant.Application{}, sps: map[string]*tenant.ServicePrincipal{},
		vault: map[string][]storedSecret{}, faults: map[string][]fault{}, hidden: map[string]int{}, perKey: map[string]int{},
	}
}

func transient() error {
	return &tenant.Error{Kind: tenant.Transient, Status: 503, Message: "service unavailable"}
}
func throttled(d time.Duration) error {
	return &tenant.Error{Kind: tenant.Throttled, Status: 429, Message: "too many requests", RetryAfter: d}
}

// inject queues n faults for method.
func (f *fakeTenant) inject(method string, n int, err error, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[method] = append(f.faults[method], fault{err: err, lost: lost})
	}
}

func (f *fakeTenant) id(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s-%03d", prefix, f.seq)
}

// begin records a call: it counts the request, marks it in flight for the
// concurrency checks and returns the pending fault, if any. The caller
// must call end. Callers hold no lock.
func (f *fakeTenant) begin(method, key string, batched bool) (fault, bool) {
	f.mu.Lock()
	f.calls = append(f.calls, method+" "+key)
	if !batched {
		f.requests++
	}
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	if key != "" {
		f.perKey[key]++
		f.maxPerKey = max(f.maxPerKey, f.perKey[key])
	}
	var flt fault
	ok := false
	if q := f.faults[method]; len(q) > 0 {
		flt, ok = q[0], true
		f.faults[method] = q[1:]
	}
	f.mu.Unlock()
	// Let other goroutines run while this call is "on the wire", so that
	// overlapping calls show in the bookkeeping.
	for range 3 {
		runtime.Gosched()
	}
	return flt, ok
}

func (f *fakeTenant) end(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if key != "" {
		f.perKey[key]--
	}
}

// visible reports whether an object may be seen by this call, counting
// down its lag. Callers hold f.mu.
func (f *fakeTenant) visible(id string) bool {
	if n := f.hidden[id]; n > 0 {
		f.hidden[id] = n - 1
		return false
	}
	return true
}

func notFound(id string) error {
	return &tenant.Error{Kind: tenant.NotFound, Status: 404, Code: "Request_ResourceNotFound",
		Message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)}
}

func keyTagOf(tags []string) string {
	v, _ := tagValue(tags, tenant.TagKey)
	return v
}

// keyOf names the application an object id belongs to, for the
// one-writer-per-application check. Callers hold f.mu.
func (f *fakeTenant) keyOf(id string) string {
	if a := f.apps[id]; a != nil {
		return keyTagOf(a.Tags)
	}
	if sp := f.sps[id]; sp != nil {
		return keyTagOf(sp.Tags)
	}
	return ""
}

func (f *fakeTenant) lockedKey(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyOf(id)
}

func (f *fakeTenant) appByAppID(appID string) *tenant.Application {
	for _, a := range f.apps {
		if a.AppID == appID {
			return a
		}
	}
	return nil
}

// ---- reads

func (f *fakeTenant) Organization(context.Context) (tenant.Organization, error) {
	return tenant.Organization{ID: "tenant-1", VerifiedDomains: []string{"contoso.com", "contoso.onmicrosoft.com"}}, nil
}

func cloneApp(a *tenant.Application) *tenant.Application {
	c := *a
	c.Tags = append([]string(nil), a.Tags...)
	c.Owners = append([]string(nil), a.Owners...)
	c.PasswordCredentials = append([]tenant.PasswordCredential(nil), a.PasswordCredentials...)
	c.FederatedCredentials = append([]tenant.FederatedCredential(nil), a.FederatedCredentials...)
	return &c
}

func (f *fakeTenant) sortedApps() []*tenant.Application {
	var out []*tenant.Application
	for _, a := range f.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (f *fakeTenant) ListApplications(_ context.Context, set string) ([]*tenant.Application, error) {
	f.begin("ListApplications", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.Application
	for _, a := range f.sortedApps() {
		if hasTag(a.Tags, tenant.SetTag(set)) {
			out = append(out, cloneApp(a))
		}
	}
	return out, nil
}

func (f *fakeTenant) FindApplication(_ context.Context, set, key string) (*tenant.Application, error) {
	if flt, ok := f.begin("FindApplication", "", false); ok {
		f.end("")
		return nil, flt.err
	}
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var found []*tenant.Application
	for _, a := range f.sortedApps() {
		if hasTag(a.Tags, tenant.SetTag(set)) && hasTag(a.Tags, tenant.KeyTag(key)) && f.visible(a.ID) {
			found = append(found, cloneApp(a))
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	default:
		return nil, &tenant.Error{Kind: tenant.Conflict, Message: "duplicate"}
	}
}

func (f *fakeTenant) ApplicationsByAppID(_ context.Context, appIDs []string) ([]*tenant.Application, error) {
	f.begin("ApplicationsByAppID", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.Application
	for _, a := range f.sortedApps() {
		for _, id := range appIDs {
			if a.AppID == id && f.visible(a.ID) {
				out = append(out, cloneApp(a))
			}
		}
	}
	return out, nil
}

func (f *fakeTenant) ListServicePrincipals(_ context.Context, set string) ([]*tenant.ServicePrincipal, error) {
	f.begin("ListServicePrincipals", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.ServicePrincipal
	for _, sp := range f.sps {
		if hasTag(sp.Tags, tenant.SetTag(set)) {
			c := *sp
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeTenant) ServicePrincipalsByAppID(_ context.Context, appIDs []string) ([]*tenant.ServicePrincipal, error) {
	f.begin("ServicePrincipalsByAppID", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*tenant.ServicePrincipal
	for _, sp := range f.sps {
		for _, id := range appIDs {
			if sp.AppID == id && f.visible(sp.ID) {
				c := *sp
				out = append(out, &c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeTenant) AppRoleAssignedTo(_ context.Context, resourceSPID string) ([]tenant.AppRoleAssignment, error) {
	f.begin("AppRoleAssignedTo", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.AppRoleAssignment
	for _, a := range f.assigns {
		if a.ResourceID == resourceSPID {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeTenant) PermissionGrantsForResource(_ context.Context, resourceSPID string) ([]tenant.PermissionGrant, error) {
	f.begin("PermissionGrantsForResource", "", false)
	defer f.end("")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tenant.PermissionGrant
	for _, g := range f.grants {
		if g.ResourceID == resourceSPID {
			out = append(out, g)
		}
	}
	return out, nil
}

// ---- writes

func applyPatch(a *tenant.Application, p tenant.AppProps) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.DisplayName, p.DisplayName)
	set(&a.Description, p.Description)
	set(&a.SignInAudience, p.SignInAudience)
	set(&a.Notes, p.Notes)
	set(&a.GroupMembershipClaims, p.GroupMembershipClaims)
	set(&a.Web.HomePageURL, p.WebHomePageURL)
	set(&a.Web.LogoutURL, p.WebLogoutURL)
	list := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = append([]string(nil), (*v)...)
		}
	}
	list(&a.Tags, p.Tags)
	list(&a.IdentifierURIs, p.IdentifierURIs)
	list(&a.Web.RedirectURIs, p.WebRedirectURIs)
	list(&a.SPARedirectURIs, p.SPARedirectURIs)
	list(&a.PublicClientRedirectURIs, p.PublicClientRedirectURIs)
	if p.IsFallbackPublicClient != nil {
		a.IsFallbackPublicClient = *p.IsFallbackPublicClient
	}
	if p.RequestedAccessTokenVersion != nil {
		v := *p.RequestedAccessTokenVersion
		a.RequestedAccessTokenVersion = &v
	}
	if p.EnableIDTokenIssuance != nil {
		a.Web.EnableIDTokenIssuance = *p.EnableIDTokenIssuance
	}
	if p.EnableAccessTokenIssuance != nil {
		a.Web.EnableAccessTokenIssuance = *p.EnableAccessTokenIssuance
	}
	if p.OptionalClaims != nil {
		oc := *p.OptionalClaims
		a.OptionalClaims = &oc
	}
	if p.Scopes != nil {
		a.Scopes = append([]tenant.PermissionScope(nil), (*p.Scopes)...)
	}
	if p.AppRoles != nil {
		a.AppRoles = append([]tenant.AppRole(nil), (*p.AppRoles)...)
	}
	if p.RequiredResourceAccess != nil {
		a.RequiredResourceAccess = append([]tenant.RequiredResourceAccess(nil), (*p.RequiredResourceAccess)...)
	}
}

func (f *fakeTenant) CreateApplication(_ context.Context, p tenant.AppProps) (*tenant.Application, error) {
	key := ""
	if p.Tags != nil {
		key = keyTagOf(*p.Tags)
	}
	flt, faulty := f.begin("CreateApplication", key, false)
	defer f.end(key)
	if faulty && !flt.lost {
		return nil, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &tenant.Application{ID: f.id("app"), SignInAudience: "AzureADMyOrg"}
	a.AppID = "appid-" + strings.TrimPrefix(a.ID, "app-")
	applyPatch(a, p)
	a.Owners = []string{f.caller}
	a.CreatedDateTime = f.now()
	f.apps[a.ID] = a
	if f.lag > 0 {
		f.hidden[a.ID] = f.lag
	}
	if faulty {
		return nil, flt.err
	}
	return cloneApp(a), nil
}

// appCall is the common frame of a write on one application.
func (f *fakeTenant) appCall(method, id string, batched bool, do func(a *tenant.Application) error) error {
	key := f.lockedKey(id)
	flt, faulty := f.begin(method, key, batched)
	defer f.end(key)
	if faulty && !flt.lost {
		return flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.apps[id]
	if a == nil || !f.visible(id) {
		return notFound(id)
	}
	if err := do(a); err != nil {
		return err
	}
	if faulty {
		return flt.err
	}
	return nil
}

func (f *fakeTenant) UpdateApplication(_ context.Context, id string, p tenant.AppProps) error {
	return f.appCall("UpdateApplication", id, false, func(a *tenant.Application) error { applyPatch(a, p); return nil })
}

func (f *fakeTenant) DeleteApplication(_ context.Context, id string) error {
	return f.appCall("DeleteApplication", id, false, func(a *tenant.Application) error {
		delete(f.apps, id)
		for spID, sp := range f.sps {
			if sp.AppID == a.AppID {
				delete(f.sps, spID)
			}
		}
		return nil
	})
}

func (f *fakeTenant) addOwner(id, owner string, batched bool) error {
	return f.appCall("AddOwner", id, batched, func(a *tenant.Application) error {
		for _, o := range a.Owners {
			if o == owner {
				return &tenant.Error{Kind: tenant.Conflict, Status: 400, Code: "Request_BadRequest",
					Message: "One or more added object references already exist for the following modified properties: 'owners'."}
			}
		}
		a.Owners = append(a.Owners, owner)
		return nil
	})
}

func (f *fakeTenant) AddOwner(_ context.Context, id, owner string) error {
	return f.addOwner(id, owner, false)
}

func (f *fakeTenant) removeOwner(id, owner string, batched bool) error {
	return f.appCall("RemoveOwner", id, batched, func(a *tenant.Application) error {
		for i, o := range a.Owners {
			if o == owner {
				a.Owners = append(a.Owners[:i], a.Owners[i+1:]...)
				return nil
			}
		}
		return &tenant.Error{Kind: tenant.NotFound, Status: 400, Message: "One or more removed object references do not exist"}
	})
}

func (f *fakeTenant) RemoveOwner(_ context.Context, id, owner string) error {
	return f.removeOwner(id, owner, false)
}

func (f *fakeTenant) AddPassword(_ context.Context, id string, req tenant.PasswordRequest) (tenant.PasswordCredential, tenant.SecretValue, error) {
	var cred tenant.PasswordCredential
	var value string
	err := f.appCall("AddPassword", id, false, func(a *tenant.Application) error {
		n := len(f.issued) + 1
		value = fmt.Sprintf("k%02d8Q~fakeSecretValue%04dXYZabcdefghij", n, n*7919)
		f.issued = append(f.issued, value)
		cred = tenant.PasswordCredential{KeyID: f.id("key"), DisplayName: req.DisplayName, Hint: value[:3],
			Start: f.now().UTC(), End: req.End.UTC()}
		a.PasswordCredentials = append(a.PasswordCredentials, cred)
		return nil
	})
	if err != nil {
		return tenant.PasswordCredential{}, tenant.SecretValue{}, err
	}
	return cred, tenant.NewSecretValue(value), nil
}

func (f *fakeTenant) removePassword(id, keyID string, batched bool) error {
	return f.appCall("RemovePassword", id, batched, func(a *tenant.Application) error {
		for i, c := range a.PasswordCredentials {
			if c.KeyID == keyID {
				a.PasswordCredentials = append(a.PasswordCredentials[:i], a.PasswordCredentials[i+1:]...)
				return nil
			}
		}
		return &tenant.Error{Kind: tenant.Invalid, Status: 400, Message: "no such key " + keyID}
	})
}

func (f *fakeTenant) RemovePassword(_ context.Context, id, keyID string) error {
	return f.removePassword(id, keyID, false)
}

func (f *fakeTenant) CreateFederatedCredential(_ context.Context, id string, fc tenant.FederatedCredential) (tenant.FederatedCredential, error) {
	var made tenant.FederatedCredential
	err := f.appCall("CreateFederatedCredential", id, false, func(a *tenant.Application) error {
		for _, c := range a.FederatedCredentials {
			if c.Name == fc.Name {
				return &tenant.Error{Kind: tenant.Conflict, Status: 409, Message: "name exists"}
			}
		}
		made = fc
		made.ID = f.id("fic")
		a.FederatedCredentials = append(a.FederatedCredentials, made)
		return nil
	})
	return made, err
}

func (f *fakeTenant) UpdateFederatedCredential(_ context.Context, id string, fc tenant.FederatedCredential) error {
	return f.appCall("UpdateFederatedCredential", id, false, func(a *tenant.Application) error {
		for i, c := range a.FederatedCredentials {
			if c.ID == fc.ID {
				fc.Name = c.Name
				a.FederatedCredentials[i] = fc
				return nil
			}
		}
		return notFound(fc.ID)
	})
}

func (f *fakeTenant) deleteFederated(id, fcID string, batched bool) error {
	return f.appCall("DeleteFederatedCredential", id, batched, func(a *tenant.Application) error {
		for i, c := range a.FederatedCredentials {
			if c.ID == fcID {
				a.FederatedCredentials = append(a.FederatedCredentials[:i], a.FederatedCredentials[i+1:]...)
				return nil
			}
		}
		return notFound(fcID)
	})
}

func (f *fakeTenant) DeleteFederatedCredential(_ context.Context, id, fcID string) error {
	return f.deleteFederated(id, fcID, false)
}

func (f *fakeTenant) CreateServicePrincipal(_ context.Context, appID string, tags []string) (*tenant.ServicePrincipal, error) {
	f.mu.Lock()
	key := ""
	if a := f.appByAppID(appID); a != nil {
		key = keyTagOf(a.Tags)
	}
	f.mu.Unlock()
	flt, faulty := f.begin("CreateServicePrincipal", key, false)
	defer f.end(key)
	if faulty && !flt.lost {
		return nil, flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appByAppID(appID)
	if a == nil || !f.visible(a.ID) {
		return nil, &tenant.Error{Kind: tenant.NotFound, Status: 400, Code: "NoBackingApplicationObject",
			Message: fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", appID)}
	}
	for _, sp := range f.sps {
		if sp.AppID == appID {
			return nil, &tenant.Error{Kind: tenant.Conflict, Status: 400, Code: "Request_BadRequest",
				Message: "Another object with the same value for property servicePrincipalNames already exists."}
		}
	}
	sp := &tenant.ServicePrincipal{ID: f.id("sp"), AppID: appID, DisplayName: a.DisplayName, Tags: append([]string(nil), tags...),
		AppRoles: append([]tenant.AppRole(nil), a.AppRoles...), Scopes: append([]tenant.PermissionScope(nil), a.Scopes...)}
	f.sps[sp.ID] = sp
	if f.lag > 0 {
		f.hidden[sp.ID] = f.lag
	}
	if faulty {
		return nil, flt.err
	}
	c := *sp
	return &c, nil
}

func (f *fakeTenant) spCall(method, id string, batched bool, do func(sp *tenant.ServicePrincipal) error) error {
	key := f.lockedKey(id)
	flt, faulty := f.begin(method, key, batched)
	defer f.end(key)
	if faulty && !flt.lost {
		return flt.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	sp := f.sps[id]
	if sp == nil || !f.visible(id) {
		return notFound(id)
	}
	if err := do(sp); err != nil {
		return err
	}
	if faulty {
		return flt.err
	}
	return nil
}

func (f *fakeTenant) updateSP(id string, p tenant.ServicePrincipalPatch, batched bool) error {
	return f.spCall("UpdateServicePrincipal", id, batched, func(sp *tenant.ServicePrincipal) error {
		if p.Tags != nil {
			sp.Tags = append([]string(nil), (*p.Tags)...)
		}
		if p.AppRoleAssignmentRequired != nil {
			sp.AppRoleAssignmentRequired = *p.AppRoleAssignmentRequired
		}
		return nil
	})
}

func (f *fakeTenant) UpdateServicePrincipal(_ context.Context, id string, p tenant.ServicePrincipalPatch) error {
	return f.updateSP(id, p, false)
}

func (f *fakeTenant) DeleteServicePrincipal(_ context.Context, id string) error {
	return f.spCall("DeleteServicePrincipal", id, false, func(*tenant.ServicePrincipal) error { delete(f.sps, id); return nil })
}

func (f *fakeTenant) createAssignment(as tenant.AppRoleAssignment, batched bool) (tenant.AppRoleAssignment, error) {
	var made tenant.AppRoleAssignment
	err := f.spCall("CreateAppRoleAssignment", as.PrincipalID, batched, func(*tenant.ServicePrincipal) error {
		if f.sps[as.ResourceID] == nil || !f.visible(as.ResourceID) {
			return notFound(as.ResourceID)
		}
		for _, e := range f.assigns {
			if e.PrincipalID == as.PrincipalID && e.ResourceID == as.ResourceID && e.AppRoleID == as.AppRoleID {
				return &tenant.Error{Kind: tenant.Conflict, Status: 400, Message: "Permission being assigned already exists on the object."}
			}
		}
		made = as
		made.ID = f.id("asg")
		f.assigns = append(f.assigns, made)
		return nil
	})
	return made, err
}

func (f *fakeTenant) CreateAppRoleAssignment(_ context.Context, as tenant.AppRoleAssignment) (tenant.AppRoleAssignment, error) {
	return f.createAssignment(as, false)
}

func (f *fakeTenant) deleteAssignment(resourceSPID, id string, batched bool) error {
	principal := ""
	f.mu.Lock()
	for _, a := range f.assigns {
		if a.ID == id {
			principal = a.PrincipalID
		}
	}
	f.mu.Unlock()
	key := f.lockedKey(principal)
	_, _ = f.begin("DeleteAppRoleAssignment", key, batched)
	defer f.end(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, a := range f.assigns {
		if a.ID == id && a.ResourceID == resourceSPID {
			f.assigns = append(f.assigns[:i], f.assigns[i+1:]...)
			return nil
		}
	}
	return notFound(id)
}

func (f *fakeTenant) DeleteAppRoleAssignment(_ context.Context, resourceSPID, id string) error {
	return f.deleteAssignment(resourceSPID, id, false)
}

func (f *fakeTenant) createGrant(g tenant.PermissionGrant, batched bool) (tenant.PermissionGrant, error) {
	var made tenant.PermissionGrant
	err := f.spCall("CreatePermissionGrant", g.ClientID, batched, func(*tenant.ServicePrincipal) error {
		if f.sps[g.ResourceID] == nil || !f.visible(g.ResourceID) {
			return notFound(g.ResourceID)
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
	return made, err
}

func (f *fakeTenant) CreatePermissionGrant(_ context.Context, g tenant.PermissionGrant) (tenant.PermissionGrant, error) {
	return f.createGrant(g, false)
}

func (f *fakeTenant) grantCall(method, id string, batched bool, do func(i int)) error {
	f.mu.Lock()
	key := ""
	for _, g := range f.grants {
		if g.ID == id {
			key = f.keyOf(g.ClientID)
		}
	}
	f.mu.Unlock()
	_, _ = f.begin(method, key, batched)
	defer f.end(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, g := range f.grants {
		if g.ID == id {
			do(i)
			return nil
		}
	}
	return notFound(id)
}

func (f *fakeTenant) UpdatePermissionGrant(_ context.Context, id, scope string) error {
	return f.grantCall("UpdatePermissionGrant", id, false, func(i int) { f.grants[i].Scope = scope })
}

func (f *fakeTenant) DeletePermissionGrant(_ context.Context, id string) error {
	return f.grantCall("DeletePermissionGrant", id, false, func(i int) { f.grants = append(f.grants[:i], f.grants[i+1:]...) })
}

func (f *fakeTenant) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// WriteBatch applies the writes one by one, counting one request per 20.
func (f *fakeTenant) WriteBatch(_ context.Context, writes []tenant.Write) []tenant.WriteResult {
	f.mu.Lock()
	f.requests += (len(writes) + maxBatch - 1) / maxBatch
	f.batchCalls++
	f.mu.Unlock()
	out := make([]tenant.WriteResult, len(writes))
	for i, w := range writes {
		var err error
		var id string
		switch w.Op {
		case tenant.OpAddOwner:
			err = f.addOwner(w.ID, w.RefID, true)
		case tenant.OpRemoveOwner:
			err = f.removeOwner(w.ID, w.RefID, true)
		case tenant.OpRemovePassword:
			err = f.removePassword(w.ID, w.RefID, true)
		case tenant.OpDeleteFederatedCredential:
			err = f.deleteFederated(w.ID, w.RefID, true)
		case tenant.OpUpdateServicePrincipal:
			err = f.updateSP(w.ID, *w.ServicePrincipal, true)
		case tenant.OpCreateAppRoleAssignment:
			var a tenant.AppRoleAssignment
			a, err = f.createAssignment(*w.Assignment, true)
			id = a.ID
		case tenant.OpDeleteAppRoleAssignment:
			err = f.deleteAssignment(w.ID, w.RefID, true)
		case tenant.OpCreatePermissionGrant:
			var g tenant.PermissionGrant
			g, err = f.createGrant(*w.Grant, true)
			id = g.ID
		case tenant.OpUpdatePermissionGrant:
			err = f.grantCall("UpdatePermissionGrant", w.ID, true, func(i int) { f.grants[i].Scope = w.Scope })
		case tenant.OpDeletePermissionGrant:
			err = f.grantCall("DeletePermissionGrant", w.ID, true, func(i int) { f.grants = append(f.grants[:i], f.grants[i+1:]...) })
		default:
			err = fmt.Errorf("fake: unsupported batch op %s", w.Op)
		}
		out[i] = tenant.WriteResult{ID: id, Err: err}
	}
	return out
}

// ---- vault

func (f *fakeTenant) ListSecrets(_ context.Context, vault string) ([]tenant.SecretMeta, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaultReqs++
	var out []tenant.SecretMeta
	for k, versions := range f.vault {
		if strings.HasPrefix(k, vault+"/") {
			out = append(out, versions[len(versions)-1].meta)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeTenant) SetSecret(_ context.Context, vault, name string, value tenant.SecretValue, w tenant.SecretWrite) (tenant.SecretMeta, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaultReqs++
	f.calls = append(f.calls, "SetSecret "+vault+"/"+name)
	if q := f.faults["SetSecret"]; len(q) > 0 {
		f.faults["SetSecret"] = q[1:]
		return tenant.SecretMeta{}, q[0].err
	}
	k := vault + "/" + name
	tags := map[string]string{}
	for tk, tv := range w.Tags {
		tags[tk] = tv
	}
	meta := tenant.SecretMeta{Vault: vault, Name: name, Version: fmt.Sprintf("v%d", len(f.vault[k])+1), ContentType: w.ContentType,
		Tags: tags, Enabled: true, Expires: w.Expires, Created: f.now(), Updated: f.now()}
	f.vault[k] = append(f.vault[k], storedSecret{value: value.Reveal(), meta: meta})
	return meta, nil
}

func (f *fakeTenant) VaultRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.vaultReqs
}

// vaultStore adapts the fake's vault half to tenant.SecretStore (the two
// interfaces both have Requests).
type vaultStore struct{ f *fakeTenant }

func (v vaultStore) ListSecrets(ctx context.Context, vault string) ([]tenant.SecretMeta, error) {
	return v.f.ListSecrets(ctx, vault)
}
func (v vaultStore) SetSecret(ctx context.Context, vault, name string, value tenant.SecretValue, w tenant.SecretWrite) (tenant.SecretMeta, error) {
	return v.f.SetSecret(ctx, vault, name, value, w)
}
func (v vaultStore) Requests() int { return v.f.VaultRequests() }

// snapshot reads the fake the way tenant.Read would, for a second plan.
func (f *fakeTenant) snapshot(extra ...*tenant.ServicePrincipal) *tenant.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &tenant.Snapshot{Organization: tenant.Organization{ID: "tenant-1", DisplayName: "Contoso",
		VerifiedDomains: []string{"contoso.com", "contoso.onmicrosoft.com"}}}
	for _, a := range f.sortedApps() {
		s.Applications = append(s.Applications, cloneApp(a))
	}
	for _, sp := range f.sps {
		c := *sp
		s.ServicePrincipals = append(s.ServicePrincipals, &c)
	}
	sort.Slice(s.ServicePrincipals, func(i, j int) bool { return s.ServicePrincipals[i].ID < s.ServicePrincipals[j].ID })
	s.ServicePrincipals = append(s.ServicePrincipals, extra...)
	s.AppRoleAssignments = append(s.AppRoleAssignments, f.assigns...)
	s.PermissionGrants = append(s.PermissionGrants, f.grants...)
	for _, versions := range f.vault {
		s.Secrets = append(s.Secrets, versions[len(versions)-1].meta)
	}
	sort.Slice(s.Secrets, func(i, j int) bool { return s.Secrets[i].Name < s.Secrets[j].Name })
	return s
}

// hide makes an existing object invisible to the next n calls naming it.
func (f *fakeTenant) hide(id string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hidden[id] = n
}

func (f *fakeTenant) callsOf(method string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, method+" ") {
			out = append(out, c)
		}
	}
	return out
}
