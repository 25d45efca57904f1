package export

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// SchemaURL is the JSON Schema the exported file names in its
// yaml-language-server comment: the published copy, so the hint works
// wherever the file is saved.
const SchemaURL = "https://github.com/regsync/regsync/releases/download/v0.1.0/registrations.schema.json"

// Options say what to export and into which spec.
type Options struct {
	// Tenant is written as the spec's tenant: an id or a verified domain.
	Tenant string
	// Set is the spec's set. Every application tagged with it is exported.
	Set string
	// AppIDs names further applications to export, by appId: they join the
	// set by adoption (the spec names their appId).
	AppIDs []string
	// Vault, when set, gives every exported application that has client
	// secrets a `secret:` whose value regsync keeps in this Key Vault.
	// Without it the secrets are described in a comment only.
	Vault string
	// Name is the file name diagnostics of the output carry; "exported spec"
	// when empty.
	Name string
}

// Result is an exported spec.
type Result struct {
	// YAML is the registrations file, ready to write.
	YAML []byte
	// Keys are the exported applications' keys, sorted; Adopted are those
	// of them that name an appId.
	Keys, Adopted []string
}

// Spec writes the registrations spec of the set's applications and of the
// applications named by appId in o, as snap shows them. snap must hold
// those applications, their service principals, the service principals of
// every resource they request permissions of, and the app-role
// assignments and delegated grants on those resources: tenant.Read with
// the set, the appIds as AdoptedAppIDs and the resources as APIAppIDs
// reads exactly that.
//
// A permission id that the resource does not define (so it has no name to
// write), a named appId that is not in the tenant, or output that would
// not pass spec.Parse are errors; the Result is nil when any diagnostic is
// an error.
func Spec(snap *tenant.Snapshot, o Options) (*Result, diag.Diagnostics) {
	var ds diag.Diagnostics
	x := decide(snap, o, &ds)
	if x == nil {
		return nil, ds
	}
	s, mo := x.build()
	text, err := mo.Marshal(s)
	if err != nil {
		ds.Errorf(diag.Pos{}, "", "", "internal error: writing the exported spec: %v", err)
		return nil, ds
	}

	name := o.Name
	if name == "" {
		name = "exported spec"
	}
	if _, pds := spec.Parse(name, text); pds.HasErrors() {
		for _, d := range pds {
			if d.Severity == diag.Error {
				d.Detail = strings.TrimSpace("The export would not validate, so nothing was written. " + d.Detail)
				ds = append(ds, d)
			}
		}
		return nil, ds
	}
	res := &Result{YAML: text}
	for _, a := range x.apps {
		res.Keys = append(res.Keys, a.key)
		if a.adopt {
			res.Adopted = append(res.Adopted, a.key)
		}
	}
	return res, ds
}

// decide reads snap and decides what the export writes: which
// applications, their keys and kinds, their permissions by name, consent,
// secrets and the notes about them. It returns nil once it has reported an
// error in ds.
func decide(snap *tenant.Snapshot, o Options, ds *diag.Diagnostics) *exporter {
	if snap == nil {
		ds.Errorf(diag.Pos{}, "", "", "internal error: export needs a snapshot")
		return nil
	}
	x := &exporter{snap: snap, o: o, ds: ds}
	x.index()
	x.selectApps()
	if ds.HasErrors() {
		return nil
	}
	if len(x.apps) == 0 {
		ds.Errorf(diag.Pos{}, "", "Name existing applications with --app-id to adopt them into the set.",
			"set %q has no applications in the tenant and no application was named by appId", o.Set)
		return nil
	}
	x.assignKeys()
	for _, a := range x.apps {
		x.inferKind(a)
	}
	for _, a := range x.apps {
		x.resolveAccess(a)
	}
	if ds.HasErrors() {
		return nil
	}
	x.assignAPIKeys()
	for _, a := range x.apps {
		x.consent(a)
		x.kindNotes(a)
		x.secret(a)
		x.otherCredentials(a)
	}
	return x
}

