package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/tenant"
)

// planSecrets keeps a client's managed password credential current:
//
//   - add: the spec declares a secret and no managed credential exists;
//   - renew: the newest managed credential ends within renewBefore of Now
//     (or has ended): add a successor, keeping the old one;
//   - remove: an older managed credential whose successor started at least
//     overlap ago (or that has ended), so readers of the vault's latest
//     version never hold a dead secret; every managed credential when the
//     spec no longer declares a secret;
//   - replace: a managed credential whose keyId no secret version read
//     from the spec's vault carries (CredentialUnstored, judged only when
//     that vault was read) cannot be used by anyone; it is removed after a
//     new one is added (when no stored one remains) or after the renewal
//     the stored ones call for, if any;
//   - credentials added by hand (another displayName) are left to
//     planUnmanaged, which reports them and removes them only with Prune.
//
// Managed credentials are recognised by their displayName, ManagedSecretName.
func (b *builder) planSecrets(st *appState, addr string) {
	managedName := ManagedSecretName(b.spec.Set, st.key)
	now := b.opts.Now
	sec := st.spec.Secret
	vault := ""
	if sec != nil {
		vault = sec.Vault
	}
	// One classifier decides which credentials are regsync's and which of
	// those have a copy in the vault (drift asks the same one).
	var managed, orphans []tenant.PasswordCredential
	if st.live != nil {
		stored, known := b.ix.storedKeyIDs(vault)
		isManaged := func(c tenant.PasswordCredential) bool { return c.DisplayName == managedName }
		for _, cc := range classifyStored(stored, known, st.live.PasswordCredentials, isManaged) {
			switch cc.State {
			case CredentialForeign:
			case CredentialUnstored:
				orphans = append(orphans, cc.Credential)
			case CredentialStored, CredentialUnknown:
				managed = append(managed, cc.Credential)
			default:
				panic("internal error: unknown planner.CredentialState " + string(cc.State))
			}
		}
	}
	if sec != nil {
		name := sec.Name
		if name == "" {
			name = st.key + "-client-secret"
		}
		newAction := func(step, reason, replaces string) string {
			return b.addAction(&Action{
				Op: OpCreate, Type: TypeSecret, App: st.key, Address: addr + ".secret", Step: step,
				Description: fmt.Sprintf("add client secret %q, stored in Key Vault %s as %s, valid %s",
					managedName, sec.Vault, name, formatDuration(sec.Lifetime)),
				Reason:    reason,
				DependsOn: appendUnique(nil, createdApp(st)),
				Secret: &SecretAction{ApplicationID: st.objectID, AppID: st.appID, DisplayName: managedName, Managed: true,
					Vault: sec.Vault, SecretName: name, LifetimeSeconds: int64(sec.Lifetime / time.Second), Replaces: replaces},
			}).ID
		}
		var replaced string
		if len(managed) == 0 {
			if len(orphans) > 0 {
				replaced = newAction("", fmt.Sprintf("client secret %s has no copy in Key Vault %s (no secret there carries key-id %s): nobody can use it, so a new one replaces it",
					orphans[0].KeyID, sec.Vault, orphans[0].KeyID), "")
			} else {
				newAction("", "the application has no managed client secret yet", "")
			}
		} else {
			newest := managed[0]
			if !newest.End.After(now.Add(sec.RenewBefore)) {
				replaced = newAction("renew", fmt.Sprintf("client secret %s ends %s, within renewBefore %s",
					newest.KeyID, day(newest.End), formatDuration(sec.RenewBefore)), newest.KeyID)
			}
			for _, old := range managed[1:] {
				switch {
				case !old.End.After(now):
					b.removeSecret(st, addr, old, true, fmt.Sprintf("ended %s", day(old.End)))
				case !newest.Start.Add(sec.Overlap).After(now):
					b.removeSecret(st, addr, old, true, fmt.Sprintf("its successor %s started %s, more than overlap %s ago",
						newest.KeyID, day(newest.Start), formatDuration(sec.Overlap)))
				default:
					b.note(st.key, credAddr(addr, old), "old client secret %s is kept until %s (overlap %s after its successor %s started)",
						old.KeyID, day(newest.Start.Add(sec.Overlap)), formatDuration(sec.Overlap), newest.KeyID)
				}
			}
			b.vaultNote(st, addr, newest, sec.Vault, name)
		}
		for _, o := range orphans {
			a := b.removeSecret(st, addr, o, true, fmt.Sprintf("it has no copy in Key Vault %s (no secret there carries key-id %s), so nobody can use it", sec.Vault, o.KeyID))
			a.DependsOn = appendUnique(a.DependsOn, replaced)
		}
	} else {
		// Without a spec secret there is no vault to ask (vault is ""), so
		// every managed credential is CredentialUnknown, none orphaned.
		// A client moving from a secret to a certificate or a federated
		// credential is one migration (SecretMigrationOf, which drift asks
		// too): the new credential first, the secrets kept until it has
		// been on the application for the overlap, then removed.
		reason := "the spec declares no secret for this application"
		if m, ok := SecretMigrationOf(b.spec, st.spec, st.live); ok && len(managed) > 0 {
			if m.Keeps(now) {
				for _, old := range managed {
					b.note(st.key, credAddr(addr, old), "%s", m.KeptNote(old.KeyID))
				}
				managed = nil
			} else {
				reason = m.RemovalReason()
			}
		}
		for _, old := range managed {
			b.removeSecret(st, addr, old, true, reason)
		}
	}
	// Credentials added by hand (another display name) are not regsync's:
	// planUnmanaged reports or prunes them with the other credentials that
	// are not.
}

