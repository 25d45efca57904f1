package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
)

// TestPlanNamesOwners: plan, show and drift name owners by display name and
// UPN, read with one getByIds request (not one per owner), in text,
// markdown and JSON; an owner id the directory does not know says so.
func TestPlanNamesOwners(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	const admin = `add owner "Platform Admin" (user admin@contoso.onmicrosoft.com)`

	w.em.ResetStats()
	text := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode", "-out", "fhir.plan")
	if n := strings.Count(text.Stdout, admin); n != 4 {
		t.Errorf("text plan names the owner %d times, want 4 (one per application):\n%s", n, text.Stdout)
	}
	getByIds := 0
	for route, n := range w.em.Stats().Routes {
		if strings.Contains(route, "getByIds") {
			getByIds += n
		}
	}
	if getByIds != 1 {
		t.Errorf("%d getByIds requests for the plan, want 1; routes %v", getByIds, w.em.Stats().Routes)
	}

	md := w.mustRun(2, "plan", "-f", file, "--format", "markdown", "--detailed-exitcode")
	if !strings.Contains(md.Stdout, "Platform Admin") || !strings.Contains(md.Stdout, "admin@contoso.onmicrosoft.com") {
		t.Errorf("markdown plan does not name the owner:\n%s", md.Stdout)
	}
	js := w.mustRun(0, "plan", "-f", file, "--format", "json")
	var doc struct {
		Actions []struct {
			Type  string `json:"type"`
			Owner *struct {
				OwnerID string `json:"owner_id"`
				Object  *struct {
					Found             bool   `json:"found"`
					Type              string `json:"type"`
					DisplayName       string `json:"display_name"`
					UserPrincipalName string `json:"user_principal_name"`
				} `json:"object"`
			} `json:"owner"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(js.Stdout), &doc); err != nil {
		t.Fatalf("json plan: %v", err)
	}
	owners := 0
	for _, a := range doc.Actions {
		if a.Type != "owner" {
			continue
		}
		owners++
		if o := a.Owner.Object; o == nil || !o.Found || o.Type != "user" || o.DisplayName != "Platform Admin" || o.UserPrincipalName != "admin@contoso.onmicrosoft.com" {
			t.Errorf("owner %s: object %+v", a.Owner.OwnerID, o)
		}
	}
	if owners != 4 {
		t.Errorf("%d owner actions in the JSON plan, want 4", owners)
	}
	if show := w.mustRun(0, "show", "fhir.plan"); !strings.Contains(show.Stdout, admin) {
		t.Errorf("show does not name the owner:\n%s", show.Stdout)
	}

	w.mustRun(0, "apply", "-f", file, "--auto-approve")

	// Alice becomes an owner in the spec, the admin is dropped, and an id
	// that names nothing is declared.
	const gone = "6e6e6e6e-0000-4000-8000-000000000001"
	spec, err := os.ReadFile(filepath.Join(w.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(spec), "owners: ["+emulator.SeedAdminUserID+"]", "owners: ["+emulator.SeedAliceUserID+", "+gone+"]", 1)
	if edited == string(spec) {
		t.Fatal("the example's owners line moved; update the test")
	}
	if err := os.WriteFile(filepath.Join(w.dir, "edited.yaml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := w.mustRun(2, "plan", "-f", "edited.yaml", "--detailed-exitcode")
	for _, want := range []string{
		`add owner "Alice Clinician" (user alice@contoso.com)`,
		"add owner " + gone + " (not found in the directory)",
		`remove owner "Platform Admin" (user admin@contoso.onmicrosoft.com)`,
		`the signed-in principal ` + emulator.CallerSPID + ` "`,
	} {
		if !strings.Contains(plan.Stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan.Stdout)
		}
	}
	drift := w.mustRun(2, "drift", "-f", "edited.yaml")
	if !strings.Contains(drift.Stdout, `not declared `+emulator.SeedAdminUserID+` "Platform Admin" (user admin@contoso.onmicrosoft.com)`) {
		t.Errorf("drift does not name the undeclared owner:\n%s", drift.Stdout)
	}
}
