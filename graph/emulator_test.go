package graph

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph/endpoints"
	"github.com/regsync/regsync/tenant"
)

// These tests drive Client with the real SDK over HTTPS against the
// project's emulator on a loopback port.

func startEmulator(t testing.TB, f emulator.Faults) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(context.Background(), emulator.Options{Faults: f})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func emulatorConfig(e *emulator.Emulator) endpoints.Config {
	return endpoints.Config{GraphURL: e.GraphURL(), VaultURL: e.KeyVaultURL(), Token: e.Token(), TenantID: e.TenantID(), CACertPEM: e.CACertPEM()}
}

func emulatorClient(t testing.TB, e *emulator.Emulator, opts Options) *Client {
	t.Helper()
	c, err := New(emulatorConfig(e), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func kindOf(err error) tenant.Kind {
	var te *tenant.Error
	if errors.As(err, &te) {
		return te.Kind
	}
	return tenant.Unknown
}

func mustNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestEmulatorDirectory(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	const set = "fhir-prod"

	org, err := c.Organization(ctx)
	mustNoErr(t, "organization", err)
	if org.ID != e.TenantID() || len(org.VerifiedDomains) == 0 {
		t.Errorf("organization = %+v, want id %s and verified domains", org, e.TenantID())
	}

	scopeID := tenant.StableID(set, "fhir-api", "scope", "user_impersonation")
	roleID := tenant.StableID(set, "fhir-api", "role", "globalReader")
	tags := []string{tenant.SetTag(set), tenant.KeyTag("fhir-api")}
	name := "Contoso FHIR API"
	api, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{
		DisplayName: &name, Tags: &tags,
		Scopes:   &[]tenant.PermissionScope{{ID: scopeID, Value: "user_impersonation", Type: "User", IsEnabled: true, AdminConsentDisplayName: "Access the FHIR API", AdminConsentDescription: "Access the FHIR API"}},
		AppRoles: &[]tenant.AppRole{{ID: roleID, Value: "globalReader", DisplayName: "Global reader", Description: "Reads everything", AllowedMemberTypes: []string{"User", "Application"}, IsEnabled: true}},
	})))
	mustNoErr(t, "create resource app", err)
	clientTags := []string{tenant.SetTag(set), tenant.KeyTag("loader")}
	loaderName := "loader"
	loader, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &loaderName, Tags: &clientTags})))
	mustNoErr(t, "create client app", err)

	newName := "Contoso FHIR API (prod)"
	uris := []string{"https://portal.contoso.com/signin-oidc"}
	mustNoErr(t, "update", errOf(c.Do(ctx, tenant.UpdateApplication(loader.ID, tenant.AppProps{DisplayName: &newName, WebRedirectURIs: &uris}))))
	mustNoErr(t, "add owner", errOf(c.Do(ctx, tenant.AddOwner(loader.ID, emulator.SeedAdminUserID))))
	pc, secret, err := madePassword(c.Do(ctx, tenant.AddPassword(loader.ID, tenant.PasswordRequest{DisplayName: "regsync", End: time.Now().Add(90 * 24 * time.Hour)})))
	mustNoErr(t, "add password", err)
	if secret.IsZero() || pc.KeyID == "" {
		t.Fatalf("addPassword returned %+v and an empty secret", pc)
	}
	fc, err := madeFederated(c.Do(ctx, tenant.CreateFederatedCredential(loader.ID, tenant.FederatedCredential{Name: "gh-main", Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:contoso/fhir:ref:refs/heads/main", Audiences: []string{"api://AzureADTokenExchange"}})))
	mustNoErr(t, "create federated credential", err)
	fc.Subject = "repo:contoso/fhir:environment:prod"
	mustNoErr(t, "update federated credential", errOf(c.Do(ctx, tenant.UpdateFederatedCredential(loader.ID, fc))))

	apiSP, err := madeSP(c.Do(ctx, tenant.CreateServicePrincipal(api.AppID, tags)))
	mustNoErr(t, "create resource SP", err)
	loaderSP, err := madeSP(c.Do(ctx, tenant.CreateServicePrincipal(loader.AppID, clientTags)))
	mustNoErr(t, "create client SP", err)
	required := true
	mustNoErr(t, "update SP", errOf(c.Do(ctx, tenant.UpdateServicePrincipal(apiSP.ID, tenant.ServicePrincipalPatch{AppRoleAssignmentRequired: &required}))))

	as, err := madeAssignment(c.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: loaderSP.ID, ResourceID: apiSP.ID, AppRoleID: roleID})))
	mustNoErr(t, "assign role", err)
	grant, err := madeGrant(c.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: loaderSP.ID, ResourceID: apiSP.ID, ConsentType: "AllPrincipals", Scope: "user_impersonation"})))
	mustNoErr(t, "grant", err)
	_, err = c.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: loaderSP.ID, ResourceID: apiSP.ID, ConsentType: "AllPrincipals", Scope: "user_impersonation"}))
	if k := kindOf(err); k != tenant.Conflict {
		t.Errorf("duplicate grant: kind %v (%v), want conflict", k, err)
	}
	mustNoErr(t, "update grant", errOf(c.Do(ctx, tenant.UpdatePermissionGrant(grant.ID, "user_impersonation openid"))))

	// Reads.
	apps, err := c.ListApplications(ctx, set)
	mustNoErr(t, "list apps", err)
	byID := map[string]*tenant.Application{}
	for _, a := range apps {
		byID[a.ID] = a
	}
	if len(apps) != 2 || byID[loader.ID] == nil || byID[api.ID] == nil {
		t.Fatalf("ListApplications = %d apps, want the 2 created", len(apps))
	}
	got := byID[loader.ID]
	if got.DisplayName != newName || !cmp.Equal(got.Web.RedirectURIs, uris) {
		t.Errorf("update not visible: %q %v", got.DisplayName, got.Web.RedirectURIs)
	}
	// The caller becomes an owner of what it creates, as in Entra.
	owners := append([]string(nil), got.Owners...)
	sort.Strings(owners)
	if want := []string{emulator.CallerSPID, emulator.SeedAdminUserID}; !cmp.Equal(owners, want) {
		t.Errorf("owners = %v, want %v", owners, want)
	}
	if len(got.PasswordCredentials) != 1 || got.PasswordCredentials[0].KeyID != pc.KeyID {
		t.Errorf("password credentials = %+v", got.PasswordCredentials)
	}
	if len(got.FederatedCredentials) != 1 || got.FederatedCredentials[0].Subject != fc.Subject {
		t.Errorf("federated credentials = %+v", got.FederatedCredentials)
	}
	if a := byID[api.ID]; len(a.Scopes) != 1 || a.Scopes[0].ID != scopeID || len(a.AppRoles) != 1 {
		t.Errorf("resource app scopes/roles = %+v / %+v", a.Scopes, a.AppRoles)
	}
	adopted, err := c.ApplicationsByAppID(ctx, []string{loader.AppID, "00000000-0000-0000-0000-00000000dead"})
	mustNoErr(t, "apps by appId", err)
	if len(adopted) != 1 || adopted[0].ID != loader.ID {
		t.Errorf("ApplicationsByAppID = %d apps", len(adopted))
	}
	sps, err := c.ListServicePrincipals(ctx, set)
	mustNoErr(t, "list SPs", err)
	if len(sps) != 2 {
		t.Errorf("ListServicePrincipals = %d, want 2", len(sps))
	}
	first, err := c.ServicePrincipalsByAppID(ctx, []string{emulator.MicrosoftGraphApp, emulator.HealthcareAPIsApp})
	mustNoErr(t, "SPs by appId", err)
	if len(first) != 2 {
		t.Errorf("first-party SPs = %d, want 2", len(first))
	}
	for _, sp := range first {
		if sp.AppID == emulator.MicrosoftGraphApp && !hasScope(sp.Scopes, "User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d") {
			t.Errorf("Microsoft Graph SP lacks User.Read: %+v", sp.Scopes)
		}
	}
	assigns, err := c.AppRoleAssignedTo(ctx, apiSP.ID)
	mustNoErr(t, "list assignments", err)
	if len(assigns) != 1 || assigns[0].ID != as.ID || assigns[0].AppRoleID != roleID {
		t.Errorf("assignments = %+v", assigns)
	}
	// The client's own consents, through $batch; the API's service
	// principal holds none of its own, so it reads empty.
	held, grants, err := c.ConsentsOf(ctx, []string{loaderSP.ID, apiSP.ID})
	mustNoErr(t, "consents of the loader", err)
	if len(held) != 1 || held[0].ID != as.ID || held[0].PrincipalID != loaderSP.ID || held[0].ResourceID != apiSP.ID || held[0].AppRoleID != roleID {
		t.Errorf("assignments held = %+v, want %s", held, as.ID)
	}
	if len(grants) != 1 || grants[0].ID != grant.ID || grants[0].ClientID != loaderSP.ID || grants[0].ConsentType != "AllPrincipals" ||
		grants[0].PrincipalID != "" || grants[0].Scope != "user_impersonation openid" {
		t.Errorf("grants = %+v", grants)
	}

	// Removal, in the order the applier uses.
	mustNoErr(t, "delete grant", errOf(c.Do(ctx, tenant.DeletePermissionGrant(grant.ID))))
	mustNoErr(t, "delete assignment", errOf(c.Do(ctx, tenant.DeleteAppRoleAssignment(apiSP.ID, as.ID))))
	mustNoErr(t, "remove password", errOf(c.Do(ctx, tenant.RemovePassword(loader.ID, pc.KeyID))))
	mustNoErr(t, "delete federated credential", errOf(c.Do(ctx, tenant.DeleteFederatedCredential(loader.ID, fc.ID))))
	mustNoErr(t, "remove owner", errOf(c.Do(ctx, tenant.RemoveOwner(loader.ID, emulator.SeedAdminUserID))))
	mustNoErr(t, "delete SP", errOf(c.Do(ctx, tenant.DeleteServicePrincipal(loaderSP.ID))))
	mustNoErr(t, "delete app", errOf(c.Do(ctx, tenant.DeleteApplication(loader.ID))))
	apps, err = c.ListApplications(ctx, set)
	mustNoErr(t, "list apps after delete", err)
	if len(apps) != 1 || apps[0].ID != api.ID {
		t.Errorf("after delete: %d apps", len(apps))
	}
}