// app is one exported application and what the export decided about it.
type app struct {
	live  *tenant.Application
	sp    *tenant.ServicePrincipal
	inSet bool
	key   string
	// adopt is true when the spec names the appId: the application is not
	// (yet) tagged with the set and this key.
	adopt    bool
	kind     spec.Kind
	platform spec.Platform
	// notes become YAML comments above the application.
	notes  []string
	access []*access // nil when the spec leaves access alone
	// accessDropped is true when access is left out on purpose.
	accessDropped bool
	adminConsent  bool
	secret        *secretOut
	// consentScopes and consentRoles say which part of adminConsent the
	// tenant holds: an AllPrincipals grant, app-role assignments.
	consentScopes, consentRoles bool
}

// access is the permissions requested of one resource, by name.
type access struct {
	resourceAppID string // lower case
	resourceKey   string // set once every key is known
	scopes, roles []string
}

type secretOut struct {
	name     string        // "" for the default
	lifetime time.Duration // 0 for the default
}

type exporter struct {
	snap *tenant.Snapshot
	o    Options
	ds   *diag.Diagnostics

	apps      []*app // sorted by key once keys are assigned
	byAppID   map[string]*app
	spByAppID map[string]*tenant.ServicePrincipal
	// apis are the external resources by lower-case appId, and their keys.
	apis    map[string]string
	apiKeys map[string]string // key → appId
}

func (x *exporter) index() {
	x.spByAppID = map[string]*tenant.ServicePrincipal{}
	for _, sp := range x.snap.ServicePrincipals {
		if sp != nil {
			if _, dup := x.spByAppID[strings.ToLower(sp.AppID)]; !dup {
				x.spByAppID[strings.ToLower(sp.AppID)] = sp
			}
		}
	}
}

// selectApps picks the set's applications and the named ones.
func (x *exporter) selectApps() {
	named := map[string]bool{}
	for _, id := range x.o.AppIDs {
		named[strings.ToLower(id)] = true
	}
	x.byAppID = map[string]*app{}
	refused := map[string]bool{}
	setTag := tenant.SetTag(x.o.Set)
	for _, l := range x.snap.Applications {
		if l == nil {
			continue
		}
		id := strings.ToLower(l.AppID)
		inSet := hasString(l.Tags, setTag)
		if !inSet && !named[id] {
			continue
		}
		if x.byAppID[id] != nil {
			continue
		}
		if other, ok := tagValue(l.Tags, tenant.TagSet); ok && !inSet {
			// The plan refuses to adopt another set's application; so
			// does export, rather than write a spec that cannot plan.
			x.ds.Errorf(diag.Pos{}, "", fmt.Sprintf("An application belongs to one set. Export it with --set %s, or move it first (docs/spec.md, \"An application belongs to one set\").", other),
				"application %q (appId %s) belongs to set %q (tag %s)", l.DisplayName, l.AppID, other, tenant.SetTag(other))
			refused[id] = true
			continue
		}
		a := &app{live: l, inSet: inSet, sp: x.spByAppID[id]}
		x.apps = append(x.apps, a)
		x.byAppID[id] = a
	}
	for _, id := range sortedKeys(named) {
		if x.byAppID[id] == nil && !refused[id] {
			x.ds.Errorf(diag.Pos{}, "", "Check the appId (the application's client id, not its object id).",
				"no application with appId %s in the tenant", id)
		}
	}
}

// keyPattern is the format's pattern for keys and set names.
var keyPattern = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// assignKeys gives every application its key: the regsync:key tag of an
// application already in the set first, then, in order of the wanted key
// and appId, the key tag of any other application or a key derived from
// its displayName, with -2, -3, … on collisions. An application keeps its
// appId in the spec unless it is tagged with the set and its key.
func (x *exporter) assignKeys() {
	taken := map[string]bool{}
	type want struct {
		a    *app
		base string
		tag  string
	}
	var first, rest []want
	for _, a := range x.apps {
		tag, _ := tagValue(a.live.Tags, tenant.TagKey)
		if !keyPattern.MatchString(tag) {
			tag = ""
		}
		w := want{a: a, base: tag, tag: tag}
		if w.base == "" {
			w.base = slug(a.live.DisplayName, "app")
		}
		if a.inSet && tag != "" {
			first = append(first, w)
		} else {
			rest = append(rest, w)
		}
	}
	for _, group := range [][]want{first, rest} {
		sort.Slice(group, func(i, j int) bool {
			if group[i].base != group[j].base {
				return group[i].base < group[j].base
			}
			return strings.ToLower(group[i].a.live.AppID) < strings.ToLower(group[j].a.live.AppID)
		})
		for _, w := range group {
			w.a.key = unique(w.base, taken)
			w.a.adopt = !(w.a.inSet && w.tag != "" && w.tag == w.a.key)
		}
	}
	sort.Slice(x.apps, func(i, j int) bool { return x.apps[i].key < x.apps[j].key })
}

