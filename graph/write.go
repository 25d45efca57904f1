package graph

import (
	"context"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/applications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/regsync/regsync/tenant"
)

// Every write below builds a fresh SDK model holding only what it sends:
// a model read by a single GET drops later edits when serialized, and one
// taken from a list re-sends every field it was read with (WIRE.md §1.5).

// CreateApplication POSTs a new application with the non-nil fields of p
// and returns it as Graph created it.
func (c *Client) CreateApplication(ctx context.Context, p tenant.AppProps) (*tenant.Application, error) {
	body, err := applicationModel(p)
	if err != nil {
		return nil, fmt.Errorf("creating application: %w", err)
	}
	m, err := c.sdk.Applications().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError(err, "creating application %q", deref(p.DisplayName))
	}
	return toApplication(m), nil
}

// UpdateApplication PATCHes the non-nil fields of p. A pointer to an empty
// collection clears it.
func (c *Client) UpdateApplication(ctx context.Context, id string, p tenant.AppProps) error {
	body, err := applicationModel(p)
	if err != nil {
		return fmt.Errorf("updating application %s: %w", id, err)
	}
	_, err = c.sdk.Applications().ByApplicationId(id).Patch(ctx, body, nil)
	return mapError(err, "updating application %s", id)
}

// DeleteApplication deletes an application (Graph keeps it restorable for
// 30 days).
func (c *Client) DeleteApplication(ctx context.Context, id string) error {
	return mapError(c.sdk.Applications().ByApplicationId(id).Delete(ctx, nil), "deleting application %s", id)
}

// directoryObjectRef is the @odata.id of a directory object under the
// configured Graph base URL.
func (c *Client) directoryObjectRef(id string) string { return c.base + "/directoryObjects/" + id }

// AddOwner adds a user or service principal as owner through owners/$ref.
func (c *Client) AddOwner(ctx context.Context, appObjectID, ownerID string) error {
	ref := models.NewReferenceCreate()
	ref.SetOdataId(ptr(c.directoryObjectRef(ownerID)))
	err := c.sdk.Applications().ByApplicationId(appObjectID).Owners().Ref().Post(ctx, ref, nil)
	return mapError(err, "adding owner %s to application %s", ownerID, appObjectID)
}

// RemoveOwner removes an owner reference.
func (c *Client) RemoveOwner(ctx context.Context, appObjectID, ownerID string) error {
	err := c.sdk.Applications().ByApplicationId(appObjectID).Owners().ByDirectoryObjectId(ownerID).Ref().Delete(ctx, nil)
	return mapError(err, "removing owner %s from application %s", ownerID, appObjectID)
}

// AddPassword adds a client secret. Graph returns its value once, in this
// response; it leaves here only as a tenant.SecretValue.
func (c *Client) AddPassword(ctx context.Context, appObjectID string, req tenant.PasswordRequest) (tenant.PasswordCredential, tenant.SecretValue, error) {
	pc := models.NewPasswordCredential()
	if req.DisplayName != "" {
		pc.SetDisplayName(ptr(req.DisplayName))
	}
	if !req.End.IsZero() {
		pc.SetEndDateTime(ptr(req.End.UTC()))
	}
	body := applications.NewItemAddPasswordPostRequestBody()
	body.SetPasswordCredential(pc)
	m, err := c.sdk.Applications().ByApplicationId(appObjectID).AddPassword().Post(ctx, body, nil)
	if err != nil {
		return tenant.PasswordCredential{}, tenant.SecretValue{}, mapError(err, "adding a password to application %s", appObjectID)
	}
	secret := tenant.NewSecretValue(str(m.GetSecretText()))
	if secret.IsZero() {
		return tenant.PasswordCredential{}, tenant.SecretValue{}, &tenant.Error{Kind: tenant.Unknown,
			Message: fmt.Sprintf("adding a password to application %s: graph returned no secretText", appObjectID)}
	}
	return toPassword(m), secret, nil
}

// RemovePassword removes a client secret by keyId.
func (c *Client) RemovePassword(ctx context.Context, appObjectID, keyID string) error {
	id, err := parseUUID("keyId", keyID)
	if err != nil {
		return fmt.Errorf("removing password %s from application %s: %w", keyID, appObjectID, err)
	}
	body := applications.NewItemRemovePasswordPostRequestBody()
	body.SetKeyId(id)
	err = c.sdk.Applications().ByApplicationId(appObjectID).RemovePassword().Post(ctx, body, nil)
	return mapError(err, "removing password %s from application %s", keyID, appObjectID)
}

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

// CreateFederatedCredential adds a federated identity credential.
func (c *Client) CreateFederatedCredential(ctx context.Context, appObjectID string, fc tenant.FederatedCredential) (tenant.FederatedCredential, error) {
	m, err := c.sdk.Applications().ByApplicationId(appObjectID).FederatedIdentityCredentials().Post(ctx, federatedModel(fc, true), nil)
	if err != nil {
		return tenant.FederatedCredential{}, mapError(err, "creating federated credential %q on application %s", fc.Name, appObjectID)
	}
	return toFederated(m), nil
}

