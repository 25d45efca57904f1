package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
)

// Role assignments the HDS example declares at each service: four holders
// of FHIR roles plus the loader's two, three holders of DICOM roles plus
// the loader's one.
const (
	hdsFHIRAssignments  = 6
	hdsDICOMAssignments = 4
	dicomReaderRole     = "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a"
	putAssignmentRoute  = "PUT /{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
)

func (w *world) assertHDSAssignments() {
	w.t.Helper()
	if n := w.em.RoleAssignmentCount(emulator.SeedFHIRService); n != hdsFHIRAssignments {
		w.t.Errorf("%d role assignments at the FHIR service, want %d", n, hdsFHIRAssignments)
	}
	if n := w.em.RoleAssignmentCount(emulator.SeedDICOMService); n != hdsDICOMAssignments {
		w.t.Errorf("%d role assignments at the DICOM service, want %d", n, hdsDICOMAssignments)
	}
}

// The Health Data Services example converges in one apply with the real
// armauthorization client: a second plan is empty, drift is clean, and the
// plan's Azure reads are one list of definitions and one of assignments per
// declared scope.
func TestHDSConvergesInOneApply(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("hds")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertHDSAssignments()
	r := w.mustRun(0, "plan", "-f", file, "--detailed-exitcode", "--verbose")
	if !strings.Contains(r.Stdout, "No changes.") {
		t.Errorf("second plan:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, " and 4 Azure Resource Manager requests") {
		t.Errorf("plan of 2 Azure resources: want 4 ARM requests, stderr:\n%s", r.Stderr)
	}
	t.Logf("%s", strings.TrimSpace(r.Stderr))
	w.mustRun(0, "drift", "-f", file)
}

// A role assignment made by hand at a declared scope and a declared one
// removed by hand are drift (exit 2); apply restores the removed one, and
// prune leaves the hand-made one alone because regsync did not make it.
func TestHDSRoleDrift(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("hds")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")

	handMade := w.em.AddRoleAssignment(emulator.SeedDICOMService, dicomReaderRole, emulator.SeedCarolUserID, "User")
	if n := w.em.RemoveRoleAssignments(emulator.SeedDICOMService, emulator.SeedAliceUserID); n != 1 {
		t.Fatalf("removed %d of alice's assignments, want 1", n)
	}
	r := w.mustRun(2, "drift", "-f", file, "--format", "json")
	var rep struct {
		Items []struct {
			Class   string `json:"class"`
			Address string `json:"address"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("drift JSON: %v\n%s", err, r.Stdout)
	}
	got := map[string]string{}
	for _, it := range rep.Items {
		got[it.Class] = it.Address
	}
	if a := got["role_assignment_added"]; !strings.Contains(a, handMade) {
		t.Errorf("hand-made assignment %s not reported: %v", handMade, got)
	}
	if a := got["role_assignment_removed"]; a != `azureResources.dicom.roles["DICOM Data Reader"].users["alice@contoso.com"]` {
		t.Errorf("removed assignment reported as %q: %v", a, got)
	}
	if len(rep.Items) != 2 {
		t.Errorf("drift items %v, want just the two", rep.Items)
	}

	w.mustRun(0, "apply", "-f", file, "--auto-approve", "--prune")
	if n := w.em.RoleAssignmentCount(emulator.SeedDICOMService); n != hdsDICOMAssignments+1 {
		t.Errorf("%d assignments at the DICOM service after apply --prune, want %d (the hand-made one kept)", n, hdsDICOMAssignments+1)
	}
	r = w.mustRun(2, "drift", "-f", file)
	if !strings.Contains(r.Stdout, "made outside regsync") || strings.Contains(r.Stdout, "alice@contoso.com") {
		t.Errorf("drift after apply:\n%s", r.Stdout)
	}
}

// Half the role-assignment creates lose their answer (504 after the
// write): apply sends each again under the same derived name, ARM answers
// RoleAssignmentExists, which counts as done, and no assignment is made
// twice.
func TestHDSLostAnswersMakeNoDuplicate(t *testing.T) {
	w := newWorld(t, emulator.Faults{Seed: 3, LostAnswerRate: 0.5, LostAnswerRoutes: []string{putAssignmentRoute}})
	file := w.example("hds")
	r := w.run("apply", "-f", file, "--auto-approve")
	if r.Code != 0 {
		t.Logf("first apply exited %d; a re-run must finish:\n%s\n%s", r.Code, r.Stdout, r.Stderr)
		w.em.SetFaults(emulator.Faults{})
		w.mustRun(0, "apply", "-f", file, "--auto-approve")
	}
	if st := w.em.Stats(); st.LostAnswers == 0 {
		t.Fatal("no answer was lost: the test proves nothing")
	}
	if !strings.Contains(r.Stdout, "the assignment existed already") {
		t.Errorf("no create was found done after a lost answer:\n%s", r.Stdout)
	}
	w.assertHDSAssignments()
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
}

// An apply killed while it assigns roles, re-run, makes no duplicate.
func TestHDSKilledApplyReRun(t *testing.T) {
	w := newWorld(t, emulator.Faults{Latency: 100 * time.Millisecond})
	file := w.example("hds")
	cmd, out := w.start("apply", "-f", file, "--auto-approve", "--parallelism", "2")
	w.waitFor(out, `azureResources.`)
	time.Sleep(150 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	w.outputs = append(w.outputs, out.String())
	if strings.Contains(out.String(), "Apply complete!") {
		t.Skip("apply finished before it could be killed")
	}
	time.Sleep(300 * time.Millisecond)
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.assertHDSAssignments()
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
}

// Bad input and faults: an ARM outage fails the plan with a clear message
// and no Graph write; a scope the identity may not read names the scope and
// the permission; a scope that does not exist says so; a misspelt role is an
// error at its line with a did-you-mean.
func TestHDSAzureFaults(t *testing.T) {
	w := newWorld(t, emulator.Faults{ARMOutage: true})
	file := w.example("hds")
	r := w.mustRun(1, "apply", "-f", file, "--auto-approve")
	if !strings.Contains(r.Stderr, "Azure Resource Manager") || !strings.Contains(r.Stderr, "fhirservices/fhir") && !strings.Contains(r.Stderr, "dicomservices/dicom") {
		t.Errorf("outage message:\n%s", r.Stderr)
	}
	for route := range w.em.Stats().Routes {
		if !strings.HasPrefix(route, "GET ") {
			t.Errorf("the failed apply sent %s", route)
		}
	}

	w.em.SetFaults(emulator.Faults{ARMDeniedScopes: []string{emulator.SeedFHIRService}})
	r = w.mustRun(1, "plan", "-f", file)
	if !strings.Contains(r.Stderr, emulator.SeedFHIRService) || !strings.Contains(r.Stderr, "Microsoft.Authorization/role") {
		t.Errorf("denied scope message:\n%s", r.Stderr)
	}

	w.em.SetFaults(emulator.Faults{})
	data, _ := os.ReadFile(filepath.Join(w.dir, file))
	gone := strings.Replace(string(data), "dicomservices/dicom\n", "dicomservices/dicom2\n", 1)
	os.WriteFile(filepath.Join(w.dir, "gone.yaml"), []byte(gone), 0o644)
	r = w.mustRun(1, "plan", "-f", "gone.yaml")
	if !strings.Contains(r.Stderr, "dicomservices/dicom2") || !strings.Contains(r.Stderr, "does not exist") {
		t.Errorf("unknown scope message:\n%s", r.Stderr)
	}

	typo := strings.Replace(string(data), "dicom: [DICOM Data Owner]", "dicom: [DICOM Data Ownr]", 1)
	os.WriteFile(filepath.Join(w.dir, "typo.yaml"), []byte(typo), 0o644)
	r = w.mustRun(1, "plan", "-f", "typo.yaml")
	if !regexp.MustCompile(`typo\.yaml:\d+:\d+: role "DICOM Data Ownr" does not exist at `).MatchString(r.Stderr) || !strings.Contains(r.Stderr, `Did you mean "DICOM Data Owner"?`) {
		t.Errorf("typo message:\n%s", r.Stderr)
	}
}

// A saved plan with role assignments applies as reviewed: the fresh plan
// apply computes (Azure reads included) equals it; after a hand-made change
// at a declared scope the saved plan is refused as stale.
func TestHDSSavedPlan(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("hds")
	w.mustRun(0, "plan", "-f", file, "-out", "hds.plan")
	w.mustRun(0, "apply", "hds.plan", "--auto-approve")
	w.assertHDSAssignments()

	w.em.RemoveRoleAssignments(emulator.SeedDICOMService, emulator.SeedAliceUserID)
	w.mustRun(0, "plan", "-f", file, "-out", "again.plan")
	w.em.AddRoleAssignment(emulator.SeedDICOMService, dicomReaderRole, emulator.SeedCarolUserID, "User")
	r := w.mustRun(1, "apply", "again.plan", "--auto-approve")
	if !strings.Contains(r.Stderr, "role assignment") || !strings.Contains(r.Stderr, "appeared") {
		t.Errorf("stale saved plan: want the changed role assignment named, stderr:\n%s", r.Stderr)
	}
}
