package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/spec"
)

func init() {
	register(command{Name: "plan", Summary: "Show what would change in the tenant to match the spec", Run: runPlan})
}

const planExamples = `  # Plan against the embedded emulator (no Azure account needed)
  regsync plan --local -f examples/fhir/registrations.yaml

  # In a pull request: save the plan for apply, print markdown for a comment
  regsync plan -f registrations.yaml -out regsync.plan --format markdown --detailed-exitcode

  # Machine-readable plan
  regsync plan --format json > plan.json`

type planOptions struct {
	File             string
	Out              string
	Format           string
	DetailedExitcode bool
	Prune            bool
	Verbose          bool
	Local            localFlag
}

func runPlan(ctx context.Context, e *env, args []string) int {
	var o planOptions
	fs := newFlagSet(e, "plan", "plan [-f FILE] [-out PLAN] [--format text|markdown|json] [--detailed-exitcode] [--prune] [--local[=DIR]]", planExamples)
	fs.StringVar(&o.File, "f", "registrations.yaml", "spec `FILE` to plan")
	fs.StringVar(&o.Out, "out", "", "save the plan to `PLAN` for 'regsync apply PLAN'")
	fs.StringVar(&o.Format, "format", "text", "output format: text, markdown or json")
	fs.BoolVar(&o.DetailedExitcode, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	fs.BoolVar(&o.Prune, "prune", false, "plan the deletion of set objects the spec no longer names")
	fs.BoolVar(&o.Verbose, "verbose", false, "report on stderr how many requests the read took")
	fs.Var(&o.Local, "local", localHelp)
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Err, "regsync plan: unexpected argument %q (the spec is given with -f)\n", fs.Arg(0))
		return exitError
	}
	switch o.Format {
	case "text", "markdown", "json":
	default:
		fmt.Fprintf(e.Err, "regsync plan: unknown --format %q (want text, markdown or json)\n", o.Format)
		return exitError
	}

	res, code := e.computePlan(ctx, o.File, o.Local, o.Prune)
	if res == nil {
		return code
	}
	defer res.backend.Close()
	if o.Verbose {
		e.reportReads(res)
	}
	if err := writePlan(e.Out, res.plan, o.Format, e.Colour()); err != nil {
		fmt.Fprintf(e.Err, "regsync plan: %v\n", err)
		return exitError
	}
	if o.Out != "" {
		if err := savePlan(o.Out, res, e); err != nil {
			fmt.Fprintf(e.Err, "regsync plan: %v\n", err)
			return exitError
		}
		if o.Format == "text" {
			fmt.Fprintf(e.Out, "\nSaved the plan to %s. To apply exactly this plan, run:\n    regsync apply %s\n", o.Out, o.Out)
		}
	}
	if o.DetailedExitcode && !res.plan.Summary.Empty() {
		return exitChanges
	}
	return exitOK
}

func writePlan(w io.Writer, p *planner.Plan, format string, colour bool) error {
	switch format {
	case "text":
		return render.Text(w, p, render.TextOptions{Colour: colour})
	case "markdown":
		return render.Markdown(w, p)
	case "json":
		return render.JSON(w, p)
	default:
		panic(fmt.Sprintf("internal error: unknown plan format %q", format))
	}
}

// savePlan writes the plan file next to its final name and renames it into
// place, so a crash never leaves half a plan.
func savePlan(path string, res *planResult, e *env) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".regsync-plan-*")
	if err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := planfile.Write(tmp, res.plan, e.Build.Full(), res.snapshot); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the plan: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// loadSpec loads and validates a spec, printing its diagnostics.
func (e *env) loadSpec(file string) (*spec.Spec, bool) {
	sp, ds := spec.Load(file)
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if ds.HasErrors() || sp == nil {
		return nil, false
	}
	return sp, true
}
