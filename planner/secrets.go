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
//   - credentials added by hand (another displayName) are reported, and
//     removed only with Prune.
//
// Managed credentials are recognised by their displayName, ManagedSecretName.
func (b *builder) planSecrets(st *appState, addr string) {
	managedName := ManagedSecretName(b.spec.Set, st.key)
	var managed, byHand []tenant.PasswordCredential
	if st.live != nil {
		for _, c := range st.live.PasswordCredentials {
			if c.DisplayName == managedName {
				managed = append(managed, c)
			} else {
				byHand = append(byHand, c)
			}
		}
	}
	// Newest first: latest end, then latest start, then keyId.
	sort.Slice(managed, func(i, j int) bool {
		a, c := managed[i], managed[j]
		if !a.End.Equal(c.End) {
			return a.End.After(c.End)
		}
		if !a.Start.Equal(c.Start) {
			return a.Start.After(c.Start)
		}
		return a.KeyID < c.KeyID
	})
	now := b.opts.Now
	sec := st.spec.Secret
	if sec != nil {
		name := sec.Name
		if name == "" {
			name = st.key + "-client-secret"
		}
		newAction := func(step, reason, replaces string) {
			b.addAction(&Action{
				Op: OpCreate, Type: TypeSecret, App: st.key, Address: addr + ".secret", Step: step,
				Description: fmt.Sprintf("add client secret %q, stored in Key Vault %s as %s, valid %s",
					managedName, sec.Vault, name, formatDuration(sec.Lifetime)),
				Reason:    reason,
				DependsOn: appendUnique(nil, createdApp(st)),
				Secret: &SecretAction{ApplicationID: st.objectID, AppID: st.appID, DisplayName: managedName, Managed: true,
					Vault: sec.Vault, SecretName: name, LifetimeSeconds: int64(sec.Lifetime / time.Second), Replaces: replaces},
			})
		}
		if len(managed) == 0 {
			newAction("", "the application has no managed client secret yet", "")
		} else {
			newest := managed[0]
			if !newest.End.After(now.Add(sec.RenewBefore)) {
				newAction("renew", fmt.Sprintf("client secret %s ends %s, within renewBefore %s",
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
	} else {
		for _, old := range managed {
			b.removeSecret(st, addr, old, true, "the spec declares no secret for this application")
		}
	}
	for _, c := range byHand {
		if b.opts.Prune {
			b.removeSecret(st, addr, c, false, "added by hand, not managed by regsync (prune)")
			continue
		}
		b.note(st.key, credAddr(addr, c), "client secret %q (%s, ends %s) was added by hand; left alone (plan with prune to remove it)",
			c.DisplayName, c.KeyID, day(c.End))
	}
}

func credAddr(addr string, c tenant.PasswordCredential) string {
	return fmt.Sprintf("%s.password_credentials[%s]", addr, rawJSON(c.KeyID))
}

func (b *builder) removeSecret(st *appState, addr string, c tenant.PasswordCredential, managed bool, reason string) {
	end := c.End.UTC()
	b.addAction(&Action{
		Op: OpDelete, Type: TypeSecret, App: st.key, Address: credAddr(addr, c),
		Description: fmt.Sprintf("remove client secret %q (%s, ends %s)", c.DisplayName, c.KeyID, day(c.End)),
		Reason:      reason,
		Risks: []Risk{{Code: RiskCredentialRemoval, Message: fmt.Sprintf(
			"removes client secret %s (%q): anything still using it can no longer sign in", c.KeyID, c.DisplayName)}},
		Secret: &SecretAction{ApplicationID: st.objectID, AppID: st.appID, DisplayName: c.DisplayName, Managed: managed,
			KeyID: c.KeyID, End: &end},
	})
}

// vaultNote reports a newest managed credential that has no copy in its
// vault, when the snapshot holds that vault's metadata: the value is lost
// and only a renewal brings it back.
func (b *builder) vaultNote(st *appState, addr string, c tenant.PasswordCredential, vault, name string) {
	seen := false
	for _, s := range b.live.Secrets {
		if !strings.EqualFold(s.Vault, vault) {
			continue
		}
		seen = true
		if strings.EqualFold(s.Name, name) && strings.EqualFold(s.Tags[tenant.SecretTagKeyID], c.KeyID) {
			return
		}
	}
	if seen {
		b.note(st.key, credAddr(addr, c), "client secret %s has no copy in Key Vault %s as %s", c.KeyID, vault, name)
	}
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// formatDuration writes whole days as "90d", anything else as spec does.
func formatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
