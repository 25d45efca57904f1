package emulator

import (
	"net/http"
	"strings"
)

// Users and groups of the emulated tenant: enough of Graph's /users and
// /groups for regsync to resolve the members of an app role (user-list.md,
// group-list.md: $filter with eq, in and startsWith on id,
// userPrincipalName and displayName, $select, $top, paging) and for a test
// to delete one (user-delete.md, group-delete.md). The seed has a few of
// each (README, "The emulator"); a seed file adds more.

// Seeded users and groups beside the admin user (fixed ids, so examples
// and tests can name them by id as well as by name).
const (
	SeedAliceUserID  = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d01"
	SeedBobUserID    = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d02"
	SeedCarolUserID  = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d03"
	SeedReadersGroup = "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01"
	SeedWritersGroup = "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c02"
	SeedAdminsGroup  = "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c03"
)

func userDoc(id, name, upn string) map[string]any {
	given, sur, _ := strings.Cut(name, " ")
	return map[string]any{
		"id": id, "displayName": name, "userPrincipalName": upn, "mail": upn,
		"accountEnabled": true, "businessPhones": []any{}, "givenName": given, "surname": sur,
		"jobTitle": nil, "mobilePhone": nil, "officeLocation": nil, "preferredLanguage": nil,
	}
}

func groupDoc(id, name, description string) map[string]any {
	return map[string]any{
		"id": id, "displayName": name, "description": description, "mailEnabled": false,
		"mailNickname": strings.ToLower(strings.ReplaceAll(name, " ", "-")), "securityEnabled": true,
		"groupTypes": []any{}, "visibility": nil, "createdDateTime": "2026-01-01T00:00:00Z", "deletedDateTime": nil,
	}
}

// seedPeople adds the default users and groups.
func seedPeople(st *tenantState) {
	for _, u := range [][3]string{
		{SeedAliceUserID, "Alice Clinician", "alice@contoso.com"},
		{SeedBobUserID, "Bob Researcher", "bob@contoso.com"},
		{SeedCarolUserID, "Carol Analyst", "carol@contoso.com"},
	} {
		st.Users[u[0]] = userDoc(u[0], u[1], u[2])
	}
	for _, g := range [][3]string{
		{SeedReadersGroup, "FHIR Readers", "Clinicians who read FHIR data"},
		{SeedWritersGroup, "FHIR Writers", "Staff who write FHIR data"},
		{SeedAdminsGroup, "Health Data Admins", "Administrators of the health data services"},
	} {
		st.Groups[g[0]] = groupDoc(g[0], g[1], g[2])
	}
}

var groupSpec = collectionSpec{entitySet: "groups", typeName: "Group", t: obj("group", map[string]*ptype{
	"id": tString, "displayName": tString, "description": tString, "mailEnabled": tBool, "mailNickname": tString,
	"securityEnabled": tBool, "groupTypes": arr(tString), "visibility": tString, "createdDateTime": tDate, "deletedDateTime": tDate,
}), filterable: map[string]bool{"id": true, "displayName": true, "mailNickname": true}}

func (g *graphServer) listGroups(r *http.Request, ctx *graphCtx) (int, any, *graphError) {
	q, err := parseQuery(r, groupSpec, true)
	if err != nil {
		return 0, nil, err
	}
	var docs []map[string]any
	for _, id := range sortedKeys(g.st.Groups) {
		docs = append(docs, g.st.Groups[id])
	}
	return http.StatusOK, page(ctx, r, q, groupSpec, docs, copyDoc), nil
}

func (g *graphServer) getGroup(ctx *graphCtx, id string) (int, any, *graphError) {
	d, ok := g.st.Groups[strings.ToLower(id)]
	if !ok {
		return 0, nil, notFound(id)
	}
	doc := copyDoc(d)
	doc["@odata.context"] = ctx.base + "/$metadata#groups/$entity"
	return http.StatusOK, doc, nil
}

// deletePrincipal deletes a user or a group (204). Its app-role
// assignments go with it: a deleted principal holds no role, and the
// resource's appRoleAssignedTo no longer lists it.
func (g *graphServer) deletePrincipal(set map[string]map[string]any, id string) (int, any, *graphError) {
	key := strings.ToLower(id)
	if _, ok := set[key]; !ok {
		return 0, nil, notFound(id)
	}
	delete(set, key)
	for aid, a := range g.st.Assignments {
		if str(a, "principalId") == key {
			delete(g.st.Assignments, aid)
		}
	}
	return http.StatusNoContent, nil, nil
}

// userByKey finds a user by id or userPrincipalName (Graph accepts both in
// /users/{id | userPrincipalName}).
func (g *graphServer) userByKey(key string) (string, map[string]any) {
	if u, ok := g.st.Users[strings.ToLower(key)]; ok {
		return strings.ToLower(key), u
	}
	for id, cand := range g.st.Users {
		if strings.EqualFold(str(cand, "userPrincipalName"), key) {
			return id, cand
		}
	}
	return "", nil
}
