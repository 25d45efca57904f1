package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
)

// parse runs args through a root holding only sub, whose run function
// records the options; it returns the exit code.
func parse(t *testing.T, sub *cobra.Command, args ...string) (int, string) {
	t.Helper()
	e, out, errb := validateEnv()
	code := runRoot(context.Background(), e, newRoot(e, sub), args)
	if out.Len() != 0 && !strings.Contains(strings.Join(args, " "), "--help") {
		t.Errorf("%q: stdout %q, want nothing", args, out)
	}
	return code, errb.String()
}

func TestPlanOptions(t *testing.T) {
	e, _, _ := validateEnv()
	for _, tc := range []struct {
		args []string
		want planOptions
	}{
		{[]string{"plan"}, planOptions{Files: []string{"registrations.yaml"}, Format: "text"}},
		// Single-dash long flags of the docs and pipelines still work.
		{[]string{"plan", "-f", "a.yaml", "-out", "p.plan", "-format", "markdown", "-detailed-exitcode", "-no-color"},
			planOptions{Files: []string{"a.yaml"}, Out: "p.plan", Format: "markdown", DetailedExitcode: true}},
		{[]string{"plan", "--file=a.yaml", "--out=p.plan", "--prune", "--verbose", "--local"},
			planOptions{Files: []string{"a.yaml"}, Out: "p.plan", Format: "text", Prune: true, Verbose: true, Local: localFlag{On: true}}},
		{[]string{"plan", "--local=/tmp/x", "--format", "json"},
			planOptions{Files: []string{"registrations.yaml"}, Format: "json", Local: localFlag{On: true, Dir: "/tmp/x"}}},
	} {
		var got *planOptions
		code, stderr := parse(t, newCmdPlan(e, func(_ context.Context, o *planOptions) error { got = o; return nil }), tc.args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", tc.args, code, stderr)
		}
		if d := cmp.Diff(tc.want, *got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.args, d)
		}
	}
}

func TestApplyOptions(t *testing.T) {
	e, _, _ := validateEnv()
	for _, tc := range []struct {
		args []string
		want applyOptions
	}{
		{[]string{"apply"}, applyOptions{Files: []string{"registrations.yaml"}, Format: "text", Input: true, Parallelism: 4, MaxDeletes: 10}},
		// A saved plan before or after the flags, as terraform users write it.
		{[]string{"apply", "x.plan", "--auto-approve"}, applyOptions{Files: []string{"registrations.yaml"}, PlanFile: "x.plan", AutoApprove: true, Format: "text", Input: true, Parallelism: 4, MaxDeletes: 10}},
		{[]string{"apply", "-auto-approve", "-input=false", "-f", "s.yaml", "--parallelism", "2", "--max-deletes", "-1", "--format", "json", "--prune"},
			applyOptions{Files: []string{"s.yaml"}, FileGiven: true, AutoApprove: true, Format: "json", Parallelism: 2, MaxDeletes: -1, Prune: true}},
	} {
		var got *applyOptions
		code, stderr := parse(t, newCmdApply(e, func(_ context.Context, o *applyOptions) error { got = o; return nil }), tc.args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", tc.args, code, stderr)
		}
		if d := cmp.Diff(tc.want, *got, cmpopts.IgnoreFields(applyOptions{}, "Parallelism", "MaxDeletes")); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.args, d)
		}
		if tc.want.Parallelism != 4 && (got.Parallelism != tc.want.Parallelism || got.MaxDeletes != tc.want.MaxDeletes) {
			t.Errorf("%q: parallelism %d max-deletes %d", tc.args, got.Parallelism, got.MaxDeletes)
		}
	}
}

