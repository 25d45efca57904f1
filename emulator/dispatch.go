package emulator

import (
	"net/http"
	"strings"
)

// serve dispatches one Graph request (also one $batch item). Writes take the
// tenant lock, and the state is saved once the lock is released.
func (g *graphServer) serve(w http.ResponseWriter, r *http.Request, ctx *graphCtx, rt graphRoute) {
	if rt.pattern == "" {
		ctx.writeError(w, gerr(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+lastSegment(r.URL.Path)+"'."))
		return
	}
	if rt.pattern == "$batch" {
		if r.Method != http.MethodPost {
			ctx.writeError(w, methodNotAllowed())
			return
		}
		g.serveBatch(w, r, ctx)
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		var err *graphError
		body, err = readBody(r)
		if err != nil {
			ctx.writeError(w, err)
			return
		}
	}
	g.mu.Lock()
	status, out, err := g.handle(r, ctx, rt, body)
	g.mu.Unlock()
	if err != nil {
		ctx.writeError(w, err)
		return
	}
	if !readsOnly(r.Method, rt.pattern) && g.onWrite != nil {
		g.onWrite()
	}
	if status == http.StatusNoContent {
		ctx.writeNoContent(w)
		return
	}
	ctx.writeJSON(w, status, out)
}

func lastSegment(p string) string {
	p = strings.TrimSuffix(p, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

func methodNotAllowed() *graphError {
	return gerr(http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
}

// handle runs the operation under g.mu and returns status and body.
func (g *graphServer) handle(r *http.Request, ctx *graphCtx, rt graphRoute, body map[string]any) (int, any, *graphError) {
	g.replicate()
	m := r.Method
	k := rt.keys
	switch rt.pattern {
	case "applications":
		switch m {
		case http.MethodGet:
			return g.listApplications(r, ctx)
		case http.MethodPost:
			return g.createApplication(ctx, body)
		}
	case "applications/{id}":
		switch m {
		case http.MethodGet:
			return g.getApplication(r, ctx, k[0])
		case http.MethodPatch:
			if k[0].alt == "uniqueName" {
				return g.upsertApplication(r, ctx, k[0], body)
			}
			return g.patchApplication(ctx, k[0], body)
		case http.MethodDelete:
			return g.deleteApplication(ctx, k[0])
		}
	case "applications/{id}/addPassword":
		if m == http.MethodPost {
			return g.addPassword(ctx, k[0], body)
		}
	case "applications/{id}/removePassword":
		if m == http.MethodPost {
			return g.removePassword(ctx, k[0], body)
		}
	case "applications/{id}/owners":
		if m == http.MethodGet {
			return g.listOwners(r, ctx, k[0], true)
		}
	case "applications/{id}/owners/$ref":
		if m == http.MethodPost {
			return g.addOwner(ctx, k[0], body)
		}
		if m == http.MethodDelete {
			id := r.URL.Query().Get("$id")
			if id == "" {
				id = r.URL.Query().Get("@id")
			}
			return g.removeOwner(ctx, k[0], refID(id))
		}
	case "applications/{id}/owners/{ownerId}/$ref":
		if m == http.MethodDelete {
			return g.removeOwner(ctx, k[0], k[1].value)
		}
	case "applications/{id}/federatedIdentityCredentials":
		switch m {
		case http.MethodGet:
			return g.listFICs(r, ctx, k[0])
		case http.MethodPost:
			return g.createFIC(ctx, k[0], body)
		}
	case "applications/{id}/federatedIdentityCredentials/{ficId}":
		switch m {
		case http.MethodGet:
			return g.getFIC(ctx, k[0], k[1])
		case http.MethodPatch:
			return g.patchFIC(ctx, k[0], k[1], body)
		case http.MethodDelete:
			return g.deleteFIC(ctx, k[0], k[1])
		}
	case "servicePrincipals":
		switch m {
		case http.MethodGet:
			return g.listServicePrincipals(r, ctx)
		case http.MethodPost:
			return g.createServicePrincipal(ctx, body)
		}
	case "servicePrincipals/{id}":
		switch m {
		case http.MethodGet:
			return g.getServicePrincipal(r, ctx, k[0])
		case http.MethodPatch:
			return g.patchServicePrincipal(ctx, k[0], body)
		case http.MethodDelete:
			return g.deleteServicePrincipal(ctx, k[0])
		}
	case "servicePrincipals/{id}/addPassword":
		if m == http.MethodPost {
			rec, err := g.liveSP(k[0])
			if err != nil {
				return 0, nil, err
			}
			return g.addPasswordTo(ctx, rec, body)
		}
	case "servicePrincipals/{id}/removePassword":
		if m == http.MethodPost {
			rec, err := g.liveSP(k[0])
			if err != nil {
				return 0, nil, err
			}
			return g.removePasswordFrom(rec, body)
		}
	case "servicePrincipals/{id}/owners":
		if m == http.MethodGet {
			return g.listOwners(r, ctx, k[0], false)
		}
	case "servicePrincipals/{id}/appRoleAssignedTo", "servicePrincipals/{id}/appRoleAssignments":
		resourceView := strings.HasSuffix(rt.pattern, "appRoleAssignedTo")
		switch m {
		case http.MethodGet:
			return g.listAssignments(r, ctx, k[0], resourceView)
		case http.MethodPost:
			return g.createAssignment(ctx, k[0], resourceView, body)
		}
	case "servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}", "servicePrincipals/{id}/appRoleAssignments/{assignmentId}":
		resourceView := strings.Contains(rt.pattern, "appRoleAssignedTo")
		switch m {
		case http.MethodGet:
			return g.getAssignment(ctx, k[0], k[1].value, resourceView)
		case http.MethodDelete:
			return g.deleteAssignment(ctx, k[0], k[1].value, resourceView)
		}
	case "oauth2PermissionGrants":
		switch m {
		case http.MethodGet:
			return g.listGrants(r, ctx)
		case http.MethodPost:
			return g.createGrant(ctx, body)
		}
	case "oauth2PermissionGrants/{id}":
		switch m {
		case http.MethodGet:
			return g.getGrant(ctx, k[0].value)
		case http.MethodPatch:
			return g.patchGrant(ctx, k[0].value, body)
		case http.MethodDelete:
			return g.deleteGrant(ctx, k[0].value)
		}
	case "domains":
		if m == http.MethodGet {
			return g.listDomains(r, ctx)
		}
	case "domains/{id}":
		if m == http.MethodGet {
			return g.getDomain(ctx, k[0].value)
		}
	case "organization":
		if m == http.MethodGet {
			return http.StatusOK, map[string]any{"@odata.context": ctx.base + "/$metadata#organization", "value": []any{g.organizationDoc()}}, nil
		}
	case "organization/{id}":
		if m == http.MethodGet {
			if !strings.EqualFold(k[0].value, SeedTenantID) {
				return 0, nil, notFound(k[0].value)
			}
			doc := g.organizationDoc()
			doc["@odata.context"] = ctx.base + "/$metadata#organization/$entity"
			return http.StatusOK, doc, nil
		}
	case "users":
		if m == http.MethodGet {
			return g.listUsers(r, ctx)
		}
	case "users/{id}":
		id, u := g.userByKey(k[0].value)
		if u == nil {
			return 0, nil, notFound(k[0].value)
		}
		switch m {
		case http.MethodGet:
			doc := copyDoc(u)
			doc["@odata.context"] = ctx.base + "/$metadata#users/$entity"
			return http.StatusOK, doc, nil
		case http.MethodDelete:
			return g.deletePrincipal(g.st.Users, id)
		}
	case "groups":
		if m == http.MethodGet {
			return g.listGroups(r, ctx)
		}
	case "groups/{id}":
		switch m {
		case http.MethodGet:
			return g.getGroup(ctx, k[0].value)
		case http.MethodDelete:
			return g.deletePrincipal(g.st.Groups, k[0].value)
		}
	case "directoryObjects/getByIds":
		if m == http.MethodPost {
			return g.getByIds(ctx, body)
		}
	case "directoryObjects/{id}":
		if m == http.MethodGet {
			d, typ := g.directoryObject(k[0].value)
			if d == nil {
				return 0, nil, notFound(k[0].value)
			}
			doc := copyDoc(d)
			doc["@odata.type"] = typ
			doc["@odata.context"] = ctx.base + "/$metadata#directoryObjects/$entity"
			return http.StatusOK, g.publicDoc(doc), nil
		}
	case "directory/deletedItems/microsoft.graph.application", "directory/deletedItems/microsoft.graph.servicePrincipal":
		if m == http.MethodGet {
			return g.listDeleted(r, ctx, strings.TrimPrefix(rt.pattern, "directory/deletedItems/microsoft.graph."))
		}
	case "directory/deletedItems/{id}":
		switch m {
		case http.MethodGet:
			d, ok := g.st.Deleted[strings.ToLower(k[0].value)]
			if !ok {
				return 0, nil, notFound(k[0].value)
			}
			doc := copyDoc(d.Doc)
			doc["@odata.type"] = "#microsoft.graph." + d.Type
			doc["@odata.context"] = ctx.base + "/$metadata#directoryObjects/$entity"
			return http.StatusOK, g.publicDoc(doc), nil
		case http.MethodDelete:
			if _, ok := g.st.Deleted[strings.ToLower(k[0].value)]; !ok {
				return 0, nil, notFound(k[0].value)
			}
			delete(g.st.Deleted, strings.ToLower(k[0].value))
			return http.StatusNoContent, nil, nil
		}
	default:
		panic("internal error: no handler for route " + rt.pattern)
	}
	return 0, nil, methodNotAllowed()
}

// refID takes the object id from an @odata.id reference URL such as
// https://graph.microsoft.com/v1.0/directoryObjects/{id}.
func refID(ref string) string {
	ref = strings.TrimSuffix(strings.TrimSpace(ref), "/")
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	if m := altKeySegment.FindStringSubmatch(ref); m != nil {
		return m[3]
	}
	if i := strings.Index(ref, "('"); i >= 0 && strings.HasSuffix(ref, "')") {
		return ref[i+2 : len(ref)-2]
	}
	return ref
}

func (g *graphServer) organizationDoc() map[string]any {
	var vds []any
	for _, d := range g.st.Domains {
		if v, _ := d["isVerified"].(bool); !v {
			continue
		}
		caps := "None"
		if d["isInitial"] == true {
			caps = "Email, OfficeCommunicationsOnline"
		}
		vds = append(vds, map[string]any{
			"capabilities": caps, "isDefault": d["isDefault"], "isInitial": d["isInitial"],
			"name": d["id"], "type": "Managed",
		})
	}
	return map[string]any{
		"id": SeedTenantID, "deletedDateTime": nil, "displayName": "Contoso", "tenantType": "AAD",
		"countryLetterCode": "US", "preferredLanguage": "en", "createdDateTime": "2020-01-01T00:00:00Z",
		"businessPhones": []any{}, "city": nil, "country": nil, "postalCode": nil, "state": nil, "street": nil,
		"technicalNotificationMails": []any{"admin@contoso.onmicrosoft.com"}, "securityComplianceNotificationMails": []any{},
		"assignedPlans": []any{}, "provisionedPlans": []any{}, "privacyProfile": nil,
		"onPremisesSyncEnabled": nil, "verifiedDomains": vds,
	}
}

var domainSpec = collectionSpec{entitySet: "domains", typeName: "Domain", t: obj("domain", map[string]*ptype{
	"id": tString, "authenticationType": tString, "availabilityStatus": tString, "isAdminManaged": tBool,
	"isDefault": tBool, "isInitial": tBool, "isRoot": tBool, "isVerified": tBool,
	"passwordNotificationWindowInDays": tInt, "passwordValidityPeriodInDays": tInt,
	"supportedServices": arr(tString), "state": tAny,
}), filterable: map[string]bool{}}

func (g *graphServer) listDomains(r *http.Request, ctx *graphCtx) (int, any, *graphError) {
	q, err := parseQuery(r, domainSpec, true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, page(ctx, r, q, domainSpec, g.st.Domains, copyDoc), nil
}

func (g *graphServer) getDomain(ctx *graphCtx, id string) (int, any, *graphError) {
	for _, d := range g.st.Domains {
		if strings.EqualFold(str(d, "id"), id) {
			doc := copyDoc(d)
			doc["@odata.context"] = ctx.base + "/$metadata#domains/$entity"
			return http.StatusOK, doc, nil
		}
	}
	return 0, nil, notFound(id)
}

var userSpec = collectionSpec{entitySet: "users", typeName: "User", t: obj("user", map[string]*ptype{
	"id": tString, "displayName": tString, "userPrincipalName": tString, "mail": tString,
	"accountEnabled": tBool, "businessPhones": arr(tString), "givenName": tString, "surname": tString,
	"jobTitle": tString, "mobilePhone": tString, "officeLocation": tString, "preferredLanguage": tString,
}), filterable: map[string]bool{"id": true, "displayName": true, "userPrincipalName": true, "mail": true}}

func (g *graphServer) listUsers(r *http.Request, ctx *graphCtx) (int, any, *graphError) {
	q, err := parseQuery(r, userSpec, true)
	if err != nil {
		return 0, nil, err
	}
	var docs []map[string]any
	for _, id := range sortedKeys(g.st.Users) {
		docs = append(docs, g.st.Users[id])
	}
	return http.StatusOK, page(ctx, r, q, userSpec, docs, copyDoc), nil
}
