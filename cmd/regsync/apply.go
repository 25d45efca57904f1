package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

const applyExamples = `  # Plan and apply against the embedded emulator, without a prompt
  regsync apply --local -f examples/fhir/registrations.yaml --auto-approve

  # After merge: apply exactly the plan that was reviewed
  regsync apply regsync.plan --auto-approve

  # Interactive: show the plan, then ask before changing anything
  regsync apply -f registrations.yaml

  # Also delete set objects the spec no longer names (at most 10)
  regsync apply --prune --max-deletes 10 --auto-approve`

type applyOptions struct {
	Files       []string
	PlanFile    string
	AutoApprove bool
	Input       bool
	Prune       bool
	Parallelism int
	MaxDeletes  int
	Format      string
	Local       localFlag
	FileGiven   bool // -f was on the command line
}

func newCmdApply(e *env, runF func(context.Context, *applyOptions) error) *cobra.Command {
	o := &applyOptions{}
	c := &cobra.Command{
		Use:     "apply [-f FILE | PLAN] [--auto-approve] [--prune] [--parallelism N] [--max-deletes N] [--format text|json] [--local[=DIR]]",
		Short:   "Change the tenant to match the spec (secrets go to Key Vault)",
		Example: applyExamples,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("give at most one saved plan, got %d arguments", len(args))
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.PlanFile = args[0]
			}
			o.FileGiven = c.Flags().Changed("file")
			if err := oneOf("format", o.Format, "text", "json"); err != nil {
				return err
			}
			defaultSpec(&o.Files)
			if o.PlanFile != "" && len(o.Files) > 1 {
				return usagef("a saved plan names its spec files; give -f at most once with it (for a plan of one set)")
			}
			if o.Parallelism < 1 {
				return usagef("--parallelism must be at least 1")
			}
			if runF != nil {
				return runF(c.Context(), o)
			}
			return applyRun(c.Context(), e, o)
		},
	}
	specFlag(c, &o.Files, "spec `FILE` to apply, or a directory of them; repeat for several sets (a saved PLAN names its own spec files)")
	c.Flags().BoolVar(&o.AutoApprove, "auto-approve", false, "apply without asking for confirmation")
	c.Flags().BoolVar(&o.Input, "input", true, "ask for confirmation on the terminal; --input=false fails instead of asking")
	c.Flags().BoolVar(&o.Prune, "prune", false, "delete set objects the spec no longer names (with a fresh plan)")
	c.Flags().IntVar(&o.Parallelism, "parallelism", applier.DefaultParallelism, "most writes in flight at once")
	c.Flags().IntVar(&o.MaxDeletes, "max-deletes", applier.DefaultMaxDeletes, "refuse a plan that deletes more objects than this (-1: no limit)")
	formatFlag(c, &o.Format, "text", "progress output: text, or json for NDJSON events", "text", "json")
	localFlagVar(c, &o.Local)
	return c
}

