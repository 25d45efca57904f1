package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gopkg.in/yaml.v3"
)

// The Azure Resource Manager part of the emulator: what regsync calls of
// Microsoft.Authorization (role definitions and role assignments at a
// scope, api-version 2022-04-01), on the same HTTPS port as Graph and Key
// Vault, under /subscriptions/... as on management.azure.com.
// docs/arm-quirks.md lists the behaviour and its sources.

// Identities of the seeded Azure resources: a subscription with a Health
// Data Services workspace holding a FHIR and a DICOM service.
const (
	SeedSubscriptionID = "6b1f7c3e-2d4a-4e5b-9c6d-7e8f9a0b1c2d"
	SeedResourceGroup  = "/subscriptions/" + SeedSubscriptionID + "/resourceGroups/regsync-local"
	SeedWorkspace      = SeedResourceGroup + "/providers/Microsoft.HealthcareApis/workspaces/hds"
	SeedFHIRService    = SeedWorkspace + "/fhirservices/fhir"
	SeedDICOMService   = SeedWorkspace + "/dicomservices/dicom"
)

// builtInRole is a role definition the emulator serves at every scope.
type builtInRole struct {
	guid, name, description string
	dataActions             []string
}

// builtInRoles are the Health Data Services data roles and the three
// general roles, with the ids Microsoft publishes in its built-in roles
// reference (docs/arm-quirks.md cites it for each).
var builtInRoles = []builtInRole{
	{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", "Full access to manage all resources, including assigning roles.", nil},
	{"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", "Full access to manage all resources, without assigning roles.", nil},
	{"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", "View all resources, without changing them.", nil},
	{"f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator", "Manage access to Azure resources by assigning roles.", nil},
	{"4c8d0bbc-75d3-4935-991f-5f3c56d81508", "FHIR Data Reader", "Read and search FHIR data.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/resources/read"}},
	{"3f88fce4-5892-4214-ae73-ba5294559913", "FHIR Data Writer", "Read, write and soft-delete FHIR data.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/resources/*"}},
	{"5a1fc7df-4bf1-4951-a576-89034ee01acd", "FHIR Data Contributor", "Every data-plane operation on FHIR data.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/*"}},
	{"3db33094-8700-4567-8da5-1501d4e7e843", "FHIR Data Exporter", "Read and export FHIR data.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/resources/export/action"}},
	{"4465e953-8ced-4406-a58e-0f6e3f3b530b", "FHIR Data Importer", "Read and import FHIR data.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/resources/import/action"}},
	{"a1705bd2-3a8f-45a5-8683-466fcfd5cc24", "FHIR Data Converter", "Convert data from legacy formats to FHIR.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/resources/convertData/action"}},
	{"4ba50f17-9666-485c-a643-ff00808643f0", "FHIR SMART User", "Access FHIR data as the SMART on FHIR specification allows.", []string{"Microsoft.HealthcareApis/workspaces/fhirservices/resources/smart/action"}},
	{"58a3b984-7adf-4c20-983a-32417c86fbc8", "DICOM Data Owner", "Full access to DICOM data.", []string{"Microsoft.HealthcareApis/workspaces/dicomservices/resources/*"}},
	{"e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a", "DICOM Data Reader", "Read and search DICOM data.", []string{"Microsoft.HealthcareApis/workspaces/dicomservices/resources/read"}},
}

func roleByGUID(guid string) *builtInRole {
	for i := range builtInRoles {
		if strings.EqualFold(builtInRoles[i].guid, guid) {
			return &builtInRoles[i]
		}
	}
	return nil
}

// armAssignment is one role assignment as the emulator keeps it.
type armAssignment struct {
	Name             string    `json:"name"`
	Scope            string    `json:"scope"`
	RoleDefinitionID string    `json:"roleDefinitionId"`
	PrincipalID      string    `json:"principalId"`
	PrincipalType    string    `json:"principalType"`
	Description      string    `json:"description,omitempty"`
	CreatedOn        time.Time `json:"createdOn"`
}

func (a *armAssignment) id() string {
	return a.Scope + "/providers/Microsoft.Authorization/roleAssignments/" + a.Name
}

// armState is what the ARM part persists: the resources that exist and
// the role assignments.
type armState struct {
	Resources   []string                  `json:"resources"`
	Assignments map[string]*armAssignment `json:"assignments"` // by lower-case id
}

// armServer serves the authorization provider over armState. principal
// tells whether an object id names a user, group or service principal of
// the emulated tenant, its type, and whether it has replicated.
type armServer struct {
	mu        sync.Mutex
	st        *armState
	now       func() time.Time
	principal func(id string) (typ string, known, visible bool)
	onWrite   func()
}

