package tenanttest

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/regsync/regsync/tenant"
)

// DefaultCaller is the object id of the signed-in principal of a New tenant.
const DefaultCaller = "caller-sp"

// batchSize is Graph's limit of requests in one $batch.
const batchSize = 20

// Tenant is the in-memory tenant. Its zero value is not usable; call New.
type Tenant struct {
	mu  sync.Mutex
	now func() time.Time
	// caller is the object id of the signed-in principal: Graph makes it an
	// owner of every application it creates (Application.ReadWrite.OwnedBy).
	caller string

	seq        int
	apps       map[string]*tenant.Application // by object id
	unique     map[string]string              // uniqueName → object id
	sps        map[string]*tenant.ServicePrincipal
	assigns    []tenant.AppRoleAssignment
	users      map[string]tenant.User             // by object id
	groups     map[string]tenant.Group            // by object id
	home       map[string]tenant.ServicePrincipal // first-party applications, by lower appId
	grants     []tenant.PermissionGrant
	vault      map[string][]StoredSecret // vault/name → versions, oldest first
	deleted    map[string]deletedSecret  // vault/name → a soft-deleted secret
	onVault    func(call, about string)
	issued     []string // every secret value handed out
	calls      []string
	requests   int
	vaultReqs  int
	batchCalls int
	certs      *fakeCerts // the vault's certificates (certs.go), made on first use

	faults map[string][]fault
	// lag: a new object is invisible (NotFound) to this many calls naming it.
	lag    int
	hidden map[string]int

	// concurrency bookkeeping
	inflight, maxInflight int
	perKey                map[string]int
	maxPerKey             int
}

var (
	_ tenant.Directory = (*Tenant)(nil)
	_ tenant.Finder    = (*Tenant)(nil)
)

// StoredSecret is one version of a vault secret, value included (the
// fake keeps it in the clear so tests can check what was stored).
type StoredSecret struct {
	Value string
	Meta  tenant.SecretMeta
}

// fault is one injected failure: err is returned; when lost, the write is
// done first (the answer was lost on its way back).
type fault struct {
	err  error
	lost bool
}

// New returns an empty tenant whose clock is now (time.Now when nil) and
// whose caller is DefaultCaller.
func New(now func() time.Time) *Tenant {
	if now == nil {
		now = time.Now
	}
	return &Tenant{
		now: now, caller: DefaultCaller,
		apps: map[string]*tenant.Application{}, unique: map[string]string{}, sps: map[string]*tenant.ServicePrincipal{},
		vault: map[string][]StoredSecret{}, deleted: map[string]deletedSecret{}, faults: map[string][]fault{}, hidden: map[string]int{}, perKey: map[string]int{},
	}
}

// Caller is the object id of the signed-in principal.
func (f *Tenant) Caller() string { return f.caller }

// Transient is a 503, as graph/ maps it.
func Transient() error {
	return &tenant.Error{Kind: tenant.Transient, Status: 503, Message: "service unavailable"}
}

// Throttled is a 429 with Retry-After d, as graph/ maps it.
func Throttled(d time.Duration) error {
	return &tenant.Error{Kind: tenant.Throttled, Status: 429, Message: "too many requests", RetryAfter: d}
}

// Inject queues n faults for the writes of op: each of the next n such
// writes fails with err; when lost, the write is done first.
func (f *Tenant) Inject(op tenant.Op, n int, err error, lost bool) {
	f.inject(op.String(), n, err, lost)
}

// InjectRead queues n failures of a read, by method name
// ("FindApplication").
func (f *Tenant) InjectRead(method string, n int, err error) { f.inject(method, n, err, false) }

// InjectVault queues n failures of SetSecret.
func (f *Tenant) InjectVault(n int, err error) { f.inject(setSecret, n, err, false) }

// InjectVaultLost queues n lost answers of SetSecret: the version is
// stored, and the call fails with err.
func (f *Tenant) InjectVaultLost(n int, err error) { f.inject(setSecret, n, err, true) }

// InjectVaultCall queues n failures of another vault call, by name:
// "SecretVersions", "DeletedSecrets", "RecoverSecret", "ListSecrets".
func (f *Tenant) InjectVaultCall(call string, n int, err error) { f.inject(call, n, err, false) }

// ClearVaultFaults drops the vault failures still queued.
func (f *Tenant) ClearVaultFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range []string{setSecret, secretVersions, deletedSecrets, recoverSecret, listSecrets} {
		delete(f.faults, c)
	}
}

func (f *Tenant) inject(name string, n int, err error, lost bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[name] = append(f.faults[name], fault{err: err, lost: lost})
	}
}

