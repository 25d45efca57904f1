package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regsync/regsync/emulator"
)

var summaryLine = regexp.MustCompile(`(?m)^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.$`)

func TestPlanExamplesOnAnEmptyTenant(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	for _, name := range []string{"fhir", "dicom"} {
		t.Run(name, func(t *testing.T) {
			file := w.example(name)

			text := w.mustRun(2, "plan", "-f", file, "--detailed-exitcode")
			m := summaryLine.FindStringSubmatch(text.Stdout)
			if m == nil || m[1] == "0" || m[2] != "0" || m[3] != "0" {
				t.Fatalf("text plan: want only additions, got summary %q\n%s", m, text.Stdout)
			}

			md := w.mustRun(2, "plan", "-f", file, "--format", "markdown", "--detailed-exitcode")
			if !strings.HasPrefix(md.Stdout, "#") || !strings.Contains(md.Stdout, "| ") || !strings.Contains(md.Stdout, m[0]) {
				t.Errorf("markdown plan lacks a heading, a table or the summary %q:\n%s", m[0], md.Stdout)
			}

			js := w.mustRun(0, "plan", "-f", file, "--format", "json")
			var doc struct {
				FormatVersion string            `json:"format_version"`
				Actions       []json.RawMessage `json:"actions"`
			}
			if err := json.Unmarshal([]byte(js.Stdout), &doc); err != nil {
				t.Fatalf("json plan is not pure JSON: %v\n%s", err, js.Stdout)
			}
			if doc.FormatVersion == "" || len(doc.Actions) == 0 {
				t.Errorf("json plan: format_version %q, %d actions", doc.FormatVersion, len(doc.Actions))
			}

			out := name + ".plan"
			w.mustRun(2, "plan", "-f", file, "-out", out, "--detailed-exitcode")
			saved, err := os.ReadFile(filepath.Join(w.dir, out))
			if err != nil {
				t.Fatalf("-out wrote no plan: %v", err)
			}
			if !json.Valid(saved) {
				t.Errorf("saved plan is not JSON")
			}
		})
	}
}

func TestPlanReportsRequestCount(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	w.em.ResetStats()
	r := w.mustRun(0, "plan", "-f", file, "--verbose")
	served := w.em.Stats().Total
	m := regexp.MustCompile(`read the tenant in (\d+) Graph and (\d+) Key Vault requests`).FindStringSubmatch(r.Stderr)
	if m == nil {
		t.Fatalf("--verbose printed no request count:\n%s", r.Stderr)
	}
	var graphN, vaultN int
	json.Unmarshal([]byte(m[1]), &graphN)
	json.Unmarshal([]byte(m[2]), &vaultN)
	// The Key Vault client's first request is the unauthenticated challenge,
	// which the client counts too; every request the binary sent was served.
	if graphN+vaultN != served {
		t.Errorf("binary counted %d+%d requests, emulator served %d", graphN, vaultN, served)
	}
	if graphN > 12 {
		t.Errorf("reading an empty set took %d Graph requests; the paging floor is a handful", graphN)
	}
}

func TestPlanRefusesAnotherTenant(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	file := w.example("fhir")
	data, _ := os.ReadFile(filepath.Join(w.dir, file))
	other := strings.Replace(string(data), "tenant: contoso.onmicrosoft.com", "tenant: fabrikam.onmicrosoft.com", 1)
	if other == string(data) {
		t.Fatal("example has no 'tenant: contoso.onmicrosoft.com' line to change")
	}
	os.WriteFile(filepath.Join(w.dir, "other.yaml"), []byte(other), 0o644)
	r := w.mustRun(1, "plan", "-f", "other.yaml")
	if !strings.Contains(r.Stderr, "fabrikam.onmicrosoft.com") {
		t.Errorf("tenant mismatch error does not name the spec's tenant:\n%s", r.Stderr)
	}
}

func TestPlanBadSpecPointsAtTheLine(t *testing.T) {
	w := newWorld(t, emulator.Faults{})
	os.WriteFile(filepath.Join(w.dir, "bad.yaml"), []byte("version: 1\ntenant: contoso.onmicrosoft.com\nset: x\napplications:\n  a:\n    kind: nonsense\n"), 0o644)
	r := w.mustRun(1, "plan", "-f", "bad.yaml")
	if !regexp.MustCompile(`bad\.yaml:6:\d+: `).MatchString(r.Stderr) {
		t.Errorf("want a bad.yaml:6:COL diagnostic, got:\n%s", r.Stderr)
	}
}
