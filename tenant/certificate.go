package tenant

import (
	"context"
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

// Key Vault tags regsync writes on a certificate, so anyone can match the
// certificate to its application (as for secrets).
const (
	CertificateTagClientID = SecretTagClientID
	CertificateTagSet      = SecretTagSet
	CertificateTagKey      = SecretTagKey
)
