// Package doctor knows which permissions a spec needs and whether a
// signed-in identity holds them. It reads the claims of an access token
// and a spec; it makes no request and imports no Azure SDK, so the rules
// are unit-tested here and the probes live in the command.
package doctor

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/regsync/regsync/spec"
)

// Directory role template ids (the wids claim of a user's token), as
// Microsoft's "Microsoft Entra built-in roles" page publishes them.
const (
	GlobalAdministrator           = "62e90394-69f5-4237-9190-012177145e10"
	PrivilegedRoleAdministrator   = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	ApplicationAdministrator      = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
	CloudApplicationAdministrator = "158c047a-c907-4556-b7ef-446551a6b5f7"
)

// roleNames names the directory roles above in messages.
var roleNames = map[string]string{
	GlobalAdministrator:           "Global Administrator",
	PrivilegedRoleAdministrator:   "Privileged Role Administrator",
	ApplicationAdministrator:      "Application Administrator",
	CloudApplicationAdministrator: "Cloud Application Administrator",
}

// allAccess is the delegated scope that lets a client act as the user in
// the directory; with it, what the user may do is decided by their roles.
const allAccess = "Directory.AccessAsUser.All"

// Claims are the parts of a Microsoft Graph access token that say what it
// may do.
type Claims struct {
	// OID is the signed-in principal's object id.
	OID string
	// AppOnly: the token is an application's (no user); its permissions
	// are Roles. Otherwise they are Scopes, within the user's directory
	// roles (DirectoryRoles, the wids claim).
	AppOnly        bool
	Roles          []string
	Scopes         []string
	DirectoryRoles []string
}

