package planner

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// desiredFields builds the Graph-level application the spec entry implies:
// every field the spec declares, the regsync tags, and what the kind implies
// (DESIGN.md, "The four kinds of application"). Undeclared fields stay nil.
// create is true when the application does not exist yet.
func (b *builder) desiredFields(st *appState, create bool) *tenant.AppProps {
	sa := st.spec
	f := &tenant.AppProps{}
	name := displayName(sa)
	f.DisplayName = &name
	f.Description = sa.Description
	if sa.SignInAudience != "" {
		aud := sa.SignInAudience
		f.SignInAudience = &aud
	}
	f.Notes = sa.Notes
	f.Tags = ptr(b.desiredTags(st))
	if sa.IdentifierURIs != nil {
		f.IdentifierURIs = ptr(clone(sa.IdentifierURIs))
	}
	f.GroupMembershipClaims = sa.GroupMembershipClaims
	f.RequestedAccessTokenVersion = sa.RequestedAccessTokenVersion
	// A resource the spec is silent about keeps Graph's default (null,
	// which issues v1 access tokens), new or not. regsync used to default
	// new APIs to v2, which broke servers configured the way the FHIR docs
	// say: in a v2 token aud is always the API's appId, while a v1 token
	// asked for by the identifier URI carries that URI, the Audience the
	// FHIR server checks. Personal-account audiences need v2, which the
	// spec's rules already demand be written out.
	f.AcceptMappedClaims = sa.AcceptMappedClaims
	if sa.KnownClientApplications != nil {
		known := []string{}
		for _, k := range sa.KnownClientApplications {
			known = append(known, b.clientAppID(k.Key))
		}
		f.KnownClientApplications = &known
	}
	if sa.PreAuthorizedApplications != nil {
		pre := []tenant.PreAuthorizedApplication{}
		for _, p := range sa.PreAuthorizedApplications {
			ids := []string{}
			for _, v := range p.Scopes {
				ids = append(ids, st.scopeIDs[v])
			}
			pre = append(pre, tenant.PreAuthorizedApplication{AppID: b.clientAppID(p.Client), DelegatedPermissionIDs: ids})
		}
		f.PreAuthorizedApplications = &pre
	}
	if sa.OptionalClaims != nil {
		f.OptionalClaims = &tenant.OptionalClaims{
			IDToken:     fromSpecClaims(sa.OptionalClaims.IDToken),
			AccessToken: fromSpecClaims(sa.OptionalClaims.AccessToken),
			SAML2Token:  fromSpecClaims(sa.OptionalClaims.SAML2Token),
		}
	}
	if sa.Scopes != nil {
		f.Scopes = ptr(b.desiredScopes(st))
	}
	if sa.AppRoles != nil {
		f.AppRoles = ptr(b.desiredRoles(st))
	}
	if sa.Web != nil {
		if sa.Web.RedirectURIs != nil {
			f.WebRedirectURIs = ptr(clone(sa.Web.RedirectURIs))
		}
		f.WebHomePageURL = sa.Web.HomePageURL
		f.WebLogoutURL = sa.Web.LogoutURL
		f.EnableIDTokenIssuance = sa.Web.ImplicitIDTokens
		f.EnableAccessTokenIssuance = sa.Web.ImplicitAccessTokens
	}
	if sa.SPARedirectURIs != nil {
		f.SPARedirectURIs = ptr(clone(sa.SPARedirectURIs))
	}
	if sa.PublicClientRedirectURIs != nil {
		f.PublicClientRedirectURIs = ptr(clone(sa.PublicClientRedirectURIs))
	}
	if sa.Kind == spec.KindPublic && (sa.Platform == spec.PlatformMobile || sa.Platform == spec.PlatformDesktop) {
		// Mobile and desktop clients use flows without a redirect to a web
		// server (device code, integrated auth): the app must be marked as
		// a public client.
		t := true
		f.IsFallbackPublicClient = &t
	}
	if sa.Access != nil {
		f.RequiredResourceAccess = ptr(desiredRRA(st))
	}
	return f
}

