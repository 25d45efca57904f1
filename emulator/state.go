package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gopkg.in/yaml.v3"
)

// record is a directory object: its JSON document and what the emulator
// keeps beside it.
type record struct {
	Doc     map[string]any   `json:"doc"`
	Created time.Time        `json:"created"`
	Owners  []string         `json:"owners,omitempty"`
	FICs    []map[string]any `json:"federatedIdentityCredentials,omitempty"`
	Seeded  bool             `json:"seeded,omitempty"` // seeded objects are never subject to replication lag
	Seq     int64            `json:"seq"`              // creation order, for stable listing
	// Pending holds, for a service principal, the properties it inherits
	// from its application as of each application write not yet synced to
	// it (oldest first); see replicate.
	Pending []pendingSync `json:"pending,omitempty"`
}

// pendingSync is one application write on its way to the service
// principal: the inherited properties as they were after it.
type pendingSync struct {
	At    time.Time      `json:"at"`
	Props map[string]any `json:"props"`
}

// deletedRecord is an object in /directory/deletedItems.
type deletedRecord struct {
	Type string         `json:"type"` // "application" or "servicePrincipal"
	Doc  map[string]any `json:"doc"`
}

// firstParty is a Microsoft application whose service principal may exist
// in any tenant without an application object there.
type firstParty struct {
	AppID       string           `json:"appId" yaml:"appId"`
	DisplayName string           `json:"displayName" yaml:"displayName"`
	AppRoles    []map[string]any `json:"appRoles" yaml:"appRoles"`
	Scopes      []map[string]any `json:"oauth2PermissionScopes" yaml:"oauth2PermissionScopes"`
}

// tenantState is everything Graph serves; it is what StateDir persists.
type tenantState struct {
	Apps        map[string]*record        `json:"applications"`
	SPs         map[string]*record        `json:"servicePrincipals"`
	Users       map[string]map[string]any `json:"users"`
	Groups      map[string]map[string]any `json:"groups"`
	Domains     []map[string]any          `json:"domains"`
	Assignments map[string]map[string]any `json:"appRoleAssignments"`
	Grants      map[string]map[string]any `json:"oauth2PermissionGrants"`
	Deleted     map[string]*deletedRecord `json:"deletedItems"`
	FirstParty  map[string]*firstParty    `json:"firstParty"` // by appId
	LastSeq     int64                     `json:"lastSeq"`

	// altKeys finds applications and service principals by the keys that
	// never change once set (an application's appId and uniqueName, a
	// service principal's appId) without a walk over all of them, which
	// made an apply of N applications cost O(N^2) in the emulator. addApp
	// and addSP fill it; a deleted record stays in it until a lookup finds
	// it gone (byAltKey). It is derived, never saved, and built again
	// when nil (after a load).
	altKeys map[string]*record
	// syncing holds the service principals with pending syncs (Pending),
	// so that replicate, which runs before every request, need not walk
	// every principal. Derived like altKeys, and built again when nil.
	syncing map[*record]bool
}

// Kinds of altKeys entries.
const (
	altApp = "application"
	altSP  = "servicePrincipal"
)

// addApp stores a new application, numbering it in creation order.
func (st *tenantState) addApp(r *record) { st.add(altApp, st.Apps, r) }

// addSP stores a new service principal, numbering it in creation order.
func (st *tenantState) addSP(r *record) { st.add(altSP, st.SPs, r) }

func (st *tenantState) add(kind string, m map[string]*record, r *record) {
	st.LastSeq++
	r.Seq = st.LastSeq
	m[str(r.Doc, "id")] = r
	if st.altKeys != nil {
		st.indexAlt(kind, r)
	}
}

// altFields are the immutable alternate keys of each kind.
var altFields = map[string][]string{altApp: {"appId", "uniqueName"}, altSP: {"appId"}}

func altKey(kind, field, value string) string {
	return kind + "\x00" + field + "\x00" + strings.ToLower(value)
}

func (st *tenantState) indexAlt(kind string, r *record) {
	for _, f := range altFields[kind] {
		if v, _ := r.Doc[f].(string); v != "" {
			st.altKeys[altKey(kind, f, v)] = r
		}
	}
}