// slug turns a display name into a key: lower-case letters and digits,
// other runs of characters as one hyphen, a letter first (fallback is
// put in front otherwise), at most 63 characters.
func slug(name, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if b.Len() > 0 && !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	switch {
	case s == "":
		s = fallback
	case s[0] < 'a' || s[0] > 'z':
		s = fallback + "-" + s
	}
	return trimKey(s, 63)
}

func trimKey(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.TrimRight(s, "-")
}

// unique returns base, or base-2, base-3, … when taken, and takes it.
func unique(base string, taken map[string]bool) string {
	k := base
	for i := 2; taken[k]; i++ {
		suffix := "-" + strconv.Itoa(i)
		k = trimKey(base, 63-len(suffix)) + suffix
	}
	taken[k] = true
	return k
}

// inferKind decides the kind from the registration's shape:
// identifierUris or exposed scopes make a resource; web redirect URIs a
// confidential client; SPA redirect URIs a public SPA; public-client
// redirect URIs (or isFallbackPublicClient) a public mobile or desktop
// client; delegated permissions without any of those a confidential client
// (only a signed-in user's client asks for them); anything else a service.
func (x *exporter) inferKind(a *app) {
	l := a.live
	switch {
	case len(l.IdentifierURIs) > 0 || len(l.Scopes) > 0:
		a.kind = spec.KindResource
		if len(l.IdentifierURIs) == 0 {
			x.ds.Errorf(diag.Pos{}, "applications."+a.key+".identifierUris",
				"Add an identifier URI (e.g. api://<appId>) to the application, or leave it out of the export.",
				"application %q (appId %s) exposes scopes but has no identifier URI, which a resource needs", l.DisplayName, l.AppID)
		}
	case len(l.Web.RedirectURIs) > 0:
		a.kind = spec.KindConfidential
	case len(l.SPARedirectURIs) > 0:
		a.kind, a.platform = spec.KindPublic, spec.PlatformSPA
	case len(l.PublicClientRedirectURIs) > 0 || l.IsFallbackPublicClient:
		a.kind, a.platform = spec.KindPublic, spec.PlatformDesktop
		for _, u := range l.PublicClientRedirectURIs {
			if lu := strings.ToLower(u); strings.HasPrefix(lu, "msauth") || strings.HasPrefix(lu, "msal") {
				a.platform = spec.PlatformMobile
			}
		}
	case delegated(l):
		a.kind = spec.KindConfidential
	default:
		a.kind = spec.KindService
	}
}

func delegated(l *tenant.Application) bool {
	for _, r := range l.RequiredResourceAccess {
		for _, ra := range r.ResourceAccess {
			if ra.Type == "Scope" {
				return true
			}
		}
	}
	return false
}

