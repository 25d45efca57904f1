package main

import (
	"bytes"
	"context"
	"encoding/json"
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
			defaultSpec(&o.Files)
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
	specFlag(c, &o.Files, "spec `FILE` to compare the tenant with, or a directory of them; repeat for several sets (default registrations.yaml)")
	formatFlag(c, &o.Format, "text", "output `format`: text, markdown, json or junit", "text", "markdown", "json", "junit")
	c.Flags().StringVar(&o.ExpiryWindow, "expiry-window", "30d", "report client secrets that end within `DURATION` (d, h, m, s)")
	c.Flags().BoolVar(&o.FailOnExpiry, "fail-on-expiry", false, "count a secret ending within the window as drift (exit 2), not a warning")
	c.Flags().BoolVar(&o.Verbose, "verbose", false, "report on stderr how many requests the read took")
	localFlagVar(c, &o.Local)
	return c
}

func driftRun(ctx context.Context, e *env, o *driftOptions) error {
	pr := e.newProgress(false)
	pr.run()
	results, bs, err := e.planSets(ctx, o.Files, o.Local, false, true, pr)
	pr.close()
	if err != nil {
		return err
	}
	defer bs.Close()
	if o.Verbose {
		reportReads(e.Err, results)
	}
	drifted := false
	var reports []*drift.Report
	for _, res := range results {
		r, err := drift.Compute(res.spec, res.snapshot, res.plan, drift.Options{
			Now: res.plan.PlannedAt, ExpiryWindow: o.window, FailOnExpiry: o.FailOnExpiry})
		if err != nil {
			return err
		}
		reports = append(reports, r)
		drifted = drifted || r.HasDrift()
	}
	if err := writeDrifts(e.Out, results, reports, o.Format); err != nil {
		return err
	}
	for _, r := range reports {
		for _, it := range r.Items {
			if it.Severity == drift.SeverityWarning {
				fmt.Fprintf(e.Err, "warning: %s: %s\n", it.Address, it.Message)
			}
		}
		for _, n := range r.Notices {
			fmt.Fprintf(e.Err, "notice: %s: %s\n", n.Address, n.Message)
		}
	}
	if drifted {
		return errChanges
	}
	return nil
}

// writeDrifts writes one report as writeDrift does, several one after the
// other under headings naming their sets, or in JSON as {"sets": […]}.
func writeDrifts(w io.Writer, results []*planResult, reports []*drift.Report, format string) error {
	if len(reports) == 1 {
		return writeDrift(w, reports[0], format)
	}
	if format == "junit" {
		// One document, a testsuite per set.
		return drift.JUnitSets(w, reports)
	}
	if format == "json" {
		type set struct {
			File   string          `json:"file"`
			Set    string          `json:"set"`
			Report json.RawMessage `json:"report"`
		}
		var doc struct {
			Sets []set `json:"sets"`
		}
		for i, r := range reports {
			var b bytes.Buffer
			if err := drift.JSON(&b, r); err != nil {
				return err
			}
			doc.Sets = append(doc.Sets, set{File: results[i].spec.File, Set: results[i].spec.Set, Report: bytes.TrimSpace(b.Bytes())})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if format == "markdown" {
			fmt.Fprintf(w, "## Set `%s` (`%s`)\n\n", results[i].spec.Set, results[i].spec.File)
		} else {
			fmt.Fprintln(w, setHeading(results[i]))
		}
		if err := writeDrift(w, r, format); err != nil {
			return err
		}
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
