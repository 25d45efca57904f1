package drift

import (
	"fmt"
	"strings"
)

// members reports the users and groups of app roles that differ from the
// spec's members and are not a plan action: assignments to principals the
// spec does not name (Plan.UndeclaredMembers; a plan without prune only
// notes them), and members that no longer exist in the tenant
// (Plan.MissingPrincipals, when the plan was computed for drift).
func (c *classifier) members() {
	for _, m := range c.plan.UndeclaredMembers {
		label := strings.ToLower(m.Principal.Type) + " " + m.Principal.Name
		c.add(Item{Class: ClassConsentAdded, App: m.App, Object: spAddr(m.App), Address: m.Address, Field: "members",
			Unexpected: []string{label},
			Message: fmt.Sprintf("%s (%s) holds app role %s, but the role's members do not name it; apply --prune removes it",
				label, m.Principal.ID, m.Role)})
	}
	for _, m := range c.plan.MissingPrincipals {
		c.add(Item{Class: ClassMissing, App: m.App, Object: spAddr(m.App), Address: m.Address, Field: "members",
			Missing: []string{strings.ToLower(m.Type) + " " + m.Ref},
			Message: fmt.Sprintf("%s %q, a member of app role %s (%s), does not exist in the tenant: deleted since the last run? Remove it from the spec, or restore it",
				strings.ToLower(m.Type), m.Ref, m.Role, m.Pos)})
	}
}
