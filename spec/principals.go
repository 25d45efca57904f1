package spec

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/regsync/regsync/diag"
)

// PrincipalRef names a user or a group of the tenant, as the file writes
// it: a user by userPrincipalName or object id, a group by its (unique)
// display name or object id. The planner resolves it against the tenant
// (planner.ResolvePrincipals); the spec only knows the text and where it is.
type PrincipalRef struct {
	Value string
	Pos   diag.Pos
}

// IsObjectID reports whether the reference is an object id (a GUID) rather
// than a name.
func (r PrincipalRef) IsObjectID() bool {
	_, err := uuid.Parse(r.Value)
	return err == nil && len(r.Value) == 36
}

// Members are the users and groups that hold something: an app role of a
// resource application (appRoles.<role>.members), and whatever else the
// spec grants to people. A nil *Members means "not declared": the planner
// leaves the live holders alone. A declared one is the exact set: holders
// the file does not name are drift, and apply --prune removes them.
type Members struct {
	Users  []PrincipalRef
	Groups []PrincipalRef
	Pos    diag.Pos // of the members key
}

// Len is the number of references.
func (m *Members) Len() int {
	if m == nil {
		return 0
	}
	return len(m.Users) + len(m.Groups)
}

// buildMembers reads a members mapping ({users: [...], groups: [...]});
// nil when n is absent or not a mapping (the schema has reported that).
func buildMembers(n *node) *Members {
	if n == nil || n.kind != kindObject {
		return nil
	}
	m := &Members{Users: []PrincipalRef{}, Groups: []PrincipalRef{}, Pos: n.keyPos}
	refs := func(list *node) []PrincipalRef {
		out := []PrincipalRef{}
		if list == nil || list.kind != kindArray {
			return out
		}
		for _, it := range list.items {
			if it.kind == kindString {
				out = append(out, PrincipalRef{Value: strings.TrimSpace(it.str), Pos: it.pos})
			}
		}
		return out
	}
	m.Users = refs(n.get("users"))
	m.Groups = refs(n.get("groups"))
	return m
}

// PrincipalRefs lists every user and every group reference of the file, in
// file order, each value once (compared without case): what the tenant
// read must resolve (tenant.ReadQuery.Users and Groups).
func (s *Spec) PrincipalRefs() (users, groups []string) {
	seenU, seenG := map[string]bool{}, map[string]bool{}
	add := func(list *[]string, seen map[string]bool, refs []PrincipalRef) {
		for _, r := range refs {
			k := strings.ToLower(r.Value)
			if r.Value != "" && !seen[k] {
				seen[k] = true
				*list = append(*list, r.Value)
			}
		}
	}
	for _, r := range s.AzureResources {
		if r == nil {
			continue
		}
		for _, h := range r.Roles {
			if h.Members != nil {
				add(&users, seenU, h.Members.Users)
				add(&groups, seenG, h.Members.Groups)
			}
		}
	}
	for _, a := range s.Applications {
		if a == nil {
			continue
		}
		for _, r := range a.AppRoles {
			if r.Members != nil {
				add(&users, seenU, r.Members.Users)
				add(&groups, seenG, r.Members.Groups)
			}
		}
	}
	return users, groups
}

// roleMembers checks the users and groups of each app role: only a role
// for users (memberTypes holding User, which Graph uses for users and
// groups alike) can be assigned to them, only while it is enabled, each
// at most once, and a user is named by userPrincipalName or object id.
func (c *checker) roleMembers(a *Application) {
	for _, r := range a.AppRoles {
		m := r.Members
		if m == nil {
			continue
		}
		addr := joinAddr(joinAddr(appAddr(a, "appRoles"), r.Value), "members")
		if !contains(r.AllowedMemberTypes, "User") && m.Len() > 0 {
			c.ds.Errorf(m.Pos, addr, "Graph assigns a role to users and groups only when its allowedMemberTypes holds User (for both). Add User to memberTypes, or move these members to a role meant for people.",
				"app role %q names users or groups but its memberTypes do not include User", r.Value)
		}
		if !r.Enabled && m.Len() > 0 {
			c.ds.Errorf(m.Pos, addr, "Graph refuses to assign a disabled role. Enable it, or remove its members (apply, then disable it).",
				"app role %q is disabled but names members", r.Value)
		}
		dups := func(kind string, refs []PrincipalRef) {
			seen := map[string]string{}
			for i, p := range refs {
				k := strings.ToLower(p.Value)
				if prev, dup := seen[k]; dup {
					c.ds.Errorf(p.Pos, addr+"."+kind+"["+strconv.Itoa(i)+"]", fmt.Sprintf("Names are compared without case; %q is listed already. Remove one.", prev),
						"%s %q is listed twice", kind[:len(kind)-1], trimmed(p.Value))
				}
				seen[k] = p.Value
			}
		}
		dups("users", m.Users)
		dups("groups", m.Groups)
		for i, u := range m.Users {
			if !u.IsObjectID() && !strings.Contains(u.Value, "@") {
				c.ds.Errorf(u.Pos, addr+".users["+strconv.Itoa(i)+"]", "Name a user by userPrincipalName (alice@contoso.com) or by object id (a GUID). A group goes under groups.",
					"%q is neither a userPrincipalName nor an object id", trimmed(u.Value))
			}
		}
	}
}