// resolveAccess names the permissions the application requests: by the
// resource's key when the resource is exported too, else by an entry of
// apis. The names come from the resource's scopes and app roles.
func (x *exporter) resolveAccess(a *app) {
	l := a.live
	if len(l.RequiredResourceAccess) == 0 {
		return
	}
	addr := "applications." + a.key + ".access"
	byRes := map[string]*access{}
	var order []*access
	for _, r := range l.RequiredResourceAccess {
		if len(r.ResourceAccess) == 0 {
			continue
		}
		res := strings.ToLower(r.ResourceAppID)
		if res == strings.ToLower(l.AppID) {
			a.accessDropped = true
			a.note("access is left out: the application requests permissions of itself, which the format cannot say; regsync leaves requiredResourceAccess alone")
			return
		}
		var scopes []tenant.PermissionScope
		var roles []tenant.AppRole
		what := ""
		if t := x.byAppID[res]; t != nil {
			if t.kind != spec.KindResource {
				x.ds.Errorf(diag.Pos{}, addr, "Export it without that application, or give that application an identifier URI so it is exported as a resource.",
					"application %q (appId %s) requests permissions of %q (appId %s), which is exported as a %s, not a resource",
					l.DisplayName, l.AppID, t.live.DisplayName, t.live.AppID, t.kind)
				continue
			}
			scopes, roles, what = t.live.Scopes, t.live.AppRoles, fmt.Sprintf("application %q", t.live.DisplayName)
		} else {
			sp := x.spByAppID[res]
			if sp == nil {
				x.ds.Errorf(diag.Pos{}, addr, "The resource's service principal must exist in the tenant for its permission ids to have names; create it (or remove the permissions) and export again.",
					"application %q (appId %s) requests permissions of appId %s, which has no service principal in the tenant", l.DisplayName, l.AppID, r.ResourceAppID)
				continue
			}
			scopes, roles, what = sp.Scopes, sp.AppRoles, fmt.Sprintf("service principal %q", sp.DisplayName)
			if x.apis == nil {
				x.apis = map[string]string{}
			}
			x.apis[res] = ""
		}
		acc := byRes[res]
		if acc == nil {
			acc = &access{resourceAppID: res}
			byRes[res] = acc
			order = append(order, acc)
		}
		for _, p := range r.ResourceAccess {
			switch p.Type {
			case "Scope":
				v, ok := scopeValue(scopes, p.ID)
				if !ok {
					x.ds.Errorf(diag.Pos{}, addr, "Remove the permission from the application, or restore the scope on the resource, and export again.",
						"application %q (appId %s) requests delegated permission %s of appId %s, but %s has no scope with that id",
						l.DisplayName, l.AppID, p.ID, r.ResourceAppID, what)
					continue
				}
				acc.scopes = appendUnique(acc.scopes, v)
			case "Role":
				v, ok := roleValue(roles, p.ID)
				if !ok {
					x.ds.Errorf(diag.Pos{}, addr, "Remove the permission from the application, or restore the app role on the resource, and export again.",
						"application %q (appId %s) requests application permission %s of appId %s, but %s has no app role with that id",
						l.DisplayName, l.AppID, p.ID, r.ResourceAppID, what)
					continue
				}
				acc.roles = appendUnique(acc.roles, v)
			default:
				x.ds.Errorf(diag.Pos{}, addr, "", "application %q (appId %s) requests permission %s of appId %s with unknown type %q",
					l.DisplayName, l.AppID, p.ID, r.ResourceAppID, p.Type)
			}
		}
	}
	if a.kind == spec.KindPublic {
		for _, acc := range order {
			if len(acc.roles) > 0 {
				a.accessDropped = true
				a.note("access is left out: the application requests application permissions (roles), which a public client may not; regsync leaves requiredResourceAccess alone")
				return
			}
		}
	}
	for _, acc := range order {
		sort.Strings(acc.scopes)
		sort.Strings(acc.roles)
	}
	a.access = order
}

func scopeValue(list []tenant.PermissionScope, id string) (string, bool) {
	for _, s := range list {
		if strings.EqualFold(s.ID, id) && s.Value != "" {
			return s.Value, true
		}
	}
	return "", false
}

func roleValue(list []tenant.AppRole, id string) (string, bool) {
	for _, r := range list {
		if strings.EqualFold(r.ID, id) && r.Value != "" {
			return r.Value, true
		}
	}
	return "", false
}

// wellKnownAPIs name first-party APIs whose service principal's display
// name makes a poor key.
var wellKnownAPIs = map[string]string{
	"00000003-0000-0000-c000-000000000000": "microsoft-graph",
}

// assignAPIKeys keys the external resources, in appId order, by their
// service principal's display name, avoiding the applications' keys.
func (x *exporter) assignAPIKeys() {
	taken := map[string]bool{}
	for _, a := range x.apps {
		taken[a.key] = true
	}
	x.apiKeys = map[string]string{}
	for _, id := range sortedKeys(x.apis) {
		base := wellKnownAPIs[id]
		if base == "" {
			base = slug(x.spByAppID[id].DisplayName, "api")
		}
		k := unique(base, taken)
		x.apis[id] = k
		x.apiKeys[k] = id
	}
	for _, a := range x.apps {
		for _, acc := range a.access {
			if t := x.byAppID[acc.resourceAppID]; t != nil {
				acc.resourceKey = t.key
			} else {
				acc.resourceKey = x.apis[acc.resourceAppID]
			}
		}
		sort.Slice(a.access, func(i, j int) bool { return a.access[i].resourceKey < a.access[j].resourceKey })
	}
}

