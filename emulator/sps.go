package emulator

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

var servicePrincipalSpec = collectionSpec{
	entitySet: "servicePrincipals", typeName: "ServicePrincipal", t: servicePrincipalType,
	filterable: map[string]bool{
		"appId": true, "id": true, "displayName": true, "tags": true, "servicePrincipalNames": true,
		"appRoleAssignmentRequired": true, "accountEnabled": true, "servicePrincipalType": true,
		"appOwnerOrganizationId": true,
	},
	orderable: map[string]bool{"displayName": true},
	// appRoleAssignments: "Supports $expand" in the servicePrincipal
	// resource's relationships (resources/serviceprincipal.md).
	expandable: map[string]bool{"owners": true, "appRoleAssignments": true},
}

func (g *graphServer) spShape(r *record, expand []string) map[string]any {
	doc := hideKeys(copyDoc(r.Doc))
	for _, e := range expand {
		switch e {
		case "owners":
			doc["owners"] = expanded(g.ownerDocs(r.Owners))
		case "appRoleAssignments":
			// The assignments the principal holds, the first maxExpanded.
			held := g.assignmentsWhere("principalId", str(r.Doc, "id"))
			out := make([]any, 0, len(held))
			for _, a := range held {
				out = append(out, copyDoc(a))
			}
			doc["appRoleAssignments"] = expanded(out)
		default:
			panic("internal error: unexpected $expand " + e)
		}
	}
	return doc
}

func (g *graphServer) liveSP(k keyRef) (*record, *graphError) {
	r := g.spByKey(k)
	if r == nil || !g.visible(r) {
		return nil, notFound(k.value)
	}
	return r, nil
}

func (g *graphServer) listServicePrincipals(r *http.Request, ctx *graphCtx) (int, any, *graphError) {
	q, err := parseQuery(r, servicePrincipalSpec, true)
	if err != nil {
		return 0, nil, err
	}
	recs := g.byCreation(g.st.SPs)
	docs := make([]map[string]any, len(recs))
	for i, rec := range recs {
		docs[i] = rec.Doc
	}
	shape := func(d map[string]any) map[string]any { return g.spShape(g.st.SPs[str(d, "id")], q.expand) }
	return http.StatusOK, page(ctx, r, q, servicePrincipalSpec, docs, shape), nil
}

func (g *graphServer) getServicePrincipal(r *http.Request, ctx *graphCtx, k keyRef) (int, any, *graphError) {
	q, err := parseQuery(r, servicePrincipalSpec, false)
	if err != nil {
		return 0, nil, err
	}
	rec, err := g.liveSP(k)
	if err != nil {
		return 0, nil, err
	}
	doc := project(g.spShape(rec, q.expand), q.selects)
	showKeys(doc, rec.Doc, q.selects)
	doc["@odata.context"] = ctx.base + "/$metadata#servicePrincipals/$entity"
	return http.StatusOK, doc, nil
}

// inherited are the properties a service principal takes from its
// application (applications-api-overview.md): app roles, scopes, names,
// reply URLs, sign-in audience and the app's display name.
func inherited(app map[string]any) map[string]any {
	scopes := list(sub(app, "api"), "oauth2PermissionScopes")
	if scopes == nil {
		scopes = []any{}
	}
	names := []any{app["appId"]}
	for _, u := range stringList(app, "identifierUris") {
		names = append(names, u)
	}
	reply := []any{}
	for _, p := range []string{"web", "spa", "publicClient"} {
		for _, u := range stringList(sub(app, p), "redirectUris") {
			reply = append(reply, u)
		}
	}
	roles := list(app, "appRoles")
	if roles == nil {
		roles = []any{}
	}
	return map[string]any{
		"appDisplayName": app["displayName"], "appRoles": deepCopy(roles), "oauth2PermissionScopes": deepCopy(scopes),
		"signInAudience": app["signInAudience"], "servicePrincipalNames": names, "replyUrls": reply,
	}
}

// syncServicePrincipal queues an application's inherited properties for
// its service principal. Graph syncs them "but the synchronization isn't
// immediate" (applications-api-overview.md, serviceprincipal-update.md):
// with replication lag the service principal shows them, and the
// appRoleAssignedTo check sees its new roles, only once the lag has passed
// since the write (replicate); without lag at once.
func (g *graphServer) syncServicePrincipal(app *record) {
	sp := g.spByAppID(str(app.Doc, "appId"))
	if sp == nil {
		return
	}
	sp.Pending = append(sp.Pending, pendingSync{At: g.now(), Props: inherited(app.Doc)})
	g.replicateSP(sp)
	if len(sp.Pending) > 0 && g.st.syncing != nil {
		g.st.syncing[sp] = true
	}
}

