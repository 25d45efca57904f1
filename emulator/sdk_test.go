package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/authentication"
	nethttplibrary "github.com/microsoft/kiota-http-go"
	msgraphsdkgo "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/oauth2permissiongrants"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/regsync/regsync/emulator"
)

// staticToken hands the emulator's token to the SDK for 127.0.0.1 only.
type staticToken struct {
	token string
	hosts *authentication.AllowedHostsValidator
}

func (s staticToken) GetAuthorizationToken(ctx context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !s.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	return s.token, nil
}

func (s staticToken) GetAllowedHostsValidator() *authentication.AllowedHostsValidator { return s.hosts }

// newClient builds a Graph client configured only with the base URL, trust
// (an HTTP client whose transport trusts the emulator's CA) and a static
// bearer token.
func newClient(t *testing.T, e *emulator.Emulator) (*msgraphsdkgo.GraphServiceClient, abstractions.RequestAdapter) {
	t.Helper()
	hosts := authentication.NewAllowedHostsValidator([]string{"127.0.0.1"})
	auth := authentication.NewBaseBearerTokenAuthenticationProvider(staticToken{token: e.Token(), hosts: &hosts})
	opts := msgraphsdkgo.GetDefaultClientOptions()
	mws := msgraphgocore.GetDefaultMiddlewaresWithOptions(&opts)
	hc := &http.Client{Transport: nethttplibrary.NewCustomTransportWithParentTransport(e.Client().Transport, mws...), Timeout: time.Minute}
	adapter, err := msgraphsdkgo.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(e.GraphURL())
	return msgraphsdkgo.NewGraphServiceClient(adapter), adapter
}

func startEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(context.Background(), emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func ptr[T any](v T) *T { return &v }

// result holds what an SDK call returned, so a test can stop on its error.
type result[T any] struct {
	v   T
	err error
}

func val[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if err := r.err; err != nil {
		var oe *odataerrors.ODataError
		if errors.As(err, &oe) {
			t.Fatalf("Graph error %d %s: %s", oe.ResponseStatusCode, deref(oe.GetErrorEscaped().GetCode()), oe.Error())
		}
		t.Fatal(err)
	}
	return r.v
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	result[any]{nil, err}.must(t)
}

// odataErr returns status and code of an *odataerrors.ODataError.
func odataErr(t *testing.T, err error) (int, string, string) {
	t.Helper()
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		t.Fatalf("error %T %v, want *odataerrors.ODataError", err, err)
	}
	return oe.ResponseStatusCode, deref(oe.GetErrorEscaped().GetCode()), oe.Error()
}

