package emulator

import (
	"fmt"
	"sort"
	"strings"
)

// relIndex finds the app-role assignments and delegated grants that name
// one service principal without scanning them all: a tenant holds tens of
// thousands of consents on Microsoft Graph's service principal, and a read
// of one client's consents must not cost a walk over every one of them.
// It is derived from tenantState (never persisted), built on first use
// and rebuilt after any change: whatever adds to or removes from
// tenantState.Assignments or .Grants calls relationsChanged.
type relIndex struct {
	gen int64
	// by maps "field\x00id" (principalId, resourceId, clientId) to the
	// ids of the assignments, or grants, whose field is id, in listing
	// order (oldest first, then by id).
	assignments map[string][]string
	grants      map[string][]string
}

// relationsChanged drops the index. Callers hold g.mu.
func (g *graphServer) relationsChanged() { g.relGen++ }

// relations returns the current index, building it when the tenant's
// consents changed since the last build. Callers hold g.mu.
func (g *graphServer) relations() *relIndex {
	if g.rel != nil && g.rel.gen == g.relGen {
		return g.rel
	}
	ix := &relIndex{gen: g.relGen, assignments: map[string][]string{}, grants: map[string][]string{}}
	for _, id := range sortedAssignmentKeys(g.st.Assignments) {
		a := g.st.Assignments[id]
		for _, f := range []string{"principalId", "resourceId"} {
			k := f + "\x00" + strings.ToLower(str(a, f))
			ix.assignments[k] = append(ix.assignments[k], id)
		}
	}
	for _, id := range sortedKeys(g.st.Grants) {
		gr := g.st.Grants[id]
		for _, f := range []string{"clientId", "resourceId"} {
			k := f + "\x00" + strings.ToLower(str(gr, f))
			ix.grants[k] = append(ix.grants[k], id)
		}
	}
	g.rel = ix
	return ix
}

// assignmentsWhere lists, in listing order, the assignments whose field
// (principalId or resourceId) is id. Callers hold g.mu.
func (g *graphServer) assignmentsWhere(field, id string) []map[string]any {
	ids := g.relations().assignments[field+"\x00"+strings.ToLower(id)]
	out := make([]map[string]any, 0, len(ids))
	for _, aid := range ids {
		out = append(out, g.st.Assignments[aid])
	}
	return out
}

// grantCandidates narrows a grant listing by its filter: when the filter
// is, or is a conjunction holding, "clientId eq '...'" or "resourceId eq
// '...'", only the grants the index holds under that value can match, and
// ok is true. The full filter still runs on them.
func (g *graphServer) grantCandidates(f fnode) (docs []map[string]any, ok bool) {
	field, value, found := indexedEquality(f)
	if !found {
		return nil, false
	}
	for _, id := range g.relations().grants[field+"\x00"+strings.ToLower(value)] {
		docs = append(docs, g.st.Grants[id])
	}
	return docs, true
}

// indexedEquality finds "clientId eq 'x'" or "resourceId eq 'x'" at the
// top of a filter or under and.
func indexedEquality(f fnode) (field, value string, ok bool) {
	switch n := f.(type) {
	case fcmp:
		if s, isStr := n.lit.(string); isStr && n.op == "eq" && (n.path == "clientId" || n.path == "resourceId") {
			return n.path, s, true
		}
	case fand:
		if field, value, ok = indexedEquality(n.a); ok {
			return field, value, ok
		}
		return indexedEquality(n.b)
	}
	return "", "", false
}

// sortedAssignmentKeys lists assignment ids oldest first, then by id, so
// pages are stable.
func sortedAssignmentKeys(m map[string]map[string]any) []string {
	keys := sortedKeys(m)
	created := func(k string) string { return str(m[k], "createdDateTime") }
	sort.SliceStable(keys, func(i, j int) bool { return created(keys[i]) < created(keys[j]) })
	return keys
}

// SeedForeignConsents fills the tenant with what a busy one holds on an
// external API and regsync must never read: n delegated grants and n
// app-role assignments on the service principal of resourceAppID (Microsoft
// Graph's, say), held by clients outside any set (a hundred service
// principals of other applications, each grant for one user). It is for
// benchmarks that prove a plan's reads do not grow with them; it changes
// nothing else.
func (e *Emulator) SeedForeignConsents(resourceAppID string, n int) error {
	g := e.graph
	g.mu.Lock()
	defer g.mu.Unlock()
	res := g.spByAppID(resourceAppID)
	if res == nil {
		return fmt.Errorf("no service principal of appId %s", resourceAppID)
	}
	resID := str(res.Doc, "id")
	roleIDs := []string{defaultAppRoleID}
	for _, r := range list(res.Doc, "appRoles") {
		if m, ok := r.(map[string]any); ok {
			roleIDs = append(roleIDs, str(m, "id"))
		}
	}
	now := g.now()
	clients := make([]string, 100)
	for i := range clients {
		appID := derivedID("foreign-client", fmt.Sprint(i))
		id := derivedID(appID, "servicePrincipal")
		clients[i] = id
		if _, ok := g.st.SPs[id]; !ok {
			g.st.addSP(&record{Doc: newSPDoc(id, appID, fmt.Sprintf("Foreign client %d", i), now), Created: now, Seeded: true})
		}
	}
	for i := range n {
		client := clients[i%len(clients)]
		user := derivedID("foreign-user", fmt.Sprint(i))
		gr := map[string]any{"id": opaqueID(), "clientId": client, "consentType": "Principal", "principalId": user,
			"resourceId": resID, "scope": "User.Read"}
		g.st.Grants[str(gr, "id")] = gr
		a := map[string]any{"id": opaqueID(), "deletedDateTime": nil, "appRoleId": roleIDs[i%len(roleIDs)], "createdDateTime": formatTime(now),
			"principalDisplayName": "Foreign user", "principalId": user, "principalType": "User",
			"resourceDisplayName": res.Doc["displayName"], "resourceId": resID}
		g.st.Assignments[str(a, "id")] = a
	}
	g.relationsChanged()
	return nil
}
