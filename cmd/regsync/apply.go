package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/regsync/regsync/applier"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/planner/planfile"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

func init() {
	register(command{Name: "apply", Summary: "Change the tenant to match the spec (secrets go to Key Vault)", Run: runApply})
}

const applyExamples = `  # Plan and apply against the embedded emulator, without a prompt
  regsync apply --local -f examples/fhir/registrations.yaml --auto-approve

  # After merge: apply exactly the plan that was reviewed
  regsync apply regsync.plan --auto-approve

  # Interactive: show the plan, then ask before changing anything
  regsync apply -f registrations.yaml

  # Also delete set objects the spec no longer names (at most 10)
  regsync apply --prune --max-deletes 10 --auto-approve`

type applyOptions struct {
	File        string
	PlanFile    string
	AutoApprove bool
	Prune       bool
	Parallelism int
	MaxDeletes  int
	Format      string
	Local       localFlag
	FileGiven   bool // -f was on the command line
}

func runApply(ctx context.Context, e *env, args []string) int {
	var o applyOptions
	fs := newFlagSet(e, "apply", "apply [-f FILE | PLAN] [--auto-approve] [--prune] [--parallelism N] [--max-deletes N] [--format text|json] [--local[=DIR]]", applyExamples)
	fs.StringVar(&o.File, "f", "registrations.yaml", "spec `FILE` to apply (a saved PLAN names its own spec file)")
	fs.BoolVar(&o.AutoApprove, "auto-approve", false, "apply without asking for confirmation")
	fs.BoolVar(&o.Prune, "prune", false, "delete set objects the spec no longer names (with a fresh plan)")
	fs.IntVar(&o.Parallelism, "parallelism", applier.DefaultParallelism, "most writes in flight at once")
	fs.IntVar(&o.MaxDeletes, "max-deletes", applier.DefaultMaxDeletes, "refuse a plan that deletes more objects than this (-1: no limit)")
	fs.StringVar(&o.Format, "format", "text", "progress output: text, or json for NDJSON events")
	fs.Var(&o.Local, "local", localHelp)
	if code, stop := parseFlags(fs, args); stop {
		return code
	}
	fs.Visit(func(f *flag.Flag) { o.FileGiven = o.FileGiven || f.Name == "f" })
	switch fs.NArg() {
	case 0:
	case 1:
		o.PlanFile = fs.Arg(0)
	default:
		fmt.Fprintf(e.Err, "regsync apply: give at most one saved plan, got %d arguments\n", fs.NArg())
		return exitError
	}
	if o.Format != "text" && o.Format != "json" {
		fmt.Fprintf(e.Err, "regsync apply: unknown --format %q (want text or json)\n", o.Format)
		return exitError
	}
	if o.Parallelism < 1 {
		fmt.Fprintf(e.Err, "regsync apply: --parallelism must be at least 1\n")
		return exitError
	}
	if !o.AutoApprove && !e.IsTTY {
		fmt.Fprintln(e.Err, "regsync apply: no terminal to ask for confirmation; review the plan and pass --auto-approve")
		return exitError
	}

	var res *planResult
	if o.PlanFile != "" {
		var code int
		if res, code = e.loadSavedPlan(ctx, o); res == nil {
			return code
		}
	} else {
		var code int
		if res, code = e.computePlan(ctx, o.File, o.Local, o.Prune); res == nil {
			return code
		}
		if o.Format == "text" {
			if err := writePlan(e.Out, res.plan, "text", e.Colour()); err != nil {
				res.backend.Close()
				fmt.Fprintf(e.Err, "regsync apply: %v\n", err)
				return exitError
			}
		}
	}
	defer res.backend.Close()
	if res.plan.Summary.Empty() {
		if o.Format == "text" && o.PlanFile != "" {
			fmt.Fprintln(e.Out, "No changes. The tenant matches the spec.")
		}
		return exitOK
	}
	if n := applier.CountDeletes(res.plan); o.MaxDeletes == 0 && n > 0 {
		// applier.Options reads 0 as "the default"; on the command line 0 means none.
		fmt.Fprintf(e.Err, "regsync apply: refused: the plan deletes %d objects and --max-deletes is 0\n", n)
		return exitError
	}
	if !o.AutoApprove && !e.confirm() {
		fmt.Fprintln(e.Err, "Apply cancelled.")
		return exitError
	}

	events := applier.TextEvents(e.Out, e.Colour())
	if o.Format == "json" {
		events = applier.JSONEvents(e.Out)
	}
	_, err := applier.Apply(ctx, res.plan, res.backend.Dir, res.backend.Vault, res.snapshot, applier.Options{
		Parallelism: o.Parallelism,
		MaxDeletes:  o.MaxDeletes,
		Now:         e.Now,
		Events:      events,
		Access:      res.backend.Access,
	})
	if err != nil {
		fmt.Fprintf(e.Err, "regsync apply: %v\n", err)
		if ctx.Err() != nil {
			fmt.Fprintln(e.Err, "Interrupted: run 'regsync plan' to see what is left; a re-run converges.")
		}
		return exitError
	}
	return exitOK
}