// consent turns on adminConsent when the client's service principal holds
// an app-role assignment or a tenant-wide delegated grant, and notes where
// that consent differs from what the client requests (apply aligns it).
func (x *exporter) consent(a *app) {
	if a.sp == nil || len(a.access) == 0 {
		return
	}
	var assigned []tenant.AppRoleAssignment
	for _, as := range x.snap.AppRoleAssignments {
		if strings.EqualFold(as.PrincipalID, a.sp.ID) {
			assigned = append(assigned, as)
		}
	}
	var grants []tenant.PermissionGrant
	for _, g := range x.snap.PermissionGrants {
		if strings.EqualFold(g.ClientID, a.sp.ID) && g.ConsentType == "AllPrincipals" {
			grants = append(grants, g)
		}
	}
	if len(assigned)+len(grants) == 0 {
		return
	}
	a.adminConsent = true
	// Consent of one kind only (roles granted without an AllPrincipals
	// grant, or the reverse) becomes that part of adminConsent, so apply
	// leaves the other kind alone; otherwise adminConsent: true, which
	// manages both.
	var scopesAsked, rolesAsked bool
	for _, acc := range a.access {
		scopesAsked = scopesAsked || len(acc.scopes) > 0
		rolesAsked = rolesAsked || len(acc.roles) > 0
	}
	partScopes, partRoles := len(grants) > 0 && scopesAsked, len(assigned) > 0 && rolesAsked
	if (!partScopes && !partRoles) || ((partScopes || !scopesAsked) && (partRoles || !rolesAsked)) {
		partScopes, partRoles = true, true
	}
	a.consentScopes, a.consentRoles = partScopes, partRoles

	var changes []string
	keptAssignment := map[string]bool{}
	keptGrant := map[string]bool{}
	for _, acc := range a.access {
		resSP := x.resourceSP(acc.resourceAppID)
		for _, role := range acc.roles {
			if !a.consentRoles {
				break // adminConsent leaves roles alone
			}
			found := false
			for _, as := range assigned {
				if resSP != nil && strings.EqualFold(as.ResourceID, resSP.ID) && x.permValue(acc.resourceAppID, as.AppRoleID) == role {
					found, keptAssignment[as.ID] = true, true
				}
			}
			if !found {
				changes = append(changes, fmt.Sprintf("grant %s of %s", role, acc.resourceKey))
			}
		}
		if len(acc.scopes) == 0 || !a.consentScopes {
			continue
		}
		var have *tenant.PermissionGrant
		for i := range grants {
			if resSP != nil && strings.EqualFold(grants[i].ResourceID, resSP.ID) {
				have = &grants[i]
				break
			}
		}
		want := strings.Join(acc.scopes, " ")
		switch {
		case have == nil:
			changes = append(changes, fmt.Sprintf("consent to %s of %s", want, acc.resourceKey))
		case !sameSet(acc.scopes, strings.Fields(have.Scope)):
			keptGrant[have.ID] = true
			changes = append(changes, fmt.Sprintf("change the consent to %s from %q to %q", acc.resourceKey, have.Scope, want))
		default:
			keptGrant[have.ID] = true
		}
	}
	for _, as := range assigned {
		if a.consentRoles && !keptAssignment[as.ID] {
			changes = append(changes, fmt.Sprintf("revoke app role %s on service principal %s", as.AppRoleID, as.ResourceID))
		}
	}
	for _, g := range grants {
		if a.consentScopes && !keptGrant[g.ID] {
			changes = append(changes, fmt.Sprintf("revoke the consent to %q on service principal %s", g.Scope, g.ResourceID))
		}
	}
	if len(changes) > 0 {
		a.note("adminConsent: the tenant's consent differs from access; apply will " + strings.Join(changes, "; "))
	}
}