// SetLag makes every object created from now on invisible (NotFound) to
// the next n calls that name it.
func (f *Tenant) SetLag(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lag = n
}

// Hide makes an existing object invisible to the next n calls naming it.
func (f *Tenant) Hide(id string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hidden[id] = n
}

// AddApplication stores a copy of a, as if made before the test; a
// missing id or appId is made up.
func (f *Tenant) AddApplication(a *tenant.Application) *tenant.Application {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := cloneApp(a)
	if c.ID == "" {
		c.ID = f.id("app")
	}
	if c.AppID == "" {
		c.AppID = "appid-" + strings.TrimPrefix(c.ID, "app-")
	}
	f.apps[c.ID] = c
	return cloneApp(c)
}

// AddServicePrincipal stores a copy of sp, as if made before the test (a
// resource API's, say); a missing id is made up.
func (f *Tenant) AddServicePrincipal(sp *tenant.ServicePrincipal) *tenant.ServicePrincipal {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := cloneSP(sp, true)
	if c.ID == "" {
		c.ID = f.id("sp")
	}
	f.sps[c.ID] = c
	return cloneSP(c, true)
}

// AddAppRoleAssignment and AddPermissionGrant store an assignment or a
// grant, as if made before the test.
func (f *Tenant) AddAppRoleAssignment(a tenant.AppRoleAssignment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.assigns = append(f.assigns, a)
}

func (f *Tenant) AddPermissionGrant(g tenant.PermissionGrant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants = append(f.grants, g)
}

// AddSecret stores a version of a vault secret, as if written before the
// test.
func (f *Tenant) AddSecret(meta tenant.SecretMeta, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := meta.Vault + "/" + meta.Name
	f.vault[k] = append(f.vault[k], StoredSecret{Value: value, Meta: meta})
}

// Calls lists every call so far, as "name key": a write's op name ("create
// application"), a read's method name, "SetSecret vault/name"; key is the
// application the call is about (its key tag), when known.
func (f *Tenant) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// CallsOf lists the calls of one write op.
func (f *Tenant) CallsOf(op tenant.Op) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, op.String()+" ") {
			out = append(out, c)
		}
	}
	return out
}

// Issued lists every secret value the tenant handed out.
func (f *Tenant) Issued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.issued...)
}

// MaxInflight is the most calls that were in flight at once.
func (f *Tenant) MaxInflight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxInflight
}

// MaxPerKey is the most calls about one application in flight at once.
func (f *Tenant) MaxPerKey() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxPerKey
}

// BatchCalls is the number of DoBatch calls.
func (f *Tenant) BatchCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.batchCalls
}

func (f *Tenant) id(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s-%03d", prefix, f.seq)
}

// begin records a call: it counts the request, marks it in flight for the
// concurrency checks and returns the pending fault, if any. The caller
// must call end. Callers hold no lock.
func (f *Tenant) begin(name, key string, batched bool) (fault, bool) {
	f.mu.Lock()
	f.calls = append(f.calls, name+" "+key)
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
	if q := f.faults[name]; len(q) > 0 {
		flt, ok = q[0], true
		f.faults[name] = q[1:]
	}
	f.mu.Unlock()
	// Let other goroutines run while this call is "on the wire", so that
	// overlapping calls show in the bookkeeping.
	for range 3 {
		runtime.Gosched()
	}
	return flt, ok
}

func (f *Tenant) end(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if key != "" {
		f.perKey[key]--
	}
}

// visible reports whether an object may be seen by this call, counting
// down its lag. Callers hold f.mu.
func (f *Tenant) visible(id string) bool {
	if n := f.hidden[id]; n > 0 {
		f.hidden[id] = n - 1
		return false
	}
	return true
}

// NotFound is Graph's 404 for id, as graph/ maps it.
func NotFound(id string) error {
	return &tenant.Error{Kind: tenant.NotFound, Status: 404, Code: "Request_ResourceNotFound",
		Message: fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)}
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func keyTagOf(tags []string) string {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, tenant.TagKey+"="); ok {
			return v
		}
	}
	return ""
}

// keyOf names the application an object id belongs to, for the
// one-writer-per-application check. Callers hold f.mu.
func (f *Tenant) keyOf(id string) string {
	if a := f.apps[id]; a != nil {
		return keyTagOf(a.Tags)
	}
	if sp := f.sps[id]; sp != nil {
		return keyTagOf(sp.Tags)
	}
	return ""
}

func (f *Tenant) lockedKey(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyOf(id)
}

func (f *Tenant) appByAppID(appID string) *tenant.Application {
	for _, a := range f.apps {
		if a.AppID == appID {
			return a
		}
	}
	return nil
}

