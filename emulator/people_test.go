package emulator

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func names(r resp, prop string) []string {
	var out []string
	for _, v := range r.values() {
		s, _ := v[prop].(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// TestUsersAndGroups: the seeded users and groups answer the filters
// regsync sends (in on userPrincipalName, displayName and id; startsWith
// for candidates), $select keeps only what was asked.
func TestUsersAndGroups(t *testing.T) {
	h := start(t, Options{})
	q := func(path, filter string) string { return path + "?$filter=" + url.QueryEscape(filter) }

	r := h.do("GET", q("/v1.0/users", "userPrincipalName in ('alice@contoso.com','BOB@contoso.com','nobody@contoso.com')")+"&$select=id,userPrincipalName", nil).must(t, http.StatusOK)
	if diff := cmp.Diff([]string{"alice@contoso.com", "bob@contoso.com"}, names(r, "userPrincipalName")); diff != "" {
		t.Errorf("users by UPN (-want +got):\n%s", diff)
	}
	if _, ok := r.values()[0]["displayName"]; ok {
		t.Errorf("$select=id,userPrincipalName returned displayName: %s", r.raw)
	}
	r = h.do("GET", q("/v1.0/groups", "displayName in ('FHIR Readers','Nope')"), nil).must(t, http.StatusOK)
	if diff := cmp.Diff([]string{"FHIR Readers"}, names(r, "displayName")); diff != "" {
		t.Errorf("groups by name (-want +got):\n%s", diff)
	}
	r = h.do("GET", q("/v1.0/groups", "id in ('"+SeedWritersGroup+"')"), nil).must(t, http.StatusOK)
	if diff := cmp.Diff([]string{"FHIR Writers"}, names(r, "displayName")); diff != "" {
		t.Errorf("groups by id (-want +got):\n%s", diff)
	}
	r = h.do("GET", q("/v1.0/groups", "startswith(displayName,'fhir') or startswith(displayName,'heal')"), nil).must(t, http.StatusOK)
	if diff := cmp.Diff([]string{"FHIR Readers", "FHIR Writers", "Health Data Admins"}, names(r, "displayName")); diff != "" {
		t.Errorf("groups by prefix (-want +got):\n%s", diff)
	}
	h.do("GET", "/v1.0/groups/"+SeedAdminsGroup, nil).must(t, http.StatusOK)
	h.do("GET", "/v1.0/groups/7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4cff", nil).must(t, http.StatusNotFound)
}

// TestAssignToUsersAndGroups: appRoleAssignedTo derives principalType
// from the id (User, Group), refuses a role not meant for users, and a
// deleted user or group loses its assignments.
func TestAssignToUsersAndGroups(t *testing.T) {
	h := start(t, Options{})
	roleUser, roleApp := "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	app := h.createApp(map[string]any{"displayName": "api", "appRoles": []any{
		map[string]any{"id": roleUser, "value": "reader", "displayName": "r", "description": "r", "allowedMemberTypes": []any{"User"}, "isEnabled": true},
		map[string]any{"id": roleApp, "value": "daemon", "displayName": "d", "description": "d", "allowedMemberTypes": []any{"Application"}, "isEnabled": true},
	}})
	sp := h.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.str("appId")}).must(t, http.StatusCreated)
	spID := sp.str("id")
	assign := func(principal, role string) resp {
		return h.do("POST", "/v1.0/servicePrincipals/"+spID+"/appRoleAssignedTo",
			map[string]any{"principalId": principal, "resourceId": spID, "appRoleId": role})
	}
	if a := assign(SeedAliceUserID, roleUser).must(t, http.StatusCreated); a.str("principalType") != "User" || a.str("principalDisplayName") != "Alice Clinician" {
		t.Errorf("user assignment: %s", a.raw)
	}
	if a := assign(SeedReadersGroup, roleUser).must(t, http.StatusCreated); a.str("principalType") != "Group" || a.str("principalDisplayName") != "FHIR Readers" {
		t.Errorf("group assignment: %s", a.raw)
	}
	assign(SeedBobUserID, roleApp).must(t, http.StatusBadRequest)

	h.do("DELETE", "/v1.0/users/alice@contoso.com", nil).must(t, http.StatusNoContent)
	h.do("DELETE", "/v1.0/groups/"+SeedReadersGroup, nil).must(t, http.StatusNoContent)
	h.do("GET", "/v1.0/users/"+SeedAliceUserID, nil).must(t, http.StatusNotFound)
	r := h.do("GET", "/v1.0/servicePrincipals/"+spID+"/appRoleAssignedTo", nil).must(t, http.StatusOK)
	if len(r.values()) != 0 {
		t.Errorf("assignments of deleted principals still listed: %s", r.raw)
	}
}

// TestSeedGroups: a seed file adds groups; a bad id is refused.
func TestSeedGroups(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seed, []byte("groups:\n  - {id: 7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c99, displayName: DICOM Readers}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, Options{SeedFile: seed})
	r := h.do("GET", "/v1.0/groups?$filter="+url.QueryEscape("displayName eq 'DICOM Readers'"), nil).must(t, http.StatusOK)
	if len(r.values()) != 1 {
		t.Errorf("seeded group: %s", r.raw)
	}
	if err := os.WriteFile(seed, []byte("groups:\n  - {id: nope, displayName: X}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if e, err := Start(context.Background(), Options{SeedFile: seed}); err == nil {
		_ = e.Close()
		t.Error("a group id that is not a GUID was accepted")
	}
}
