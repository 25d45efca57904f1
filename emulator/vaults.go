package emulator

import (
	"net/http"
	"time"

	"github.com/regsync/regsync/emulator/kv"
)

// vaultBackend is what the emulator needs of the Key Vault half
// (package emulator/kv): a handler for /vaults/{vault}/..., the vault names,
// and its state for persistence.
type vaultBackend interface {
	http.Handler
	Vaults() []string
	MarshalState() ([]byte, error)
	UnmarshalState([]byte) error
	SecretValues() []string
}

// newVaultBackend builds the Key Vault half, accepting the same token as
// Graph and naming the seeded tenant in its 401 challenge.
func newVaultBackend(tenantID, token string, now func() time.Time, certsForbidden func(vault string) bool) vaultBackend {
	return kv.New(kv.Options{TenantID: tenantID, Token: token, Now: now, CertificatesForbidden: certsForbidden})
}