func TestSDKApplications(t *testing.T) {
	e := startEmulator(t)
	c, adapter := newClient(t, e)
	ctx := context.Background()

	// Create.
	var created []models.Applicationable
	for i := range 5 {
		app := models.NewApplication()
		app.SetDisplayName(ptr(fmt.Sprintf("sdk-%d", i)))
		app.SetTags([]string{"regsync:set=sdk"})
		created = append(created, val(c.Applications().Post(ctx, app, nil)).must(t))
	}
	first := created[0]
	if first.GetId() == nil || first.GetAppId() == nil || first.GetCreatedDateTime() == nil || deref(first.GetSignInAudience()) != "AzureADMyOrg" {
		t.Fatalf("created application lacks id/appId/createdDateTime/signInAudience")
	}

	// List with filter, select and top, across pages with the PageIterator.
	cfg := &applications.ApplicationsRequestBuilderGetRequestConfiguration{QueryParameters: &applications.ApplicationsRequestBuilderGetQueryParameters{
		Filter: ptr("tags/any(t:t eq 'regsync:set=sdk')"), Select: []string{"id", "appId", "displayName"}, Top: ptr(int32(2)),
	}}
	page := val(c.Applications().Get(ctx, cfg)).must(t)
	it := val(msgraphgocore.NewPageIterator[models.Applicationable](page, adapter, models.CreateApplicationCollectionResponseFromDiscriminatorValue)).must(t)
	var names []string
	mustNil(t, it.Iterate(ctx, func(a models.Applicationable) bool {
		names = append(names, deref(a.GetDisplayName()))
		return true
	}))
	if diff := cmp.Diff([]string{"sdk-0", "sdk-1", "sdk-2", "sdk-3", "sdk-4"}, names); diff != "" {
		t.Errorf("PageIterator (-want +got):\n%s", diff)
	}

	// Get by id and by appId.
	byID := val(c.Applications().ByApplicationId(*first.GetId()).Get(ctx, nil)).must(t)
	byAppID := val(c.ApplicationsWithAppId(first.GetAppId()).Get(ctx, nil)).must(t)
	if deref(byID.GetAppId()) != deref(first.GetAppId()) || deref(byAppID.GetId()) != deref(first.GetId()) {
		t.Errorf("get by id / appId returned other objects")
	}

	// PATCH with a fresh model.
	patch := models.NewApplication()
	patch.SetDisplayName(ptr("sdk-renamed"))
	web := models.NewWebApplication()
	web.SetRedirectUris([]string{"https://portal.contoso.com/signin-oidc"})
	patch.SetWeb(web)
	_ = val(c.Applications().ByApplicationId(*first.GetId()).Patch(ctx, patch, nil)).must(t)
	got := val(c.Applications().ByApplicationId(*first.GetId()).Get(ctx, nil)).must(t)
	if deref(got.GetDisplayName()) != "sdk-renamed" || len(got.GetWeb().GetRedirectUris()) != 1 {
		t.Errorf("after PATCH: %q %v", deref(got.GetDisplayName()), got.GetWeb().GetRedirectUris())
	}

	// addPassword / removePassword.
	body := applications.NewItemAddPasswordPostRequestBody()
	pc := models.NewPasswordCredential()
	pc.SetDisplayName(ptr("regsync"))
	body.SetPasswordCredential(pc)
	cred := val(c.Applications().ByApplicationId(*first.GetId()).AddPassword().Post(ctx, body, nil)).must(t)
	if cred.GetSecretText() == nil || len(*cred.GetSecretText()) != 40 || cred.GetKeyId() == nil || deref(cred.GetHint()) != (*cred.GetSecretText())[:3] {
		t.Errorf("addPassword answer is not shaped like Entra's")
	}
	if span := cred.GetEndDateTime().Sub(*cred.GetStartDateTime()); span < 730*24*time.Hour {
		t.Errorf("default lifetime %s, want two years", span)
	}
	again := val(c.Applications().ByApplicationId(*first.GetId()).Get(ctx, nil)).must(t)
	if pcs := again.GetPasswordCredentials(); len(pcs) != 1 || pcs[0].GetSecretText() != nil {
		t.Errorf("GET after addPassword: %d credentials, secret returned %v", len(pcs), pcs[0].GetSecretText() != nil)
	}
	rm := applications.NewItemRemovePasswordPostRequestBody()
	rm.SetKeyId(cred.GetKeyId())
	mustNil(t, c.Applications().ByApplicationId(*first.GetId()).RemovePassword().Post(ctx, rm, nil))
	rm.SetKeyId(ptr(uuid.New()))
	if status, code, _ := odataErr(t, c.Applications().ByApplicationId(*first.GetId()).RemovePassword().Post(ctx, rm, nil)); status != 400 || code != "Request_BadRequest" {
		t.Errorf("removePassword of an unknown keyId: %d %s", status, code)
	}

	// Owners.
	ref := models.NewReferenceCreate()
	ref.SetOdataId(ptr("https://graph.microsoft.com/v1.0/directoryObjects/" + emulator.SeedAdminUserID))
	mustNil(t, c.Applications().ByApplicationId(*first.GetId()).Owners().Ref().Post(ctx, ref, nil))
	_, code, msg := odataErr(t, c.Applications().ByApplicationId(*first.GetId()).Owners().Ref().Post(ctx, ref, nil))
	if code != "Request_BadRequest" || msg == "" {
		t.Errorf("duplicate owner: %s %q", code, msg)
	}
	owners := val(c.Applications().ByApplicationId(*first.GetId()).Owners().Get(ctx, nil)).must(t)
	var ownerTypes []string
	for _, o := range owners.GetValue() {
		ownerTypes = append(ownerTypes, fmt.Sprintf("%T", o))
	}
	if diff := cmp.Diff([]string{"*models.ServicePrincipal", "*models.User"}, ownerTypes); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	mustNil(t, c.Applications().ByApplicationId(*first.GetId()).Owners().ByDirectoryObjectId(emulator.SeedAdminUserID).Ref().Delete(ctx, nil))

	// Federated identity credentials.
	fic := models.NewFederatedIdentityCredential()
	fic.SetName(ptr("github-main"))
	fic.SetIssuer(ptr("https://token.actions.githubusercontent.com"))
	fic.SetSubject(ptr("repo:contoso/fhir:ref:refs/heads/main"))
	fic.SetAudiences([]string{"api://AzureADTokenExchange"})
	fics := c.Applications().ByApplicationId(*first.GetId()).FederatedIdentityCredentials()
	madeFIC := val(fics.Post(ctx, fic, nil)).must(t)
	ficPatch := models.NewFederatedIdentityCredential()
	ficPatch.SetSubject(ptr("repo:contoso/fhir:environment:prod"))
	_ = val(fics.ByFederatedIdentityCredentialId(*madeFIC.GetId()).Patch(ctx, ficPatch, nil)).must(t)
	byName := val(c.Applications().ByApplicationId(*first.GetId()).FederatedIdentityCredentialsWithName(ptr("github-main")).Get(ctx, nil)).must(t)
	if deref(byName.GetSubject()) != "repo:contoso/fhir:environment:prod" {
		t.Errorf("FIC subject %q", deref(byName.GetSubject()))
	}
	if n := len(val(fics.Get(ctx, nil)).must(t).GetValue()); n != 1 {
		t.Errorf("%d FICs, want 1", n)
	}
	mustNil(t, fics.ByFederatedIdentityCredentialId(*madeFIC.GetId()).Delete(ctx, nil))

	// Errors surface as *odataerrors.ODataError with code and message.
	status, code, msg := odataErr(t, func() error {
		_, err := c.Applications().ByApplicationId(uuid.NewString()).Get(ctx, nil)
		return err
	}())
	if status != 404 || code != "Request_ResourceNotFound" || msg == "" {
		t.Errorf("404: %d %s %q", status, code, msg)
	}
	bad := models.NewApplication()
	bad.SetDisplayName(ptr("bad"))
	bad.SetIdentifierUris([]string{"https://fabrikam.com/api"})
	_, err := c.Applications().Post(ctx, bad, nil)
	if _, code, _ := odataErr(t, err); code != "HostNameNotOnVerifiedDomain" {
		t.Errorf("unverified identifier URI: %s", code)
	}

	// Delete.
	mustNil(t, c.Applications().ByApplicationId(*first.GetId()).Delete(ctx, nil))
	_, err = c.Applications().ByApplicationId(*first.GetId()).Get(ctx, nil)
	if status, _, _ := odataErr(t, err); status != 404 {
		t.Errorf("GET after DELETE: %d", status)
	}
}

