package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestUnrelatedConsentKeepsASavedPlanFresh: a saved plan's fingerprint
// covers the consents that belong to its set, not every consent on the
// external APIs it names. Applying the DICOM set (whose clients consent to
// Microsoft Graph too) after the FHIR plan was saved leaves that plan
// fresh, and it applies. A consent of the FHIR set's own client removed by
// hand still makes the next saved plan stale.
func TestUnrelatedConsentKeepsASavedPlanFresh(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	fhir := w.example("fhir")
	w.mustRun(2, "plan", "-f", fhir, "-out", "reviewed.plan", "--detailed-exitcode")

	// Another set consents to Microsoft Graph and to its own API.
	w.mustRun(0, "apply", "-f", w.example("dicom"), "--auto-approve")
	g, _ := w.clients()
	graphSP := servicePrincipal(t, g, emulator.MicrosoftGraphApp)
	dicomApps, err := g.ListApplications(context.Background(), "dicom-prod")
	if err != nil || len(dicomApps) == 0 {
		t.Fatalf("the DICOM set: %d applications, %v", len(dicomApps), err)
	}
	var dicomSPs []string
	for _, a := range dicomApps {
		dicomSPs = append(dicomSPs, servicePrincipal(t, g, a.AppID).ID)
	}
	_, grants, err := g.ConsentsOf(context.Background(), dicomSPs)
	if err != nil {
		t.Fatal(err)
	}
	onGraph := 0
	for _, gr := range grants {
		if gr.ResourceID == graphSP.ID {
			onGraph++
		}
	}
	if onGraph == 0 {
		t.Fatal("the DICOM set holds no grant on Microsoft Graph; the test would prove nothing")
	}

	r := w.mustRun(0, "apply", "reviewed.plan", "--auto-approve")
	if strings.Contains(r.Stderr, "stale") {
		t.Errorf("apply of a fresh plan mentions staleness:\n%s", r.Stderr)
	}
	w.assertConverged(fhir, "fhir-prod", "contoso-fhir-kv")

	// The control: a change to one of the set's own consents is noticed.
	path := filepath.Join(w.dir, fhir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "displayName: Contoso FHIR Portal", "displayName: Contoso FHIR Portal (renamed)", 1)
	if edited == string(data) {
		t.Fatal("the FHIR example has no portal display name to edit")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	w.mustRun(2, "plan", "-f", fhir, "-out", "second.plan", "--detailed-exitcode")
	portal := servicePrincipal(t, g, app(t, g, "portal").AppID)
	_, own, err := g.ConsentsOf(context.Background(), []string{portal.ID})
	if err != nil || len(own) == 0 {
		t.Fatalf("the portal's grants: %v (%d)", err, len(own))
	}
	if _, err := g.Do(context.Background(), tenant.DeletePermissionGrant(own[0].ID)); err != nil {
		t.Fatal(err)
	}
	r = w.mustRun(1, "apply", "second.plan", "--auto-approve")
	if !strings.Contains(r.Stderr, "stale") || !strings.Contains(r.Stderr, own[0].ID) {
		t.Errorf("the refusal does not name the removed grant %s:\n%s", own[0].ID, r.Stderr)
	}
}
