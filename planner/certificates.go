package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regsync/regsync/tenant"
)

// ManagedCertificateName is the displayName regsync gives the key
// credentials it makes for the application of key in set. Each is tied to
// its vault certificate version by customKeyIdentifier, which Graph and
// regsync fill with the certificate's SHA-1 thumbprint, the x5t of the
// Key Vault version.
func ManagedCertificateName(set, key string) string { return "regsync:" + set + ":" + key + ":cert" }

// CertificateAction makes (create) or removes (delete) a certificate
// credential. On create Apply, in order: recovers the soft-deleted vault
// certificate when Recover is set; asks the vault for a new version with a
// self-signed issuer policy when NewVersion is set and waits for it; reads
// the version's public certificate (Version, or the latest); and adds it to
// the application's keyCredentials (AsymmetricX509Cert, Verify,
// DisplayName, customKeyIdentifier = thumbprint). The private key stays in
// the vault. On delete it removes the key credential KeyID.
type CertificateAction struct {
	ApplicationID string `json:"application_id"` // object id, literal or a Ref
	AppID         string `json:"app_id"`         // appId, literal or a Ref; tagged on the vault certificate
	DisplayName   string `json:"display_name"`
	// Managed is false for a key credential regsync did not make (prune).
	Managed         bool   `json:"managed"`
	Vault           string `json:"vault,omitempty"`
	CertificateName string `json:"certificate_name,omitempty"`
	Subject         string `json:"subject,omitempty"`
	KeyType         string `json:"key_type,omitempty"`
	KeySize         int    `json:"key_size,omitempty"`
	Exportable      bool   `json:"exportable,omitempty"`
	ValidityMonths  int    `json:"validity_months,omitempty"`
	// NewVersion asks the vault for a new certificate version first;
	// without it the version Version (the latest when empty) is used.
	NewVersion bool   `json:"new_version,omitempty"`
	Version    string `json:"version,omitempty"`
	// Recover recovers the soft-deleted vault certificate first.
	Recover bool `json:"recover,omitempty"`
	// KeyID is the key credential to remove (delete).
	KeyID string `json:"key_id,omitempty"`
	// Replaces is, on a renewal, the keyId of the key credential the new
	// one succeeds; a later plan removes it once the overlap has passed.
	Replaces string `json:"replaces,omitempty"`
	// End is the end date of the key credential being removed; display only.
	End *time.Time `json:"end,omitempty"`
}

