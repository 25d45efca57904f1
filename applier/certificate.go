package applier

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// certificateKind: a certificate credential is made in Key Vault first and
// its public part added to the application after, alone (the add reads
// and PATCHes the whole keyCredentials list); a removal likewise.
type certificateKind struct{}

func (certificateKind) has(a *planner.Action) bool { return a.Certificate != nil }

func (certificateKind) detach(c *planner.Action) { c.Certificate = detached(c.Certificate) }

func (certificateKind) write(*planner.Action) (tenant.Write, string, bool) {
	return tenant.Write{}, "", false
}

func (certificateKind) run(ctx context.Context, x *exec) error {
	c := x.a.Certificate
	switch x.a.Op {
	case planner.OpCreate:
		return x.addCertificate(ctx)
	case planner.OpDelete:
		x.objectID = c.KeyID
		return x.remove(ctx, "already removed", func(ctx context.Context) error {
			return x.do(ctx, tenant.RemoveKeyCredential(c.ApplicationID, c.KeyID))
		})
	default:
		panic(unknownOp(x.a))
	}
}

// certPollInterval is the wait between two reads of a certificate's
// pending operation; certPollLimit bounds the wait for it.
const (
	certPollInterval = 500 * time.Millisecond
	certPollLimit    = 2 * time.Minute
)

// certs returns the run's certificate store: the secret store, when it
// also implements tenant.CertificateStore.
func (x *exec) certs() (tenant.CertificateStore, error) {
	cs, ok := x.vault.(tenant.CertificateStore)
	if !ok || cs == nil {
		return nil, fmt.Errorf("no Key Vault certificate store is configured")
	}
	return cs, nil
}

// addCertificate makes the key credential of a vault certificate version:
//
//  1. when the plan says so, it recovers the soft-deleted certificate, and
//     asks the vault for a new version with a self-signed issuer policy,
//     then waits for the vault's operation; a create refused because the
//     name is held by a soft-deleted certificate (409) recovers it and
//     asks again;
//  2. it reads the version's public certificate (cer) — never its secret,
//     which holds the private key;
//  3. it adds the certificate to the application's keyCredentials
//     (AsymmetricX509Cert, Verify, customKeyIdentifier = its thumbprint,
//     dates = the certificate's), with a keyId derived from the thumbprint,
//     so sending it again after a lost answer adds nothing twice.
//
// The vault comes first: a failure after step 1 leaves a vault version no
// key credential names, which the next plan puts on the application; no key
// credential ever exists without its vault copy.
func (x *exec) addCertificate(ctx context.Context) error {
	c := x.a.Certificate
	cs, err := x.certs()
	if err != nil {
		return err
	}
	if err := x.vaults.isOpen(c.Vault); err != nil {
		return err
	}
	version := c.Version
	if c.Recover {
		if err := x.recoverCertificate(ctx, cs); err != nil {
			return err
		}
	}
	if c.NewVersion {
		if err := x.createCertificate(ctx, cs); err != nil {
			return err
		}
		version = ""
	}
	var got tenant.Certificate
	err = x.vaultRead(ctx, c.Vault, func(ctx context.Context) (err error) {
		got, err = cs.GetCertificate(ctx, c.Vault, c.CertificateName, version)
		return err
	})
	if err != nil {
		return certError(c, "reading certificate", err)
	}
	cert, err := x509.ParseCertificate(got.CER)
	if err != nil {
		return fmt.Errorf("certificate %s (version %s) of Key Vault %s is not an X.509 certificate: %v; no key credential was added", c.CertificateName, got.Version, c.Vault, err)
	}
	sum := sha1.Sum(got.CER)
	thumb := strings.ToUpper(hex.EncodeToString(sum[:]))
	key := tenant.KeyCredential{
		KeyID:               CertificateKeyID(thumb),
		DisplayName:         c.DisplayName,
		Type:                "AsymmetricX509Cert",
		Usage:               "Verify",
		CustomKeyIdentifier: thumb,
		Start:               cert.NotBefore.UTC(),
		End:                 cert.NotAfter.UTC(),
		Cert:                got.CER,
	}
	x.objectID = key.KeyID
	err = x.retry(ctx, x.lag, func(ctx context.Context) error { return x.do(ctx, tenant.AddKeyCredential(c.ApplicationID, key)) })
	if err != nil {
		return fmt.Errorf("adding certificate %s (version %s, thumbprint %s) of Key Vault %s to the application failed: %w; "+
			"the vault version stays and the next plan adds it", c.CertificateName, got.Version, thumb, c.Vault, err)
	}
	x.note("certificate %s version %s (thumbprint %s) added as key credential %s", c.CertificateName, got.Version, thumb, key.KeyID)
	if c.Replaces != "" {
		x.note("succeeds key credential %s, which stays until the overlap has passed", c.Replaces)
	}
	return nil
}

