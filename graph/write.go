package graph

import (
	"context"
	"fmt"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/applicationswithuniquename"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/regsync/regsync/tenant"
)

// Every write is built once, by the builder of its op below, as the SDK's
// request builders build it (RequestInformation); Do sends it alone and
// DoBatch puts it in a $batch, so the two cannot drift apart.
//
// Every builder makes a fresh SDK model holding only what it sends: a
// model read by a single GET drops later edits when serialized, and one
// taken from a list re-sends every field it was read with (WIRE.md §1.5).

// request is one write, built: the request and how to read its answer.
type request struct {
	info *abstractions.RequestInformation
	// parse is the factory of the answer's body; nil when the write
	// answers with no content the caller needs.
	parse serialization.ParsableFactory
	// result reads the parsed answer.
	result func(m serialization.Parsable) (tenant.WriteResult, error)
	// orNoContent, when set, answers a 204 (no body) instead of an error:
	// an upsert that updated an existing object.
	orNoContent func(ctx context.Context) (tenant.WriteResult, error)
}

// builder builds the request of one op's write.
type builder func(c *Client, ctx context.Context, w tenant.Write) (request, error)

// builders holds one builder per tenant.Op; TestEveryOpHasABuilder checks
// it is complete.
var builders = map[tenant.Op]builder{
	tenant.OpCreateApplication:         buildCreateApplication,
	tenant.OpUpdateApplication:         buildUpdateApplication,
	tenant.OpDeleteApplication:         buildDeleteApplication,
	tenant.OpAddOwner:                  buildAddOwner,
	tenant.OpRemoveOwner:               buildRemoveOwner,
	tenant.OpAddPassword:               buildAddPassword,
	tenant.OpRemovePassword:            buildRemovePassword,
	tenant.OpCreateFederatedCredential: buildCreateFederated,
	tenant.OpUpdateFederatedCredential: buildUpdateFederated,
	tenant.OpDeleteFederatedCredential: buildDeleteFederated,
	tenant.OpCreateServicePrincipal:    buildCreateServicePrincipal,
	tenant.OpUpdateServicePrincipal:    buildUpdateServicePrincipal,
	tenant.OpDeleteServicePrincipal:    buildDeleteServicePrincipal,
	tenant.OpCreateAppRoleAssignment:   buildCreateAssignment,
	tenant.OpDeleteAppRoleAssignment:   buildDeleteAssignment,
	tenant.OpCreatePermissionGrant:     buildCreateGrant,
	tenant.OpUpdatePermissionGrant:     buildUpdateGrant,
	tenant.OpDeletePermissionGrant:     buildDeleteGrant,
	tenant.OpUpsertApplication:         buildUpsertApplication,
	// keys.go
	tenant.OpRemoveKeyCredential:            buildRemoveKeyCredential,
	tenant.OpRemoveServicePrincipalPassword: buildRemoveServicePrincipalPassword,
	tenant.OpRemoveServicePrincipalKey:      buildRemoveServicePrincipalKey,
	tenant.OpAddKeyCredential:               buildAddKeyCredential,
}

// errorMappings is what the SDK's request builders pass the adapter: every
// error status decodes as an OData error.
var errorMappings = abstractions.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}

// build builds the request of w, refusing (Invalid) a write that lacks a
// field its op needs.
func (c *Client) build(ctx context.Context, w tenant.Write) (request, error) {
	b, ok := builders[w.Op]
	if !ok {
		panic(fmt.Sprintf("internal error: no graph builder for tenant.Op %d", int(w.Op)))
	}
	return b(c, ctx, w)
}

// Do sends one write and returns what it made.
func (c *Client) Do(ctx context.Context, w tenant.Write) (tenant.WriteResult, error) {
	fail := func(err error) (tenant.WriteResult, error) { return tenant.WriteResult{Err: err}, err }
	req, err := c.build(ctx, w)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", w, err))
	}
	if req.parse == nil {
		if err := c.adapter.SendNoContent(ctx, req.info, errorMappings); err != nil {
			return fail(mapError(err, "%s", w))
		}
		return tenant.WriteResult{}, nil
	}
	m, err := c.adapter.Send(ctx, req.info, req.parse, errorMappings)
	if err != nil {
		return fail(mapError(err, "%s", w))
	}
	if m == nil && req.orNoContent != nil {
		res, err := req.orNoContent(ctx)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", w, err))
		}
		return res, nil
	}
	if m == nil {
		return fail(&tenant.Error{Kind: tenant.Unknown, Message: fmt.Sprintf("%s: graph answered with no body", w)})
	}
	res, err := req.result(m)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", w, err))
	}
	return res, nil
}

