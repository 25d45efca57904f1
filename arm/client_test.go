package arm_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/regsync/regsync/arm"
	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

const (
	dicomOwner = "58a3b984-7adf-4c20-983a-32417c86fbc8"
	dicomRead  = "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a"
)

// agents records the User-Agent of every request the client sends.
type agents struct {
	mu   sync.Mutex
	seen []string
	next http.RoundTripper
}

func (a *agents) Do(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("User-Agent"))
	a.mu.Unlock()
	return a.next.RoundTrip(r)
}

func setup(t *testing.T) (*emulator.Emulator, *arm.Client, *agents) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	em, err := emulator.Start(ctx, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	cfg := endpoints.Config{ARMURL: em.ARMURL(), Token: em.Token(), TenantID: em.TenantID(), CACertPEM: em.CACertPEM()}
	tr, err := cfg.Transport()
	if err != nil {
		t.Fatal(err)
	}
	rec := &agents{next: tr}
	c, err := arm.New(cfg, arm.Options{Transport: rec, UserAgent: "regsync/v9.8.7"})
	if err != nil {
		t.Fatal(err)
	}
	return em, c, rec
}

// The real armauthorization client against the emulator: definitions by
// their published ids, inherited assignments in an atScope() listing,
// idempotent creates by name, deletes, and the failures mapped to kinds.
func TestAgainstEmulator(t *testing.T) {
	em, c, rec := setup(t)
	ctx := context.Background()
	scope := emulator.SeedDICOMService

	defs, err := c.RoleDefinitions(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range defs {
		if d.RoleName == "DICOM Data Owner" {
			found = true
			want := "/subscriptions/" + emulator.SeedSubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + dicomOwner
			if d.ID != want || d.Name != dicomOwner || d.Type != "BuiltInRole" {
				t.Errorf("DICOM Data Owner = %+v, want id %s", d, want)
			}
		}
	}
	if !found {
		t.Fatalf("no DICOM Data Owner among %d definitions", len(defs))
	}

	list, err := c.RoleAssignments(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].AtScope(scope) || !list[0].AtScope("/subscriptions/"+emulator.SeedSubscriptionID) {
		t.Fatalf("assignments at a fresh DICOM service = %+v, want only the subscription's inherited Owner", list)
	}

	want := tenant.RoleAssignment{Scope: scope, RoleDefinitionID: defs[0].ID[:strings.LastIndex(defs[0].ID, "/")+1] + dicomRead,
		PrincipalID: emulator.SeedAdminUserID, PrincipalType: tenant.PrincipalUser, Description: "Managed by regsync (set t)"}
	want.Name = tenant.AssignmentName(scope, want.RoleDefinitionID, want.PrincipalID)
	made, err := c.CreateRoleAssignment(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	if !made.Managed() || !made.AtScope(scope) || made.PrincipalType != "User" || made.Description != want.Description {
		t.Errorf("created %+v", made)
	}
	if _, err := c.CreateRoleAssignment(ctx, want); tenant.KindOf(err) != tenant.Conflict || !strings.Contains(err.Error(), "RoleAssignmentExists") {
		t.Errorf("same name again: %v, want Conflict RoleAssignmentExists", err)
	}
	twin := want
	twin.Name = "11111111-2222-4333-8444-555555555555"
	if _, err := c.CreateRoleAssignment(ctx, twin); tenant.KindOf(err) != tenant.Conflict {
		t.Errorf("same role and principal under another name: %v, want Conflict", err)
	}
	if n := em.RoleAssignmentCount(scope); n != 1 {
		t.Errorf("%d assignments at the scope, want 1", n)
	}

	ghost := want
	ghost.PrincipalID = "0f0f0f0f-0000-4000-8000-000000000000"
	ghost.Name = tenant.AssignmentName(scope, ghost.RoleDefinitionID, ghost.PrincipalID)
	if _, err := c.CreateRoleAssignment(ctx, ghost); tenant.KindOf(err) != tenant.NotFound || !strings.Contains(err.Error(), "PrincipalNotFound") {
		t.Errorf("unknown principal: %v, want NotFound PrincipalNotFound", err)
	}
	wrongType := want
	wrongType.PrincipalType = tenant.PrincipalGroup
	wrongType.RoleDefinitionID = strings.Replace(want.RoleDefinitionID, dicomRead, dicomOwner, 1)
	wrongType.Name = tenant.AssignmentName(scope, wrongType.RoleDefinitionID, wrongType.PrincipalID)
	if _, err := c.CreateRoleAssignment(ctx, wrongType); tenant.KindOf(err) != tenant.Invalid {
		t.Errorf("wrong principal type: %v, want Invalid", err)
	}

	if _, err := c.RoleAssignments(ctx, emulator.SeedWorkspace+"/dicomservices/nope"); tenant.KindOf(err) != tenant.NotFound {
		t.Errorf("unknown scope: %v, want NotFound", err)
	}
	em.SetFaults(emulator.Faults{ARMDeniedScopes: []string{emulator.SeedFHIRService}})
	if _, err := c.RoleAssignments(ctx, emulator.SeedFHIRService); tenant.KindOf(err) != tenant.Forbidden || !strings.Contains(err.Error(), "AuthorizationFailed") {
		t.Errorf("denied scope: %v, want Forbidden AuthorizationFailed", err)
	}
	em.SetFaults(emulator.Faults{ARMOutage: true})
	if _, err := c.RoleDefinitions(ctx, scope); tenant.KindOf(err) != tenant.Transient {
		t.Errorf("outage: %v, want Transient", err)
	}
	em.SetFaults(emulator.Faults{})

	if err := c.DeleteRoleAssignment(ctx, scope, want.Name); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRoleAssignment(ctx, scope, want.Name); err != nil {
		t.Errorf("deleting again: %v, want success (204)", err)
	}
	if n := em.RoleAssignmentCount(scope); n != 0 {
		t.Errorf("%d assignments after delete", n)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seen) != c.Requests() || len(rec.seen) < 10 {
		t.Errorf("%d requests seen, client counted %d", len(rec.seen), c.Requests())
	}
	for _, s := range rec.seen {
		ua := s[strings.LastIndex(s, " regsync/")+1:]
		if !strings.HasPrefix(ua, "regsync/v9.8.7 azsdk-go-armauthorization/") {
			t.Errorf("%s: User-Agent does not start with the product and the SDK", s)
		}
	}
}
