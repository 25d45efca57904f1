package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/planner/render"
	"github.com/regsync/regsync/spec"
)

const planExamples = `  # Plan against the embedded emulator (no Azure account needed)
  regsync plan --local -f examples/fhir/registrations.yaml

  # In a pull request: save the plan for apply, print markdown for a comment
  regsync plan -f registrations.yaml --out regsync.plan --format markdown --detailed-exitcode

  # Machine-readable plan
  regsync plan --format json > plan.json`

type planOptions struct {
	Files            []string
	Out              string
	Format           string
	DetailedExitcode bool
	Prune            bool
	Verbose          bool
	Local            localFlag
}

func newCmdPlan(e *env, runF func(context.Context, *planOptions) error) *cobra.Command {
	o := &planOptions{}
	c := &cobra.Command{
		Use:     "plan [-f FILE] [--out PLAN] [--format text|markdown|json] [--detailed-exitcode] [--prune] [--local[=DIR]]",
		Short:   "Show what would change in the tenant to match the spec",
		Example: planExamples,
		Args:    noArgs("the spec is given with -f"),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("format", o.Format, "text", "markdown", "json"); err != nil {
				return err
			}
			defaultSpec(&o.Files)
			if runF != nil {
				return runF(c.Context(), o)
			}
			return planRun(c.Context(), e, o)
		},
	}
	specFlag(c, &o.Files, "spec `FILE` to plan, or a directory of them; repeat for several sets (default registrations.yaml)")
	c.Flags().StringVar(&o.Out, "out", "", "save the plan to `PLAN` for 'regsync apply PLAN' (one file for every set)")
	formatFlag(c, &o.Format, "text", "output `format`: text, markdown or json", "text", "markdown", "json")
	c.Flags().BoolVar(&o.DetailedExitcode, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	c.Flags().BoolVar(&o.Prune, "prune", false, "plan the deletion of set objects the spec no longer names")
	c.Flags().BoolVar(&o.Verbose, "verbose", false, "report on stderr how many requests the read took")
	localFlagVar(c, &o.Local)
	return c
}

// defaultSpec defaults -f to registrations.yaml.
func defaultSpec(files *[]string) {
	if len(*files) == 0 {
		*files = []string{"registrations.yaml"}
	}
}

func planRun(ctx context.Context, e *env, o *planOptions) error {
	pr := e.newProgress(false)
	pr.run()
	results, bs, err := e.planSets(ctx, o.Files, o.Local, o.Prune, false, pr)
	pr.close()
	if err != nil {
		return err
	}
	defer bs.Close()
	if o.Verbose {
		reportReads(e.Err, results)
	}
	if err := writePlans(e.Out, results, o.Format, e.Colour()); err != nil {
		return err
	}
	if o.Out != "" {
		if err := savePlan(o.Out, results, e); err != nil {
			return err
		}
		if o.Format == "text" {
			fmt.Fprintf(e.Out, "\nSaved the plan to %s. To apply exactly this plan, run:\n    regsync apply %s\n", o.Out, o.Out)
		}
	}
	if o.DetailedExitcode && !total(results).Empty() {
		return errChanges
	}
	return nil
}

// writePlans renders one plan as writePlan does, and several one after
// the other: in text and markdown each under a heading naming its set and
// file, followed by one total; in JSON as {"sets": [{"file", "plan"}…]}.
func writePlans(w io.Writer, results []*planResult, format string, colour bool) error {
	if len(results) == 1 {
		return writePlan(w, results[0].plan, format, colour)
	}
	switch format {
	case "json":
		type set struct {
			File string          `json:"file"`
			Set  string          `json:"set"`
			Plan json.RawMessage `json:"plan"`
		}
		doc := struct {
			Sets    []set           `json:"sets"`
			Summary planner.Summary `json:"summary"`
		}{Summary: total(results)}
		for _, r := range results {
			b, err := render.MarshalJSON(r.plan)
			if err != nil {
				return err
			}
			doc.Sets = append(doc.Sets, set{File: r.spec.File, Set: r.spec.Set, Plan: b})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	case "markdown":
		for _, r := range results {
			fmt.Fprintf(w, "## Set `%s` (`%s`)\n\n", r.spec.Set, r.spec.File)
			if err := render.Markdown(w, r.plan); err != nil {
				return err
			}
			fmt.Fprintln(w)
		}
		_, err := fmt.Fprintf(w, "**%s**\n", totalLine(results))
		return err
	default:
		for i, r := range results {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, setHeading(r))
			if err := writePlan(w, r.plan, format, colour); err != nil {
				return err
			}
		}
		_, err := fmt.Fprintf(w, "\n%s\n", totalLine(results))
		return err
	}
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

// savePlan writes the plan file of every set next to its final name and
// renames it into place, so a crash never leaves half a plan.
func savePlan(path string, results []*planResult, e *env) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".regsync-plan-*")
	if err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	entries := make([]planfile.Entry, len(results))
	for i, res := range results {
		entries[i] = planfile.Entry{Plan: res.plan, Live: res.snapshot}
	}
	if err := planfile.WriteSets(tmp, entries, e.Build.Full()); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the plan: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// loadSpec loads and validates a spec, printing its diagnostics; on
// errors it returns errReported.
func (e *env) loadSpec(file string) (*spec.Spec, error) {
	sp, ds := spec.Load(file)
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if ds.HasErrors() || sp == nil {
		return nil, errReported
	}
	return sp, nil
}
