package keyvault

import (
	"context"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/regsync/regsync/tenant"
)

// SecretVersions pages through the versions of a secret
// (GET /secrets/{name}/versions) and returns their metadata. It never reads
// a value: the version list carries none, and it needs only the list
// permission, which ListSecrets needs too. (Reading the latest version with
// GET /secrets/{name}/ would be one request, but its answer holds the
// value, and it needs the get permission, which regsync needs nowhere
// else.) A secret that does not exist, or is deleted, has no versions.
func (s *Store) SecretVersions(ctx context.Context, vault, name string) ([]tenant.SecretMeta, error) {
	c, err := s.client(vault)
	if err != nil {
		return nil, err
	}
	out, err := readPages(ctx, s, vault, "listing secret versions", fmt.Sprintf("listing the versions of secret %q in vault %q", name, vault),
		c.NewListSecretPropertiesVersionsPager(name, nil), func(page azsecrets.ListSecretPropertiesVersionsResponse) ([]tenant.SecretMeta, *string) {
			return secretMetas(vault, page.Value), page.NextLink
		})
	if tenant.KindOf(err) == tenant.NotFound {
		return nil, nil
	}
	return out, err
}

// DeletedSecrets pages through the vault's soft-deleted secrets
// (GET /deletedsecrets). It never reads a value.
func (s *Store) DeletedSecrets(ctx context.Context, vault string) ([]tenant.DeletedSecret, error) {
	c, err := s.client(vault)
	if err != nil {
		return nil, err
	}
	return readPages(ctx, s, vault, "listing deleted secrets", fmt.Sprintf("listing the deleted secrets of vault %q", vault),
		c.NewListDeletedSecretPropertiesPager(nil), func(page azsecrets.ListDeletedSecretPropertiesResponse) ([]tenant.DeletedSecret, *string) {
			return convertItems(page.Value, func(p *azsecrets.DeletedSecretProperties) tenant.DeletedSecret {
				return tenant.DeletedSecret{SecretMeta: toMeta(vault, p.ID, p.ContentType, p.Tags, p.Attributes),
					DeletedDate: utcOrZero(p.DeletedDate), ScheduledPurgeDate: utcOrZero(p.ScheduledPurgeDate)}
			}), page.NextLink
		})
}

// utcOrZero is *t in UTC, or the zero time when t is nil.
func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// RecoverSecret recovers a soft-deleted secret
// (POST /deletedsecrets/{name}/recover). The answer's bundle carries no
// value, and nothing of it is kept.
func (s *Store) RecoverSecret(ctx context.Context, vault, name string) error {
	c, err := s.client(vault)
	if err != nil {
		return err
	}
	if _, err := c.RecoverDeletedSecret(ctx, name, nil); err != nil {
		return fmt.Errorf("recovering deleted secret %q in vault %q: %w", name, vault, mapError(err, vault))
	}
	return nil
}
