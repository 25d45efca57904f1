package doctor

import (
	"strings"
	"testing"

	"github.com/regsync/regsync/spec"
)

func needsOf(sp *spec.Spec) string {
	var s []string
	for _, n := range GraphNeeds(sp) {
		s = append(s, n.AnyOf[0])
	}
	return strings.Join(s, " ")
}

func TestGraphNeedsFollowTheSpec(t *testing.T) {
	base := "Application.ReadWrite.OwnedBy Organization.Read.All Directory.Read.All"
	plain := &spec.Spec{Applications: []*spec.Application{{Key: "worker"}}}
	if got := needsOf(plain); got != base {
		t.Errorf("plain spec needs %q, want %q", got, base)
	}
	roles := &spec.Spec{Applications: []*spec.Application{{Key: "c", AdminConsent: spec.Consent{Roles: true}}}}
	if got := needsOf(roles); got != base+" AppRoleAssignment.ReadWrite.All" {
		t.Errorf("role consent needs %q", got)
	}
	scopes := &spec.Spec{Applications: []*spec.Application{{Key: "c", AdminConsent: spec.Consent{Scopes: true}}}}
	if got := needsOf(scopes); got != base+" DelegatedPermissionGrant.ReadWrite.All" {
		t.Errorf("scope consent needs %q", got)
	}
	members := &spec.Spec{Applications: []*spec.Application{{Key: "api", AppRoles: []spec.AppRole{{Value: "r", Members: &spec.Members{
		Users: []spec.PrincipalRef{{Value: "ann@contoso.com"}}, Groups: []spec.PrincipalRef{{Value: "Ops"}}}}}}}}
	if got := needsOf(members); got != base+" User.Read.All GroupMember.Read.All AppRoleAssignment.ReadWrite.All" {
		t.Errorf("members need %q", got)
	}
}

func TestAppOnlyTokenIsJudgedByRoles(t *testing.T) {
	c, err := ParseClaims([]byte(`{"oid":"sp1","idtyp":"app","roles":["Application.ReadWrite.OwnedBy","Directory.Read.All"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.AppOnly || c.OID != "sp1" {
		t.Fatalf("claims %+v", c)
	}
	needs := GraphNeeds(&spec.Spec{Applications: []*spec.Application{{Key: "c", AdminConsent: spec.Consent{Roles: true}}}})
	var missing []string
	for _, n := range needs {
		if !c.Met(n) {
			missing = append(missing, n.Grant(true))
		}
	}
	// Organization.Read.All is met by Directory.Read.All; the consent is not.
	if len(missing) != 1 || missing[0] != "Microsoft Graph application permission AppRoleAssignment.ReadWrite.All, with admin consent" {
		t.Errorf("missing = %q", missing)
	}
	if c.ManagesAll() {
		t.Error("OwnedBy manages every application")
	}
}

func TestUserTokenIsJudgedByScopesAndDirectoryRoles(t *testing.T) {
	consent := Need{Why: "x", AnyOf: []string{"AppRoleAssignment.ReadWrite.All"}, UserRoles: consentRoles}
	user, err := ParseClaims([]byte(`{"oid":"u1","idtyp":"user","scp":"Application.ReadWrite.All AppRoleAssignment.ReadWrite.All","wids":["` + CloudApplicationAdministrator + `"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if user.AppOnly {
		t.Fatal("a token with scp is a user's")
	}
	if user.Met(consent) {
		t.Error("a Cloud Application Administrator met a consent need that asks for Global or Privileged Role Administrator")
	}
	if !user.Met(GraphNeeds(nil)[0]) || !user.ManagesAll() {
		t.Error("the user's Application.ReadWrite.All scope and role do not manage applications")
	}
	if g := consent.Grant(false); !strings.Contains(g, "delegated permission AppRoleAssignment.ReadWrite.All") || !strings.Contains(g, "Global Administrator or Privileged Role Administrator") {
		t.Errorf("grant = %q", g)
	}
	cli, _ := ParseClaims([]byte(`{"scp":"Directory.AccessAsUser.All","wids":["` + GlobalAdministrator + `"]}`))
	if !cli.Met(consent) {
		t.Error("a Global Administrator with Directory.AccessAsUser.All does not meet consent")
	}
	if _, err := ParseClaims([]byte(`not json`)); err == nil {
		t.Error("bad claims parsed")
	}
}