// resourceSP is the service principal of a resource by appId.
func (x *exporter) resourceSP(appID string) *tenant.ServicePrincipal {
	return x.spByAppID[strings.ToLower(appID)]
}

// permValue names a permission id of a resource, "" when unknown.
func (x *exporter) permValue(resAppID, id string) string {
	if t := x.byAppID[resAppID]; t != nil {
		if v, ok := roleValue(t.live.AppRoles, id); ok {
			return v
		}
		v, _ := scopeValue(t.live.Scopes, id)
		return v
	}
	if sp := x.spByAppID[resAppID]; sp != nil {
		if v, ok := roleValue(sp.AppRoles, id); ok {
			return v
		}
		v, _ := scopeValue(sp.Scopes, id)
		return v
	}
	return ""
}

// kindNotes names the live values the exported kind cannot declare; they
// are left out, and regsync leaves them alone.
func (x *exporter) kindNotes(a *app) {
	l := a.live
	left := func(what string) {
		a.note(fmt.Sprintf("not exported: %s (a %s application does not declare it; regsync leaves it alone)", what, a.kind))
	}
	uris := func(what string, list []string) {
		if len(list) > 0 {
			left(fmt.Sprintf("%s %s", what, strings.Join(list, ", ")))
		}
	}
	web := func() {
		uris("web redirect URIs", l.Web.RedirectURIs)
		if l.Web.HomePageURL != "" {
			left("homePageUrl " + l.Web.HomePageURL)
		}
		if l.Web.LogoutURL != "" {
			left("logoutUrl " + l.Web.LogoutURL)
		}
	}
	implicit := func() {
		if l.Web.EnableIDTokenIssuance || l.Web.EnableAccessTokenIssuance {
			left("implicit grant settings")
		}
	}
	tokenVersion := func() {
		if l.RequestedAccessTokenVersion != nil {
			left(fmt.Sprintf("requestedAccessTokenVersion %d", *l.RequestedAccessTokenVersion))
		}
	}
	switch a.kind {
	case spec.KindResource:
		web()
		implicit()
		uris("SPA redirect URIs", l.SPARedirectURIs)
		uris("public-client redirect URIs", l.PublicClientRedirectURIs)
	case spec.KindConfidential:
		tokenVersion()
	case spec.KindPublic:
		web()
		tokenVersion()
		if a.platform == spec.PlatformSPA {
			uris("public-client redirect URIs", l.PublicClientRedirectURIs)
		} else {
			implicit()
			if !l.IsFallbackPublicClient {
				a.note("isFallbackPublicClient is false in the tenant; a " + string(a.platform) + " client has it true, so apply sets it")
			}
		}
		if len(l.FederatedCredentials) > 0 {
			left(fmt.Sprintf("%d federated credential(s)", len(l.FederatedCredentials)))
		}
	case spec.KindService:
		web()
		implicit()
		tokenVersion()
	default:
		panic(fmt.Sprintf("internal error: unknown spec.Kind %q", string(a.kind)))
	}
	if g := l.GroupMembershipClaims; g != "" && !strings.EqualFold(g, "None") && !validGroupClaims[g] {
		left("groupMembershipClaims " + g)
	}
	if a.kind == spec.KindResource && personal(l.SignInAudience) &&
		(l.RequestedAccessTokenVersion == nil || *l.RequestedAccessTokenVersion != 2) {
		a.note("the API is open to personal accounts but asks for v1 tokens; the format requires requestedAccessTokenVersion: 2, written below, so apply changes it")
	}
}

var validGroupClaims = map[string]bool{"SecurityGroup": true, "DirectoryRole": true, "ApplicationGroup": true, "All": true}

