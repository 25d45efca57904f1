package e2e

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// newClockWorld is newWorld with the emulator's clock (Graph and Key Vault)
// running offset from regsync's: a certificate made while the offset is
// negative is as old, to regsync, as the offset says.
func newClockWorld(t *testing.T) (*world, *atomic.Int64) {
	t.Helper()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	em, err := emulator.Start(context.Background(), emulator.Options{StateDir: t.TempDir(), Now: now})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	w := &world{t: t, em: em, dir: t.TempDir()}
	t.Cleanup(func() {
		w.assertNoSecretLeaks()
		em.Close()
	})
	return w, &offset
}

// managedKeys returns the key credentials regsync made on the application
// of key in set.
func (w *world) managedKeys(set, key string) (*tenant.Application, []tenant.KeyCredential) {
	w.t.Helper()
	g, _ := w.clients()
	apps, err := g.ListApplications(context.Background(), set)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, a := range apps {
		for _, tag := range a.Tags {
			if tag == tenant.KeyTag(key) {
				return a, planner.ManagedKeyCredentials(set, key, a.KeyCredentials)
			}
		}
	}
	w.t.Fatalf("no application %s in set %s", key, set)
	return nil, nil
}

// assertCertificateBacked checks that every managed key credential of the
// application has a version of the vault certificate with its thumbprint,
// and that the certificate Graph holds is the vault's.
func (w *world) assertCertificateBacked(set, key, vault, name string) []tenant.KeyCredential {
	w.t.Helper()
	_, keys := w.managedKeys(set, key)
	_, kv := w.clients()
	ctx := context.Background()
	versions, err := kv.CertificateVersions(ctx, vault, name)
	if err != nil {
		w.t.Fatal(err)
	}
	byThumb := map[string]tenant.CertificateMeta{}
	for _, v := range versions {
		byThumb[v.Thumbprint] = v
	}
	for _, k := range keys {
		v, ok := byThumb[k.CustomKeyIdentifier]
		if !ok {
			w.t.Errorf("key credential %s (thumbprint %s) has no version of certificate %s in %s", k.KeyID, k.CustomKeyIdentifier, name, vault)
			continue
		}
		got, err := kv.GetCertificate(ctx, vault, name, v.Version)
		if err != nil {
			w.t.Fatal(err)
		}
		c, err := x509.ParseCertificate(got.CER)
		if err != nil {
			w.t.Fatal(err)
		}
		sum := sha1.Sum(got.CER)
		if strings.ToUpper(hex.EncodeToString(sum[:])) != k.CustomKeyIdentifier || !k.End.Equal(c.NotAfter) || !k.Start.Equal(c.NotBefore) ||
			k.Type != "AsymmetricX509Cert" || k.Usage != "Verify" {
			w.t.Errorf("key credential %+v does not match vault version %s (notBefore %v, notAfter %v)", k, v.Version, c.NotBefore, c.NotAfter)
		}
	}
	return keys
}

// TestCertificatesConverge: the FHIR example with the exporter on a
// certificate and the DICOM example with the loader on a non-exportable
// one converge in one apply each, with the real azcertificates and Graph
// clients against the emulator; a second plan is empty, and each key
// credential is the public part of its vault certificate.
func TestCertificatesConverge(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	for _, x := range []struct{ example, set, key, vault, name string }{
		{"fhir-certificate", "fhir-cert", "exporter", "contoso-fhir-kv", "fhir-exporter-cert"},
		{"dicom-certificate", "dicom-cert", "loader", "contoso-dicom-kv", "loader-client-cert"},
	} {
		file := w.example(x.example)
		p := w.mustRun(0, "plan", "-f", file)
		if !strings.Contains(p.Stdout, "make certificate "+x.name+" in Key Vault "+x.vault) {
			t.Errorf("%s: the plan does not make the certificate:\n%s", x.example, p.Stdout)
		}
		w.mustRun(0, "apply", "-f", file, "--auto-approve")
		w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
		if keys := w.assertCertificateBacked(x.set, x.key, x.vault, x.name); len(keys) != 1 {
			t.Errorf("%s: %d managed key credentials, want 1", x.example, len(keys))
		}
		d := w.run("drift", "-f", file)
		if d.Code != 0 {
			t.Errorf("%s: drift after apply exited %d:\n%s", x.example, d.Code, d.Stdout)
		}
	}
}

