package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
)

// TestApplyWithAMalformedVaultChallenge has the vault answer with a
// challenge azsecrets cannot parse once the apply has started writing,
// so the secret writes after addPassword fail. The apply must fail as an
// error, not a panic, and compensate: no credential is left without its
// vault copy. A re-run with a sane vault converges.
func TestApplyWithAMalformedVaultChallenge(t *testing.T) {
	w := newWorld(t, emulator.Faults{Latency: 100 * time.Millisecond})
	file := w.example("fhir")
	cmd, out := w.start("apply", "-f", file, "--auto-approve")
	w.waitFor(out, "applications.fhir-api: Creating...")
	w.em.SetFaults(emulator.Faults{Latency: 100 * time.Millisecond,
		VaultChallenge: `Bearer authorization="garbage", resource="https://vault.azure.net"`})
	err := cmd.Wait()
	w.outputs = append(w.outputs, out.String())
	if code := cmd.ProcessState.ExitCode(); code != 1 || err == nil || !strings.Contains(out.String(), "Apply incomplete!") {
		t.Errorf("an apply whose vault sent a malformed challenge: exit %d, and it does not say it is incomplete:\n%s", code, out.String())
	}
	if s := out.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
		t.Errorf("the apply panicked:\n%s", s)
	}
	g, _ := w.clients()
	apps, err := g.ListApplications(context.Background(), "fhir-prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if len(a.PasswordCredentials) > 0 {
			t.Errorf("%s kept %d credentials although its secret could not be stored", a.DisplayName, len(a.PasswordCredentials))
		}
	}
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
}