func need(field, v string) error {
	if v == "" {
		return &tenant.Error{Kind: tenant.Invalid, Message: "empty " + field}
	}
	return nil
}

func needAll(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := need(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func missing(field string) error {
	return &tenant.Error{Kind: tenant.Invalid, Message: "no " + field}
}

// noContent is a built request whose answer is not read.
func noContent(ri *abstractions.RequestInformation, err error) (request, error) {
	return request{info: ri}, err
}

// ---- applications

func buildCreateApplication(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if w.Application == nil {
		return request{}, missing("application")
	}
	body, err := applicationModel(*w.Application)
	if err != nil {
		return request{}, err
	}
	ri, err := c.sdk.Applications().ToPostRequestInformation(ctx, body, nil)
	return request{info: ri, parse: models.CreateApplicationFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) {
			app := toApplication(m.(models.Applicationable))
			return tenant.WriteResult{ID: app.ID, Application: app}, nil
		}}, err
}

// buildUpsertApplication is Graph's upsert by alternate key
// (application-upsert.md, in every national cloud): 201 with the new
// object, or 204 when an application with the uniqueName exists and was
// updated, which is then read by the same key.
func buildUpsertApplication(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("uniqueName", w.RefID); err != nil {
		return request{}, err
	}
	if w.Application == nil {
		return request{}, missing("application")
	}
	body, err := applicationModel(*w.Application)
	if err != nil {
		return request{}, err
	}
	name := w.RefID
	headers := abstractions.NewRequestHeaders()
	headers.Add("Prefer", "create-if-missing")
	ri, err := c.sdk.ApplicationsWithUniqueName(&name).ToPatchRequestInformation(ctx, body,
		&applicationswithuniquename.ApplicationsWithUniqueNameRequestBuilderPatchRequestConfiguration{Headers: headers})
	read := func(m models.Applicationable) (tenant.WriteResult, error) {
		app := toApplication(m)
		return tenant.WriteResult{ID: app.ID, Application: app}, nil
	}
	return request{info: ri, parse: models.CreateApplicationFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) { return read(m.(models.Applicationable)) },
		orNoContent: func(ctx context.Context) (tenant.WriteResult, error) {
			m, err := c.sdk.ApplicationsWithUniqueName(&name).Get(ctx, &applicationswithuniquename.ApplicationsWithUniqueNameRequestBuilderGetRequestConfiguration{
				QueryParameters: &applicationswithuniquename.ApplicationsWithUniqueNameRequestBuilderGetQueryParameters{Select: applicationSelect}})
			if err != nil {
				return tenant.WriteResult{}, mapError(err, "reading application %q after its upsert", name)
			}
			if m == nil {
				return tenant.WriteResult{}, &tenant.Error{Kind: tenant.Unknown, Message: fmt.Sprintf("reading application %q after its upsert: graph answered with no body", name)}
			}
			return read(m)
		}}, err
}

func buildUpdateApplication(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("application id", w.ID); err != nil {
		return request{}, err
	}
	if w.Application == nil {
		return request{}, missing("application patch")
	}
	body, err := applicationModel(*w.Application)
	if err != nil {
		return request{}, err
	}
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).ToPatchRequestInformation(ctx, body, nil))
}

func buildDeleteApplication(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("application id", w.ID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).ToDeleteRequestInformation(ctx, nil))
}

// directoryObjectRef is the @odata.id of a directory object under the
// configured Graph base URL.
func (c *Client) directoryObjectRef(id string) string { return c.base + "/directoryObjects/" + id }

// buildAddOwner adds a user or service principal as owner through
// owners/$ref.
func buildAddOwner(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := needAll("application id", w.ID, "owner id", w.RefID); err != nil {
		return request{}, err
	}
	ref := models.NewReferenceCreate()
	ref.SetOdataId(ptr(c.directoryObjectRef(w.RefID)))
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).Owners().Ref().ToPostRequestInformation(ctx, ref, nil))
}

func buildRemoveOwner(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := needAll("application id", w.ID, "owner id", w.RefID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).Owners().ByDirectoryObjectId(w.RefID).Ref().ToDeleteRequestInformation(ctx, nil))
}