func TestSDKServicePrincipalsAndConsent(t *testing.T) {
	e := startEmulator(t)
	c, _ := newClient(t, e)
	ctx := context.Background()

	roleID := uuid.New()
	role := models.NewAppRole()
	role.SetId(&roleID)
	role.SetValue(ptr("globalReader"))
	role.SetDisplayName(ptr("Global reader"))
	role.SetDescription(ptr("Reads everything"))
	role.SetIsEnabled(ptr(true))
	role.SetAllowedMemberTypes([]string{"Application"})
	apiApp := models.NewApplication()
	apiApp.SetDisplayName(ptr("fhir-api"))
	apiApp.SetIdentifierUris([]string{"https://fhir.contoso.com"})
	apiApp.SetAppRoles([]models.AppRoleable{role})
	api := val(c.Applications().Post(ctx, apiApp, nil)).must(t)
	clientApp := models.NewApplication()
	clientApp.SetDisplayName(ptr("loader"))
	client := val(c.Applications().Post(ctx, clientApp, nil)).must(t)

	newSP := func(appID *string) models.ServicePrincipalable {
		sp := models.NewServicePrincipal()
		sp.SetAppId(appID)
		return val(c.ServicePrincipals().Post(ctx, sp, nil)).must(t)
	}
	apiSP := newSP(api.GetAppId())
	clientSP := newSP(client.GetAppId())
	if len(apiSP.GetAppRoles()) != 1 || *apiSP.GetAppRoles()[0].GetId() != roleID {
		t.Errorf("service principal did not copy the app's roles")
	}
	dup := models.NewServicePrincipal()
	dup.SetAppId(api.GetAppId())
	_, err := c.ServicePrincipals().Post(ctx, dup, nil)
	if status, code, _ := odataErr(t, err); status != 400 || code != "Request_BadRequest" {
		t.Errorf("duplicate service principal: %d %s", status, code)
	}
	orphan := models.NewServicePrincipal()
	orphan.SetAppId(ptr(uuid.NewString()))
	_, err = c.ServicePrincipals().Post(ctx, orphan, nil)
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) || len(oe.GetErrorEscaped().GetDetails()) == 0 || deref(oe.GetErrorEscaped().GetDetails()[0].GetCode()) != "NoBackingApplicationObject" {
		t.Errorf("service principal without an application: %v", err)
	}

	// List, filter, select; get by appId; PATCH.
	list := val(c.ServicePrincipals().Get(ctx, &serviceprincipals.ServicePrincipalsRequestBuilderGetRequestConfiguration{
		QueryParameters: &serviceprincipals.ServicePrincipalsRequestBuilderGetQueryParameters{
			Filter: ptr(fmt.Sprintf("appId in ('%s','%s')", *api.GetAppId(), emulator.MicrosoftGraphApp)), Select: []string{"id", "appId", "appRoles", "oauth2PermissionScopes"},
		},
	})).must(t)
	if n := len(list.GetValue()); n != 2 {
		t.Errorf("appId in: %d service principals, want 2", n)
	}
	graphSP := val(c.ServicePrincipalsWithAppId(ptr(emulator.MicrosoftGraphApp)).Get(ctx, nil)).must(t)
	var userRead string
	for _, s := range graphSP.GetOauth2PermissionScopes() {
		if deref(s.GetValue()) == "User.Read" {
			userRead = s.GetId().String()
		}
	}
	if userRead != "e1fe6dd8-ba31-4d61-89e7-88639da4683d" {
		t.Errorf("Microsoft Graph User.Read id %q", userRead)
	}
	spPatch := models.NewServicePrincipal()
	spPatch.SetAppRoleAssignmentRequired(ptr(true))
	_ = val(c.ServicePrincipals().ByServicePrincipalId(*apiSP.GetId()).Patch(ctx, spPatch, nil)).must(t)

	// Application permission: appRoleAssignedTo.
	a := models.NewAppRoleAssignment()
	a.SetPrincipalId(ptr(uuid.MustParse(*clientSP.GetId())))
	a.SetResourceId(ptr(uuid.MustParse(*apiSP.GetId())))
	a.SetAppRoleId(&roleID)
	assigned := val(c.ServicePrincipals().ByServicePrincipalId(*apiSP.GetId()).AppRoleAssignedTo().Post(ctx, a, nil)).must(t)
	_, err = c.ServicePrincipals().ByServicePrincipalId(*apiSP.GetId()).AppRoleAssignedTo().Post(ctx, a, nil)
	if _, _, msg := odataErr(t, err); msg != "Permission being assigned already exists on the object." {
		t.Errorf("duplicate assignment message %q", msg)
	}
	byPrincipal := val(c.ServicePrincipals().ByServicePrincipalId(*clientSP.GetId()).AppRoleAssignments().Get(ctx, nil)).must(t)
	if len(byPrincipal.GetValue()) != 1 || deref(byPrincipal.GetValue()[0].GetPrincipalType()) != "ServicePrincipal" {
		t.Errorf("appRoleAssignments of the client: %d", len(byPrincipal.GetValue()))
	}
	mustNil(t, c.ServicePrincipals().ByServicePrincipalId(*apiSP.GetId()).AppRoleAssignedTo().ByAppRoleAssignmentId(*assigned.GetId()).Delete(ctx, nil))

	// Delegated permission: oauth2PermissionGrants.
	g := models.NewOAuth2PermissionGrant()
	g.SetClientId(clientSP.GetId())
	g.SetResourceId(graphSP.GetId())
	g.SetConsentType(ptr("AllPrincipals"))
	g.SetScope(ptr("User.Read"))
	grant := val(c.Oauth2PermissionGrants().Post(ctx, g, nil)).must(t)
	_, err = c.Oauth2PermissionGrants().Post(ctx, g, nil)
	if status, _, _ := odataErr(t, err); status != 409 {
		t.Errorf("duplicate grant: %d", status)
	}
	found := val(c.Oauth2PermissionGrants().Get(ctx, &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetRequestConfiguration{
		QueryParameters: &oauth2permissiongrants.Oauth2PermissionGrantsRequestBuilderGetQueryParameters{
			Filter: ptr(fmt.Sprintf("clientId eq '%s' and resourceId eq '%s'", *clientSP.GetId(), *graphSP.GetId())),
		},
	})).must(t)
	if len(found.GetValue()) != 1 {
		t.Fatalf("grant filter: %d", len(found.GetValue()))
	}
	gp := models.NewOAuth2PermissionGrant()
	gp.SetScope(ptr("User.Read openid profile"))
	_ = val(c.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(*grant.GetId()).Patch(ctx, gp, nil)).must(t)
	if s := deref(val(c.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(*grant.GetId()).Get(ctx, nil)).must(t).GetScope()); s != "User.Read openid profile" {
		t.Errorf("scope after PATCH %q", s)
	}
	mustNil(t, c.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(*grant.GetId()).Delete(ctx, nil))
	mustNil(t, c.ServicePrincipals().ByServicePrincipalId(*clientSP.GetId()).Delete(ctx, nil))

	// Domains and organization.
	if n := len(val(c.Domains().Get(ctx, nil)).must(t).GetValue()); n != 2 {
		t.Errorf("%d domains, want 2", n)
	}
	org := val(c.Organization().Get(ctx, nil)).must(t).GetValue()
	if len(org) != 1 || deref(org[0].GetId()) != emulator.SeedTenantID || len(org[0].GetVerifiedDomains()) != 2 {
		t.Errorf("organization: %v", org)
	}
}

