package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/regsync/regsync/diag"
	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
)

// expandSpecFiles turns the -f arguments into spec files: a file stays as
// it is, a directory stands for every *.yaml and *.yml directly in it, in
// name order. A file named twice counts once.
func expandSpecFiles(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if abs, err := filepath.Abs(f); err == nil && !seen[abs] {
			seen[abs] = true
			out = append(out, f)
		}
	}
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil || !fi.IsDir() {
			add(a) // spec.Load reports a missing file with its name
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, en := range entries {
			if ext := strings.ToLower(filepath.Ext(en.Name())); !en.IsDir() && (ext == ".yaml" || ext == ".yml") {
				names = append(names, en.Name())
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("-f %s: the directory holds no .yaml or .yml file", a)
		}
		sort.Strings(names)
		for _, n := range names {
			add(filepath.Join(a, n))
		}
	}
	return out, nil
}

// loadSpecs loads and validates every spec, printing the diagnostics, and
// checks that no two of them claim the same set of a tenant or adopt the
// same application: such an error is reported at both places.
func (e *env) loadSpecs(files []string) ([]*spec.Spec, error) {
	var specs []*spec.Spec
	failed := false
	for _, f := range files {
		sp, err := e.loadSpec(f)
		if err != nil {
			failed = true
			continue
		}
		specs = append(specs, sp)
	}
	ds := overlaps(specs)
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if failed || ds.HasErrors() {
		return nil, errReported
	}
	return specs, nil
}

// overlaps reports two specs claiming the same set of the same tenant, or
// adopting the same application (appId): each would undo the other.
func overlaps(specs []*spec.Spec) diag.Diagnostics {
	var ds diag.Diagnostics
	sets := map[string]*spec.Spec{}
	type adopted struct {
		sp  *spec.Spec
		app *spec.Application
	}
	apps := map[string]adopted{}
	for _, sp := range specs {
		k := strings.ToLower(sp.Tenant) + "/" + strings.ToLower(sp.Set)
		if prev, ok := sets[k]; ok {
			ds.Errorf(sp.SetPos, "set", "Each set is managed by one file; merge the two files or rename one set.", "set %q of tenant %s is also claimed by %s", sp.Set, sp.Tenant, prev.SetPos)
			ds.Errorf(prev.SetPos, "set", "Each set is managed by one file; merge the two files or rename one set.", "set %q of tenant %s is also claimed by %s", sp.Set, sp.Tenant, sp.SetPos)
		} else {
			sets[k] = sp
		}
		for _, a := range sp.Applications {
			if a.AppID == "" {
				continue
			}
			k := strings.ToLower(sp.Tenant) + "/" + strings.ToLower(a.AppID)
			prev, ok := apps[k]
			if !ok {
				apps[k] = adopted{sp, a}
				continue
			}
			detail := "An application belongs to one set; remove it from one of the files."
			ds.Errorf(a.Pos, "applications."+a.Key, detail, "application %s is also adopted by %s (applications.%s)", a.AppID, prev.app.Pos, prev.app.Key)
			ds.Errorf(prev.app.Pos, "applications."+prev.app.Key, detail, "application %s is also adopted by %s (applications.%s)", a.AppID, a.Pos, a.Key)
		}
	}
	return ds
}

// backends connects once per tenant: the sets of one tenant share its
// connection (and, with --local, the one embedded emulator).
type backends struct {
	e     *env
	local localFlag
	open  map[string]*backend
}

func (e *env) newBackends(local localFlag) *backends {
	return &backends{e: e, local: local, open: map[string]*backend{}}
}

func (bs *backends) get(ctx context.Context, sp *spec.Spec) (*backend, error) {
	key := "local"
	if !bs.local.On {
		key = strings.ToLower(sp.Tenant) + "/" + string(sp.Cloud)
	}
	if b, ok := bs.open[key]; ok {
		return b, nil
	}
	b, err := bs.e.connect(ctx, sp, bs.local)
	if err != nil {
		return nil, err
	}
	bs.open[key] = b
	return b, nil
}

func (bs *backends) Close() {
	for _, b := range bs.open {
		b.Close()
	}
}

// planSets loads the specs of files and plans each against its tenant.
// The caller closes the backends.
// pr, when set, shows the reads' progress.
func (e *env) planSets(ctx context.Context, files []string, local localFlag, prune, withDeleted bool, pr *progress) ([]*planResult, *backends, error) {
	paths, err := expandSpecFiles(files)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	specs, err := e.loadSpecs(paths)
	if err != nil {
		return nil, nil, err
	}
	bs := e.newBackends(local)
	var results []*planResult
	for _, sp := range specs {
		b, err := bs.get(ctx, sp)
		if err != nil {
			bs.Close()
			return nil, nil, err
		}
		res, err := e.planWith(ctx, sp, b, prune, withDeleted, pr)
		if err != nil {
			bs.Close()
			if len(specs) > 1 && err != errReported {
				return nil, nil, fmt.Errorf("set %s (%s): %w", sp.Set, sp.File, err)
			}
			return nil, nil, err
		}
		results = append(results, res)
	}
	return results, bs, nil
}

// total adds up the plans' summaries.
func total(results []*planResult) planner.Summary {
	var t planner.Summary
	for _, r := range results {
		t.Add += r.plan.Summary.Add
		t.Change += r.plan.Summary.Change
		t.Destroy += r.plan.Summary.Destroy
	}
	return t
}

// setHeading names one set among several in text output.
func setHeading(r *planResult) string {
	return fmt.Sprintf("=== set %s (%s) ===", r.spec.Set, r.spec.File)
}

// totalLine is the one summary of several sets.
func totalLine(results []*planResult) string {
	t := total(results)
	return fmt.Sprintf("Total of %d sets: %d to add, %d to change, %d to destroy.", len(results), t.Add, t.Change, t.Destroy)
}

// reportReads prints, for --verbose, how many requests each set's read
// took: "read the tenant in N Graph and M Key Vault requests (T)", with
// "for set NAME" when there are several.
func reportReads(w io.Writer, results []*planResult) {
	for _, res := range results {
		which := ""
		if len(results) > 1 {
			which = " for set " + res.spec.Set
		}
		s := res.snapshot
		if s.ARMRequests > 0 {
			// The Azure Resource Manager count only when the spec names
			// Azure resources.
			fmt.Fprintf(w, "read the tenant%s in %d Graph, %d Key Vault and %d Azure Resource Manager requests (%s)\n",
				which, s.GraphRequests, s.VaultRequests, s.ARMRequests, res.readTime.Round(1e6))
			continue
		}
		fmt.Fprintf(w, "read the tenant%s in %d Graph and %d Key Vault requests (%s)\n",
			which, s.GraphRequests, s.VaultRequests, res.readTime.Round(1e6))
	}
}
