package keyvault

import (
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// These tests drive Store's certificates half with the real azcertificates
// client over HTTPS against the emulator.

func certRequest() tenant.CertificateRequest {
	return tenant.CertificateRequest{Subject: "CN=fhir-exporter, OU=FHIR", KeyType: "RSA", KeySize: 3072, Exportable: true, ValidityMonths: 6,
		Tags: map[string]string{tenant.CertificateTagClientID: "app-1", tenant.CertificateTagSet: "fhir"}}
}

func TestEmulatorCertificateLifecycle(t *testing.T) {
	e, s := emulatorStore(t)
	ctx := context.Background()
	const vault, name = "contoso-fhir-kv", "exporter-client-cert"

	op, err := s.CreateCertificate(ctx, vault, name, certRequest())
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != tenant.CertificateInProgress {
		t.Errorf("create answered status %q, want inProgress (202 with the pending operation)", op.Status)
	}
	op, err = s.CertificateOperation(ctx, vault, name)
	if err != nil || op.Status != tenant.CertificateCompleted {
		t.Fatalf("operation = %+v, %v; want completed", op, err)
	}
	got, err := s.GetCertificate(ctx, vault, name, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(got.CER)
	if err != nil {
		t.Fatalf("cer is no X.509 certificate: %v", err)
	}
	if c.Subject.CommonName != "fhir-exporter" || len(c.Subject.OrganizationalUnit) != 1 || c.Subject.OrganizationalUnit[0] != "FHIR" {
		t.Errorf("subject %v, want CN=fhir-exporter, OU=FHIR", c.Subject)
	}
	if k, ok := c.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 3072 {
		t.Errorf("public key %T, want RSA 3072", c.PublicKey)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	sum := sha1.Sum(got.CER)
	if want := strings.ToUpper(hex.EncodeToString(sum[:])); got.Thumbprint != want {
		t.Errorf("thumbprint %s, want SHA-1 of cer %s", got.Thumbprint, want)
	}
	if got.Expires == nil || !got.Expires.Equal(c.NotAfter.UTC()) {
		t.Errorf("exp %v, want the certificate's notAfter %v", got.Expires, c.NotAfter)
	}
	if months := c.NotAfter.Sub(c.NotBefore); months < 180*24*time.Hour || months > 186*24*time.Hour {
		t.Errorf("validity %v, want 6 months", months)
	}
	if got.Tags[tenant.CertificateTagClientID] != "app-1" || got.Version == "" || got.Name != name {
		t.Errorf("metadata %+v", got.CertificateMeta)
	}

	// A renewal is a second version; list shows the latest. With the
	// token in hand, making a version costs three requests: the create,
	// one read of the operation (a self-signed certificate is done at
	// once) and the read of the version; the list of a vault one per page.
	e.ResetStats()
	before := s.Requests()
	if _, err := s.CreateCertificate(ctx, vault, name, certRequest()); err != nil {
		t.Fatal(err)
	}
	if op, err := s.CertificateOperation(ctx, vault, name); err != nil || op.Status != tenant.CertificateCompleted {
		t.Fatalf("operation = %+v, %v", op, err)
	}
	if _, err := s.GetCertificate(ctx, vault, name, ""); err != nil {
		t.Fatal(err)
	}
	if n := s.Requests() - before; n != 3 || e.Stats().Total != 3 {
		t.Errorf("a new version took %d requests (emulator: %v), want 3", n, e.Stats().Routes)
	}
	versions, err := s.CertificateVersions(ctx, vault, name)
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions = %d, %v; want 2", len(versions), err)
	}
	before = s.Requests()
	list, err := s.ListCertificates(ctx, vault)
	if n := s.Requests() - before; n != 1 {
		t.Errorf("listing one page took %d requests, want 1", n)
	}
	if err != nil || len(list) != 1 || list[0].Name != name || list[0].Thumbprint == got.Thumbprint || list[0].Thumbprint == "" {
		t.Fatalf("list = %+v, %v; want the new version only", list, err)
	}

	// The certificate's secret shares its name: listed, never read here.
	secrets, err := s.ListSecrets(ctx, vault)
	if err != nil || len(secrets) != 1 || secrets[0].Name != name {
		t.Errorf("secrets = %+v, %v; want the certificate's own secret", secrets, err)
	}

	// Soft delete keeps the name: create answers 409, recover brings it back.
	e.SetFaults(emulator.Faults{})
	deleteCertificate(t, e, vault, name)
	if _, err := s.CreateCertificate(ctx, vault, name, certRequest()); kindOf(err) != tenant.Conflict {
		t.Fatalf("create over a deleted certificate: %v, want Conflict", err)
	}
	if _, err := s.GetCertificate(ctx, vault, name, ""); kindOf(err) != tenant.NotFound {
		t.Errorf("get of a deleted certificate: %v, want NotFound", err)
	}
	if v, err := s.CertificateVersions(ctx, vault, name); err != nil || len(v) != 0 {
		t.Errorf("versions of a deleted certificate = %v, %v; want none", v, err)
	}
	deleted, err := s.DeletedCertificates(ctx, vault)
	if err != nil || len(deleted) != 1 || deleted[0].Name != name || deleted[0].ScheduledPurgeDate.IsZero() {
		t.Fatalf("deleted = %+v, %v", deleted, err)
	}
	if err := s.RecoverCertificate(ctx, vault, name); err != nil {
		t.Fatal(err)
	}
	if v, err := s.CertificateVersions(ctx, vault, name); err != nil || len(v) != 2 {
		t.Errorf("versions after recovery = %d, %v; want 2", len(v), err)
	}
	if err := s.RecoverCertificate(ctx, vault, name); kindOf(err) != tenant.NotFound {
		t.Errorf("second recovery: %v, want NotFound", err)
	}
}

func TestEmulatorCertificateErrors(t *testing.T) {
	e, s := emulatorStore(t)
	ctx := context.Background()
	if _, err := s.GetCertificate(ctx, "kv1", "missing", ""); kindOf(err) != tenant.NotFound || !strings.Contains(err.Error(), "CertificateNotFound") {
		t.Errorf("missing certificate: %v, want NotFound (CertificateNotFound)", err)
	}
	bad := certRequest()
	bad.KeySize = 1024
	if _, err := s.CreateCertificate(ctx, "kv1", "c", bad); kindOf(err) != tenant.Invalid {
		t.Errorf("RSA 1024: %v, want Invalid", err)
	}
	bad = certRequest()
	bad.Subject = "nonsense"
	if _, err := s.CreateCertificate(ctx, "kv1", "c", bad); kindOf(err) != tenant.Invalid {
		t.Errorf("bad subject: %v, want Invalid", err)
	}
	e.SetFaults(emulator.Faults{VaultCertificatesForbidden: []string{"kv1"}})
	if _, err := s.ListCertificates(ctx, "kv1"); kindOf(err) != tenant.Forbidden {
		t.Errorf("forbidden vault: %v, want Forbidden", err)
	}
	if _, err := s.ListCertificates(ctx, "kv2"); err != nil {
		t.Errorf("another vault: %v", err)
	}
	e.SetFaults(emulator.Faults{VaultOutage: true})
	if _, err := s.CreateCertificate(ctx, "kv2", "c", certRequest()); kindOf(err) != tenant.Transient {
		t.Errorf("outage: %v, want Transient", err)
	}
}

// deleteCertificate deletes a certificate as someone would by hand.
func deleteCertificate(t *testing.T, e *emulator.Emulator, vault, name string) {
	t.Helper()
	url := strings.ReplaceAll(e.KeyVaultURL(), "{vault}", vault) + "/certificates/" + name + "?api-version=7.6"
	req, err := http.NewRequest(http.MethodDelete, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.Token())
	resp, err := e.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE certificate: %s", resp.Status)
	}
}
