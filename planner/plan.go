package planner

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// Options tune Compute.
type Options struct {
	// Now is the plan's clock: secret renewal and overlap are judged
	// against it. Required.
	Now time.Time
	// Prune plans the deletion of objects tagged with the set that the spec
	// no longer names (applications, their service principals, credentials
	// added by hand). Without it they are reported as notes.
	Prune bool
	// CallerID is the object id of the signed-in principal, when known. An
	// application created with Application.ReadWrite.OwnedBy has its creator
	// as owner, and removing that owner would lock regsync out of it, so the
	// planner never plans that removal.
	CallerID string
	// MissingPrincipalsAreDrift turns a user or group the spec names that
	// the tenant does not have from an error into a warning, recorded in
	// Plan.MissingPrincipals: drift reports a principal deleted since the
	// last run instead of failing. A plan for apply leaves it off.
	MissingPrincipalsAreDrift bool
}

// ManagedSecretName is the displayName regsync gives the password
// credentials it manages: "regsync:<set>:<key>". A credential with any other
// displayName counts as added by hand.
func ManagedSecretName(set, key string) string { return "regsync:" + set + ":" + key }

// DefaultAudience is the audience of a federated credential that names none.
const DefaultAudience = "api://AzureADTokenExchange"

// Compute plans the changes that bring live in line with desired. It never
// changes an object outside the set: live objects are matched to the spec by
// their regsync:set / regsync:key tags, or by appId for adopted applications.
//
// Problems in the inputs (a tenant mismatch, an identifier URI on an
// unverified domain, a scope an external API does not have) come back as
// diagnostics; when any is an error the plan is nil. Compute never panics on
// bad input.
func Compute(desired *spec.Spec, live *tenant.Snapshot, opts Options) (*Plan, diag.Diagnostics) {
	var ds diag.Diagnostics
	if desired == nil || live == nil {
		ds.Errorf(diag.Pos{}, "", "", "internal error: planner needs a spec and a snapshot")
		return nil, ds
	}
	b := &builder{spec: desired, live: live, opts: opts, ids: map[string]bool{}}
	b.plan = &Plan{
		Tenant:     Tenant{ID: live.Organization.ID, DisplayName: live.Organization.DisplayName, Spec: desired.Tenant},
		Set:        desired.Set,
		SpecFile:   desired.File,
		SpecDigest: desired.Digest,
		PlannedAt:  opts.Now.UTC(),
		Prune:      opts.Prune,
		Actions:    []*Action{},
		Notes:      []Note{},
		Reads:      Reads{GraphRequests: live.GraphRequests, VaultRequests: live.VaultRequests, ARMRequests: live.ARMRequests},
	}
	b.checkTenant()
	b.index()
	b.match()
	if !b.diags.HasErrors() {
		b.resolveAccess()
		b.resolveMembers()
		b.checkIdentifierURIs()
	}
	if b.diags.HasErrors() {
		b.diags.Sort()
		return nil, b.diags
	}
	b.order = b.ordered()
	b.planAPIs()
	for _, st := range b.order {
		b.planApp(st)
	}
	b.planDeferred()
	b.planRoles()
	b.prune()
	b.noteCallerKept()
	b.summarise()
	b.diags.Sort()
	if b.diags.HasErrors() {
		return nil, b.diags
	}
	return b.plan, b.diags
}