// confirm asks on the terminal; only "yes" goes ahead, as with terraform.
func (e *env) confirm() bool {
	fmt.Fprint(e.Out, "\nDo you want to apply these changes to the tenant?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	line, _ := bufio.NewReader(e.In).ReadString('\n')
	return strings.TrimSpace(line) == "yes"
}

// loadSavedPlan reads a saved plan, re-reads the tenant and refuses the plan
// when anything it was computed from has changed (the fingerprints: a quick
// check that names what changed) or when its actions are not those a fresh
// plan of the same spec and tenant has (replan: whatever was edited).
func (e *env) loadSavedPlan(ctx context.Context, o applyOptions) (*planResult, int) {
	if o.Prune {
		fmt.Fprintln(e.Err, "regsync apply: --prune applies to a fresh plan; a saved plan already says whether it prunes")
		return nil, exitError
	}
	f, err := os.Open(o.PlanFile)
	if err != nil {
		fmt.Fprintf(e.Err, "regsync apply: %v\n", err)
		return nil, exitError
	}
	pf, err := planfile.Read(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(e.Err, "regsync apply: %s: %v\n", o.PlanFile, err)
		return nil, exitError
	}
	specFile := pf.SpecFile
	if o.FileGiven {
		specFile = o.File
	}
	sp, ok := e.loadSpec(specFile)
	if !ok {
		return nil, exitError
	}
	b, err := e.connect(ctx, sp, o.Local)
	if err != nil {
		fmt.Fprintf(e.Err, "regsync: %v\n", err)
		return nil, exitError
	}
	start := time.Now()
	snap, err := tenant.Read(ctx, b.Dir, b.Vault, readQuery(sp, b))
	if err != nil {
		b.Close()
		fmt.Fprintf(e.Err, "regsync: reading the tenant: %v\n", err)
		return nil, exitError
	}
	if err := pf.Check(e.Build.Full(), sp.Digest, snap.Organization.ID, snap); err != nil {
		b.Close()
		if errors.Is(err, planfile.ErrStale) {
			fmt.Fprintf(e.Err, "regsync apply: the saved plan %s is stale: %v\n", o.PlanFile, err)
		} else {
			fmt.Fprintf(e.Err, "regsync apply: %s: %v\n", o.PlanFile, err)
		}
		return nil, exitError
	}
	fresh, code := e.replan(pf, o.PlanFile, sp, snap, b.CallerID)
	if fresh == nil {
		b.Close()
		return nil, code
	}
	return &planResult{spec: sp, backend: b, snapshot: snap, plan: fresh, readTime: time.Since(start)}, exitOK
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
func (e *env) replan(pf *planfile.File, path string, sp *spec.Spec, snap *tenant.Snapshot, callerID string) (*planner.Plan, int) {
	if now := e.Now(); pf.Plan.PlannedAt.After(now.Add(clockSkew)) {
		fmt.Fprintf(e.Err, "regsync apply: %s: planned_at %s is later than now (%s); the file was edited or a clock is wrong; run regsync plan again and review the new plan\n",
			path, pf.Plan.PlannedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		return nil, exitError
	}
	fresh, ds := planner.Compute(sp, snap, planner.Options{Now: pf.Plan.PlannedAt, Prune: pf.Plan.Prune, CallerID: callerID})
	if ds.HasErrors() || fresh == nil {
		ds.Sort()
		fmt.Fprint(e.Err, ds.Format())
		fmt.Fprintf(e.Err, "regsync apply: %s: the spec no longer plans against this tenant; run regsync plan again\n", path)
		return nil, exitError
	}
	if err := pf.Match(fresh); err != nil {
		fmt.Fprintf(e.Err, "regsync apply: %s: %v\n", path, err)
		return nil, exitError
	}
	return fresh, exitOK
}
