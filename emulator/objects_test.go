package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// TestGetByIds: the objects named, of the kinds asked for, each with its
// type; unknown ids and other kinds left out; bad bodies refused.
func TestGetByIds(t *testing.T) {
	h := start(t, Options{})
	app := h.createApp(map[string]any{"displayName": "named"})
	const path = "/v1.0/directoryObjects/getByIds"
	names := func(r resp) []string {
		var out []string
		for _, v := range r.values() {
			s, _ := v["displayName"].(string)
			out = append(out, v["@odata.type"].(string)+" "+v["id"].(string)+" "+s)
		}
		return out
	}
	unknown := uuid.NewString()
	r := h.do("POST", path, map[string]any{
		"ids":   []string{SeedAdminUserID, unknown, SeedReadersGroup, CallerSPID, strings.ToUpper(SeedAliceUserID), app.str("id")},
		"types": []string{"User", "servicePrincipal"},
	}).must(t, http.StatusOK)
	got := names(r)
	if len(got) != 3 || !strings.HasPrefix(got[0], "#microsoft.graph.user "+SeedAdminUserID) ||
		!strings.HasPrefix(got[1], "#microsoft.graph.servicePrincipal "+CallerSPID) ||
		!strings.HasPrefix(got[2], "#microsoft.graph.user "+SeedAliceUserID+" Alice Clinician") {
		t.Errorf("users and service principals: %q", got)
	}
	for _, v := range r.values() {
		if v["@odata.type"] == "#microsoft.graph.user" && v["userPrincipalName"] == nil {
			t.Errorf("user without userPrincipalName: %v", v)
		}
	}
	all := names(h.do("POST", path, map[string]any{"ids": []string{SeedReadersGroup, app.str("id"), unknown}}).must(t, http.StatusOK))
	if diff := cmp.Diff([]string{"#microsoft.graph.group " + SeedReadersGroup + " FHIR Readers", "#microsoft.graph.application " + app.str("id") + " named"}, all); diff != "" {
		t.Errorf("without types (-want +got):\n%s", diff)
	}
	none := h.do("POST", path, map[string]any{"ids": []string{unknown}}).must(t, http.StatusOK)
	if v, ok := none.body["value"].([]any); !ok || len(v) != 0 {
		t.Errorf("unknown id only: value %v, want []", none.body["value"])
	}
	many := make([]string, getByIdsLimit+1)
	for i := range many {
		many[i] = uuid.NewString()
	}
	for name, body := range map[string]any{
		"no ids":        map[string]any{"types": []string{"user"}},
		"empty ids":     map[string]any{"ids": []string{}},
		"too many":      map[string]any{"ids": many},
		"unknown type":  map[string]any{"ids": []string{SeedAdminUserID}, "types": []string{"spaceship"}},
		"unknown field": map[string]any{"ids": []string{SeedAdminUserID}, "select": "id"},
	} {
		if r := h.do("POST", path, body); r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, r.status)
		}
	}
	h.do("GET", path, nil).must(t, http.StatusMethodNotAllowed)
}

// TestGetByIdsIsARead: the lost-answer fault, which drops the answers of
// writes, leaves getByIds alone.
func TestGetByIdsIsARead(t *testing.T) {
	h := start(t, Options{Faults: Faults{LostAnswerRate: 1}})
	r := h.do("POST", "/v1.0/directoryObjects/getByIds", map[string]any{"ids": []string{SeedAdminUserID}}).must(t, http.StatusOK)
	if len(r.values()) != 1 {
		t.Errorf("values %v, want the admin user", r.values())
	}
}