// buildAddPassword adds a client secret. Graph returns its value once, in
// this response; it leaves here only as a tenant.SecretValue.
func buildAddPassword(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("application id", w.ID); err != nil {
		return request{}, err
	}
	if w.Password == nil {
		return request{}, missing("password request")
	}
	pc := models.NewPasswordCredential()
	if w.Password.DisplayName != "" {
		pc.SetDisplayName(ptr(w.Password.DisplayName))
	}
	if !w.Password.End.IsZero() {
		pc.SetEndDateTime(ptr(w.Password.End.UTC()))
	}
	body := applications.NewItemAddPasswordPostRequestBody()
	body.SetPasswordCredential(pc)
	ri, err := c.sdk.Applications().ByApplicationId(w.ID).AddPassword().ToPostRequestInformation(ctx, body, nil)
	return request{info: ri, parse: models.CreatePasswordCredentialFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) {
			pm := m.(models.PasswordCredentialable)
			secret := tenant.NewSecretValue(str(pm.GetSecretText()))
			if secret.IsZero() {
				return tenant.WriteResult{}, &tenant.Error{Kind: tenant.Unknown, Message: "graph returned no secretText"}
			}
			cred := toPassword(pm)
			return tenant.WriteResult{ID: cred.KeyID, Password: cred, Secret: secret}, nil
		}}, err
}

func buildRemovePassword(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("application id", w.ID); err != nil {
		return request{}, err
	}
	id, err := parseUUID("keyId", w.RefID)
	if err != nil {
		return request{}, err
	}
	body := applications.NewItemRemovePasswordPostRequestBody()
	body.SetKeyId(id)
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).RemovePassword().ToPostRequestInformation(ctx, body, nil))
}

// ---- federated credentials

func federatedModel(fc tenant.FederatedCredential, withName bool) models.FederatedIdentityCredentialable {
	m := models.NewFederatedIdentityCredential()
	if withName {
		m.SetName(ptr(fc.Name))
	}
	m.SetIssuer(ptr(fc.Issuer))
	m.SetSubject(ptr(fc.Subject))
	m.SetAudiences(copyStrings(fc.Audiences))
	if fc.Description != "" {
		m.SetDescription(ptr(fc.Description))
	}
	return m
}

func buildCreateFederated(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("application id", w.ID); err != nil {
		return request{}, err
	}
	if w.Federated == nil {
		return request{}, missing("federated credential")
	}
	ri, err := c.sdk.Applications().ByApplicationId(w.ID).FederatedIdentityCredentials().
		ToPostRequestInformation(ctx, federatedModel(*w.Federated, true), nil)
	return request{info: ri, parse: models.CreateFederatedIdentityCredentialFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) {
			fc := toFederated(m.(models.FederatedIdentityCredentialable))
			return tenant.WriteResult{ID: fc.ID, Federated: fc}, nil
		}}, err
}

// buildUpdateFederated rewrites issuer, subject, audiences and description
// of the credential Federated.ID (the name is immutable).
func buildUpdateFederated(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if w.Federated == nil {
		return request{}, missing("federated credential")
	}
	if err := needAll("application id", w.ID, "credential id", w.Federated.ID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).FederatedIdentityCredentials().
		ByFederatedIdentityCredentialId(w.Federated.ID).ToPatchRequestInformation(ctx, federatedModel(*w.Federated, false), nil))
}

func buildDeleteFederated(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := needAll("application id", w.ID, "credential id", w.RefID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.Applications().ByApplicationId(w.ID).FederatedIdentityCredentials().
		ByFederatedIdentityCredentialId(w.RefID).ToDeleteRequestInformation(ctx, nil))
}

// ---- service principals

func servicePrincipalModel(p tenant.ServicePrincipalPatch) models.ServicePrincipalable {
	m := models.NewServicePrincipal()
	if p.AppRoleAssignmentRequired != nil {
		m.SetAppRoleAssignmentRequired(ptr(*p.AppRoleAssignmentRequired))
	}
	if p.Tags != nil {
		m.SetTags(copyStrings(*p.Tags))
	}
	return m
}