func hasScope(scopes []tenant.PermissionScope, value, id string) bool {
	for _, s := range scopes {
		if s.Value == value && s.ID == id {
			return true
		}
	}
	return false
}

func TestEmulatorErrorKinds(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	scopeID := tenant.StableID("s", "api", "scope", "read")
	name := "api"
	tags := []string{tenant.SetTag("s")}
	app, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags,
		Scopes: &[]tenant.PermissionScope{{ID: scopeID, Value: "read", Type: "User", IsEnabled: true, AdminConsentDisplayName: "Read", AdminConsentDescription: "Read"}}})))
	mustNoErr(t, "create", err)

	t.Run("not found", func(t *testing.T) {
		err := errOf(c.Do(ctx, tenant.DeleteApplication("6b1d6f0e-0000-4000-8000-000000000404")))
		if k := kindOf(err); k != tenant.NotFound {
			t.Errorf("kind %v (%v), want not found", k, err)
		}
	})
	t.Run("enabled scope removed in one step", func(t *testing.T) {
		err := errOf(c.Do(ctx, tenant.UpdateApplication(app.ID, tenant.AppProps{Scopes: &[]tenant.PermissionScope{}})))
		var te *tenant.Error
		if !errors.As(err, &te) || te.Kind != tenant.Invalid || te.Code != "CannotDeleteOrUpdateEnabledEntitlement" {
			t.Errorf("err = %v, want invalid CannotDeleteOrUpdateEnabledEntitlement", err)
		}
	})
	t.Run("http redirect uri", func(t *testing.T) {
		uris := []string{"http://portal.contoso.com/cb"}
		err := errOf(c.Do(ctx, tenant.UpdateApplication(app.ID, tenant.AppProps{WebRedirectURIs: &uris})))
		if k := kindOf(err); k != tenant.Invalid {
			t.Errorf("kind %v (%v), want invalid", k, err)
		}
	})
	t.Run("throttled", func(t *testing.T) {
		e.SetFaults(emulator.Faults{ThrottleRate: 0.001, RetryAfter: 2 * time.Second})
		defer e.SetFaults(emulator.Faults{})
		var last error
		for range 3 {
			if _, last = c.ListApplications(ctx, "s"); last != nil {
				break
			}
		}
		var te *tenant.Error
		if !errors.As(last, &te) || te.Kind != tenant.Throttled || te.RetryAfter != 2*time.Second {
			t.Errorf("err = %v (%+v), want throttled with RetryAfter 2s", last, te)
		}
	})
	t.Run("server errors", func(t *testing.T) {
		e.SetFaults(emulator.Faults{ErrorRate: 1, RetryAfter: time.Second})
		defer e.SetFaults(emulator.Faults{})
		_, err := c.Organization(ctx)
		if k := kindOf(err); k != tenant.Transient {
			t.Errorf("kind %v (%v), want transient", k, err)
		}
	})
	t.Run("replication lag", func(t *testing.T) {
		e.SetFaults(emulator.Faults{ReplicationLag: time.Hour})
		defer e.SetFaults(emulator.Faults{})
		n := "lagging"
		fresh, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &n})))
		mustNoErr(t, "create", err)
		_, err = c.Do(ctx, tenant.CreateServicePrincipal(fresh.AppID, nil))
		if k := kindOf(err); k != tenant.NotFound {
			t.Errorf("SP of a lagging app: kind %v (%v), want not found (NoBackingApplicationObject)", k, err)
		}
		err = errOf(c.Do(ctx, tenant.UpdateApplication(fresh.ID, tenant.AppProps{DisplayName: &n})))
		if k := kindOf(err); k != tenant.NotFound {
			t.Errorf("PATCH of a lagging app: kind %v (%v), want not found", k, err)
		}
	})
}