func credAddr(addr string, c tenant.PasswordCredential) string {
	return fmt.Sprintf("%s.password_credentials[%s]", addr, rawJSON(c.KeyID))
}

func (b *builder) removeSecret(st *appState, addr string, c tenant.PasswordCredential, managed bool, reason string) *Action {
	end := c.End.UTC()
	return b.addAction(&Action{
		Op: OpDelete, Type: TypeSecret, App: st.key, Address: credAddr(addr, c),
		Description: fmt.Sprintf("remove client secret %q (%s, ends %s)", c.DisplayName, c.KeyID, day(c.End)),
		Reason:      reason,
		Risks: []Risk{{Code: RiskCredentialRemoval, Message: fmt.Sprintf(
			"removes client secret %s (%q): anything still using it can no longer sign in", c.KeyID, c.DisplayName)}},
		Secret: &SecretAction{ApplicationID: st.objectID, AppID: st.appID, DisplayName: c.DisplayName, Managed: managed,
			KeyID: c.KeyID, End: &end},
	})
}

// CredentialState is what regsync knows of one password credential on an
// application it manages.
type CredentialState string

const (
	// CredentialStored: regsync's (its display name), and a version of a
	// secret in the vault carries its keyId in the key-id tag.
	CredentialStored CredentialState = "stored"
	// CredentialUnstored: regsync's, and no version of any secret in the
	// vault carries its keyId: its value was never stored (an apply stopped
	// between addPassword and the vault write) or its copy was deleted, so
	// nobody can use it.
	CredentialUnstored CredentialState = "unstored"
	// CredentialUnknown: regsync's, but the vault was not read.
	CredentialUnknown CredentialState = "unknown"
	// CredentialForeign: not regsync's (another display name): added by
	// hand or by another tool.
	CredentialForeign CredentialState = "foreign"
)

// ClassifiedCredential is a credential with its state.
type ClassifiedCredential struct {
	Credential tenant.PasswordCredential
	State      CredentialState
}

// ClassifyCredentials sorts every password credential of a managed
// application (newest first) and says, for each, whether it is regsync's
// (managedName) and whether the vault holds its value. It is the one place
// that decides; the planner and drift both ask it. The vault's versions
// come from the snapshot (Secrets, and SecretVersions where tenant.Read
// found a credential the latest version does not name).
func ClassifyCredentials(live *tenant.Snapshot, managedName, vault string, creds []tenant.PasswordCredential) []ClassifiedCredential {
	return classify(live, vault, creds, func(c tenant.PasswordCredential) bool { return c.DisplayName == managedName })
}

// CredentialIndex answers ClassifyCredentials for many applications of
// one snapshot: the vaults' key ids are indexed once, so classifying the
// credentials of N applications costs O(N), not N walks over every secret
// of the snapshot.
type CredentialIndex struct {
	ix *liveIndex
}

// NewCredentialIndex indexes the vault metadata of live (which may be nil).
func NewCredentialIndex(live *tenant.Snapshot) *CredentialIndex {
	return &CredentialIndex{ix: newLiveIndex(live)}
}

