package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/tenant"
)

// TestPinnedRoleIDsConverge: FHIR-Proxy's roles keep the ids the world's
// scripts and clients use, the loader is granted Writer by that id, and a
// second plan is empty.
func TestPinnedRoleIDsConverge(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir-proxy")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
	g, _ := w.clients()
	ctx := context.Background()
	apps, err := g.ListApplications(ctx, "fhir-proxy")
	if err != nil {
		t.Fatal(err)
	}
	var proxy *tenant.Application
	for _, a := range apps {
		if a.DisplayName == "Contoso FHIR Proxy" {
			proxy = a
		}
	}
	if proxy == nil {
		t.Fatal("no proxy application")
	}
	ids := map[string]string{}
	for _, r := range proxy.AppRoles {
		ids[r.Value] = r.ID
	}
	if ids["Writer"] != "2d1c681b-71e0-4f12-9040-d0f42884be86" || ids["Reader"] != "24c50db1-1e11-4273-b6a0-b697f734bcb4" {
		t.Errorf("role ids %v, want the pinned ones", ids)
	}
	sps, err := g.ServicePrincipalsByAppID(ctx, []string{proxy.AppID})
	if err != nil || len(sps) != 1 {
		t.Fatalf("proxy service principal: %v %v", sps, err)
	}
	assigned, err := g.AppRoleAssignedTo(ctx, sps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range assigned {
		found = found || a.AppRoleID == "2d1c681b-71e0-4f12-9040-d0f42884be86"
	}
	if !found {
		t.Errorf("no assignment of the pinned Writer id among %+v", assigned)
	}
}

// TestNewRoleRidesOutReplication: a role added to an existing API and
// granted to a client in the same apply reaches the API's service
// principal only after the replication lag; the assignment waits for it
// instead of failing.
func TestNewRoleRidesOutReplication(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	path := filepath.Join(w.dir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec := string(data)
	// A new role on the API, and the exporter (a service client) granted it.
	spec = strings.Replace(spec, "    appRoles:\n", "    appRoles:\n      globalAuditor: { displayName: Auditor, description: Read the audit log., memberTypes: [Application] }\n", 1)
	spec = strings.Replace(spec, "fhir-api: { roles: [globalReader, globalExporter] }", "fhir-api: { roles: [globalReader, globalExporter, globalAuditor] }", 1)
	if !strings.Contains(spec, "globalAuditor] }") {
		t.Fatal("the spec edit did not apply")
	}
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	// The lag hides objects younger than itself: let the first apply's
	// objects age past it, so only the new role is in flight.
	time.Sleep(2100 * time.Millisecond)
	w.em.SetFaults(emulator.Faults{ReplicationLag: 2 * time.Second})
	began := time.Now()
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	t.Logf("apply with a new role under a 2 s lag took %s", time.Since(began).Round(time.Millisecond))
	w.em.SetFaults(emulator.Faults{})
	w.mustRun(0, "plan", "-f", file, "--detailed-exitcode")
}

// TestCrossSetAdoptionRefused: a spec of another set that adopts, by
// appId, an application the FHIR set manages is refused at plan time, with
// no write.
func TestCrossSetAdoptionRefused(t *testing.T) {
	w, _ := appliedFHIR(t)
	g, _ := w.clients()
	portal := app(t, g, "portal")
	spec := `version: 1
tenant: contoso.onmicrosoft.com
set: other
applications:
  taken:
    kind: confidential
    appId: ` + portal.AppID + `
    redirectUris: [https://portal.contoso.com/signin-oidc]
`
	if err := os.WriteFile(filepath.Join(w.dir, "other.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	w.em.ResetStats()
	r := w.mustRun(1, "apply", "-f", "other.yaml", "--auto-approve")
	if !strings.Contains(r.Stderr, `which set "fhir-prod" manages`) || !strings.Contains(r.Stderr, "other.yaml:5:3:") {
		t.Errorf("refusal does not name the set and the line:\n%s", r.Stderr)
	}
	if n := writes(w.em.Stats()); n != 0 {
		t.Errorf("a refused adoption sent %d writes", n)
	}
}
