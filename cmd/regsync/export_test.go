package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/spec"
)

func TestExportFlags(t *testing.T) {
	existing := writeSpec(t, "existing.yaml", "keep me\n")
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no tenant", []string{"export", "--set", "s"}, "regsync export: --tenant is required: the tenant id or a verified domain the spec is for\n"},
		{"no set", []string{"export", "--tenant", "contoso.com"}, "regsync export: --set is required: the set the exported applications belong to, or join\n"},
		{"bad set", []string{"export", "--tenant", "contoso.com", "--set", "Fhir Prod"},
			`regsync export: --set "Fhir Prod" is not a valid set name (lower-case letters, digits and hyphens, a letter first, at most 63)` + "\n"},
		{"bad app id", []string{"export", "--tenant", "contoso.com", "--set", "s", "--app-id", "portal"},
			`regsync export: --app-id "portal" is not a GUID (the application's client id)` + "\n"},
		{"argument", []string{"export", "--tenant", "contoso.com", "--set", "s", "out.yaml"}, `regsync export: unexpected argument "out.yaml"` + "\n"},
		{"existing file", []string{"export", "--tenant", "contoso.com", "--set", "s", "-o", existing},
			"regsync export: " + existing + " exists; use --force to overwrite it\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := validateEnv()
			if code := runWith(context.Background(), e, tc.args); code != exitError {
				t.Errorf("exit %d, want %d; stderr %s", code, exitError, errb)
			}
			if !strings.HasPrefix(errb.String(), tc.stderr) {
				t.Errorf("stderr %q, want %q", errb.String(), tc.stderr)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", out.String())
			}
		})
	}
	if data, _ := os.ReadFile(existing); string(data) != "keep me\n" {
		t.Errorf("the existing file was changed: %q", data)
	}
}

func TestExportHelp(t *testing.T) {
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"export", "--help"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Usage:\n  regsync export", "-app-id", "-vault", "-force", "Examples:", "--app-id 0f1e2d3c", "Exit codes:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

// TestExportLocal applies the FHIR example to the embedded emulator, then
// exports its set: to stdout, to a file, and refuses to overwrite it.
func TestExportLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded emulator")
	}
	dir := t.TempDir()
	ctx := context.Background()
	e, applyOut, errb := liveEnv()
	if code := runWith(ctx, e, []string{"apply", "--local=" + dir, "-f", fhirExample, "--auto-approve"}); code != exitOK {
		t.Fatalf("apply: exit %d\n%s\n%s", code, applyOut, errb)
	}
	args := []string{"export", "--local=" + dir, "--tenant", "contoso.onmicrosoft.com", "--set", "fhir-prod", "--vault", "contoso-fhir-kv"}

	e, out, errb := liveEnv()
	if code := runWith(ctx, e, args); code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, errb)
	}
	if _, ds := spec.Parse("stdout", out.Bytes()); ds.HasErrors() {
		t.Fatalf("the export does not parse:\n%s\n%s", ds.Format(), out)
	}
	if want := "Exported 4 application(s) of set fhir-prod to stdout.\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}

	file := filepath.Join(t.TempDir(), "exported.yaml")
	e, fileOut, errb := liveEnv()
	if code := runWith(ctx, e, append(args, "-o", file)); code != exitOK {
		t.Fatalf("export -o: exit %d\n%s", code, errb)
	}
	if fileOut.Len() != 0 {
		t.Errorf("export -o wrote to stdout: %s", fileOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != out.String() {
		t.Errorf("the file differs from stdout's export")
	}
	if e, _, errb = liveEnv(); runWith(ctx, e, append(args, "-o", file)) != exitError || !strings.Contains(errb.String(), "--force") {
		t.Errorf("a second export to the same file was not refused: %s", errb)
	}
	if e, _, errb = liveEnv(); runWith(ctx, e, append(args, "-o", file, "--force")) != exitOK {
		t.Errorf("export --force: %s", errb)
	}
	e, _, errb = liveEnv()
	if code := runWith(ctx, e, []string{"plan", "--local=" + dir, "-f", file, "--detailed-exitcode"}); code != exitOK {
		t.Errorf("plan of the exported spec: exit %d, want 0\n%s", code, errb)
	}

	e, out, errb = liveEnv()
	if code := runWith(ctx, e, []string{"export", "--local=" + dir, "--tenant", "contoso.onmicrosoft.com", "--set", "fhir-prod",
		"--app-id", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}); code != exitError {
		t.Errorf("export of a missing appId: exit %d, want 1", code)
	}
	if !strings.Contains(errb.String(), "no application with appId 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b") || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q", errb, out)
	}
}

// liveEnv is validateEnv on the real clock: apply dates new secrets from
// it, and the emulator refuses secrets that end before they start.
func liveEnv() (*env, *bytes.Buffer, *bytes.Buffer) {
	e, out, errb := validateEnv()
	e.Now = time.Now
	return e, out, errb
}
