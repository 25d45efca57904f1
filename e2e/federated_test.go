package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/tenant"
)

// loaderApp returns the live application of key loader in set fed.
func (w *world) loaderApp() *tenant.Application {
	w.t.Helper()
	g, _ := w.clients()
	apps, err := g.ListApplications(context.Background(), "fed")
	if err != nil {
		w.t.Fatal(err)
	}
	for _, a := range apps {
		for _, tag := range a.Tags {
			if tag == tenant.KeyTag("loader") {
				return a
			}
		}
	}
	w.t.Fatal("no application loader in set fed")
	return nil
}

// TestSecretToFederatedMigration: a service client with a client secret
// moves to a federated credential in one planned move. The first apply
// adds the federated credential, recording when, and keeps the secret;
// plans within the overlap say until when; a record removed by hand is
// written again (the overlap starts over); past the overlap the next plan
// removes the secret, and after that the plan is empty.
func TestSecretToFederatedMigration(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	head := "version: 1\ntenant: contoso.onmicrosoft.com\nset: fed\n" +
		"defaults:\n  secrets: { vault: fed-kv, lifetime: 90d, renewBefore: 20d, overlap: %s }\n" +
		"applications:\n  loader:\n    kind: service\n"
	file := "fed.yaml"
	write := func(overlap, body string) {
		s := strings.Replace(head, "%s", overlap, 1) + body
		if err := os.WriteFile(filepath.Join(w.dir, file), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	federated := "    federatedCredentials:\n      gh: { issuer: https://token.actions.githubusercontent.com, subject: 'repo:contoso/loader:environment:prod', description: Nightly load }\n"

	write("10m", "    secret: {}\n")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	secrets := w.loaderApp().PasswordCredentials
	if len(secrets) != 1 {
		t.Fatalf("%d client secrets after the first apply, want 1", len(secrets))
	}
	secret := secrets[0].KeyID

	// The move: one plan adds the federated credential and keeps the secret.
	write("10m", federated)
	p := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	for _, want := range []string{`add federated credential "gh"`,
		"client secret " + secret + " is kept until the federated credential that replaces it has been on the application for the overlap (10m0s)"} {
		if !strings.Contains(p.Stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, p.Stdout)
		}
	}
	if strings.Contains(p.Stdout, "remove client secret") {
		t.Errorf("the first plan removes the secret:\n%s", p.Stdout)
	}
	before := time.Now().Add(-time.Second)
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	after := time.Now().Add(time.Second)
	app := w.loaderApp()
	if len(app.PasswordCredentials) != 1 || len(app.FederatedCredentials) != 1 {
		t.Fatalf("after the first apply: %d secrets, %d federated credentials; want both kept", len(app.PasswordCredentials), len(app.FederatedCredentials))
	}
	fc := app.FederatedCredentials[0]
	added, ok := planner.FederatedAdded(fc.Description)
	if !ok || added.Before(before.Truncate(time.Second)) || added.After(after) || planner.FederatedDescription(fc.Description) != "Nightly load" {
		t.Fatalf("description %q does not record the apply's time (%s–%s)", fc.Description, before, after)
	}

	// Within the overlap: nothing to do, and the plan says until when.
	p = w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if want := "client secret " + secret + " is kept until " + added.Add(10*time.Minute).UTC().Format("2006-01-02") +
		` (overlap 10m0s after federated credential "gh" was added)`; !strings.Contains(p.Stdout, want) {
		t.Errorf("the plan within the overlap does not say %q:\n%s", want, p.Stdout)
	}
	// Nightly drift agrees: the kept secret is a notice in every format,
	// not drift.
	until := added.Add(10 * time.Minute).UTC().Format("2006-01-02")
	for _, format := range []string{"text", "markdown", "json", "junit"} {
		d := w.run("drift", "-f", file, "--format", format)
		if d.Code != 0 || !strings.Contains(d.Stdout, secret) || !strings.Contains(d.Stdout, "is kept until "+until) ||
			!strings.Contains(d.Stdout, "move to the federated credential") {
			t.Errorf("drift --format %s within the overlap exited %d (want 0 with a notice):\n%s%s", format, d.Code, d.Stdout, d.Stderr)
		}
		if !strings.Contains(d.Stderr, "notice: ") || !strings.Contains(d.Stderr, secret) {
			t.Errorf("drift --format %s within the overlap prints no notice on stderr:\n%s", format, d.Stderr)
		}
	}

	// Someone edits the description and the record goes: the next apply
	// writes a new one, and the overlap counts from then.
	w.byHand("PATCH", "/applications/"+app.ID+"/federatedIdentityCredentials/"+fc.ID, map[string]any{"description": "Nightly load"})
	p = w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(p.Stdout, `record when federated credential "gh" was added`) || strings.Contains(p.Stdout, "remove client secret") {
		t.Errorf("the plan after the record was removed:\n%s", p.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	if _, ok := planner.FederatedAdded(w.loaderApp().FederatedCredentials[0].Description); !ok {
		t.Errorf("no record after the apply: %q", w.loaderApp().FederatedCredentials[0].Description)
	}
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")

	// Past the overlap (made short, as the renewal tests do): the secret goes.
	write("1s", federated)
	time.Sleep(1100 * time.Millisecond)
	// No apply ran past the overlap: the secret is drift again.
	d := w.run("drift", "-f", file, "--format", "json")
	if d.Code != 2 || !strings.Contains(d.Stdout, `"class": "not_in_spec"`) || !strings.Contains(d.Stdout, secret) ||
		!strings.Contains(d.Stdout, "moved this application to a federated credential") {
		t.Errorf("drift past the overlap exited %d (want 2, not_in_spec):\n%s%s", d.Code, d.Stdout, d.Stderr)
	}
	p = w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
	if !strings.Contains(p.Stdout, "remove client secret") || !strings.Contains(p.Stdout, secret) {
		t.Errorf("the plan past the overlap does not remove client secret %s:\n%s", secret, p.Stdout)
	}
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	app = w.loaderApp()
	if len(app.PasswordCredentials) != 0 || len(app.FederatedCredentials) != 1 {
		t.Errorf("after the overlap: %d secrets, %d federated credentials; want only the federated one", len(app.PasswordCredentials), len(app.FederatedCredentials))
	}
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	if d := w.run("drift", "-f", file); d.Code != 0 {
		t.Errorf("drift after the move exited %d:\n%s", d.Code, d.Stdout)
	}
}
