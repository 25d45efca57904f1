package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/spec"
)

const showExamples = `  # Review the plan a pull request saved, without touching the tenant
  regsync show regsync.plan

  # As a pull request comment, or for a script
  regsync show regsync.plan --format markdown > plan.md
  regsync show regsync.plan --format json | jq '.summary'`

type showOptions struct {
	PlanFile string
	Format   string
}

func newCmdShow(e *env, runF func(context.Context, *showOptions) error) *cobra.Command {
	o := &showOptions{}
	c := &cobra.Command{
		Use:   "show PLAN [--format text|markdown|json]",
		Short: "Render a saved plan without touching the tenant",
		Long: `Show renders a plan saved by 'regsync plan --out PLAN' as text, markdown or
JSON, exactly as plan printed it. It reads only the file: no sign-in, no
request to the tenant. It does not check that the plan is still current;
'regsync apply PLAN' does.`,
		Example: showExamples,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("want one saved plan, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.PlanFile = args[0]
			if err := oneOf("format", o.Format, "text", "markdown", "json"); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return showRun(e, o)
		},
	}
	formatFlag(c, &o.Format, "text", "output `format`: text, markdown or json", "text", "markdown", "json")
	return c
}

// savedResults are the sets of a saved plan as plan results that
// writePlans renders: each names its set and spec file.
func savedResults(pf *planfile.File) []*planResult {
	var out []*planResult
	for _, s := range pf.Sets {
		out = append(out, &planResult{spec: &spec.Spec{File: s.SpecFile, Set: s.Set}, plan: s.Plan})
	}
	return out
}

func showRun(e *env, o *showOptions) error {
	pf, err := readPlanFile(o.PlanFile)
	if err != nil {
		return err
	}
	if err := writePlans(e.Out, savedResults(pf), o.Format, e.Colour()); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	return nil
}