// secret describes the application's client secrets: a `secret:` in the
// vault given in Options (its name found in the vault by the credential's
// key-id tag, its lifetime from regsync's current credential), or, without
// a vault, a comment.
func (x *exporter) secret(a *app) {
	creds := a.live.PasswordCredentials
	if len(creds) == 0 {
		return
	}
	managedName := planner.ManagedSecretName(x.o.Set, a.key)
	var managed []tenant.PasswordCredential
	var keyIDs []string
	for _, c := range creds {
		keyIDs = append(keyIDs, c.KeyID)
		if c.DisplayName == managedName {
			managed = append(managed, c)
		}
	}
	sort.Strings(keyIDs)
	if a.kind == spec.KindPublic {
		a.note(fmt.Sprintf("not exported: %d client secret(s) (%s); a public client declares none, and regsync reports them as added by hand", len(creds), strings.Join(keyIDs, ", ")))
		return
	}
	if x.o.Vault == "" {
		if len(managed) > 0 {
			a.note(fmt.Sprintf("secret: regsync manages client secret %s of this application; declare `secret: { vault: <vault> }` (or export with --vault) or the next apply removes it", newest(managed).KeyID))
			return
		}
		a.note(fmt.Sprintf("secret: not declared. The %d existing client secret(s) (%s) are reported as added by hand until a secret is declared here, e.g. `secret: { vault: <vault> }` (or export with --vault)", len(creds), strings.Join(keyIDs, ", ")))
		return
	}
	out := &secretOut{}
	if len(managed) == 0 {
		a.note(fmt.Sprintf("secret: apply adds a client secret that regsync manages and stores in Key Vault %s; the existing one(s) (%s) stay, reported as added by hand, until removed with --prune", x.o.Vault, strings.Join(keyIDs, ", ")))
	} else {
		c := newest(managed)
		for _, s := range x.snap.Secrets {
			if strings.EqualFold(s.Vault, x.o.Vault) && strings.EqualFold(s.Tags[tenant.SecretTagKeyID], c.KeyID) {
				if !strings.EqualFold(s.Name, spec.DefaultSecretName(a.key)) {
					out.name = s.Name
				}
				break
			}
		}
		days := c.End.Sub(c.Start).Round(spec.Day) / spec.Day
		if d := time.Duration(days) * spec.Day; d > spec.DefaultRenewBefore && d != spec.DefaultLifetime {
			out.lifetime = d
		}
	}
	a.secret = out
}

// otherCredentials notes the certificates of the application and the
// passwords and certificates of its service principal: regsync never makes
// those (today), so drift reports each as high risk and apply --prune
// removes it. The note gives the ignoreCredentials line that keeps them
// while the team moves off them.
func (x *exporter) otherCredentials(a *app) {
	var found, ids []string
	for _, k := range a.live.KeyCredentials {
		found = append(found, fmt.Sprintf("certificate %q (%s, ends %s)", k.DisplayName, k.KeyID, k.End.UTC().Format(time.DateOnly)))
		ids = append(ids, k.KeyID)
	}
	if a.sp != nil {
		for _, p := range a.sp.PasswordCredentials {
			found = append(found, fmt.Sprintf("service principal client secret %q (%s, ends %s)", p.DisplayName, p.KeyID, p.End.UTC().Format(time.DateOnly)))
			ids = append(ids, p.KeyID)
		}
		for _, k := range a.sp.KeyCredentials {
			found = append(found, fmt.Sprintf("service principal certificate %q (%s, ends %s)", k.DisplayName, k.KeyID, k.End.UTC().Format(time.DateOnly)))
			ids = append(ids, k.KeyID)
		}
	}
	if len(found) == 0 {
		return
	}
	a.note(fmt.Sprintf("credentials regsync did not create: %s. drift reports them as high risk and apply --prune removes them; to keep them while you move off them, declare `ignoreCredentials: [%s]`",
		strings.Join(found, "; "), strings.Join(ids, ", ")))
}

func newest(cs []tenant.PasswordCredential) tenant.PasswordCredential {
	best := cs[0]
	for _, c := range cs[1:] {
		if c.End.After(best.End) || c.End.Equal(best.End) && c.KeyID > best.KeyID {
			best = c
		}
	}
	return best
}

func (a *app) note(s string) { a.notes = append(a.notes, s) }

func tagValue(tags []string, name string) (string, bool) {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func appendUnique(list []string, s string) []string {
	if hasString(list, s) {
		return list
	}
	return append(list, s)
}

func sameSet(a, b []string) bool {
	m := map[string]bool{}
	for _, s := range a {
		m[s] = true
	}
	n := map[string]bool{}
	for _, s := range b {
		if !m[s] {
			return false
		}
		n[s] = true
	}
	return len(n) == len(m)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