// planCertificates keeps a client's managed certificate credential
// current, as planSecrets keeps its secret:
//
//   - add: the spec declares a certificate and the vault holds no usable
//     version of it: a new vault version, then its key credential;
//   - use: the vault's latest version is on no key credential (an apply
//     stopped after the vault step, or someone renewed it in the vault):
//     its key credential is added, with no new version;
//   - renew: the latest version expires within renewBefore: a new vault
//     version and its key credential, the old one kept;
//   - remove: an older managed key credential once its successor started
//     overlap ago (or once it ended); every managed one when the spec no
//     longer declares a certificate.
//
// Managed key credentials are recognised by their displayName,
// ManagedCertificateName, and tied to vault versions by thumbprint. Key
// credentials regsync did not make are not this function's: the
// credential classifier reports them.
func (b *builder) planCertificates(st *appState, addr string) {
	managedName := ManagedCertificateName(b.spec.Set, st.key)
	now := b.opts.Now
	var managed []tenant.KeyCredential
	if st.live != nil {
		for _, k := range st.live.KeyCredentials {
			if k.DisplayName == managedName {
				managed = append(managed, k)
			}
		}
	}
	sortKeysNewestFirst(managed)
	cert := st.spec.Certificate
	if cert == nil {
		for _, k := range managed {
			b.removeKey(st, addr, k, "the spec declares no certificate for this application")
		}
		return
	}
	base := CertificateAction{ApplicationID: st.objectID, AppID: st.appID, DisplayName: managedName, Managed: true,
		Vault: cert.Vault, CertificateName: cert.Name, Subject: cert.Subject, KeyType: cert.KeyType, KeySize: cert.KeySize,
		Exportable: cert.Exportable, ValidityMonths: cert.ValidityMonths()}
	add := func(step, reason string, mod func(*CertificateAction)) string {
		x := base
		mod(&x)
		what := fmt.Sprintf("add certificate %q (%s, RSA %d) from Key Vault %s, certificate %s", managedName, cert.Subject, cert.KeySize, cert.Vault, cert.Name)
		switch {
		case x.Recover:
			what = fmt.Sprintf("recover certificate %s in Key Vault %s, make a new version (%s, RSA %d, %d months) and add it as key credential %q",
				cert.Name, cert.Vault, cert.Subject, cert.KeySize, x.ValidityMonths, managedName)
		case x.NewVersion:
			what = fmt.Sprintf("make certificate %s in Key Vault %s (%s, RSA %d, %d months, self-signed) and add it as key credential %q",
				cert.Name, cert.Vault, cert.Subject, cert.KeySize, x.ValidityMonths, managedName)
		case x.Version != "":
			what = fmt.Sprintf("add version %s of certificate %s in Key Vault %s as key credential %q", x.Version, cert.Name, cert.Vault, managedName)
		}
		return b.addAction(&Action{
			Op: OpCreate, Type: TypeCertificate, App: st.key, Address: addr + ".certificate", Step: step,
			Description: what, Reason: reason,
			DependsOn:   appendUnique(nil, createdApp(st)),
			Certificate: &x,
		}).ID
	}
	newest := func() *tenant.KeyCredential {
		if len(managed) == 0 {
			return nil
		}
		return &managed[0]
	}
	known := certVaultRead(b.live, cert.Vault)
	latest, versions := certVersions(b.live, cert.Vault, cert.Name)
	var current *tenant.KeyCredential
	var added string
	switch {
	case deletedCert(b.live, cert.Vault, cert.Name) != nil:
		d := deletedCert(b.live, cert.Vault, cert.Name)
		replaces := ""
		if n := newest(); n != nil {
			replaces = n.KeyID
		}
		added = add("", fmt.Sprintf("certificate %s of Key Vault %s was deleted on %s; its name stays reserved until %s, so it is recovered and replaced",
			cert.Name, cert.Vault, day(d.DeletedDate), day(d.ScheduledPurgeDate)), func(x *CertificateAction) { x.Recover, x.NewVersion, x.Replaces = true, true, replaces })
	case !known:
		// The vault was not read: plan from the key credentials alone.
		current = newest()
		switch {
		case current == nil:
			added = add("", "the application has no managed certificate yet", func(x *CertificateAction) { x.NewVersion = true })
		case !current.End.After(now.Add(cert.RenewBefore)):
			added = add("renew", fmt.Sprintf("certificate %s ends %s, within renewBefore %s", current.KeyID, day(current.End), formatDuration(cert.RenewBefore)),
				func(x *CertificateAction) { x.NewVersion, x.Replaces = true, current.KeyID })
		}
	default:
		if latest != nil {
			for i := range managed {
				if strings.EqualFold(managed[i].CustomKeyIdentifier, latest.Thumbprint) {
					current = &managed[i]
					break
				}
			}
		}
		switch {
		case latest == nil:
			reason := "the application has no managed certificate yet"
			if len(managed) > 0 {
				reason = fmt.Sprintf("Key Vault %s holds no certificate %s, so key credential %s has no vault copy: a new certificate replaces it", cert.Vault, cert.Name, managed[0].KeyID)
			}
			added = add("", reason, func(x *CertificateAction) { x.NewVersion = true })
		case !latest.Enabled || !ownCert(*latest, b.spec.Set, st.key):
			why := "is disabled"
			if latest.Enabled {
				why = "was not made by regsync for this application (its regsync tags differ)"
			}
			added = add("", fmt.Sprintf("the latest version of certificate %s in Key Vault %s %s", cert.Name, cert.Vault, why), func(x *CertificateAction) { x.NewVersion = true })
		case latest.Expires != nil && !latest.Expires.After(now.Add(cert.RenewBefore)):
			replaces := ""
			if current != nil {
				replaces = current.KeyID
			}
			added = add("renew", fmt.Sprintf("certificate %s (version %s) ends %s, within renewBefore %s", cert.Name, latest.Version, day(*latest.Expires), formatDuration(cert.RenewBefore)),
				func(x *CertificateAction) { x.NewVersion, x.Replaces = true, replaces })
		case current == nil:
			added = add("", fmt.Sprintf("version %s of certificate %s in Key Vault %s is on no key credential of the application yet", latest.Version, cert.Name, cert.Vault),
				func(x *CertificateAction) { x.Version = latest.Version })
		}
	}
	byThumb := map[string]bool{}
	for _, v := range versions {
		byThumb[strings.ToUpper(v.Thumbprint)] = true
	}
	for _, k := range managed {
		if current != nil && k.KeyID == current.KeyID {
			continue
		}
		switch {
		case !k.End.After(now):
			b.removeKey(st, addr, k, fmt.Sprintf("ended %s", day(k.End)))
		case added != "":
			b.note(st.key, keyAddr(addr, k), "old certificate %s is kept until its successor has been on the application for the overlap (%s)", k.KeyID, formatDuration(cert.Overlap))
		case current != nil && !current.Start.Add(cert.Overlap).After(now):
			b.removeKey(st, addr, k, fmt.Sprintf("its successor %s started %s, more than overlap %s ago", current.KeyID, day(current.Start), formatDuration(cert.Overlap)))
		case current != nil:
			b.note(st.key, keyAddr(addr, k), "old certificate %s is kept until %s (overlap %s after its successor %s started)",
				k.KeyID, day(current.Start.Add(cert.Overlap)), formatDuration(cert.Overlap), current.KeyID)
		default:
			if known && !byThumb[strings.ToUpper(k.CustomKeyIdentifier)] {
				b.note(st.key, keyAddr(addr, k), "certificate %s has no version in Key Vault %s %s", k.KeyID, cert.Vault, cert.Name)
			}
		}
	}
}

