package main

import (
	"context"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regsync/regsync/drift"
)

func TestDriftFlags(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown format", []string{"drift", "--format", "yaml"}, exitError, `regsync drift: unknown --format "yaml" (want text, markdown, json or junit)` + "\n"},
		{"bad window", []string{"drift", "--expiry-window", "soon"}, exitError,
			`regsync drift: --expiry-window: duration "soon": want whole numbers with units d, h, m, s, e.g. 90d or 1h30m` + "\n"},
		{"argument", []string{"drift", "spec.yaml"}, exitError, `regsync drift: unexpected argument "spec.yaml" (the spec is given with -f)` + "\n"},
		{"missing spec", []string{"drift", "-f", filepath.Join(t.TempDir(), "none.yaml")}, exitError, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := validateEnv()
			if code := runWith(context.Background(), e, tc.args); code != tc.code {
				t.Errorf("exit %d, want %d; stderr %s", code, tc.code, errb)
			}
			if tc.stderr != "" && !strings.HasPrefix(errb.String(), tc.stderr) {
				t.Errorf("stderr %q, want %q", errb.String(), tc.stderr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
}

func TestDriftHelp(t *testing.T) {
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"drift", "--help"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Usage:\n  regsync drift", "--expiry-window", "--fail-on-expiry", "--format junit > drift.xml",
		"Expiry: a client secret that ends within --expiry-window is a warning", "Exit codes:", "2  plan has changes (with --detailed-exitcode) or drift was found"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

// Against a fresh embedded emulator every object of the example is
// missing: exit 2, and the JSON and JUnit reports are pure on stdout.
func TestDriftLocalEmptyTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded emulator")
	}
	dir := t.TempDir()
	for _, format := range []string{"json", "junit", "text"} {
		e, out, errb := validateEnv()
		code := runWith(context.Background(), e, []string{"drift", "--local=" + dir, "-f", fhirExample, "--format", format})
		if code != exitChanges {
			t.Fatalf("%s: exit %d, want %d; stderr:\n%s", format, code, exitChanges, errb)
		}
		switch format {
		case "json":
			r, err := drift.UnmarshalJSON(out.Bytes())
			if err != nil {
				t.Fatalf("stdout is not a JSON report: %v\n%s", err, out)
			}
			if len(r.ItemsOf(drift.ClassMissing)) == 0 || len(r.Items) != len(r.ItemsOf(drift.ClassMissing)) {
				t.Errorf("items %v, want only missing objects", r.Items)
			}
		case "junit":
			var doc struct {
				XMLName xml.Name `xml:"testsuites"`
			}
			if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Errorf("stdout is not JUnit XML: %v\n%s", err, out)
			}
		case "text":
			if !strings.Contains(out.String(), "Missing objects (") {
				t.Errorf("text report:\n%s", out)
			}
		}
	}
}
