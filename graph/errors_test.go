package graph

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestClassify covers the status and message cases of classify that decide
// a retry: every 5xx is Transient whatever its code, and a 400 that names a
// missing referenced object is NotFound (replication lag), while a 400 of
// similar wording about a value stays Invalid.
func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		code    string
		message string
		want    tenant.Kind
		missing tenant.Missing
		reason  string
	}{
		{name: "500 UnknownError", status: 500, code: "UnknownError", message: "An internal server error occurred.", want: tenant.Transient,
			reason: "the code UnknownError is not the kind: a 500 is worth retrying"},
		{name: "502", status: 502, code: "BadGateway", want: tenant.Transient, reason: "the Graph SDK does not resend a 502; the caller must"},
		{name: "504", status: 504, code: "GatewayTimeout", want: tenant.Transient},
		{name: "408", status: 408, want: tenant.Transient},
		{name: "grant on an unreplicated principal", status: 400, code: "Request_BadRequest",
			message: "Resource '4a0e5c1d-0000-4000-8000-000000000001' does not exist or one of its queried reference-property objects are not present.",
			want:    tenant.NotFound, reason: "hamilton retries this 400 on POST /oauth2PermissionGrants"},
		{name: "assignment to an unreplicated principal", status: 400, code: "Request_BadRequest", message: "Not a valid reference update.",
			want: tenant.NotFound, reason: "msgraph-bicep-types#193"},
		{name: "assignment to an application, not a principal", status: 400, code: "Request_BadRequest",
			message: "Invalid value specified for property 'principalId' of resource 'AppRoleAssignment': 'x' is not a user or service principal of the tenant.",
			want:    tenant.Invalid, reason: "an object of the wrong type is not lag"},
		{name: "invalid value stays invalid", status: 400, code: "Request_BadRequest",
			message: "Invalid value specified for property 'type' of resource 'PermissionScope'.", want: tenant.Invalid,
			reason: "only the missing-object wordings are NotFound, not every invalid property value"},
		{name: "app role not on the resource", status: 400, code: "Request_BadRequest", message: "Permission being assigned was not found on application.",
			want: tenant.NotFound, missing: tenant.MissingAppRole,
			reason: "a new role reaches the service principal late; whether that is lag is the caller's call (Missing)"},
		{name: "not found on a 404", status: 404, code: "Request_ResourceNotFound",
			message: "Resource 'x' does not exist or one of its queried reference-property objects are not present.", want: tenant.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := classify(tt.status, tt.code, tt.message, nil, http.Header{})
			if e.Kind != tt.want || e.Missing != tt.missing {
				t.Errorf("classify(%d, %q, %q) = %v (missing %d), want %v (missing %d) (%s)", tt.status, tt.code, tt.message, e.Kind, e.Missing, tt.want, tt.missing, tt.reason)
			}
			if e.Status != tt.status || e.Code != tt.code {
				t.Errorf("status, code = %d, %q; want %d, %q kept", e.Status, e.Code, tt.status, tt.code)
			}
		})
	}
}

