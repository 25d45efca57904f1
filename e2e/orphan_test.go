package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// TestOlderCredentialWithoutCopyIsOrphaned: a credential with regsync's
// display name that ends before the stored one, and whose keyId no version
// of the vault secret carries (an old apply that stopped after addPassword,
// or a copy deleted from the vault), used to be kept "until the overlap"
// and reported nowhere. Drift reports it, and plan removes it.
func TestOlderCredentialWithoutCopyIsOrphaned(t *testing.T) {
	w, file := appliedFHIR(t)
	g, _ := w.clients()
	ctx := context.Background()
	portal := app(t, g, "portal")
	res, err := g.Do(ctx, tenant.AddPassword(portal.ID, tenant.PasswordRequest{
		DisplayName: planner.ManagedSecretName("fhir-prod", "portal"), End: time.Now().Add(40 * 24 * time.Hour)}))
	if err != nil {
		t.Fatal(err)
	}
	lost := res.Password.KeyID
	classes := driftReport(t, w, file, 2)
	if classes["credential_without_vault_copy"] != 1 {
		t.Errorf("drift classes %v, want one credential_without_vault_copy", classes)
	}
	r := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(r.Stdout, lost) || !strings.Contains(r.Stdout, "has no copy in Key Vault") {
		t.Errorf("the plan does not remove %s as orphaned:\n%s", lost, r.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
}