// buildCreateServicePrincipal creates the service principal of an
// application. Right after the application's creation Graph may answer
// NoBackingApplicationObject, mapped to NotFound (replication lag).
func buildCreateServicePrincipal(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("appId", w.AppID); err != nil {
		return request{}, err
	}
	var m models.ServicePrincipalable = models.NewServicePrincipal()
	if w.ServicePrincipal != nil {
		m = servicePrincipalModel(*w.ServicePrincipal)
	}
	m.SetAppId(ptr(w.AppID))
	ri, err := c.sdk.ServicePrincipals().ToPostRequestInformation(ctx, m, nil)
	return request{info: ri, parse: models.CreateServicePrincipalFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) {
			sp := toServicePrincipal(m.(models.ServicePrincipalable))
			return tenant.WriteResult{ID: sp.ID, ServicePrincipal: sp}, nil
		}}, err
}

func buildUpdateServicePrincipal(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("service principal id", w.ID); err != nil {
		return request{}, err
	}
	if w.ServicePrincipal == nil {
		return request{}, missing("service principal patch")
	}
	return noContent(c.sdk.ServicePrincipals().ByServicePrincipalId(w.ID).ToPatchRequestInformation(ctx, servicePrincipalModel(*w.ServicePrincipal), nil))
}

func buildDeleteServicePrincipal(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("service principal id", w.ID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.ServicePrincipals().ByServicePrincipalId(w.ID).ToDeleteRequestInformation(ctx, nil))
}

// ---- app-role assignments

func assignmentModel(a tenant.AppRoleAssignment) (models.AppRoleAssignmentable, error) {
	principal, err := parseUUID("principalId", a.PrincipalID)
	if err != nil {
		return nil, err
	}
	resource, err := parseUUID("resourceId", a.ResourceID)
	if err != nil {
		return nil, err
	}
	role, err := parseUUID("appRoleId", a.AppRoleID)
	if err != nil {
		return nil, err
	}
	m := models.NewAppRoleAssignment()
	m.SetPrincipalId(principal)
	m.SetResourceId(resource)
	m.SetAppRoleId(role)
	return m, nil
}

func buildCreateAssignment(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if w.Assignment == nil {
		return request{}, missing("assignment")
	}
	m, err := assignmentModel(*w.Assignment)
	if err != nil {
		return request{}, err
	}
	ri, err := c.sdk.ServicePrincipals().ByServicePrincipalId(w.Assignment.ResourceID).AppRoleAssignedTo().ToPostRequestInformation(ctx, m, nil)
	return request{info: ri, parse: models.CreateAppRoleAssignmentFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) {
			a := toAssignment(m.(models.AppRoleAssignmentable))
			return tenant.WriteResult{ID: a.ID, Assignment: a}, nil
		}}, err
}

func buildDeleteAssignment(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := needAll("resource id", w.ID, "assignment id", w.RefID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.ServicePrincipals().ByServicePrincipalId(w.ID).AppRoleAssignedTo().ByAppRoleAssignmentId(w.RefID).ToDeleteRequestInformation(ctx, nil))
}

// ---- delegated grants

func grantModel(g tenant.PermissionGrant) models.OAuth2PermissionGrantable {
	m := models.NewOAuth2PermissionGrant()
	m.SetClientId(ptr(g.ClientID))
	m.SetResourceId(ptr(g.ResourceID))
	consent := g.ConsentType
	if consent == "" {
		consent = "AllPrincipals"
	}
	m.SetConsentType(ptr(consent))
	if g.PrincipalID != "" {
		m.SetPrincipalId(ptr(g.PrincipalID))
	}
	m.SetScope(ptr(g.Scope))
	return m
}

func buildCreateGrant(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if w.Grant == nil {
		return request{}, missing("grant")
	}
	ri, err := c.sdk.Oauth2PermissionGrants().ToPostRequestInformation(ctx, grantModel(*w.Grant), nil)
	return request{info: ri, parse: models.CreateOAuth2PermissionGrantFromDiscriminatorValue,
		result: func(m serialization.Parsable) (tenant.WriteResult, error) {
			g := toGrant(m.(models.OAuth2PermissionGrantable))
			return tenant.WriteResult{ID: g.ID, Grant: g}, nil
		}}, err
}

func buildUpdateGrant(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("grant id", w.ID); err != nil {
		return request{}, err
	}
	m := models.NewOAuth2PermissionGrant()
	m.SetScope(ptr(w.Scope))
	return noContent(c.sdk.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(w.ID).ToPatchRequestInformation(ctx, m, nil))
}

func buildDeleteGrant(c *Client, ctx context.Context, w tenant.Write) (request, error) {
	if err := need("grant id", w.ID); err != nil {
		return request{}, err
	}
	return noContent(c.sdk.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(w.ID).ToDeleteRequestInformation(ctx, nil))
}