// replicate copies to every service principal the application writes whose
// lag has passed. handle calls it before each request.
func (g *graphServer) replicate() {
	st := g.st
	if st.syncing == nil {
		st.syncing = map[*record]bool{}
		for _, sp := range st.SPs {
			if len(sp.Pending) > 0 {
				st.syncing[sp] = true
			}
		}
	}
	for sp := range st.syncing {
		g.replicateSP(sp)
		if len(sp.Pending) == 0 {
			delete(st.syncing, sp)
		}
	}
}

// replicateSP applies sp's pending syncs that are due, oldest first: those
// older than the replication lag as it is now, as visible judges objects.
func (g *graphServer) replicateSP(sp *record) {
	lag := g.faults.replicationLag()
	n := 0
	for _, p := range sp.Pending {
		if lag > 0 && g.now().Before(p.At.Add(lag)) {
			break
		}
		for k, v := range p.Props {
			sp.Doc[k] = v
		}
		n++
	}
	sp.Pending = sp.Pending[n:]
	if len(sp.Pending) == 0 {
		sp.Pending = nil
	}
}

func noBackingApp(appID string) *graphError {
	msg := fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", appID)
	return badRequest(msg).withDetail("NoBackingApplicationObject", "appId")
}

func (g *graphServer) createServicePrincipal(ctx *graphCtx, body map[string]any) (int, any, *graphError) {
	clean, err := checkBody(body, servicePrincipalType)
	if err != nil {
		return 0, nil, err
	}
	appID := str(clean, "appId")
	if appID == "" {
		return 0, nil, badRequest("Property 'appId' is required.")
	}
	var doc map[string]any
	app := g.appByKey(keyRef{value: appID, alt: "appId"})
	switch {
	case app != nil && g.visible(app):
		doc = newSPDoc(uuid.NewString(), str(app.Doc, "appId"), str(app.Doc, "displayName"), g.now())
		doc["tags"] = deepCopy(list(app.Doc, "tags"))
	case g.st.FirstParty[strings.ToLower(appID)] != nil:
		doc = firstPartySPDoc(g.st.FirstParty[strings.ToLower(appID)], uuid.NewString(), g.now())
	default:
		return 0, nil, noBackingApp(appID)
	}
	if existing := g.spByAppID(appID); existing != nil {
		return 0, nil, badRequest("Another object with the same value for property servicePrincipalNames already exists.").
			withDetail("ObjectConflict", "servicePrincipalNames")
	}
	delete(clean, "appId")
	for _, k := range []string{"appRoles", "oauth2PermissionScopes", "servicePrincipalNames"} {
		delete(clean, k) // inherited from the application
	}
	mergePatch(doc, clean, servicePrincipalType)
	if app != nil {
		// A new service principal is made from its application as it is.
		for k, v := range inherited(app.Doc) {
			doc[k] = v
		}
	}
	g.st.addSP(&record{Doc: doc, Created: g.now()})
	out := copyDoc(doc)
	out["@odata.context"] = ctx.base + "/$metadata#servicePrincipals/$entity"
	return http.StatusCreated, out, nil
}

func (g *graphServer) patchServicePrincipal(ctx *graphCtx, k keyRef, body map[string]any) (int, any, *graphError) {
	rec, err := g.liveSP(k)
	if err != nil {
		return 0, nil, err
	}
	clean, err := checkBody(body, servicePrincipalType)
	if err != nil {
		return 0, nil, err
	}
	if a, ok := clean["appId"]; ok && !strings.EqualFold(fmt.Sprint(a), str(rec.Doc, "appId")) {
		return 0, nil, badRequest("Property 'appId' is read-only once the service principal is created.")
	}
	delete(clean, "appId")
	if _, ok := clean["passwordCredentials"]; ok {
		return 0, nil, badRequest("Updating passwordCredentials with PATCH is not supported; use addPassword and removePassword.")
	}
	var keys []any
	if _, ok := clean["keyCredentials"]; ok {
		if keys, err = checkKeyCredentials(list(clean, "keyCredentials"), list(rec.Doc, "keyCredentials"), false); err != nil {
			return 0, nil, err
		}
	}
	mergePatch(rec.Doc, clean, servicePrincipalType)
	if keys != nil {
		rec.Doc["keyCredentials"] = keys
	}
	return http.StatusNoContent, nil, nil
}

