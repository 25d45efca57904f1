package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
	"github.com/regsync/regsync/tenant/tenanttest"
)

// billingSpec is a small set for the commands' unit tests: an API and a
// service client whose secret goes to Key Vault.
const billingSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: billing
applications:
  api:
    kind: resource
    identifierUris: [api://billing]
    scopes:
      read: { adminConsentDisplayName: Read invoices }
  worker:
    kind: service
    secret: { vault: billing-kv }
`

// fakeEnv is an env whose backend is the shared in-memory tenant: the
// factory hands every command the same fake.
func fakeEnv(f *tenanttest.Tenant) (*env, *bytes.Buffer, *bytes.Buffer) {
	e, out, errb := liveEnv()
	e.Backend = func(_ context.Context, _ *spec.Spec, local localFlag) (*backend, error) {
		if local.On {
			panic("a unit test asked for the embedded emulator")
		}
		return &backend{Dir: f, Vault: f.Vault(), CallerID: f.Caller()}, nil
	}
	return e, out, errb
}

func runFake(t *testing.T, f *tenanttest.Tenant, want int, args ...string) (string, string) {
	t.Helper()
	e, out, errb := fakeEnv(f)
	if code := runWith(context.Background(), e, args); code != want {
		t.Fatalf("regsync %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errb)
	}
	return out.String(), errb.String()
}

// plan, apply, show, plan again and drift, all against the fake: the
// commands' run functions, not only their flags, are unit-tested.
func TestCommandsAgainstTheFakeTenant(t *testing.T) {
	f := tenanttest.New(time.Now)
	file := writeSpec(t, "billing.yaml", billingSpec)
	saved := filepath.Join(t.TempDir(), "billing.plan")

	out, _ := runFake(t, f, exitChanges, "plan", "-f", file, "--detailed-exitcode", "--out", saved)
	if !strings.Contains(out, "Plan: ") || !strings.Contains(out, "Saved the plan to "+saved) {
		t.Errorf("plan output:\n%s", out)
	}
	if n := f.Requests(); n == 0 {
		t.Error("plan read nothing from the fake")
	}
	if got := len(f.CallsOf(tenant.OpCreateApplication)); got != 0 {
		t.Errorf("plan wrote to the tenant: %d creates", got)
	}

	// show renders the saved plan as plan printed it, with no request.
	before := f.Requests()
	shown, _ := runFake(t, f, exitOK, "show", saved)
	if f.Requests() != before {
		t.Errorf("show sent %d requests, want none", f.Requests()-before)
	}
	if !strings.HasPrefix(out, shown) {
		t.Errorf("show differs from plan:\nplan:\n%s\nshow:\n%s", out, shown)
	}
	js, _ := runFake(t, f, exitOK, "show", saved, "--format", "json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(js), &doc); err != nil || doc["format_version"] == nil {
		t.Errorf("show --format json: %v\n%s", err, js)
	}

	// A fresh plan drifts: everything is missing.
	runFake(t, f, exitChanges, "drift", "-f", file)

	// apply the saved plan; then there is nothing left to do or to report.
	out, _ = runFake(t, f, exitOK, "apply", saved, "--auto-approve")
	if !strings.Contains(out, "Apply complete!") {
		t.Errorf("apply output:\n%s", out)
	}
	if f.AppsWithKey("billing", "worker") != 1 || len(f.Versions("billing-kv", "worker-client-secret")) != 1 {
		t.Errorf("apply left %d worker apps, %d secret versions", f.AppsWithKey("billing", "worker"), len(f.Versions("billing-kv", "worker-client-secret")))
	}
	runFake(t, f, exitOK, "plan", "-f", file, "--detailed-exitcode")
	runFake(t, f, exitOK, "drift", "-f", file)

	// The fake's secrets appear in no output.
	for _, v := range f.Issued() {
		if strings.Contains(out, v) || strings.Contains(shown, v) || strings.Contains(js, v) {
			t.Error("a secret value was printed")
		}
	}
}

// Prompts need stdin and stdout on a terminal; --input=false refuses to
// ask; "yes" on a terminal goes ahead and anything else cancels.
func TestApplyPrompt(t *testing.T) {
	file := writeSpec(t, "billing.yaml", billingSpec)
	for _, tc := range []struct {
		about        string
		inTTY, isTTY bool
		input        string
		args         []string
		code         int
		stderr       string
		applied      bool
	}{
		{"stdout is a pipe", true, false, "yes\n", nil, exitError, "no terminal to ask for confirmation", false},
		{"stdin is a pipe", false, true, "yes\n", nil, exitError, "no terminal to ask for confirmation", false},
		{"--input=false", true, true, "yes\n", []string{"--input=false"}, exitError, "--input=false and no --auto-approve", false},
		{"answered no", true, true, "no\n", nil, exitError, "Apply cancelled.", false},
		{"answered yes", true, true, "yes\n", nil, exitOK, "", true},
	} {
		f := tenanttest.New(time.Now)
		e, out, errb := fakeEnv(f)
		e.InTTY, e.IsTTY, e.In = tc.inTTY, tc.isTTY, strings.NewReader(tc.input)
		code := runWith(context.Background(), e, append([]string{"apply", "-f", file, "--color", "never"}, tc.args...))
		if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.about, code, errb, tc.code, tc.stderr)
		}
		if got := f.AppsWithKey("billing", "worker") == 1; got != tc.applied {
			t.Errorf("%s: applied %v, want %v\n%s", tc.about, got, tc.applied, out)
		}
		if tc.applied && !strings.Contains(out.String(), "Only 'yes' will be accepted") {
			t.Errorf("%s: no question asked:\n%s", tc.about, out)
		}
	}
}

// export against the fake reads the set and checks the spec it would
// write: the fake's caller id is no GUID, so the owners it exports do not
// validate, and export says where and writes nothing.
func TestExportAgainstTheFakeTenant(t *testing.T) {
	f := tenanttest.New(time.Now)
	file := writeSpec(t, "billing.yaml", billingSpec)
	runFake(t, f, exitOK, "apply", "-f", file, "--auto-approve")
	exported := filepath.Join(t.TempDir(), "exported.yaml")
	_, stderr := runFake(t, f, exitError, "export", "--tenant", "contoso.onmicrosoft.com", "--set", "billing", "--vault", "billing-kv", "-o", exported)
	if !strings.Contains(stderr, exported+":13:9: \"caller-sp\" is not a valid GUID") || !strings.Contains(stderr, "nothing was written") {
		t.Errorf("export stderr: %s", stderr)
	}
	if _, err := os.Stat(exported); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("export wrote %s: %v", exported, err)
	}
}