func TestDriftShowValidateExportOptions(t *testing.T) {
	e, _, _ := validateEnv()
	var d *driftOptions
	if code, stderr := parse(t, newCmdDrift(e, func(_ context.Context, o *driftOptions) error { d = o; return nil }),
		"drift", "-f", "s.yaml", "--format", "junit", "--expiry-window", "14d", "--fail-on-expiry"); code != exitOK {
		t.Fatalf("drift: exit %d: %s", code, stderr)
	}
	if d.Files[0] != "s.yaml" || d.Format != "junit" || d.window.Hours() != 14*24 || !d.FailOnExpiry {
		t.Errorf("drift options %+v", d)
	}
	var s *showOptions
	if code, stderr := parse(t, newCmdShow(e, func(_ context.Context, o *showOptions) error { s = o; return nil }),
		"show", "x.plan", "--format", "markdown"); code != exitOK {
		t.Fatalf("show: exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff(showOptions{PlanFile: "x.plan", Format: "markdown"}, *s); diff != "" {
		t.Errorf("show (-want +got):\n%s", diff)
	}
	var v *validateOptions
	if code, stderr := parse(t, newCmdValidate(e, func(_ context.Context, o *validateOptions) error { v = o; return nil }),
		"validate", "-f", "a.yaml", "--file", "b.yaml", "-format", "json"); code != exitOK {
		t.Fatalf("validate: exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff(validateOptions{Files: []string{"a.yaml", "b.yaml"}, Format: "json"}, *v); diff != "" {
		t.Errorf("validate (-want +got):\n%s", diff)
	}
	var x *exportOptions
	if code, stderr := parse(t, newCmdExport(e, func(_ context.Context, o *exportOptions) error { x = o; return nil }),
		"export", "--tenant", "contoso.com", "--set", "billing", "--app-id", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
		"--app-id", "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d", "-o", "out.yaml", "--vault", "kv"); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff(exportOptions{Tenant: "contoso.com", Set: "billing", Out: "out.yaml", Vault: "kv",
		AppIDs: []string{"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"}}, *x); diff != "" {
		t.Errorf("export (-want +got):\n%s", diff)
	}
	var em *emulatorOptions
	if code, stderr := parse(t, newCmdEmulator(e, func(_ context.Context, o *emulatorOptions) error { em = o; return nil }),
		"emulator", "-v", "--throttle-rate", "5", "--lost-answer-route", "POST /applications", "--lost-answer-route", "PATCH /applications/{id}"); code != exitOK {
		t.Fatalf("emulator: exit %d: %s", code, stderr)
	}
	if !em.Verbose || em.Faults.ThrottleRate != 5 || len(em.Faults.LostAnswerRoutes) != 2 || em.Listen != "127.0.0.1:0" {
		t.Errorf("emulator options %+v", em)
	}
	var asJSON bool
	if code, stderr := parse(t, newCmdVersion(e, func(_ context.Context, j bool) error { asJSON = j; return nil }), "version", "--json"); code != exitOK || !asJSON {
		t.Fatalf("version --json: exit %d, json %v: %s", code, asJSON, stderr)
	}
}

// Usage errors: exit 1, the message and the command's usage on stderr,
// nothing on stdout, and the run function never called.
func TestUsageErrors(t *testing.T) {
	e, _, _ := validateEnv()
	ran := false
	plan := func() *cobra.Command {
		return newCmdPlan(e, func(context.Context, *planOptions) error { ran = true; return nil })
	}
	apply := func() *cobra.Command {
		return newCmdApply(e, func(context.Context, *applyOptions) error { ran = true; return nil })
	}
	for _, tc := range []struct {
		cmd    *cobra.Command
		args   []string
		stderr string
	}{
		{plan(), []string{"plan", "--nope"}, "regsync plan: unknown flag: --nope\n\nUsage:\n  regsync plan [-f FILE]"},
		{plan(), []string{"plan", "-nope"}, "regsync plan: unknown shorthand flag: 'n' in -nope\n"},
		{plan(), []string{"plan", "--format", "xml"}, `regsync plan: unknown --format "xml" (want text, markdown or json)` + "\n\nUsage:"},
		{plan(), []string{"plan", "spec.yaml"}, `regsync plan: unexpected argument "spec.yaml" (the spec is given with -f)`},
		{apply(), []string{"apply", "x.plan", "-f", "a.yaml", "-f", "b.yaml"}, "regsync apply: a saved plan names its spec files; give -f at most once with it (for a plan of one set)"},
		{apply(), []string{"apply", "a.plan", "b.plan"}, "regsync apply: give at most one saved plan, got 2 arguments"},
		{apply(), []string{"apply", "--parallelism", "0"}, "regsync apply: --parallelism must be at least 1"},
		{apply(), []string{"apply", "--parallelism", "many"}, `regsync apply: invalid argument "many" for "--parallelism" flag`},
		{plan(), []string{"plan", "--color", "sometimes"}, `regsync plan: invalid argument "sometimes" for "--color" flag: want auto, always or never`},
		{plan(), []string{"pln"}, "regsync: unknown command \"pln\" for \"regsync\"\n\nDid you mean this?\n\tplan\n"},
		{plan(), []string{}, "regsync: no command given\n\nUsage:\n  regsync [command]"},
	} {
		ran = false
		code, stderr := parse(t, tc.cmd, tc.args...)
		if code != exitError || ran {
			t.Errorf("%q: exit %d, ran %v; want 1 and not run", tc.args, code, ran)
		}
		if !strings.HasPrefix(stderr, tc.stderr) {
			t.Errorf("%q: stderr\n%s\nwant it to start with\n%s", tc.args, stderr, tc.stderr)
		}
		if !strings.Contains(stderr, "Usage:") {
			t.Errorf("%q: no usage on stderr:\n%s", tc.args, stderr)
		}
	}
}

// Errors map to exit codes in exitCode alone.
func TestExitCode(t *testing.T) {
	root := &cobra.Command{Use: "regsync"}
	plan := &cobra.Command{Use: "plan", Run: func(*cobra.Command, []string) {}}
	root.AddCommand(plan)
	for _, tc := range []struct {
		err    error
		code   int
		stderr string
	}{
		{nil, exitOK, ""},
		{errChanges, exitChanges, ""},
		{errReported, exitError, ""},
		{errors.New("reading the tenant: boom"), exitError, "regsync plan: reading the tenant: boom\n"},
		{usagef("bad --x"), exitError, "regsync plan: bad --x\n\nUsage:\n  regsync plan"},
	} {
		e, _, errb := validateEnv()
		if got := e.exitCode(plan, tc.err); got != tc.code {
			t.Errorf("%v: code %d, want %d", tc.err, got, tc.code)
		}
		if !strings.HasPrefix(errb.String(), tc.stderr) || (tc.stderr == "" && errb.Len() > 0) {
			t.Errorf("%v: stderr %q, want %q", tc.err, errb, tc.stderr)
		}
	}
}

func TestNormalizeArgs(t *testing.T) {
	e, _, _ := validateEnv()
	root := newRootCmd(e)
	for _, tc := range []struct{ in, want []string }{
		{[]string{"plan", "-out", "p", "-f", "a.yaml", "-no-color", "-detailed-exitcode"},
			[]string{"plan", "--out", "p", "-f", "a.yaml", "--no-color", "--detailed-exitcode"}},
		{[]string{"plan", "-format=json", "-color=always"}, []string{"plan", "--format=json", "--color=always"}},
		// An unknown name stays as it is, so pflag reports it; so does
		// everything after "--".
		{[]string{"plan", "-nope", "--", "-out"}, []string{"plan", "-nope", "--", "-out"}},
		{[]string{"emulator", "-v", "-listen", "127.0.0.1:0"}, []string{"emulator", "-v", "--listen", "127.0.0.1:0"}},
		{[]string{"-no-color", "apply", "-auto-approve"}, []string{"--no-color", "apply", "--auto-approve"}},
	} {
		if d := cmp.Diff(tc.want, normalizeArgs(root, tc.in)); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, d)
		}
	}
}