// createSet creates n applications of set (and their service principals
// when withSPs), 8 at a time, and returns them sorted by id.
func createSet(t testing.TB, c *Client, set string, n int, withSPs bool) []*tenant.Application {
	t.Helper()
	ctx := context.Background()
	apps := make([]*tenant.Application, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			name := fmt.Sprintf("%s-app-%04d", set, i)
			tags := []string{tenant.SetTag(set), tenant.KeyTag(name)}
			a, err := madeApp(c.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags})))
			if err != nil {
				errs <- err
				return
			}
			apps[i] = a
			if withSPs {
				if _, err := c.Do(ctx, tenant.CreateServicePrincipal(a.AppID, tags)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].ID < apps[j].ID })
	return apps
}

func TestEmulatorPagingBeyond999(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	const n = 1005
	created := createSet(t, c, "big", n, false)
	before := c.Requests()
	apps, err := c.ListApplications(context.Background(), "big")
	mustNoErr(t, "list", err)
	if len(apps) != n {
		t.Fatalf("ListApplications = %d apps, want %d", len(apps), n)
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].ID < apps[j].ID })
	for i := range apps {
		if apps[i].ID != created[i].ID {
			t.Fatalf("app %d: id %s, want %s", i, apps[i].ID, created[i].ID)
		}
	}
	// Two queries (fields+owners, ids+federated credentials), each with
	// $expand, which Graph serves 100 a page: 11 pages each.
	if got := c.Requests() - before; got != 22 {
		t.Errorf("listing %d applications took %d requests, want 22", n, got)
	}
}