func (g *graphServer) deleteServicePrincipal(ctx *graphCtx, k keyRef) (int, any, *graphError) {
	rec, err := g.liveSP(k)
	if err != nil {
		return 0, nil, err
	}
	g.removeServicePrincipal(rec)
	return http.StatusNoContent, nil, nil
}

// removeServicePrincipal moves a service principal to deleted items and
// removes the assignments and grants it takes part in.
func (g *graphServer) removeServicePrincipal(rec *record) {
	id := str(rec.Doc, "id")
	doc := copyDoc(rec.Doc)
	doc["deletedDateTime"] = formatTime(g.now())
	g.st.Deleted[id] = &deletedRecord{Type: "servicePrincipal", Doc: doc}
	delete(g.st.SPs, id)
	g.relationsChanged()
	for aid, a := range g.st.Assignments {
		if str(a, "principalId") == id || str(a, "resourceId") == id {
			delete(g.st.Assignments, aid)
		}
	}
	for gid, gr := range g.st.Grants {
		if str(gr, "clientId") == id || str(gr, "resourceId") == id {
			delete(g.st.Grants, gid)
		}
	}
}

// App role assignments (serviceprincipal-post-approleassignedto.md,
// serviceprincipal-post-approleassignments.md).

var assignmentSpec = collectionSpec{entitySet: "appRoleAssignments", typeName: "AppRoleAssignment", t: appRoleAssignmentType,
	filterable: map[string]bool{"principalId": true, "resourceId": true, "appRoleId": true, "id": true}}

const defaultAppRoleID = "00000000-0000-0000-0000-000000000000"

func (g *graphServer) listAssignments(r *http.Request, ctx *graphCtx, k keyRef, resourceView bool) (int, any, *graphError) {
	rec, err := g.liveSP(k)
	if err != nil {
		return 0, nil, err
	}
	q, err := parseQuery(r, assignmentSpec, true)
	if err != nil {
		return 0, nil, err
	}
	id := str(rec.Doc, "id")
	field := "principalId"
	nav := "appRoleAssignments"
	if resourceView {
		field, nav = "resourceId", "appRoleAssignedTo"
	}
	docs := g.assignmentsWhere(field, id)
	spec := assignmentSpec
	spec.entitySet = "servicePrincipals('" + id + "')/" + nav
	return http.StatusOK, page(ctx, r, q, spec, docs, copyDoc), nil
}