// planDeferred emits the later steps of applications (their trusted
// clients) once every application's own actions are in the plan, so each
// step can depend on the creates of the clients it names.
func (b *builder) planDeferred() {
	for _, d := range b.deferred {
		st := d.st
		deps := appendUnique(nil, st.appAction)
		for _, r := range (&Action{Application: &ApplicationAction{Fields: d.fields}}).Refs() {
			if c := b.byKey[r.App]; c != nil && c != st {
				deps = appendUnique(deps, c.appAction)
			}
		}
		name, appID := st.key, ""
		if st.live != nil {
			name, appID = st.live.DisplayName, st.live.AppID
		}
		a := b.addAction(&Action{
			Op: OpUpdate, Type: TypeApplication, App: st.key, Address: "applications." + st.key, Step: "pre-authorize",
			Description: fmt.Sprintf("set the clients application %q trusts", name),
			Reason:      "known and pre-authorized clients are set once the application's scopes and the clients exist",
			DependsOn:   deps,
			Changes:     d.changes,
			Application: &ApplicationAction{ObjectID: st.objectID, AppID: appID, Fields: d.fields},
		})
		st.appAction = a.ID
	}
}

type builder struct {
	deferred []deferredStep
	spec     *spec.Spec
	live     *tenant.Snapshot
	opts     Options
	diags    diag.Diagnostics
	plan     *Plan
	ids      map[string]bool

	apps      []*appState // spec order
	order     []*appState // resources before their clients
	byKey     map[string]*appState
	spByAppID map[string]*tenant.ServicePrincipal
	// managed holds the live applications tagged with the set, by key tag.
	managed    map[string]*tenant.Application
	managedIDs []string // keys of managed, sorted
	claimed    map[string]bool
	names      map[string]*resourceNames // by resource appId
	prunedKeys []string
	ix         *liveIndex

	// callerKept are the applications the signed-in principal owns without
	// being declared: one note for the plan names them all.
	callerKept []string
}

// appState is one spec application and what the plan knows about it.
type appState struct {
	key  string
	spec *spec.Application
	live *tenant.Application
	sp   *tenant.ServicePrincipal
	// objectID, appID and spID are live ids, or Refs when the object is
	// created by this plan.
	objectID, appID, spID string
	scopeIDs, roleIDs     map[string]string // value → id
	access                []resolvedAccess
	members               []roleMembers // roles that declare members
	// appAction and spAction are the IDs of this plan's final action on the
	// application and the service principal, "" when there is none.
	appAction, spAction string
}

// resolvedAccess is an Access with its resource and permission ids.
type resolvedAccess struct {
	resource      string // spec key
	inFile        *appState
	resourceAppID string // literal or Ref
	resourceSPID  string // literal or Ref; "" if the resource has no SP
	scopes, roles []named
}

type named struct{ value, id string }

// resourceNames maps permission ids of one resource back to their values,
// for display.
type resourceNames struct {
	name string
	ids  map[string]string
}

func (b *builder) addAction(a *Action) *Action {
	if a.Step != "" {
		a.ID = a.Address + ":" + a.Step
	} else {
		a.ID = a.Address + ":" + string(a.Op)
	}
	if b.ids[a.ID] {
		panic(fmt.Sprintf("internal error: duplicate action id %q", a.ID))
	}
	b.ids[a.ID] = true
	if a.Op != OpDelete {
		a.Risks = append(a.Risks, hostRisks(a.Changes)...)
	}
	b.plan.Actions = append(b.plan.Actions, a)
	return a
}

// noteCallerKept notes once, for the whole plan, that the signed-in
// principal stays an owner of the applications it owns undeclared: it holds
// on every run, so saying it per application only repeats it.
func (b *builder) noteCallerKept() {
	who := b.opts.CallerID
	if o := b.ownerObject(who); o != nil && o.Found {
		who += " " + o.Describe()
	}
	switch n := len(b.callerKept); {
	case n == 0:
		return
	case n == 1:
		b.note("", "owners", "the signed-in principal %s owns %s without being declared; it is kept so regsync keeps access", who, b.callerKept[0])
	default:
		b.note("", "owners", "the signed-in principal %s owns %d applications without being declared (%s); it is kept so regsync keeps access",
			who, n, strings.Join(b.callerKept, ", "))
	}
}

func (b *builder) note(app, address, format string, args ...any) {
	b.plan.Notes = append(b.plan.Notes, Note{App: app, Address: address, Message: fmt.Sprintf(format, args...)})
}

