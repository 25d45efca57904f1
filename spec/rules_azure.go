package spec

import (
	"fmt"
	"strings"

	"github.com/regsync/regsync/diag"
)

// azureRoles checks an application's azureRoles: each names an entry of
// azureResources, and a client that reaches the service only on behalf of
// a signed-in user is warned that its own role does not authorize those
// calls.
func (c *checker) azureRoles(a *Application) {
	for _, ar := range a.AzureRoles {
		addr := joinAddr(appAddr(a, "azureRoles"), ar.Resource)
		if c.s.AzureResource(ar.Resource) == nil {
			c.ds.Errorf(ar.Pos, addr, fmt.Sprintf("Name an entry of azureResources (known: %s), or add the resource there with its id.%s",
				listOr(azureKeys(c.s)), didYouMean(ar.Resource, azureKeys(c.s))),
				"azureRoles names unknown Azure resource %q", ar.Resource)
			continue
		}
		if delegatedOnly(a) {
			c.ds.Warnf(ar.Pos, addr, "Calls a "+string(a.Kind)+" client makes on behalf of a signed-in user are authorized by that user's role on the resource, not by the client's. Give the role to the users or groups under azureResources."+ar.Resource+".roles, or remove it here if the client never calls as itself.",
				"%s calls with delegated scopes only; its own Azure role on %s does not authorize its users", a.Key, ar.Resource)
		}
	}
}

// delegatedOnly reports whether a client only ever calls APIs on behalf of
// a signed-in user: a public client, or a confidential one whose access
// asks for delegated scopes and no application role.
func delegatedOnly(a *Application) bool {
	switch a.Kind {
	case KindPublic:
		return true
	case KindConfidential:
		scopes := false
		for _, ac := range a.Access {
			if len(ac.Roles) > 0 {
				return false
			}
			scopes = scopes || len(ac.Scopes) > 0
		}
		return scopes
	}
	return false
}

// azureResources checks the azureResources section: ids are unique, and a
// role names each user or group once.
func (c *checker) azureResources() {
	seen := map[string]string{}
	for _, r := range c.s.AzureResources {
		addr := joinAddr("azureResources", r.Key)
		norm := strings.ToLower(strings.TrimRight(r.ID, "/"))
		if other, ok := seen[norm]; ok && r.ID != "" {
			c.ds.Errorf(c.valuePos(joinAddr(addr, "id")), joinAddr(addr, "id"), fmt.Sprintf("azureResources.%s has the same id; name each resource once and list all its roles there.", other),
				"Azure resource %s is named twice", r.ID)
		}
		seen[norm] = r.Key
		for _, h := range r.Roles {
			if h.Members.Len() == 0 {
				c.ds.Errorf(h.Pos, joinAddr(joinAddr(addr, "roles"), h.Role), "List the users or groups that hold the role, or remove the entry.",
					"role %q on %s names no one", h.Role, r.Key)
			}
		}
	}
}

func azureKeys(s *Spec) []string {
	out := make([]string, 0, len(s.AzureResources))
	for _, r := range s.AzureResources {
		out = append(out, r.Key)
	}
	return out
}

// didYouMean suggests the candidate closest to v, when one is close.
func didYouMean(v string, candidates []string) string {
	best, bestD := "", 3
	for _, k := range candidates {
		if d := diag.EditDistance(v, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}