func newARMServer(now func() time.Time) *armServer {
	a := &armServer{st: &armState{Assignments: map[string]*armAssignment{}}, now: now}
	a.st.Resources = []string{SeedFHIRService, SeedDICOMService}
	// The subscription's Owner: an assignment every listing below it
	// inherits and regsync must leave alone.
	owner := &armAssignment{Name: "0c9e7d55-9c2f-4b7e-8a51-1f0f2a3b4c5d", Scope: "/subscriptions/" + SeedSubscriptionID,
		RoleDefinitionID: "/subscriptions/" + SeedSubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
		PrincipalID:      SeedAdminUserID, PrincipalType: "User", CreatedOn: now().UTC()}
	a.st.Assignments[strings.ToLower(owner.id())] = owner
	return a
}

func normScope(s string) string { return "/" + strings.Trim(strings.ToLower(s), "/") }

// exists reports whether scope is a resource of the state or a parent of
// one (a workspace, a resource group, the subscription).
func (a *armServer) exists(scope string) bool {
	n := normScope(scope)
	for _, r := range a.st.Resources {
		rn := normScope(r)
		if rn == n || strings.HasPrefix(rn, n+"/") {
			return true
		}
	}
	return false
}

func (a *armServer) marshalState() ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return json.Marshal(a.st)
}

