package planner

import (
	"strings"

	"github.com/regsync/regsync/tenant"
)

// liveIndex holds the lookups of a snapshot that the plan makes once per
// application, built once per Compute, so planning N applications costs
// O(N) map lookups instead of N walks over every secret, assignment and
// grant of the snapshot (which made a plan of 5,000 applications cost
// 35 times one of 1,000).
type liveIndex struct {
	// vaultsRead holds the vaults whose metadata the snapshot holds
	// (vaultRead), lower case.
	vaultsRead map[string]bool
	// stored holds, per vault (lower case), the key ids (lower case)
	// that a secret's latest version or an older version carries.
	stored map[string]map[string]bool
	// latestByKeyID lists, per vault and key id (lower case, joined by
	// NUL), the names of the secrets whose latest version carries it.
	latestByKeyID map[string][]string
	// assignmentsOf and grantsOf list the consents by the service
	// principal that holds them (principal, client), lower case.
	assignmentsOf map[string][]tenant.AppRoleAssignment
	grantsOf      map[string][]tenant.PermissionGrant
}

func newLiveIndex(live *tenant.Snapshot) *liveIndex {
	ix := &liveIndex{
		vaultsRead: map[string]bool{}, stored: map[string]map[string]bool{}, latestByKeyID: map[string][]string{},
		assignmentsOf: map[string][]tenant.AppRoleAssignment{}, grantsOf: map[string][]tenant.PermissionGrant{},
	}
	if live == nil {
		return ix
	}
	for _, v := range live.VaultsRead {
		ix.vaultsRead[strings.ToLower(v)] = true
	}
	for i, list := range [][]tenant.SecretMeta{live.Secrets, live.SecretVersions} {
		for _, s := range list {
			vault := strings.ToLower(s.Vault)
			if i == 0 {
				ix.vaultsRead[vault] = true
			}
			kid := strings.ToLower(s.Tags[tenant.SecretTagKeyID])
			if kid == "" {
				continue
			}
			if ix.stored[vault] == nil {
				ix.stored[vault] = map[string]bool{}
			}
			ix.stored[vault][kid] = true
			if i == 0 {
				k := vault + "\x00" + kid
				ix.latestByKeyID[k] = append(ix.latestByKeyID[k], s.Name)
			}
		}
	}
	for _, a := range live.AppRoleAssignments {
		k := strings.ToLower(a.PrincipalID)
		ix.assignmentsOf[k] = append(ix.assignmentsOf[k], a)
	}
	for _, g := range live.PermissionGrants {
		k := strings.ToLower(g.ClientID)
		ix.grantsOf[k] = append(ix.grantsOf[k], g)
	}
	return ix
}

// vaultRead is the package's vaultRead, from the index.
func (ix *liveIndex) vaultRead(vault string) bool {
	return vault != "" && ix.vaultsRead[strings.ToLower(vault)]
}

// storedKeyIDs is the set of key ids some version of a secret in vault
// carries, or nil when the snapshot holds no metadata of vault.
func (ix *liveIndex) storedKeyIDs(vault string) (map[string]bool, bool) {
	if !ix.vaultRead(vault) {
		return nil, false
	}
	return ix.stored[strings.ToLower(vault)], true
}

// secretsCarrying names the secrets of vault whose latest version carries
// keyID.
func (ix *liveIndex) secretsCarrying(vault, keyID string) []string {
	return ix.latestByKeyID[strings.ToLower(vault)+"\x00"+strings.ToLower(keyID)]
}