// settableClock is the emulator's clock in TestEmulatorLagKinds.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *settableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestEmulatorLagKinds checks, against the emulator with replication lag,
// that every write the applier sends right after a create answers with a
// kind the applier rides out as lag (NotFound), not a final Invalid: a
// grant whose client or resource service principal is new, an app-role
// assignment whose principal or resource is new, an owner added to and a
// password added to a new application.
func TestEmulatorLagKinds(t *testing.T) {
	clock := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	e, err := emulator.Start(context.Background(), emulator.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()

	// An application made two hours ago has replicated; its service
	// principal, made now, has not. A second application made now has not
	// either.
	name := "lag-resource"
	roleID := tenant.StableID("lag", "lag-resource", "role", "read")
	old, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name,
		AppRoles: &[]tenant.AppRole{{ID: roleID, Value: "Data.Read", DisplayName: "Read", Description: "Read", AllowedMemberTypes: []string{"Application"}, IsEnabled: true}}})))
	mustNoErr(t, "create application", err)
	clock.add(2 * time.Hour)
	e.SetFaults(emulator.Faults{ReplicationLag: time.Hour})
	newSP, err := madeSP(c.Do(ctx, tenant.CreateServicePrincipal(old.AppID, nil)))
	mustNoErr(t, "create service principal", err)
	fresh := "lag-fresh"
	newApp, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &fresh})))
	mustNoErr(t, "create application", err)

	graphSPs, err := c.ServicePrincipalsByAppID(ctx, []string{"00000003-0000-0000-c000-000000000000"})
	mustNoErr(t, "read the Microsoft Graph service principal", err)
	if len(graphSPs) != 1 || len(graphSPs[0].AppRoles) == 0 {
		t.Fatalf("the emulator's Microsoft Graph service principal is missing or has no app roles: %+v", graphSPs)
	}
	graphSP := graphSPs[0]

	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"grant with a new client", func() error {
			_, err = c.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: newSP.ID, ResourceID: graphSP.ID, ConsentType: "AllPrincipals", Scope: "User.Read"}))
			return err
		}},
		{"grant on a new resource", func() error {
			_, err = c.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: emulator.CallerSPID, ResourceID: newSP.ID, ConsentType: "AllPrincipals", Scope: "Data.Read"}))
			return err
		}},
		{"assignment to a new principal", func() error {
			_, err = c.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: newSP.ID, ResourceID: graphSP.ID, AppRoleID: graphSP.AppRoles[0].ID}))
			return err
		}},
		{"assignment on a new resource", func() error {
			_, err = c.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: emulator.CallerSPID, ResourceID: newSP.ID, AppRoleID: roleID}))
			return err
		}},
		{"owner of a new application", func() error {
			return errOf(c.Do(ctx, tenant.AddOwner(newApp.ID, emulator.SeedAdminUserID)))
		}},
		{"password of a new application", func() error {
			_, err = c.Do(ctx, tenant.AddPassword(newApp.ID, tenant.PasswordRequest{DisplayName: "lag", End: clock.now().Add(24 * time.Hour)}))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k := kindOf(tc.call()); k != tenant.NotFound {
				t.Errorf("kind %v, want not found (replication lag)", k)
			}
		})
	}

	// Once the lag has passed, the same calls succeed.
	clock.add(2 * time.Hour)
	if _, err := c.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: newSP.ID, ResourceID: graphSP.ID, ConsentType: "AllPrincipals", Scope: "User.Read"})); err != nil {
		t.Errorf("grant after the lag: %v", err)
	}
	if _, err := c.Do(ctx, tenant.AddOwner(newApp.ID, emulator.SeedAdminUserID)); err != nil {
		t.Errorf("owner after the lag: %v", err)
	}
}

// TestEmulatorNewAppRoleLag: against the emulator with replication lag, an
// app role added to an existing resource application is not on its service
// principal yet, and assigning it answers NotFound with MissingAppRole,
// which the applier rides out only for a role its run added. A role that
// exists nowhere gets the same answer (Graph cannot tell them apart); a new
// principal stays MissingObject. After the lag the role is assignable.
func TestEmulatorNewAppRoleLag(t *testing.T) {
	clock := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	e, err := emulator.Start(context.Background(), emulator.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()

	role := func(id, value string) tenant.AppRole {
		return tenant.AppRole{ID: id, Value: value, DisplayName: value, Description: value, AllowedMemberTypes: []string{"Application"}, IsEnabled: true}
	}
	name := "roles-resource"
	readID := tenant.StableID("lag", "roles-resource", "role", "Data.Read")
	writeID := tenant.StableID("lag", "roles-resource", "role", "Data.Write")
	app, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, AppRoles: &[]tenant.AppRole{role(readID, "Data.Read")}})))
	mustNoErr(t, "create application", err)
	sp, err := madeSP(c.Do(ctx, tenant.CreateServicePrincipal(app.AppID, nil)))
	mustNoErr(t, "create service principal", err)
	clock.add(2 * time.Hour)
	e.SetFaults(emulator.Faults{ReplicationLag: time.Hour})

	roles := []tenant.AppRole{role(readID, "Data.Read"), role(writeID, "Data.Write")}
	mustNoErr(t, "add a role", errOf(c.Do(ctx, tenant.UpdateApplication(app.ID, tenant.AppProps{AppRoles: &roles}))))
	assign := func(roleID string) error {
		_, err = c.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: emulator.CallerSPID, ResourceID: sp.ID, AppRoleID: roleID}))
		return err
	}
	err = assign(writeID)
	if kindOf(err) != tenant.NotFound || tenant.MissingOf(err) != tenant.MissingAppRole {
		t.Errorf("the new role during the lag: kind %v, missing %d (%v); want not found, MissingAppRole", kindOf(err), tenant.MissingOf(err), err)
	}
	if err := assign(tenant.StableID("lag", "roles-resource", "role", "nowhere")); tenant.MissingOf(err) != tenant.MissingAppRole {
		t.Errorf("a role that exists nowhere: missing %d (%v), want MissingAppRole", tenant.MissingOf(err), err)
	}
	mustNoErr(t, "assign the role that had replicated", assign(readID))
	clock.add(2 * time.Hour)
	mustNoErr(t, "assign the new role after the lag", assign(writeID))
}