// clientAppID is the appId of a client named by key: an application of
// this file (a Ref when the plan creates it) or an entry of apis.
func (b *builder) clientAppID(key string) string {
	if st := b.byKey[key]; st != nil {
		return st.appID
	}
	for _, api := range b.spec.APIs {
		if api.Key == key {
			return api.AppID
		}
	}
	panic("internal error: client " + key + " is neither an application nor an api; spec validation should have refused it")
}

// clientName names a client appId (literal or Ref) for display: its key
// in this file or apis, else the appId.
func (b *builder) clientName(appID string) string {
	if r, ok := ParseRef(appID); ok {
		return r.App
	}
	if rn := b.names[strings.ToLower(appID)]; rn != nil {
		return rn.name
	}
	for _, api := range b.spec.APIs {
		if strings.EqualFold(api.AppID, appID) {
			return api.Key
		}
	}
	return appID
}

// preAuthLabels renders pre-authorized clients as "client: scope, scope".
func (b *builder) preAuthLabels(st *appState, pre []tenant.PreAuthorizedApplication) []string {
	var out []string
	for _, p := range pre {
		var scopes []string
		for _, id := range p.DelegatedPermissionIDs {
			v := id
			for value, sid := range st.scopeIDs {
				if strings.EqualFold(sid, id) {
					v = value
				}
			}
			if st.live != nil {
				for _, s := range st.live.Scopes {
					if strings.EqualFold(s.ID, id) {
						v = s.Value
					}
				}
			}
			scopes = append(scopes, v)
		}
		sort.Strings(scopes)
		out = append(out, fmt.Sprintf("%s: %s", b.clientName(p.AppID), strings.Join(scopes, ", ")))
	}
	return out
}

