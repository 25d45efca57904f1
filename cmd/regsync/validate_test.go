package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/schema"
)

// validateEnv is an env with buffered streams and an empty environment.
func validateEnv() (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	e := &env{
		streams: &streams{In: strings.NewReader(""), Out: &out, Err: &errb},
		Getenv:  func(string) string { return "" },
		Now:     func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	return e, &out, &errb
}

func writeSpec(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	fhirExample  = "../../examples/fhir/registrations.yaml"
	dicomExample = "../../examples/dicom/registrations.yaml"
)

func TestValidate(t *testing.T) {
	bad := writeSpec(t, "bad.yaml", "version: 1\ntenant: contoso.com\nset: s\napplications:\n  spa:\n    kind: public\n    platform: spa\n    secret: {}\n    redirectUri: []\n")
	broken := writeSpec(t, "broken.yaml", "version: 1\nset: [a\n")
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		contains bool // stderr need only contain the text
		anyOut   bool // stdout is not checked (flag errors print usage there)
	}{
		{"valid examples", []string{"validate", "-f", fhirExample, "-f", dicomExample}, exitOK,
			fhirExample + ": valid\n" + dicomExample + ": valid\n", "", false, false},
		{"invalid file", []string{"validate", "-f", bad}, exitError, "",
			bad + ":8:5: a public application cannot have secret\n" +
				"    A public client (SPA, mobile, desktop) runs where a secret cannot be kept; it signs in with PKCE instead. Remove secret, or change kind.\n" +
				bad + ":9:5: unknown property \"redirectUri\" in applications.spa\n" +
				"    Did you mean redirectUris? Valid properties here: acceptMappedClaims, access, adminConsent, appId, appRoleAssignmentRequired, appRoles, azureRoles, certificate, description, displayName, federatedCredentials, groupMembershipClaims, homePageUrl, identifierUris, ignoreCredentials, implicitGrant, kind, knownClientApplications, logoutUrl, notes, optionalClaims, owners, platform, preAuthorizedApplications, publicClientRedirectUris, redirectUris, requestedAccessTokenVersion, scopes, secret, signInAudience, spaRedirectUris, tags.\n", false, false},
		{"valid and invalid together", []string{"validate", "-f", fhirExample, "-f", broken}, exitError,
			fhirExample + ": valid\n", broken + ":2: invalid YAML", true, false},
		{"unreadable file", []string{"validate", "-f", missing}, exitError, "", missing + ": cannot read the file: no such file or directory", true, false},
		{"stray argument", []string{"validate", fhirExample}, exitError, "", "unexpected argument", true, false},
		{"bad format", []string{"validate", "--format", "xml", "-f", fhirExample}, exitError, "", "unknown --format", true, false},
		{"bad flag", []string{"validate", "--nope"}, exitError, "", "unknown flag: --nope", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := validateEnv()
			code := runWith(context.Background(), e, tc.args)
			if code != tc.code {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tc.code, errb)
			}
			if diff := cmp.Diff(tc.stdout, out.String()); diff != "" && !tc.anyOut {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if tc.contains {
				if !strings.Contains(errb.String(), tc.stderr) {
					t.Errorf("stderr does not contain %q:\n%s", tc.stderr, errb)
				}
			} else if diff := cmp.Diff(tc.stderr, errb.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateDefaultFile(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(fhirExample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "registrations.yaml"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	e, out, errb := validateEnv()
	if code := runWith(context.Background(), e, []string{"validate"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if diff := cmp.Diff("registrations.yaml: valid\n", out.String()); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
}

func TestValidateJSON(t *testing.T) {
	bad := writeSpec(t, "bad.yaml", "version: 1\ntenant: contoso.com\nset: s\napplications:\n  svc: {kind: service}\n  x: {kind: nope}\n")
	e, out, errb := validateEnv()
	code := runWith(context.Background(), e, []string{"validate", "--format", "json", "-f", fhirExample, "-f", bad})
	if code != exitError {
		t.Errorf("exit code = %d, want %d", code, exitError)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr not empty: %s", errb)
	}
	var got struct {
		Valid bool `json:"valid"`
		Files []struct {
			File        string `json:"file"`
			Valid       bool   `json:"valid"`
			Digest      string `json:"digest"`
			Diagnostics []struct {
				Severity string `json:"severity"`
				Summary  string `json:"summary"`
				Address  string `json:"address"`
				Pos      struct {
					Line int `json:"line"`
				} `json:"pos"`
			} `json:"diagnostics"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if got.Valid || len(got.Files) != 2 || !got.Files[0].Valid || got.Files[1].Valid || !strings.HasPrefix(got.Files[0].Digest, "sha256:") {
		t.Fatalf("unexpected document: %s", out)
	}
	var diags []string
	for _, d := range got.Files[1].Diagnostics {
		diags = append(diags, d.Severity+" "+d.Address+" "+d.Summary)
	}
	want := []string{
		"warning applications.svc service client svc has no secret, no certificate and no federated credential",
		`error applications.x.kind applications.x.kind must be one of resource, confidential, public, service, not "nope"`,
	}
	if diff := cmp.Diff(want, diags); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

func TestValidateHelp(t *testing.T) {
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"validate", "--help"}); code != exitOK {
		t.Fatalf("exit code = %d", code)
	}
	for _, want := range []string{"Usage:\n  regsync validate", "-f, --file FILE", "Examples:", "regsync validate -f examples/fhir/registrations.yaml", "Exit codes:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
}

func TestSchemaCommand(t *testing.T) {
	e, out, errb := validateEnv()
	if code := runWith(context.Background(), e, []string{"schema"}); code != exitOK {
		t.Fatalf("exit code = %d: %s", code, errb)
	}
	if !bytes.Equal(out.Bytes(), schema.Bytes()) {
		t.Error("regsync schema does not print the embedded schema byte for byte")
	}
	file, err := os.ReadFile("../../schema/registrations.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), file) {
		t.Error("regsync schema differs from schema/registrations.schema.json")
	}
	e, _, _ = validateEnv()
	if code := runWith(context.Background(), e, []string{"schema", "extra"}); code != exitError {
		t.Errorf("schema with an argument: exit %d, want %d", code, exitError)
	}
}
