package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/regsync/regsync/tenant"
)

// entitlement is the common view of a scope and an app role for diffing.
type entitlement struct {
	id, value string
	enabled   bool
	// grant is what a holder of the permission gets: a scope's type, a
	// role's allowed member types. Graph refuses to change it while the
	// entry is enabled.
	grant string
	text  [][2]string // (field, value) of the descriptive fields, in a fixed order
}

func scopeEnt(s tenant.PermissionScope) entitlement {
	return entitlement{id: s.ID, value: s.Value, enabled: s.IsEnabled, grant: s.Type, text: [][2]string{
		{"admin_consent_display_name", s.AdminConsentDisplayName},
		{"admin_consent_description", s.AdminConsentDescription},
		{"user_consent_display_name", s.UserConsentDisplayName},
		{"user_consent_description", s.UserConsentDescription},
	}}
}

func roleEnt(r tenant.AppRole) entitlement {
	types := append([]string{}, r.AllowedMemberTypes...)
	sort.Strings(types)
	return entitlement{id: r.ID, value: r.Value, enabled: r.IsEnabled, grant: strings.Join(types, ","), text: [][2]string{
		{"display_name", r.DisplayName},
		{"description", r.Description},
	}}
}

// entDiff is the outcome of comparing a collection of entitlements.
type entDiff struct {
	changed bool
	changes []Change
	// disable holds the values of live, enabled entries that are removed or
	// whose grant changes: they must be disabled in an earlier PATCH.
	disable map[string]bool
	removed []entitlement
	// replaced holds live entries whose id changes (a pinned id differs
	// from the live one): Graph sees the old id removed and a new one added.
	replaced []idChange
}

// idChange is an entry kept by value under another id.
type idChange struct {
	live entitlement
	to   string
}

// diffEntitlements compares live and desired entries by value. Order never
// matters. grantField names the grant in change paths.
func diffEntitlements(path, grantField string, live, want []entitlement) entDiff {
	out := entDiff{disable: map[string]bool{}}
	byValue := make(map[string]entitlement, len(live))
	for _, l := range live {
		byValue[l.value] = l
	}
	wanted := map[string]bool{}
	var added []string
	for _, w := range want {
		wanted[w.value] = true
		l, ok := byValue[w.value]
		if !ok {
			added = append(added, w.value)
			continue
		}
		elem := fmt.Sprintf("%s[%s]", path, rawJSON(w.value))
		if !strings.EqualFold(l.id, w.id) {
			// A new id is a new permission to Graph: the entry under the
			// old id goes, so an enabled one is disabled first.
			out.changes = append(out.changes, Change{Path: elem + ".id", Before: rawJSON(l.id), After: rawJSON(w.id)})
			out.replaced = append(out.replaced, idChange{live: l, to: w.id})
			if l.enabled {
				out.disable[w.value] = true
			}
		}
		if l.grant != w.grant {
			out.changes = append(out.changes, Change{Path: elem + "." + grantField, Before: rawJSON(l.grant), After: rawJSON(w.grant)})
			if l.enabled {
				out.disable[w.value] = true
			}
		}
		if l.enabled != w.enabled {
			out.changes = append(out.changes, Change{Path: elem + ".is_enabled", Before: rawJSON(l.enabled), After: rawJSON(w.enabled)})
		}
		for i := range w.text {
			if l.text[i][1] != w.text[i][1] {
				out.changes = append(out.changes, Change{Path: elem + "." + w.text[i][0], Before: rawJSON(l.text[i][1]), After: rawJSON(w.text[i][1])})
			}
		}
	}
	var removed []string
	for _, l := range live {
		if !wanted[l.value] {
			removed = append(removed, l.value)
			out.removed = append(out.removed, l)
			if l.enabled {
				out.disable[l.value] = true
			}
		}
	}
	if len(added)+len(removed) > 0 {
		out.changes = append([]Change{{Path: path, Added: quoteAll(added), Removed: quoteAll(removed)}}, out.changes...)
	}
	out.changed = len(out.changes) > 0
	return out
}