func (a *armServer) unmarshalState(b []byte) error {
	var st armState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	if st.Assignments == nil {
		st.Assignments = map[string]*armAssignment{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st = &st
	return nil
}

// loadSeed adds the seed file's azureResources (resource ids) to the
// resources that exist.
func (a *armServer) loadSeed(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading seed file: %w", err)
	}
	var sf struct {
		AzureResources []string `yaml:"azureResources"`
	}
	if err := yaml.Unmarshal(b, &sf); err != nil {
		return fmt.Errorf("reading seed file %s: %w", path, err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, r := range sf.AzureResources {
		if !strings.HasPrefix(strings.ToLower(r), "/subscriptions/") {
			return fmt.Errorf("seed file %s: azureResources[%d]: %q is not a resource id (/subscriptions/...)", path, i, r)
		}
		if !a.exists(r) || !containsFold(a.st.Resources, r) {
			a.st.Resources = append(a.st.Resources, strings.TrimRight(r, "/"))
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if normScope(v) == normScope(s) {
			return true
		}
	}
	return false
}

// isARMPath reports whether a request path is Resource Manager's.
func isARMPath(p string) bool {
	lp := strings.ToLower(p)
	return strings.HasPrefix(lp, "/subscriptions/") || strings.HasPrefix(lp, "/providers/microsoft.authorization/")
}

// armRoute splits an authorization path into the scope, the collection
// ("roleAssignments" or "roleDefinitions") and the item name (may be
// empty), and gives the route template Stats counts it under.
func armRoute(p string) (scope, collection, name, template string, ok bool) {
	lp := strings.ToLower(p)
	const marker = "/providers/microsoft.authorization/"
	i := strings.LastIndex(lp, marker)
	if i < 0 {
		return "", "", "", "/{scope}", false
	}
	scope = strings.TrimRight(p[:i], "/")
	rest := strings.Split(strings.Trim(p[i+len(marker):], "/"), "/")
	switch strings.ToLower(rest[0]) {
	case "roleassignments":
		collection = "roleAssignments"
	case "roledefinitions":
		collection = "roleDefinitions"
	default:
		return scope, "", "", "/{scope}/providers/Microsoft.Authorization/" + rest[0], false
	}
	template = "/{scope}/providers/Microsoft.Authorization/" + collection
	if len(rest) > 2 {
		return scope, collection, "", template + "/{name}/...", false
	}
	if len(rest) == 2 {
		name = rest[1]
		template += "/{name}"
	}
	return scope, collection, name, template, true
}

// armError writes Resource Manager's error document.
func armError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": message}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-failure-cause", "gateway")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func armJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serveARM applies the counter, latency, the token check, the outage, the
// denied scopes, the throttle, random 5xx and lost answers around the
// authorization handler, as serveGraph does for Graph.
func (e *Emulator) serveARM(w http.ResponseWriter, r *http.Request) {
	scope, collection, name, template, ok := armRoute(r.URL.Path)
	route := r.Method + " " + template
	e.count(route, true)
	e.sleepLatency(r)
	w = e.padded(w, r)
	if _, good := e.bearerOK(r); !good {
		armError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed: the Authorization header is missing or its bearer token is not one this server accepts.")
		return
	}
	f := e.faults.get()
	if f.ARMOutage {
		w.Header().Set("Retry-After", e.faults.retryAfterHeader())
		armError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Azure Resource Manager is unavailable (emulated outage).")
		return
	}
	if !ok {
		armError(w, http.StatusNotFound, "InvalidResourceType", fmt.Sprintf("The emulator serves only roleAssignments and roleDefinitions of Microsoft.Authorization; %s is not one of them.", r.URL.Path))
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	for _, d := range f.ARMDeniedScopes {
		if n, s := normScope(d), normScope(scope); s == n || strings.HasPrefix(s, n+"/") {
			action := "Microsoft.Authorization/" + collection + "/read"
			if r.Method == http.MethodPut {
				action = "Microsoft.Authorization/" + collection + "/write"
			} else if r.Method == http.MethodDelete {
				action = "Microsoft.Authorization/" + collection + "/delete"
			}
			armError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf(
				"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
				CallerAppID, CallerSPID, action, scope))
			return
		}
	}
	if good, after := e.faults.take(); !good {
		w.Header().Set("Retry-After", strconv.Itoa(after))
		armError(w, http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled; retry after the time in Retry-After.")
		return
	}
	if status := e.faults.injectedError(); status != 0 {
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", e.faults.retryAfterHeader())
		}
		armError(w, status, http.StatusText(status), "Injected failure from the emulator.")
		return
	}
	if e.faults.lostAnswer(r.Method, route) {
		e.arm.serve(&discardWriter{}, r, scope, collection, name)
		e.persist()
		armError(w, http.StatusGatewayTimeout, "GatewayTimeout", "The gateway did not receive a response within the time limit (the emulator carried out the write and dropped its answer).")
		return
	}
	e.arm.serve(w, r, scope, collection, name)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		e.persist()
	}
}

func (a *armServer) serve(w http.ResponseWriter, r *http.Request, scope, collection, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.exists(scope) {
		armError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The resource '%s' was not found.", scope))
		return
	}
	switch {
	case collection == "roleDefinitions" && name == "" && r.Method == http.MethodGet:
		a.listDefinitions(w, scope)
	case collection == "roleDefinitions" && r.Method == http.MethodGet:
		role := roleByGUID(name)
		if role == nil {
			armError(w, http.StatusNotFound, "RoleDefinitionDoesNotExist", fmt.Sprintf("The specified role definition with ID '%s' does not exist.", name))
			return
		}
		armJSON(w, http.StatusOK, definitionDoc(scope, role))
	case collection == "roleAssignments" && name == "" && r.Method == http.MethodGet:
		a.listAssignments(w, r, scope)
	case collection == "roleAssignments" && name != "" && r.Method == http.MethodGet:
		x := a.st.Assignments[strings.ToLower(scope+"/providers/Microsoft.Authorization/roleAssignments/"+name)]
		if x == nil {
			armError(w, http.StatusNotFound, "RoleAssignmentNotFound", fmt.Sprintf("The role assignment '%s' is not found.", name))
			return
		}
		armJSON(w, http.StatusOK, assignmentDoc(x))
	case collection == "roleAssignments" && name != "" && r.Method == http.MethodPut:
		a.create(w, r, scope, name)
	case collection == "roleAssignments" && name != "" && r.Method == http.MethodDelete:
		key := strings.ToLower(scope + "/providers/Microsoft.Authorization/roleAssignments/" + name)
		x := a.st.Assignments[key]
		if x == nil {
			// Deleting what is not there succeeds with no content.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		delete(a.st.Assignments, key)
		armJSON(w, http.StatusOK, assignmentDoc(x))
	default:
		w.Header().Set("Allow", "GET, PUT, DELETE")
		armError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", fmt.Sprintf("%s is not supported on %s.", r.Method, r.URL.Path))
	}
}

// subscriptionOf is /subscriptions/<id> of a scope, or "".
func subscriptionOf(scope string) string {
	segs := strings.Split(strings.Trim(scope, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "subscriptions") {
		return "/subscriptions/" + segs[1]
	}
	return ""
}

func definitionDoc(scope string, r *builtInRole) map[string]any {
	actions := r.dataActions
	if actions == nil {
		actions = []string{}
	}
	return map[string]any{
		"id":   subscriptionOf(scope) + "/providers/Microsoft.Authorization/roleDefinitions/" + r.guid,
		"name": r.guid,
		"type": "Microsoft.Authorization/roleDefinitions",
		"properties": map[string]any{
			"roleName":         r.name,
			"type":             "BuiltInRole",
			"description":      r.description,
			"assignableScopes": []string{"/"},
			"permissions":      []map[string]any{{"actions": []string{}, "notActions": []string{}, "dataActions": actions, "notDataActions": []string{}}},
		},
	}
}

func (a *armServer) listDefinitions(w http.ResponseWriter, scope string) {
	out := make([]map[string]any, 0, len(builtInRoles))
	for i := range builtInRoles {
		out = append(out, definitionDoc(scope, &builtInRoles[i]))
	}
	armJSON(w, http.StatusOK, map[string]any{"value": out})
}

func assignmentDoc(x *armAssignment) map[string]any {
	var desc any
	if x.Description != "" {
		desc = x.Description
	}
	return map[string]any{
		"id":   x.id(),
		"name": x.Name,
		"type": "Microsoft.Authorization/roleAssignments",
		"properties": map[string]any{
			"roleDefinitionId": x.RoleDefinitionID,
			"principalId":      x.PrincipalID,
			"principalType":    x.PrincipalType,
			"scope":            x.Scope,
			"condition":        nil,
			"conditionVersion": nil,
			"description":      desc,
			"createdOn":        x.CreatedOn.UTC().Format(time.RFC3339Nano),
			"updatedOn":        x.CreatedOn.UTC().Format(time.RFC3339Nano),
			"createdBy":        CallerSPID,
			"updatedBy":        CallerSPID,
		},
	}
}

// listAssignments lists the assignments that apply at scope: with
// $filter=atScope() those at the scope and above it; with principalId eq
// '<id>' those of that principal at, above and below it; with no filter
// all of them at, above and below.
func (a *armServer) listAssignments(w http.ResponseWriter, r *http.Request, scope string) {
	filter := strings.TrimSpace(rawQueryParam(r.URL.RawQuery, "$filter"))
	atScope, principal := false, ""
	switch {
	case filter == "":
	case strings.EqualFold(filter, "atScope()"):
		atScope = true
	case strings.HasPrefix(strings.ToLower(filter), "principalid eq "):
		principal = strings.Trim(strings.TrimSpace(filter[len("principalId eq "):]), "'")
	default:
		armError(w, http.StatusBadRequest, "UnsupportedQuery", fmt.Sprintf("The filter '%s' is not supported. Use atScope() or principalId eq '{id}'.", filter))
		return
	}
	n := normScope(scope)
	var out []*armAssignment
	for _, x := range a.st.Assignments {
		at := normScope(x.Scope)
		above := at == n || strings.HasPrefix(n, at+"/")
		below := strings.HasPrefix(at, n+"/")
		switch {
		case atScope && !above:
			continue
		case !atScope && !above && !below:
			continue
		case principal != "" && !strings.EqualFold(principal, x.PrincipalID):
			continue
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].id()) < strings.ToLower(out[j].id()) })
	docs := make([]map[string]any, 0, len(out))
	for _, x := range out {
		docs = append(docs, assignmentDoc(x))
	}
	armJSON(w, http.StatusOK, map[string]any{"value": docs})
}

// rawQueryParam reads a parameter from a raw query the way ARM does: the
// SDK appends $filter unencoded (quotes, parentheses, spaces as %20).
func rawQueryParam(raw, key string) string {
	for _, part := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k == key || k == url.QueryEscape(key) {
			if u, err := url.QueryUnescape(v); err == nil {
				return u
			}
			return v
		}
	}
	return ""
}

// create is PUT .../roleAssignments/{name}: the name must be a GUID, the
// role a definition of the emulator, the principal one of the tenant.
// A principal that has not replicated yet is PrincipalNotFound unless the
// request gives principalType, which tells ARM not to look it up. The
// same name again, or the same role and principal at the scope under
// another name, is 409 RoleAssignmentExists.
func (a *armServer) create(w http.ResponseWriter, r *http.Request, scope, name string) {
	if _, err := uuid.Parse(name); err != nil || len(name) != 36 {
		armError(w, http.StatusBadRequest, "InvalidRoleAssignmentId", fmt.Sprintf("The role assignment ID '%s' is not valid. The role assignment ID must be a GUID.", name))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		armError(w, http.StatusBadRequest, "InvalidRequestContent", "The request body could not be read.")
		return
	}
	var req struct {
		Properties struct {
			RoleDefinitionID string `json:"roleDefinitionId"`
			PrincipalID      string `json:"principalId"`
			PrincipalType    string `json:"principalType"`
			Description      string `json:"description"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		armError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	p := req.Properties
	segs := strings.Split(strings.Trim(p.RoleDefinitionID, "/"), "/")
	role := roleByGUID(segs[len(segs)-1])
	if role == nil || !strings.Contains(strings.ToLower(p.RoleDefinitionID), "/providers/microsoft.authorization/roledefinitions/") {
		armError(w, http.StatusBadRequest, "RoleDefinitionDoesNotExist", fmt.Sprintf("The specified role definition with ID '%s' does not exist.", p.RoleDefinitionID))
		return
	}
	if _, err := uuid.Parse(p.PrincipalID); err != nil {
		armError(w, http.StatusBadRequest, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.")
		return
	}
	switch p.PrincipalType {
	case "", "User", "Group", "ServicePrincipal", "ForeignGroup", "Device":
	default:
		armError(w, http.StatusBadRequest, "InvalidPrincipalType", fmt.Sprintf("The principal type '%s' is not valid.", p.PrincipalType))
		return
	}
	typ, known, visible := "", false, false
	if a.principal != nil {
		typ, known, visible = a.principal(p.PrincipalID)
	}
	switch {
	case !known || (!visible && p.PrincipalType == ""):
		armError(w, http.StatusBadRequest, "PrincipalNotFound", fmt.Sprintf(
			"Principal %s does not exist in the directory %s. If it was created moments ago, this may be replication delay: give the role assignment a principalType (User, Group or ServicePrincipal).",
			strings.ReplaceAll(p.PrincipalID, "-", ""), SeedTenantID))
		return
	case p.PrincipalType != "" && !strings.EqualFold(p.PrincipalType, typ):
		armError(w, http.StatusBadRequest, "UnmatchedPrincipalType", fmt.Sprintf("The PrincipalType %s does not match the type %s of principal %s.", p.PrincipalType, typ, p.PrincipalID))
		return
	}
	x := &armAssignment{Name: strings.ToLower(name), Scope: scope, RoleDefinitionID: p.RoleDefinitionID, PrincipalID: strings.ToLower(p.PrincipalID),
		PrincipalType: typ, Description: p.Description, CreatedOn: a.now().UTC()}
	key := strings.ToLower(x.id())
	if have := a.st.Assignments[key]; have != nil {
		if strings.EqualFold(have.PrincipalID, x.PrincipalID) && strings.EqualFold(segs[len(segs)-1], lastSeg(have.RoleDefinitionID)) {
			armError(w, http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
			return
		}
		armError(w, http.StatusBadRequest, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		return
	}
	for _, have := range a.st.Assignments {
		if normScope(have.Scope) == normScope(scope) && strings.EqualFold(have.PrincipalID, x.PrincipalID) &&
			strings.EqualFold(lastSeg(have.RoleDefinitionID), role.guid) {
			armError(w, http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
			return
		}
	}
	a.st.Assignments[key] = x
	armJSON(w, http.StatusCreated, assignmentDoc(x))
}

func lastSeg(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	return strings.ToLower(segs[len(segs)-1])
}

// AddRoleAssignment puts an assignment in place as a person in the portal
// would (tests use it for drift); its name is a new random GUID.
func (e *Emulator) AddRoleAssignment(scope, roleGUID, principalID, principalType string) string {
	e.arm.mu.Lock()
	x := &armAssignment{Name: uuid.NewString(), Scope: strings.TrimRight(scope, "/"),
		RoleDefinitionID: subscriptionOf(scope) + "/providers/Microsoft.Authorization/roleDefinitions/" + strings.ToLower(roleGUID),
		PrincipalID:      strings.ToLower(principalID), PrincipalType: principalType, CreatedOn: e.now().UTC()}
	e.arm.st.Assignments[strings.ToLower(x.id())] = x
	e.arm.mu.Unlock()
	e.persist()
	return x.Name
}

// RemoveRoleAssignments deletes every assignment of principalID at scope
// itself, as by hand, and returns how many there were.
func (e *Emulator) RemoveRoleAssignments(scope, principalID string) int {
	e.arm.mu.Lock()
	n := 0
	for k, x := range e.arm.st.Assignments {
		if normScope(x.Scope) == normScope(scope) && strings.EqualFold(x.PrincipalID, principalID) {
			delete(e.arm.st.Assignments, k)
			n++
		}
	}
	e.arm.mu.Unlock()
	e.persist()
	return n
}

// RoleAssignmentCount is the number of role assignments made at scope
// itself (inherited ones not counted).
func (e *Emulator) RoleAssignmentCount(scope string) int {
	e.arm.mu.Lock()
	defer e.arm.mu.Unlock()
	n := 0
	for _, x := range e.arm.st.Assignments {
		if normScope(x.Scope) == normScope(scope) {
			n++
		}
	}
	return n
}
