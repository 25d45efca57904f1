package graph

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestEmulatorObjectsByID: one getByIds request names a user, a service
// principal and a group with their type; an unknown id and a non-GUID are
// left out.
func TestEmulatorObjectsByID(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	before := c.Requests()
	got, err := c.ObjectsByID(context.Background(), []string{emulator.SeedAdminUserID, uuid.NewString(), emulator.SeedReadersGroup, emulator.CallerSPID, "not-an-id"})
	mustNoErr(t, "ObjectsByID", err)
	if n := c.Requests() - before; n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	byID := map[string]tenant.DirectoryObject{}
	for _, o := range got {
		byID[o.ID] = o
	}
	if len(got) != 3 {
		t.Errorf("got %d objects, want 3: %+v", len(got), got)
	}
	if u := byID[emulator.SeedAdminUserID]; u.Type != "user" || u.UserPrincipalName == "" || u.DisplayName == "" {
		t.Errorf("admin user = %+v", u)
	}
	if sp := byID[emulator.CallerSPID]; sp.Type != "servicePrincipal" || sp.AppID == "" {
		t.Errorf("caller service principal = %+v", sp)
	}
	if diff := cmp.Diff(tenant.DirectoryObject{ID: emulator.SeedReadersGroup, Type: "group", DisplayName: "FHIR Readers"}, byID[emulator.SeedReadersGroup]); diff != "" {
		t.Errorf("group (-want +got):\n%s", diff)
	}
	none, err := c.ObjectsByID(context.Background(), []string{"not-an-id"})
	if err != nil || len(none) != 0 {
		t.Errorf("only a non-GUID: %v, %v; want nothing and no request", none, err)
	}
}