// Help is double-dash and goes to stdout with exit 0.
func TestHelpShowsDoubleDash(t *testing.T) {
	e, out, errb := validateEnv()
	if code := runWith(context.Background(), e, []string{"plan", "--help"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{"--format format", "--out PLAN", "--detailed-exitcode", "-f, --file FILE", "--no-color", "Exit codes:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "\n  -format") || strings.Contains(out.String(), "[flags]") {
		t.Errorf("help shows single-dash long flags or [flags]:\n%s", out)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		e, out, errb := validateEnv()
		if code := runWith(context.Background(), e, []string{"completion", shell}); code != exitOK || out.Len() < 1000 {
			t.Errorf("completion %s: exit %d, %d bytes: %s", shell, code, out.Len(), errb)
		}
		if !strings.Contains(out.String(), "regsync") {
			t.Errorf("completion %s does not name regsync", shell)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		// --format completes its values, per command.
		{[]string{"__complete", "plan", "--format", ""}, "text\nmarkdown\njson\n:4\n"},
		{[]string{"__complete", "drift", "--format", "j"}, "text\nmarkdown\njson\njunit\n:4\n"},
		{[]string{"__complete", "apply", "--color", ""}, "auto\nalways\nnever\n:4\n"},
		// -f completes YAML files (the shell filters by extension: 8).
		{[]string{"__complete", "plan", "-f", ""}, "yaml\nyml\n:8\n"},
		{[]string{"__complete", "validate", "--file", ""}, "yaml\nyml\n:8\n"},
		// Commands complete by prefix.
		{[]string{"__complete", "dr"}, "drift\tReport how the tenant drifted from the spec, and secrets that expire soon\n:4\n"},
	} {
		e, out, errb := validateEnv()
		if code := runWith(context.Background(), e, tc.args); code != exitOK {
			t.Errorf("%q: exit %d: %s", tc.args, code, errb)
		}
		if d := cmp.Diff(tc.want, out.String()); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.args, d)
		}
	}
}

func TestColour(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		tty   bool
		env   map[string]string
		want  bool
		about string
	}{
		{nil, true, nil, true, "a terminal"},
		{nil, false, nil, false, "a pipe"},
		{nil, true, map[string]string{"NO_COLOR": "1"}, false, "NO_COLOR"},
		{nil, true, map[string]string{"CI": "true"}, true, "CI alone no longer turns colour off"},
		{[]string{"--color", "always"}, false, nil, true, "forced in a pipeline log"},
		{[]string{"--color=always"}, false, map[string]string{"NO_COLOR": "1"}, true, "the flag beats NO_COLOR"},
		{[]string{"--color", "never"}, true, nil, false, "never"},
		{[]string{"-no-color"}, true, nil, false, "terraform's -no-color"},
		{[]string{"--no-color", "--color", "always"}, true, nil, false, "--no-color wins"},
	} {
		e, _, errb := validateEnv()
		e.IsTTY = tc.tty
		e.Getenv = func(k string) string { return tc.env[k] }
		var got bool
		sub := newCmdSchema(e, func(context.Context) error { got = e.Colour(); return nil })
		if code := runRoot(context.Background(), e, newRoot(e, sub), append([]string{"schema"}, tc.args...)); code != exitOK {
			t.Fatalf("%s: exit %d: %s", tc.about, code, errb)
		}
		if got != tc.want {
			t.Errorf("%s: colour %v, want %v", tc.about, got, tc.want)
		}
	}
}

