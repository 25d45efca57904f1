package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/emulator"
	"github.com/regsync/regsync/graph"
	"github.com/regsync/regsync/tenant"
)

// appliedFHIR is a world where the FHIR example has been applied.
func appliedFHIR(t *testing.T) (*world, string) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	w.mustRun(0, "apply", "-f", file, "--auto-approve")
	return w, file
}

// app returns the live application of the set with the given key.
func app(t *testing.T, g *graph.Client, key string) *tenant.Application {
	t.Helper()
	apps, err := g.ListApplications(context.Background(), "fhir-prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		for _, tag := range a.Tags {
			if tag == tenant.KeyTag(key) {
				return a
			}
		}
	}
	t.Fatalf("no application with key %s", key)
	return nil
}

func servicePrincipal(t *testing.T, g *graph.Client, appID string) *tenant.ServicePrincipal {
	t.Helper()
	sps, err := g.ServicePrincipalsByAppID(context.Background(), []string{appID})
	if err != nil || len(sps) != 1 {
		t.Fatalf("service principal of %s: %v (%d found)", appID, err, len(sps))
	}
	return sps[0]
}

// driftReport runs drift in every format, checks that every format agrees
// on the exit code, and returns the classes of the JSON report.
func driftReport(t *testing.T, w *world, file string, wantCode int, extra ...string) map[string]int {
	t.Helper()
	classes := map[string]int{}
	for _, format := range []string{"text", "markdown", "json", "junit"} {
		args := append([]string{"drift", "-f", file, "--format", format}, extra...)
		r := w.mustRun(wantCode, args...)
		switch format {
		case "json":
			var doc struct {
				FormatVersion string `json:"format_version"`
				Items         []struct {
					Class string `json:"class"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
				t.Fatalf("drift json is not pure JSON: %v\n%s", err, r.Stdout)
			}
			for _, it := range doc.Items {
				classes[it.Class]++
			}
		case "junit":
			var suites struct {
				XMLName  xml.Name
				Tests    int `xml:"tests,attr"`
				Failures int `xml:"failures,attr"`
			}
			if err := xml.Unmarshal([]byte(r.Stdout), &suites); err != nil {
				t.Fatalf("drift junit is not XML: %v\n%s", err, r.Stdout)
			}
			if suites.Tests == 0 {
				t.Errorf("junit report has no test cases:\n%s", r.Stdout)
			}
			if (suites.Failures > 0) != (wantCode == 2) {
				t.Errorf("junit report has %d failures, exit code %d", suites.Failures, wantCode)
			}
		case "markdown":
			if !strings.HasPrefix(r.Stdout, "#") {
				t.Errorf("markdown report has no heading:\n%s", r.Stdout)
			}
		}
	}
	return classes
}

func TestDriftCleanAfterApply(t *testing.T) {
	w, file := appliedFHIR(t)
	if classes := driftReport(t, w, file, 0); len(classes) != 0 {
		t.Errorf("drift right after apply: %v", classes)
	}
}

func TestDriftClasses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, w *world, g *graph.Client)
		want   string
	}{
		{"field changed by hand", func(t *testing.T, w *world, g *graph.Client) {
			name := "Renamed by hand"
			if _, err := g.Do(ctx, tenant.UpdateApplication(app(t, g, "portal").ID, tenant.AppProps{DisplayName: &name})); err != nil {
				t.Fatal(err)
			}
		}, "field_changed"},
		{"object missing", func(t *testing.T, w *world, g *graph.Client) {
			if _, err := g.Do(ctx, tenant.DeleteApplication(app(t, g, "patient-spa").ID)); err != nil {
				t.Fatal(err)
			}
		}, "missing"},
		{"tagged in the set but not in the spec", func(t *testing.T, w *world, g *graph.Client) {
			name, tags := "Stray", []string{tenant.SetTag("fhir-prod"), tenant.KeyTag("stray")}
			if _, err := g.Do(ctx, tenant.CreateApplication(tenant.AppProps{DisplayName: &name, Tags: &tags})); err != nil {
				t.Fatal(err)
			}
		}, "not_in_spec"},
		{"credential added by hand", func(t *testing.T, w *world, g *graph.Client) {
			if _, err := g.Do(ctx, tenant.AddPassword(app(t, g, "portal").ID, tenant.PasswordRequest{DisplayName: "added in the portal", End: time.Now().Add(90 * 24 * time.Hour)})); err != nil {
				t.Fatal(err)
			}
		}, "credential_added_by_hand"},
		{"credential without a vault copy", func(t *testing.T, w *world, g *graph.Client) {
			if _, err := g.Do(ctx, tenant.AddPassword(app(t, g, "portal").ID, tenant.PasswordRequest{DisplayName: "regsync:fhir-prod:portal", End: time.Now().Add(180 * 24 * time.Hour)})); err != nil {
				t.Fatal(err)
			}
		}, "credential_without_vault_copy"},
		{"vault secret whose credential is gone", func(t *testing.T, w *world, g *graph.Client) {
			a := app(t, g, "exporter")
			for _, c := range a.PasswordCredentials {
				if _, err := g.Do(ctx, tenant.RemovePassword(a.ID, c.KeyID)); err != nil {
					t.Fatal(err)
				}
			}
		}, "vault_secret_without_credential"},
		{"consent removed by hand", func(t *testing.T, w *world, g *graph.Client) {
			api := servicePrincipal(t, g, app(t, g, "fhir-api").AppID)
			portal := servicePrincipal(t, g, app(t, g, "portal").AppID)
			_, all, err := g.ConsentsOf(ctx, []string{portal.ID})
			var grants []tenant.PermissionGrant
			for _, gr := range all {
				if gr.ResourceID == api.ID {
					grants = append(grants, gr)
				}
			}
			if err != nil || len(grants) == 0 {
				t.Fatalf("grants on the FHIR API: %v (%d)", err, len(grants))
			}
			if _, err := g.Do(ctx, tenant.DeletePermissionGrant(grants[0].ID)); err != nil {
				t.Fatal(err)
			}
		}, "consent_removed"},
		{"consent added by hand", func(t *testing.T, w *world, g *graph.Client) {
			api := servicePrincipal(t, g, app(t, g, "fhir-api").AppID)
			spa := servicePrincipal(t, g, app(t, g, "patient-spa").AppID)
			var role string
			for _, r := range api.AppRoles {
				if r.Value == "globalReader" {
					role = r.ID
				}
			}
			if _, err := g.Do(ctx, tenant.CreateAppRoleAssignment(tenant.AppRoleAssignment{PrincipalID: spa.ID, ResourceID: api.ID, AppRoleID: role})); err != nil {
				t.Fatal(err)
			}
		}, "consent_added"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, file := appliedFHIR(t)
			g, _ := w.clients()
			tc.tamper(t, w, g)
			classes := driftReport(t, w, file, 2)
			if classes[tc.want] == 0 {
				t.Errorf("drift did not report %s; classes: %v", tc.want, classes)
			}
		})
	}
}

func TestDriftExpiringSecrets(t *testing.T) {
	w, file := appliedFHIR(t)
	// The example's secrets last 180 and 90 days: a 400-day window sees them.
	classes := driftReport(t, w, file, 0, "--expiry-window", "400d")
	if classes["secret_expiring"] == 0 {
		t.Errorf("no expiring secret reported in a 400-day window: %v", classes)
	}
	r := w.mustRun(0, "drift", "-f", file, "--expiry-window", "400d")
	if !strings.Contains(r.Stderr+r.Stdout, "expir") {
		t.Errorf("expiry warning not shown:\n%s\n%s", r.Stdout, r.Stderr)
	}
	classes = driftReport(t, w, file, 2, "--expiry-window", "400d", "--fail-on-expiry")
	if classes["secret_expiring"] == 0 {
		t.Errorf("--fail-on-expiry: no expiring secret reported: %v", classes)
	}
	if classes = driftReport(t, w, file, 0, "--expiry-window", "1d"); classes["secret_expiring"] != 0 {
		t.Errorf("a 1-day window reports expiring secrets: %v", classes)
	}
}