// ParseClaims reads a token payload (JSON). An app-only token carries
// idtyp "app", or roles and no scp.
func ParseClaims(payload []byte) (Claims, error) {
	var raw struct {
		OID   string   `json:"oid"`
		IDTyp string   `json:"idtyp"`
		Roles []string `json:"roles"`
		Scp   string   `json:"scp"`
		Wids  []string `json:"wids"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return Claims{}, fmt.Errorf("reading the token's claims: %w", err)
	}
	return Claims{
		OID:            raw.OID,
		AppOnly:        raw.IDTyp == "app" || (raw.Scp == "" && raw.IDTyp != "user"),
		Roles:          raw.Roles,
		Scopes:         strings.Fields(raw.Scp),
		DirectoryRoles: raw.Wids,
	}, nil
}

// Kind says what sort of identity the claims are, for the report.
func (c Claims) Kind() string {
	if c.AppOnly {
		return "application (app-only token: roles)"
	}
	return "user (delegated token: scp, wids)"
}

// has reports whether the token carries Graph permission p: a role of an
// app-only token, a scope of a user's token.
func (c Claims) has(p string) bool {
	list := c.Roles
	if !c.AppOnly {
		list = c.Scopes
	}
	for _, x := range list {
		if strings.EqualFold(x, p) {
			return true
		}
	}
	return false
}

// inRole reports whether a user's token holds one of the directory roles.
func (c Claims) inRole(roles []string) bool {
	for _, w := range c.DirectoryRoles {
		for _, r := range roles {
			if strings.EqualFold(w, r) {
				return true
			}
		}
	}
	return false
}

// Need is one Graph permission the spec needs.
type Need struct {
	// Why says what regsync does with it.
	Why string
	// AnyOf are the Graph permissions each of which is enough; the first
	// is the one to grant (the least privileged).
	AnyOf []string
	// UserRoles are the directory roles a signed-in user must also hold
	// for the delegated permission to be enough; empty when any user may.
	UserRoles []string
}

// Grant is the exact thing to grant when the need is not met.
func (n Need) Grant(appOnly bool) string {
	kind := "application permission"
	if !appOnly {
		kind = "delegated permission"
	}
	g := fmt.Sprintf("Microsoft Graph %s %s", kind, n.AnyOf[0])
	if len(n.AnyOf) > 1 {
		g += " (or " + strings.Join(n.AnyOf[1:], ", or ") + ")"
	}
	if appOnly {
		g += ", with admin consent"
	} else if len(n.UserRoles) > 0 {
		g += ", and the directory role " + RoleNames(n.UserRoles)
	}
	return g
}

// RoleNames names directory roles: "A or B".
func RoleNames(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = roleNames[id]
		if names[i] == "" {
			names[i] = id
		}
	}
	return strings.Join(names, " or ")
}

// Met reports whether the token meets the need. A user's token meets it
// with one of the scopes (or Directory.AccessAsUser.All) and, when the
// need asks for one, a directory role.
func (c Claims) Met(n Need) bool {
	ok := false
	for _, p := range n.AnyOf {
		if c.has(p) {
			ok = true
		}
	}
	if c.AppOnly {
		return ok
	}
	if !ok && !c.has(allAccess) {
		return false
	}
	return len(n.UserRoles) == 0 || c.inRole(n.UserRoles)
}

// consentRoles may grant admin consent for any API, Microsoft Graph's
// application permissions included.
var consentRoles = []string{GlobalAdministrator, PrivilegedRoleAdministrator}

// AppAdminRoles let a user manage every application, owned or not.
var AppAdminRoles = []string{GlobalAdministrator, ApplicationAdministrator, CloudApplicationAdministrator}

// rule is a row of the table: a need and when a spec has it.
type rule struct {
	need Need
	when func(*spec.Spec) bool
}

// rules is the one table of Graph permissions (docs/permissions.md).
var rules = []rule{
	{Need{Why: "create, update and delete the set's applications and service principals", AnyOf: []string{"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}}, always},
	{Need{Why: "check the spec's tenant (GET /organization)", AnyOf: []string{"Organization.Read.All", "Directory.Read.All"}}, always},
	{Need{Why: "read delegated permission grants", AnyOf: []string{"Directory.Read.All", "DelegatedPermissionGrant.ReadWrite.All"}}, always},
	{Need{Why: "read the users that members name", AnyOf: []string{"User.Read.All", "Directory.Read.All"}}, namesUsers},
	{Need{Why: "read the groups that members name", AnyOf: []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}}, namesGroups},
	{Need{Why: "assign app roles (adminConsent for roles, role members)", AnyOf: []string{"AppRoleAssignment.ReadWrite.All"}, UserRoles: consentRoles}, grantsRoles},
	{Need{Why: "grant delegated admin consent (adminConsent for scopes)", AnyOf: []string{"DelegatedPermissionGrant.ReadWrite.All"}, UserRoles: consentRoles}, grantsScopes},
}

func always(*spec.Spec) bool { return true }

func namesUsers(sp *spec.Spec) bool  { u, _ := sp.PrincipalRefs(); return len(u) > 0 }
func namesGroups(sp *spec.Spec) bool { _, g := sp.PrincipalRefs(); return len(g) > 0 }

func grantsRoles(sp *spec.Spec) bool {
	for _, a := range sp.Applications {
		if a.AdminConsent.Roles {
			return true
		}
		for _, r := range a.AppRoles {
			if r.Members != nil {
				return true
			}
		}
	}
	return false
}

func grantsScopes(sp *spec.Spec) bool {
	for _, a := range sp.Applications {
		if a.AdminConsent.Scopes {
			return true
		}
	}
	return false
}

// GraphNeeds lists the Graph permissions sp needs to be applied, in the
// table's order. A nil spec needs what every spec does.
func GraphNeeds(sp *spec.Spec) []Need {
	var out []Need
	for _, r := range rules {
		if sp == nil && !isAlways(r) {
			continue
		}
		if sp == nil || r.when(sp) {
			out = append(out, r.need)
		}
	}
	return out
}

func isAlways(r rule) bool { return r.when(&spec.Spec{}) }

// ManagesAll reports whether the token may change any application, owned
// or not: Application.ReadWrite.All for an application, one of
// AppAdminRoles for a user.
func (c Claims) ManagesAll() bool {
	if c.AppOnly {
		return c.has("Application.ReadWrite.All")
	}
	return c.inRole(AppAdminRoles)
}