// Outside an apply the first Ctrl-C cancels at once and says so; the
// second exits with 130.
func TestInterrupts(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	exited := make(chan int, 1)
	done := make(chan struct{})
	intr := newInterrupt()
	go func() { interrupts(sigs, intr, cancel, time.Hour, &errb, func(c int) { exited <- c }); close(done) }()
	sigs <- os.Interrupt
	<-ctx.Done()
	<-intr.Stop()
	select {
	case c := <-exited:
		t.Fatalf("exited with %d after one interrupt", c)
	default:
	}
	if intr.beginApply() {
		t.Error("an apply may begin after the interrupt")
	}
	sigs <- os.Interrupt
	if c := <-exited; c != exitInterrupted {
		t.Errorf("exit %d, want %d", c, exitInterrupted)
	}
	<-done
	for _, want := range []string{"Interrupt received: nothing is being written", "press Ctrl-C again", "Second interrupt: exiting now"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}

// During an apply the first Ctrl-C only closes Stop: the context of the
// writes in flight lives on until the grace period ends.
func TestInterruptDuringApply(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	intr := newInterrupt()
	if !intr.beginApply() {
		t.Fatal("beginApply refused before any interrupt")
	}
	const grace = 300 * time.Millisecond
	done := make(chan struct{})
	go func() {
		interrupts(sigs, intr, cancel, grace, &errb, func(c int) { t.Errorf("exited with %d", c) })
		close(done)
	}()
	sent := time.Now()
	sigs <- os.Interrupt
	<-intr.Stop()
	if ctx.Err() != nil {
		t.Fatal("the first interrupt cancelled the context of an apply")
	}
	<-ctx.Done()
	if waited := time.Since(sent); waited < grace {
		t.Errorf("cancelled after %s, before the grace of %s", waited, grace)
	}
	if !strings.Contains(errb.String(), "cancelling them") {
		t.Errorf("stderr does not say the grace ended:\n%s", errb.String())
	}
	close(sigs)
	<-done
}

// syncBuffer is a bytes.Buffer safe for a writer in another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
