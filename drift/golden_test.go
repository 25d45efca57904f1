package drift_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/tenant"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// reportingApp is a service client the spec declares and the tenant lacks.
const reportingApp = `  reporting:
    kind: service
    displayName: Contoso FHIR Reporting
    access:
      fhir-api: { roles: [globalReader] }
    adminConsent: true
    secret: { name: reporting-secret, lifetime: 90d }
`

// goldenCases are the scenarios rendered to testdata/<case>/report.*:
// a clean tenant, one with only an expiring secret, one in the overlap of
// a migration from a client secret, and one with every
// class of drift at once (and a display name full of characters that
// markdown and XML must escape).
func goldenCases() map[string]driftCase {
	byName := map[string]driftCase{}
	for _, c := range driftCases() {
		byName[c.name] = c
	}
	chain := func(names ...string) func(*tenant.Snapshot) {
		return func(s *tenant.Snapshot) {
			for _, n := range names {
				c, ok := byName[n]
				if !ok {
					panic("no drift case " + n)
				}
				c.edit(s)
			}
		}
	}
	return map[string]driftCase{
		"clean":    byName["no drift"],
		"expiring": byName["secret expiring within the window: a warning"],
		// A client moving to its federated credential keeps its secret
		// for the overlap: a notice, no drift.
		"migrating": {now: fedAdded.Add(3 * day), edit: movingToFederated(true)},
		"all-classes": {
			specEdit: func(s string) string { return s + reportingApp + azureYAML },
			now:      created.Add(75 * day),
			edit: func(s *tenant.Snapshot) {
				chain("fields changed by hand", "credentials added by hand", "application of the set not in the spec",
					"vault secret of a deleted application of the set", "consent added by hand",
					"azure role assignments changed by hand")(s)
				p := app(s, "portal")
				p.DisplayName = "Portal \"edited\" <b>&amp; | `x` \x01"
				// The managed credential was replaced by hand, and the new
				// one never reached the vault.
				var keep []tenant.PasswordCredential
				for _, c := range p.PasswordCredentials {
					if c.DisplayName != "regsync:fhir-prod:portal" {
						keep = append(keep, c)
					}
				}
				p.PasswordCredentials = append(keep, tenant.PasswordCredential{KeyID: "2b2b2b2b-0000-4000-8000-000000000001",
					DisplayName: "regsync:fhir-prod:portal", Start: created.Add(60 * day), End: created.Add(240 * day)})
				var grants []tenant.PermissionGrant
				for _, g := range s.PermissionGrants {
					if !(g.ClientID == sp(s, "portal").ID && g.ResourceID == apiSP) {
						grants = append(grants, g)
					}
				}
				s.PermissionGrants = grants
			},
		},
	}
}

// TestGolden renders every golden case in the four formats and compares
// them with testdata/<case>/report.{txt,md,json,xml}. Regenerate with
// -update and review the diff: the wording is an interface.
func TestGolden(t *testing.T) {
	cases := goldenCases()
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		tc := cases[name]
		t.Run(name, func(t *testing.T) {
			r := tc.report(t)
			for file, got := range renderAll(t, r) {
				path := filepath.Join("testdata", name, file)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./drift/... -update)", err)
				}
				if d := cmp.Diff(string(want), string(got)); d != "" {
					t.Errorf("%s (-want +got):\n%s", path, d)
				}
			}
		})
	}
	// The all-classes case has every class.
	r := cases["all-classes"].report(t)
	for _, cc := range r.Summary.Classes {
		if cc.Count == 0 {
			t.Errorf("all-classes has no item of class %s", cc.Class)
		}
	}
}

func renderAll(t testing.TB, r *drift.Report) map[string][]byte {
	t.Helper()
	var txt, md, js, x bytes.Buffer
	if err := drift.Text(&txt, r); err != nil {
		t.Fatal(err)
	}
	if err := drift.Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := drift.JSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if err := drift.JUnit(&x, r); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"report.txt": txt.Bytes(), "report.md": md.Bytes(), "report.json": js.Bytes(), "report.xml": x.Bytes()}
}

// The JSON view reads back into the same report.
func TestJSONRoundTrip(t *testing.T) {
	for name, tc := range goldenCases() {
		r := tc.report(t)
		data, err := drift.MarshalJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := drift.UnmarshalJSON(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(r, back); d != "" {
			t.Errorf("%s: report after a JSON round trip (-want +got):\n%s", name, d)
		}
	}
	if _, err := drift.UnmarshalJSON([]byte(`{"format_version":"9"}`)); err == nil {
		t.Error("another format_version was accepted")
	}
}