func tagValue(tags []string, name string) (string, bool) {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

func (b *builder) index() {
	b.ix = newLiveIndex(b.live)
	b.spByAppID = map[string]*tenant.ServicePrincipal{}
	for _, sp := range b.live.ServicePrincipals {
		if sp == nil {
			continue
		}
		if _, dup := b.spByAppID[strings.ToLower(sp.AppID)]; !dup {
			b.spByAppID[strings.ToLower(sp.AppID)] = sp
		}
	}
	b.managed = map[string]*tenant.Application{}
	setTag := tenant.SetTag(b.spec.Set)
	for _, a := range b.live.Applications {
		if a == nil || !hasTag(a.Tags, setTag) {
			continue
		}
		key, ok := tagValue(a.Tags, tenant.TagKey)
		if !ok {
			key = a.AppID // tagged with the set but not with a key: address it by appId
		}
		if prev, dup := b.managed[key]; dup {
			b.diags.Errorf(diag.Pos{File: b.spec.File}, "applications."+key,
				"Tag one of them with another key, or delete the stray one.",
				"two applications in the tenant carry %s and %s: %s and %s",
				setTag, tenant.KeyTag(key), prev.AppID, a.AppID)
			continue
		}
		b.managed[key] = a
		b.managedIDs = append(b.managedIDs, key)
	}
	sort.Strings(b.managedIDs)
}

func (b *builder) match() {
	b.byKey = map[string]*appState{}
	b.claimed = map[string]bool{}
	byAppID := map[string]*tenant.Application{}
	for _, a := range b.live.Applications {
		if a != nil {
			byAppID[strings.ToLower(a.AppID)] = a
		}
	}
	for _, sa := range b.spec.Applications {
		if sa == nil {
			continue
		}
		st := &appState{key: sa.Key, spec: sa}
		if sa.AppID != "" {
			st.live = byAppID[strings.ToLower(sa.AppID)]
			if st.live == nil {
				b.diags.Errorf(sa.Pos, "applications."+sa.Key+".appId",
					"Check the appId, or remove it to create a new registration.",
					"application %q adopts appId %s, which does not exist in the tenant", sa.Key, sa.AppID)
			} else if other, ok := tagValue(st.live.Tags, tenant.TagSet); ok && other != b.spec.Set {
				// An application belongs to one set. Taking it over would
				// make both sets manage it, and the other set's next
				// plan would undo this one's changes (or prune it).
				otherKey, _ := tagValue(st.live.Tags, tenant.TagKey)
				b.diags.Errorf(sa.Pos, "applications."+sa.Key+".appId",
					fmt.Sprintf("An application belongs to one set. To move it here: delete its entry from set %q's spec and apply that set (without --prune), "+
						"then remove the tags %s and %s from the application (Graph PATCH /applications/%s with the remaining tags), and plan this set again. docs/spec.md explains it.",
						other, tenant.SetTag(other), tenant.KeyTag(otherKey), st.live.ID),
					"application %q adopts appId %s, which set %q manages (tag %s)", sa.Key, sa.AppID, other, tenant.SetTag(other))
			}
		} else {
			st.live = b.managed[sa.Key]
		}
		if st.live != nil {
			b.claimed[st.live.ID] = true
			st.sp = b.spByAppID[strings.ToLower(st.live.AppID)]
			st.objectID, st.appID = st.live.ID, st.live.AppID
		} else {
			st.objectID = Ref{sa.Key, RefObjectID}.String()
			st.appID = Ref{sa.Key, RefAppID}.String()
		}
		if st.sp != nil {
			st.spID = st.sp.ID
		} else {
			st.spID = Ref{sa.Key, RefServicePrincipalID}.String()
		}
		st.scopeIDs = map[string]string{}
		st.roleIDs = map[string]string{}
		for _, s := range sa.Scopes {
			st.scopeIDs[s.Value] = orDefault(s.ID, func() string { return b.stableID(st, "scope", s.Value) })
		}
		for _, r := range sa.AppRoles {
			st.roleIDs[r.Value] = orDefault(r.ID, func() string { return b.stableID(st, "role", r.Value) })
		}
		b.idsUnique(st)
		b.apps = append(b.apps, st)
		b.byKey[sa.Key] = st
	}
}

func orDefault(s string, def func() string) string {
	if s != "" {
		return s
	}
	return def()
}

// idsUnique reports an id that two scopes or roles of the application
// would get: a pinned id that another entry still holds live, which the
// spec's rules cannot see. A scope and a role with the same value may
// share an id (the spec's rules check they are one permission).
func (b *builder) idsUnique(st *appState) {
	type owner struct {
		what, value string
	}
	seen := map[string]owner{}
	check := func(what, value, id string) {
		id = strings.ToLower(id)
		prev, dup := seen[id]
		if !dup {
			seen[id] = owner{what, value}
			return
		}
		if prev.what != what && prev.value == value {
			return
		}
		b.diags.Errorf(st.spec.Pos, "applications."+st.key,
			fmt.Sprintf("%s %q and %s %q would both get id %s: the spec pins it for one, and the other holds it in the tenant. Pin another id for one of them.", prev.what, prev.value, what, value, id),
			"application %q would give id %s to two entries", st.key, id)
	}
	for _, s := range st.spec.Scopes {
		check("scope", s.Value, st.scopeIDs[s.Value])
	}
	for _, r := range st.spec.AppRoles {
		check("app role", r.Value, st.roleIDs[r.Value])
	}
}

// stableID returns the live id of the scope or role with this value, or
// the derived UUIDv5 when there is none. A pinned id (spec.Scope.ID,
// spec.AppRole.ID) replaces it.
func (b *builder) stableID(st *appState, kind, value string) string {
	if st.live != nil {
		switch kind {
		case "scope":
			for _, s := range st.live.Scopes {
				if s.Value == value {
					return s.ID
				}
			}
		case "role":
			for _, r := range st.live.AppRoles {
				if r.Value == value {
					return r.ID
				}
			}
		default:
			panic("internal error: unknown permission kind " + kind)
		}
	}
	return tenant.StableID(b.spec.Set, st.key, kind, value)
}

// resolveAccess turns every client's access names into ids, reporting
// unknown resources and permission names.
func (b *builder) resolveAccess() {
	b.names = map[string]*resourceNames{}
	addNames := func(appID, name string, scopes []tenant.PermissionScope, roles []tenant.AppRole) {
		rn := b.names[strings.ToLower(appID)]
		if rn == nil {
			rn = &resourceNames{name: name, ids: map[string]string{}}
			b.names[strings.ToLower(appID)] = rn
		}
		for _, s := range scopes {
			rn.ids[s.ID] = s.Value
		}
		for _, r := range roles {
			rn.ids[r.ID] = r.Value
		}
	}
	for _, sp := range b.live.ServicePrincipals {
		if sp != nil {
			addNames(sp.AppID, sp.DisplayName, sp.Scopes, sp.AppRoles)
		}
	}
	for _, api := range b.spec.APIs {
		if rn := b.names[strings.ToLower(api.AppID)]; rn != nil {
			rn.name = api.Key
		}
	}
	for _, st := range b.apps {
		if st.live != nil {
			addNames(st.live.AppID, st.key, st.live.Scopes, st.live.AppRoles)
			b.names[strings.ToLower(st.live.AppID)].name = st.key
		}
		rn := b.names[strings.ToLower(st.appID)]
		if rn == nil {
			rn = &resourceNames{name: st.key, ids: map[string]string{}}
			b.names[strings.ToLower(st.appID)] = rn
		}
		for v, id := range st.scopeIDs {
			rn.ids[id] = v
		}
		for v, id := range st.roleIDs {
			rn.ids[id] = v
		}
	}

	for _, st := range b.apps {
		for i, acc := range st.spec.Access {
			addr := fmt.Sprintf("applications.%s.access.%s", st.key, acc.Resource)
			ra := resolvedAccess{resource: acc.Resource}
			if res := b.byKey[acc.Resource]; res != nil {
				ra.inFile = res
				ra.resourceAppID, ra.resourceSPID = res.appID, res.spID
				for _, v := range acc.Scopes {
					id, ok := res.scopeIDs[v]
					if !ok {
						b.unknownPermission(acc, addr, "scope", acc.Resource, v, keys(res.scopeIDs))
						continue
					}
					ra.scopes = append(ra.scopes, named{v, id})
				}
				for _, v := range acc.Roles {
					id, ok := res.roleIDs[v]
					if !ok {
						b.unknownPermission(acc, addr, "app role", acc.Resource, v, keys(res.roleIDs))
						continue
					}
					ra.roles = append(ra.roles, named{v, id})
				}
			} else if api := b.spec.API(acc.Resource); api != nil {
				ra.resourceAppID = api.AppID
				sp := b.spByAppID[strings.ToLower(api.AppID)]
				if sp == nil && api.CreateServicePrincipal {
					// Its permissions are known once the service principal
					// exists: this plan creates it (planAPIs), the next one
					// grants them.
					b.note(st.key, addr, "the permissions on API %q are planned once its service principal exists: apply, then plan again", api.Key)
					continue
				}
				if sp == nil {
					b.diags.Errorf(acc.Pos, addr,
						"Check the appId under apis. To have regsync create the API's service principal (as az ad sp create --id does), add createServicePrincipal: true to its apis entry.",
						"API %q (appId %s) has no service principal in tenant %s", api.Key, api.AppID, b.live.Organization.ID)
					continue
				}
				ra.resourceSPID = sp.ID
				scopes := map[string]string{}
				for _, s := range sp.Scopes {
					scopes[s.Value] = s.ID
				}
				roles := map[string]string{}
				for _, r := range sp.AppRoles {
					if hasString(r.AllowedMemberTypes, "Application") || len(r.AllowedMemberTypes) == 0 {
						roles[r.Value] = r.ID
					}
				}
				for _, v := range acc.Scopes {
					id, ok := scopes[v]
					if !ok {
						b.unknownPermission(acc, addr, "scope", acc.Resource, v, keys(scopes))
						continue
					}
					ra.scopes = append(ra.scopes, named{v, id})
				}
				for _, v := range acc.Roles {
					id, ok := roles[v]
					if !ok {
						b.unknownPermission(acc, addr, "app role", acc.Resource, v, keys(roles))
						continue
					}
					ra.roles = append(ra.roles, named{v, id})
				}
			} else {
				b.diags.Errorf(acc.Pos, fmt.Sprintf("applications.%s.access", st.key),
					"Name an application of this file or an entry of apis.",
					"application %q accesses %q, which is neither an application nor an api of the spec", st.key, acc.Resource)
				continue
			}
			_ = i
			st.access = append(st.access, ra)
		}
	}
}

func (b *builder) unknownPermission(acc spec.Access, addr, what, resource, value string, available []string) {
	detail := "The resource defines no " + what + "s."
	if len(available) > 0 {
		detail = "Available: " + strings.Join(closest(value, available, 12), ", ")
		if len(available) > 12 {
			detail += fmt.Sprintf(" (the %d closest of %d)", 12, len(available))
		}
		detail += "."
	}
	b.diags.Errorf(acc.Pos, addr, detail, "%s has no %s %q", resource, what, value)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ordered returns the spec's applications with every in-file resource
// before the clients that access it, otherwise in spec order. A cycle is
// broken in spec order.
func (b *builder) ordered() []*appState {
	// Each step places the first application in spec order whose
	// applications of the same file (the resources it calls) are placed;
	// when none is (a cycle), the first unplaced one. A heap of the ready
	// ones by spec index makes that O(n log n) instead of a rescan of the
	// file per placement.
	n := len(b.apps)
	index := make(map[*appState]int, n)
	for i, st := range b.apps {
		index[st] = i
	}
	waiting := make([]int, n)      // unplaced dependencies of each
	dependents := make([][]int, n) // who waits for each
	for i, st := range b.apps {
		seen := map[int]bool{}
		for _, ra := range st.access {
			if ra.inFile == nil || ra.inFile == st {
				continue
			}
			j, ok := index[ra.inFile]
			if !ok || seen[j] {
				continue
			}
			seen[j] = true
			waiting[i]++
			dependents[j] = append(dependents[j], i)
		}
	}
	ready := &intHeap{}
	for i := range n {
		if waiting[i] == 0 {
			heap.Push(ready, i)
		}
	}
	placed := make([]bool, n)
	out := make([]*appState, 0, n)
	next := 0 // no application before it is unplaced
	for len(out) < n {
		i := -1
		for ready.Len() > 0 {
			if c := heap.Pop(ready).(int); !placed[c] {
				i = c
				break
			}
		}
		if i < 0 {
			for placed[next] {
				next++
			}
			i = next
		}
		placed[i] = true
		out = append(out, b.apps[i])
		for _, d := range dependents[i] {
			if waiting[d]--; waiting[d] == 0 && !placed[d] {
				heap.Push(ready, d)
			}
		}
	}
	return out
}

// intHeap is a min-heap of ints for container/heap.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (b *builder) summarise() {
	var total Summary
	count := func(s *Summary, a *Action) {
		switch a.Op {
		case OpCreate:
			s.Add++
		case OpUpdate:
			s.Change++
		case OpDelete:
			s.Destroy++
		default:
			panic(fmt.Sprintf("internal error: unknown planner.Op %q", string(a.Op)))
		}
	}
	perApp := map[string]*AppSummary{}
	var order []string
	add := func(key, kind, name string) {
		perApp[key] = &AppSummary{Key: key, Kind: kind, DisplayName: name, Status: "no-op"}
		order = append(order, key)
	}
	for _, st := range b.order {
		add(st.key, string(st.spec.Kind), displayName(st.spec))
	}
	for _, key := range b.prunedKeys {
		add(key, "", b.managed[key].DisplayName)
		if !b.opts.Prune {
			perApp[key].Status = "prunable"
		}
	}
	for _, r := range b.spec.AzureResources {
		add(AzureResourceKey(r.Key), KindAzureResource, r.ID)
	}
	for _, a := range b.plan.Actions {
		count(&total, a)
		s := perApp[a.App]
		if s == nil { // an API under apis whose service principal the plan creates
			add(a.App, "api", a.App)
			s = perApp[a.App]
		}
		count(&s.Summary, a)
		s.Risks += len(a.Risks)
		if a.Type == TypeApplication {
			switch {
			case a.Op == OpCreate || a.Op == OpDelete:
				s.Status = string(a.Op)
			case s.Status == "no-op":
				s.Status = "update"
			}
		} else if s.Status == "no-op" {
			s.Status = "update"
		}
	}
	b.plan.Summary = total
	b.plan.Applications = make([]AppSummary, 0, len(order))
	for _, k := range order {
		b.plan.Applications = append(b.plan.Applications, *perApp[k])
	}
}

func displayName(a *spec.Application) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Key
}

// closest returns up to n candidates ordered by edit distance to v, then by
// name.
func closest(v string, candidates []string, n int) []string {
	type scored struct {
		s string
		d int
	}
	list := make([]scored, len(candidates))
	lv := strings.ToLower(v)
	for i, c := range candidates {
		list[i] = scored{c, diag.EditDistance(lv, c)}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].d != list[j].d {
			return list[i].d < list[j].d
		}
		return list[i].s < list[j].s
	})
	if len(list) > n {
		list = list[:n]
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.s
	}
	return out
}