func (g *graphServer) createAssignment(ctx *graphCtx, k keyRef, resourceView bool, body map[string]any) (int, any, *graphError) {
	pathSP, err := g.liveSP(k)
	if err != nil {
		return 0, nil, err
	}
	clean, err := checkBody(body, appRoleAssignmentType)
	if err != nil {
		return 0, nil, err
	}
	principalID := strings.ToLower(str(clean, "principalId"))
	resourceID := strings.ToLower(str(clean, "resourceId"))
	appRoleID := strings.ToLower(str(clean, "appRoleId"))
	for _, f := range [][2]string{{"principalId", principalID}, {"resourceId", resourceID}, {"appRoleId", appRoleID}} {
		if f[1] == "" {
			return 0, nil, badRequest(fmt.Sprintf("Property '%s' is required.", f[0]))
		}
	}
	pathID := str(pathSP.Doc, "id")
	if resourceView && resourceID != pathID {
		return 0, nil, badRequest("Property 'resourceId' must be the id of the service principal in the URL.")
	}
	if !resourceView && principalID != pathID {
		return 0, nil, badRequest("Property 'principalId' must be the id of the service principal in the URL.")
	}
	resource := g.st.SPs[resourceID]
	if resource == nil || !g.visible(resource) {
		return 0, nil, notFound(resourceID)
	}
	principal, ptype := g.directoryObject(principalID)
	if principal == nil {
		// Graph's answer for a principalId it cannot find, typically a
		// service principal that has not replicated yet
		// (microsoftgraph/msgraph-bicep-types#193).
		return 0, nil, badRequest("Not a valid reference update.")
	}
	if ptype == "#microsoft.graph.application" {
		return 0, nil, badRequest(fmt.Sprintf("Invalid value specified for property 'principalId' of resource 'AppRoleAssignment': '%s' is not a user or service principal of the tenant.", principalID))
	}
	principalType := "ServicePrincipal"
	switch ptype {
	case "#microsoft.graph.user":
		principalType = "User"
	case "#microsoft.graph.group":
		principalType = "Group"
	}
	if appRoleID != defaultAppRoleID {
		found, forType := false, false
		// allowedMemberTypes: "User" admits users and groups,
		// "Application" service principals (approle.md).
		want := "Application"
		if principalType != "ServicePrincipal" {
			want = "User"
		}
		for _, ar := range list(resource.Doc, "appRoles") {
			m := ar.(map[string]any)
			if strings.EqualFold(str(m, "id"), appRoleID) {
				enabled, _ := m["isEnabled"].(bool)
				found = enabled
				for _, t := range list(m, "allowedMemberTypes") {
					forType = forType || t == want
				}
			}
		}
		if !found {
			return 0, nil, badRequest("Permission being assigned was not found on application.")
		}
		if !forType && principalType != "ServicePrincipal" {
			return 0, nil, badRequest(fmt.Sprintf("The app role %s does not allow assignment to a %s: its allowedMemberTypes lack %s.", appRoleID, strings.ToLower(principalType), want))
		}
	}
	for _, a := range g.st.Assignments {
		if str(a, "principalId") == principalID && str(a, "resourceId") == resourceID && str(a, "appRoleId") == appRoleID {
			return 0, nil, badRequest("Permission being assigned already exists on the object.")
		}
	}
	count := 0
	for _, a := range g.st.Assignments {
		if str(a, "principalId") == principalID {
			count++
		}
	}
	if count >= 1500 {
		return 0, nil, badRequest("The principal has reached the limit of 1500 app role assignments.")
	}
	a := map[string]any{
		"id": opaqueID(), "deletedDateTime": nil, "appRoleId": appRoleID, "createdDateTime": formatTime(g.now()),
		"principalDisplayName": principal["displayName"], "principalId": principalID, "principalType": principalType,
		"resourceDisplayName": resource.Doc["displayName"], "resourceId": resourceID,
	}
	g.st.Assignments[str(a, "id")] = a
	g.relationsChanged()
	nav := "appRoleAssignments"
	if resourceView {
		nav = "appRoleAssignedTo"
	}
	out := copyDoc(a)
	out["@odata.context"] = ctx.base + "/$metadata#servicePrincipals('" + pathID + "')/" + nav + "/$entity"
	return http.StatusCreated, out, nil
}

func (g *graphServer) findAssignment(k keyRef, assignmentID string, resourceView bool) (map[string]any, *graphError) {
	sp, err := g.liveSP(k)
	if err != nil {
		return nil, err
	}
	a, ok := g.st.Assignments[assignmentID]
	field := "principalId"
	if resourceView {
		field = "resourceId"
	}
	if !ok || str(a, field) != str(sp.Doc, "id") {
		return nil, notFound(assignmentID)
	}
	return a, nil
}

func (g *graphServer) getAssignment(ctx *graphCtx, k keyRef, assignmentID string, resourceView bool) (int, any, *graphError) {
	a, err := g.findAssignment(k, assignmentID, resourceView)
	if err != nil {
		return 0, nil, err
	}
	out := copyDoc(a)
	out["@odata.context"] = ctx.base + "/$metadata#appRoleAssignments/$entity"
	return http.StatusOK, out, nil
}

func (g *graphServer) deleteAssignment(ctx *graphCtx, k keyRef, assignmentID string, resourceView bool) (int, any, *graphError) {
	if _, err := g.findAssignment(k, assignmentID, resourceView); err != nil {
		return 0, nil, err
	}
	delete(g.st.Assignments, assignmentID)
	g.relationsChanged()
	return http.StatusNoContent, nil, nil
}

// Delegated permission grants (oauth2permissiongrant-post.md,
// oauth2permissiongrant-update.md, oauth2permissiongrant-delete.md).

var grantSpec = collectionSpec{entitySet: "oauth2PermissionGrants", typeName: "OAuth2PermissionGrant", t: grantType,
	filterable: map[string]bool{"clientId": true, "resourceId": true, "consentType": true, "principalId": true, "id": true}}

