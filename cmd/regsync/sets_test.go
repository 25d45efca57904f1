package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regsync/regsync/tenant/tenanttest"
)

// payrollFakeSpec is a second set of the fake's tenant.
const payrollFakeSpec = `version: 1
tenant: contoso.onmicrosoft.com
set: payroll
applications:
  payroll:
    kind: service
    secret: { vault: payroll-kv }
`

// setsDir writes the billing and payroll sets into one directory, with a
// file that is not YAML beside them.
func setsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"billing.yaml": billingSpec, "payroll.yml": payrollFakeSpec, "README.md": "not a spec\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Several sets, from a directory: one plan each under its heading, one
// total, one exit code; applied in one go; then nothing is left to do.
func TestSeveralSets(t *testing.T) {
	f := tenanttest.New(time.Now)
	dir := setsDir(t)
	billing, payroll := filepath.Join(dir, "billing.yaml"), filepath.Join(dir, "payroll.yml")

	out, _ := runFake(t, f, exitChanges, "plan", "-f", dir, "--detailed-exitcode")
	for _, want := range []string{"=== set billing (" + billing + ") ===", "=== set payroll (" + payroll + ") ===", "\nTotal of 2 sets: "} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "set billing") > strings.Index(out, "set payroll") {
		t.Errorf("sets out of file order:\n%s", out)
	}
	js, _ := runFake(t, f, exitOK, "plan", "-f", billing, "-f", payroll, "--format", "json")
	var doc struct {
		Sets []struct {
			File, Set string
			Plan      map[string]any
		}
		Summary struct{ Add int }
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("plan --format json of two sets: %v\n%s", err, js)
	}
	if len(doc.Sets) != 2 || doc.Sets[0].Set != "billing" || doc.Sets[1].Set != "payroll" || doc.Summary.Add == 0 || doc.Sets[1].Plan["format_version"] == nil {
		t.Errorf("json document: %s", js)
	}
	md, _ := runFake(t, f, exitOK, "plan", "-f", dir, "--format", "markdown")
	if !strings.Contains(md, "## Set `payroll` (`"+payroll+"`)") || !strings.Contains(md, "**Total of 2 sets: ") {
		t.Errorf("markdown:\n%s", md)
	}

	// A JUnit report of several sets holds a testsuite per set.
	junit, _ := runFake(t, f, exitChanges, "drift", "-f", dir, "--format", "junit")
	if n := strings.Count(junit, "<testsuite "); n != 2 || !strings.Contains(junit, `name="regsync drift: set billing"`) || !strings.Contains(junit, `name="regsync drift: set payroll"`) {
		t.Errorf("JUnit of two sets has %d testsuites:\n%s", n, junit)
	}

	out, _ = runFake(t, f, exitOK, "apply", "-f", dir, "--auto-approve")
	if n := strings.Count(out, "Apply complete!"); n != 2 {
		t.Errorf("apply of two sets: %d completions:\n%s", n, out)
	}
	if f.AppsWithKey("billing", "worker") != 1 || f.AppsWithKey("payroll", "payroll") != 1 {
		t.Errorf("apply did not create both sets")
	}
	runFake(t, f, exitOK, "plan", "-f", dir, "--detailed-exitcode")
	out, _ = runFake(t, f, exitOK, "drift", "-f", dir)
	if !strings.Contains(out, "=== set payroll") {
		t.Errorf("drift of two sets:\n%s", out)
	}
}

// Two files claiming one set, or adopting one application: an error at
// both places, and nothing is read.
func TestSeveralSetsOverlap(t *testing.T) {
	a := writeSpec(t, "a.yaml", billingSpec)
	b := writeSpec(t, "b.yaml", strings.Replace(billingSpec, "worker:", "other:", 1))
	e, out, errb := validateEnv()
	if code := runWith(context.Background(), e, []string{"validate", "-f", a, "-f", b}); code != exitError {
		t.Errorf("validate: exit %d", code)
	}
	want := a + `:3:1: set "billing" of tenant contoso.onmicrosoft.com is also claimed by ` + b + ":3:1\n" +
		"    Each set is managed by one file; merge the two files or rename one set.\n" +
		b + `:3:1: set "billing" of tenant contoso.onmicrosoft.com is also claimed by ` + a + ":3:1\n" +
		"    Each set is managed by one file; merge the two files or rename one set.\n"
	if d := cmp.Diff(want, errb.String()); d != "" {
		t.Errorf("stderr (-want +got):\n%s", d)
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %s", out)
	}

	appID := "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
	c := writeSpec(t, "c.yaml", "version: 1\ntenant: contoso.onmicrosoft.com\nset: one\napplications:\n  legacy:\n    kind: service\n    appId: "+appID+"\n")
	d := writeSpec(t, "d.yaml", "version: 1\ntenant: contoso.onmicrosoft.com\nset: two\napplications:\n  old:\n    kind: service\n    appId: "+appID+"\n")
	f := tenanttest.New(time.Now)
	_, stderr := runFake(t, f, exitError, "plan", "-f", c, "-f", d)
	for _, want := range []string{c + ":5:3: application " + appID + " is also adopted by " + d + ":5:3 (applications.old)",
		d + ":5:3: application " + appID + " is also adopted by " + c + ":5:3 (applications.legacy)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if f.Requests() != 0 {
		t.Errorf("%d requests after a spec error, want none", f.Requests())
	}
}

