package keyvault

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"

	"github.com/regsync/regsync/tenant"
)

var _ tenant.CertificateStore = (*Store)(nil)

// certClient returns the (cached) certificates client of a vault, built
// like the secrets client: the same transport, counter, User-Agent, retry
// setting and challenge checks.
func (s *Store) certClient(vault string) (*azcertificates.Client, error) {
	if vault == "" {
		return nil, &tenant.Error{Kind: tenant.Invalid, Message: "empty vault name"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.certClients[vault]; ok {
		return c, nil
	}
	vaultURL, cred, azure, err := s.vaultClientSetup(vault)
	if err != nil {
		return nil, err
	}
	opts := &azcertificates.ClientOptions{ClientOptions: azure, DisableChallengeResourceVerification: s.cfg.VaultOverridden()}
	c, err := azcertificates.NewClient(vaultURL, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("building the key vault certificates client for %q: %w", vault, err)
	}
	if s.certClients == nil {
		s.certClients = map[string]*azcertificates.Client{}
	}
	s.certClients[vault] = c
	return c, nil
}

// ListCertificates pages through the vault's certificates (the latest
// version of each).
func (s *Store) ListCertificates(ctx context.Context, vault string) ([]tenant.CertificateMeta, error) {
	c, err := s.certClient(vault)
	if err != nil {
		return nil, err
	}
	return readPages(ctx, s, vault, "listing certificates", fmt.Sprintf("listing certificates of vault %q", vault),
		c.NewListCertificatePropertiesPager(nil), func(page azcertificates.ListCertificatePropertiesResponse) ([]tenant.CertificateMeta, *string) {
			return certMetas(vault, page.Value), page.NextLink
		})
}

// CertificateVersions pages through the versions of a certificate. A
// certificate that does not exist, or is deleted, has none.
func (s *Store) CertificateVersions(ctx context.Context, vault, name string) ([]tenant.CertificateMeta, error) {
	c, err := s.certClient(vault)
	if err != nil {
		return nil, err
	}
	out, err := readPages(ctx, s, vault, "listing certificate versions", fmt.Sprintf("listing the versions of certificate %q in vault %q", name, vault),
		c.NewListCertificatePropertiesVersionsPager(name, nil), func(page azcertificates.ListCertificatePropertiesVersionsResponse) ([]tenant.CertificateMeta, *string) {
			return certMetas(vault, page.Value), page.NextLink
		})
	if tenant.KindOf(err) == tenant.NotFound {
		return nil, nil
	}
	return out, err
}

// certMetas is the metadata of a page of certificates (or versions).
func certMetas(vault string, page []*azcertificates.CertificateProperties) []tenant.CertificateMeta {
	return convertItems(page, func(p *azcertificates.CertificateProperties) tenant.CertificateMeta {
		return certMeta(vault, p.ID, p.X509Thumbprint, p.Tags, p.Attributes)
	})
}

// CreateCertificate starts a new version of a certificate with a
// self-signed issuer policy (POST /certificates/{name}/create). The key
// pair is made in the vault; nothing of it comes back. The policy's
// lifetime action only e-mails the vault's contacts: regsync renews the
// certificate itself, so that every version the vault makes is one a plan
// asked for and put on the application.
func (s *Store) CreateCertificate(ctx context.Context, vault, name string, req tenant.CertificateRequest) (tenant.CertificateOperation, error) {
	c, err := s.certClient(vault)
	if err != nil {
		return tenant.CertificateOperation{}, err
	}
	keyType := azcertificates.KeyType(strings.ToUpper(req.KeyType))
	if keyType == "" {
		keyType = azcertificates.KeyTypeRSA
	}
	params := azcertificates.CreateCertificateParameters{
		CertificatePolicy: &azcertificates.CertificatePolicy{
			IssuerParameters: &azcertificates.IssuerParameters{Name: ptr("Self")},
			KeyProperties: &azcertificates.KeyProperties{
				KeyType:    &keyType,
				KeySize:    ptr(int32(req.KeySize)),
				Exportable: ptr(req.Exportable),
				ReuseKey:   ptr(false),
			},
			SecretProperties: &azcertificates.SecretProperties{ContentType: ptr("application/x-pkcs12")},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{
				Subject:          ptr(req.Subject),
				ValidityInMonths: ptr(int32(req.ValidityMonths)),
				KeyUsage:         []*azcertificates.KeyUsageType{ptr(azcertificates.KeyUsageTypeDigitalSignature)},
			},
			LifetimeActions: []*azcertificates.LifetimeAction{{
				Action:  &azcertificates.LifetimeActionType{ActionType: ptr(azcertificates.CertificatePolicyActionEmailContacts)},
				Trigger: &azcertificates.LifetimeActionTrigger{LifetimePercentage: ptr(int32(80))},
			}},
		},
	}
	if len(req.Tags) > 0 {
		params.Tags = map[string]*string{}
		for k, v := range req.Tags {
			params.Tags[k] = ptr(v)
		}
	}
	var resp azcertificates.CreateCertificateResponse
	err = s.call(vault, fmt.Sprintf("creating certificate %q", name), func() (err error) {
		resp, err = c.CreateCertificate(ctx, name, params, nil)
		return err
	})
	if err != nil {
		return tenant.CertificateOperation{}, fmt.Errorf("creating certificate %q in vault %q: %w", name, vault, mapError(err, vault))
	}
	return certOperation(resp.CertificateOperation), nil
}

// CertificateOperation reads a certificate's pending operation
// (GET /certificates/{name}/pending).
func (s *Store) CertificateOperation(ctx context.Context, vault, name string) (tenant.CertificateOperation, error) {
	c, err := s.certClient(vault)
	if err != nil {
		return tenant.CertificateOperation{}, err
	}
	var resp azcertificates.GetCertificateOperationResponse
	err = s.call(vault, fmt.Sprintf("reading the operation of certificate %q", name), func() (err error) {
		resp, err = c.GetCertificateOperation(ctx, name, nil)
		return err
	})
	if err != nil {
		return tenant.CertificateOperation{}, fmt.Errorf("reading the operation of certificate %q in vault %q: %w", name, vault, mapError(err, vault))
	}
	return certOperation(resp.CertificateOperation), nil
}

func certOperation(op azcertificates.CertificateOperation) tenant.CertificateOperation {
	out := tenant.CertificateOperation{}
	if op.Status != nil {
		out.Status = *op.Status
	}
	if op.StatusDetails != nil {
		out.StatusDetails = *op.StatusDetails
	}
	if op.Error != nil {
		out.ErrorCode = op.Error.Code
		out.ErrorMessage = op.Error.Error()
	}
	return out
}

// GetCertificate reads a certificate version with its public part
// (GET /certificates/{name}/{version}). The answer holds no private key;
// the certificate's secret, which would, is never read.
func (s *Store) GetCertificate(ctx context.Context, vault, name, version string) (tenant.Certificate, error) {
	c, err := s.certClient(vault)
	if err != nil {
		return tenant.Certificate{}, err
	}
	var resp azcertificates.GetCertificateResponse
	err = s.call(vault, fmt.Sprintf("reading certificate %q", name), func() (err error) {
		resp, err = c.GetCertificate(ctx, name, version, nil)
		return err
	})
	if err != nil {
		return tenant.Certificate{}, fmt.Errorf("reading certificate %q in vault %q: %w", name, vault, mapError(err, vault))
	}
	return tenant.Certificate{
		CertificateMeta: certMeta(vault, resp.ID, resp.X509Thumbprint, resp.Tags, resp.Attributes),
		CER:             resp.CER,
	}, nil
}

// DeletedCertificates pages through the vault's soft-deleted certificates
// (GET /deletedcertificates).
func (s *Store) DeletedCertificates(ctx context.Context, vault string) ([]tenant.DeletedCertificate, error) {
	c, err := s.certClient(vault)
	if err != nil {
		return nil, err
	}
	return readPages(ctx, s, vault, "listing deleted certificates", fmt.Sprintf("listing the deleted certificates of vault %q", vault),
		c.NewListDeletedCertificatePropertiesPager(nil), func(page azcertificates.ListDeletedCertificatePropertiesResponse) ([]tenant.DeletedCertificate, *string) {
			return convertItems(page.Value, func(p *azcertificates.DeletedCertificateProperties) tenant.DeletedCertificate {
				return tenant.DeletedCertificate{CertificateMeta: certMeta(vault, p.ID, p.X509Thumbprint, p.Tags, p.Attributes),
					DeletedDate: utcOrZero(p.DeletedDate), ScheduledPurgeDate: utcOrZero(p.ScheduledPurgeDate)}
			}), page.NextLink
		})
}

// RecoverCertificate recovers a soft-deleted certificate
// (POST /deletedcertificates/{name}/recover).
func (s *Store) RecoverCertificate(ctx context.Context, vault, name string) error {
	c, err := s.certClient(vault)
	if err != nil {
		return err
	}
	err = s.call(vault, fmt.Sprintf("recovering certificate %q", name), func() error {
		_, err := c.RecoverDeletedCertificate(ctx, name, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("recovering deleted certificate %q in vault %q: %w", name, vault, mapError(err, vault))
	}
	return nil
}

func certMeta(vault string, id *azcertificates.ID, x5t []byte, tags map[string]*string, attrs *azcertificates.CertificateAttributes) tenant.CertificateMeta {
	m := tenant.CertificateMeta{Vault: vault, Enabled: true, Thumbprint: strings.ToUpper(hex.EncodeToString(x5t))}
	if id != nil {
		m.Name, m.Version = parseCertID(string(*id))
	}
	m.Tags = tagValues(tags)
	if attrs != nil {
		if attrs.Enabled != nil {
			m.Enabled = *attrs.Enabled
		}
		if attrs.NotBefore != nil {
			m.NotBefore = ptr(attrs.NotBefore.UTC())
		}
		if attrs.Expires != nil {
			m.Expires = ptr(attrs.Expires.UTC())
		}
		if attrs.Created != nil {
			m.Created = attrs.Created.UTC()
		}
		if attrs.Updated != nil {
			m.Updated = attrs.Updated.UTC()
		}
	}
	return m
}

// parseCertID returns the name and version of a certificate id: the
// segments after the last "certificates" or "deletedcertificates" segment.
func parseCertID(id string) (name, version string) {
	return parseObjectID(id, "certificates", "deletedcertificates")
}