// CertificateKeyID is the keyId regsync gives the key credential of the
// certificate with this thumbprint: derived from it, so that two attempts
// to add one certificate make one credential.
func CertificateKeyID(thumbprint string) string {
	return uuid.NewSHA1(certKeyNamespace, []byte(strings.ToUpper(thumbprint))).String()
}

var certKeyNamespace = uuid.MustParse("5b7f0c56-64a5-4c0e-9c6e-2f0d1c4f7a31")

// createCertificate asks the vault for a new version and waits until the
// vault's operation completes.
func (x *exec) createCertificate(ctx context.Context, cs tenant.CertificateStore) error {
	c := x.a.Certificate
	req := tenant.CertificateRequest{Subject: c.Subject, KeyType: c.KeyType, KeySize: c.KeySize, Exportable: c.Exportable,
		ValidityMonths: c.ValidityMonths, Tags: map[string]string{
			tenant.CertificateTagClientID: c.AppID,
			tenant.CertificateTagSet:      x.plan.Set,
			tenant.CertificateTagKey:      x.a.App,
		}}
	recovered := false
	var op tenant.CertificateOperation
	for {
		err := x.vaultWrite(ctx, c.Vault, func(ctx context.Context) (err error) {
			op, err = cs.CreateCertificate(ctx, c.Vault, c.CertificateName, req)
			return err
		})
		if err != nil && tenant.KindOf(err) == tenant.Conflict && !recovered {
			// A certificate deleted by hand keeps its name reserved
			// (ObjectIsDeletedButRecoverable): recover it, then ask again.
			if rerr := x.recoverCertificate(ctx, cs); rerr != nil {
				return rerr
			}
			recovered = true
			continue
		}
		if err != nil {
			return certError(c, "creating certificate", err)
		}
		break
	}
	deadline := x.opts.Now().Add(certPollLimit)
	for op.Status != tenant.CertificateCompleted {
		switch op.Status {
		case tenant.CertificateInProgress, "":
		default:
			return fmt.Errorf("Key Vault %s could not make certificate %s: operation %s (%s %s); no key credential was added",
				c.Vault, c.CertificateName, op.Status, op.ErrorCode, op.ErrorMessage)
		}
		if x.opts.Now().After(deadline) {
			return fmt.Errorf("Key Vault %s did not finish certificate %s within %s; no key credential was added, and the next plan uses the version once it is there",
				c.Vault, c.CertificateName, certPollLimit)
		}
		if err := x.opts.Retry.WithDefaults().Sleep(ctx, certPollInterval); err != nil {
			return err
		}
		err := x.vaultRead(ctx, c.Vault, func(ctx context.Context) (err error) {
			op, err = cs.CertificateOperation(ctx, c.Vault, c.CertificateName)
			return err
		})
		if err != nil {
			return certError(c, "waiting for certificate", err)
		}
	}
	x.note("Key Vault %s made a new version of certificate %s", c.Vault, c.CertificateName)
	return nil
}

// recoverCertificate recovers the action's soft-deleted certificate; one
// already recovered (NotFound) is fine.
func (x *exec) recoverCertificate(ctx context.Context, cs tenant.CertificateStore) error {
	c := x.a.Certificate
	err := x.vaultWrite(ctx, c.Vault, func(ctx context.Context) error { return cs.RecoverCertificate(ctx, c.Vault, c.CertificateName) })
	if err != nil && tenant.KindOf(err) != tenant.NotFound {
		return certError(c, "recovering deleted certificate", err)
	}
	if err == nil {
		x.note("recovered certificate %s of Key Vault %s", c.CertificateName, c.Vault)
	}
	return nil
}

// certError says what failed, that no key credential was added, and, for
// a refusal, the role the identity needs.
func certError(c *planner.CertificateAction, doing string, err error) error {
	if tenant.KindOf(err) == tenant.Forbidden {
		return fmt.Errorf("%s %s in Key Vault %s was refused: %w; the identity needs the %s role on the vault (or the certificates create, get, list and recover permissions); no key credential was added",
			doing, c.CertificateName, c.Vault, err, tenant.CertificatesRole)
	}
	return fmt.Errorf("%s %s in Key Vault %s failed: %w; no key credential was added, and the next apply carries on", doing, c.CertificateName, c.Vault, err)
}