// desiredTags: the set and key tags, then the user's tags when declared;
// when undeclared, the live tags are kept and the regsync tags added.
func (b *builder) desiredTags(st *appState) []string {
	own := []string{tenant.SetTag(b.spec.Set), tenant.KeyTag(st.key)}
	var out []string
	if st.spec.Tags == nil && st.live != nil {
		out = clone(st.live.Tags)
		for _, t := range own {
			if !hasString(out, t) {
				out = append(out, t)
			}
		}
		return out
	}
	out = own
	for _, t := range st.spec.Tags {
		if !hasString(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (b *builder) desiredScopes(st *appState) []tenant.PermissionScope {
	out := make([]tenant.PermissionScope, 0, len(st.spec.Scopes))
	for _, s := range st.spec.Scopes {
		typ := s.Type
		if typ == "" {
			typ = "User"
		}
		out = append(out, tenant.PermissionScope{
			ID: st.scopeIDs[s.Value], Value: s.Value, Type: typ, IsEnabled: s.Enabled,
			AdminConsentDisplayName: s.AdminConsentDisplayName, AdminConsentDescription: s.AdminConsentDescription,
			UserConsentDisplayName: s.UserConsentDisplayName, UserConsentDescription: s.UserConsentDescription,
		})
	}
	return out
}

func (b *builder) desiredRoles(st *appState) []tenant.AppRole {
	out := make([]tenant.AppRole, 0, len(st.spec.AppRoles))
	for _, r := range st.spec.AppRoles {
		out = append(out, tenant.AppRole{
			ID: st.roleIDs[r.Value], Value: r.Value, DisplayName: r.DisplayName, Description: r.Description,
			AllowedMemberTypes: clone(r.AllowedMemberTypes), IsEnabled: r.Enabled,
		})
	}
	return out
}

func desiredRRA(st *appState) []tenant.RequiredResourceAccess {
	out := []tenant.RequiredResourceAccess{}
	for _, ra := range st.access {
		if len(ra.scopes)+len(ra.roles) == 0 {
			continue
		}
		r := tenant.RequiredResourceAccess{ResourceAppID: ra.resourceAppID, ResourceAccess: []tenant.ResourceAccess{}}
		for _, s := range ra.scopes {
			r.ResourceAccess = append(r.ResourceAccess, tenant.ResourceAccess{ID: s.id, Type: "Scope"})
		}
		for _, x := range ra.roles {
			r.ResourceAccess = append(r.ResourceAccess, tenant.ResourceAccess{ID: x.id, Type: "Role"})
		}
		out = append(out, r)
	}
	return out
}

func fromSpecClaims(cs []spec.OptionalClaim) []tenant.OptionalClaim {
	out := make([]tenant.OptionalClaim, 0, len(cs))
	for _, c := range cs {
		out = append(out, tenant.OptionalClaim{Name: c.Name, Source: c.Source, Essential: c.Essential,
			AdditionalProperties: nonNil(clone(c.AdditionalProperties))})
	}
	return out
}

func fromTenantClaims(cs []tenant.OptionalClaim) []tenant.OptionalClaim {
	out := make([]tenant.OptionalClaim, 0, len(cs))
	for _, c := range cs {
		out = append(out, tenant.OptionalClaim{Name: c.Name, Source: c.Source, Essential: c.Essential,
			AdditionalProperties: nonNil(clone(c.AdditionalProperties))})
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func clone(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func rawJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("internal error: encoding %T: %v", v, err))
	}
	return data
}

func quoteAll(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(rawJSON(s))
	}
	return out
}

// planApp emits the actions of one spec application, in dependency order:
// application → service principal → app-role assignments and delegated
// grants → owners → federated credentials → secrets.
func (b *builder) planApp(st *appState) {
	addr := "applications." + st.key
	var resourceDeps []string
	for _, ra := range st.access {
		if ra.inFile != nil && ra.inFile != st {
			resourceDeps = appendUnique(resourceDeps, ra.inFile.appAction, ra.inFile.spAction)
		}
	}
	if st.live == nil {
		f := b.desiredFields(st, true)
		if clients := splitClients(f); clients != nil {
			changes := b.createChanges(st, clients)
			completeGroups(clients, f, nil)
			b.deferred = append(b.deferred, deferredStep{st: st, fields: clients, changes: changes})
		}
		a := b.addAction(&Action{
			Op: OpCreate, Type: TypeApplication, App: st.key, Address: addr,
			Description: fmt.Sprintf("create %s application %q", st.spec.Kind, *f.DisplayName),
			Reason:      "no application in the tenant carries " + tenant.KeyTag(st.key) + " in set " + b.spec.Set,
			DependsOn:   resourceDeps,
			Changes:     b.createChanges(st, f),
			Application: &ApplicationAction{Fields: f},
		})
		st.appAction = a.ID
		if st.spec.Kind == spec.KindResource {
			b.tokenNote(st, addr, f)
		}
	} else {
		b.updateApp(st, addr, resourceDeps)
	}
	b.planServicePrincipal(st, addr)
	b.planMembers(st, addr)
	// Each part of adminConsent is managed on its own: a part left off
	// leaves the live consent of that kind alone (drift reports it).
	if st.spec.AdminConsent.Roles {
		b.planAssignments(st, addr)
	}
	if st.spec.AdminConsent.Scopes {
		b.planGrants(st, addr)
	}
	b.planOwners(st, addr)
	b.planFederated(st, addr)
	b.planSecrets(st, addr)
	b.planCertificates(st, addr)
	b.planUnmanaged(st, addr)
}

func appendUnique(list []string, ids ...string) []string {
	for _, id := range ids {
		if id != "" && !hasString(list, id) {
			list = append(list, id)
		}
	}
	return list
}

// createChanges lists every property of a new application, for display,
// in the table's order (tenant.Properties).
func (b *builder) createChanges(st *appState, f *tenant.AppProps) []Change {
	var out []Change
	for i := range tenant.Properties {
		p := &tenant.Properties[i]
		if !p.Has(f) {
			continue
		}
		switch p.Kind {
		case tenant.PropScalar:
			out = append(out, Change{Path: p.Plan, After: rawJSON(p.Want(f))})
		case tenant.PropStringSet:
			if v := p.Want(f).([]string); len(v) > 0 {
				out = append(out, Change{Path: p.Plan, Added: quoteAll(v)})
			}
		case tenant.PropStructured:
			if labels := b.structuredLabels(st, p.Plan, f); labels != nil {
				out = append(out, Change{Path: p.Plan, Added: labels})
			} else if p.Plan == "optional_claims" {
				out = append(out, claimChanges(f.OptionalClaims, nil)...)
			}
		default:
			panic(fmt.Sprintf("internal error: unknown tenant.PropKind %d", p.Kind))
		}
	}
	return out
}

// structuredLabels renders a structured property of a new application as
// one label per element; nil when it has none (or is not a list).
func (b *builder) structuredLabels(st *appState, plan string, f *tenant.AppProps) []string {
	var v []string
	switch plan {
	case "oauth2_permission_scopes":
		for _, s := range *f.Scopes {
			v = append(v, scopeLabel(s))
		}
	case "app_roles":
		for _, r := range *f.AppRoles {
			v = append(v, roleLabel(r))
		}
	case "required_resource_access":
		v = b.rraLabels(rraTriples(*f.RequiredResourceAccess))
	case "known_client_applications":
		for _, id := range *f.KnownClientApplications {
			v = append(v, b.clientName(id))
		}
	case "pre_authorized_applications":
		v = b.preAuthLabels(st, *f.PreAuthorizedApplications)
	}
	return v
}

func scopeLabel(s tenant.PermissionScope) string {
	l := fmt.Sprintf("%s (%s", s.Value, s.Type)
	if !s.IsEnabled {
		l += ", disabled"
	}
	return l + ")"
}

func roleLabel(r tenant.AppRole) string {
	l := fmt.Sprintf("%s (%s", r.Value, strings.Join(r.AllowedMemberTypes, ", "))
	if !r.IsEnabled {
		l += ", disabled"
	}
	return l + ")"
}

// triple is one requested permission: resource appId, permission id, type.
type triple struct{ app, id, typ string }

func rraTriples(rr []tenant.RequiredResourceAccess) []triple {
	var out []triple
	for _, r := range rr {
		for _, a := range r.ResourceAccess {
			out = append(out, triple{strings.ToLower(r.ResourceAppID), strings.ToLower(a.ID), a.Type})
		}
	}
	return out
}

func liveRRATriples(rr []tenant.RequiredResourceAccess) []triple {
	var out []triple
	for _, r := range rr {
		for _, a := range r.ResourceAccess {
			out = append(out, triple{strings.ToLower(r.ResourceAppID), strings.ToLower(a.ID), a.Type})
		}
	}
	return out
}

// rraLabels renders permissions as "resource: value (Scope|Role)".
func (b *builder) rraLabels(ts []triple) []string {
	if len(ts) == 0 {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		res, val := t.app, t.id
		if r, ok := ParseRef(t.app); ok {
			res = r.App
		}
		if rn := b.names[t.app]; rn != nil {
			res = rn.name
			if v, ok := rn.ids[t.id]; ok {
				val = v
			}
		}
		out[i] = fmt.Sprintf("%s: %s (%s)", res, val, t.typ)
	}
	return out
}

// withIDsWhereSame rewrites, with edit, the labels that read the same on
// both sides (a scope or role that keeps its value under a new id), so that
// a change never shows one text both added and removed; edit gets a
// label's index and whether it is an added one.
func withIDsWhereSame(added, removed []string, edit func(label string, i int, isAdded bool) string) {
	inRemoved := map[string]bool{}
	for _, l := range removed {
		inRemoved[l] = true
	}
	same := map[string]bool{}
	for _, l := range added {
		if inRemoved[l] {
			same[l] = true
		}
	}
	for i, l := range added {
		if same[l] {
			added[i] = edit(l, i, true)
		}
	}
	for i, l := range removed {
		if same[l] {
			removed[i] = edit(l, i, false)
		}
	}
}

// setDiff returns the elements of want missing from have (in want order) and
// those of have missing from want (in have order).
func setDiff[T comparable](want, have []T) (added, removed []T) {
	hs := make(map[T]bool, len(have))
	for _, h := range have {
		hs[h] = true
	}
	ws := make(map[T]bool, len(want))
	for _, w := range want {
		ws[w] = true
		if !hs[w] {
			added = append(added, w)
		}
	}
	for _, h := range have {
		if !ws[h] {
			removed = append(removed, h)
		}
	}
	return added, removed
}

// appDiff accumulates a sparse update.
type appDiff struct {
	f       tenant.AppProps
	changes []Change
	risks   []Risk
	empty   bool
}

func (d *appDiff) scalar(path string, before, after any) {
	d.changes = append(d.changes, Change{Path: path, Before: rawJSON(before), After: rawJSON(after)})
	d.empty = false
}

// updateApp diffs a live application against the spec and emits the update
// (and, when an enabled scope or role must go, the disable step before it).
// It walks tenant.Properties: scalars and string sets compare by the row's
// rules, structured values through their differ (structuredDiffs).
func (b *builder) updateApp(st *appState, addr string, resourceDeps []string) {
	want := b.desiredFields(st, false)
	live := st.live
	d := &appDiff{empty: true}
	dis := &disableStep{}
	var redirectsRemoved []string
	for i := range tenant.Properties {
		p := &tenant.Properties[i]
		if !p.Has(want) {
			continue
		}
		switch p.Kind {
		case tenant.PropScalar:
			w, l := p.Want(want), p.Live(live)
			if p.Equal(w, l) {
				continue
			}
			p.Copy(&d.f, want)
			d.scalar(p.Plan, l, w)
			if p.Plan == "sign_in_audience" {
				d.risks = append(d.risks, Risk{Code: RiskSignInAudience, Message: fmt.Sprintf(
					"sign-in audience changes from %s to %s: who can sign in, and the token issuer, change", l, w)})
			}
		case tenant.PropStringSet:
			added, removed := setDiff(p.Want(want).([]string), p.Live(live).([]string))
			if len(added)+len(removed) == 0 {
				continue
			}
			p.Copy(&d.f, want)
			d.changes = append(d.changes, Change{Path: p.Plan, Added: quoteAll(added), Removed: quoteAll(removed)})
			d.empty = false
			switch {
			case !p.Risky || len(removed) == 0:
			case p.Plan == "identifier_uris":
				d.risks = append(d.risks, Risk{Code: RiskIdentifierURI, Message: fmt.Sprintf(
					"identifier URIs change (the token audience): removes %s; clients that ask for tokens for it will fail", strings.Join(removed, ", "))})
			default:
				redirectsRemoved = append(redirectsRemoved, removed...)
			}
		case tenant.PropStructured:
			diff, ok := structuredDiffs[p.Plan]
			if !ok {
				panic("internal error: no differ for structured property " + p.Plan)
			}
			diff(b, st, d, want, dis)
		default:
			panic(fmt.Sprintf("internal error: unknown tenant.PropKind %d", p.Kind))
		}
	}
	if st.spec.Kind == spec.KindResource && (d.f.RequestedAccessTokenVersion != nil || d.f.IdentifierURIs != nil) {
		b.tokenNote(st, addr, &d.f)
	}
	if len(redirectsRemoved) > 0 {
		d.risks = append(d.risks, Risk{Code: RiskRedirectURIRemoval, Message: fmt.Sprintf(
			"removes redirect URIs %s: sign-ins that return there will fail", strings.Join(redirectsRemoved, ", "))})
	}
	disableTwins(st, d, want, dis)
	if clients := splitClients(&d.f); clients != nil {
		completeGroups(clients, want, live)
		var moved, kept []Change
		for _, c := range d.changes {
			if strings.HasPrefix(c.Path, "known_client_applications") || strings.HasPrefix(c.Path, "pre_authorized_applications") {
				moved = append(moved, c)
			} else {
				kept = append(kept, c)
			}
		}
		d.changes = kept
		d.empty = len(kept) == 0
		b.deferred = append(b.deferred, deferredStep{st: st, fields: clients, changes: moved})
	}
	completeGroups(&d.f, want, live)
	completeGroups(&dis.f, &tenant.AppProps{}, live)
	disable, disableChanges := dis.f, dis.changes
	b.kindNotes(st, addr)

	var deps []string
	if disableChanges != nil {
		a := b.addAction(&Action{
			Op: OpUpdate, Type: TypeApplication, App: st.key, Address: addr, Step: "disable",
			Description: fmt.Sprintf("disable scopes and roles of application %q before they are removed or changed", live.DisplayName),
			Reason:      "Graph refuses to remove or change an enabled scope or app role in one step (CannotDeleteOrUpdateEnabledEntitlement)",
			DependsOn:   resourceDeps,
			Changes:     disableChanges,
			Application: &ApplicationAction{ObjectID: live.ID, AppID: live.AppID, Fields: &disable},
		})
		deps = []string{a.ID}
		st.appAction = a.ID
	}
	if !d.empty {
		a := b.addAction(&Action{
			Op: OpUpdate, Type: TypeApplication, App: st.key, Address: addr,
			Description: fmt.Sprintf("update application %q", live.DisplayName),
			Reason:      "the tenant differs from the spec",
			DependsOn:   appendUnique(deps, resourceDeps...),
			Changes:     d.changes,
			Risks:       d.risks,
			Application: &ApplicationAction{ObjectID: live.ID, AppID: live.AppID, Fields: &d.f},
		})
		st.appAction = a.ID
	}
}

// deferredStep is a later PATCH of an application: the clients it trusts
// (knownClientApplications, preAuthorizedApplications). They name other
// applications, which may be created by this very plan, and scopes, which
// Graph refuses to pre-authorize in the request that creates them
// (microsoft-graph-docs#20177); so they go in a step of their own, after
// the application's own action and the clients' creates.
type deferredStep struct {
	st      *appState
	fields  *tenant.AppProps
	changes []Change
}

// splitClients moves the client lists out of f into a payload of their
// own; nil when f sets neither.
func splitClients(f *tenant.AppProps) *tenant.AppProps {
	if f.KnownClientApplications == nil && f.PreAuthorizedApplications == nil {
		return nil
	}
	out := &tenant.AppProps{KnownClientApplications: f.KnownClientApplications, PreAuthorizedApplications: f.PreAuthorizedApplications}
	f.KnownClientApplications, f.PreAuthorizedApplications = nil, nil
	return out
}

// completeGroups makes a PATCH lossless: when f sets a property that lives
// in a complex Graph value (api, web, spa, publicClient), every other
// property of that value is sent too, as the spec wants it (want) or, when
// the spec is silent, as it is live. Graph's reference does not say
// whether a complex value in a PATCH is merged into the stored one or
// replaces it; sent whole, it means the same under either rule, so a
// hand-set preAuthorizedApplications entry or implicit-grant setting
// survives a change of scopes or redirect URIs. Zero live values are left
// out: absent and zero read the same.
func completeGroups(f, want *tenant.AppProps, live *tenant.Application) {
	groups := map[string]bool{}
	for i := range tenant.Properties {
		p := &tenant.Properties[i]
		if g := p.Group(); g != "" && p.Has(f) {
			groups[g] = true
		}
	}
	if len(groups) == 0 {
		return
	}
	for i := range tenant.Properties {
		p := &tenant.Properties[i]
		if !groups[p.Group()] || p.Has(f) {
			continue
		}
		if p.Has(want) {
			p.Copy(f, want)
			continue
		}
		if live != nil && !isZero(p.Live(live)) {
			p.FromLive(f, live)
		}
	}
}

func isZero(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	default:
		return rv.IsZero()
	}
}

// disableStep collects the PATCH that disables scopes and roles before the
// update removes or changes them.
type disableStep struct {
	f       tenant.AppProps
	changes []Change
}

// disableTwins: a scope and an app role that share an id are one
// permission to Graph, which refuses them with different isEnabled
// (docs/graph-quirks.md, "App roles and scopes share one namespace"). When
// the disable step turns one off, it turns the other off too, and the
// update sends both collections, so each comes back as the spec says.
func disableTwins(st *appState, d *appDiff, want *tenant.AppProps, dis *disableStep) {
	off := func(enabledLive map[string]bool, now []string) map[string]bool {
		out := map[string]bool{}
		for _, id := range now {
			if enabledLive[id] {
				out[id] = true
			}
		}
		return out
	}
	liveScopeOn, liveRoleOn := map[string]bool{}, map[string]bool{}
	for _, s := range st.live.Scopes {
		liveScopeOn[strings.ToLower(s.ID)] = s.IsEnabled
	}
	for _, r := range st.live.AppRoles {
		liveRoleOn[strings.ToLower(r.ID)] = r.IsEnabled
	}
	var scopesOff, rolesOff []string
	if dis.f.Scopes != nil {
		for _, s := range *dis.f.Scopes {
			if !s.IsEnabled {
				scopesOff = append(scopesOff, strings.ToLower(s.ID))
			}
		}
	}
	if dis.f.AppRoles != nil {
		for _, r := range *dis.f.AppRoles {
			if !r.IsEnabled {
				rolesOff = append(rolesOff, strings.ToLower(r.ID))
			}
		}
	}
	if ids := off(liveScopeOn, scopesOff); len(ids) > 0 {
		roles := clonePtr(dis.f.AppRoles, st.live.AppRoles)
		twin := false
		for i := range roles {
			if ids[strings.ToLower(roles[i].ID)] && roles[i].IsEnabled {
				twin = true
				roles[i].IsEnabled = false
				dis.changes = append(dis.changes, Change{Path: fmt.Sprintf("app_roles[%s].is_enabled", rawJSON(roles[i].Value)), Before: rawJSON(true), After: rawJSON(false)})
				if d.f.AppRoles == nil {
					d.f.AppRoles = ptr(clonePtr(want.AppRoles, st.live.AppRoles))
					d.empty = false
				}
			}
		}
		if twin {
			dis.f.AppRoles = &roles
		}
	}
	if ids := off(liveRoleOn, rolesOff); len(ids) > 0 {
		scopes := clonePtr(dis.f.Scopes, st.live.Scopes)
		twin := false
		for i := range scopes {
			if ids[strings.ToLower(scopes[i].ID)] && scopes[i].IsEnabled {
				twin = true
				scopes[i].IsEnabled = false
				dis.changes = append(dis.changes, Change{Path: fmt.Sprintf("oauth2_permission_scopes[%s].is_enabled", rawJSON(scopes[i].Value)), Before: rawJSON(true), After: rawJSON(false)})
				if d.f.Scopes == nil {
					d.f.Scopes = ptr(clonePtr(want.Scopes, st.live.Scopes))
					d.empty = false
				}
			}
		}
		if twin {
			dis.f.Scopes = &scopes
		}
	}
}

// clonePtr copies *p, or else fallback.
func clonePtr[T any](p *[]T, fallback []T) []T {
	if p != nil {
		return append([]T{}, *p...)
	}
	return append([]T{}, fallback...)
}

// structuredDiffs compares the structured properties of tenant.Properties,
// by Plan name; TestStructuredPropertiesHaveDiffers checks none is missing.
var structuredDiffs = map[string]func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, dis *disableStep){
	"optional_claims": func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, _ *disableStep) {
		have := &tenant.OptionalClaims{IDToken: []tenant.OptionalClaim{}, AccessToken: []tenant.OptionalClaim{}, SAML2Token: []tenant.OptionalClaim{}}
		if oc := st.live.OptionalClaims; oc != nil {
			have = &tenant.OptionalClaims{
				IDToken:     fromTenantClaims(oc.IDToken),
				AccessToken: fromTenantClaims(oc.AccessToken),
				SAML2Token:  fromTenantClaims(oc.SAML2Token),
			}
		}
		if changes := claimChanges(want.OptionalClaims, have); len(changes) > 0 {
			d.f.OptionalClaims = want.OptionalClaims
			d.changes = append(d.changes, changes...)
			d.empty = false
		}
	},
	"oauth2_permission_scopes": func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, dis *disableStep) {
		b.diffScopes(st, d, *want.Scopes, &dis.f, &dis.changes)
	},
	"app_roles": func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, dis *disableStep) {
		b.diffRoles(st, d, *want.AppRoles, &dis.f, &dis.changes)
	},
	"known_client_applications": func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, _ *disableStep) {
		added, removed := setDiff(lowerAll(*want.KnownClientApplications), lowerAll(st.live.KnownClientApplications))
		if len(added)+len(removed) == 0 {
			return
		}
		d.f.KnownClientApplications = want.KnownClientApplications
		names := func(ids []string) []string {
			var out []string
			for _, id := range ids {
				out = append(out, b.clientName(id))
			}
			return out
		}
		d.changes = append(d.changes, Change{Path: "known_client_applications", Added: quoteAll(names(added)), Removed: quoteAll(names(removed))})
		d.empty = false
	},
	"pre_authorized_applications": func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, _ *disableStep) {
		key := func(p tenant.PreAuthorizedApplication) string {
			ids := lowerAll(p.DelegatedPermissionIDs)
			sort.Strings(ids)
			return strings.ToLower(p.AppID) + " " + strings.Join(ids, ",")
		}
		byKey := map[string]tenant.PreAuthorizedApplication{}
		var wk, lk []string
		for _, p := range *want.PreAuthorizedApplications {
			byKey[key(p)] = p
			wk = append(wk, key(p))
		}
		for _, p := range st.live.PreAuthorizedApplications {
			byKey[key(p)] = p
			lk = append(lk, key(p))
		}
		added, removed := setDiff(wk, lk)
		if len(added)+len(removed) == 0 {
			return
		}
		pick := func(keys []string) []tenant.PreAuthorizedApplication {
			var out []tenant.PreAuthorizedApplication
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		}
		d.f.PreAuthorizedApplications = want.PreAuthorizedApplications
		addedL, removedL := b.preAuthLabels(st, pick(added)), b.preAuthLabels(st, pick(removed))
		withIDsWhereSame(addedL, removedL, func(l string, i int, isAdded bool) string {
			k := removed[i]
			if isAdded {
				k = added[i]
			}
			ids := lowerAll(byKey[k].DelegatedPermissionIDs)
			sort.Strings(ids)
			return l + " (ids " + strings.Join(ids, ", ") + ")"
		})
		d.changes = append(d.changes, Change{Path: "pre_authorized_applications", Added: addedL, Removed: removedL})
		d.empty = false
	},
	"required_resource_access": func(b *builder, st *appState, d *appDiff, want *tenant.AppProps, _ *disableStep) {
		added, removed := setDiff(rraTriples(*want.RequiredResourceAccess), liveRRATriples(st.live.RequiredResourceAccess))
		if len(added)+len(removed) > 0 {
			d.f.RequiredResourceAccess = want.RequiredResourceAccess
			addedL, removedL := b.rraLabels(added), b.rraLabels(removed)
			withIDsWhereSame(addedL, removedL, func(l string, i int, isAdded bool) string {
				t := removed[i]
				if isAdded {
					t = added[i]
				}
				return strings.TrimSuffix(l, ")") + ", id " + t.id + ")"
			})
			d.changes = append(d.changes, Change{Path: "required_resource_access", Added: addedL, Removed: removedL})
			d.empty = false
		}
	},
}

func lowerAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strings.ToLower(x)
	}
	return out
}

// tokenNote tells, for a resource whose token version or identifier URIs
// the plan sets, which aud and iss its access tokens will carry, so the
// server's configuration can be checked against it (docs/spec.md, "Token
// version and audience").
func (b *builder) tokenNote(st *appState, addr string, f *tenant.AppProps) {
	version := 1
	if st.live != nil {
		version = tenant.TokenVersion(st.live.RequestedAccessTokenVersion)
	}
	if f.RequestedAccessTokenVersion != nil {
		version = *f.RequestedAccessTokenVersion
	}
	var uris []string
	switch {
	case f.IdentifierURIs != nil:
		uris = *f.IdentifierURIs
	case st.live != nil:
		uris = st.live.IdentifierURIs
	}
	tid := b.live.Organization.ID
	if version == 2 {
		b.note(st.key, addr, "access tokens for this API are v2: aud is its appId, iss https://login.microsoftonline.com/%s/v2.0", tid)
		return
	}
	aud := "its appId"
	if len(uris) > 0 {
		aud = strings.Join(uris, " or ") + " when a client asks by that URI (else its appId)"
	}
	b.note(st.key, addr, "access tokens for this API are v1: aud is %s, iss https://sts.windows.net/%s/", aud, tid)
}

// kindNotes reports live values a kind does not use, without changing them.
func (b *builder) kindNotes(st *appState, addr string) {
	live := st.live
	switch st.spec.Kind {
	case spec.KindService:
		n := len(live.Web.RedirectURIs) + len(live.SPARedirectURIs) + len(live.PublicClientRedirectURIs)
		if n > 0 {
			b.note(st.key, addr, "has %d redirect URI(s) although a service application signs in no user; left alone", n)
		}
	case spec.KindPublic:
		if len(live.Web.RedirectURIs) > 0 && st.spec.Web == nil {
			b.note(st.key, addr, "has web redirect URIs although it is a public client; left alone")
		}
	case spec.KindResource, spec.KindConfidential:
	default:
		panic(fmt.Sprintf("internal error: unknown spec.Kind %q", string(st.spec.Kind)))
	}
}