func TestValidateAnnotations(t *testing.T) {
	bad := writeSpec(t, "bad.yaml", "version: 1\ntenant: contoso.com\nset: s\napplications:\n  svc: {kind: service}\n  x: {kind: nope}\n")
	e, out, _ := validateEnv()
	if code := runWith(context.Background(), e, []string{"validate", "--format", "github", "-f", bad, "-f", fhirExample}); code != exitError {
		t.Errorf("exit %d", code)
	}
	file := strings.ReplaceAll(strings.ReplaceAll(filepath.ToSlash(bad), ":", "%3A"), ",", "%2C")
	for _, want := range []string{
		"::warning file=" + file + ",line=5,col=3,title=regsync validate::service client svc has no secret, no certificate and no federated credential%0A",
		"::error file=" + file + ",line=6,col=",
		"title=regsync validate::applications.x.kind must be one of resource, confidential, public, service, not \"nope\"",
		fhirExample + ": valid\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("github output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out.String(), "\n") != 3 {
		t.Errorf("want one line per annotation and per valid file:\n%s", out)
	}

	e, out, _ = validateEnv()
	if code := runWith(context.Background(), e, []string{"validate", "--format", "sarif", "-f", bad}); code != exitError {
		t.Errorf("sarif: exit %d", code)
	}
	var log sarifLog
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatalf("sarif is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "regsync" {
		t.Fatalf("sarif log: %s", out)
	}
	var got []string
	for _, r := range log.Runs[0].Results {
		l := r.Locations[0].PhysicalLocation
		got = append(got, r.Level+" "+r.RuleID+" "+filepath.Base(l.ArtifactLocation.URI)+" "+strconv.Itoa(l.Region.StartLine)+":"+strconv.Itoa(l.Region.StartColumn))
	}
	if d := cmp.Diff([]string{"warning regsync/spec-warning bad.yaml 5:3", "error regsync/spec-error bad.yaml 6:13"}, got); d != "" {
		t.Errorf("sarif results (-want +got):\n%s", d)
	}
}

// --verbose names the set only when there are several.
func TestVerboseReads(t *testing.T) {
	f := tenanttest.New(time.Now)
	dir := setsDir(t)
	_, stderr := runFake(t, f, exitOK, "plan", "-f", filepath.Join(dir, "billing.yaml"), "--verbose")
	if !strings.HasPrefix(stderr, "read the tenant in ") {
		t.Errorf("one set: %q", stderr)
	}
	_, stderr = runFake(t, f, exitChanges, "drift", "-f", dir, "--verbose")
	if !strings.Contains(stderr, "read the tenant for set billing in ") || !strings.Contains(stderr, "read the tenant for set payroll in ") {
		t.Errorf("two sets: %q", stderr)
	}
}

// One saved plan holds several sets: show renders each under its heading,
// apply applies every one; a set whose tenant changed since makes the
// whole saved plan stale, and nothing of it is applied.
func TestSeveralSetsSavedPlan(t *testing.T) {
	f := tenanttest.New(time.Now)
	dir := setsDir(t)
	saved := filepath.Join(t.TempDir(), "sets.plan")
	out, _ := runFake(t, f, exitOK, "plan", "-f", dir, "--out", saved)
	if !strings.Contains(out, "Saved the plan to "+saved) {
		t.Errorf("plan --out of two sets:\n%s", out)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"format_version": "1.1"`) {
		t.Errorf("the saved plan of two sets is not version 1.1:\n%.300s", data)
	}
	shown, _ := runFake(t, f, exitOK, "show", saved)
	for _, want := range []string{"=== set billing (", "=== set payroll (", "Total of 2 sets: "} {
		if !strings.Contains(shown, want) {
			t.Errorf("show lacks %q:\n%s", want, shown)
		}
	}
	md, _ := runFake(t, f, exitOK, "show", saved, "--format", "markdown")
	if !strings.Contains(md, "## Set `billing`") || !strings.Contains(md, "## Set `payroll`") {
		t.Errorf("show --format markdown:\n%s", md)
	}
	_, stderr := runFake(t, f, exitError, "apply", saved, "-f", filepath.Join(dir, "billing.yaml"), "--auto-approve")
	if !strings.Contains(stderr, "the saved plan holds 2 sets, each naming its spec file; give no -f with it") {
		t.Errorf("apply of a two-set plan with -f: %s", stderr)
	}

	// Stale in one set: the payroll application appears by hand.
	stalePlan := filepath.Join(t.TempDir(), "stale.plan")
	runFake(t, f, exitOK, "plan", "-f", dir, "--out", stalePlan)
	runFake(t, f, exitOK, "apply", "-f", filepath.Join(dir, "payroll.yml"), "--auto-approve")
	_, stderr = runFake(t, f, exitError, "apply", stalePlan, "--auto-approve")
	if !strings.Contains(stderr, "is stale in 1 of its 2 sets, so none is applied") || !strings.Contains(stderr, "set payroll (") {
		t.Errorf("apply of a plan stale in one set: %s", stderr)
	}
	if f.AppsWithKey("billing", "worker") != 0 {
		t.Error("the fresh set of a stale plan was applied")
	}

	// The first saved plan is stale too now (payroll was applied); plan
	// and save again, then apply both sets from one file.
	runFake(t, f, exitOK, "plan", "-f", dir, "--out", saved)
	out, _ = runFake(t, f, exitOK, "apply", saved, "--auto-approve")
	if n := strings.Count(out, "Apply complete!"); n != 1 || !strings.Contains(out, "=== set billing") {
		t.Errorf("apply of the saved plan (billing to create, payroll done):\n%s", out)
	}
	if f.AppsWithKey("billing", "worker") != 1 || f.AppsWithKey("payroll", "payroll") != 1 {
		t.Errorf("apply of the saved plan did not leave both sets")
	}
	runFake(t, f, exitOK, "plan", "-f", dir, "--detailed-exitcode")
}
