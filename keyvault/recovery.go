package keyvault

import (
	"context"
	"fmt"

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
	var out []tenant.SecretMeta
	pager := c.NewListSecretPropertiesVersionsPager(name, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			err = mapError(err, vault)
			if tenant.KindOf(err) == tenant.NotFound {
				return nil, nil
			}
			return nil, fmt.Errorf("listing the versions of secret %q in vault %q: %w", name, vault, err)
		}
		for _, p := range page.Value {
			if p == nil {
				continue
			}
			out = append(out, toMeta(vault, p.ID, p.ContentType, p.Tags, p.Attributes))
		}
	}
	return out, nil
}

// DeletedSecrets pages through the vault's soft-deleted secrets
// (GET /deletedsecrets). It never reads a value.
func (s *Store) DeletedSecrets(ctx context.Context, vault string) ([]tenant.DeletedSecret, error) {
	c, err := s.client(vault)
	if err != nil {
		return nil, err
	}
	var out []tenant.DeletedSecret
	pager := c.NewListDeletedSecretPropertiesPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the deleted secrets of vault %q: %w", vault, mapError(err, vault))
		}
		for _, p := range page.Value {
			if p == nil {
				continue
			}
			d := tenant.DeletedSecret{SecretMeta: toMeta(vault, p.ID, p.ContentType, p.Tags, p.Attributes)}
			if p.DeletedDate != nil {
				d.DeletedDate = p.DeletedDate.UTC()
			}
			if p.ScheduledPurgeDate != nil {
				d.ScheduledPurgeDate = p.ScheduledPurgeDate.UTC()
			}
			out = append(out, d)
		}
	}
	return out, nil
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
