package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
)

// newWorldWithRoles is newWorld whose emulator hands out a token carrying
// exactly roles.
func newWorldWithRoles(t *testing.T, roles []string) *world {
	t.Helper()
	em, err := emulator.Start(context.Background(), emulator.Options{StateDir: t.TempDir(), TokenRoles: roles})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	w := &world{t: t, em: em, dir: t.TempDir()}
	t.Cleanup(func() {
		w.assertNoSecretLeaks()
		em.Close()
	})
	return w
}

// doctor with the emulator's full token passes every check, the owner
// checks of the applications an apply made included; with a token that
// lacks AppRoleAssignment.ReadWrite.All it fails that one check, names
// the permission to grant, and exits 1. The token never appears.
func TestDoctorChecksTheTokensPermissions(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	fhir := w.example("fhir")
	w.mustRun(0, "apply", "-f", fhir, "--auto-approve")
	ok := w.mustRun(0, "doctor", "-f", fhir)
	if strings.Contains(ok.Stdout, "✗") || !strings.Contains(ok.Stdout, "checks passed") {
		t.Errorf("full token:\n%s", ok.Stdout)
	}
	if n := strings.Count(ok.Stdout, "✓ owner of "); n < 2 {
		t.Errorf("%d owner checks, want one per application the apply made:\n%s", n, ok.Stdout)
	}
	if strings.Contains(ok.Stdout+ok.Stderr, w.em.Token()) {
		t.Error("doctor printed the token")
	}

	var missing []string
	for _, r := range emulator.DefaultTokenRoles {
		if r != "AppRoleAssignment.ReadWrite.All" {
			missing = append(missing, r)
		}
	}
	w2 := newWorldWithRoles(t, missing)
	fhir2 := w2.example("fhir")
	bad := w2.mustRun(1, "doctor", "-f", fhir2)
	t.Logf("doctor with a token lacking AppRoleAssignment.ReadWrite.All:\n%s", bad.Stdout)
	if got := strings.Count(bad.Stdout, "✗"); got != 1 {
		t.Errorf("%d failed checks, want 1:\n%s", got, bad.Stdout)
	}
	for _, want := range []string{
		"✗ Microsoft Graph AppRoleAssignment.ReadWrite.All",
		"grant: Microsoft Graph application permission AppRoleAssignment.ReadWrite.All, with admin consent",
		"1 of ",
	} {
		if !strings.Contains(bad.Stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, bad.Stdout)
		}
	}
	js := w2.mustRun(1, "doctor", "-f", fhir2, "--format", "json")
	var doc struct {
		OK   bool `json:"ok"`
		Sets []struct {
			Checks []struct {
				Name  string `json:"name"`
				OK    bool   `json:"ok"`
				Grant string `json:"grant"`
			} `json:"checks"`
		} `json:"sets"`
	}
	if err := json.Unmarshal([]byte(js.Stdout), &doc); err != nil {
		t.Fatalf("doctor --format json: %v\n%s", err, js.Stdout)
	}
	failed := 0
	for _, c := range doc.Sets[0].Checks {
		if !c.OK {
			failed++
			if !strings.Contains(c.Grant, "AppRoleAssignment.ReadWrite.All") {
				t.Errorf("failed check %q grants %q", c.Name, c.Grant)
			}
		}
	}
	if doc.OK || failed != 1 {
		t.Errorf("json ok=%v with %d failed checks, want false and 1", doc.OK, failed)
	}
}