// UpdateFederatedCredential rewrites issuer, subject, audiences and
// description of the credential fc.ID (the name is immutable).
func (c *Client) UpdateFederatedCredential(ctx context.Context, appObjectID string, fc tenant.FederatedCredential) error {
	_, err := c.sdk.Applications().ByApplicationId(appObjectID).FederatedIdentityCredentials().
		ByFederatedIdentityCredentialId(fc.ID).Patch(ctx, federatedModel(fc, false), nil)
	return mapError(err, "updating federated credential %q on application %s", fc.Name, appObjectID)
}

// DeleteFederatedCredential deletes a federated identity credential.
func (c *Client) DeleteFederatedCredential(ctx context.Context, appObjectID, fcID string) error {
	err := c.sdk.Applications().ByApplicationId(appObjectID).FederatedIdentityCredentials().
		ByFederatedIdentityCredentialId(fcID).Delete(ctx, nil)
	return mapError(err, "deleting federated credential %s on application %s", fcID, appObjectID)
}

// CreateServicePrincipal creates the service principal of an application.
// Right after the application's creation Graph may answer
// NoBackingApplicationObject, mapped to NotFound (replication lag).
func (c *Client) CreateServicePrincipal(ctx context.Context, appID string, tags []string) (*tenant.ServicePrincipal, error) {
	m := models.NewServicePrincipal()
	m.SetAppId(ptr(appID))
	if tags != nil {
		m.SetTags(copyStrings(tags))
	}
	sp, err := c.sdk.ServicePrincipals().Post(ctx, m, nil)
	if err != nil {
		return nil, mapError(err, "creating the service principal of %s", appID)
	}
	return toServicePrincipal(sp), nil
}

// UpdateServicePrincipal PATCHes the non-nil fields of p.
func (c *Client) UpdateServicePrincipal(ctx context.Context, id string, p tenant.ServicePrincipalPatch) error {
	_, err := c.sdk.ServicePrincipals().ByServicePrincipalId(id).Patch(ctx, servicePrincipalModel(p), nil)
	return mapError(err, "updating service principal %s", id)
}

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

// DeleteServicePrincipal deletes a service principal.
func (c *Client) DeleteServicePrincipal(ctx context.Context, id string) error {
	return mapError(c.sdk.ServicePrincipals().ByServicePrincipalId(id).Delete(ctx, nil), "deleting service principal %s", id)
}

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

// CreateAppRoleAssignment grants an app role of a.ResourceID to
// a.PrincipalID (admin consent to an application permission).
func (c *Client) CreateAppRoleAssignment(ctx context.Context, a tenant.AppRoleAssignment) (tenant.AppRoleAssignment, error) {
	m, err := assignmentModel(a)
	if err != nil {
		return tenant.AppRoleAssignment{}, fmt.Errorf("assigning app role %s: %w", a.AppRoleID, err)
	}
	res, err := c.sdk.ServicePrincipals().ByServicePrincipalId(a.ResourceID).AppRoleAssignedTo().Post(ctx, m, nil)
	if err != nil {
		return tenant.AppRoleAssignment{}, mapError(err, "assigning app role %s of %s to %s", a.AppRoleID, a.ResourceID, a.PrincipalID)
	}
	return toAssignment(res), nil
}

// DeleteAppRoleAssignment removes an app-role assignment.
func (c *Client) DeleteAppRoleAssignment(ctx context.Context, resourceSPID, id string) error {
	err := c.sdk.ServicePrincipals().ByServicePrincipalId(resourceSPID).AppRoleAssignedTo().ByAppRoleAssignmentId(id).Delete(ctx, nil)
	return mapError(err, "deleting app-role assignment %s on %s", id, resourceSPID)
}

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

// CreatePermissionGrant grants delegated scopes (admin consent when
// ConsentType is AllPrincipals, the default).
func (c *Client) CreatePermissionGrant(ctx context.Context, g tenant.PermissionGrant) (tenant.PermissionGrant, error) {
	res, err := c.sdk.Oauth2PermissionGrants().Post(ctx, grantModel(g), nil)
	if err != nil {
		return tenant.PermissionGrant{}, mapError(err, "granting %q of %s to %s", g.Scope, g.ResourceID, g.ClientID)
	}
	return toGrant(res), nil
}

// UpdatePermissionGrant replaces the scopes of a delegated grant.
func (c *Client) UpdatePermissionGrant(ctx context.Context, id, scope string) error {
	m := models.NewOAuth2PermissionGrant()
	m.SetScope(ptr(scope))
	_, err := c.sdk.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(id).Patch(ctx, m, nil)
	return mapError(err, "updating delegated grant %s", id)
}

// DeletePermissionGrant deletes a delegated grant.
func (c *Client) DeletePermissionGrant(ctx context.Context, id string) error {
	return mapError(c.sdk.Oauth2PermissionGrants().ByOAuth2PermissionGrantId(id).Delete(ctx, nil), "deleting delegated grant %s", id)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
