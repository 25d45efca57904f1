package drift_test

import (
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// withCertificate gives the fixture's ingest job a certificate, and its
// application the managed key credential of vault version v1, which ends
// at end.
func withCertificate(t *testing.T, end time.Time) (func(string) string, func(*tenant.Snapshot)) {
	specEdit := func(s string) string {
		return strings.Replace(s, "    displayName: Contoso FHIR Ingest\n", "    displayName: Contoso FHIR Ingest\n    certificate: {}\n", 1)
	}
	edit := func(live *tenant.Snapshot) {
		var app *tenant.Application
		for _, a := range live.Applications {
			for _, tag := range a.Tags {
				if tag == tenant.KeyTag("ingest") {
					app = a
				}
			}
		}
		if app == nil {
			t.Fatal("no ingest application in the fixture")
		}
		start := end.AddDate(0, -6, 0)
		app.KeyCredentials = append(app.KeyCredentials, tenant.KeyCredential{KeyID: "c0000000-0000-4000-8000-000000000001",
			DisplayName: planner.ManagedCertificateName("fhir-prod", "ingest"), Type: "AsymmetricX509Cert", Usage: "Verify",
			CustomKeyIdentifier: "AB12", Start: start, End: end})
		live.Certificates = append(live.Certificates, tenant.CertificateMeta{Vault: "contoso-fhir-kv", Name: "ingest-client-cert", Version: "v1",
			Thumbprint: "AB12", Enabled: true, NotBefore: &start, Expires: &end,
			Tags: map[string]string{tenant.CertificateTagSet: "fhir-prod", tenant.CertificateTagKey: "ingest", tenant.CertificateTagClientID: app.AppID}})
		live.CertificateVaultsRead = []string{"contoso-fhir-kv"}
	}
	return specEdit, edit
}

func certItems(r *drift.Report) []drift.Item {
	var out []drift.Item
	for _, it := range r.Items {
		if it.App == "ingest" && strings.Contains(it.Message, "ertificate") {
			out = append(out, it)
		}
	}
	return out
}

// TestCertificateDrift: a certificate is on the secrets' timeline (its
// expiry a warning within the window), a certificate deleted from the
// vault is missing, and a managed key credential whose thumbprint no vault
// version has is without its vault copy.
func TestCertificateDrift(t *testing.T) {
	now := created.Add(9 * day)
	opts := drift.Options{Now: now, ExpiryWindow: 30 * day}

	specEdit, edit := withCertificate(t, now.Add(200*day))
	live := fixtureTenant(t)
	edit(live)
	if items := certItems(report(t, fixtureSpec(t, specEdit), live, opts)); len(items) != 0 {
		t.Errorf("a current certificate: %+v, want no item", items)
	}

	specEdit, edit = withCertificate(t, now.Add(10*day))
	live = fixtureTenant(t)
	edit(live)
	r := report(t, fixtureSpec(t, specEdit), live, opts)
	items := certItems(r)
	if len(items) != 1 || items[0].Class != drift.ClassSecretExpiring || items[0].Severity != drift.SeverityWarning ||
		!strings.Contains(items[0].Message, "certificate c0000000-0000-4000-8000-000000000001 ends") {
		t.Errorf("an expiring certificate: %+v", items)
	}
	found := false
	for _, c := range r.Credentials {
		found = found || (c.KeyID == "c0000000-0000-4000-8000-000000000001" && c.Status == drift.StatusCurrent && c.VaultSecret == "ingest-client-cert")
	}
	if !found {
		t.Errorf("the certificate is not on the credential timeline: %+v", r.Credentials)
	}

	specEdit, edit = withCertificate(t, now.Add(200*day))
	live = fixtureTenant(t)
	edit(live)
	live.DeletedCertificates = []tenant.DeletedCertificate{{CertificateMeta: live.Certificates[0], DeletedDate: now, ScheduledPurgeDate: now.Add(90 * day)}}
	live.Certificates = nil
	items = certItems(report(t, fixtureSpec(t, specEdit), live, opts))
	if len(items) != 1 || items[0].Class != drift.ClassMissing || !strings.Contains(items[0].Message, "ingest-client-cert in contoso-fhir-kv was deleted") {
		t.Errorf("a deleted vault certificate: %+v", items)
	}

	specEdit, edit = withCertificate(t, now.Add(200*day))
	live = fixtureTenant(t)
	edit(live)
	live.Certificates[0].Thumbprint = "CD34"
	items = certItems(report(t, fixtureSpec(t, specEdit), live, opts))
	var classes []drift.Class
	for _, it := range items {
		classes = append(classes, it.Class)
	}
	if len(items) != 1 || items[0].Class != drift.ClassNoVaultCopy {
		t.Errorf("a key credential without its vault version: classes %v, items %+v", classes, items)
	}
}
