package tenant

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// CertificateStore is what regsync needs of Key Vault's certificates.
// keyvault.Store implements it over azcertificates; tenanttest.Tenant in
// memory. Nothing in it carries a private key: Key Vault makes the key pair
// inside the vault, and regsync reads only the public certificate (cer).
type CertificateStore interface {
	// ListCertificates returns the metadata of the latest version of every
	// certificate in the vault.
	ListCertificates(ctx context.Context, vault string) ([]CertificateMeta, error)
	// CertificateVersions returns the metadata of every version of a
	// certificate, in no particular order; none when it does not exist or
	// is deleted.
	CertificateVersions(ctx context.Context, vault, name string) ([]CertificateMeta, error)
	// CreateCertificate asks the vault for a new version of a certificate,
	// made with a self-signed issuer policy, and returns the pending
	// operation. A certificate that does not exist yet is created.
	CreateCertificate(ctx context.Context, vault, name string, req CertificateRequest) (CertificateOperation, error)
	// CertificateOperation returns the state of a certificate's pending
	// (or last) operation.
	CertificateOperation(ctx context.Context, vault, name string) (CertificateOperation, error)
	// GetCertificate returns a version of a certificate (the latest when
	// version is empty) with its public part (DER).
	GetCertificate(ctx context.Context, vault, name, version string) (Certificate, error)
	// DeletedCertificates returns the soft-deleted certificates of a vault.
	// A deleted certificate's name stays reserved until it is recovered
	// or purged.
	DeletedCertificates(ctx context.Context, vault string) ([]DeletedCertificate, error)
	// RecoverCertificate recovers a soft-deleted certificate with all its
	// versions (and its key and secret).
	RecoverCertificate(ctx context.Context, vault, name string) error
	// Requests is the number of HTTP requests sent so far.
	Requests() int
}

// CertificateRequest is the policy of a certificate version to make.
type CertificateRequest struct {
	Subject        string
	KeyType        string // "RSA"
	KeySize        int
	Exportable     bool
	ValidityMonths int
	Tags           map[string]string
}

// CertificateMeta is what regsync reads of a Key Vault certificate
// version: never a private key.
type CertificateMeta struct {
	Vault   string
	Name    string
	Version string
	// Thumbprint is the certificate's SHA-1 thumbprint (x5t), upper-case
	// hex, the form Graph's key credentials carry as customKeyIdentifier.
	Thumbprint string
	Tags       map[string]string `json:",omitempty"`
	Enabled    bool
	NotBefore  *time.Time `json:",omitempty"`
	Expires    *time.Time `json:",omitempty"`
	Created    time.Time
	Updated    time.Time
}

// Certificate is a certificate version with its public X.509 certificate
// (DER). It holds no private key.
type Certificate struct {
	CertificateMeta
	CER []byte
}

// DeletedCertificate is a soft-deleted Key Vault certificate.
type DeletedCertificate struct {
	CertificateMeta
	DeletedDate        time.Time
	ScheduledPurgeDate time.Time
}

// CertificateOperation is the state of a certificate's creation:
// Status "inProgress", "completed", "failed" or "cancelled".
type CertificateOperation struct {
	Status        string
	StatusDetails string
	ErrorCode     string
	ErrorMessage  string
}

// Certificate operation states.
const (
	CertificateInProgress = "inProgress"
	CertificateCompleted  = "completed"
)

// CertificatesRole is the Azure built-in role an identity needs on a vault
// for regsync to list, read, create and recover its certificates.
const CertificatesRole = "Key Vault Certificates Officer"

// Key Vault tags regsync writes on a certificate, so anyone can match the
// certificate to its application (as for secrets).
const (
	CertificateTagClientID = SecretTagClientID
	CertificateTagSet      = SecretTagSet
	CertificateTagKey      = SecretTagKey
)

// readCertificates adds to g the certificate lists of q's certificate
// vaults: one paged list per vault, and its deleted certificates when q
// asks for deleted objects.
func readCertificates(g *group, certs CertificateStore, q ReadQuery, snap *Snapshot, mu *sync.Mutex, get func(context.Context, func(context.Context) error) error) {
	for _, v := range Uniq(q.CertificateVaults) {
		g.Go(func(ctx context.Context) error {
			var list []CertificateMeta
			err := get(ctx, func(ctx context.Context) (err error) {
				list, err = certs.ListCertificates(ctx, v)
				return err
			})
			if KindOf(err) == Forbidden {
				return fmt.Errorf("%w; regsync makes certificates in Key Vault %s, so its identity needs the %s role there (list, get, create and recover certificates)",
					err, v, CertificatesRole)
			}
			if err != nil {
				return err
			}
			mu.Lock()
			snap.Certificates = append(snap.Certificates, list...)
			mu.Unlock()
			return nil
		})
		if !q.DeletedSecrets {
			continue
		}
		g.Go(func(ctx context.Context) error {
			var list []DeletedCertificate
			err := get(ctx, func(ctx context.Context) (err error) {
				list, err = certs.DeletedCertificates(ctx, v)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.DeletedCertificates = append(snap.DeletedCertificates, list...)
			mu.Unlock()
			return nil
		})
	}
}

// readCertificateVersions lists the versions of each certificate whose
// latest version carries the client-id of an application with a key
// credential whose thumbprint is not the latest version's: during a
// renewal's overlap the older credential belongs to an older version.
func readCertificateVersions(ctx context.Context, par int, certs CertificateStore, snap *Snapshot, get func(context.Context, func(context.Context) error) error) error {
	keys := map[string][]KeyCredential{}
	for _, a := range snap.Applications {
		if a != nil {
			keys[strings.ToLower(a.AppID)] = a.KeyCredentials
		}
	}
	var need []CertificateMeta
	for _, c := range snap.Certificates {
		for _, k := range keys[strings.ToLower(c.Tags[CertificateTagClientID])] {
			if !strings.EqualFold(k.CustomKeyIdentifier, c.Thumbprint) {
				need = append(need, c)
				break
			}
		}
	}
	var mu sync.Mutex
	g := newGroup(ctx, par)
	for _, c := range need {
		g.Go(func(ctx context.Context) error {
			var vs []CertificateMeta
			err := get(ctx, func(ctx context.Context) (err error) {
				vs, err = certs.CertificateVersions(ctx, c.Vault, c.Name)
				return err
			})
			if err != nil {
				return err
			}
			mu.Lock()
			snap.CertificateVersions = append(snap.CertificateVersions, vs...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	sortCerts := func(list []CertificateMeta) {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.Vault != b.Vault {
				return a.Vault < b.Vault
			}
			if !strings.EqualFold(a.Name, b.Name) {
				return strings.ToLower(a.Name) < strings.ToLower(b.Name)
			}
			return a.Version < b.Version
		})
	}
	sortCerts(snap.Certificates)
	sortCerts(snap.CertificateVersions)
	sort.Slice(snap.DeletedCertificates, func(i, j int) bool {
		return strings.ToLower(snap.DeletedCertificates[i].Name) < strings.ToLower(snap.DeletedCertificates[j].Name)
	})
	return nil
}