func (b *builder) diffScopes(st *appState, d *appDiff, want []tenant.PermissionScope, disable *tenant.AppProps, disableChanges *[]Change) {
	var live, desired []entitlement
	liveScopes := make([]tenant.PermissionScope, len(st.live.Scopes))
	for i, s := range st.live.Scopes {
		liveScopes[i] = tenant.PermissionScope(s)
		live = append(live, scopeEnt(liveScopes[i]))
	}
	for _, s := range want {
		desired = append(desired, scopeEnt(s))
	}
	ed := diffEntitlements("oauth2_permission_scopes", "type", live, desired)
	if !ed.changed {
		return
	}
	d.f.Scopes = &want
	d.changes = append(d.changes, ed.changes...)
	d.empty = false
	for _, r := range ed.removed {
		d.risks = append(d.risks, Risk{Code: RiskScopeRemoval, Message: b.removalMessage(st, "scope", r)})
	}
	for _, r := range ed.replaced {
		d.risks = append(d.risks, Risk{Code: RiskPermissionIDChange, Message: b.replaceMessage(st, "scope", r)})
	}
	if len(ed.disable) > 0 {
		for i := range liveScopes {
			if ed.disable[liveScopes[i].Value] {
				liveScopes[i].IsEnabled = false
				*disableChanges = append(*disableChanges, Change{
					Path:   fmt.Sprintf("oauth2_permission_scopes[%s].is_enabled", rawJSON(liveScopes[i].Value)),
					Before: rawJSON(true), After: rawJSON(false)})
			}
		}
		disable.Scopes = &liveScopes
	}
}

func (b *builder) diffRoles(st *appState, d *appDiff, want []tenant.AppRole, disable *tenant.AppProps, disableChanges *[]Change) {
	var live, desired []entitlement
	liveRoles := make([]tenant.AppRole, len(st.live.AppRoles))
	for i, r := range st.live.AppRoles {
		liveRoles[i] = tenant.AppRole{ID: r.ID, Value: r.Value, DisplayName: r.DisplayName, Description: r.Description,
			AllowedMemberTypes: nonNil(clone(r.AllowedMemberTypes)), IsEnabled: r.IsEnabled}
		live = append(live, roleEnt(liveRoles[i]))
	}
	for _, r := range want {
		desired = append(desired, roleEnt(r))
	}
	ed := diffEntitlements("app_roles", "allowed_member_types", live, desired)
	if !ed.changed {
		return
	}
	d.f.AppRoles = &want
	d.changes = append(d.changes, ed.changes...)
	d.empty = false
	for _, r := range ed.removed {
		d.risks = append(d.risks, Risk{Code: RiskRoleRemoval, Message: b.removalMessage(st, "app role", r)})
	}
	for _, r := range ed.replaced {
		d.risks = append(d.risks, Risk{Code: RiskPermissionIDChange, Message: b.replaceMessage(st, "app role", r)})
	}
	if len(ed.disable) > 0 {
		for i := range liveRoles {
			if ed.disable[liveRoles[i].Value] {
				liveRoles[i].IsEnabled = false
				*disableChanges = append(*disableChanges, Change{
					Path:   fmt.Sprintf("app_roles[%s].is_enabled", rawJSON(liveRoles[i].Value)),
					Before: rawJSON(true), After: rawJSON(false)})
			}
		}
		disable.AppRoles = &liveRoles
	}
}

// removalMessage names the clients of the file that still use a permission
// being removed (in the spec, or in their live requiredResourceAccess) and,
// for an app role, the users and groups that still hold it.
func (b *builder) removalMessage(st *appState, what string, e entitlement) string {
	users := b.usersOf(st, e)
	msg := fmt.Sprintf("removes %s %q", what, e.value)
	if what == "app role" {
		if h := b.holders(st, e.id); len(h) > 0 {
			msg += "; still held by " + strings.Join(h, ", ")
		}
	}
	if len(users) == 0 {
		return msg + "; no client in this file uses it"
	}
	return msg + "; still used by " + strings.Join(users, ", ")
}

// replaceMessage explains an id change: to Graph and to every holder it is
// a different permission.
func (b *builder) replaceMessage(st *appState, what string, c idChange) string {
	msg := fmt.Sprintf("replaces %s %q: its id changes from %s to %s; clients granted or assigned the old id lose it, and requests for the old id fail",
		what, c.live.value, c.live.id, c.to)
	if users := b.usersOf(st, c.live); len(users) > 0 {
		msg += "; used by " + strings.Join(users, ", ") + " in this file (those that list it under access move to the new id)"
	}
	return msg
}

// usersOf lists the clients of the file that use a permission of st: in
// the spec, or by its id in their live requiredResourceAccess.
func (b *builder) usersOf(st *appState, e entitlement) []string {
	var users []string
	for _, c := range b.apps {
		uses := false
		for _, acc := range c.spec.Access {
			if acc.Resource == st.key && (hasString(acc.Scopes, e.value) || hasString(acc.Roles, e.value)) {
				uses = true
			}
		}
		if c.live != nil {
			for _, r := range c.live.RequiredResourceAccess {
				if !strings.EqualFold(r.ResourceAppID, st.appID) {
					continue
				}
				for _, a := range r.ResourceAccess {
					if strings.EqualFold(a.ID, e.id) {
						uses = true
					}
				}
			}
		}
		if uses {
			users = append(users, c.key)
		}
	}
	return users
}
