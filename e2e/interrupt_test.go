package e2e

import (
	"context"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// The first Ctrl-C of an apply stops scheduling: the writes in flight
// finish (a new client secret gets its vault copy), the rest do not start,
// regsync says so, and exits 1; a re-run converges to an empty plan.
func TestApplyInterruptFinishesInFlight(t *testing.T) {
	w := newWorld(t, emulator.Faults{Latency: 300 * time.Millisecond})
	file := w.example("fhir")
	cmd, out := w.start("apply", "-f", file, "--auto-approve", "--parallelism", "4")
	// Interrupt while a client secret is in flight: its addPassword and
	// vault write must both be done by the time regsync exits.
	w.waitFor(out, "applications.portal.secret: Creating...")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	text := out.String()
	w.outputs = append(w.outputs, text)
	if strings.Contains(text, "Apply complete!") {
		t.Skip("apply finished before it could be interrupted")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("an interrupted apply ended with %v, want exit 1\n%s", err, text)
	}
	if !strings.Contains(text, "applications.portal.secret: Creation complete") {
		t.Errorf("the client secret in flight did not finish:\n%s", text)
	}
	for _, want := range []string{"Interrupt received: finishing", "in flight (press Ctrl-C again to stop now)", "Apply incomplete!", "interrupted:", "actions not started", "a re-run converges"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// Every action that started ended (done or failed), and none started
	// after the interrupt was acknowledged.
	at := strings.Index(text, "Interrupt received")
	started := regexp.MustCompile(`(?m)^(\S+(?: \([^)]*\))?): (?:Creating|Modifying|Destroying)\.\.\.$`)
	for _, m := range started.FindAllStringSubmatchIndex(text, -1) {
		label := text[m[2]:m[3]]
		if m[0] > at {
			t.Errorf("%s started after the interrupt", label)
		}
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `: (?:Creation|Modifications|Destruction) (?:complete|failed)`).MatchString(text) {
			t.Errorf("%s started but never finished:\n%s", label, text)
		}
	}
	// No half-made object: every client secret made has its vault copy.
	g, kv := w.clients()
	ctx := context.Background()
	apps, err := g.ListApplications(ctx, "fhir-prod")
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := kv.ListSecrets(ctx, "contoso-fhir-kv")
	if err != nil && len(apps) > 0 {
		t.Fatal(err)
	}
	copies := map[string]bool{}
	for _, s := range secrets {
		copies[s.Tags[tenant.SecretTagKeyID]] = true
	}
	for _, a := range apps {
		for _, c := range a.PasswordCredentials {
			if !copies[c.KeyID] {
				t.Errorf("%s: credential %s has no vault copy after the interrupt", a.DisplayName, c.KeyID)
			}
		}
	}
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertConverged(file, "fhir-prod", "contoso-fhir-kv")
}
