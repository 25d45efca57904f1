package main

import (
	"context"
	"fmt"
	"time"

	"github.com/regsync/regsync/planner"
	"github.com/regsync/regsync/spec"
	"github.com/regsync/regsync/tenant"
)

// planResult is a spec, the tenant as read for it, and the plan between them.
type planResult struct {
	spec     *spec.Spec
	backend  *backend
	snapshot *tenant.Snapshot
	plan     *planner.Plan
	readTime time.Duration
}

// computePlan loads the spec, reads the tenant and computes the plan,
// printing diagnostics on stderr. On failure it returns nil and the exit
// code; on success the caller closes res.backend.
// drift also reads the vaults' soft-deleted secrets (withDeleted), and
// reports a user or group the spec names that no longer exists as drift
// rather than failing.
func (e *env) computePlan(ctx context.Context, file string, local localFlag, prune bool, withDeleted ...bool) (*planResult, int) {
	sp, ok := e.loadSpec(file)
	if !ok {
		return nil, exitError
	}
	b, err := e.connect(ctx, sp, local)
	if err != nil {
		fmt.Fprintf(e.Err, "regsync: %v\n", err)
		return nil, exitError
	}
	start := time.Now()
	q := readQuery(sp, b)
	q.DeletedSecrets = len(withDeleted) > 0 && withDeleted[0]
	snap, err := tenant.Read(ctx, b.Dir, b.Vault, q)
	if err != nil {
		b.Close()
		fmt.Fprintf(e.Err, "regsync: reading the tenant: %v\n", err)
		return nil, exitError
	}
	readTime := time.Since(start)
	p, ds := planner.Compute(sp, snap, planner.Options{Now: e.Now(), Prune: prune, CallerID: b.CallerID,
		MissingPrincipalsAreDrift: q.DeletedSecrets})
	ds.Sort()
	if len(ds) > 0 {
		fmt.Fprint(e.Err, ds.Format())
	}
	if ds.HasErrors() || p == nil {
		b.Close()
		return nil, exitError
	}
	return &planResult{spec: sp, backend: b, snapshot: snap, plan: p, readTime: readTime}, exitOK
}

// reportReads says on stderr how many requests the read took (--verbose);
// the Azure Resource Manager count only when the spec names Azure resources.
func (e *env) reportReads(res *planResult) {
	s := res.snapshot
	if s.ARMRequests > 0 {
		fmt.Fprintf(e.Err, "read the tenant in %d Graph, %d Key Vault and %d Azure Resource Manager requests (%s)\n",
			s.GraphRequests, s.VaultRequests, s.ARMRequests, res.readTime.Round(1e6))
		return
	}
	fmt.Fprintf(e.Err, "read the tenant in %d Graph and %d Key Vault requests (%s)\n",
		s.GraphRequests, s.VaultRequests, res.readTime.Round(1e6))
}
