package drift

import (
	"fmt"
	"strings"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

func certAddr(key string) string { return "applications." + key + ".certificate" }

func keyAddr(app, keyID string) string {
	return fmt.Sprintf("%s.key_credentials[%s]", appAddr(app), quote(keyID))
}

// certificates reports, for each application that declares a certificate:
// its vault certificate deleted by hand (recoverable, name reserved), no
// managed key credential, a managed key credential whose vault version is
// gone, and the current one's expiry on the same timeline as secrets.
// Managed key credentials of an application that declares no certificate
// are reported as not in the spec. Key credentials regsync did not make
// are the credential classifier's.
func (c *classifier) certificates() {
	for _, sa := range c.spec.Applications {
		if sa == nil {
			continue
		}
		la := c.liveApps[sa.Key]
		var managed []tenant.KeyCredential
		if la != nil {
			managed = planner.ManagedKeyCredentials(c.spec.Set, sa.Key, la.KeyCredentials)
		}
		x := sa.Certificate
		if x == nil {
			for _, k := range managed {
				cred := c.keyCredential(sa.Key, k, StatusUndeclared, "", "")
				c.add(Item{Class: ClassNotInSpec, App: sa.Key, Object: appAddr(sa.Key), Address: keyAddr(sa.Key, k.KeyID), Credential: cred,
					Message: fmt.Sprintf("managed certificate %s (ends %s) remains, but the spec declares no certificate for this application", k.KeyID, day(k.End))})
			}
			continue
		}
		object := certAddr(sa.Key)
		deleted := false
		if c.live != nil {
			for _, d := range c.live.DeletedCertificates {
				if strings.EqualFold(d.Vault, x.Vault) && strings.EqualFold(d.Name, x.Name) {
					deleted = true
					c.add(Item{Class: ClassMissing, App: sa.Key, Object: object, Address: object,
						Message: fmt.Sprintf("Key Vault certificate %s in %s was deleted on %s and is recoverable until %s; its name stays reserved, so apply recovers it and makes a new version",
							x.Name, x.Vault, day(d.DeletedDate), day(d.ScheduledPurgeDate))})
				}
			}
		}
		if len(managed) == 0 {
			msg := fmt.Sprintf("the application has no certificate named %q; the spec makes one in Key Vault %s as %s", planner.ManagedCertificateName(c.spec.Set, sa.Key), x.Vault, x.Name)
			if la == nil {
				msg = fmt.Sprintf("the certificate is missing with its application; the spec makes it in Key Vault %s as %s", x.Vault, x.Name)
			}
			c.add(Item{Class: ClassMissing, App: sa.Key, Object: object, Address: object, Message: msg})
			continue
		}
		known := false
		thumbs := map[string]bool{}
		if c.live != nil {
			for _, v := range c.live.CertificateVaultsRead {
				known = known || strings.EqualFold(v, x.Vault)
			}
			for _, list := range [][]tenant.CertificateMeta{c.live.Certificates, c.live.CertificateVersions} {
				for _, m := range list {
					if strings.EqualFold(m.Vault, x.Vault) && strings.EqualFold(m.Name, x.Name) {
						thumbs[strings.ToUpper(m.Thumbprint)] = true
					}
				}
			}
		}
		for i, k := range managed {
			status := StatusSuperseded
			if i == 0 {
				status = StatusCurrent
			}
			if known && !thumbs[strings.ToUpper(k.CustomKeyIdentifier)] {
				status = StatusOrphaned
			}
			cred := c.keyCredential(sa.Key, k, status, x.Vault, x.Name)
			if status == StatusOrphaned && !deleted {
				c.add(Item{Class: ClassNoVaultCopy, App: sa.Key, Object: object, Address: keyAddr(sa.Key, k.KeyID), Credential: cred,
					Message: fmt.Sprintf("certificate %s (ends %s) has no version in Key Vault %s %s (no version has its thumbprint %s)",
						k.KeyID, day(k.End), x.Vault, x.Name, k.CustomKeyIdentifier)})
			}
			if i == 0 {
				c.certExpiry(sa.Key, object, cred)
			}
		}
	}
}

// keyCredential records a managed key credential for the timeline.
func (c *classifier) keyCredential(app string, k tenant.KeyCredential, status, vault, name string) *Credential {
	out := Credential{App: app, KeyID: k.KeyID, DisplayName: k.DisplayName, Managed: true,
		Start: k.Start.UTC(), End: k.End.UTC(), DaysLeft: daysLeft(c.opts.Now, k.End), Status: status, Vault: vault, VaultSecret: name}
	c.r.Credentials = append(c.r.Credentials, out)
	return &out
}

// certExpiry reports the current certificate ending within the expiry
// window, as expiry does for a client secret.
func (c *classifier) certExpiry(app, object string, cred *Credential) {
	now := c.opts.Now
	if cred.End.After(now.Add(c.opts.ExpiryWindow)) {
		return
	}
	it := Item{Class: ClassSecretExpiring, App: app, Object: object, Address: keyAddr(app, cred.KeyID), Credential: cred, Severity: SeverityWarning}
	where := fmt.Sprintf("Key Vault %s, certificate %s", cred.Vault, cred.VaultSecret)
	if !cred.End.After(now) {
		it.Severity = SeverityDrift
		it.Message = fmt.Sprintf("certificate %s ended %s (%s ago; %s): sign-ins with it fail until it is renewed",
			cred.KeyID, day(cred.End), plural(-cred.DaysLeft, "day", "days"), where)
	} else {
		if c.opts.FailOnExpiry {
			it.Severity = SeverityDrift
		}
		it.Message = fmt.Sprintf("certificate %s ends %s, %s left (%s)", cred.KeyID, day(cred.End), plural(cred.DaysLeft, "day", "days"), where)
	}
	c.add(it)
}