// Classify is ClassifyCredentials, from the index.
func (c *CredentialIndex) Classify(managedName, vault string, creds []tenant.PasswordCredential) []ClassifiedCredential {
	stored, known := c.ix.storedKeyIDs(vault)
	return classifyStored(stored, known, creds, func(cr tenant.PasswordCredential) bool { return cr.DisplayName == managedName })
}

// SecretCarrying names the first secret of vault (in the snapshot's order)
// whose latest version carries keyID in its key-id tag, or "".
func (c *CredentialIndex) SecretCarrying(vault, keyID string) string {
	if names := c.ix.secretsCarrying(vault, keyID); len(names) > 0 {
		return names[0]
	}
	return ""
}

// classify is ClassifyCredentials with the test for regsync's credentials
// given as a function.
func classify(live *tenant.Snapshot, vault string, creds []tenant.PasswordCredential, managed func(tenant.PasswordCredential) bool) []ClassifiedCredential {
	known := live != nil && vault != "" && vaultRead(live, vault)
	stored := map[string]bool{}
	if known {
		for _, list := range [][]tenant.SecretMeta{live.Secrets, live.SecretVersions} {
			for _, s := range list {
				if strings.EqualFold(s.Vault, vault) && s.Tags[tenant.SecretTagKeyID] != "" {
					stored[strings.ToLower(s.Tags[tenant.SecretTagKeyID])] = true
				}
			}
		}
	}
	return classifyStored(stored, known, creds, managed)
}

// classifyStored is classify given the key ids stored in the vault (lower
// case) and whether the vault's metadata is known: the planner takes them
// from its index, built once for all applications.
func classifyStored(stored map[string]bool, known bool, creds []tenant.PasswordCredential, managed func(tenant.PasswordCredential) bool) []ClassifiedCredential {
	sorted := append([]tenant.PasswordCredential(nil), creds...)
	sortNewestFirst(sorted)
	out := make([]ClassifiedCredential, len(sorted))
	for i, c := range sorted {
		state := CredentialForeign
		switch {
		case !managed(c):
		case !known:
			state = CredentialUnknown
		case stored[strings.ToLower(c.KeyID)]:
			state = CredentialStored
		default:
			state = CredentialUnstored
		}
		out[i] = ClassifiedCredential{Credential: c, State: state}
	}
	return out
}

func sortNewestFirst(creds []tenant.PasswordCredential) {
	sort.Slice(creds, func(i, j int) bool {
		a, c := creds[i], creds[j]
		if !a.End.Equal(c.End) {
			return a.End.After(c.End)
		}
		if !a.Start.Equal(c.Start) {
			return a.Start.After(c.Start)
		}
		return a.KeyID < c.KeyID
	})
}

// vaultRead reports whether the snapshot holds the metadata of vault: the
// read covered it (Snapshot.VaultsRead), or a secret of it is listed.
func vaultRead(live *tenant.Snapshot, vault string) bool {
	for _, v := range live.VaultsRead {
		if strings.EqualFold(v, vault) {
			return true
		}
	}
	for _, s := range live.Secrets {
		if strings.EqualFold(s.Vault, vault) {
			return true
		}
	}
	return false
}

// vaultNote reports a newest managed credential whose copy is not in its
// vault under the spec's secret name (for instance after the name changed
// in the spec), when the snapshot holds that vault's metadata. A credential
// with no copy at all never gets here: orphanedSecrets replaces it.
func (b *builder) vaultNote(st *appState, addr string, c tenant.PasswordCredential, vault, name string) {
	if !b.ix.vaultRead(vault) {
		return
	}
	var elsewhere []string
	for _, n := range b.ix.secretsCarrying(vault, c.KeyID) {
		if strings.EqualFold(n, name) {
			return
		}
		elsewhere = append(elsewhere, n)
	}
	if len(elsewhere) == 0 {
		b.note(st.key, credAddr(addr, c), "client secret %s has no copy in Key Vault %s as %s", c.KeyID, vault, name)
		return
	}
	b.note(st.key, credAddr(addr, c), "client secret %s is stored in Key Vault %s as %s, not as %s; the next renewal writes %s",
		c.KeyID, vault, strings.Join(elsewhere, ", "), name, name)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// formatDuration writes whole days as "90d", anything else as spec does.
func formatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