func (g *graphServer) listGrants(r *http.Request, ctx *graphCtx) (int, any, *graphError) {
	q, err := parseQuery(r, grantSpec, true)
	if err != nil {
		return 0, nil, err
	}
	docs, narrowed := g.grantCandidates(q.filter)
	if !narrowed {
		for _, id := range sortedKeys(g.st.Grants) {
			docs = append(docs, g.st.Grants[id])
		}
	}
	return http.StatusOK, page(ctx, r, q, grantSpec, docs, copyDoc), nil
}

func (g *graphServer) createGrant(ctx *graphCtx, body map[string]any) (int, any, *graphError) {
	clean, err := checkBody(body, grantType)
	if err != nil {
		return 0, nil, err
	}
	clientID := strings.ToLower(str(clean, "clientId"))
	resourceID := strings.ToLower(str(clean, "resourceId"))
	consent := str(clean, "consentType")
	principalID := strings.ToLower(str(clean, "principalId"))
	scopeText := str(clean, "scope")
	// A clientId or resourceId Graph cannot find (or that has not
	// replicated) is a 400 worded like a not-found, as reported for
	// POST /oauth2PermissionGrants (WIRE.md §2.1; hamilton retries it).
	if c := g.st.SPs[clientID]; c == nil || !g.visible(c) {
		return 0, nil, badRequest(fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", clientID))
	}
	if rs := g.st.SPs[resourceID]; rs == nil || !g.visible(rs) {
		return 0, nil, badRequest(fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", resourceID))
	}
	switch consent {
	case "AllPrincipals":
		if principalID != "" {
			return 0, nil, badRequest("Property 'principalId' must be null when consentType is AllPrincipals.")
		}
	case "Principal":
		if u, _ := g.directoryObject(principalID); u == nil {
			return 0, nil, badRequest("Property 'principalId' must name a user when consentType is Principal.")
		}
	default:
		return 0, nil, badRequest(fmt.Sprintf("Invalid value '%s' for property 'consentType': AllPrincipals or Principal.", consent))
	}
	if len(scopeText) > 3850 {
		return 0, nil, badRequest("Property 'scope' must be at most 3850 characters long.")
	}
	for _, gr := range g.st.Grants {
		if str(gr, "clientId") == clientID && str(gr, "resourceId") == resourceID && str(gr, "consentType") == consent && str(gr, "principalId") == principalID {
			return 0, nil, gerr(http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
		}
	}
	var pid any
	if principalID != "" {
		pid = principalID
	}
	gr := map[string]any{
		"id": opaqueID(), "clientId": clientID, "consentType": consent, "principalId": pid,
		"resourceId": resourceID, "scope": scopeText,
	}
	g.st.Grants[str(gr, "id")] = gr
	g.relationsChanged()
	out := copyDoc(gr)
	out["@odata.context"] = ctx.base + "/$metadata#oauth2PermissionGrants/$entity"
	return http.StatusCreated, out, nil
}

func (g *graphServer) getGrant(ctx *graphCtx, id string) (int, any, *graphError) {
	gr, ok := g.st.Grants[id]
	if !ok {
		return 0, nil, notFound(id)
	}
	out := copyDoc(gr)
	out["@odata.context"] = ctx.base + "/$metadata#oauth2PermissionGrants/$entity"
	return http.StatusOK, out, nil
}

func (g *graphServer) patchGrant(ctx *graphCtx, id string, body map[string]any) (int, any, *graphError) {
	gr, ok := g.st.Grants[id]
	if !ok {
		return 0, nil, notFound(id)
	}
	clean, err := checkBody(body, grantType)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range clean {
		if k != "scope" && fmt.Sprint(v) != fmt.Sprint(gr[k]) {
			return 0, nil, badRequest(fmt.Sprintf("Property '%s' of an oAuth2PermissionGrant cannot be updated; only 'scope' can.", k))
		}
	}
	if s, ok := clean["scope"]; ok {
		if len(fmt.Sprint(s)) > 3850 {
			return 0, nil, badRequest("Property 'scope' must be at most 3850 characters long.")
		}
		gr["scope"] = s
	}
	return http.StatusNoContent, nil, nil
}

func (g *graphServer) deleteGrant(ctx *graphCtx, id string) (int, any, *graphError) {
	if _, ok := g.st.Grants[id]; !ok {
		return 0, nil, notFound(id)
	}
	delete(g.st.Grants, id)
	g.relationsChanged()
	return http.StatusNoContent, nil, nil
}
