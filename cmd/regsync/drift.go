package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/drift"
	"github.com/regsync/regsync/spec"
)

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
	Files        []string
	Format       string
	ExpiryWindow string
	FailOnExpiry bool
	Verbose      bool
	Local        localFlag

	window time.Duration
}

func newCmdDrift(e *env, runF func(context.Context, *driftOptions) error) *cobra.Command {
	o := &driftOptions{}
	c := &cobra.Command{
		Use:     "drift [-f FILE] [--format text|markdown|json|junit] [--expiry-window 30d] [--fail-on-expiry] [--local[=DIR]]",
		Short:   "Report how the tenant drifted from the spec, and secrets that expire soon",
		Example: driftExamples,
		Args:    noArgs("the spec is given with -f"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("format", o.Format, "text", "markdown", "json", "junit"); err != nil {
				return err
			}
			if err := oneSpec(&o.Files); err != nil {
				return err
			}
			w, err := spec.ParseDuration(o.ExpiryWindow)
			if err != nil {
				return usagef("--expiry-window: %v", err)
			}
			o.window = w
			if runF != nil {
				return runF(c.Context(), o)
			}
			return driftRun(c.Context(), e, o)
		},
	}
	specFlag(c, &o.Files, "spec `FILE` to compare the tenant with (default registrations.yaml)")
	formatFlag(c, &o.Format, "text", "output `format`: text, markdown, json or junit", "text", "markdown", "json", "junit")
	c.Flags().StringVar(&o.ExpiryWindow, "expiry-window", "30d", "report client secrets that end within `DURATION` (d, h, m, s)")
	c.Flags().BoolVar(&o.FailOnExpiry, "fail-on-expiry", false, "count a secret ending within the window as drift (exit 2), not a warning")
	c.Flags().BoolVar(&o.Verbose, "verbose", false, "report on stderr how many requests the read took")
	localFlagVar(c, &o.Local)
	return c
}

func driftRun(ctx context.Context, e *env, o *driftOptions) error {
	res, err := e.computePlan(ctx, o.Files[0], o.Local, false, true)
	if err != nil {
		return err
	}
	defer res.backend.Close()
	if o.Verbose {
		fmt.Fprintf(e.Err, "read the tenant in %d Graph and %d Key Vault requests (%s)\n",
			res.snapshot.GraphRequests, res.snapshot.VaultRequests, res.readTime.Round(1e6))
	}
	r, err := drift.Compute(res.spec, res.snapshot, res.plan, drift.Options{
		Now: res.plan.PlannedAt, ExpiryWindow: o.window, FailOnExpiry: o.FailOnExpiry})
	if err != nil {
		return err
	}
	if err := writeDrift(e.Out, r, o.Format); err != nil {
		return err
	}
	for _, it := range r.Items {
		if it.Severity == drift.SeverityWarning {
			fmt.Fprintf(e.Err, "warning: %s: %s\n", it.Address, it.Message)
		}
	}
	if r.HasDrift() {
		return errChanges
	}
	return nil
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