// TestScanServicePrincipals: the set's service principals come a page of
// 100 at a time with the assignments each holds; a principal whose
// expansion shows Graph's 20 is listed on its own and comes back whole.
// GrantsOf reads 20 clients' grants a request.
func TestScanServicePrincipals(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	ctx := context.Background()
	set := createSet(t, c, "scan", 130, true)
	resources := createSet(t, c, "res", 25, true)
	spOf := map[string]string{}
	for _, tag := range []string{"scan", "res"} {
		sps, err := c.ListServicePrincipals(ctx, tag)
		mustNoErr(t, "list", err)
		for _, sp := range sps {
			spOf[sp.AppID] = sp.ID
		}
	}
	busy, quiet := spOf[set[0].AppID], spOf[set[1].AppID]
	for i, r := range resources {
		_, err := c.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: busy, ResourceID: spOf[r.AppID], AppRoleID: "00000000-0000-0000-0000-000000000000"}))
		mustNoErr(t, "assign", err)
		if i == 0 {
			_, err := c.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: quiet, ResourceID: spOf[r.AppID], AppRoleID: "00000000-0000-0000-0000-000000000000"}))
			mustNoErr(t, "assign", err)
		}
	}
	g, err := madeGrant(c.Do(ctx, tenant.CreatePermissionGrant(tenant.PermissionGrant{ClientID: quiet, ResourceID: spOf[resources[0].AppID], ConsentType: "AllPrincipals", Scope: "user_impersonation"})))
	mustNoErr(t, "grant", err)

	before := c.Requests()
	var pages []int
	held := map[string]int{}
	err = c.ScanServicePrincipals(ctx, "scan", func(sps []*tenant.ServicePrincipal, as []tenant.AppRoleAssignment) error {
		pages = append(pages, len(sps))
		for _, a := range as {
			held[a.PrincipalID]++
		}
		return nil
	})
	mustNoErr(t, "scan", err)
	got := map[string]any{"pages": pages, "held": held, "requests": c.Requests() - before}
	want := map[string]any{"pages": []int{100, 30}, "held": map[string]int{busy: 25, quiet: 1},
		"requests": 3, // two pages, and the busy principal's own list
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("scan (-want +got):\n%s", d)
	}

	ids := []string{quiet}
	for _, a := range set[2:22] {
		ids = append(ids, spOf[a.AppID])
	}
	before = c.Requests()
	grants, err := c.GrantsOf(ctx, ids)
	mustNoErr(t, "grants", err)
	if len(grants) != 1 || grants[0].ID != g.ID || grants[0].ClientID != quiet {
		t.Errorf("GrantsOf = %+v, want %s", grants, g.ID)
	}
	if n := c.Requests() - before; n != 2 {
		t.Errorf("GrantsOf of %d clients took %d requests, want 2", len(ids), n)
	}
}