func cloneApp(a *tenant.Application) *tenant.Application {
	c := *a
	c.Tags = append([]string(nil), a.Tags...)
	c.Owners = append([]string(nil), a.Owners...)
	c.PasswordCredentials = append([]tenant.PasswordCredential(nil), a.PasswordCredentials...)
	c.KeyCredentials = cloneKeys(a.KeyCredentials, true)
	c.FederatedCredentials = append([]tenant.FederatedCredential(nil), a.FederatedCredentials...)
	return &c
}

// listedApp is a as a list query returns it: like Graph, without the
// certificates of its key credentials (only a single-object GET has them).
func listedApp(a *tenant.Application) *tenant.Application {
	c := cloneApp(a)
	c.KeyCredentials = cloneKeys(a.KeyCredentials, false)
	return c
}

func cloneSP(sp *tenant.ServicePrincipal, withCerts bool) *tenant.ServicePrincipal {
	c := *sp
	c.Tags = append([]string(nil), sp.Tags...)
	c.PasswordCredentials = append([]tenant.PasswordCredential(nil), sp.PasswordCredentials...)
	c.KeyCredentials = cloneKeys(sp.KeyCredentials, withCerts)
	return &c
}

func cloneKeys(in []tenant.KeyCredential, withCerts bool) []tenant.KeyCredential {
	if in == nil {
		return nil
	}
	out := make([]tenant.KeyCredential, len(in))
	for i, k := range in {
		if withCerts {
			k.Cert = append([]byte(nil), k.Cert...)
		} else {
			k.Cert = nil
		}
		out[i] = k
	}
	return out
}

func (f *Tenant) sortedApps() []*tenant.Application {
	var out []*tenant.Application
	for _, a := range f.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Requests is the number of Graph requests so far ($batch: one per 20
// writes).
func (f *Tenant) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Snapshot reads the tenant the way tenant.Read would, for a plan; extra
// service principals are appended.
func (f *Tenant) Snapshot(extra ...*tenant.ServicePrincipal) *tenant.Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &tenant.Snapshot{Organization: organization}
	for _, a := range f.sortedApps() {
		s.Applications = append(s.Applications, listedApp(a))
	}
	for _, sp := range f.sps {
		s.ServicePrincipals = append(s.ServicePrincipals, cloneSP(sp, false))
	}
	sort.Slice(s.ServicePrincipals, func(i, j int) bool { return s.ServicePrincipals[i].ID < s.ServicePrincipals[j].ID })
	s.ServicePrincipals = append(s.ServicePrincipals, extra...)
	s.AppRoleAssignments = append(s.AppRoleAssignments, f.assigns...)
	for _, u := range f.users {
		s.Users = append(s.Users, u)
	}
	sort.Slice(s.Users, func(i, j int) bool { return s.Users[i].ID < s.Users[j].ID })
	for _, g := range f.groups {
		s.Groups = append(s.Groups, g)
	}
	sort.Slice(s.Groups, func(i, j int) bool { return s.Groups[i].ID < s.Groups[j].ID })
	s.PermissionGrants = append(s.PermissionGrants, f.grants...)
	// Every version, as tenant.Read lists them when a credential is not
	// named by its secret's latest version (a superset is the same to the
	// planner).
	for _, versions := range f.vault {
		s.Secrets = append(s.Secrets, versions[len(versions)-1].Meta)
		for _, v := range versions {
			s.SecretVersions = append(s.SecretVersions, v.Meta)
		}
	}
	sort.Slice(s.Secrets, func(i, j int) bool { return s.Secrets[i].Name < s.Secrets[j].Name })
	sort.Slice(s.SecretVersions, func(i, j int) bool {
		if s.SecretVersions[i].Name != s.SecretVersions[j].Name {
			return s.SecretVersions[i].Name < s.SecretVersions[j].Name
		}
		return s.SecretVersions[i].Version < s.SecretVersions[j].Version
	})
	f.certSnapshot(s)
	return s
}

// AppsWithKey counts the applications carrying the set and key tags.
func (f *Tenant) AppsWithKey(set, key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, a := range f.apps {
		if hasTag(a.Tags, tenant.SetTag(set)) && hasTag(a.Tags, tenant.KeyTag(key)) {
			n++
		}
	}
	return n
}

// AppByKey returns a copy of the first application carrying the key tag,
// or nil.
func (f *Tenant) AppByKey(key string) *tenant.Application {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.sortedApps() {
		if hasTag(a.Tags, tenant.KeyTag(key)) {
			return cloneApp(a)
		}
	}
	return nil
}

// Versions lists the stored versions of a vault secret, oldest first.
func (f *Tenant) Versions(vault, name string) []StoredSecret {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]StoredSecret(nil), f.vault[vault+"/"+name]...)
}