// byAltKey returns the record of kind whose field (appId, uniqueName) is
// value, case-insensitively, or nil.
func (st *tenantState) byAltKey(kind, field, value string) *record {
	m := st.Apps
	if kind == altSP {
		m = st.SPs
	}
	if st.altKeys == nil {
		st.altKeys = map[string]*record{}
		for _, r := range st.Apps {
			st.indexAlt(altApp, r)
		}
		for _, r := range st.SPs {
			st.indexAlt(altSP, r)
		}
	}
	r := st.altKeys[altKey(kind, field, value)]
	if r == nil || m[str(r.Doc, "id")] != r {
		return nil // never there, or deleted since
	}
	return r
}

// graphServer serves Graph over a tenantState.
type graphServer struct {
	mu      sync.Mutex
	st      *tenantState
	now     func() time.Time
	faults  *faultInjector
	onWrite func()                        // called after every successful write, outside mu
	count   func(route string, http bool) // request counter, set by the Emulator
	// rel indexes the consents by the service principals they name;
	// relGen counts the changes to them (see relIndex).
	rel    *relIndex
	relGen int64
	// issued holds every secretText addPassword returned, in memory only,
	// so tests can scan outputs for leaks (SecretValues).
	issued []string
}

func newGraphServer(now func() time.Time, fi *faultInjector) *graphServer {
	return &graphServer{st: seedTenant(now()), now: now, faults: fi}
}

// visible reports whether a record has replicated: it is older than the
// replication lag (by Options.Now), or seeded.
func (g *graphServer) visible(r *record) bool {
	if r == nil {
		return false
	}
	lag := g.faults.replicationLag()
	return r.Seeded || lag <= 0 || !g.now().Before(r.Created.Add(lag))
}

func (g *graphServer) marshalState() ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return json.Marshal(g.st)
}

