package graph

import (
	"context"

	"github.com/regsync/regsync/tenant"
)

// The methods below are the Directory of before writes became values;
// they go once every caller uses Do and DoBatch.

func (c *Client) CreateApplication(ctx context.Context, p tenant.AppProps) (*tenant.Application, error) {
	r, err := c.Do(ctx, tenant.CreateApplication(p))
	return r.Application, err
}
func (c *Client) UpdateApplication(ctx context.Context, id string, p tenant.AppProps) error {
	_, err := c.Do(ctx, tenant.UpdateApplication(id, p))
	return err
}
func (c *Client) DeleteApplication(ctx context.Context, id string) error {
	_, err := c.Do(ctx, tenant.DeleteApplication(id))
	return err
}
func (c *Client) AddOwner(ctx context.Context, appObjectID, ownerID string) error {
	_, err := c.Do(ctx, tenant.AddOwner(appObjectID, ownerID))
	return err
}
func (c *Client) RemoveOwner(ctx context.Context, appObjectID, ownerID string) error {
	_, err := c.Do(ctx, tenant.RemoveOwner(appObjectID, ownerID))
	return err
}
func (c *Client) AddPassword(ctx context.Context, appObjectID string, req tenant.PasswordRequest) (tenant.PasswordCredential, tenant.SecretValue, error) {
	r, err := c.Do(ctx, tenant.AddPassword(appObjectID, req))
	return r.Password, r.Secret, err
}
func (c *Client) RemovePassword(ctx context.Context, appObjectID, keyID string) error {
	_, err := c.Do(ctx, tenant.RemovePassword(appObjectID, keyID))
	return err
}
func (c *Client) CreateFederatedCredential(ctx context.Context, appObjectID string, fc tenant.FederatedCredential) (tenant.FederatedCredential, error) {
	r, err := c.Do(ctx, tenant.CreateFederatedCredential(appObjectID, fc))
	return r.Federated, err
}
func (c *Client) UpdateFederatedCredential(ctx context.Context, appObjectID string, fc tenant.FederatedCredential) error {
	_, err := c.Do(ctx, tenant.UpdateFederatedCredential(appObjectID, fc))
	return err
}
func (c *Client) DeleteFederatedCredential(ctx context.Context, appObjectID, fcID string) error {
	_, err := c.Do(ctx, tenant.DeleteFederatedCredential(appObjectID, fcID))
	return err
}
func (c *Client) CreateServicePrincipal(ctx context.Context, appID string, tags []string) (*tenant.ServicePrincipal, error) {
	r, err := c.Do(ctx, tenant.CreateServicePrincipal(appID, tags))
	return r.ServicePrincipal, err
}
func (c *Client) UpdateServicePrincipal(ctx context.Context, id string, p tenant.ServicePrincipalPatch) error {
	_, err := c.Do(ctx, tenant.UpdateServicePrincipal(id, p))
	return err
}
func (c *Client) DeleteServicePrincipal(ctx context.Context, id string) error {
	_, err := c.Do(ctx, tenant.DeleteServicePrincipal(id))
	return err
}
func (c *Client) CreateAppRoleAssignment(ctx context.Context, a tenant.AppRoleAssignment) (tenant.AppRoleAssignment, error) {
	r, err := c.Do(ctx, tenant.CreateAppRoleAssignment(a))
	return r.Assignment, err
}
func (c *Client) DeleteAppRoleAssignment(ctx context.Context, resourceSPID, id string) error {
	_, err := c.Do(ctx, tenant.DeleteAppRoleAssignment(resourceSPID, id))
	return err
}
func (c *Client) CreatePermissionGrant(ctx context.Context, g tenant.PermissionGrant) (tenant.PermissionGrant, error) {
	r, err := c.Do(ctx, tenant.CreatePermissionGrant(g))
	return r.Grant, err
}
func (c *Client) UpdatePermissionGrant(ctx context.Context, id, scope string) error {
	_, err := c.Do(ctx, tenant.UpdatePermissionGrant(id, scope))
	return err
}
func (c *Client) DeletePermissionGrant(ctx context.Context, id string) error {
	_, err := c.Do(ctx, tenant.DeletePermissionGrant(id))
	return err
}

// WriteBatch is DoBatch.
func (c *Client) WriteBatch(ctx context.Context, writes []tenant.Write) []tenant.WriteResult {
	return c.DoBatch(ctx, writes)
}
