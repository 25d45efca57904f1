package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

func TestDoctorOptions(t *testing.T) {
	e, _, _ := validateEnv()
	var d *doctorOptions
	if code, stderr := parse(t, newCmdDoctor(e, func(_ context.Context, o *doctorOptions) error { d = o; return nil }),
		"doctor", "-f", "a.yaml", "--file", "dir", "--format", "json", "--local=x"); code != exitOK {
		t.Fatalf("doctor: exit %d: %s", code, stderr)
	}
	if strings.Join(d.Files, ",") != "a.yaml,dir" || d.Format != "json" || !d.Local.On || d.Local.Dir != "x" {
		t.Errorf("doctor options %+v", d)
	}
	d = nil
	if code, _ := parse(t, newCmdDoctor(e, func(_ context.Context, o *doctorOptions) error { d = o; return nil }), "doctor"); code != exitOK || d.Files[0] != "registrations.yaml" || d.Format != "text" {
		t.Errorf("doctor defaults: exit %d, %+v", code, d)
	}
	if code, stderr := parse(t, newCmdDoctor(e, nil), "doctor", "--format", "markdown"); code != exitError || !strings.Contains(stderr, `unknown --format "markdown"`) {
		t.Errorf("doctor --format markdown: exit %d: %s", code, stderr)
	}
}

// claimsDir is the fake directory with a token whose claims are given.
type claimsDir struct {
	*tenanttest.Tenant
	claims string
}

func (c claimsDir) TokenClaims(context.Context) ([]byte, error) { return []byte(c.claims), nil }

// refusingVault answers every probe 403, as a vault without a role does.
type refusingVault struct{ tenant.SecretStore }

func (refusingVault) SecretVersions(context.Context, string, string) ([]tenant.SecretMeta, error) {
	return nil, &tenant.Error{Kind: tenant.Forbidden, Status: 403, Code: "Forbidden", Message: "caller is not authorized"}
}

func TestDoctorAgainstTheFakeTenant(t *testing.T) {
	f := tenanttest.New(time.Now)
	file := writeSpec(t, "billing.yaml", billingSpec)
	runFake(t, f, exitOK, "apply", "-f", file, "--auto-approve")

	doctorWith := func(claims string, vault tenant.SecretStore, want int) string {
		t.Helper()
		e, out, errb := liveEnv()
		e.Backend = func(context.Context, *spec.Spec, localFlag) (*backend, error) {
			return &backend{Dir: claimsDir{f, claims}, Vault: vault, CallerID: f.Caller()}, nil
		}
		if code := runWith(context.Background(), e, []string{"doctor", "-f", file}); code != want {
			t.Fatalf("doctor: exit %d, want %d\n%s%s", code, want, out, errb)
		}
		return out.String()
	}
	full := `{"idtyp":"app","roles":["Application.ReadWrite.OwnedBy","Organization.Read.All","Directory.Read.All"]}`
	out := doctorWith(full, f.Vault(), exitOK)
	for _, want := range []string{"✓ owner of ", "✓ Key Vault billing-kv: secrets", "All "} {
		if !strings.Contains(out, want) {
			t.Errorf("full token: output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "AppRoleAssignment") {
		t.Errorf("a spec without consent or members asked for AppRoleAssignment.ReadWrite.All:\n%s", out)
	}

	// The vault refuses: ✗ with the role to assign on it.
	out = doctorWith(full, refusingVault{f.Vault()}, exitError)
	if !strings.Contains(out, "✗ Key Vault billing-kv: secrets") || !strings.Contains(out, "grant: the role Key Vault Secrets Officer") || !strings.Contains(out, "1 of ") {
		t.Errorf("refusing vault:\n%s", out)
	}

	// A user's token: scopes, but not an owner, and no directory role
	// that manages every application.
	user := `{"idtyp":"user","oid":"someone-else","scp":"Application.ReadWrite.All Directory.Read.All"}`
	e, outb, _ := liveEnv()
	e.Backend = func(context.Context, *spec.Spec, localFlag) (*backend, error) {
		return &backend{Dir: claimsDir{f, user}, Vault: f.Vault(), CallerID: "someone-else"}, nil
	}
	if code := runWith(context.Background(), e, []string{"doctor", "-f", file}); code != exitError {
		t.Fatalf("user doctor: exit %d\n%s", code, outb)
	}
	if out := outb.String(); !strings.Contains(out, "✗ owner of ") || !strings.Contains(out, "Cloud Application Administrator") || !strings.Contains(out, "user (delegated token") {
		t.Errorf("user token:\n%s", out)
	}
}

// --token-roles: absent is the default token; given, exactly its roles,
// none at all when empty.
func TestEmulatorTokenRolesOption(t *testing.T) {
	e, _, _ := validateEnv()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"emulator"}, nil},
		{[]string{"emulator", "--token-roles", "Application.ReadWrite.OwnedBy,Directory.Read.All"}, []string{"Application.ReadWrite.OwnedBy", "Directory.Read.All"}},
		{[]string{"emulator", "--token-roles="}, []string{}},
	} {
		var got *emulatorOptions
		if code, stderr := parse(t, newCmdEmulator(e, func(_ context.Context, o *emulatorOptions) error { got = o; return nil }), tc.args...); code != exitOK {
			t.Fatalf("%q: exit %d: %s", tc.args, code, stderr)
		}
		if (got.Roles == nil) != (tc.want == nil) || strings.Join(got.Roles, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: roles %q, want %q", tc.args, got.Roles, tc.want)
		}
	}
	if code, stderr := parse(t, newCmdEmulator(e, nil), "emulator", "--token", "t", "--token-roles", "Directory.Read.All"); code != exitError || !strings.Contains(stderr, "--token-roles") {
		t.Errorf("--token with --token-roles: exit %d: %s", code, stderr)
	}
}
