package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// planServicePrincipal creates the application's service principal when it
// has none, and keeps its regsync tags and appRoleAssignmentRequired.
func (b *builder) planServicePrincipal(st *appState, addr string) {
	spAddr := addr + ".service_principal"
	own := []string{tenant.SetTag(b.spec.Set), tenant.KeyTag(st.key)}
	if st.sp == nil {
		tags := append([]string{}, own...)
		for _, t := range st.spec.Tags {
			if !hasString(tags, t) {
				tags = append(tags, t)
			}
		}
		changes := []Change{{Path: "tags", Added: quoteAll(tags)}}
		if st.spec.AppRoleAssignmentRequired != nil {
			changes = append(changes, Change{Path: "app_role_assignment_required", After: rawJSON(*st.spec.AppRoleAssignmentRequired)})
		}
		a := b.addAction(&Action{
			Op: OpCreate, Type: TypeServicePrincipal, App: st.key, Address: spAddr,
			Description: "create the service principal",
			Reason:      "clients can only be granted access to, and sign in with, an application that has a service principal",
			DependsOn:   appendUnique(nil, st.appAction),
			Changes:     changes,
			ServicePrincipal: &ServicePrincipalAction{AppID: st.appID, Tags: &tags,
				AppRoleAssignmentRequired: st.spec.AppRoleAssignmentRequired},
		})
		st.spAction = a.ID
		return
	}
	p := ServicePrincipalAction{ObjectID: st.sp.ID}
	var changes []Change
	var missing []string
	for _, t := range own {
		if !hasTag(st.sp.Tags, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		tags := append(clone(st.sp.Tags), missing...)
		p.Tags = &tags
		changes = append(changes, Change{Path: "tags", Added: quoteAll(missing)})
	}
	if want := st.spec.AppRoleAssignmentRequired; want != nil && *want != st.sp.AppRoleAssignmentRequired {
		p.AppRoleAssignmentRequired = want
		changes = append(changes, Change{Path: "app_role_assignment_required", Before: rawJSON(st.sp.AppRoleAssignmentRequired), After: rawJSON(*want)})
	}
	if len(changes) == 0 {
		return
	}
	a := b.addAction(&Action{
		Op: OpUpdate, Type: TypeServicePrincipal, App: st.key, Address: spAddr,
		Description:      "update the service principal",
		Reason:           "the service principal differs from the spec",
		Changes:          changes,
		ServicePrincipal: &p,
	})
	st.spAction = a.ID
}

// accessDeps are the actions a grant on a resource waits for: the client's
// service principal, and the resource's application and service principal
// when they are in this file.
func (b *builder) accessDeps(st *appState, ra resolvedAccess) []string {
	deps := appendUnique(nil, st.spAction)
	if ra.inFile != nil {
		deps = appendUnique(deps, ra.inFile.appAction, ra.inFile.spAction)
	}
	return deps
}

// planAssignments grants each application permission (role) the client
// requests as an app-role assignment on the resource's service principal:
// admin consent for application permissions. Assignments of the client to
// roles it no longer requests are removed.
func (b *builder) planAssignments(st *appState, addr string) {
	type want struct {
		ra   resolvedAccess
		role named
	}
	var wants []want
	for _, ra := range st.access {
		for _, r := range ra.roles {
			wants = append(wants, want{ra, r})
		}
	}
	var existing []tenant.AppRoleAssignment
	if st.sp != nil {
		existing = b.ix.assignmentsOf[strings.ToLower(st.sp.ID)]
	}
	kept := map[string]bool{}
	for _, w := range wants {
		found := false
		for _, e := range existing {
			if strings.EqualFold(e.ResourceID, w.ra.resourceSPID) && strings.EqualFold(e.AppRoleID, w.role.id) {
				found, kept[e.ID] = true, true
				break
			}
		}
		if found {
			continue
		}
		b.addAction(&Action{
			Op: OpCreate, Type: TypeAppRoleAssignment, App: st.key,
			Address:     fmt.Sprintf("%s.app_role_assignments[%s]", addr, rawJSON(w.ra.resource+"/"+w.role.value)),
			Description: fmt.Sprintf("grant application permission %s of %s (admin consent)", w.role.value, w.ra.resource),
			Reason:      "adminConsent is on and the client has no assignment of this role",
			DependsOn:   b.accessDeps(st, w.ra),
			AppRoleAssignment: &AppRoleAssignmentAction{PrincipalID: st.spID, ResourceID: w.ra.resourceSPID,
				AppRoleID: w.role.id, Resource: w.ra.resource, Role: w.role.value},
		})
	}
	for _, e := range existing {
		if kept[e.ID] {
			continue
		}
		res, role := b.spLabel(e.ResourceID, e.AppRoleID)
		b.addAction(&Action{
			Op: OpDelete, Type: TypeAppRoleAssignment, App: st.key,
			Address:     fmt.Sprintf("%s.app_role_assignments[%s]", addr, rawJSON(res+"/"+role)),
			Description: fmt.Sprintf("revoke application permission %s of %s", role, res),
			Reason:      "the spec no longer requests this role",
			AppRoleAssignment: &AppRoleAssignmentAction{ID: e.ID, PrincipalID: e.PrincipalID, ResourceID: e.ResourceID,
				AppRoleID: e.AppRoleID, Resource: res, Role: role},
		})
	}
}

// spLabel names a resource service principal and one of its permission ids.
func (b *builder) spLabel(spID, permID string) (resource, value string) {
	resource, value = spID, permID
	for _, sp := range b.live.ServicePrincipals {
		if sp != nil && strings.EqualFold(sp.ID, spID) {
			resource = sp.DisplayName
			if rn := b.names[strings.ToLower(sp.AppID)]; rn != nil {
				resource = rn.name
				if v, ok := rn.ids[permID]; ok {
					value = v
				}
			}
		}
	}
	return resource, value
}

// planGrants consents to the delegated scopes the client requests, for all
// users: one AllPrincipals oauth2PermissionGrant per resource whose scope
// is the space-separated list of values.
func (b *builder) planGrants(st *appState, addr string) {
	var existing []tenant.PermissionGrant
	if st.sp != nil {
		for _, g := range b.ix.grantsOf[strings.ToLower(st.sp.ID)] {
			if g.ConsentType == "AllPrincipals" {
				existing = append(existing, g)
			}
		}
	}
	kept := map[string]bool{}
	for _, ra := range st.access {
		if len(ra.scopes) == 0 {
			continue
		}
		values := make([]string, len(ra.scopes))
		for i, s := range ra.scopes {
			values[i] = s.value
		}
		scope := strings.Join(values, " ")
		gAddr := fmt.Sprintf("%s.permission_grants[%s]", addr, rawJSON(ra.resource))
		var have *tenant.PermissionGrant
		for i := range existing {
			if strings.EqualFold(existing[i].ResourceID, ra.resourceSPID) {
				have = &existing[i]
				break
			}
		}
		if have == nil {
			b.addAction(&Action{
				Op: OpCreate, Type: TypePermissionGrant, App: st.key, Address: gAddr,
				Description: fmt.Sprintf("consent to delegated scopes %s of %s for all users", scope, ra.resource),
				Reason:      "adminConsent is on and the client has no consent for this resource",
				DependsOn:   b.accessDeps(st, ra),
				Changes:     []Change{{Path: "scope", Added: quoteAll(values)}},
				PermissionGrant: &PermissionGrantAction{ClientID: st.spID, ResourceID: ra.resourceSPID,
					ConsentType: "AllPrincipals", Scope: scope, Resource: ra.resource},
			})
			continue
		}
		kept[have.ID] = true
		added, removed := setDiff(values, strings.Fields(have.Scope))
		if len(added)+len(removed) == 0 {
			continue
		}
		b.addAction(&Action{
			Op: OpUpdate, Type: TypePermissionGrant, App: st.key, Address: gAddr,
			Description: fmt.Sprintf("change consented scopes of %s to %s", ra.resource, scope),
			Reason:      "the consented scopes differ from the requested ones",
			DependsOn:   b.accessDeps(st, ra),
			Changes:     []Change{{Path: "scope", Added: quoteAll(added), Removed: quoteAll(removed)}},
			PermissionGrant: &PermissionGrantAction{ID: have.ID, ClientID: have.ClientID, ResourceID: have.ResourceID,
				ConsentType: have.ConsentType, Scope: scope, Resource: ra.resource},
		})
	}
	for _, g := range existing {
		if kept[g.ID] {
			continue
		}
		res, _ := b.spLabel(g.ResourceID, "")
		b.addAction(&Action{
			Op: OpDelete, Type: TypePermissionGrant, App: st.key,
			Address:     fmt.Sprintf("%s.permission_grants[%s]", addr, rawJSON(res)),
			Description: fmt.Sprintf("revoke consent to %s of %s", g.Scope, res),
			Reason:      "the spec requests no delegated scopes of this resource",
			Changes:     []Change{{Path: "scope", Removed: quoteAll(strings.Fields(g.Scope))}},
			PermissionGrant: &PermissionGrantAction{ID: g.ID, ClientID: g.ClientID, ResourceID: g.ResourceID,
				ConsentType: g.ConsentType, Scope: g.Scope, Resource: res},
		})
	}
}

// planOwners makes the owners exactly the declared ones (never removing
// Options.CallerID). Undeclared owners are left alone.
func (b *builder) planOwners(st *appState, addr string) {
	if st.spec.Owners == nil {
		return
	}
	var have []string
	if st.live != nil {
		have = st.live.Owners
	}
	lower := func(s []string) []string {
		out := make([]string, len(s))
		for i, x := range s {
			out[i] = strings.ToLower(x)
		}
		return out
	}
	added, removed := setDiff(lower(st.spec.Owners), lower(have))
	for _, o := range added {
		b.addAction(&Action{
			Op: OpCreate, Type: TypeOwner, App: st.key, Address: fmt.Sprintf("%s.owners[%s]", addr, rawJSON(o)),
			Description: "add owner " + b.ownerLabel(o),
			Reason:      "declared in owners",
			DependsOn:   appendUnique(nil, createdApp(st)),
			Owner:       &OwnerAction{ApplicationID: st.objectID, OwnerID: o, Object: b.ownerObject(o)},
		})
	}
	for _, o := range removed {
		if b.opts.CallerID != "" && strings.EqualFold(o, b.opts.CallerID) {
			// Said once for the whole plan (noteCallerKept), not per application.
			b.callerKept = append(b.callerKept, st.key)
			continue
		}
		b.addAction(&Action{
			Op: OpDelete, Type: TypeOwner, App: st.key, Address: fmt.Sprintf("%s.owners[%s]", addr, rawJSON(o)),
			Description: "remove owner " + b.ownerLabel(o),
			Reason:      "not declared in owners",
			Owner:       &OwnerAction{ApplicationID: st.objectID, OwnerID: o, Object: b.ownerObject(o)},
		})
	}
}

// createdApp returns the application's create action, or "".
func createdApp(st *appState) string {
	if st.live == nil {
		return st.appAction
	}
	return ""
}

// planFederated makes the federated credentials exactly the declared ones,
// matched by name. Undeclared (nil) leaves them alone.
func (b *builder) planFederated(st *appState, addr string) {
	if st.spec.FederatedCredentials == nil {
		return
	}
	have := map[string]tenant.FederatedCredential{}
	if st.live != nil {
		for _, fc := range st.live.FederatedCredentials {
			have[fc.Name] = fc
		}
	}
	// A client moving from a secret to a federated credential keeps the
	// secret for the overlap after the federated credential was added:
	// the apply that adds one records when (see federated.go), and one
	// that exists with no readable record gets one.
	moving := b.movingToFederated(st)
	_, _, recorded := federatedSuccessor(st)
	wanted := map[string]bool{}
	for _, fc := range st.spec.FederatedCredentials {
		wanted[fc.Name] = true
		w := tenant.FederatedCredential{Name: fc.Name, Issuer: fc.Issuer, Subject: fc.Subject, Audiences: clone(fc.Audiences), Description: fc.Description}
		if len(w.Audiences) == 0 {
			w.Audiences = []string{DefaultAudience}
		}
		fAddr := fmt.Sprintf("%s.federated_credentials[%s]", addr, rawJSON(fc.Name))
		h, ok := have[fc.Name]
		if !ok {
			reason := "declared in federatedCredentials"
			if moving {
				reason += "; it replaces the client secret, which is kept for the overlap after this apply (the time is recorded in its description)"
			}
			b.addAction(&Action{
				Op: OpCreate, Type: TypeFederatedCredential, App: st.key, Address: fAddr,
				Description: fmt.Sprintf("add federated credential %q (%s, %s)", fc.Name, w.Issuer, w.Subject),
				Reason:      reason,
				DependsOn:   appendUnique(nil, createdApp(st)),
				Changes: []Change{{Path: "issuer", After: rawJSON(w.Issuer)}, {Path: "subject", After: rawJSON(w.Subject)},
					{Path: "audiences", Added: quoteAll(w.Audiences)}},
				FederatedCredential: &FederatedCredentialAction{ApplicationID: st.objectID, Credential: w, RecordAdded: moving},
			})
			continue
		}
		live := FederatedDescription(h.Description)
		var changes []Change
		if h.Issuer != w.Issuer {
			changes = append(changes, Change{Path: "issuer", Before: rawJSON(h.Issuer), After: rawJSON(w.Issuer)})
		}
		if h.Subject != w.Subject {
			changes = append(changes, Change{Path: "subject", Before: rawJSON(h.Subject), After: rawJSON(w.Subject)})
		}
		if added, removed := setDiff(w.Audiences, h.Audiences); len(added)+len(removed) > 0 {
			changes = append(changes, Change{Path: "audiences", Added: quoteAll(added), Removed: quoteAll(removed)})
		}
		if live != w.Description {
			changes = append(changes, Change{Path: "description", Before: rawJSON(live), After: rawJSON(w.Description)})
		}
		record := moving && !recorded
		if len(changes) == 0 && !record {
			continue
		}
		desc, reason := fmt.Sprintf("update federated credential %q", fc.Name), "the credential differs from the spec"
		if record {
			reason = "it replaces the client secret and has no record of when it was added (made by hand, or its description edited): " +
				"this apply records the time, and the secret is kept for the overlap from then"
			if len(changes) > 0 {
				reason = "the credential differs from the spec; " + reason
			} else {
				desc = fmt.Sprintf("record when federated credential %q was added", fc.Name)
			}
		} else {
			w.Description = liveFederatedDescription(h, w.Description)
		}
		b.addAction(&Action{
			Op: OpUpdate, Type: TypeFederatedCredential, App: st.key, Address: fAddr,
			Description:         desc,
			Reason:              reason,
			Changes:             changes,
			FederatedCredential: &FederatedCredentialAction{ApplicationID: st.objectID, ID: h.ID, Credential: w, RecordAdded: record},
		})
	}
	var extra []tenant.FederatedCredential
	for _, fc := range have {
		if !wanted[fc.Name] && !hasFold(st.spec.IgnoreCredentials, fc.ID) {
			extra = append(extra, fc)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Name < extra[j].Name })
	for _, fc := range extra {
		b.addAction(&Action{
			Op: OpDelete, Type: TypeFederatedCredential, App: st.key,
			Address:     fmt.Sprintf("%s.federated_credentials[%s]", addr, rawJSON(fc.Name)),
			Description: fmt.Sprintf("remove federated credential %q (%s, %s)", fc.Name, fc.Issuer, fc.Subject),
			Reason:      "not declared in federatedCredentials",
			Risks: []Risk{{Code: RiskCredentialRemoval, Message: fmt.Sprintf(
				"removes federated credential %q: %s can no longer sign in as this application", fc.Name, fc.Subject)}},
			FederatedCredential: &FederatedCredentialAction{ApplicationID: st.objectID, ID: fc.ID,
				Credential: tenant.FederatedCredential{Name: fc.Name, Issuer: fc.Issuer, Subject: fc.Subject,
					Audiences: nonNil(clone(fc.Audiences)), Description: fc.Description}},
		})
	}
}

// prune deletes (with Prune) or reports the set's applications the spec no
// longer names: the service principal first, then the application.
func (b *builder) prune() {
	for _, key := range b.managedIDs {
		app := b.managed[key]
		if b.claimed[app.ID] {
			continue
		}
		b.prunedKeys = append(b.prunedKeys, key)
		addr := "applications." + key
		if !b.opts.Prune {
			b.note(key, addr, "application %q (appId %s) is in set %s but not in the spec; plan with prune to delete it",
				app.DisplayName, app.AppID, b.spec.Set)
			continue
		}
		var deps []string
		if sp := b.spByAppID[strings.ToLower(app.AppID)]; sp != nil {
			a := b.addAction(&Action{
				Op: OpDelete, Type: TypeServicePrincipal, App: key, Address: addr + ".service_principal",
				Description:      "delete the service principal",
				Reason:           "its application is no longer in the spec (prune)",
				ServicePrincipal: &ServicePrincipalAction{ObjectID: sp.ID, AppID: sp.AppID},
			})
			deps = []string{a.ID}
		}
		users := b.clientsOf(app)
		msg := fmt.Sprintf("deletes application %q (appId %s) and everything granted to or by it", app.DisplayName, app.AppID)
		if len(users) > 0 {
			msg += "; still requested by " + strings.Join(users, ", ")
		}
		b.addAction(&Action{
			Op: OpDelete, Type: TypeApplication, App: key, Address: addr,
			Description: fmt.Sprintf("delete application %q", app.DisplayName),
			Reason:      "in set " + b.spec.Set + " but no longer in the spec (prune)",
			DependsOn:   deps,
			Risks:       []Risk{{Code: RiskApplicationDelete, Message: msg}},
			Application: &ApplicationAction{ObjectID: app.ID, AppID: app.AppID},
		})
	}
}

// clientsOf lists the file's applications whose live state requests
// permissions of app.
func (b *builder) clientsOf(app *tenant.Application) []string {
	var out []string
	for _, st := range b.apps {
		if st.live == nil {
			continue
		}
		for _, r := range st.live.RequiredResourceAccess {
			if strings.EqualFold(r.ResourceAppID, app.AppID) {
				out = append(out, st.key)
				break
			}
		}
	}
	return out
}

// hasFold reports whether list holds s, ignoring case.
func hasFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