func TestEmulatorReadCountsMatchServer(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	createSet(t, c, "small", 5, true)
	e.ResetStats()
	snap, err := tenant.Read(context.Background(), c, nil, tenant.ReadQuery{Set: "small", APIAppIDs: []string{emulator.MicrosoftGraphApp}})
	mustNoErr(t, "read", err)
	if len(snap.Applications) != 5 || len(snap.ServicePrincipals) != 6 {
		t.Errorf("snapshot: %d apps, %d SPs; want 5, 6", len(snap.Applications), len(snap.ServicePrincipals))
	}
	// organization, 2 application queries, SP list, SPs by appId, one
	// $batch of the 5 set SPs' consents, and one getByIds naming the
	// apps' owners; nothing on the Microsoft Graph SP (the set's apps
	// expose nothing, so no resource of theirs is read).
	if snap.GraphRequests != 7 {
		t.Errorf("GraphRequests = %d, want 7", snap.GraphRequests)
	}
	if st := e.Stats(); st.Routes["POST /v1.0/$batch"] != 1 || st.Routes["GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo"] != 0 ||
		st.Routes["POST /v1.0/directoryObjects/getByIds"] != 1 {
		t.Errorf("routes %v: want one $batch, one getByIds and no resource-wide assignment list", st.Routes)
	}
	if st := e.Stats(); st.Total != snap.GraphRequests {
		t.Errorf("emulator served %d requests (%v), client counted %d", st.Total, st.Routes, snap.GraphRequests)
	}
}

func TestEmulatorWriteBatch(t *testing.T) {
	e := startEmulator(t, emulator.Faults{})
	c := emulatorClient(t, e, Options{})
	apps := createSet(t, c, "batch", 25, false)
	var writes []tenant.Write
	for i, a := range apps {
		n := fmt.Sprintf("renamed-%02d", i)
		writes = append(writes, tenant.Write{Op: tenant.OpUpdateApplication, ID: a.ID, Application: &tenant.AppProps{DisplayName: &n}})
	}
	writes = append(writes, tenant.Write{Op: tenant.OpDeleteApplication, ID: "6b1d6f0e-0000-4000-8000-000000000404"})
	e.ResetStats()
	res := c.DoBatch(context.Background(), writes)
	for i, r := range res[:25] {
		if r.Err != nil {
			t.Errorf("write %d: %v", i, r.Err)
		}
	}
	if k := kindOf(res[25].Err); k != tenant.NotFound {
		t.Errorf("delete of a missing app: kind %v (%v), want not found", k, res[25].Err)
	}
	if st := e.Stats(); st.Total != 2 {
		t.Errorf("26 writes took %d HTTP requests, want 2 batches", st.Total)
	}
	got, err := c.ListApplications(context.Background(), "batch")
	mustNoErr(t, "list", err)
	for _, a := range got {
		if len(a.DisplayName) < 8 || a.DisplayName[:8] != "renamed-" {
			t.Errorf("app %s not renamed: %q", a.ID, a.DisplayName)
		}
	}
}

// TestLostCreateAnswerIsNotResent: when Graph commits a create and its
// answer is lost (504), the client must not send the POST again on its own:
// only the caller can look before it writes again. With the SDK's retries
// on (as regsync had them), one lost answer made four applications, after
// 27 s of the handler's backoff.
func TestLostCreateAnswerIsNotResent(t *testing.T) {
	e := startEmulator(t, emulator.Faults{LostAnswerRate: 1, LostAnswerRoutes: []string{"POST /v1.0/applications"}})
	c := emulatorClient(t, e, Options{})
	_, err := c.Do(context.Background(), tenant.CreateApplication(tenant.AppProps{DisplayName: ptr("lost"), Tags: &[]string{tenant.SetTag("lost")}}))
	if k := kindOf(err); k != tenant.Transient {
		t.Fatalf("create with its answer lost: kind %v (%v), want Transient", k, err)
	}
	apps, err := c.ListApplications(context.Background(), "lost")
	mustNoErr(t, "list", err)
	if len(apps) != 1 {
		t.Errorf("%d applications after one create call, want 1", len(apps))
	}
	if n := e.Stats().Routes["POST /v1.0/applications"]; n != 1 {
		t.Errorf("%d POST /applications sent, want 1", n)
	}
}