// TestCertificateRenewal: a certificate made 29 days ago with a one-month
// life is within renewBefore; plan renews it (a new vault version and key
// credential), the old key credential stays for the overlap, and once the
// overlap has passed the next plan removes it.
func TestCertificateRenewal(t *testing.T) {
	w, offset := newClockWorld(t)
	spec := func(overlap string) string {
		return "version: 1\ntenant: contoso.onmicrosoft.com\nset: renew\n" +
			"defaults:\n  secrets: { vault: renew-kv, lifetime: 30d, renewBefore: 7d, overlap: " + overlap + " }\n" +
			"applications:\n  job:\n    kind: service\n    certificate: {}\n"
	}
	file := "renew.yaml"
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(w.dir, file), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(spec("10m"))
	offset.Store(int64(-29 * 24 * time.Hour))
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	_, first := w.managedKeys("renew", "job")
	if len(first) != 1 {
		t.Fatalf("%d key credentials after the first apply, want 1", len(first))
	}
	offset.Store(0)

	p := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(p.Stdout, "within renewBefore 7d") {
		t.Errorf("the plan does not renew the certificate:\n%s", p.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	keys := w.assertCertificateBacked("renew", "job", "renew-kv", "job-client-cert")
	if len(keys) != 2 || keys[1].KeyID != first[0].KeyID {
		t.Fatalf("after renewal: %+v, want the new key credential and the old one kept", keys)
	}
	// Within the overlap the old one stays and nothing is planned.
	p = w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(p.Stdout, "is kept until") {
		t.Errorf("the plan does not say the old certificate is kept:\n%s", p.Stdout)
	}
	// Past the overlap, the old key credential goes.
	write(spec("1s"))
	time.Sleep(1100 * time.Millisecond)
	p = w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(p.Stdout, first[0].KeyID) {
		t.Errorf("the plan does not remove the old certificate %s:\n%s", first[0].KeyID, p.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	if keys := w.assertCertificateBacked("renew", "job", "renew-kv", "job-client-cert"); len(keys) != 1 || keys[0].KeyID != keys[0].KeyID || keys[0].KeyID == first[0].KeyID {
		t.Errorf("after the overlap: %+v, want only the new key credential", keys)
	}
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
}

// TestCertificateDeletedByHand: a vault certificate deleted by hand shows
// in drift (exit 2); apply recovers it (soft delete keeps the name) and
// puts a new version on the application; the set converges.
func TestCertificateDeletedByHand(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir-certificate")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	_, before := w.managedKeys("fhir-cert", "exporter")
	w.vaultRequest("DELETE", "contoso-fhir-kv", "/certificates/fhir-exporter-cert")

	d := w.mustRun(2, "drift", "-f", file)
	if !strings.Contains(d.Stdout, "fhir-exporter-cert in contoso-fhir-kv was deleted") {
		t.Errorf("drift does not report the deleted certificate:\n%s", d.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	keys := w.assertCertificateBacked("fhir-cert", "exporter", "contoso-fhir-kv", "fhir-exporter-cert")
	if len(keys) != 2 || keys[0].KeyID == before[0].KeyID {
		t.Errorf("after apply: %+v, want a new key credential beside the old one (kept for the overlap)", keys)
	}
	if d := w.run("drift", "-f", file); d.Code != 0 {
		t.Errorf("drift after the replacement exited %d:\n%s", d.Code, d.Stdout)
	}
}

// TestCertificateVaultOutage: Key Vault goes down when apply asks it for
// the certificate (its reads worked): no key credential is added and apply
// fails; once the vault is back, a re-run finishes.
func TestCertificateVaultOutage(t *testing.T) {
	w := newWorld(t, emulator.Faults{VaultOutage: true, VaultOutageRoutes: []string{"POST /vaults/{vault}/certificates/{name}/create"}})
	file := w.example("fhir-certificate")
	r := w.run("apply", "-f", file, "--auto-approve")
	if r.Code != 1 {
		t.Fatalf("apply during the outage exited %d, want 1:\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if _, keys := w.managedKeys("fhir-cert", "exporter"); len(keys) != 0 {
		t.Errorf("a key credential was added while the vault was down: %+v", keys)
	}
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if keys := w.assertCertificateBacked("fhir-cert", "exporter", "contoso-fhir-kv", "fhir-exporter-cert"); len(keys) != 1 {
		t.Errorf("%d key credentials after the re-run, want 1", len(keys))
	}
}

// TestCertificateForbiddenVault: an identity without a certificates role
// on the vault: plan fails before anything is written, naming the role.
func TestCertificateForbiddenVault(t *testing.T) {
	w := newWorld(t, emulator.Faults{VaultCertificatesForbidden: []string{"contoso-fhir-kv"}})
	file := w.example("fhir-certificate")
	r := w.run("plan", "-f", file)
	if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, "Key Vault Certificates Officer") {
		t.Errorf("plan against a vault closed to certificates: exit %d, want 1 naming Key Vault Certificates Officer:\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}
