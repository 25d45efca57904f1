package planner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

const certSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: fhir
defaults:
  secrets: {vault: contoso-kv, lifetime: 90d, renewBefore: 20d, overlap: 5d}
applications:
  job:
    kind: service
    certificate: {keySize: 3072}
`

func certAction(t *testing.T, p *planner.Plan, id string) *planner.CertificateAction {
	t.Helper()
	for _, a := range p.Actions {
		if a.ID == id {
			if a.Certificate == nil {
				t.Fatalf("%s has no certificate payload", id)
			}
			return a.Certificate
		}
	}
	t.Fatalf("no action %s in %v", id, actionIDs(p))
	return nil
}

func hasNote(p *planner.Plan, substr string) bool {
	for _, n := range p.Notes {
		if strings.Contains(n.Message, substr) {
			return true
		}
	}
	return false
}

// TestCertificateLifecycle walks one certificate through its life: made
// (vault first, then the key credential), converged, renewed at the
// window with the old one kept for the overlap, the old one removed after.
func TestCertificateLifecycle(t *testing.T) {
	s := parseSpec(t, certSpec)
	sim := &simulated{snap: emptyTenant(), now: now}
	p := compute(t, s, sim.snap, planner.Options{})
	c := certAction(t, p, "applications.job.certificate:create")
	want := planner.CertificateAction{ApplicationID: c.ApplicationID, AppID: c.AppID, DisplayName: "regsync:fhir:job:cert", Managed: true,
		Vault: "contoso-kv", CertificateName: "job-client-cert", Subject: "CN=fhir-job", KeyType: "RSA", KeySize: 3072, Exportable: true,
		ValidityMonths: 3, NewVersion: true}
	if diff := cmp.Diff(want, *c); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	sim.apply(t, p)
	if again := compute(t, s, sim.snap, planner.Options{}); !again.Summary.Empty() {
		t.Fatalf("after the create: %v", actionIDs(again))
	}
	first := sim.snap.Applications[0].KeyCredentials[0]

	// 75 days on, the certificate ends within renewBefore (20d).
	sim.now = now.Add(75 * 24 * time.Hour)
	p = compute(t, s, sim.snap, planner.Options{Now: sim.now})
	if diff := cmp.Diff([]string{"applications.job.certificate:renew"}, actionIDs(p)); diff != "" {
		t.Fatalf("renewal (-want +got):\n%s", diff)
	}
	if c := certAction(t, p, "applications.job.certificate:renew"); !c.NewVersion || c.Replaces != first.KeyID {
		t.Errorf("renewal %+v, want a new version replacing %s", c, first.KeyID)
	}
	sim.apply(t, p)
	p = compute(t, s, sim.snap, planner.Options{Now: sim.now})
	if !p.Summary.Empty() || !hasNote(p, "old certificate "+first.KeyID+" is kept until") {
		t.Errorf("within the overlap: actions %v, notes %+v; want none and a note", actionIDs(p), p.Notes)
	}
	// Past the overlap (5d), the old one goes.
	sim.now = sim.now.Add(6 * 24 * time.Hour)
	p = compute(t, s, sim.snap, planner.Options{Now: sim.now})
	if diff := cmp.Diff([]string{`applications.job.key_credentials["` + first.KeyID + `"]:delete`}, actionIDs(p)); diff != "" {
		t.Fatalf("after the overlap (-want +got):\n%s", diff)
	}
	sim.apply(t, p)
	if keys := sim.snap.Applications[0].KeyCredentials; len(keys) != 1 || keys[0].KeyID == first.KeyID {
		t.Errorf("key credentials %+v, want only the new one", keys)
	}
}

// TestCertificateVersionNotOnApplication: a vault version no key
// credential names (an apply stopped after the vault step) is put on the
// application without making another version.
func TestCertificateVersionNotOnApplication(t *testing.T) {
	s, sim := converged(t, certSpec)
	app := sim.snap.Applications[0]
	app.KeyCredentials = nil
	p := compute(t, s, sim.snap, planner.Options{})
	c := certAction(t, p, "applications.job.certificate:create")
	if c.NewVersion || c.Version != sim.snap.Certificates[0].Version {
		t.Errorf("action %+v, want version %s without a new one", c, sim.snap.Certificates[0].Version)
	}
	sim.apply(t, p)
	if again := compute(t, s, sim.snap, planner.Options{}); !again.Summary.Empty() {
		t.Errorf("after: %v", actionIDs(again))
	}
}

// TestCertificateDeletedInVault: a certificate soft-deleted by hand is
// recovered and replaced; the old key credential stays for the overlap.
func TestCertificateDeletedInVault(t *testing.T) {
	s, sim := converged(t, certSpec)
	old := sim.snap.Applications[0].KeyCredentials[0]
	gone := sim.snap.Certificates[0]
	sim.snap.Certificates = nil
	sim.snap.DeletedCertificates = []tenant.DeletedCertificate{{CertificateMeta: gone, DeletedDate: now, ScheduledPurgeDate: now.Add(90 * 24 * time.Hour)}}
	p := compute(t, s, sim.snap, planner.Options{})
	c := certAction(t, p, "applications.job.certificate:create")
	if !c.Recover || !c.NewVersion || c.Replaces != old.KeyID {
		t.Errorf("action %+v, want recover, a new version, replacing %s", c, old.KeyID)
	}
}

// TestCertificateUndeclared: managed key credentials go when the spec no
// longer declares a certificate; key credentials regsync did not make are
// not the certificate planner's.
func TestCertificateUndeclared(t *testing.T) {
	_, sim := converged(t, certSpec)
	managed := sim.snap.Applications[0].KeyCredentials[0]
	sim.snap.Applications[0].KeyCredentials = append(sim.snap.Applications[0].KeyCredentials,
		tenant.KeyCredential{KeyID: "by-hand", DisplayName: "CN=someone", Type: "AsymmetricX509Cert", Usage: "Verify", End: now.Add(time.Hour)})
	s := parseSpec(t, strings.Replace(certSpec, "    certificate: {keySize: 3072}\n", "    secret: {}\n", 1))
	p := compute(t, s, sim.snap, planner.Options{})
	found := false
	for _, a := range p.Actions {
		if a.Certificate != nil {
			if a.Certificate.KeyID != managed.KeyID || a.Op != planner.OpDelete {
				t.Errorf("unexpected certificate action %s", a.ID)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("the managed key credential is not removed: %v", actionIDs(p))
	}
}

// TestSecretToCertificateMigration: replacing secret by certificate keeps
// the secret until the certificate has been on the application for the
// overlap, then removes it.
func TestSecretToCertificateMigration(t *testing.T) {
	withSecret := strings.Replace(certSpec, "    certificate: {keySize: 3072}\n", "    secret: {}\n", 1)
	_, sim := converged(t, withSecret)
	secret := sim.snap.Applications[0].PasswordCredentials[0]
	s := parseSpec(t, certSpec)
	p := compute(t, s, sim.snap, planner.Options{})
	if diff := cmp.Diff([]string{"applications.job.certificate:create"}, actionIDs(p)); diff != "" {
		t.Fatalf("migration (-want +got):\n%s", diff)
	}
	if !hasNote(p, "client secret "+secret.KeyID+" is kept until the certificate that replaces it") {
		t.Errorf("no note keeps the secret: %+v", p.Notes)
	}
	sim.apply(t, p)
	p = compute(t, s, sim.snap, planner.Options{})
	if !p.Summary.Empty() || !hasNote(p, "client secret "+secret.KeyID+" is kept until") {
		t.Errorf("within the overlap: %v %+v", actionIDs(p), p.Notes)
	}
	later := now.Add(6 * 24 * time.Hour)
	p = compute(t, s, sim.snap, planner.Options{Now: later})
	if diff := cmp.Diff([]string{`applications.job.password_credentials["` + secret.KeyID + `"]:delete`}, actionIDs(p)); diff != "" {
		t.Errorf("after the overlap (-want +got):\n%s", diff)
	}
}

// TestClassifyKeyCredential: the one classifier says which key credentials
// are regsync's certificates, so the unmanaged-credential report and prune
// leave them alone.
func TestClassifyKeyCredential(t *testing.T) {
	s, sim := converged(t, certSpec)
	app := s.Application("job")
	mine := sim.snap.Applications[0].KeyCredentials[0]
	renamed := mine
	renamed.DisplayName = "CN=by hand"
	lost := mine
	lost.CustomKeyIdentifier = "00"
	foreign := tenant.KeyCredential{KeyID: "x", DisplayName: "CN=someone", CustomKeyIdentifier: "AB"}
	noVault := &tenant.Snapshot{}
	for _, tc := range []struct {
		name string
		live *tenant.Snapshot
		on   string
		k    tenant.KeyCredential
		want planner.CredentialState
	}{
		{"managed, its version in the vault", sim.snap, planner.OnApplication, mine, planner.CredentialStored},
		{"the vault's thumbprint under another name", sim.snap, planner.OnApplication, renamed, planner.CredentialStored},
		{"managed name, no version in the vault", sim.snap, planner.OnApplication, lost, planner.CredentialUnstored},
		{"another certificate", sim.snap, planner.OnApplication, foreign, planner.CredentialForeign},
		{"managed name, vault not read", noVault, planner.OnApplication, mine, planner.CredentialUnknown},
		{"another certificate, vault not read", noVault, planner.OnApplication, foreign, planner.CredentialForeign},
		{"on the service principal", sim.snap, planner.OnServicePrincipal, mine, planner.CredentialForeign},
	} {
		if got := planner.ClassifyKeyCredential(tc.live, s.Set, app, tc.on, tc.k); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