func applyRun(ctx context.Context, e *env, o *applyOptions) error {
	if !o.AutoApprove {
		switch {
		case !o.Input:
			return fmt.Errorf("--input=false and no --auto-approve: review the plan and pass --auto-approve")
		case !e.canPrompt():
			return fmt.Errorf("no terminal to ask for confirmation (stdin and stdout must both be one); review the plan and pass --auto-approve")
		}
	}

	// Progress runs from the first read to the last write: read retries
	// and heartbeats, then the apply's events through it.
	pr := e.newProgress(o.Format == "json")
	render := applier.TextEvents(&pr.prefix, e.Colour())
	if o.Format == "json" {
		render = applier.JSONEvents(e.Out)
	}
	pr.events = render
	events := pr.applyEvents(render)
	pr.run()
	defer pr.close()

	var results []*planResult
	if o.PlanFile != "" {
		rs, bs, err := e.loadSavedPlan(ctx, o, pr)
		if err != nil {
			return err
		}
		defer bs.Close()
		results = rs
	} else {
		rs, bs, err := e.planSets(ctx, o.Files, o.Local, o.Prune, false, pr)
		if err != nil {
			return err
		}
		defer bs.Close()
		results = rs
		if o.Format == "text" {
			if err := writePlans(e.Out, results, "text", e.Colour()); err != nil {
				return err
			}
		}
	}
	if total(results).Empty() {
		if o.Format == "text" && o.PlanFile != "" {
			fmt.Fprintln(e.Out, "No changes. The tenant matches the spec.")
		}
		return nil
	}
	deletes := 0
	for _, res := range results {
		deletes += applier.CountDeletes(res.plan)
	}
	if o.MaxDeletes == 0 && deletes > 0 {
		// applier.Options reads 0 as "the default"; on the command line 0 means none.
		return fmt.Errorf("refused: the plan deletes %d objects and --max-deletes is 0", deletes)
	}
	if !o.AutoApprove && !e.confirm(ctx) {
		fmt.Fprintln(e.Err, "Apply cancelled.")
		return errReported
	}

	var failed, notApplied []string
	var firstErr error
	var sum applier.Summary
	for _, res := range results {
		if res.plan.Summary.Empty() {
			continue
		}
		if !e.Interrupt.beginApply() {
			notApplied = append(notApplied, res.spec.Set)
			continue
		}
		if len(results) > 1 && o.Format == "text" {
			fmt.Fprintf(e.Out, "\n%s\n", setHeading(res))
		}
		r, err := applier.Apply(ctx, res.plan, res.backend.Dir, res.backend.Vault, res.snapshot, applier.Options{
			Parallelism: o.Parallelism,
			MaxDeletes:  o.MaxDeletes,
			Now:         e.Now,
			Events:      events,
			Access:      res.backend.Access,
			Stop:        e.Interrupt.Stop(),
		})
		e.Interrupt.endApply()
		if r != nil {
			sum.Added += r.Summary.Added
			sum.Changed += r.Summary.Changed
			sum.Destroyed += r.Summary.Destroyed
			sum.Failed += r.Summary.Failed
			sum.Skipped += r.Summary.Skipped
		}
		if err != nil {
			failed = append(failed, res.spec.Set)
			if firstErr == nil {
				firstErr = err
			}
			if len(results) > 1 && !e.Interrupt.Stopped() {
				fmt.Fprintf(e.Err, "regsync apply: set %s: %v\n", res.spec.Set, err)
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	switch {
	case e.Interrupt.Stopped() && (sum.Skipped > 0 || len(notApplied) > 0 || ctx.Err() != nil):
		return interruptedError(sum, notApplied)
	case firstErr == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%w\nInterrupted: run 'regsync plan' to see what is left; a re-run converges", firstErr)
	case len(results) > 1:
		return fmt.Errorf("%d of %d sets failed (%s); a re-run converges", len(failed), len(results), strings.Join(failed, ", "))
	default:
		return firstErr
	}
}

// interruptedError is how an apply stopped by Ctrl-C ends: what ran, what
// did not, and what to do.
func interruptedError(sum applier.Summary, notApplied []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "interrupted: %d added, %d changed, %d destroyed", sum.Added, sum.Changed, sum.Destroyed)
	if sum.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", sum.Failed)
	}
	fmt.Fprintf(&b, "; %d actions not started", sum.Skipped)
	if len(notApplied) > 0 {
		fmt.Fprintf(&b, " and %d sets not applied (%s)", len(notApplied), strings.Join(notApplied, ", "))
	}
	b.WriteString(". Run 'regsync plan' to see what is left; a re-run converges")
	return errors.New(b.String())
}

// confirm asks on the terminal; only "yes" goes ahead, as with terraform.
// An interrupt (ctx ends) is a no.
func (e *env) confirm(ctx context.Context) bool {
	fmt.Fprint(e.Out, "\nDo you want to apply these changes to the tenant?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(e.In).ReadString('\n')
		answer <- line
	}()
	select {
	case line := <-answer:
		return strings.TrimSpace(line) == "yes"
	case <-ctx.Done():
		return false
	}
}

// loadSavedPlan reads a saved plan, re-reads the tenant for each of its
// sets and refuses the plan when, in any set, anything it was computed from
// has changed (the fingerprints: a quick check that names what changed) or
// its actions are not those a fresh plan of the same spec and tenant has
// (replan: whatever was edited). One stale set refuses the whole plan,
// before anything is written. The caller closes the backends.
func (e *env) loadSavedPlan(ctx context.Context, o *applyOptions, pr *progress) ([]*planResult, *backends, error) {
	if o.Prune {
		return nil, nil, usagef("--prune applies to a fresh plan; a saved plan already says whether it prunes")
	}
	pf, err := readPlanFile(o.PlanFile)
	if err != nil {
		return nil, nil, err
	}
	if o.FileGiven && len(pf.Sets) > 1 {
		return nil, nil, usagef("the saved plan holds %d sets, each naming its spec file; give no -f with it", len(pf.Sets))
	}
	bs := e.newBackends(o.Local)
	var results []*planResult
	var stale []string
	for _, s := range pf.Sets {
		specFile := s.SpecFile
		if o.FileGiven {
			specFile = o.Files[0]
		}
		sp, err := e.loadSpec(specFile)
		if err != nil {
			bs.Close()
			return nil, nil, err
		}
		b, err := bs.get(ctx, sp)
		if err != nil {
			bs.Close()
			return nil, nil, err
		}
		start := time.Now()
		snap, err := readTenant(ctx, sp, b, readQuery(sp, b), pr)
		if err != nil {
			bs.Close()
			return nil, nil, fmt.Errorf("reading the tenant: %w", err)
		}
		if err := pf.CheckSet(s, e.Build.Full(), sp.Digest, snap.Organization.ID, snap); err != nil {
			if errors.Is(err, planfile.ErrStale) && len(pf.Sets) > 1 {
				stale = append(stale, fmt.Sprintf("set %s (%s): %v", s.Set, s.SpecFile, err))
				continue
			}
			bs.Close()
			if errors.Is(err, planfile.ErrStale) {
				return nil, nil, fmt.Errorf("the saved plan %s is stale: %w", o.PlanFile, err)
			}
			return nil, nil, fmt.Errorf("%s: %w", o.PlanFile, err)
		}
		fresh, err := e.replan(s, o.PlanFile, sp, snap, b.CallerID)
		if err != nil {
			bs.Close()
			return nil, nil, err
		}
		results = append(results, &planResult{spec: sp, backend: b, snapshot: snap, plan: fresh, readTime: time.Since(start)})
	}
	if len(stale) > 0 {
		bs.Close()
		return nil, nil, fmt.Errorf("the saved plan %s is stale in %d of its %d sets, so none is applied:\n  %s",
			o.PlanFile, len(stale), len(pf.Sets), strings.Join(stale, "\n  "))
	}
	return results, bs, nil
}

// readPlanFile opens and decodes a saved plan.
func readPlanFile(path string) (*planfile.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pf, err := planfile.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pf, nil
}

// clockSkew is how far in the future a saved plan's planned_at may lie
// before apply refuses it: clocks of the machines that plan and apply may
// disagree by a little, not by more.
const clockSkew = 5 * time.Minute

// replan computes the plan again from the spec and the fresh read of the
// tenant, with the options the saved plan records, and returns it only if
// the saved plan's actions are the same (planfile.File.Match). The saved
// plan's planned_at is the clock: secret renewal and overlap are judged as
// they were when the plan was reviewed, so a plan whose inputs did not
// change gives the same actions however long ago it was made. A planned_at
// in the future is refused: it could only make credentials look older than
// they are. The returned plan is the one applied; it equals the file in
// everything that executes.
func (e *env) replan(pf *planfile.SetPlan, path string, sp *spec.Spec, snap *tenant.Snapshot, callerID string) (*planner.Plan, error) {
	if now := e.Now(); pf.Plan.PlannedAt.After(now.Add(clockSkew)) {
		return nil, fmt.Errorf("%s: planned_at %s is later than now (%s); the file was edited or a clock is wrong; run regsync plan again and review the new plan",
			path, pf.Plan.PlannedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	fresh, ds := planner.Compute(sp, snap, planner.Options{Now: pf.Plan.PlannedAt, Prune: pf.Plan.Prune, CallerID: callerID})
	if ds.HasErrors() || fresh == nil {
		ds.Sort()
		fmt.Fprint(e.Err, ds.Format())
		return nil, fmt.Errorf("%s: the spec no longer plans against this tenant; run regsync plan again", path)
	}
	if err := pf.Match(fresh); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fresh, nil
}
