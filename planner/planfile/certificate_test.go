package planfile_test

import (
	"testing"
	"time"

	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/tenant"
)

// TestFingerprintCoversCertificates: a vault certificate renewed or
// deleted since the plan changes the snapshot's fingerprint, so a saved
// plan made before is refused as stale; the same state read again (other
// time zones, another order) fingerprints the same.
func TestFingerprintCoversCertificates(t *testing.T) {
	exp := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	cert := tenant.CertificateMeta{Vault: "kv", Name: "job-client-cert", Version: "v1", Thumbprint: "AA", Enabled: true, Expires: &exp}
	base := &tenant.Snapshot{Certificates: []tenant.CertificateMeta{cert}}
	local := exp.In(time.FixedZone("x", 3600))
	same := cert
	same.Expires = &local
	if planfile.Fingerprint(base).Snapshot != planfile.Fingerprint(&tenant.Snapshot{Certificates: []tenant.CertificateMeta{same}}).Snapshot {
		t.Error("the same certificate fingerprints differently")
	}
	renewed := cert
	renewed.Version, renewed.Thumbprint = "v2", "BB"
	deleted := &tenant.Snapshot{DeletedCertificates: []tenant.DeletedCertificate{{CertificateMeta: cert}}}
	for name, s := range map[string]*tenant.Snapshot{
		"renewed": {Certificates: []tenant.CertificateMeta{renewed}},
		"deleted": deleted,
		"gone":    {},
	} {
		if planfile.Fingerprint(s).Snapshot == planfile.Fingerprint(base).Snapshot {
			t.Errorf("%s: the fingerprint did not change", name)
		}
	}
}
