package drift

import (
	"fmt"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// roles reports the Azure role assignments at the spec's azureResources
// that differ from the spec: declared ones that do not exist, and ones made
// at a declared scope itself that the spec does not declare, whether by
// hand or by regsync for a holder the spec has since dropped. Assignments
// inherited from a parent scope are not looked at. An application's own
// role is implied by its missing service principal and not listed.
func (c *classifier) roles() {
	if len(c.spec.AzureResources) == 0 {
		return
	}
	for _, r := range c.spec.AzureResources {
		c.object(Object{Address: planner.AzureResourceKey(r.Key), Type: planner.KindAzureResource, InSpec: true})
	}
	diff, _ := planner.DiffRoles(c.spec, c.live, func(app string) (string, string) {
		la := c.liveApps[app]
		if la == nil {
			return "", ""
		}
		if sp := c.spByApp[strings.ToLower(la.AppID)]; sp != nil {
			return sp.ID, ""
		}
		return "", ""
	})
	// A user or group deleted since the spec was written (or misspelt) is
	// drift here, where plan refuses it as an error.
	for _, u := range diff.Unresolved {
		d := u.Diagnostic(u.Address, 0)
		part := "users"
		if u.Type == tenant.PrincipalGroup {
			part = "groups"
		}
		c.add(Item{Class: ClassRoleRemoved, Object: planner.AzureResourceKey(u.Resource.Key), Address: fmt.Sprintf("%s.%s[%q]", u.Address, part, u.Ref.Value),
			Field: "role_assignments", Missing: []string{u.Role + " " + strings.ToLower(u.Type) + " " + u.Ref.Value},
			Message: fmt.Sprintf("%s: %s holds no %s on %s", d.Summary, u.Ref.Value, u.Role, u.Resource.Key)})
	}
	for _, w := range diff.Missing {
		if w.PrincipalID == "" {
			continue // the application or its service principal is missing
		}
		app := ""
		if c.apps[w.App] != nil {
			app = w.App
		}
		c.add(Item{Class: ClassRoleRemoved, App: app, Object: planner.AzureResourceKey(w.Resource.Key), Address: w.Address,
			Field: "role_assignments", Missing: []string{w.Def.RoleName + " " + w.Principal},
			Message: fmt.Sprintf("%s does not hold %s on %s (%s), which the spec declares", w.Principal, w.Def.RoleName, w.Resource.Key, w.Resource.ID)})
	}
	for _, u := range diff.Undeclared {
		role := u.RoleName
		if role == "" {
			role = "role " + u.Assignment.RoleGUID()
		}
		who := "made outside regsync"
		if u.Assignment.Managed() {
			who = "made by regsync, no longer declared; plan with --prune to remove it"
		}
		c.add(Item{Class: ClassRoleAdded, Object: planner.AzureResourceKey(u.Resource.Key),
			Address: fmt.Sprintf("%s.role_assignments[%s]", planner.AzureResourceKey(u.Resource.Key), quote(u.Assignment.Name)),
			Field:   "role_assignments", Unexpected: []string{role + " " + u.Principal},
			Message: fmt.Sprintf("%s holds %s on %s, which the spec does not declare (%s)", u.Principal, role, u.Resource.Key, who)})
	}
}