func keyAddr(addr string, k tenant.KeyCredential) string {
	return fmt.Sprintf("%s.key_credentials[%s]", addr, rawJSON(k.KeyID))
}

func (b *builder) removeKey(st *appState, addr string, k tenant.KeyCredential, reason string) *Action {
	end := k.End.UTC()
	return b.addAction(&Action{
		Op: OpDelete, Type: TypeCertificate, App: st.key, Address: keyAddr(addr, k),
		Description: fmt.Sprintf("remove certificate %q (%s, ends %s)", k.DisplayName, k.KeyID, day(k.End)),
		Reason:      reason,
		Risks: []Risk{{Code: RiskCredentialRemoval, Message: fmt.Sprintf(
			"removes certificate %s (%q): anything still signing with it can no longer sign in", k.KeyID, k.DisplayName)}},
		Certificate: &CertificateAction{ApplicationID: st.objectID, AppID: st.appID, DisplayName: k.DisplayName, Managed: true, KeyID: k.KeyID, End: &end},
	})
}

// ManagedKeyCredentials returns the key credentials regsync made for the
// application of key in set, newest first.
func ManagedKeyCredentials(set, key string, keys []tenant.KeyCredential) []tenant.KeyCredential {
	var out []tenant.KeyCredential
	for _, k := range keys {
		if k.DisplayName == ManagedCertificateName(set, key) {
			out = append(out, k)
		}
	}
	sortKeysNewestFirst(out)
	return out
}

func sortKeysNewestFirst(keys []tenant.KeyCredential) {
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if !a.End.Equal(c.End) {
			return a.End.After(c.End)
		}
		if !a.Start.Equal(c.Start) {
			return a.Start.After(c.Start)
		}
		return a.KeyID < c.KeyID
	})
}

// ownCert reports whether a vault certificate carries regsync's tags for
// the application of key in set.
func ownCert(c tenant.CertificateMeta, set, key string) bool {
	return c.Tags[tenant.CertificateTagSet] == set && c.Tags[tenant.CertificateTagKey] == key
}

// certVaultRead reports whether the snapshot holds the certificates of
// vault.
func certVaultRead(live *tenant.Snapshot, vault string) bool {
	if live == nil {
		return false
	}
	for _, v := range live.CertificateVaultsRead {
		if strings.EqualFold(v, vault) {
			return true
		}
	}
	return false
}

// deletedCert returns the soft-deleted certificate vault/name of the
// snapshot, or nil.
func deletedCert(live *tenant.Snapshot, vault, name string) *tenant.DeletedCertificate {
	if live == nil {
		return nil
	}
	for i, d := range live.DeletedCertificates {
		if strings.EqualFold(d.Vault, vault) && strings.EqualFold(d.Name, name) {
			return &live.DeletedCertificates[i]
		}
	}
	return nil
}

// certVersions returns the latest version of the vault certificate
// vault/name (Snapshot.Certificates) and every known version (with the
// older ones read during an overlap, Snapshot.CertificateVersions).
func certVersions(live *tenant.Snapshot, vault, name string) (latest *tenant.CertificateMeta, all []tenant.CertificateMeta) {
	if live == nil {
		return nil, nil
	}
	for i, c := range live.Certificates {
		if strings.EqualFold(c.Vault, vault) && strings.EqualFold(c.Name, name) {
			latest = &live.Certificates[i]
			break
		}
	}
	seen := map[string]bool{}
	for _, list := range [][]tenant.CertificateMeta{live.Certificates, live.CertificateVersions} {
		for _, c := range list {
			if strings.EqualFold(c.Vault, vault) && strings.EqualFold(c.Name, name) && !seen[strings.ToLower(c.Version)] {
				seen[strings.ToLower(c.Version)] = true
				all = append(all, c)
			}
		}
	}
	return latest, all
}