func (g *graphServer) unmarshalState(b []byte) error {
	var st tenantState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	fresh := seedTenant(g.now())
	if st.Apps == nil {
		st.Apps = fresh.Apps
	}
	if st.SPs == nil {
		st.SPs = fresh.SPs
	}
	if st.Users == nil {
		st.Users = fresh.Users
	}
	if st.Groups == nil {
		st.Groups = fresh.Groups
	}
	if st.Domains == nil {
		st.Domains = fresh.Domains
	}
	if st.Assignments == nil {
		st.Assignments = map[string]map[string]any{}
	}
	if st.Grants == nil {
		st.Grants = map[string]map[string]any{}
	}
	if st.Deleted == nil {
		st.Deleted = map[string]*deletedRecord{}
	}
	if st.FirstParty == nil {
		st.FirstParty = map[string]*firstParty{}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.st = &st
	g.relationsChanged()
	// The built-in first-party applications are the emulator's, not the
	// tenant's: a state saved by an older emulator takes the current
	// catalogue (its permission ids among them). A service principal a
	// client deleted stays deleted.
	for _, fp := range seedFirstParty() {
		g.putFirstParty(fp, g.now())
	}
	return nil
}

// microsoftTenantID owns Microsoft's first-party applications
// (appOwnerOrganizationId of their service principals).
const microsoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

// derivedID is a fixed id derived from an appId and a value: the id of a
// seed file's service principal, app role or scope that names none.
func derivedID(appID, value string) string {
	ns := uuid.MustParse("6ba7b811-9dad-11d1-80b4-00c04fd430c8") // the URL namespace
	return uuid.NewSHA1(ns, []byte("https://regsync.invalid/emulator/"+appID+"/"+value)).String()
}

// seedTenant builds the fixed tenant: organization, domains, the admin
// user, and the service principals of the first-party apps and of the
// caller.
func seedTenant(now time.Time) *tenantState {
	st := &tenantState{
		Apps:        map[string]*record{},
		SPs:         map[string]*record{},
		Users:       map[string]map[string]any{},
		Groups:      map[string]map[string]any{},
		Assignments: map[string]map[string]any{},
		Grants:      map[string]map[string]any{},
		Deleted:     map[string]*deletedRecord{},
		FirstParty:  seedFirstParty(),
	}
	st.Domains = []map[string]any{
		domainDoc("contoso.onmicrosoft.com", true, true, true),
		domainDoc("contoso.com", false, false, true),
	}
	st.Users[SeedAdminUserID] = map[string]any{
		"id": SeedAdminUserID, "displayName": "Platform Admin",
		"userPrincipalName": "admin@contoso.onmicrosoft.com", "mail": "admin@contoso.onmicrosoft.com",
		"accountEnabled": true, "businessPhones": []any{}, "givenName": "Platform", "surname": "Admin",
		"jobTitle": nil, "mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil,
	}
	seedPeople(st)
	fixedSPIDs := map[string]string{
		MicrosoftGraphApp: "c9a8b7d6-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
		HealthcareAPIsApp: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
		DICOMApp:          "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
		CallerAppID:       CallerSPID,
	}
	for _, appID := range sortedKeys(st.FirstParty) {
		fp := st.FirstParty[appID]
		doc := firstPartySPDoc(fp, fixedSPIDs[appID], now)
		st.addSP(&record{Doc: doc, Created: now, Seeded: true})
	}
	return st
}

func domainDoc(name string, isDefault, isInitial, verified bool) map[string]any {
	return map[string]any{
		"id": name, "authenticationType": "Managed", "availabilityStatus": nil, "isAdminManaged": true,
		"isDefault": isDefault, "isInitial": isInitial, "isRoot": true, "isVerified": verified,
		"passwordNotificationWindowInDays": nil, "passwordValidityPeriodInDays": nil,
		"supportedServices": []any{"Email", "OfficeCommunicationsOnline"}, "state": nil,
	}
}

func firstPartySPDoc(fp *firstParty, id string, now time.Time) map[string]any {
	roles := make([]any, 0, len(fp.AppRoles))
	for _, r := range fp.AppRoles {
		roles = append(roles, deepCopy(r))
	}
	scopes := make([]any, 0, len(fp.Scopes))
	for _, s := range fp.Scopes {
		scopes = append(scopes, deepCopy(s))
	}
	doc := newSPDoc(id, fp.AppID, fp.DisplayName, now)
	doc["appOwnerOrganizationId"] = microsoftTenantID
	doc["signInAudience"] = "AzureADMultipleOrgs"
	doc["appRoles"] = roles
	doc["oauth2PermissionScopes"] = scopes
	if fp.AppID == CallerAppID {
		doc["appOwnerOrganizationId"] = SeedTenantID
		doc["signInAudience"] = "AzureADMyOrg"
	}
	return doc
}

// newSPDoc is a service principal document with the documented defaults.
func newSPDoc(id, appID, name string, now time.Time) map[string]any {
	return map[string]any{
		"id": id, "deletedDateTime": nil, "accountEnabled": true, "addIns": []any{}, "alternativeNames": []any{},
		"appDescription": nil, "appDisplayName": name, "appId": appID, "applicationTemplateId": nil,
		"appOwnerOrganizationId": SeedTenantID, "appRoleAssignmentRequired": false, "appRoles": []any{},
		"createdDateTime": formatTime(now), "description": nil, "disabledByMicrosoftStatus": nil, "displayName": name,
		"homepage": nil, "info": map[string]any{"logoUrl": nil, "marketingUrl": nil, "privacyStatementUrl": nil, "supportUrl": nil, "termsOfServiceUrl": nil},
		"keyCredentials": []any{}, "loginUrl": nil, "logoutUrl": nil, "notes": nil, "notificationEmailAddresses": []any{},
		"oauth2PermissionScopes": []any{}, "passwordCredentials": []any{}, "preferredSingleSignOnMode": nil,
		"preferredTokenSigningKeyThumbprint": nil, "replyUrls": []any{}, "resourceSpecificApplicationPermissions": []any{},
		"samlSingleSignOnSettings": nil, "servicePrincipalNames": []any{appID}, "servicePrincipalType": "Application",
		"signInAudience": "AzureADMyOrg", "tags": []any{}, "tokenEncryptionKeyId": nil,
		"verifiedPublisher": map[string]any{"displayName": nil, "verifiedPublisherId": nil, "addedDateTime": nil},
	}
}

// seedFile is the optional extra seed: first-party service principals,
// users, groups and domains.
type seedFile struct {
	ServicePrincipals []struct {
		firstParty `yaml:",inline"`
		ID         string `json:"id" yaml:"id"`
	} `json:"servicePrincipals" yaml:"servicePrincipals"`
	// AzureResources are Resource Manager ids that exist (read by the ARM
	// part; see armServer.loadSeed).
	AzureResources []string `json:"azureResources" yaml:"azureResources"`
	Users          []struct {
		ID                string `json:"id" yaml:"id"`
		DisplayName       string `json:"displayName" yaml:"displayName"`
		UserPrincipalName string `json:"userPrincipalName" yaml:"userPrincipalName"`
	} `json:"users" yaml:"users"`
	Groups []struct {
		ID          string `json:"id" yaml:"id"`
		DisplayName string `json:"displayName" yaml:"displayName"`
		Description string `json:"description" yaml:"description"`
	} `json:"groups" yaml:"groups"`
	Domains []struct {
		ID         string `json:"id" yaml:"id"`
		IsVerified *bool  `json:"isVerified" yaml:"isVerified"`
	} `json:"domains" yaml:"domains"`
}

// loadSeedFile adds the seed file's objects (JSON or YAML) to the tenant.
// It runs after a persisted state is loaded, so the file as it is now is
// what counts. A service principal entry whose appId is in the catalogue
// already (a built-in one, or one a persisted state holds) replaces that
// entry: the service principal keeps its id, owners and assignments and
// takes the entry's display name, app roles and scopes. An entry may name
// the id of a service principal it creates, and may repeat the id of one
// that exists; another id for an existing one, or an appId listed twice,
// is refused, as is anything else wrong, before the tenant changes.
func (g *graphServer) loadSeedFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading seed file: %w", err)
	}
	var sf seedFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&sf); err != nil {
		return fmt.Errorf("reading seed file %s: %w", path, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	seen := map[string]int{}
	for i, sp := range sf.ServicePrincipals {
		if _, err := uuid.Parse(sp.AppID); err != nil {
			return fmt.Errorf("seed file %s: servicePrincipals[%d]: appId %q is not a GUID", path, i, sp.AppID)
		}
		key := strings.ToLower(sp.AppID)
		if j, dup := seen[key]; dup {
			return fmt.Errorf("seed file %s: servicePrincipals[%d]: appId %s is listed at servicePrincipals[%d] already", path, i, sp.AppID, j)
		}
		seen[key] = i
		if sp.ID == "" {
			continue
		}
		if _, err := uuid.Parse(sp.ID); err != nil {
			return fmt.Errorf("seed file %s: servicePrincipals[%d]: id %q is not a GUID", path, i, sp.ID)
		}
		if existing := g.spByAppID(sp.AppID); existing != nil && !strings.EqualFold(str(existing.Doc, "id"), sp.ID) {
			return fmt.Errorf("seed file %s: servicePrincipals[%d]: the service principal of appId %s exists with id %s; "+
				"a seed entry can replace its permissions but not its id (leave id out, or give %s)",
				path, i, sp.AppID, str(existing.Doc, "id"), str(existing.Doc, "id"))
		}
	}
	for i, u := range sf.Users {
		if _, err := uuid.Parse(u.ID); err != nil {
			return fmt.Errorf("seed file %s: users[%d]: id %q is not a GUID", path, i, u.ID)
		}
	}
	for i, gr := range sf.Groups {
		if _, err := uuid.Parse(gr.ID); err != nil {
			return fmt.Errorf("seed file %s: groups[%d]: id %q is not a GUID", path, i, gr.ID)
		}
		if gr.DisplayName == "" {
			return fmt.Errorf("seed file %s: groups[%d]: displayName is required", path, i)
		}
	}
	now := g.now()
	for _, gr := range sf.Groups {
		id := strings.ToLower(gr.ID)
		g.st.Groups[id] = groupDoc(id, gr.DisplayName, gr.Description)
	}
	for _, sp := range sf.ServicePrincipals {
		fp := sp.firstParty
		for _, r := range fp.AppRoles {
			normaliseSeedEntry(r, true)
		}
		for _, s := range fp.Scopes {
			normaliseSeedEntry(s, false)
		}
		if g.putFirstParty(&fp, now) {
			continue
		}
		id := strings.ToLower(sp.ID)
		if id == "" {
			id = derivedID(fp.AppID, "servicePrincipal")
		}
		g.st.addSP(&record{Doc: firstPartySPDoc(&fp, id, now), Created: now, Seeded: true})
	}
	for _, u := range sf.Users {
		id := strings.ToLower(u.ID)
		g.st.Users[id] = map[string]any{
			"id": id, "displayName": u.DisplayName, "userPrincipalName": u.UserPrincipalName,
			"mail": nil, "accountEnabled": true, "businessPhones": []any{},
		}
	}
	for _, d := range sf.Domains {
		verified := d.IsVerified == nil || *d.IsVerified
		name := strings.ToLower(d.ID)
		if i := g.domainIndex(name); i >= 0 {
			g.st.Domains[i]["isVerified"] = verified
			continue
		}
		g.st.Domains = append(g.st.Domains, domainDoc(name, false, false, verified))
	}
	return nil
}

// putFirstParty makes fp the catalogue entry of its appId and brings the
// service principal of that appId, when there is one, to it: the display
// name, app roles and scopes are fp's, everything else (id, tags, owners,
// assignments, grants) stays. It reports whether there was one. Callers
// hold g.mu.
func (g *graphServer) putFirstParty(fp *firstParty, now time.Time) bool {
	g.st.FirstParty[strings.ToLower(fp.AppID)] = fp
	sp := g.spByAppID(fp.AppID)
	if sp == nil {
		return false
	}
	doc := firstPartySPDoc(fp, str(sp.Doc, "id"), now)
	for _, k := range []string{"appDisplayName", "displayName", "appRoles", "oauth2PermissionScopes"} {
		sp.Doc[k] = doc[k]
	}
	sp.Pending = nil
	return true
}

func (g *graphServer) domainIndex(name string) int {
	for i, d := range g.st.Domains {
		if strings.EqualFold(str(d, "id"), name) {
			return i
		}
	}
	return -1
}

// normaliseSeedEntry fills the defaults of a seeded app role or scope.
func normaliseSeedEntry(m map[string]any, isRole bool) {
	if _, ok := m["isEnabled"]; !ok {
		m["isEnabled"] = true
	}
	if _, ok := m["id"]; !ok {
		m["id"] = derivedID("seed", str(m, "value"))
	}
	if isRole {
		if _, ok := m["allowedMemberTypes"]; !ok {
			m["allowedMemberTypes"] = []any{"Application"}
		}
	} else if _, ok := m["type"]; !ok {
		m["type"] = "User"
	}
	// yaml.v3 decodes nested sequences as []interface{} already; nothing else to do.
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// opaqueID is a random base64url id, the form Graph gives app role
// assignments and permission grants.
func opaqueID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("internal error: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)[:43]
}

// Lookups. Callers hold g.mu.

func (g *graphServer) appByKey(k keyRef) *record {
	if k.alt == "uniqueName" || k.alt == "appId" {
		return g.st.byAltKey(altApp, k.alt, k.value)
	}
	return g.st.Apps[strings.ToLower(k.value)]
}

func (g *graphServer) spByKey(k keyRef) *record {
	if k.alt == "appId" {
		return g.spByAppID(k.value)
	}
	return g.st.SPs[strings.ToLower(k.value)]
}

func (g *graphServer) spByAppID(appID string) *record {
	return g.st.byAltKey(altSP, "appId", appID)
}

// directoryObject finds a user or service principal by id, with its OData
// type name.
func (g *graphServer) directoryObject(id string) (map[string]any, string) {
	id = strings.ToLower(id)
	if u, ok := g.st.Users[id]; ok {
		return u, "#microsoft.graph.user"
	}
	if gr, ok := g.st.Groups[id]; ok {
		return gr, "#microsoft.graph.group"
	}
	if r, ok := g.st.SPs[id]; ok && g.visible(r) {
		return r.Doc, "#microsoft.graph.servicePrincipal"
	}
	if r, ok := g.st.Apps[id]; ok && g.visible(r) {
		return r.Doc, "#microsoft.graph.application"
	}
	return nil, ""
}

func (g *graphServer) verifiedDomains() []string {
	var out []string
	for _, d := range g.st.Domains {
		if v, _ := d["isVerified"].(bool); v {
			out = append(out, strings.ToLower(str(d, "id")))
		}
	}
	sort.Strings(out)
	return out
}

// principalInfo tells the ARM part whether id names a principal of the
// tenant: its type as ARM spells it, whether it exists, and whether it has
// replicated (a user of the seed always has).
func (g *graphServer) principalInfo(id string) (typ string, known, visible bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id = strings.ToLower(id)
	if _, ok := g.st.Users[id]; ok {
		return "User", true, true
	}
	for k := range g.st.Users {
		if strings.EqualFold(k, id) {
			return "User", true, true
		}
	}
	for k := range g.st.Groups {
		if strings.EqualFold(k, id) {
			return "Group", true, true
		}
	}
	if r := g.st.SPs[id]; r != nil {
		return "ServicePrincipal", true, g.visible(r)
	}
	for k, r := range g.st.SPs {
		if strings.EqualFold(k, id) {
			return "ServicePrincipal", true, g.visible(r)
		}
	}
	return "", false, false
}
