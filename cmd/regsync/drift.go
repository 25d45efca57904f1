package main

import (
	"context"
	"fmt"
	"io"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/spec"
)

func init() {
	register(command{Name: "drift", Summary: "Report how the tenant drifted from the spec, and secrets that expire soon", Run: runDrift})
}

const driftExamples = `  # Against the embedded emulator (no Azure account needed)
  regsync drift --local -f examples/fhir/registrations.yaml

  # Nightly pipeline: JUnit for the test tab, markdown for an issue; the step
  # fails (exit 2) on drift, while a secret within the window only warns
  regsync drift -f registrations.yaml --format junit > drift.xml
  regsync drift -f registrations.yaml --format markdown > drift.md

  # Make a secret that ends within 14 days fail the night too
  regsync drift --expiry-window 14d --fail-on-expiry

  # Machine-readable report (format documented in docs/drift.md)
  regsync drift --format json > drift.json

Expiry: a client secret that ends within --expiry-window is a warning: it is
listed (class secret_expiring), printed on stderr, kept out of the JUnit
failures, and does not change the exit code, because 'regsync apply' renews
it on its own once renewBefore is reached. --fail-on-expiry makes it drift
(exit 2). A secret that has already ended is always drift.`

type driftOptions struct {
	File         string
	Format       string
	ExpiryWindow string
	FailOnExpiry bool
	Verbose      bool
	Local        localFlag
}

func runDrift(ctx context.Context, e *env, args []string) int {
	var o driftOptions
	fs := newFlagSet(e, "drift", "drift [-f FILE] [--format text|markdown|json|junit] [--expiry-window 30d] [--fail-on-expiry] [--local[=DIR]]", driftExamples)
	fs.StringVar(&o.File, "f", "registrations.yaml", "spec `FILE` to compare the tenant with")
	fs.StringVar(&o.Format, "format", "text", "output format: text, markdown, json or junit")
	fs.StringVar(&o.ExpiryWindow, "expiry-window", "30d", "report client secrets that end within `DURATION` (d, h, m, s)")
	fs.BoolVar(&o.FailOnExpiry, "fail-on-expiry", false, "count a secret ending within the window as drift (exit 2), not a warning")
	fs.BoolVar(&o.Verbose, "verbose", false, "report on stderr how many requests the read took")
	fs.Var(&o.Local, "local", localHelp)
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Err, "regsync drift: unexpected argument %q (the spec is given with -f)\n", fs.Arg(0))
		return exitError
	}
	switch o.Format {
	case "text", "markdown", "json", "junit":
	default:
		fmt.Fprintf(e.Err, "regsync drift: unknown --format %q (want text, markdown, json or junit)\n", o.Format)
		return exitError
	}
	window, err := spec.ParseDuration(o.ExpiryWindow)
	if err != nil {
		fmt.Fprintf(e.Err, "regsync drift: --expiry-window: %v\n", err)
		return exitError
	}

	res, code := e.computePlan(ctx, o.File, o.Local, false, true)
	if res == nil {
		return code
	}
	defer res.backend.Close()
	if o.Verbose {
		e.reportReads(res)
	}
	r, err := drift.Compute(res.spec, res.snapshot, res.plan, drift.Options{
		Now: res.plan.PlannedAt, ExpiryWindow: window, FailOnExpiry: o.FailOnExpiry})
	if err != nil {
		fmt.Fprintf(e.Err, "regsync drift: %v\n", err)
		return exitError
	}
	if err := writeDrift(e.Out, r, o.Format); err != nil {
		fmt.Fprintf(e.Err, "regsync drift: %v\n", err)
		return exitError
	}
	for _, it := range r.Items {
		if it.Severity == drift.SeverityWarning {
			fmt.Fprintf(e.Err, "warning: %s: %s\n", it.Address, it.Message)
		}
	}
	if r.HasDrift() {
		return exitChanges
	}
	return exitOK
}

func writeDrift(w io.Writer, r *drift.Report, format string) error {
	switch format {
	case "text":
		return drift.Text(w, r)
	case "markdown":
		return drift.Markdown(w, r)
	case "json":
		return drift.JSON(w, r)
	case "junit":
		return drift.JUnit(w, r)
	default:
		panic(fmt.Sprintf("internal error: unknown drift format %q", format))
	}
}