func TestSDKBatch(t *testing.T) {
	e := startEmulator(t)
	c, adapter := newClient(t, e)
	ctx := context.Background()
	app := models.NewApplication()
	app.SetDisplayName(ptr("batched"))
	made := val(c.Applications().Post(ctx, app, nil)).must(t)

	batch := msgraphgocore.NewBatchRequest(adapter)
	get := val(c.Applications().ByApplicationId(*made.GetId()).ToGetRequestInformation(ctx, nil)).must(t)
	getStep := val(batch.AddBatchRequestStep(*get)).must(t)
	patch := models.NewApplication()
	patch.SetNotes(ptr("from a batch"))
	pinfo := val(c.Applications().ByApplicationId(*made.GetId()).ToPatchRequestInformation(ctx, patch, nil)).must(t)
	patchStep := val(batch.AddBatchRequestStep(*pinfo)).must(t)
	patchStep.DependsOnItem(getStep)
	missing := val(c.Applications().ByApplicationId(uuid.NewString()).ToGetRequestInformation(ctx, nil)).must(t)
	missingStep := val(batch.AddBatchRequestStep(*missing)).must(t)
	resp := val(batch.Send(ctx, adapter)).must(t)

	got := val(msgraphgocore.GetBatchResponseById[models.Applicationable](resp, *getStep.GetId(), models.CreateApplicationFromDiscriminatorValue)).must(t)
	if deref(got.GetDisplayName()) != "batched" {
		t.Errorf("batched GET: %q", deref(got.GetDisplayName()))
	}
	statuses := resp.GetStatusCodes()
	if diff := cmp.Diff(map[string]int32{*getStep.GetId(): 200, *patchStep.GetId(): 204, *missingStep.GetId(): 404}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// Batch item errors become ODataErrors only once the client registers
	// an error mapping (msgraph-sdk-go-core batch_requests.go throwErrors);
	// the emulator's part is the "Content-Type" key and the error body.
	_ = msgraphgocore.RegisterError(msgraphgocore.BatchRequestErrorRegistryKey, abstractions.ErrorMappings{
		"4XX": odataerrors.CreateODataErrorFromDiscriminatorValue, "5XX": odataerrors.CreateODataErrorFromDiscriminatorValue,
	})
	_, err := msgraphgocore.GetBatchResponseById[models.Applicationable](resp, *missingStep.GetId(), models.CreateApplicationFromDiscriminatorValue)
	if _, code, _ := odataErr(t, err); code != "Request_ResourceNotFound" {
		t.Errorf("batched 404 code %q", code)
	}
	if n := deref(val(c.Applications().ByApplicationId(*made.GetId()).Get(ctx, nil)).must(t).GetNotes()); n != "from a batch" {
		t.Errorf("notes %q", n)
	}
}

// TestSDKRetriesThrottledRequest: the SDK's own retry handler honours
// Retry-After and the retried request succeeds.
func TestSDKRetriesThrottledRequest(t *testing.T) {
	e := startEmulator(t)
	c, _ := newClient(t, e)
	ctx := context.Background()
	e.SetFaults(emulator.Faults{ThrottleRate: 1, RetryAfter: time.Second})
	e.ResetStats()
	_ = val(c.Organization().Get(ctx, nil)).must(t) // takes the only token
	_ = val(c.Organization().Get(ctx, nil)).must(t) // 429, retried after Retry-After
	if got := e.Stats().Routes["GET /v1.0/organization"]; got != 3 {
		t.Errorf("GET /v1.0/organization counted %d times, want 3 (two calls, one retry)", got)
	}
}
