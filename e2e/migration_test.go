package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
)

// TestSecretToCertificateMigration: a client moves from its client secret
// to a certificate. The apply that makes the certificate keeps the secret;
// drift within the overlap exits 0 and shows the secret as a notice in
// every format; once the overlap has passed and no apply removed it, drift
// reports it (exit 2); the apply after that removes it and drift is clean.
func TestSecretToCertificateMigration(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := "mig.yaml"
	write := func(overlap, body string) {
		s := "version: 1\ntenant: contoso.onmicrosoft.com\nset: mig\n" +
			"defaults:\n  secrets: { vault: mig-kv, lifetime: 90d, renewBefore: 20d, overlap: " + overlap + " }\n" +
			"applications:\n  job:\n    kind: service\n" + body
		if err := os.WriteFile(filepath.Join(w.dir, file), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1h", "    secret: {}\n")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	app, _ := w.managedKeys("mig", "job")
	if len(app.PasswordCredentials) != 1 {
		t.Fatalf("%d client secrets after the first apply, want 1", len(app.PasswordCredentials))
	}
	secret := app.PasswordCredentials[0].KeyID

	write("1h", "    certificate: {}\n")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	app, keys := w.managedKeys("mig", "job")
	if len(app.PasswordCredentials) != 1 || len(keys) != 1 {
		t.Fatalf("after the move: %d client secrets, %d managed certificates; want both", len(app.PasswordCredentials), len(keys))
	}
	until := keys[0].Start.Add(time.Hour).UTC().Format("2006-01-02")
	p := w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(p.Stdout, "client secret "+secret+" is kept until "+until) {
		t.Errorf("the plan within the overlap does not keep the secret:\n%s", p.Stdout)
	}
	for _, format := range []string{"text", "markdown", "json", "junit"} {
		d := w.run("drift", "-f", file, "--format", format)
		if d.Code != 0 || !strings.Contains(d.Stdout, "client secret "+secret+" is kept until "+until) ||
			!strings.Contains(d.Stdout, "move to the certificate") {
			t.Errorf("drift --format %s within the overlap exited %d (want 0 with a notice):\n%s%s", format, d.Code, d.Stdout, d.Stderr)
		}
		if !strings.Contains(d.Stderr, "notice: ") || !strings.Contains(d.Stderr, secret) {
			t.Errorf("drift --format %s within the overlap prints no notice on stderr:\n%s", format, d.Stderr)
		}
	}

	// Past the overlap (made short), no apply yet: drift again.
	write("1s", "    certificate: {}\n")
	time.Sleep(1100 * time.Millisecond)
	d := w.run("drift", "-f", file)
	if d.Code != 2 || !strings.Contains(d.Stdout, secret) || !strings.Contains(d.Stdout, "moved this application to a certificate") ||
		strings.Contains(d.Stdout, "is kept until") {
		t.Errorf("drift past the overlap exited %d (want 2, the secret as not_in_spec):\n%s%s", d.Code, d.Stdout, d.Stderr)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	if app, _ := w.managedKeys("mig", "job"); len(app.PasswordCredentials) != 0 {
		t.Errorf("after the overlap's apply: %d client secrets, want none", len(app.PasswordCredentials))
	}
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if d := w.run("drift", "-f", file); d.Code != 0 || strings.Contains(d.Stdout, "Notices") {
		t.Errorf("drift after the migration exited %d:\n%s", d.Code, d.Stdout)
	}
}
