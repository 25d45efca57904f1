package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant/tenanttest"
)

func TestOutputOptions(t *testing.T) {
	e, _, _ := validateEnv()
	var got *outputOptions
	code, stderr := parse(t, newCmdOutput(e, func(_ context.Context, o *outputOptions) error { got = o; return nil }),
		"output", "-f", "a.yaml", "--format", "env", "--local=/tmp/x")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := outputOptions{Files: []string{"a.yaml"}, Format: "env", Local: localFlag{On: true, Dir: "/tmp/x"}}
	if d := cmp.Diff(want, *got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if code, stderr := parse(t, newCmdOutput(e, nil), "output", "--format", "yaml"); code != exitError || !strings.Contains(stderr, "format") {
		t.Errorf("--format yaml: exit %d, stderr %q", code, stderr)
	}
}

// output against the fake: before apply the applications are listed as not
// applied; after it, their ids, the resource's audience and where the
// worker's secret lives, and never its value.
func TestOutputAgainstTheFakeTenant(t *testing.T) {
	f := tenanttest.New(time.Now)
	file := writeSpec(t, "billing.yaml", billingSpec)
	before, _ := runFake(t, f, exitOK, "output", "-f", file)
	if !strings.Contains(before, "not in the tenant yet") {
		t.Errorf("output before apply:\n%s", before)
	}
	runFake(t, f, exitOK, "apply", "-f", file, "--auto-approve")
	env, _ := runFake(t, f, exitOK, "output", "-f", file, "--format", "env")
	for _, line := range []string{"API_AUDIENCE='api://billing'", "API_SCOPE='api://billing/.default'", "WORKER_CLIENT_ID='", "WORKER_SECRET_NAME='worker-client-secret'", "WORKER_SECRET_VAULT='billing-kv'"} {
		if !strings.Contains(env, line) {
			t.Errorf("output --format env lacks %s:\n%s", line, env)
		}
	}
	text, _ := runFake(t, f, exitOK, "output", "-f", file)
	for _, v := range f.Issued() {
		if strings.Contains(env, v) || strings.Contains(text, v) {
			t.Error("output printed a secret value")
		}
	}
}
